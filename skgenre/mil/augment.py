"""Training-time augmentation layers for window features (no weights).

They act only when Keras calls them with ``training=True`` (``fit``), and are
identity at prediction, so they regularise without changing the reference
network's trainable parameters.
"""

import keras
from keras import layers, ops

from .._keras import serializable
from ..frontends.features import dct_matrix

__all__ = ["BandLimit", "SpecAugment", "WindowDropout"]


class _RandomAugmentation(layers.Layer):
    """Base: a seeded random stream, output shaped like the input."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@serializable
class SpecAugment(_RandomAugmentation):
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
        super().__init__(seed=seed, **kwargs)
        self.freq_mask = int(freq_mask)
        self.time_mask = int(time_mask)
        self.gain = float(gain)
        self.gain_bands = int(gain_bands)

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

    def get_config(self):
        return {
            **super().get_config(),
            "freq_mask": self.freq_mask,
            "time_mask": self.time_mask,
            "gain": self.gain,
            "gain_bands": self.gain_bands,
        }


@serializable
class WindowDropout(_RandomAugmentation):
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
        super().__init__(seed=seed, **kwargs)
        self.rate = float(rate)

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

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


@serializable
class BandLimit(_RandomAugmentation):
    """Make some training songs look band-limited (16 kHz files, low-passed MP3s).

    A file with nothing above some frequency gives mel bands that
    ``power_to_db(top_db=80)`` clips to 80 dB below the window's maximum.
    With probability ``rate`` per song, every window of the song gets that
    treatment above a random cutoff: the top ``u * n_mels`` mel bands, with
    ``u`` uniform in ``[0, max_cut]``, are lowered to at most ``max - top_db``.

    On MFCC input (``n_mels`` given) the cut is made on the smooth log-mel
    envelope re-synthesised from the cepstrum (inverse orthonormal DCT) and
    its change is mapped back to the coefficients.  The input lacks the fine
    structure of the top bands, so this approximates the cepstrum of a truly
    band-limited file; on 16 kHz copies of GTZAN clips it removes about
    two-thirds of the difference to the full-band MFCCs.

    Input and output: raw (not normalised) features
    ``(batch, n_windows, n_bands, n_frames, 1)``, identity outside training.

    Parameters
    ----------
    rate : float, default=0.0
        Probability that a song is band-limited.
    max_cut : float, default=0.12
        Largest fraction of the mel bands removed.  With librosa's default
        filterbank at 22050 Hz, 0.12 reaches below 8 kHz (16 kHz files and
        MP3s low-passed below 11 kHz); 0.35 would reach 4 kHz (8 kHz files)
        but cost accuracy on full-band songs in our measurements.
    n_mels : int or None, default=None
        ``None``: the input bands are log-mel bands (dB).  An int: the input
        holds the first ``n_bands`` MFCCs of ``n_mels`` log-mel bands.
    top_db : float, default=80.0
        Floor below each window's maximum, as in ``power_to_db``.
    seed : int or None, default=None
    """

    def __init__(
        self, rate=0.0, max_cut=0.12, n_mels=None, top_db=80.0, seed=None, **kwargs
    ):
        super().__init__(seed=seed, **kwargs)
        self.rate = float(rate)
        self.max_cut = float(max_cut)
        self.n_mels = None if n_mels is None else int(n_mels)
        self.top_db = float(top_db)

    def build(self, input_shape):
        n_bands = input_shape[2]
        if self.n_mels is not None:
            if n_bands > self.n_mels:
                raise ValueError(
                    f"BandLimit: {n_bands} MFCCs cannot come from n_mels="
                    f"{self.n_mels} mel bands."
                )
            # (n_bands, n_mels): cepstrum <-> smooth log-mel envelope.
            self._dct = ops.convert_to_tensor(dct_matrix(n_bands, self.n_mels).T)

    def call(self, inputs, training=None):
        if not training or self.rate <= 0:
            return inputs
        x = inputs[..., 0]  # (batch, n_windows, n_bands, n_frames)
        cepstral = self.n_mels is not None
        mel = ops.einsum("jm,bwjt->bwmt", self._dct, x) if cepstral else x
        n_mels = mel.shape[2]
        batch = ops.shape(x)[0]
        cut = keras.random.uniform((batch,), 0.0, self.max_cut, seed=self.generator)
        chosen = keras.random.uniform((batch,), seed=self.generator) < self.rate
        first = ops.cast(n_mels, "float32") * (1.0 - cut)  # first band removed
        removed = ops.arange(n_mels, dtype="float32")[None, :] >= first[:, None]
        removed = removed & chosen[:, None]  # (batch, n_mels)
        floor = ops.max(mel, axis=(2, 3), keepdims=True) - self.top_db
        limited = ops.where(removed[:, None, :, None], ops.minimum(mel, floor), mel)
        if cepstral:
            x = x + ops.einsum("jm,bwmt->bwjt", self._dct, limited - mel)
        else:
            x = limited
        return x[..., None]

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "max_cut": self.max_cut,
            "n_mels": self.n_mels,
            "top_db": self.top_db,
        }
