"""Keras model builders: a window CNN applied to every window, pooled per song.

Pure Keras; nothing here knows about scikit-learn or scikeras.
"""

import keras
import numpy as np
from keras import layers

__all__ = ["build_mil_model", "build_window_cnn"]


def build_window_cnn(
    input_shape, n_outputs, *, filters=16, hidden=32, name="window_cnn"
):
    """The reference per-window CNN.

    Conv2D(filters, 3x3) -> MaxPooling2D((2, 3)) -> Conv2D(filters, 3x3) ->
    MaxPooling2D((2, 2)) -> Flatten -> Dense(hidden, relu) -> Dense(hidden,
    relu) -> Dense(n_outputs, softmax), or one sigmoid unit when
    ``n_outputs == 1``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_bands, n_frames, 1)`` of one window.
    n_outputs : int
        Number of classes, or 1 for a binary problem.
    filters : int, default=16
        Filters of each convolution.
    hidden : int, default=32
        Units of each hidden dense layer.
    name : str, default="window_cnn"
        Model name.

    Returns
    -------
    model : keras.Sequential
        Maps ``(batch, n_bands, n_frames, 1)`` to ``(batch, n_outputs)``
        probabilities.
    """
    activation = "sigmoid" if n_outputs == 1 else "softmax"
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Conv2D(filters, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 3)),
            layers.Conv2D(filters, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dense(hidden, activation="relu"),
            layers.Dense(hidden, activation="relu"),
            layers.Dense(n_outputs, activation=activation),
        ],
        name=name,
    )


def build_mil_model(
    input_shape,
    n_classes,
    *,
    filters=16,
    hidden=32,
    band_mean=None,
    band_variance=None,
):
    """Multiple-instance song model: the window CNN on every window, mean vote.

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_windows, n_bands, n_frames, 1)`` of one song.
    n_classes : int
        Number of classes (>= 2); two classes use one sigmoid unit.
    filters, hidden : int
        Sizes of the window CNN, see :func:`build_window_cnn`.
    band_mean, band_variance : ndarray of shape (n_bands,) or None
        If given, features are standardised per band by a fixed (non-trainable)
        ``Normalization`` layer before the CNN.

    Returns
    -------
    model : keras.Model
        Uncompiled; maps ``(batch, n_windows, n_bands, n_frames, 1)`` to
        ``(batch, n_outputs)`` song probabilities, the mean of the window
        probabilities.
    """
    n_windows, n_bands, n_frames, n_channels = input_shape
    n_outputs = 1 if n_classes == 2 else n_classes
    inputs = keras.Input(shape=tuple(input_shape), name="windows")
    x = inputs
    if band_mean is not None:
        # axis 2 of (batch, n_windows, n_bands, n_frames, 1): one mean per band.
        x = layers.Normalization(
            axis=2,
            mean=np.asarray(band_mean, dtype="float32"),
            variance=np.asarray(band_variance, dtype="float32"),
            name="band_normalization",
        )(x)
    cnn = build_window_cnn(
        (n_bands, n_frames, n_channels), n_outputs, filters=filters, hidden=hidden
    )
    window_proba = layers.TimeDistributed(cnn, name="per_window")(x)
    song_proba = layers.GlobalAveragePooling1D(name="mean_vote")(window_proba)
    return keras.Model(inputs, song_proba, name="mil_song_model")
