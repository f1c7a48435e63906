"""Keras layers that pool window outputs into one song output (MIL pooling).

Every layer takes ``[values, mask]``: ``values`` of shape
``(batch, n_windows, n_units)`` and ``mask`` of shape ``(batch, n_windows)``,
1.0 for real windows and 0.0 for padding.  Padded windows never influence the
result.  All layers are registered for Keras serialisation, so models that use
them save and load (``.keras`` files, pickling) without custom objects.
"""

import keras
from keras import layers, ops

from .._keras import serializable

__all__ = [
    "AttentionPooling",
    "AutoPooling",
    "LSEPooling",
    "MaskedMaxPooling",
    "MaskedMeanPooling",
    "WindowDistributed",
    "WindowMask",
    "POOLINGS",
]


@serializable
class WindowMask(layers.Layer):
    """Split padded input into clean windows and a window mask.

    Padded windows are marked by NaN in every value (as the extraction
    engine writes them); a window with any finite value is real, the rule of
    :mod:`skgenre.padding`.  Non-finite values of real windows become 0.

    Input: ``(batch, n_windows, ...)``, e.g. ``(batch, n_windows, n_bands,
    n_frames, 1)`` or ``(batch, n_windows, n_features)``.  Outputs: the input
    with NaN replaced by 0, and the mask ``(batch, n_windows)``, float.
    """

    def call(self, inputs):
        finite = ops.isfinite(inputs)
        window_axes = tuple(range(2, len(inputs.shape)))
        mask = ops.cast(ops.any(finite, axis=window_axes), self.compute_dtype)
        return ops.where(finite, inputs, ops.zeros_like(inputs)), mask

    def compute_output_shape(self, input_shape):
        return input_shape, tuple(input_shape[:2])


@serializable
class WindowDistributed(layers.TimeDistributed):
    """``TimeDistributed`` that runs its layer once on all windows of a batch.

    Keras 3's ``TimeDistributed`` calls the layer once per time step (or
    through ``vectorized_map`` when the number of windows is unknown); folding
    windows into the batch axis is equivalent for a layer without state
    across windows, and one batched convolution is faster.  Works for any
    number of windows.
    """

    def call(self, inputs, training=None, mask=None):
        shape = ops.shape(inputs)
        flat = ops.reshape(inputs, (-1, *inputs.shape[2:]))
        out = self.layer(flat, training=training)
        return ops.reshape(out, (shape[0], shape[1], *out.shape[1:]))


def _expand(mask):
    return ops.expand_dims(mask, axis=-1)  # (batch, n_windows, 1)


def _masked_softmax_weights(logits, m):
    """Softmax over real windows of ``logits`` (batch, n_windows, units)."""
    logits = ops.where(m > 0, logits, ops.full_like(logits, -1e9))
    peak = ops.max(logits, axis=1, keepdims=True)
    weights = ops.exp(logits - peak) * m
    return weights, peak


class _Pooling(layers.Layer):
    """Base: ``renormalize`` rescales outputs to sum to 1 over units.

    Pooling probabilities other than by a plain mean breaks their sum to one;
    multi-class softmax outputs are renormalised (a sigmoid unit is not).
    """

    def __init__(self, renormalize=False, **kwargs):
        super().__init__(**kwargs)
        self.renormalize = renormalize

    def _finish(self, pooled):
        if self.renormalize:
            pooled = pooled / ops.maximum(
                ops.sum(pooled, axis=-1, keepdims=True), keras.backend.epsilon()
            )
        return pooled

    def compute_output_shape(self, input_shape):
        values_shape = input_shape[0]
        return (values_shape[0], values_shape[2])

    def get_config(self):
        return {**super().get_config(), "renormalize": self.renormalize}


@serializable
class MaskedMeanPooling(_Pooling):
    """Mean over real windows: the reference mean vote."""

    def call(self, inputs):
        values, mask = inputs
        m = _expand(mask)
        total = ops.sum(ops.where(m > 0, values, ops.zeros_like(values)), axis=1)
        return self._finish(total / ops.maximum(ops.sum(m, axis=1), 1.0))


@serializable
class MaskedMaxPooling(_Pooling):
    """Max over real windows: the song is what its most confident window says."""

    def call(self, inputs):
        values, mask = inputs
        masked = ops.where(_expand(mask) > 0, values, ops.full_like(values, -1e9))
        return self._finish(ops.max(masked, axis=1))


