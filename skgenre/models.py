"""Keras model builders: a window CNN applied to every window, pooled per song.

Pure Keras; nothing here knows about scikit-learn or scikeras.
"""

import weakref

import keras
import numpy as np
from keras import layers, ops

from .augment import BandLimit, SpecAugment, WindowDropout
from .pooling import POOLINGS, AttentionPooling, WindowDistributed, WindowMask

__all__ = ["BandStatistics", "build_mil_model", "build_window_cnn", "window_probe"]


@keras.saving.register_keras_serializable(package="skgenre")
class BandStatistics(layers.Layer):
    """Mean and standard deviation of every band over a window's frames.

    Input ``(batch, n_bands, n_frames, 1)``; output ``(batch, 2 * n_bands)``:
    the texture statistics of classic genre features (Tzanetakis & Cook,
    2002), computed per window.  No weights.
    """

    def call(self, inputs):
        x = inputs[..., 0]
        mean = ops.mean(x, axis=2)
        # The epsilon keeps the gradient of sqrt finite for constant bands.
        std = ops.sqrt(ops.var(x, axis=2) + 1e-6)
        return ops.concatenate([mean, std], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2 * input_shape[1])


def build_window_cnn(
    input_shape,
    n_outputs,
    *,
    filters=16,
    hidden=32,
    dropout=0.0,
    window_stats=False,
    stats_mean=None,
    stats_variance=None,
    name="window_cnn",
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
    n_outputs : int or None
        Number of classes, 1 for a binary problem, or ``None`` for no output
        layer: the model then returns the ``hidden``-sized window embedding.
    filters : int, default=16
        Filters of each convolution.
    hidden : int, default=32
        Units of each hidden dense layer.
    dropout : float, default=0.0
        If positive, ``Dropout(dropout)`` after the flattened features and
        after each hidden layer (no weights).
    window_stats : bool, default=False
        If True, the per-band mean and standard deviation over the window's
        frames (:class:`BandStatistics`) are concatenated to the flattened
        convolution features before the dense layers: ``2 * n_bands *
        hidden`` more trainable parameters.
    stats_mean, stats_variance : ndarray of shape (2 * n_bands,) or None
        If given, the statistics are standardised with these (fixed, not
        trainable) values, e.g. their mean and variance over the training
        windows.
    name : str, default="window_cnn"
        Model name.

    Returns
    -------
    model : keras.Sequential
        Maps ``(batch, n_bands, n_frames, 1)`` to ``(batch, n_outputs)``
        probabilities (or ``(batch, hidden)`` embeddings).
    """
    convolutions = [
        layers.Conv2D(filters, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 3)),
        layers.Conv2D(filters, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
    ]
    head = []
    for _ in range(2):
        if dropout > 0:
            head.append(layers.Dropout(dropout))
        head.append(layers.Dense(hidden, activation="relu"))
    if dropout > 0:
        head.append(layers.Dropout(dropout))
    if n_outputs is not None:
        head.append(_output_layer(n_outputs))
    if not window_stats:  # the reference
        return keras.Sequential(
            [keras.Input(shape=tuple(input_shape)), *convolutions, *head], name=name
        )
    inputs = keras.Input(shape=tuple(input_shape))
    x = inputs
    for layer in convolutions:
        x = layer(x)
    stats = BandStatistics(name="band_statistics")(inputs)
    if stats_mean is not None:
        # Means and deviations of bands vary on different scales across
        # songs; fixed statistics (not batch ones) keep padding out of it.
        stats = layers.Normalization(
            mean=np.asarray(stats_mean, dtype="float32"),
            variance=np.asarray(stats_variance, dtype="float32"),
            name="statistics_normalization",
        )(stats)
    x = layers.Concatenate()([x, stats])
    for layer in head:
        x = layer(x)
    return keras.Model(inputs, x, name=name)


def _output_layer(n_outputs, name=None):
    activation = "sigmoid" if n_outputs == 1 else "softmax"
    return layers.Dense(n_outputs, activation=activation, name=name)


def build_mil_model(
    input_shape,
    n_classes,
    *,
    filters=16,
    hidden=32,
    pooling="mean",
    sharpness=5.0,
    attention_units=16,
    dropout=0.0,
    freq_mask=0,
    time_mask=0,
    window_dropout=0.0,
    window_stats=False,
    stats_mean=None,
    stats_variance=None,
    bandlimit=0.0,
    n_mels=None,
    band_mean=None,
    band_variance=None,
    seed=None,
):
    """Multiple-instance song model: the window CNN on every window, pooled.

    Parameters
    ----------
    input_shape : tuple
        ``(n_windows, n_bands, n_frames, 1)`` of one song; ``n_windows`` may
        be ``None`` (any number).  Windows whose values are all NaN are
        padding: they are masked out of the pooling.
    n_classes : int
        Number of classes (>= 2); two classes use one sigmoid unit.
    filters, hidden : int
        Sizes of the window CNN, see :func:`build_window_cnn`.
    pooling : {"mean", "max", "lse", "autopool", "attention"}, default="mean"
        How window outputs become the song output (see
        :mod:`skgenre.pooling`).  "attention" pools window embeddings and
        classifies the pooled embedding; the others pool window
        probabilities.
    sharpness : float, default=5.0
        Sharpness of "lse" pooling.
    attention_units : int, default=16
        Hidden size of "attention" pooling.
    dropout : float, default=0.0
        Dropout inside the window CNN, see :func:`build_window_cnn`.
    freq_mask, time_mask : int, default=0
        Widest random band / frame mask per window during training
        (:class:`skgenre.augment.SpecAugment`); 0 disables.
    window_dropout : float, default=0.0
        Probability of leaving a window out of a song's pooling during
        training (:class:`skgenre.augment.WindowDropout`).
    window_stats : bool, default=False
        Give the window CNN per-band statistics too, see
        :func:`build_window_cnn`.
    stats_mean, stats_variance : ndarray of shape (2 * n_bands,) or None
        Standardisation of those statistics, see :func:`build_window_cnn`.
    bandlimit : float, default=0.0
        Probability that a training song is made to look band-limited
        (:class:`skgenre.augment.BandLimit`).
    n_mels : int or None, default=None
        ``None`` if the input bands are log-mel bands; for MFCC input, the
        number of mel bands they were computed from (used by ``bandlimit``).
    band_mean, band_variance : ndarray of shape (n_bands,) or None
        If given, features are standardised per band by a fixed (non-trainable)
        ``Normalization`` layer before the CNN.
    seed : int or None, default=None
        Seed of the augmentation layers.

    Returns
    -------
    model : keras.Model
        Uncompiled; maps ``(batch, n_windows, n_bands, n_frames, 1)`` to
        ``(batch, n_outputs)`` song probabilities.  Layers named
        ``"window_mask"``, ``"per_window"`` and ``"pooling"`` give access to
        window-level outputs.
    """
    _, n_bands, n_frames, n_channels = input_shape
    n_outputs = 1 if n_classes == 2 else n_classes
    inputs = keras.Input(shape=(None, n_bands, n_frames, n_channels), name="windows")
    x, mask = WindowMask(name="window_mask")(inputs)
    if bandlimit:
        # On raw features: the floor is relative to each window's maximum.
        x = BandLimit(bandlimit, n_mels=n_mels, seed=seed, name="band_limit")(x)
    if band_mean is not None:
        # axis 2 of (batch, n_windows, n_bands, n_frames, 1): one mean per band.
        x = layers.Normalization(
            axis=2,
            mean=np.asarray(band_mean, dtype="float32"),
            variance=np.asarray(band_variance, dtype="float32"),
            name="band_normalization",
        )(x)
    if freq_mask or time_mask:
        x = SpecAugment(freq_mask, time_mask, seed=seed, name="spec_augment")(x)
    if window_dropout:
        mask = WindowDropout(window_dropout, seed=seed, name="window_dropout")(mask)
    window_shape = (n_bands, n_frames, n_channels)
    cnn_options = {
        "filters": filters,
        "hidden": hidden,
        "dropout": dropout,
        "window_stats": window_stats,
        "stats_mean": stats_mean,
        "stats_variance": stats_variance,
    }
    if pooling == "attention":
        cnn = build_window_cnn(window_shape, None, **cnn_options)
        embeddings = WindowDistributed(cnn, name="per_window")(x)
        song, _ = AttentionPooling(attention_units, name="pooling")([embeddings, mask])
        song_proba = _output_layer(n_outputs, name="head")(song)
    else:
        cnn = build_window_cnn(window_shape, n_outputs, **cnn_options)
        window_proba = WindowDistributed(cnn, name="per_window")(x)
        options = {"sharpness": sharpness} if pooling == "lse" else {}
        renormalize = n_outputs > 1 and pooling != "mean"  # a mean keeps sums at 1
        pool = POOLINGS[pooling](renormalize=renormalize, name="pooling", **options)
        song_proba = pool([window_proba, mask])
    return keras.Model(inputs, song_proba, name="mil_song_model")


# One probe per song model, kept as long as the model lives.
_PROBES = weakref.WeakKeyDictionary()


def window_probe(model):
    """The window-level outputs of a :func:`build_mil_model` model.

    A model sharing ``model``'s layers whose outputs are the per-window
    outputs (layer ``"per_window"``), the window mask and, for attention
    pooling, the attention weights.  Made once per model and reused: a new
    ``keras.Model`` per call would trace a new predict function every time
    (TensorFlow's "triggered tf.function retracing" warning), whereas the
    reused one, traced with ``reduce_retracing``, accepts any number of songs
    and windows after its second trace.
    """
    probe = _PROBES.get(model)
    if probe is None:
        outputs = [
            model.get_layer("per_window").output,
            model.get_layer("window_mask").output[1],
        ]
        pooling = model.get_layer("pooling")
        if isinstance(pooling, AttentionPooling):
            outputs.append(pooling.output[1])
        probe = _PROBES[model] = keras.Model(model.inputs, outputs)
    return probe
