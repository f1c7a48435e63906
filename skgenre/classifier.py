"""``MILSongClassifier``: the multiple-instance song classifier.

This is the only module that touches scikeras (unmaintained), so it can be
replaced without changing the rest of the package.  It also fixes two scikeras
defects: scikit-learn >= 1.7 does not see ``KerasClassifier`` as a classifier
(so cross-validation would not stratify), and ``predict_proba`` of one sample
returns shape ``(n_classes,)``.
"""

import functools

import numpy as np
from scikeras.wrappers import KerasClassifier
from sklearn.utils import ClassifierTags
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
)

from ._seeding import seeded
from ._validation import check_choice, check_param, is_int
from .batches import fit_streamed, is_memory_mapped, predict_in_batches
from .features import FEATURE_KINDS
from .models import (
    band_statistics,
    build_mil_model,
    window_probe,
    window_statistics,
)
from .pooling import POOLINGS

__all__ = ["MILSongClassifier", "export_state", "restore_classifier", "window_kind"]

# Parameters passed as they are to build_mil_model: a new hyper-parameter of
# the network is added here (and to __init__).
_MODEL_PARAMS = (
    "filters",
    "pooling",
    "sharpness",
    "attention_units",
    "dropout",
    "freq_mask",
    "time_mask",
    "window_dropout",
    "window_stats",
    "bandlimit",
)

#: With ``features="auto"``, windows of at most this many bands per frame are
#: taken for MFCCs (librosa's default is 20), more for log-mel bands.
MAX_MFCC_BANDS = 40

# Fitted arrays (name without the trailing underscore, as build_mil_model's
# keyword) and the parameter under which fit sets them; saved with the model.
_STATE_ARRAYS = {
    "band_mean": "normalize",
    "band_variance": "normalize",
    "stats_mean": "window_stats",
    "stats_variance": "window_stats",
}

_EXPECTED_X = (
    "a 5-D array of shape (n_songs, n_windows, n_bands, n_frames, 1), "
    "as returned by WindowMFCCTransformer.transform, or a 3-D array of shape "
    "(n_songs, n_windows, n_features), as returned by WindowEmbedder.transform"
)


class _SongKerasClassifier(KerasClassifier):
    """scikeras' ``KerasClassifier`` repaired, for arrays of song windows.

    Repairs: classifier tags (scikeras' MRO hides them from scikit-learn
    >= 1.7, so cross-validation would not stratify), 2-D ``predict_proba``
    for one song, seeded fits that leave the process's random state as they
    found it.  Adds: window input validation (NaN padding allowed), and
    memory-mapped ``X`` streamed from disk in fit and prediction.
    """

    def __sklearn_tags__(self):
        # scikeras puts BaseEstimator before ClassifierMixin in its MRO, so
        # ClassifierMixin's tags are never applied: restore them here.
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        # Replaces scikeras' check of X: padded windows are NaN, and the
        # number of windows may differ between songs of different calls.
        if X is not None:
            X = _check_windows(X, type(self).__name__)
            if reset:
                self.X_dtype_ = X.dtype
                self.X_shape_ = X.shape
                self.n_features_in_ = X.shape[1]
            elif X.shape[2:] != self.X_shape_[2:]:
                raise ValueError(
                    f"X has windows of shape {X.shape[2:]} (n_bands, n_frames, 1), "
                    f"but this {type(self).__name__} was fitted on windows of "
                    f"shape {self.X_shape_[2:]}."
                )
        if y is not None:
            _, y = super()._validate_data(X=None, y=y, reset=reset, y_numeric=y_numeric)
            if X is not None:
                check_consistent_length(X, y)
        return X, y

    def _fit(self, X, y, *args, **kwargs):
        # fit and partial_fit: seeded here, and everything restored after
        # (scikeras' own seeding, nested inside, leaks op determinism).
        with seeded(self.random_state):
            return super()._fit(X, y, *args, **kwargs)

    def _fit_keras_model(
        self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
    ):
        if not is_memory_mapped(X):
            return super()._fit_keras_model(
                X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
            )
        # scikeras' own loop (routing, seeding, history) with a Keras fit
        # that streams batches from the file instead of copying it to memory.
        model = self.model_
        model.fit = functools.partial(fit_streamed, model.fit, seed=self._seed)
        try:
            return super()._fit_keras_model(
                X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
            )
        finally:
            del model.fit

    def _predict_raw(self, X, **kwargs):
        if not is_memory_mapped(X):
            return super()._predict_raw(X, **kwargs)
        check_is_fitted(self, "model_")
        X, _ = self._validate_data(X)
        return predict_in_batches(self.model_, X, self._batch_size)

    @property
    def _seed(self):
        """The integer ``random_state`` of this fit, or None."""
        return self._random_state if isinstance(self._random_state, int) else None

    @property
    def _batch_size(self):
        return self.batch_size or 32  # Keras' default when None

    def predict_proba(self, X, **kwargs):
        """Class probabilities of each song.

        Parameters
        ----------
        X : ndarray of shape (n_songs, n_windows, n_bands, n_frames, 1)
            Window features.

        Returns
        -------
        proba : ndarray of shape (n_songs, n_classes)
            Always 2-D, also for one song (scikeras returns ``(n_classes,)``).
        """
        proba = super().predict_proba(X, **kwargs)
        return np.reshape(proba, (np.shape(X)[0], -1))


