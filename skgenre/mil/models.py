"""Keras model builders: a window CNN applied to every window, pooled per song.

Pure Keras; nothing here knows about scikit-learn or scikeras.
"""

import functools
import weakref

import keras
import numpy as np
from keras import layers, ops

from .._keras import serializable
from ..padding import real_windows
from .augment import BandLimit, SpecAugment, WindowDropout
from .pooling import POOLINGS, AttentionPooling, WindowDistributed, WindowMask

__all__ = [
    "BandStatistics",
    "LabelHead",
    "band_statistics",
    "build_mil_model",
    "build_window_cnn",
    "build_window_head",
    "window_probe",
    "window_statistics",
]

#: Added to variances before a square root: keeps BandStatistics' gradient
#: finite for constant bands.
STD_EPSILON = 1e-6


@serializable
class BandStatistics(layers.Layer):
    """Mean and standard deviation of every band over a window's frames.

    Input ``(batch, n_bands, n_frames, 1)``; output ``(batch, 2 * n_bands)``:
    the texture statistics of classic genre features (Tzanetakis & Cook,
    2002), computed per window.  No weights.
    """

    def call(self, inputs):
        x = inputs[..., 0]
        mean = ops.mean(x, axis=2)
        std = ops.sqrt(ops.var(x, axis=2) + STD_EPSILON)
        return ops.concatenate([mean, std], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2 * input_shape[1])


@serializable
class LabelHead(layers.Layer):
    """One sigmoid unit per label, each reading its own attention head.

    The head of multi-label attention pooling: input ``(batch, n_labels,
    n_features)``, the song embedding each label's attention head pooled;
    output ``(batch, n_labels)``, ``sigmoid(<w_l, e_l> + b_l)``.  Called with
    ``per_window=True`` on window embeddings ``(batch, n_windows,
    n_features)``, the same weights give each window's label probabilities.

    Parameters
    ----------
    n_labels : int
    """

    def __init__(self, n_labels, **kwargs):
        super().__init__(**kwargs)
        self.n_labels = int(n_labels)

    def build(self, input_shape):
        dim = input_shape[-1]
        self.kernel = self.add_weight(
            name="kernel", shape=(dim, self.n_labels), initializer="glorot_uniform"
        )
        self.bias = self.add_weight(
            name="bias", shape=(self.n_labels,), initializer="zeros"
        )

    def call(self, inputs, per_window=False):
        if per_window:  # window embeddings (batch, n_windows, n_features)
            return ops.sigmoid(ops.matmul(inputs, self.kernel) + self.bias)
        logits = ops.einsum("blf,fl->bl", inputs, self.kernel) + self.bias
        return ops.sigmoid(logits)

    def get_config(self):
        return {**super().get_config(), "n_labels": self.n_labels}


def band_statistics(X, chunk=64):
    """Per-band mean and variance over real windows (padding is NaN).

    What the ``band_normalization`` layer of :func:`build_mil_model` is given.
    Computed chunk by chunk in float64, so a memory-mapped X is never loaded
    whole.

    Parameters
    ----------
    X : array of shape (n_songs, n_windows, n_bands, n_frames, 1)
        Or ``(n_songs, n_windows, n_features)`` embeddings: statistics per
        feature.

    Returns
    -------
    mean, variance : ndarray of shape (n_bands,)
    """
    axis = tuple(a for a in range(X.ndim) if a != 2)
    window_axes = (1,) * (X.ndim - 2)
    return _pooled_moments(
        (
            (values, real.reshape(*real.shape, *window_axes))
            for values, real in _chunks(X, chunk)
        ),
        axis=axis,
    )


