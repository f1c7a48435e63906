"""Window features: MFCC or log-mel matrices of overlapping song windows.

All windows' STFT frames are computed in one vectorised pass, with the
analysis window, mel filterbank and DCT matrices precomputed once per
parameter set.  Values equal librosa's per-window computation::

    for window in librosa.util.frame(y, frame_length=W, hop_length=H).T:
        librosa.feature.mfcc(y=window, sr=sr, n_mfcc=n_mfcc,
                             hop_length=hop_length, n_fft=n_fft)

(``center=True`` with zero padding, power spectrogram, Slaney mel filterbank,
``power_to_db`` with ``top_db=80`` per window, orthonormal DCT-II).
"""

import threading
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import scipy.fft
import scipy.sparse

from .._mel import hann_window, mel_filters
from ..audio import AudioReader, decoded_length, fit_length, load_audio
from ..windows import (
    kept_window_count,
    kept_window_indices,
    kept_windows,
    n_frames_for,
    n_windows_for,
)

__all__ = [
    "FEATURE_KINDS",
    "FeatureSettings",
    "dct_matrix",
    "song_features",
    "song_n_windows",
    "window_features",
]

#: What a window's bands hold: MFCCs or log-mel bands (dB).
FEATURE_KINDS = ("mfcc", "logmel")

_AMIN = 1e-10  # librosa.power_to_db defaults
_TOP_DB = 80.0
_BLOCK_FRAMES = 512


@lru_cache(maxsize=16)
def _analysis_window(n_fft):
    # librosa.stft uses a periodic Hann window (fftbins=True).
    return hann_window(n_fft).astype(np.float32)


@lru_cache(maxsize=16)
def _mel_basis(sample_rate, n_fft, n_mels, fmin, fmax):
    """Slaney mel filterbank restricted to the FFT bins it uses.

    ``librosa.filters.mel``'s, computed by :func:`skgenre._mel.mel_filters`.

    Returns
    -------
    lo, hi : int
        First and one-past-last FFT bin with a non-zero weight.
    basis : sparse array of shape (hi - lo, n_mels), float32
        Each bin feeds at most a few bands: as sparse it costs ~4x less than
        a dense product.
    """
    basis = mel_filters(
        sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax
    ).T.astype(np.float32)
    used = np.flatnonzero(basis.any(axis=1))
    lo, hi = (int(used[0]), int(used[-1]) + 1) if used.size else (0, 1)
    return lo, hi, scipy.sparse.csc_array(basis[lo:hi])


@lru_cache(maxsize=16)
def dct_matrix(n_mfcc, n_mels):
    """Orthonormal DCT-II from log-mel bands to MFCCs.

    As ``scipy.fft.dct(..., type=2, norm='ortho')`` (librosa's MFCC DCT).

    Returns
    -------
    dct : ndarray of shape (n_mels, n_mfcc), float32
        ``log_mel @ dct`` gives the first ``n_mfcc`` coefficients; being
        orthonormal, ``mfcc @ dct.T`` re-synthesises the smooth envelope.
    """
    eye = np.eye(n_mels, dtype=np.float64)
    dct = scipy.fft.dct(eye, type=2, norm="ortho", axis=0)[:n_mfcc].T
    return np.ascontiguousarray(dct, dtype=np.float32)


_local = threading.local()


def _workspace(shape):
    """A float32 scratch array reused across calls of this thread.

    Fresh multi-megabyte arrays for every song cost page faults that can
    double the run time, depending on the allocator's state.
    """
    buffer = getattr(_local, "buffer", None)
    if buffer is None or buffer.shape != shape:
        buffer = _local.buffer = np.empty(shape, dtype=np.float32)
    return buffer


def _song_frames(y, window_samples, hop_samples, n_fft, hop_length):
    """STFT frames of every window, as a strided view of the song.

    Frame ``t`` of window ``w`` starts at sample
    ``w * hop_samples + t * hop_length - n_fft // 2`` of the song: librosa's
    centred framing of that window alone.  Parts of a frame outside its
    window must be zeroed by the caller (see :func:`_outside_window`).

    Parameters
    ----------
    y : ndarray of shape (n_samples,), float32
        The song, at least ``window_samples`` long.

    Returns
    -------
    frames : ndarray of shape (n_windows, n_frames, n_fft)
        Read-only view of a padded copy of ``y``.
    """
    pad = n_fft // 2
    n_windows = n_windows_for(y.shape[0], window_samples, hop_samples)
    n_frames = n_frames_for(window_samples, hop_length)
    needed = (n_windows - 1) * hop_samples + (n_frames - 1) * hop_length + n_fft
    padded = np.zeros(max(needed, y.shape[0] + 2 * pad), dtype=np.float32)
    padded[pad : pad + y.shape[0]] = y
    (step,) = padded.strides
    return np.lib.stride_tricks.as_strided(
        padded,
        (n_windows, n_frames, n_fft),
        (hop_samples * step, hop_length * step, step),
        writeable=False,
    )


