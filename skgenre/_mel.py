"""Mel filter banks and power mel spectrograms in numpy, equal to librosa's.

Importing librosa's filters pulls in ``scipy.signal`` and numba (about 1 s
before the first song); these are the few pieces skgenre needs, computed
with the same operations in the same order, so that they equal librosa's
bit for bit (``tests/test_mel.py``):

* :func:`hann_window`: ``scipy.signal.get_window("hann", n, fftbins=True)``;
* :func:`mel_frequencies`: ``librosa.mel_frequencies(..., htk=False)``;
* :func:`mel_filters`: ``librosa.filters.mel(..., htk=False, norm="slaney")``;
* :func:`melspectrogram`: ``librosa.feature.melspectrogram`` at its defaults
  (centred frames zero-padded, periodic Hann window, power 2, Slaney mel).

Only the Slaney mel scale and normalisation are implemented: nothing in
skgenre uses HTK's.
"""

import warnings

import numpy as np
import scipy.fft

__all__ = ["hann_window", "mel_filters", "mel_frequencies", "melspectrogram"]

# Slaney's Auditory Toolbox mel scale (librosa's hz_to_mel, htk=False):
# linear below 1 kHz, logarithmic above.
_F_MIN = 0.0
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = (_MIN_LOG_HZ - _F_MIN) / _F_SP
_LOGSTEP = np.log(6.4) / 27.0

# Frames per FFT call of melspectrogram: bounds the float64 scratch arrays
# (about 4 MB each at n_fft=512) whatever the song's length.
_BLOCK_FRAMES = 1024