def window_statistics(X, band_mean=None, band_variance=None, chunk=64):
    """Mean and variance over real windows of :class:`BandStatistics` output.

    The numpy twin of the layer: what its ``statistics_normalization`` is
    given.  The windows are first standardised per band as the model's
    ``Normalization`` layer does, when ``band_mean`` is given.  Chunked like
    :func:`band_statistics`.

    Parameters
    ----------
    X : array of shape (n_songs, n_windows, n_bands, n_frames, 1)
    band_mean, band_variance : ndarray of shape (n_bands,) or None

    Returns
    -------
    mean, variance : ndarray of shape (2 * n_bands,)
    """

    def statistics(values, real):
        block = values[..., 0][real]  # (real windows, n_bands, n_frames)
        if band_mean is not None:
            # As keras.layers.Normalization.
            scale = np.maximum(np.sqrt(band_variance), keras.config.epsilon())
            block = (block - band_mean[:, None]) / scale[:, None]
        stats = np.concatenate(
            [block.mean(axis=2), np.sqrt(block.var(axis=2) + STD_EPSILON)], axis=1
        )
        return stats, np.ones((len(stats), 1))

    return _pooled_moments(
        (statistics(values, real) for values, real in _chunks(X, chunk)), axis=0
    )


def _chunks(X, chunk):
    """Blocks of ``chunk`` songs of ``X``: values and which windows are real.

    Yields ``(values, real)``: the block as float64 with non-finite values
    set to 0, as the model's ``WindowMask`` does, and the
    :func:`~skgenre.padding.real_windows` of the block, ``(n_songs,
    n_windows)``.
    """
    for start in range(0, X.shape[0], chunk):
        block = np.asarray(X[start : start + chunk], dtype=np.float64)
        yield np.where(np.isfinite(block), block, 0.0), real_windows(block)


def _pooled_moments(blocks, axis):
    """Mean and variance over ``axis`` of the values of all ``blocks``.

    ``blocks`` yields ``(values, weight)``, ``weight`` broadcastable to
    ``values``: 1 for values to count, 0 for padding.
    """
    total = squares = count = 0
    for values, weight in blocks:
        weight = np.broadcast_to(weight, values.shape)
        total = total + (values * weight).sum(axis=axis)
        squares = squares + (values**2 * weight).sum(axis=axis)
        count = count + weight.sum(axis=axis)
    count = np.maximum(count, 1)
    mean = total / count
    return mean, np.maximum(squares / count - mean**2, 0.0)


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
    multilabel=False,
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
    multilabel : bool, default=False
        ``n_outputs`` independent sigmoid units (labels) instead of a softmax.
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
        head.append(_output_layer(n_outputs, multilabel=multilabel))
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


def build_window_head(
    input_shape,
    n_outputs,
    *,
    hidden=0,
    dropout=0.0,
    multilabel=False,
    name="window_head",
):
    """A dense window model for embedding input (e.g. pretrained encoders).

    ``[Dropout] -> Dense(hidden, relu) -> [Dropout] -> Dense(n_outputs)``,
    softmax (or one sigmoid unit when ``n_outputs == 1``); ``hidden=0`` is
    a linear model of the embedding.

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_features,)`` of one window.
    n_outputs : int or None
        Number of classes, 1 for a binary problem, or ``None`` for no output
        layer: the model then returns the ``hidden``-sized window embedding
        (the input itself when ``hidden=0``).
    hidden : int, default=0
        Units of the hidden layer; 0 for none.
    dropout : float, default=0.0
        If positive, ``Dropout(dropout)`` on the input and after the hidden
        layer (no weights).
    multilabel : bool, default=False
        ``n_outputs`` independent sigmoid units (labels) instead of a softmax.
    name : str, default="window_head"

    Returns
    -------
    model : keras.Sequential
        Maps ``(batch, n_features)`` to ``(batch, n_outputs)`` (or
        ``(batch, hidden)``).
    """
    stack = [keras.Input(shape=tuple(input_shape))]
    if hidden:
        if dropout > 0:
            stack.append(layers.Dropout(dropout))
        stack.append(layers.Dense(hidden, activation="relu"))
    if dropout > 0 and n_outputs is not None:
        stack.append(layers.Dropout(dropout))
    if n_outputs is not None:
        stack.append(_output_layer(n_outputs, multilabel=multilabel))
    return keras.Sequential(stack, name=name)


def _output_layer(n_outputs, name=None, multilabel=False):
    # Labels are independent: one sigmoid each.  Classes exclude each other:
    # a softmax, or one sigmoid unit for two.
    activation = "sigmoid" if multilabel or n_outputs == 1 else "softmax"
    return layers.Dense(n_outputs, activation=activation, name=name)


