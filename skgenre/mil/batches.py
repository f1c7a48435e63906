"""Batches of window features streamed from a memory-mapped array.

Training and prediction on a ``np.memmap`` (e.g. from
:meth:`WindowMFCCTransformer.transform_to_store`) read one batch of songs at a
time, so memory does not grow with the number of songs.
"""

import math

import keras
import numpy as np

__all__ = ["WindowBatches", "fit_streamed", "is_memory_mapped", "predict_in_batches"]


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


def predict_in_batches(model, X, batch_size):
    """``model.predict_on_batch`` over consecutive batches of ``X``.

    Returns
    -------
    outputs : ndarray or list of ndarray
        Concatenated over songs, like ``model.predict``.
    """
    parts = []
    for start in range(0, len(X), batch_size):
        out = model.predict_on_batch(np.asarray(X[start : start + batch_size]))
        parts.append(out if isinstance(out, (list, tuple)) else [out])
    if not parts:
        raise ValueError("X has no songs")
    joined = [
        np.concatenate([np.asarray(p[k]) for p in parts]) for k in range(len(parts[0]))
    ]
    return joined if len(joined) > 1 else joined[0]