class MILSongClassifier(_SongKerasClassifier):
    """Song genre classifier: a model on every window, window predictions averaged.

    Multiple-instance learning: each song (bag) is a sequence of windows
    (instances) and only the song has a label.  A window model is applied to
    every window with ``TimeDistributed`` and its class probabilities are
    averaged over the song's windows (``GlobalAveragePooling1D``).

    * Spectrogram windows, ``X`` of shape ``(n_songs, n_windows, n_bands,
      n_frames, 1)`` (:class:`WindowMFCCTransformer`): the window CNN of the
      reference model (:func:`skgenre.models.build_window_cnn`).  With three
      classes it has exactly 21,075 trainable parameters; two classes use
      one sigmoid unit and binary cross-entropy (21,009).
    * Embedding windows, ``X`` of shape ``(n_songs, n_windows, n_features)``
      (:class:`WindowEmbedder`): a dense head
      (:func:`skgenre.models.build_window_head`), linear by default.
      ``filters``, ``freq_mask``, ``time_mask`` and ``bandlimit`` only mean
      something for spectrograms and are ignored; ``window_stats=True`` is
      refused.

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
    pooling : {"mean", "max", "lse", "autopool", "attention"}, default="mean"
        How window predictions become the song prediction; see
        :mod:`skgenre.pooling`.  "mean" is the reference mean vote.
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
        layers (:func:`skgenre.models.build_window_cnn`), standardised with
        their mean and variance over the training windows: the classic
        texture statistics inside the MIL model, 832 more trainable
        parameters with 13 MFCCs.
    bandlimit : float, default=0.25
        Probability that a training song is made to look band-limited, as
        a 16 kHz file or a low-passed MP3 would be: its mel bands above a
        random cutoff (down to about 7.5 kHz at 22050 Hz) are clipped to the
        ``power_to_db`` floor (:class:`skgenre.augment.BandLimit`).  Makes
        the model robust to such files without giving up the bands above.
    features : {"auto", "mfcc", "logmel"}, default="auto"
        What ``X`` holds, as ``WindowMFCCTransformer(features=...)``; only
        ``bandlimit`` needs it.  "auto" learns it from the data: up to
        ``MAX_MFCC_BANDS`` (40) bands per frame are MFCCs, more are log-mel
        bands.
    n_mels : int or "auto", default="auto"
        Mel bands the MFCCs were computed from (``features="mfcc"``); only
        ``bandlimit`` needs it.  "auto" means 128, the transformer's default.
        More MFCCs than mel bands is refused.
    patience : int or None, default=None
        Early stopping: stop when the validation loss (the training loss if
        ``validation_split=0``) has not improved for this many epochs, and
        restore the best weights.  ``None`` trains all ``epochs``.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss.
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
        Further scikeras parameters, e.g. ``fit__shuffle`` or
        ``optimizer__momentum``.

    Attributes
    ----------
    model_ : keras.Model
        The fitted Keras model.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_classes_ : int
        Number of classes.
    band_mean_, band_variance_ : ndarray of shape (n_bands,)
        Per-band statistics of the training features (``normalize=True``).
    stats_mean_, stats_variance_ : ndarray of shape (2 * n_bands,)
        Mean and variance over the training windows of the window statistics
        (``window_stats=True``).
    features_ : {"mfcc", "logmel"}
        What ``X`` holds (``features``, or learned from the data).
    n_mels_ : int or None
        Mel bands behind the MFCCs; None for log-mel input.
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
    >>> clf = MILSongClassifier(epochs=1, random_state=0).fit(X, y)
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
        pooling="mean",
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
        validation_split=0.0,
        callbacks=None,
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        super().__init__(
            optimizer=optimizer,
            epochs=epochs,
            batch_size=batch_size,
            class_weight=class_weight,
            validation_split=validation_split,
            callbacks=callbacks,
            random_state=random_state,
            verbose=verbose,
            **kwargs,
        )
        self.hidden = hidden
        self.filters = filters
        self.learning_rate = learning_rate
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

    def _initialize(self, X, y=None):
        self._check_params()
        _check_rank(X, type(self).__name__)  # full validation follows in super
        self.features_, self.n_mels_ = window_kind(self, X.shape[2:])
        if self.normalize:
            self.band_mean_, self.band_variance_ = band_statistics(X)
        if self.window_stats:
            self.stats_mean_, self.stats_variance_ = window_statistics(
                X, *((self.band_mean_, self.band_variance_) if self.normalize else ())
            )
        return super()._initialize(X, y)

    def _check_params(self):
        check_choice(self, "pooling", self.pooling, sorted(POOLINGS))
        check_choice(
            self, "features", self.features, ("auto", *FEATURE_KINDS, "embedding")
        )
        check_param(
            self,
            "hidden",
            self.hidden,
            self.hidden == "auto" or (is_int(self.hidden) and self.hidden >= 0),
            "'auto' or an int >= 0",
        )
        check_param(
            self,
            "n_mels",
            self.n_mels,
            self.n_mels == "auto" or (is_int(self.n_mels) and self.n_mels >= 1),
            "'auto' or an int >= 1",
        )
        check_param(
            self,
            "bandlimit",
            self.bandlimit,
            0 <= self.bandlimit <= 1,
            "a probability in [0, 1]",
        )

    def _initialize_callbacks(self):
        super()._initialize_callbacks()
        if self.patience is not None:
            import keras

            monitor = "val_loss" if self.validation_split else "loss"
            self._fit_callbacks = [
                *self._fit_callbacks,
                keras.callbacks.EarlyStopping(
                    monitor=monitor, patience=self.patience, restore_best_weights=True
                ),
            ]

    def _keras_build_fn(self, meta, compile_kwargs):
        """Build and compile the MIL model for the data described by ``meta``."""
        n_classes = meta["n_classes_"]
        model = build_mil_model(
            meta["X_shape_"][1:],
            n_classes,
            **{name: getattr(self, name) for name in _MODEL_PARAMS},
            hidden=self._hidden(meta["X_shape_"]),
            **self._statistics(),
            n_mels=self.n_mels_,
            seed=self._seed,
        )
        optimizer = compile_kwargs["optimizer"]
        if self.learning_rate is not None:
            optimizer.learning_rate = self.learning_rate
        loss = (
            "binary_crossentropy"
            if n_classes == 2
            else "sparse_categorical_crossentropy"
        )
        model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
        return model

    def _hidden(self, X_shape):
        if self.hidden != "auto":
            return self.hidden
        return 32 if len(X_shape) == 5 else 0

    def _statistics(self):
        """The fitted arrays of ``_STATE_ARRAYS`` this configuration uses."""
        return {
            key: getattr(self, key + "_")
            for key, parameter in _STATE_ARRAYS.items()
            if getattr(self, parameter)
        }

    def predict_window_proba(self, X, return_weights=False):
        """Class probabilities of each window: a genre timeline of each song.

        Parameters
        ----------
        X : ndarray of shape (n_songs, n_windows, n_bands, n_frames, 1)
            Window features; padded windows are NaN.
        return_weights : bool, default=False
            Also return each window's weight in the song prediction: the
            attention weights for ``pooling="attention"``, ``1 / n_real``
            for "mean", and for the other poolings the share each window
            would have in a mean (their weights are not a linear average).

        Returns
        -------
        proba : ndarray of shape (n_songs, n_windows, n_classes)
            NaN for padded windows.  For "attention", the classification
            head applied to each window's embedding.
        weights : ndarray of shape (n_songs, n_windows)
            Only if ``return_weights``; 0 for padded windows.
        """
        check_is_fitted(self, "model_")
        X, _ = self._validate_data(X)
        probe = window_probe(self.model_)
        proba, mask, weights = predict_in_batches(probe, X, self._batch_size)
        mask = mask > 0
        proba = np.where(mask[..., None], proba, np.nan)
        if return_weights:
            return proba, np.where(mask, weights, 0.0)
        return proba


def window_kind(clf, window_shape):
    """What windows of ``window_shape`` hold, given the classifier's settings.

    Parameters
    ----------
    clf : MILSongClassifier
        Its ``features``, ``n_mels`` and ``window_stats``.
    window_shape : tuple of int
        ``(n_bands, n_frames, 1)`` or ``(n_features,)``.

    Returns
    -------
    features : {"mfcc", "logmel", "embedding"}
    n_mels : int or None
        Mel bands behind MFCCs; None otherwise.
    """
    name = type(clf).__name__
    features, n_bands = clf.features, window_shape[0]
    if len(window_shape) == 1:
        if features not in ("auto", "embedding"):
            raise ValueError(
                f"{name}: features={features!r}, but X holds "
                f"{n_bands}-d window embeddings (3-D); use features='auto'."
            )
        check_param(
            clf,
            "window_stats",
            clf.window_stats,
            not clf.window_stats,
            "False for embedding windows (3-D X): it needs spectrograms",
        )
        return "embedding", None
    if features == "auto":
        features = "mfcc" if n_bands <= MAX_MFCC_BANDS else "logmel"
    if features == "embedding":
        raise ValueError(
            f"{name}: features='embedding', but X holds spectrogram windows (5-D)."
        )
    if features == "logmel":
        return features, None
    n_mels = 128 if clf.n_mels == "auto" else int(clf.n_mels)
    if n_bands > n_mels:
        raise ValueError(
            f"{name}: X has {n_bands} bands per frame, which cannot be MFCCs of "
            f"n_mels={n_mels} mel bands; set n_mels to the transformer's, or "
            "features='logmel' if X holds log-mel bands."
        )
    return features, n_mels


def _check_rank(X, name):
    ndim = np.ndim(X)
    if ndim not in (3, 5):
        raise ValueError(
            f"{name} expects {_EXPECTED_X}; got an array with {ndim} "
            f"dimension(s) of shape {np.shape(X)}."
        )


def _check_windows(X, name):
    """Validate window features (5-D or 3-D); NaN (padded windows) is allowed.

    A memory-mapped array is checked for shape and dtype only: scanning its
    values would read the whole file into memory.
    """
    _check_rank(X, name)
    if is_memory_mapped(X):
        if X.dtype != np.float32:
            raise ValueError(f"{name}: memory-mapped X must be float32, got {X.dtype}")
        return X
    return check_array(
        X, allow_nd=True, dtype=np.float32, ensure_all_finite="allow-nan", copy=False
    )


def export_state(clf):
    """Fitted state of a classifier other than its Keras model, as JSON data.

    Parameters
    ----------
    clf : MILSongClassifier
        Fitted.

    Returns
    -------
    state : dict
        Classes, window shape and the fitted statistics; with the Keras model,
        what :func:`restore_classifier` needs.
    """
    check_is_fitted(clf, "model_")
    state = {
        "classes": clf.classes_.tolist(),
        "window_shape": [int(d) for d in clf.X_shape_[2:]],
    }
    for key, value in clf._statistics().items():
        state[key] = value.tolist()
    return state


def restore_classifier(params, state, model):
    """A fitted classifier from its parameters, :func:`export_state` and model.

    Rebuilds scikeras' fitted attributes as ``fit`` would have set them,
    without training.

    Returns
    -------
    clf : MILSongClassifier
    """
    clf = MILSongClassifier(**params)
    classes = np.asarray(state["classes"])
    X = np.zeros((len(classes), 1, *state["window_shape"]), dtype=np.float32)
    clf._random_state = None
    clf.classes_ = None
    X, y = clf._validate_data(X, classes, reset=True)
    clf.target_encoder_ = clf.target_encoder.fit(y)
    vars(clf).update(**clf.target_encoder_.get_metadata())
    clf.feature_encoder_ = clf.feature_encoder.fit(X)
    for key in _STATE_ARRAYS:
        if key in state:
            setattr(clf, key + "_", np.asarray(state[key]))
    clf.features_, clf.n_mels_ = window_kind(clf, X.shape[2:])
    clf.model_ = model
    clf._initialize_callbacks()
    clf.history_ = {}
    return clf