def build_mil_model(
    input_shape,
    n_classes,
    *,
    window_kind="spectrogram",
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
    multilabel=False,
):
    """Multiple-instance song model: a window model on every window, pooled.

    The window model is the CNN of :func:`build_window_cnn` for spectrogram
    windows, or the dense head of :func:`build_window_head` for embedding
    windows (e.g. from :class:`skgenre.WindowEmbedder`); on embeddings,
    ``filters``, ``freq_mask``, ``time_mask``, ``bandlimit`` and
    ``window_stats`` do not apply and are ignored.

    Parameters
    ----------
    input_shape : tuple
        ``(n_windows, n_bands, n_frames, 1)`` or ``(n_windows, n_features)``
        of one song; ``n_windows`` may be ``None`` (any number).  Windows
        with no finite value are padding (:mod:`skgenre.padding`): they are
        masked out of the pooling.
    n_classes : int
        Number of classes (>= 2); two classes use one sigmoid unit.  With
        ``multilabel``, the number of labels: one sigmoid unit each.
    window_kind : {"spectrogram", "embedding"}, default="spectrogram"
        What a window is: ``(n_bands, n_frames, 1)`` for the window CNN, or
        ``(n_features,)`` for the dense head.
    filters, hidden : int
        Sizes of the window CNN, see :func:`build_window_cnn`.
    pooling : {"mean", "max", "lse", "autopool", "attention"}, default="mean"
        How window outputs become the song output (see
        :mod:`skgenre.mil.pooling`).  "attention" pools window embeddings and
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
        (:class:`skgenre.mil.augment.SpecAugment`); 0 disables.
    window_dropout : float, default=0.0
        Probability of leaving a window out of a song's pooling during
        training (:class:`skgenre.mil.augment.WindowDropout`).
    window_stats : bool, default=False
        Give the window CNN per-band statistics too, see
        :func:`build_window_cnn`.
    stats_mean, stats_variance : ndarray of shape (2 * n_bands,) or None
        Standardisation of those statistics, see :func:`build_window_cnn`.
    bandlimit : float, default=0.0
        Probability that a training song is made to look band-limited
        (:class:`skgenre.mil.augment.BandLimit`).
    n_mels : int or None, default=None
        ``None`` if the input bands are log-mel bands; for MFCC input, the
        number of mel bands they were computed from (used by ``bandlimit``).
    band_mean, band_variance : ndarray of shape (n_bands,) or None
        If given, features are standardised per band by a fixed (non-trainable)
        ``Normalization`` layer before the CNN.
    seed : int or None, default=None
        Seed of the augmentation layers.
    multilabel : bool, default=False
        Several labels per song: one sigmoid unit per label, pooled per
        label (for "attention", one attention head per label, and a
        :class:`LabelHead`); probabilities are not renormalised.

    Returns
    -------
    model : keras.Model
        Uncompiled; maps ``(batch, n_windows, *window_shape)`` to
        ``(batch, n_outputs)`` song probabilities.  Layers named
        ``"window_mask"``, ``"per_window"`` and ``"pooling"`` give access to
        window-level outputs.
    """
    window_shape = tuple(input_shape[1:])
    expected_rank = {"spectrogram": 3, "embedding": 1}.get(window_kind)
    if expected_rank is None:
        raise ValueError(
            f"invalid window_kind={window_kind!r}; expected 'spectrogram' or "
            "'embedding'."
        )
    if len(window_shape) != expected_rank:
        raise ValueError(
            f"{window_kind} windows have {expected_rank} dimension(s), got "
            f"windows of shape {window_shape}."
        )
    spectrogram = window_kind == "spectrogram"
    n_outputs = n_classes if multilabel or n_classes > 2 else 1
    inputs = keras.Input(shape=(None, *window_shape), name="windows")
    x, mask = WindowMask(name="window_mask")(inputs)
    if bandlimit and spectrogram:
        # On raw features: the floor is relative to each window's maximum.
        x = BandLimit(bandlimit, n_mels=n_mels, seed=seed, name="band_limit")(x)
    if band_mean is not None:
        # axis 2 of (batch, n_windows, n_bands, ...): one mean per band or
        # embedding dimension.
        x = layers.Normalization(
            axis=2,
            mean=np.asarray(band_mean, dtype="float32"),
            variance=np.asarray(band_variance, dtype="float32"),
            name="band_normalization",
        )(x)
    if (freq_mask or time_mask) and spectrogram:
        x = SpecAugment(freq_mask, time_mask, seed=seed, name="spec_augment")(x)
    if window_dropout:
        mask = WindowDropout(window_dropout, seed=seed, name="window_dropout")(mask)
    if spectrogram:
        window_model = functools.partial(
            build_window_cnn,
            window_shape,
            filters=filters,
            hidden=hidden,
            dropout=dropout,
            window_stats=window_stats,
            stats_mean=stats_mean,
            stats_variance=stats_variance,
        )
    else:
        window_model = functools.partial(
            build_window_head, window_shape, hidden=hidden, dropout=dropout
        )
    window_model = functools.partial(window_model, multilabel=multilabel)
    if pooling == "attention":
        embeddings = WindowDistributed(window_model(None), name="per_window")(x)
        heads = n_outputs if multilabel else 1
        song, _ = AttentionPooling(attention_units, heads=heads, name="pooling")(
            [embeddings, mask]
        )
        if multilabel:
            song_proba = LabelHead(n_outputs, name="head")(song)
        else:
            song_proba = _output_layer(n_outputs, name="head")(song)
    else:
        window_proba = WindowDistributed(window_model(n_outputs), name="per_window")(x)
        options = {"sharpness": sharpness} if pooling == "lse" else {}
        # A mean keeps a softmax's sums at 1; independent labels have none.
        renormalize = not multilabel and n_outputs > 1 and pooling != "mean"
        pool = POOLINGS[pooling](renormalize=renormalize, name="pooling", **options)
        song_proba = pool([window_proba, mask])
    return keras.Model(inputs, song_proba, name="mil_song_model")


