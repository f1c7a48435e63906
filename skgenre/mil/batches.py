"""Batches of songs: streamed from a memory-mapped array, predicted compiled.

Training and prediction on a ``np.memmap`` (e.g. from
:meth:`WindowMFCCTransformer.transform_to_store`) read one batch of songs at a
time, so memory does not grow with the number of songs.  Prediction runs one
compiled function per model (:func:`compiled_predict`), traced once for any
number of songs and windows.
"""

import math
import weakref

import keras
import numpy as np

from ..encoders.backends import predict_function
from .models import window_probe

__all__ = [
    "WindowBatches",
    "compiled_predict",
    "fit_streamed",
    "is_memory_mapped",
    "predict_compiled",
    "predict_in_batches",
    "predict_windows",
]


def is_memory_mapped(X):
    """Whether ``X`` is (a view of) a memory-mapped file."""
    while X is not None:
        if isinstance(X, np.memmap):
            return True
        X = getattr(X, "base", None)
    return False


class WindowBatches(keras.utils.PyDataset):
    """Shuffled batches ``(X[idx], y[idx][, w[idx]])`` read from disk per step.

    Parameters
    ----------
    X : array of shape (n_songs, n_windows, ...)
        Spectrogram or embedding windows; usually a read-only ``np.memmap``,
        never copied whole.
    y : ndarray of shape (n_songs, ...)
        Encoded targets.
    sample_weight : ndarray of shape (n_songs,) or None
    batch_size : int
    shuffle : bool, default=True
        New song order every epoch.
    seed : int or None
    indices : array-like of shape (n_used,) of int or None, default=None
        The songs (rows of ``X``) to draw batches from, e.g. the training or
        the validation part; ``None`` means all of them.
    """

    def __init__(
        self,
        X,
        y,
        sample_weight=None,
        *,
        batch_size,
        shuffle=True,
        seed=None,
        indices=None,
    ):
        super().__init__()
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(len(X)) if indices is None else np.array(indices)
        if shuffle:
            self._rng.shuffle(self._order)

    def __len__(self):
        return math.ceil(len(self._order) / self.batch_size)

    def __getitem__(self, i):
        # Sorted indices read the file front to back within a batch.
        idx = np.sort(self._order[i * self.batch_size : (i + 1) * self.batch_size])
        x = np.asarray(self.X[idx], dtype=np.float32)
        if self.sample_weight is None:
            return x, self.y[idx]
        return x, self.y[idx], self.sample_weight[idx]

    def on_epoch_end(self):
        if self.shuffle:
            self._rng.shuffle(self._order)


def fit_streamed(
    fit,
    x,
    y,
    *,
    batch_size=None,
    validation_split=0.0,
    shuffle=True,
    sample_weight=None,
    seed=None,
    **kwargs,
):
    """``keras.Model.fit`` on arrays, reading batches of songs from ``x`` per step.

    A drop-in for ``model.fit(x, y, ...)`` when ``x`` is memory-mapped:
    Keras would copy the whole array into memory.

    Parameters
    ----------
    fit : callable
        The model's own ``fit`` (bound method).
    x, y, batch_size, validation_split, shuffle, sample_weight
        As ``keras.Model.fit``.  ``validation_split`` holds out the last
        fraction of the songs, before any shuffling, as Keras does; both
        parts are streamed.
    seed : int or None, default=None
        Seed of the song order.
    **kwargs
        Further ``keras.Model.fit`` arguments (``epochs``, ``callbacks``...).

    Returns
    -------
    history : keras.callbacks.History
    """
    batch_size = batch_size or 32  # Keras' default when None
    songs, validation = np.arange(len(x)), None
    if validation_split:
        split_at = math.floor(len(x) * (1.0 - validation_split))
        if split_at in (0, len(x)):
            raise ValueError(
                f"validation_split={validation_split} leaves no song for "
                f"training or for validation out of {len(x)} songs."
            )
        songs, held_out = songs[:split_at], songs[split_at:]
        validation = WindowBatches(
            x, y, sample_weight, batch_size=batch_size, shuffle=False, indices=held_out
        )
    data = WindowBatches(
        x,
        y,
        sample_weight,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        indices=songs,
    )
    # WindowBatches shuffles songs itself (seeded); Keras would also shuffle
    # the batch order, ignoring shuffle=False.
    return fit(data, validation_data=validation, shuffle=False, **kwargs)