@lru_cache(maxsize=16)
def _outside_window(window_samples, n_fft, hop_length):
    """Frames that reach outside their window, and the mask of samples inside.

    Returns
    -------
    frame_index : ndarray of shape (k,)
        Frames (of every window) that overlap the window's edges.
    inside : ndarray of shape (k, n_fft), float32
        1 where the frame's sample lies inside the window, else 0.
    """
    n_frames = n_frames_for(window_samples, hop_length)
    starts = np.arange(n_frames) * hop_length - n_fft // 2
    positions = starts[:, None] + np.arange(n_fft)
    inside = (positions >= 0) & (positions < window_samples)
    edge = np.flatnonzero(~inside.all(axis=1))
    return edge, inside[edge].astype(np.float32)


def window_features(
    y,
    *,
    sample_rate,
    window_samples,
    hop_samples,
    kind="mfcc",
    n_mfcc=13,
    n_mels=128,
    n_fft=1024,
    hop_length=512,
    fmin=0.0,
    fmax=None,
):
    """MFCC or log-mel matrices of each window of a song.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        The song at ``sample_rate``, at least ``window_samples`` long.
    sample_rate : int
        Sample rate in Hz.
    window_samples, hop_samples : int
        Window length and hop between window starts, in samples.  Windows
        are ``y[w * hop_samples : w * hop_samples + window_samples]``, as
        ``librosa.util.frame(y, frame_length=window_samples,
        hop_length=hop_samples)``.
    kind : {"mfcc", "logmel"}, default="mfcc"
        MFCCs, or the log-mel spectrogram (dB, ``top_db=80`` per window).
    n_mfcc : int, default=13
        Number of MFCCs (``kind="mfcc"`` only).
    n_mels : int, default=128
        Number of mel bands.
    n_fft : int, default=1024
        FFT length in samples.
    hop_length : int, default=512
        Hop between STFT frames in samples.
    fmin, fmax : float or None
        Frequency range of the mel filterbank in Hz; ``fmax=None`` means
        ``sample_rate / 2``.

    Returns
    -------
    features : ndarray of shape (n_windows, n_bands, n_frames), float32
        ``n_bands`` is ``n_mfcc`` or ``n_mels``; ``n_frames`` is
        ``1 + window_samples // hop_length``; ``n_windows`` is
        ``1 + (n_samples - window_samples) // hop_samples``.
    """
    y = np.asarray(y, dtype=np.float32)
    frames = _song_frames(y, window_samples, hop_samples, n_fft, hop_length)
    n_windows, n_frames, _ = frames.shape
    edge, inside = _outside_window(window_samples, n_fft, hop_length)
    analysis = _analysis_window(n_fft)
    edge_analysis = inside * analysis  # zero outside the window, as librosa pads
    lo, hi, basis = _mel_basis(sample_rate, n_fft, n_mels, float(fmin), fmax)
    mel = np.empty((n_windows, n_frames, n_mels), dtype=np.float32)
    # Blocks of ~_BLOCK_FRAMES frames keep the FFT input and output in cache:
    # about 1.7x faster than one pass over all frames of a song.
    block = max(1, _BLOCK_FRAMES // n_frames)
    buffer = _workspace((block, n_frames, n_fft))
    for start in range(0, n_windows, block):
        stop = min(n_windows, start + block)
        x = np.multiply(frames[start:stop], analysis, out=buffer[: stop - start])
        x[:, edge] = frames[start:stop, edge] * edge_analysis
        spectrum = scipy.fft.rfft(x, axis=-1).view(np.float32)
        np.square(spectrum, out=spectrum)
        power = (
            spectrum[..., 2 * lo : 2 * hi : 2] + spectrum[..., 2 * lo + 1 : 2 * hi : 2]
        )
        mel[start:stop] = (power.reshape(-1, hi - lo) @ basis).reshape(
            stop - start, n_frames, n_mels
        )
    np.maximum(mel, _AMIN, out=mel)
    db = np.log10(mel, out=mel)
    db *= 10.0
    # power_to_db clips each window at 80 dB below its own maximum.
    floor = db.max(axis=(1, 2), keepdims=True) - _TOP_DB
    np.maximum(db, floor, out=db)
    if kind == "mfcc":
        db = db @ dct_matrix(n_mfcc, n_mels)
    return np.ascontiguousarray(db.transpose(0, 2, 1), dtype=np.float32)


class FeatureSettings(NamedTuple):
    """Every parameter that changes a song's features (lengths in samples).

    Built by :meth:`skgenre.WindowMFCCTransformer.feature_settings`; with the
    file's identity it is also the cache key of a song's features.  It owns
    the window arithmetic: frames per window, windows per song (at most
    ``max_windows`` kept, see :func:`skgenre.windows.select_windows`), window
    start times.
    """

    sample_rate: int
    offset: float
    song_samples: int | None
    window_samples: int
    hop_samples: int
    kind: str
    n_mfcc: int
    n_mels: int
    n_fft: int
    hop_length: int
    fmin: float
    fmax: float | None
    max_windows: int | None = None

    @property
    def n_bands(self):
        """MFCCs or mel bands per frame."""
        return self.n_mfcc if self.kind == "mfcc" else self.n_mels

    @property
    def n_frames(self):
        """STFT frames per window."""
        return n_frames_for(self.window_samples, self.hop_length)

    @property
    def window_shape(self):
        """``(n_bands, n_frames)`` of one window's features."""
        return (self.n_bands, self.n_frames)

    @property
    def window_duration(self):
        """Window length in seconds."""
        return self.window_samples / self.sample_rate

    @property
    def song_windows(self):
        """Windows of every song, or None when songs are kept whole."""
        if self.song_samples is None:
            return None
        return self.n_windows(self.song_samples)

    def n_all_windows(self, n_samples):
        """Windows of a decoded song of ``n_samples`` before ``max_windows``
        keeps some (at least one)."""
        return n_windows_for(n_samples, self.window_samples, self.hop_samples)

    # Shared by every front-end's settings (see skgenre.audio).
    window_indices = kept_window_indices
    n_windows = kept_window_count

    def window_starts(self, n_windows, song_windows=None):
        """Start time in seconds (in the file) of each of ``n_windows`` windows.

        Parameters
        ----------
        n_windows : int
            Windows kept of a song (as many as ``transform`` gives it, or as
            the longest song of its output): the first ``n_windows``.
        song_windows : int or None, default=None
            The song's windows before ``max_windows`` keeps some
            (:meth:`n_all_windows`).  Known from ``song_samples`` when songs
            have a fixed length; else needed with ``max_windows`` when
            ``n_windows >= max_windows``.

        Returns
        -------
        starts : ndarray of shape (n_windows,)

        Raises
        ------
        ValueError
            If ``song_windows`` is needed and not given.
        """
        if song_windows is None and self.song_samples is not None:
            song_windows = self.n_all_windows(self.song_samples)
        index = kept_windows(
            n_windows, max_windows=self.max_windows, song_windows=song_windows
        )
        return self.offset + index * self.hop_samples / self.sample_rate


def song_features(path, settings):
    """Decode one song and compute the features of all its windows.

    With ``settings.max_windows`` and a song of more windows, only the
    audio of the kept windows is decoded where the format allows (see
    :class:`skgenre.audio.AudioReader`): their features equal the same
    windows' of the whole song, to float32 rounding of the resampled
    samples.

    Parameters
    ----------
    path : str
        Audio file.
    settings : FeatureSettings
        What to compute.

    Returns
    -------
    features : ndarray of shape (n_windows, n_bands, n_frames), float32

    Raises
    ------
    skgenre.audio.AudioDecodeError
        If the file cannot be decoded.
    """
    s = settings
    whole = s.song_samples is None
    duration = None if whole else s.song_samples / s.sample_rate
    if s.max_windows is None:
        y = load_audio(
            path, sample_rate=s.sample_rate, offset=s.offset, duration=duration
        )
    else:
        audio = AudioReader(
            path, sample_rate=s.sample_rate, offset=s.offset, duration=duration
        )
        n = audio.n_samples if whole else s.song_samples
        kept = s.window_indices(n)
        if len(kept) < s.n_all_windows(n):
            # Each window's features come from its own samples alone (its
            # frames are zero-padded at its edges): the kept windows, end to
            # end, are a song whose windows do not overlap.
            spans = [
                (k * s.hop_samples, k * s.hop_samples + s.window_samples) for k in kept
            ]
            y = np.concatenate(audio.read_parts(spans))
            return _window_features(y, s, hop_samples=s.window_samples)
        y = audio.read()
    y = fit_length(y, max(y.shape[0] if whole else s.song_samples, s.window_samples))
    return _window_features(y, s, hop_samples=s.hop_samples)


def _window_features(y, settings, hop_samples):
    """:func:`window_features` of ``y`` with ``settings``, windows
    ``hop_samples`` apart."""
    s = settings
    return window_features(
        y,
        window_samples=s.window_samples,
        hop_samples=hop_samples,
        sample_rate=s.sample_rate,
        kind=s.kind,
        n_mfcc=s.n_mfcc,
        n_mels=s.n_mels,
        n_fft=s.n_fft,
        hop_length=s.hop_length,
        fmin=s.fmin,
        fmax=s.fmax,
    )


def song_n_windows(path, settings):
    """Windows :func:`song_features` gives a song, read from its header.

    Parameters
    ----------
    path : str
        Audio file.
    settings : FeatureSettings

    Returns
    -------
    n_windows : int

    Raises
    ------
    skgenre.audio.AudioDecodeError
        If the file cannot be read.
    """
    if settings.song_windows is not None:
        return settings.song_windows
    n = decoded_length(path, sample_rate=settings.sample_rate, offset=settings.offset)
    return settings.n_windows(n)
