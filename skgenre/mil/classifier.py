"""``MILSongClassifier``: the multiple-instance song classifier.

Its hyper-parameters are declared once, in :data:`HYPERPARAMETERS` (what
each accepts and where it goes); the Keras model comes from
:func:`skgenre.mil.models.build_mil_model`.  Everything scikeras needs, and its
repairs, are in the base class :class:`skgenre.mil._scikeras.SongKerasClassifier`.
"""

import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._validation import (
    BOOLEAN,
    NONE,
    check_constraints,
    check_param,
    integers,
    options,
    reals,
)
from ..frontends.features import FEATURE_KINDS
from ._scikeras import SongKerasClassifier
from .batches import predict_windows
from .models import band_statistics, build_mil_model, window_statistics
from .pooling import POOLINGS

__all__ = ["HYPERPARAMETERS", "WINDOW_KINDS", "MILSongClassifier", "window_kind_of"]

#: What windows can be: ``(n_bands, n_frames, 1)`` spectrograms, or
#: ``(n_features,)`` embeddings.
WINDOW_KINDS = ("spectrogram", "embedding")

_PROBABILITY = reals(0, 1)
_FRACTION = reals(0, 1, closed="left")

#: Every hyper-parameter of :class:`MILSongClassifier`: what it accepts
#: (None: checked by Keras or scikeras where it is used) and where it goes:
#: ``"model"``, a keyword of :func:`~skgenre.mil.models.build_mil_model`;
#: ``"training"``, compilation and the fit loop (scikeras); ``"input"``, what
#: ``X`` holds and the statistics learned from it; ``"prediction"``, how
#: probabilities become labels.
HYPERPARAMETERS = {
    "hidden": (options("auto") | integers(0), "model"),
    "filters": (integers(1), "model"),
    "optimizer": (None, "training"),
    "learning_rate": (NONE | reals(0, closed="neither"), "training"),
    "epochs": (integers(1), "training"),
    "batch_size": (integers(1), "training"),
    "normalize": (BOOLEAN, "input"),
    "pooling": (options("auto", *POOLINGS), "model"),
    "sharpness": (reals(0, closed="neither"), "model"),
    "attention_units": (integers(1), "model"),
    "dropout": (_FRACTION, "model"),
    "freq_mask": (integers(0), "model"),
    "time_mask": (integers(0), "model"),
    "window_dropout": (_FRACTION, "model"),
    "window_stats": (BOOLEAN, "model"),
    "bandlimit": (_PROBABILITY, "model"),
    "features": (options("auto", *FEATURE_KINDS, "embedding"), "input"),
    "n_mels": (options("auto") | integers(1), "input"),
    "patience": (NONE | integers(0), "training"),
    "class_weight": (None, "training"),
    "threshold": (_PROBABILITY, "prediction"),
    "validation_split": (_FRACTION, "training"),
    "callbacks": (None, "training"),
    "random_state": (None, "training"),
    "verbose": (None, "training"),
}

# Fitted arrays (name without the trailing underscore, as build_mil_model's
# keyword) and the parameter under which fit sets them; saved with the model.
_STATE_ARRAYS = {
    "band_mean": "normalize",
    "band_variance": "normalize",
    "stats_mean": "window_stats",
    "stats_variance": "window_stats",
}