def compiled_predict(model):
    """``model``'s inference, compiled once and reused while the model lives.

    Keras' ``model.predict`` traces its function again for a new number of
    songs or windows, and every new model (one per fit) traces anew, so
    cross-validation printed TensorFlow's "triggered tf.function retracing"
    warning.  This function is traced once per model for all of them (see
    :func:`skgenre.encoders.backends.predict_function`) and computes as
    ``model.predict`` does: the same numbers, to the bit on CPUs (tested on
    TensorFlow and JAX).  A model compiled with ``run_eagerly=True`` is
    called step by step instead, as Keras' predict would.

    Parameters
    ----------
    model : keras.Model
        One input, of shape ``(batch, n_windows, ...)``.

    Returns
    -------
    predict : callable
        ``predict(x)``: the model's outputs on one batch, as numpy arrays.
    """
    predict = _COMPILED.get(model)
    if predict is None:
        # A proxy: the cache must not keep the model alive.
        predict = predict_function(
            weakref.proxy(model),
            model.input_shape[1:],
            match_keras=True,
            eager=bool(model.run_eagerly),
        )
        _COMPILED[model] = predict
    return predict


# One compiled function per model.
_COMPILED = weakref.WeakKeyDictionary()

# Keras callbacks' prediction hooks: a callback with one of its own needs
# Keras' predict loop.
_PREDICT_HOOKS = (
    "on_predict_begin",
    "on_predict_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)


def _acts_in_predict(callback):
    """Whether a Keras callback does anything during prediction."""
    return any(
        getattr(getattr(callback, hook), "__func__", None)
        is not getattr(keras.callbacks.Callback, hook)
        for hook in _PREDICT_HOOKS
    )


def _distributed(model):
    """Whether Keras' predict would split batches across devices."""
    strategy = getattr(model, "distribute_strategy", None)  # TensorFlow's
    if strategy is not None and strategy.num_replicas_in_sync > 1:
        return True
    return keras.distribution.distribution() is not None  # JAX's


def predict_compiled(
    model, x, batch_size=None, verbose="auto", steps=None, callbacks=None
):
    """A drop-in for ``model.predict(x, ...)`` on arrays, via :func:`compiled_predict`.

    Gives what ``model.predict`` gives, traced once per model instead of
    for every new number of songs and windows, and without a progress bar.
    Keras' own ``predict`` runs instead where it is asked for what only it
    does: ``steps``, a callback with prediction hooks (fit callbacks have
    none), or a model on several devices (a ``tf.distribute`` strategy, a
    ``keras.distribution``), unless ``x`` is memory-mapped (streamed, never
    copied whole).

    Parameters
    ----------
    model : keras.Model
    x : array of shape (n_songs, n_windows, ...)
    batch_size, verbose, steps, callbacks
        As ``keras.Model.predict``; ``verbose`` is ignored.

    Returns
    -------
    outputs : ndarray or list of ndarray
    """
    keras_only = (
        steps is not None
        or any(map(_acts_in_predict, callbacks or ()))
        or _distributed(model)
    )
    if keras_only and not is_memory_mapped(x):
        return type(model).predict(
            model, x, batch_size, verbose=verbose, steps=steps, callbacks=callbacks
        )
    return predict_in_batches(model, x, batch_size or 32)  # Keras' default


def predict_in_batches(model, X, batch_size):
    """The model's outputs on consecutive batches of ``X``, compiled once.

    Each batch is read (and, if ``X`` is memory-mapped, loaded) on its own
    and given to :func:`compiled_predict`; the batches are those of
    ``model.predict(X, batch_size=batch_size)``, and so are the outputs.

    Parameters
    ----------
    model : keras.Model
    X : array of shape (n_songs, n_windows, ...)
        In memory or memory-mapped.
    batch_size : int

    Returns
    -------
    outputs : ndarray or list of ndarray
        Concatenated over songs, like ``model.predict``.
    """
    predict = compiled_predict(model)
    parts = []
    for start in range(0, len(X), batch_size):
        out = predict(np.asarray(X[start : start + batch_size], dtype=np.float32))
        parts.append(out if isinstance(out, (list, tuple)) else [out])
    if not parts:
        raise ValueError("X has no songs")
    joined = [
        np.concatenate([np.asarray(p[k]) for p in parts]) for k in range(len(parts[0]))
    ]
    return joined if len(joined) > 1 else joined[0]


def predict_windows(model, X, batch_size):
    """Each window's probabilities and weight in its song's prediction.

    Through :func:`~skgenre.mil.models.window_probe`, compiled once per
    model (:func:`predict_in_batches`).

    Parameters
    ----------
    model : keras.Model
        Built by :func:`~skgenre.mil.models.build_mil_model`.
    X : array of shape (n_songs, n_windows, ...)
        In memory or memory-mapped; padded windows are NaN.
    batch_size : int

    Returns
    -------
    proba : ndarray of shape (n_songs, n_windows, n_classes)
        NaN for padded windows.
    weights : ndarray of shape (n_songs, n_windows) or \
(n_songs, n_windows, n_labels)
        0 for padded windows; one attention head per label gives the
        second shape.
    """
    proba, mask, weights = predict_in_batches(window_probe(model), X, batch_size)
    mask = mask > 0
    proba = np.where(mask[..., None], proba, np.nan)
    weights = np.where(mask[..., None] if weights.ndim == 3 else mask, weights, 0.0)
    return proba, weights