def hann_window(n):
    """The periodic Hann window of ``n`` samples, as the STFT uses it.

    Equal to ``scipy.signal.get_window("hann", n, fftbins=True)``: scipy's
    general cosine window of ``n + 1`` points, its last point dropped.

    Parameters
    ----------
    n : int
        Window length in samples.

    Returns
    -------
    window : ndarray of shape (n,), float64

    Raises
    ------
    ValueError
        If ``n`` is not a positive integer, as scipy.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"window length must be a positive integer, got {n!r}")
    if n == 1:
        return np.ones(1, dtype=np.float64)
    fac = np.linspace(-np.pi, np.pi, n + 1, dtype=np.float64)
    window = np.zeros(n + 1, dtype=np.float64)
    for k, a in enumerate(np.asarray([0.5, 0.5], dtype=np.float64)):
        window += a * np.cos(k * fac)
    return window[:-1]


def _hz_to_mel(frequencies):
    """Slaney mels of ``frequencies`` (Hz), as ``librosa.hz_to_mel``."""
    frequencies = np.asanyarray(frequencies)
    mels = (frequencies - _F_MIN) / _F_SP
    if frequencies.ndim:
        log_t = frequencies >= _MIN_LOG_HZ
        mels[log_t] = _MIN_LOG_MEL + np.log(frequencies[log_t] / _MIN_LOG_HZ) / _LOGSTEP
    elif frequencies >= _MIN_LOG_HZ:
        mels = _MIN_LOG_MEL + np.log(frequencies / _MIN_LOG_HZ) / _LOGSTEP
    return mels


def _mel_to_hz(mels):
    """Frequencies (Hz) of Slaney ``mels``, as ``librosa.mel_to_hz``."""
    mels = np.asanyarray(mels)
    freqs = _F_MIN + _F_SP * mels
    if mels.ndim:
        log_t = mels >= _MIN_LOG_MEL
        freqs[log_t] = _MIN_LOG_HZ * np.exp(_LOGSTEP * (mels[log_t] - _MIN_LOG_MEL))
    elif mels >= _MIN_LOG_MEL:
        freqs = _MIN_LOG_HZ * np.exp(_LOGSTEP * (mels - _MIN_LOG_MEL))
    return freqs


def mel_frequencies(n_mels, *, fmin=0.0, fmax=11025.0):
    """Frequencies uniformly spaced on the Slaney mel scale.

    Equal to ``librosa.mel_frequencies(n_mels, fmin=fmin, fmax=fmax,
    htk=False)``.

    Parameters
    ----------
    n_mels : int
        Number of frequencies.
    fmin, fmax : float
        The first and last frequency in Hz.

    Returns
    -------
    frequencies : ndarray of shape (n_mels,), float64
    """
    mels = np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels)
    return _mel_to_hz(mels)


def mel_filters(*, sr, n_fft, n_mels=128, fmin=0.0, fmax=None, dtype=np.float32):
    """Slaney mel filter bank: triangles on the mel scale, area-normalised.

    Equal to ``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels,
    fmin=fmin, fmax=fmax, htk=False, norm="slaney", dtype=dtype)``,
    including its warning about empty filters.

    Parameters
    ----------
    sr : float
        Sample rate in Hz.
    n_fft : int
        FFT length in samples.
    n_mels : int, default=128
        Number of mel bands.
    fmin : float, default=0.0
        Lowest frequency in Hz.
    fmax : float or None, default=None
        Highest frequency in Hz; ``None`` means ``sr / 2``.
    dtype : numpy dtype, default=np.float32
        Type of the weights.

    Returns
    -------
    weights : ndarray of shape (n_mels, 1 + n_fft // 2)
        ``weights @ power_spectrum`` gives the mel bands.

    Warns
    -----
    UserWarning
        If a band has no weight on any FFT bin (too many bands for the
        frequency resolution), as librosa warns.
    """
    if fmax is None:
        fmax = float(sr) / 2
    n_mels = int(n_mels)
    weights = np.zeros((n_mels, int(1 + n_fft // 2)), dtype=dtype)
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    # Centres of the bands (and the two edges), uniformly spaced in mels.
    mel_f = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    # Each band's rising and falling slopes over all bins, intersected
    # with each other and with zero (librosa's loop over bands, at once).
    lower = -ramps[:n_mels] / fdiff[:n_mels, np.newaxis]
    upper = ramps[2 : n_mels + 2] / fdiff[1 : n_mels + 1, np.newaxis]
    weights[:] = np.maximum(0, np.minimum(lower, upper))
    # Slaney: about constant energy per band.
    enorm = 2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels])
    weights *= enorm[:, np.newaxis]
    if not np.all((mel_f[:-2] == 0) | (weights.max(axis=1) > 0)):
        warnings.warn(
            "Empty filters detected in mel frequency basis. "
            "Some channels will produce empty responses. "
            "Try increasing your sampling rate (and fmax) or "
            "reducing n_mels.",
            stacklevel=2,
        )
    return weights


def melspectrogram(y, *, sr, n_fft, hop_length, n_mels, fmin=0.0, fmax=None):
    """Power mel spectrogram of a signal, as librosa computes it.

    Equal to ``librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft,
    hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax)``: frames
    centred on ``y[t * hop_length]`` (the signal zero-padded by
    ``n_fft // 2`` each side), a periodic Hann window, the FFT in float64
    rounded to ``y``'s complex type, squared magnitudes, then
    :func:`mel_filters`.

    Parameters
    ----------
    y : ndarray of shape (n_samples,), float32 or float64
        Mono signal, finite.
    sr : float
        Sample rate in Hz.
    n_fft, hop_length : int
        FFT length and hop between frames, in samples.
    n_mels : int
        Number of mel bands.
    fmin, fmax : float or None
        See :func:`mel_filters`.

    Returns
    -------
    power : ndarray of shape (n_mels, 1 + n_samples // hop_length)
        Of ``y``'s dtype.

    Raises
    ------
    ValueError
        If ``y`` is not a one-dimensional floating-point signal, or holds
        NaN or infinite values.
    """
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.floating):
        raise ValueError(f"y must be a 1-d float signal, got {y.dtype}{y.shape}")
    if not np.isfinite(y).all():
        raise ValueError("audio buffer is not finite everywhere")
    pad = n_fft // 2
    padded = np.pad(y, (pad, pad))
    # Frame t is padded[t * hop : t * hop + n_fft]: 1 + n_samples // hop.
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop_length]
    window = hann_window(n_fft)
    spectrum_type = np.result_type(y.dtype, np.complex64)
    power = np.empty((frames.shape[0], 1 + n_fft // 2), dtype=y.dtype)
    for start in range(0, frames.shape[0], _BLOCK_FRAMES):
        stop = start + _BLOCK_FRAMES
        # librosa's window is float64: the FFT runs in float64, and its
        # result is stored in the signal's complex type.
        spectrum = scipy.fft.rfft(window * frames[start:stop], axis=-1)
        power[start:stop] = np.abs(spectrum.astype(spectrum_type)) ** 2.0
    basis = mel_filters(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    # librosa's product, on the same (bins, frames) layout.
    return np.einsum("...ft,mf->...mt", power.T, basis, optimize=True)
