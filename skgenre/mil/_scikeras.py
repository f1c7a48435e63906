"""scikeras' ``KerasClassifier``, repaired for arrays of song windows.

The only module that imports scikeras (unmaintained), or sets its internal
attributes, so it can be replaced without changing the rest of the package.
:class:`SongKerasClassifier` fixes two scikeras defects: scikit-learn >= 1.7
does not see ``KerasClassifier`` as a classifier (so cross-validation would
not stratify), and ``predict_proba`` of one sample returns shape
``(n_classes,)``.  It also seeds fits without leaking global state, validates
window arrays (NaN padding allowed), streams memory-mapped ``X`` from disk,
predicts with one compiled function per model, and writes and restores the
fitted state of model files.

A subclass builds the Keras model (``_build_model``) and may learn from the
training windows before it is built (``_learn_input``); see
:class:`skgenre.MILSongClassifier`.
"""

import contextlib
import functools
import warnings

import numpy as np
from scikeras.utils.transformers import ClassifierLabelEncoder
from scikeras.wrappers import KerasClassifier
from sklearn.utils import ClassifierTags
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
)

from ._seeding import seed_of, seeded
from .batches import fit_streamed, is_memory_mapped, predict_compiled

__all__ = ["SongKerasClassifier", "check_windows"]

#: What ``X`` may be.
EXPECTED_X = (
    "a 5-D array of spectrogram windows of shape (n_songs, n_windows, n_bands, "
    "n_frames, 1), as returned by WindowMFCCTransformer.transform, or a 3-D "
    "array of embedding windows of shape (n_songs, n_windows, n_features), as "
    "returned by WindowEmbedder.transform"
)


def check_windows(X, name):
    """Validate window features (5-D or 3-D); NaN (padded windows) is allowed.

    A memory-mapped array is checked for shape and dtype only: scanning its
    values would read the whole file into memory.

    Parameters
    ----------
    X : array-like of shape (n_songs, n_windows, ...)
    name : str
        The estimator, for messages.

    Returns
    -------
    X : ndarray, float32
    """
    ndim = np.ndim(X)
    if ndim not in (3, 5):
        raise ValueError(
            f"{name} expects {EXPECTED_X}; got an array with {ndim} "
            f"dimension(s) of shape {np.shape(X)}."
        )
    if is_memory_mapped(X):
        if X.dtype != np.float32:
            raise ValueError(f"{name}: memory-mapped X must be float32, got {X.dtype}")
        return X
    return check_array(
        X, allow_nd=True, dtype=np.float32, ensure_all_finite="allow-nan", copy=False
    )


#: What ``y`` may be.
EXPECTED_Y = (
    "1-D genre labels of shape (n_songs,), or a 0/1 indicator matrix of shape "
    "(n_songs, n_labels) for several labels per song (as "
    "sklearn.preprocessing.MultiLabelBinarizer makes from label lists)"
)


def target_kind(y, name):
    """``"single"`` or ``"multilabel"``: what a target ``y`` holds.

    Parameters
    ----------
    y : array-like
    name : str
        The estimator, for messages.

    Raises
    ------
    ValueError
        Naming ``y``'s shape and dtype, if it is neither 1-D labels nor a 0/1
        indicator matrix.
    """
    if hasattr(y, "toarray"):  # a scipy sparse matrix
        raise ValueError(
            f"{name}: y is a sparse {type(y).__name__} of shape {y.shape}; "
            f"expected {EXPECTED_Y}, dense: use y.toarray()."
        )
    try:
        kind = type_of_target(y)
    except ValueError:  # e.g. lists of label lists, or ragged input
        kind = "unknown"
    if kind in ("binary", "multiclass") and (np.ndim(y) == 1 or np.shape(y)[1] == 1):
        return "single"  # a column of labels, too, as scikit-learn takes it
    # scikit-learn also calls a matrix of two other values an indicator.
    if kind == "multilabel-indicator" and np.isin(np.asarray(y), (0, 1)).all():
        return "multilabel"
    array = np.asarray(y, dtype=object) if kind == "unknown" else np.asarray(y)
    raise ValueError(
        f"{name}: y of shape {array.shape} and dtype {array.dtype} is neither: "
        f"expected {EXPECTED_Y}."
    )


class _SongLabelEncoder(ClassifierLabelEncoder):
    """scikeras' target encoder, keeping an indicator ``y`` multi-label.

    scikeras reads an indicator matrix with exactly one label per row as
    one-hot classes; scikit-learn (``type_of_target``) calls it multi-label,
    and so does skgenre.
    """

    def fit(self, y):
        super().fit(y)
        if type_of_target(y) == "multilabel-indicator":
            self._target_type = "multilabel-indicator"
        return self


