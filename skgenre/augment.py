"""Training-time augmentation layers for window features (no weights).

They act only when Keras calls them with ``training=True`` (``fit``), and are
identity at prediction, so they regularise without changing the reference
network's trainable parameters.
"""

import keras
from keras import layers, ops

__all__ = ["SpecAugment", "WindowDropout"]

_PACKAGE = "skgenre"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class SpecAugment(layers.Layer):
    """Random time and frequency masks on each window (Park et al., 2019).

    Input: ``(batch, n_windows, n_bands, n_frames, 1)`` normalised features.
    Each window gets one band span of up to ``freq_mask`` bands and one frame
    span of up to ``time_mask`` frames set to 0 (the band mean after
    normalisation), and a random offset of up to ``+-gain`` on its first
    band (a loudness change moves the first MFCC or every log-mel band).

    Parameters
    ----------
    freq_mask : int, default=0
        Widest frequency mask in bands; 0 disables.
    time_mask : int, default=0
        Widest time mask in frames; 0 disables.
    gain : float, default=0.0
        Largest offset (in normalised units) added to the bands listed in
        ``gain_bands``; 0 disables.
    gain_bands : int, default=1
        Number of leading bands the gain offset applies to.
    seed : int or None, default=None
        Seed of the masks.
    """

    def __init__(
        self, freq_mask=0, time_mask=0, gain=0.0, gain_bands=1, seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.freq_mask = int(freq_mask)
        self.time_mask = int(time_mask)
        self.gain = float(gain)
        self.gain_bands = int(gain_bands)
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def _span_mask(self, batch_shape, length, width, axis_len):
        # 1 outside a random span [start, start + w) of each window, 0 inside.
        w = keras.random.randint(batch_shape, 0, width + 1, seed=self.generator)
        start = keras.random.randint(batch_shape, 0, axis_len, seed=self.generator)
        pos = ops.arange(length)
        inside = (pos >= start[..., None]) & (pos < (start + w)[..., None])
        return 1.0 - ops.cast(inside, self.compute_dtype)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        shape = ops.shape(inputs)
        batch_shape = (shape[0], shape[1])
        n_bands, n_frames = inputs.shape[2], inputs.shape[3]
        x = inputs
        if self.freq_mask > 0:
            keep = self._span_mask(batch_shape, n_bands, self.freq_mask, n_bands)
            x = x * keep[:, :, :, None, None]
        if self.time_mask > 0:
            keep = self._span_mask(batch_shape, n_frames, self.time_mask, n_frames)
            x = x * keep[:, :, None, :, None]
        if self.gain > 0:
            offset = keras.random.uniform(
                batch_shape, -self.gain, self.gain, seed=self.generator
            )
            bands = ops.cast(ops.arange(n_bands) < self.gain_bands, self.compute_dtype)
            x = x + offset[:, :, None, None, None] * bands[None, None, :, None, None]
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "freq_mask": self.freq_mask,
            "time_mask": self.time_mask,
            "gain": self.gain,
            "gain_bands": self.gain_bands,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package=_PACKAGE)
class WindowDropout(layers.Layer):
    """Drop whole windows from a song's pooling during training.

    Input and output: the window mask ``(batch, n_windows)``.  Each real
    window is kept with probability ``1 - rate``; a song keeps at least its
    first real window, so no bag becomes empty.

    Parameters
    ----------
    rate : float, default=0.0
        Probability of dropping a window.
    seed : int or None, default=None
    """

    def __init__(self, rate=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = float(rate)
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        mask = inputs  # not named `mask`: Keras reserves that argument
        if not training or self.rate <= 0:
            return mask
        keep = ops.cast(
            keras.random.uniform(ops.shape(mask), seed=self.generator) >= self.rate,
            mask.dtype,
        )
        dropped = mask * keep
        # Keep the first real window of songs that lost all of theirs.
        first = ops.cast(ops.cumsum(mask, axis=1) == 1, mask.dtype) * mask
        empty = ops.cast(ops.sum(dropped, axis=1, keepdims=True) == 0, mask.dtype)
        return dropped + first * empty

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