@serializable
class LSEPooling(_Pooling):
    """Log-sum-exp pooling: ``log(mean(exp(r * v))) / r`` over real windows.

    Parameters
    ----------
    sharpness : float, default=5.0
        ``r``; tends to the mean as ``r -> 0`` and to the max as ``r -> inf``.
    """

    def __init__(self, sharpness=5.0, **kwargs):
        super().__init__(**kwargs)
        self.sharpness = float(sharpness)

    def call(self, inputs):
        values, mask = inputs
        m = _expand(mask)
        r = self.sharpness
        weights, peak = _masked_softmax_weights(r * values, m)
        mean = ops.sum(weights, axis=1) / ops.maximum(ops.sum(m, axis=1), 1.0)
        return self._finish((ops.squeeze(peak, axis=1) + ops.log(mean)) / r)

    def get_config(self):
        return {**super().get_config(), "sharpness": self.sharpness}


@serializable
class AutoPooling(_Pooling):
    """Auto-pool (McFee, Salamon & Bello, 2018).

    A softmax-weighted mean of the window values with a learnable ``alpha``
    per unit: ``sum_k v_k exp(alpha v_k) / sum_k exp(alpha v_k)``.  ``alpha = 0``
    is the mean, ``alpha -> inf`` the max, ``alpha -> -inf`` the min.
    """

    def build(self, input_shape):
        self.alpha = self.add_weight(
            name="alpha", shape=(input_shape[0][-1],), initializer="zeros"
        )

    def call(self, inputs):
        values, mask = inputs
        m = _expand(mask)
        weights, _ = _masked_softmax_weights(self.alpha * values, m)
        weights = weights / ops.sum(weights, axis=1, keepdims=True)
        clean = ops.where(m > 0, values, ops.zeros_like(values))
        return self._finish(ops.sum(weights * clean, axis=1))


@serializable
class AttentionPooling(layers.Layer):
    """Gated attention over window embeddings (Ilse, Tomczak & Welling, 2018).

    ``a_k = softmax_k(w^T (tanh(V h_k) * sigmoid(U h_k)))`` over real windows,
    and the song embedding is ``sum_k a_k h_k``.  With ``heads > 1`` (one per
    label of a multi-label model) each head has its own ``w`` and pools its
    own song embedding: the windows a label attends to are its own.

    Parameters
    ----------
    units : int, default=16
        Size of the attention's hidden layer (shared by the heads).
    heads : int, default=1
        Number of attention heads.

    Returns
    -------
    [embedding, weights] : tensors
        ``heads=1``: shapes (batch, n_features) and (batch, n_windows);
        ``heads > 1``: (batch, heads, n_features) and (batch, n_windows,
        heads).  Weights are non-negative and sum to 1 over real windows (0
        on padding).
    """

    def __init__(self, units=16, heads=1, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.heads = int(heads)

    def build(self, input_shape):
        dim = input_shape[0][-1]
        self.V = self.add_weight(
            name="V", shape=(dim, self.units), initializer="glorot_uniform"
        )
        self.U = self.add_weight(
            name="U", shape=(dim, self.units), initializer="glorot_uniform"
        )
        self.w = self.add_weight(
            name="w", shape=(self.units, self.heads), initializer="glorot_uniform"
        )

    def call(self, inputs):
        values, mask = inputs
        gate = ops.tanh(ops.matmul(values, self.V)) * ops.sigmoid(
            ops.matmul(values, self.U)
        )
        scores = ops.matmul(gate, self.w)  # (batch, n_windows, heads)
        m = _expand(mask)
        scores = ops.where(m > 0, scores, ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=1) * m
        weights = weights / ops.sum(weights, axis=1, keepdims=True)
        if self.heads == 1:
            weights = ops.squeeze(weights, axis=-1)
            return ops.sum(values * _expand(weights), axis=1), weights
        # (batch, heads, n_features): each head's weighted mean of windows.
        return ops.einsum("bkh,bkf->bhf", weights, values), weights

    def compute_output_shape(self, input_shape):
        values_shape = input_shape[0]
        batch, n_windows, dim = values_shape
        if self.heads == 1:
            return (batch, dim), (batch, n_windows)
        return (batch, self.heads, dim), (batch, n_windows, self.heads)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "heads": self.heads}


POOLINGS = {
    "mean": MaskedMeanPooling,
    "max": MaskedMaxPooling,
    "lse": LSEPooling,
    "autopool": AutoPooling,
    "attention": AttentionPooling,
}
"""dict: name -> layer class, as accepted by ``MILSongClassifier(pooling=...)``."""