class SongKerasClassifier(KerasClassifier):
    """scikeras' ``KerasClassifier`` repaired, for arrays of song windows.

    Repairs: classifier tags (scikeras' MRO hides them from scikit-learn
    >= 1.7, so cross-validation would not stratify), 2-D ``predict_proba``
    for one song, seeded fits that leave the process's random state as they
    found it.  Adds: window input validation (NaN padding allowed),
    memory-mapped ``X`` streamed from disk in fit and prediction, and the
    model-file hooks ``_export_state`` / ``_restore_state``.

    Subclasses define ``_build_model(n_classes)`` (the uncompiled Keras
    model) and may define ``_check_params()``, ``_learn_input(X)`` (fitted
    attributes learned from the training windows before the model is
    built), ``_input_state()`` / ``_restore_input(state, window_shape)``
    (those attributes in a model file) and ``_extra_callbacks()``.  They
    have a ``learning_rate`` parameter.
    """

    # ------------------------------------------------------------ subclass hooks

    def _check_params(self):
        """Validate the parameters (first thing of every fit)."""

    def _learn_input(self, X):
        """Learn from the validated training windows, before the model is built."""

    def _input_state(self):
        """What ``_learn_input`` learned, as JSON data for a model file."""
        return {}

    def _restore_input(self, state, window_shape):
        """Set what ``_learn_input`` learned from ``_input_state()`` output."""

    def _extra_callbacks(self):
        """Keras callbacks added to every fit."""
        return []

    # ------------------------------------------------------------ scikeras repairs

    def __sklearn_tags__(self):
        # scikeras puts BaseEstimator before ClassifierMixin in its MRO, so
        # ClassifierMixin's tags are never applied: restore them here.
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags(multi_label=True)
        tags.target_tags.required = True
        tags.target_tags.multi_output = True  # an indicator y of several labels
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags

    def _initialize(self, X, y=None):
        # scikeras' _initialize, with parameter checks, the seed derived as
        # by `seeded`, and _learn_input before the model is built.
        self._check_params()
        X, y = self._fit_encoders(X, y)
        self._learn_input(X)
        self.model_ = self._build_keras_model()
        self._initialize_callbacks()
        return X, y

    @property
    def target_encoder(self):
        categories = "auto" if self.classes_ is None else [self.classes_]
        return _SongLabelEncoder(loss=self.loss, categories=categories)

    def _fit_encoders(self, X, y):
        """Seed, validate, and fit scikeras' encoders (no model)."""
        self._random_state = seed_of(self.random_state)
        self.multilabel_ = target_kind(y, type(self).__name__) == "multilabel"
        X, y = self._validate_data(X, y, reset=True)
        if self.multilabel_:
            _check_indicator(self, y)
        self.target_encoder_ = self.target_encoder.fit(y)
        vars(self).update(**self.target_encoder_.get_metadata())
        self.feature_encoder_ = self.feature_encoder.fit(X)
        vars(self).update(**getattr(self.feature_encoder, "get_metadata", dict)())
        return X, y

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        # Replaces scikeras' check of X: padded windows are NaN, and the
        # number of windows may differ between songs of different calls.
        if X is not None:
            X = check_windows(X, type(self).__name__)
            if reset:
                self.X_dtype_ = X.dtype
                self.X_shape_ = X.shape
                self.n_features_in_ = X.shape[1]
            elif X.shape[2:] != self.X_shape_[2:]:
                raise ValueError(
                    f"X has windows of shape {X.shape[2:]}, but this "
                    f"{type(self).__name__} was fitted on windows of shape "
                    f"{self.X_shape_[2:]}."
                )
        if y is not None:
            _, y = super()._validate_data(X=None, y=y, reset=reset, y_numeric=y_numeric)
            if X is not None:
                check_consistent_length(X, y)
        return X, y

    def _fit(self, X, y, *args, **kwargs):
        # fit and partial_fit: seeded here, and everything restored after
        # (scikeras' own seeding, nested inside, leaks op determinism).
        with seeded(seed_of(self.random_state)):
            return super()._fit(X, y, *args, **kwargs)

    def _keras_build_fn(self, meta, compile_kwargs):
        """The subclass's model, compiled with scikeras' optimizer."""
        n_classes = meta["n_classes_"]
        model = self._build_model(n_classes)
        optimizer = compile_kwargs["optimizer"]
        if self.learning_rate is not None:
            optimizer.learning_rate = self.learning_rate
        # Labels, or two classes (one sigmoid unit): binary cross-entropy.
        if self.multilabel_:
            loss, metric = "binary_crossentropy", "binary_accuracy"
        elif n_classes == 2:
            loss, metric = "binary_crossentropy", "accuracy"
        else:
            loss, metric = "sparse_categorical_crossentropy", "accuracy"
        # run_eagerly, scikeras' parameter: Keras' step-by-step debugging
        # mode, for fit and predict alike.
        model.compile(
            optimizer=optimizer,
            loss=loss,
            metrics=[metric],
            run_eagerly=bool(compile_kwargs.get("run_eagerly", False)),
        )
        return model

    def _initialize_callbacks(self):
        super()._initialize_callbacks()
        self._fit_callbacks = [*self._fit_callbacks, *self._extra_callbacks()]

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
        # scikeras' routing, with a Keras predict compiled once per model:
        # Keras' own traces anew for every model and number of windows
        # (TensorFlow's retracing warning in cross-validation), and would
        # copy a memory-mapped X into memory.
        check_is_fitted(self, "model_")
        model = self.model_
        model.predict = functools.partial(predict_compiled, model)
        try:
            return super()._predict_raw(X, **kwargs)
        finally:
            # Gone if a concurrent call ended first (which leaves this one
            # Keras' predict, with the same result).
            with contextlib.suppress(AttributeError):
                del model.predict

    @property
    def _seed(self):
        """The integer seed of this fit (:func:`~skgenre.mil._seeding.seed_of`)."""
        return self._random_state

    @property
    def _batch_size(self):
        return self.batch_size or 32  # Keras' default when None

    def predict_proba(self, X, **kwargs):
        """Class probabilities of each song.

        Parameters
        ----------
        X : ndarray of shape (n_songs, n_windows, ...)
            Window features, as in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_songs, n_classes)
            Always 2-D, also for one song (scikeras returns ``(n_classes,)``).
            For a multi-label fit, ``(n_songs, n_labels)``: each label's
            probability, independent of the others'.
        """
        proba = super().predict_proba(X, **kwargs)
        return np.reshape(proba, (np.shape(X)[0], -1))

    # ---------------------------------------------------------------- model files

    def _export_state(self):
        """Fitted state for a model file: ``(JSON data, Keras model)``.

        Returns
        -------
        state : dict
            Classes, window shape and what ``_learn_input`` learned; with
            the Keras model, what :meth:`_restore_state` needs.
        model : keras.Model
        """
        check_is_fitted(self, "model_")
        state = {
            "classes": self.classes_.tolist(),
            "window_shape": [int(d) for d in self.X_shape_[2:]],
            **self._input_state(),
        }
        if self.multilabel_:  # absent: single-label, as in older files
            state["multilabel"] = True
        return state, self.model_

    @classmethod
    def _restore_state(cls, params, state, model):
        """A fitted classifier from its parameters, state and Keras model.

        Sets scikeras' fitted attributes as ``fit`` would have, without
        training.

        Raises
        ------
        skgenre._errors.StateError
            If there is no Keras model.
        """
        from .._errors import StateError

        if model is None:
            raise StateError("damaged (missing Keras model)")
        clf = cls(**params)
        classes = np.asarray(state["classes"])
        window_shape = tuple(state["window_shape"])
        X = np.zeros((len(classes), 1, *window_shape), dtype=np.float32)
        # One song per class (per label: an identity indicator) sets the
        # encoders as fit did.
        y = np.eye(len(classes), dtype=int) if state.get("multilabel") else classes
        clf.classes_ = None
        clf._fit_encoders(X, y)
        clf._random_state = None  # no fit to seed
        clf._restore_input(state, window_shape)
        clf.model_ = model
        clf._initialize_callbacks()
        clf.history_ = {}
        return clf


def _check_indicator(clf, y):
    """Refuse what a multi-label fit cannot do; warn on constant labels."""
    name = type(clf).__name__
    if clf.class_weight is not None:
        raise ValueError(
            f"{name}: class_weight={clf.class_weight!r} is for single-label "
            "targets; with an indicator y, each label is its own binary "
            "problem: resample songs, or leave class_weight=None."
        )
    y = np.asarray(y, dtype=np.int8)  # bool indicators too
    constant = [int(i) for i in np.flatnonzero(np.ptp(y, axis=0) == 0)]
    if constant:
        shown = ", ".join(map(str, constant[:10]))
        warnings.warn(
            f"{name}: label column(s) {shown} of y are the same for every song "
            "(never or always present): nothing can be learned about them.",
            UserWarning,
            stacklevel=8,  # the caller's fit
        )