class MILSongClassifier(SongKerasClassifier):
    """Song genre classifier: a model on every window, window predictions pooled.

    Multiple-instance learning: each song (bag) is a sequence of windows
    (instances) and only the song has a label.  A window model is applied to
    every window (as ``TimeDistributed``) and its class probabilities are
    pooled over the song's real windows into the song's prediction: by
    default their mean, the reference's mean vote (``pooling``).  Padded
    windows (NaN, :mod:`skgenre.padding`) never count.

    * Spectrogram windows, ``X`` of shape ``(n_songs, n_windows, n_bands,
      n_frames, 1)`` (:class:`WindowMFCCTransformer`): the window CNN of the
      reference model (:func:`skgenre.mil.models.build_window_cnn`).  With three
      classes it has exactly 21,075 trainable parameters; two classes use
      one sigmoid unit and binary cross-entropy (21,009).
    * Embedding windows, ``X`` of shape ``(n_songs, n_windows, n_features)``
      (:class:`WindowEmbedder`): a dense head
      (:func:`skgenre.mil.models.build_window_head`), linear by default.
      ``filters``, ``freq_mask``, ``time_mask`` and ``bandlimit`` only mean
      something for spectrograms and are ignored; ``window_stats=True`` is
      refused.

    Several labels per song: ``y`` may be a 0/1 indicator matrix of shape
    ``(n_songs, n_labels)`` (``MultiLabelBinarizer().fit_transform(label_lists)``).
    The model then has one sigmoid unit per label, trained with binary
    cross-entropy, and the pooling is applied per label ("is this genre
    anywhere in the song?"; "attention" gets one attention head per label).
    :meth:`predict_proba` gives each label's probability, :meth:`predict`
    the indicator matrix at ``threshold``, and cross-validation splits with
    ``KFold`` (scikit-learn cannot stratify indicator targets).  A song may
    have no label (a row of zeros).

    Which of the two ``X`` holds is decided once, in ``fit``, from its rank
    (``window_kind_``).  What spectrogram bands are (MFCCs or log-mel bands)
    cannot be seen in the data: ``bandlimit`` needs ``features`` (and
    ``n_mels``) to say it, as :func:`skgenre.pipelines.make_pipeline` does
    from the transformer.

    Features are standardised per band with the training set's mean and
    variance by a fixed ``Normalization`` layer (no trainable weights), since
    MFCC bands differ in scale by orders of magnitude.

    Parameters
    ----------
    hidden : int or "auto", default="auto"
        Units of the hidden dense layers of the window model: the two of the
        reference CNN for spectrogram windows, the one of the dense head for
        embedding windows (0: none, a linear window model).  "auto" means 32
        for spectrograms (the reference model) and 0 for embeddings (the
        most accurate on gtzan-mini, with the fewest weights).
    filters : int, default=16
        Filters of each of the two convolutions.
    optimizer : str or keras.optimizers.Optimizer, default="adam"
        Keras optimizer name, class or instance.  Its options can be routed
        as ``optimizer__<name>`` (scikeras convention).
    learning_rate : float or None, default=1e-3
        Optimizer learning rate; ``None`` keeps the optimizer's own.
    epochs : int, default=100
        Passes over the training songs.
    batch_size : int, default=4
        Songs per gradient step (and per prediction batch).
    normalize : bool, default=True
        Standardise each band with training-set statistics inside the model.
    pooling : {"auto", "mean", "max", "lse", "autopool", "attention"}, \
default="auto"
        How window predictions become the song prediction; see
        :mod:`skgenre.mil.pooling`.  "mean" is the reference mean vote.  "auto"
        means "mean" for single-label ``y`` and "lse" for an indicator ``y``
        (several labels per song), the most accurate on medleys of real
        songs (``benchmarks/bench_multilabel.py``: micro-F1 0.869 against
        0.813 for "mean").
    sharpness : float, default=5.0
        Sharpness ``r`` of "lse" pooling (mean as r -> 0, max as r -> inf).
    attention_units : int, default=16
        Hidden size of "attention" pooling.
    dropout : float, default=0.0
        Dropout inside the window CNN (after Flatten and each hidden layer).
    freq_mask : int, default=3
        Widest random frequency mask (in bands) per window during training
        (SpecAugment); 0 disables.
    time_mask : int, default=40
        Widest random time mask (in frames) per window during training.
    window_dropout : float, default=0.3
        Probability of leaving each window out of its song's pooling during
        training.
    window_stats : bool, default=False
        If True, each window's per-band mean and standard deviation over its
        frames join the flattened convolution features before the dense
        layers (:func:`skgenre.mil.models.build_window_cnn`), standardised with
        their mean and variance over the training windows: the classic
        texture statistics inside the MIL model, 832 more trainable
        parameters with 13 MFCCs.
    bandlimit : float, default=0.25
        Probability that a training song is made to look band-limited, as
        a 16 kHz file or a low-passed MP3 would be: its mel bands above a
        random cutoff (down to about 7.5 kHz at 22050 Hz) are clipped to the
        ``power_to_db`` floor (:class:`skgenre.mil.augment.BandLimit`).  Makes
        the model robust to such files without giving up the bands above.
    features : {"auto", "mfcc", "logmel", "embedding"}, default="auto"
        What ``X`` holds: ``WindowMFCCTransformer(features=...)``'s MFCCs or
        log-mel bands, or ``WindowEmbedder``'s embeddings.  Only
        ``bandlimit`` needs to know MFCCs from log-mel bands.  "auto" tells
        spectrograms from embeddings by the rank of ``X``, but never guesses
        what spectrogram bands are: with "auto" and ``bandlimit > 0`` on
        spectrograms, band-limit augmentation is switched off for the fit,
        with a warning.
    n_mels : int or "auto", default="auto"
        Mel bands the MFCCs were computed from (``features="mfcc"``); only
        ``bandlimit`` needs it.  "auto" means 128, the transformer's default.
        More MFCCs than mel bands is refused.
    patience : int or None, default=None
        Early stopping: stop when the validation loss (the training loss if
        ``validation_split=0``) has not improved for this many epochs, and
        restore the best weights.  ``None`` trains all ``epochs``.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss.  Single-label ``y`` only: with
        an indicator ``y`` it is refused.
    threshold : float, default=0.5
        Multi-label ``y`` only: :meth:`predict` marks a label present where
        its probability is at least ``threshold``.
    validation_split : float, default=0.0
        Fraction of training songs held out for Keras' validation metrics:
        the last songs of ``X``, taken before shuffling, as Keras does.  With
        memory-mapped ``X`` both parts are streamed from the file.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Extra Keras callbacks for ``fit``.
    random_state : int, RandomState or None, default=None
        Seed of weight initialisation and shuffling; the same seed on the
        same data gives identical predictions.
    verbose : int, default=0
        Keras verbosity (1 shows a progress bar per epoch).
    **kwargs
        Further scikeras parameters, e.g. ``fit__shuffle``,
        ``optimizer__momentum`` or ``run_eagerly=True`` (Keras runs training
        and prediction step by step, untraced: for debugging, and quicker
        for a few steps of a small model).

    Attributes
    ----------
    model_ : keras.Model
        The fitted Keras model.
    classes_ : ndarray of shape (n_classes,)
        Class labels; for an indicator ``y``, ``np.arange(n_labels)``, the
        columns of ``y``, as scikit-learn's multi-label classifiers
        (``MLPClassifier``, ``OneVsRestClassifier``) give them.
    n_classes_ : int
        Number of classes (of labels, for an indicator ``y``).
    multilabel_ : bool
        Whether ``y`` was an indicator matrix: several labels per song.
    band_mean_, band_variance_ : ndarray of shape (n_bands,)
        Per-band statistics of the training features (``normalize=True``).
    stats_mean_, stats_variance_ : ndarray of shape (2 * n_bands,)
        Mean and variance over the training windows of the window statistics
        (``window_stats=True``).
    window_kind_ : {"spectrogram", "embedding"}
        What the windows of ``X`` are, from its rank.
    features_ : {"mfcc", "logmel", "embedding"} or None
        What ``X`` holds; None for spectrograms with ``features="auto"``
        (unknown).
    n_mels_ : int or None
        Mel bands behind the MFCCs; None otherwise.
    bandlimit_ : float
        The band-limit probability used: ``bandlimit``, or 0.0 where it does
        not apply (embeddings) or cannot (spectrograms of unknown kind).
    history_ : dict
        Keras training history (loss per epoch...).

    Notes
    -----
    The training defaults (Adam at 1e-3, batches of 4 songs, 100 epochs,
    SpecAugment masks, window dropout, band-limit augmentation) were chosen
    by cross-validation on real music; none of them adds trainable weights.
    ``benchmarks/README.md`` gives the measurements and the recommended
    settings.

    ``X`` may be a memory-mapped array (a ``np.memmap``, e.g. from
    :meth:`WindowMFCCTransformer.transform_to_store`): ``fit`` then reads
    batches of songs from the file per step, with ``validation_split`` too,
    and prediction reads ``batch_size`` songs at a time.  Cross-validation
    (``GridSearchCV``, ``cross_val_score``) on such an array works, but
    scikit-learn selects each split with fancy indexing (``X[train_idx]``,
    ``X[test_idx]``), which copies it into memory: each fit and score holds
    about the whole array in memory (per parallel job), and only the final
    refit on the whole array streams from the file.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre import MILSongClassifier
    >>> X = np.random.default_rng(0).normal(size=(6, 3, 13, 20, 1)).astype("float32")
    >>> y = np.array(["rock", "jazz"] * 3)
    >>> clf = MILSongClassifier(features="mfcc", epochs=1, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:1]).shape
    (1, 2)
    """

    def __init__(
        self,
        hidden="auto",
        filters=16,
        optimizer="adam",
        learning_rate=1e-3,
        epochs=100,
        batch_size=4,
        normalize=True,
        pooling="auto",
        sharpness=5.0,
        attention_units=16,
        dropout=0.0,
        freq_mask=3,
        time_mask=40,
        window_dropout=0.3,
        window_stats=False,
        bandlimit=0.25,
        features="auto",
        n_mels="auto",
        patience=None,
        class_weight=None,
        threshold=0.5,
        validation_split=0.0,
        callbacks=None,
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        # scikeras' other parameters (loss, metrics, shuffle...) and routed
        # ones (optimizer__momentum...) get scikeras' defaults there; those
        # declared here override them.
        super().__init__(**kwargs)
        self.hidden = hidden
        self.filters = filters
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.normalize = normalize
        self.pooling = pooling
        self.sharpness = sharpness
        self.attention_units = attention_units
        self.dropout = dropout
        self.freq_mask = freq_mask
        self.time_mask = time_mask
        self.window_dropout = window_dropout
        self.window_stats = window_stats
        self.bandlimit = bandlimit
        self.features = features
        self.n_mels = n_mels
        self.patience = patience
        self.class_weight = class_weight
        self.threshold = threshold
        self.validation_split = validation_split
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        check_constraints(
            self,
            {name: getattr(self, name) for name in HYPERPARAMETERS},
            {name: constraint for name, (constraint, _) in HYPERPARAMETERS.items()},
        )

    def _learn_input(self, X):
        # The one decision from the data: spectrograms or embeddings.
        self._describe_windows(X.shape[2:], window_kind_of(X.shape[2:]))
        _warn_if_bandlimit_is_off(self)
        if self.normalize:
            self.band_mean_, self.band_variance_ = band_statistics(X)
        if self.window_stats:
            self.stats_mean_, self.stats_variance_ = window_statistics(
                X, *((self.band_mean_, self.band_variance_) if self.normalize else ())
            )

    def _describe_windows(self, window_shape, window_kind):
        """Set what the windows hold: ``window_kind_``, ``features_``,
        ``n_mels_`` and the band-limit probability that applies."""
        self.window_kind_ = window_kind
        self.features_, self.n_mels_ = _what_windows_hold(self, window_shape)
        unknown = window_kind == "embedding" or self.features_ is None
        self.bandlimit_ = 0.0 if unknown else float(self.bandlimit)

    def _input_state(self):
        state = {"window_kind": self.window_kind_}
        for key, value in _fitted_statistics(self).items():
            state[key] = value.tolist()
        return state

    def _restore_input(self, state, window_shape):
        for key in _STATE_ARRAYS:
            if key in state:
                setattr(self, key + "_", np.asarray(state[key]))
        # Files of skgenre <= 0.1 have no window_kind: the rank tells it.
        kind = state.get("window_kind") or window_kind_of(window_shape)
        self._describe_windows(window_shape, kind)

    def _extra_callbacks(self):
        if self.patience is None:
            return []
        import keras

        monitor = "val_loss" if self.validation_split else "loss"
        return [
            keras.callbacks.EarlyStopping(
                monitor=monitor, patience=self.patience, restore_best_weights=True
            )
        ]

    def _build_model(self, n_classes):
        """The uncompiled MIL model for the windows learned in fit."""
        return build_mil_model(
            self.X_shape_[1:],
            n_classes,
            window_kind=self.window_kind_,
            n_mels=self.n_mels_,
            seed=self._seed,
            multilabel=self.multilabel_,
            **_model_keywords(self),
        )

    def predict(self, X, **kwargs):
        """Genre of each song, or its labels for a multi-label fit.

        Parameters
        ----------
        X : ndarray of shape (n_songs, n_windows, ...)
            Window features, as in ``fit``.

        Returns
        -------
        y : ndarray of shape (n_songs,) or (n_songs, n_labels)
            The most probable class; for a multi-label fit, the 0/1
            indicator of the labels whose probability is at least
            ``threshold``.
        """
        check_is_fitted(self, "model_")
        if not self.multilabel_:
            return super().predict(X, **kwargs)
        proba = self.predict_proba(X, **kwargs)
        return (proba >= self.threshold).astype(int)

    def predict_window_proba(self, X, return_weights=False):
        """Class probabilities of each window: a genre timeline of each song.

        Parameters
        ----------
        X : ndarray of shape (n_songs, n_windows, n_bands, n_frames, 1) or \
(n_songs, n_windows, n_features)
            Window features, as in ``fit``; padded windows are NaN.
        return_weights : bool, default=False
            Also return each window's weight in the song prediction: the
            attention weights for ``pooling="attention"``, ``1 / n_real``
            for "mean", and for the other poolings the share each window
            would have in a mean (their weights are not a linear average).

        Returns
        -------
        proba : ndarray of shape (n_songs, n_windows, n_classes)
            NaN for padded windows.  For "attention", the classification
            head applied to each window's embedding.  For a multi-label fit,
            each label's probability per window: a timeline per label.
        weights : ndarray of shape (n_songs, n_windows)
            Only if ``return_weights``; 0 for padded windows.  For a
            multi-label fit with "attention", one attention head per label:
            shape (n_songs, n_windows, n_labels).
        """
        check_is_fitted(self, "model_")
        X, _ = self._validate_data(X)
        proba, weights = predict_windows(self.model_, X, self._batch_size)
        return (proba, weights) if return_weights else proba


def _model_keywords(clf):
    """``build_mil_model`` keywords of a fitted classifier's hyper-parameters:
    those declared for the model, "auto" resolved, and its fitted statistics."""
    keywords = {
        name: getattr(clf, name)
        for name, (_, destination) in HYPERPARAMETERS.items()
        if destination == "model"
    }
    if clf.hidden == "auto":  # the reference CNN's 32; a linear head otherwise
        keywords["hidden"] = 32 if clf.window_kind_ == "spectrogram" else 0
    if clf.pooling == "auto":  # bench_multilabel.py: lse for several labels
        keywords["pooling"] = "lse" if clf.multilabel_ else "mean"
    keywords["bandlimit"] = clf.bandlimit_
    return {**keywords, **_fitted_statistics(clf)}


def _fitted_statistics(clf):
    """The fitted arrays of ``_STATE_ARRAYS`` the classifier's settings use."""
    return {
        key: getattr(clf, key + "_")
        for key, parameter in _STATE_ARRAYS.items()
        if getattr(clf, parameter)
    }


def _warn_if_bandlimit_is_off(clf):
    """Say why band-limit augmentation is off for spectrograms of unknown kind."""
    if clf.window_kind_ == "spectrogram" and clf.features_ is None and clf.bandlimit:
        warnings.warn(
            f"{type(clf).__name__}: band-limit augmentation (bandlimit="
            f"{clf.bandlimit}) is off for this fit: with features='auto' the "
            "classifier cannot tell MFCCs from log-mel bands, and the "
            "augmentation differs between them.  Set features='mfcc' (and "
            "n_mels) or features='logmel' as in the transformer "
            "(transformer.classifier_params() gives them; "
            "skgenre.pipelines.make_pipeline passes them), or bandlimit=0.",
            UserWarning,
            stacklevel=3,  # where _learn_input is called, as before
        )


def window_kind_of(window_shape):
    """What windows of ``window_shape`` are: the only place rank decides it.

    Parameters
    ----------
    window_shape : tuple of int
        ``(n_bands, n_frames, 1)`` or ``(n_features,)``.

    Returns
    -------
    kind : {"spectrogram", "embedding"}
    """
    return "embedding" if len(window_shape) == 1 else "spectrogram"


def _what_windows_hold(clf, window_shape):
    """``features_`` and ``n_mels_`` of a classifier's windows, never guessed.

    Checks that ``features``, ``n_mels`` and ``window_stats`` fit the
    windows' kind (``clf.window_kind_``) and band count.

    Returns
    -------
    features : {"mfcc", "logmel", "embedding"} or None
        None for spectrograms with ``features="auto"``: unknown.
    n_mels : int or None
        Mel bands behind MFCCs; None otherwise.
    """
    name = type(clf).__name__
    features, n_bands = clf.features, window_shape[0]
    if clf.window_kind_ == "embedding":
        if features not in ("auto", "embedding"):
            raise ValueError(
                f"{name}: features={features!r}, but X holds "
                f"{n_bands}-d window embeddings (3-D); use features='embedding' "
                "or 'auto'."
            )
        check_param(
            clf,
            "window_stats",
            clf.window_stats,
            not clf.window_stats,
            "False for embedding windows (3-D X): it needs spectrograms",
        )
        return "embedding", None
    if features == "embedding":
        raise ValueError(
            f"{name}: features='embedding', but X holds spectrogram windows (5-D)."
        )
    if features in ("auto", "logmel"):
        return (None if features == "auto" else features), None
    n_mels = 128 if clf.n_mels == "auto" else int(clf.n_mels)
    if n_bands > n_mels:
        raise ValueError(
            f"{name}: X has {n_bands} bands per frame, which cannot be MFCCs of "
            f"n_mels={n_mels} mel bands; set n_mels to the transformer's, or "
            "features='logmel' if X holds log-mel bands."
        )
    return features, n_mels