def window_probe(model):
    """A model giving the window-level view of a MIL model's song prediction.

    Made once per model and reused (kept as long as the model lives): a new
    ``keras.Model`` per call would need a new compiled function every time,
    whereas the reused one, given to
    :func:`skgenre.mil.batches.predict_in_batches`, is traced once for any
    number of songs and windows.

    Parameters
    ----------
    model : keras.Model
        Built by :func:`build_mil_model`.

    Returns
    -------
    probe : keras.Model
        Maps the song input to three outputs:

        - ``proba`` of shape (batch, n_windows, n_classes): each window's class
          probabilities (for "attention" pooling, the classification head
          applied to each window's embedding; one sigmoid unit becomes two
          columns, P(first class) and P(second class));
        - ``mask`` of shape (batch, n_windows): 1 for real windows, 0 for
          padding;
        - ``weights`` of shape (batch, n_windows): each window's weight in the
          song prediction (attention weights for "attention", else ``1 /
          n_real`` for real windows).
    """
    probe = _PROBES.get(model)
    if probe is None:
        probe = _PROBES[model] = _build_window_probe(model)
        probe.run_eagerly = model.run_eagerly  # predicted as the model is
    return probe


# One probe per song model.
_PROBES = weakref.WeakKeyDictionary()


def _build_window_probe(model):
    window_out = model.get_layer("per_window").output
    mask = model.get_layer("window_mask").output[1]
    pooling = model.get_layer("pooling")
    if isinstance(pooling, AttentionPooling):
        head = model.get_layer("head")
        if isinstance(head, LabelHead):
            proba = head(window_out, per_window=True)
        else:
            proba = head(window_out)
        weights = pooling.output[1]
    else:
        proba = window_out
        weights = layers.Lambda(
            lambda m: m / ops.maximum(ops.sum(m, axis=1, keepdims=True), 1.0)
        )(mask)
    if proba.shape[-1] == 1:  # one sigmoid unit: P(second class)
        proba = layers.Lambda(lambda p: ops.concatenate([1 - p, p], axis=-1))(proba)
    return keras.Model(model.input, [proba, mask, weights], name="window_probe")
