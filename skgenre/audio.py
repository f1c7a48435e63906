"""Audio decoding and windowing: the one place that reads audio files.

Data flows paths -> mono float32 signal at a fixed sample rate -> fixed-length
song -> overlapping windows.  Files libsndfile decodes are read with
:mod:`soundfile`; AAC/ALAC (``.m4a``, ``.mp4``) and WMA are decoded by FFmpeg
through PyAV, an optional dependency (``pip install "skgenre[av]"``).
Feature computation lives in :mod:`skgenre.frontends.features`.
"""

import contextlib
import functools
import itertools
import math
import os

import numpy as np
import soundfile as sf

from ._errors import FileError

__all__ = [
    "AUDIO_EXTENSIONS",
    "AV_EXTENSIONS",
    "AudioDecodeError",
    "av_available",
    "decoded_length",
    "fit_length",
    "load_audio",
    "n_frames_for",
    "n_windows_for",
    "readable_extensions",
]

# Extensions of the formats libsndfile decodes. MP3 needs libsndfile >= 1.1
# and Opus needs libsndfile >= 1.0.29.
_SNDFILE_EXTENSIONS = frozenset(
    {
        ".wav",
        ".flac",
        ".ogg",
        ".oga",
        ".mp3",
        ".au",
        ".snd",
        ".aif",
        ".aiff",
        ".aifc",
        ".opus",
        ".w64",
        ".caf",
        ".rf64",
    }
)

# Raw ADTS ``.aac`` is left out on purpose: it carries no encoder-delay
# information, so it decodes with the encoder's priming samples in front
# (1024 measured with FFmpeg's encoder, 2112 for Apple's) and its length is
# only estimated from the bitrate.
AV_EXTENSIONS = frozenset({".m4a", ".mp4", ".wma"})
"""frozenset of str: lower-case file extensions (with the dot) of the audio
formats decoded by FFmpeg through PyAV: AAC or ALAC in an MPEG-4 container
(``.m4a``, ``.mp4``) and Windows Media Audio (``.wma``).  They need the
optional dependency PyAV, ``pip install "skgenre[av]"``; see
:func:`av_available`."""

AUDIO_EXTENSIONS = _SNDFILE_EXTENSIONS | AV_EXTENSIONS
"""frozenset of str: lower-case file extensions (with the dot) of every audio
format skgenre reads with its optional dependencies installed: those
libsndfile, hence :mod:`soundfile`, decodes (wav, flac, ogg, mp3, aiff, au,
opus...; MP3 needs libsndfile >= 1.1, Opus libsndfile >= 1.0.29) and
:data:`AV_EXTENSIONS`.  :func:`readable_extensions` gives those this install
reads."""

# Formats whose header frame count is what libsndfile decodes.  MP3's is an
# estimate (from a Xing header or the bitrate): a truncated MP3 decodes to
# fewer samples than it announces.  Other formats are counted by decoding.
_EXACT_LENGTH_FORMATS = frozenset(
    {"WAV", "WAVEX", "W64", "RF64", "AIFF", "AU", "CAF", "FLAC", "OGG"}
)
_DECODE_ERRORS = (sf.LibsndfileError, RuntimeError, TypeError)


class AudioDecodeError(FileError):
    """A file could not be read as audio.

    The message names the file and the reason.  Subclasses :class:`ValueError`
    so ``except ValueError`` also catches it.

    Parameters
    ----------
    path : str
        The offending file.
    reason : str
        Why it could not be used.
    """

    message = "cannot read audio file {path!r}: {reason}"


@functools.cache
def av_available():
    """Whether PyAV, which decodes :data:`AV_EXTENSIONS`, is installed.

    Checked once per process: the answer is cached.

    Returns
    -------
    available : bool
        True if ``import av`` works.
    """
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def readable_extensions():
    """Extensions of the audio formats this installation decodes.

    Returns
    -------
    extensions : frozenset of str
        Lower-case extensions with the dot: always the formats libsndfile
        decodes, plus :data:`AV_EXTENSIONS` if PyAV is installed (see
        :func:`av_available`).  A subset of :data:`AUDIO_EXTENSIONS`.
    """
    return AUDIO_EXTENSIONS if av_available() else _SNDFILE_EXTENSIONS


def load_audio(path, *, sample_rate, offset=0.0, duration=None):
    """Decode an audio file to a mono float32 signal at ``sample_rate``.

    Equivalent to ``librosa.load(path, sr=sample_rate, mono=True,
    offset=offset, duration=duration)`` for files libsndfile decodes: channels
    are averaged, then the signal is resampled with soxr (``soxr_hq``, as
    ``librosa.resample`` does it, called directly).  Files
    with an extension in :data:`AV_EXTENSIONS` (AAC, ALAC, WMA) are decoded by
    FFmpeg through PyAV at their native rate, then mixed and resampled the
    same way; the encoder delay their container declares is dropped.  Only
    the requested part of the file is decoded.

    Parameters
    ----------
    path : str or path-like
        Any format libsndfile decodes (wav, flac, ogg, mp3, au, aiff...) or,
        with PyAV installed, m4a, mp4 or wma; see :func:`readable_extensions`.
    sample_rate : int
        Target sample rate in Hz.
    offset : float, default=0.0
        Start reading after this many seconds.
    duration : float or None, default=None
        Read at most this many seconds; ``None`` reads to the end.

    Returns
    -------
    y : ndarray of shape (n_samples,), dtype float32
        The decoded signal; may be shorter than ``duration`` seconds.  Samples
        that are NaN or infinite are replaced by 0.

    Raises
    ------
    AudioDecodeError
        If the file is missing, is a directory, is empty or cannot be decoded,
        or needs PyAV and PyAV is not installed.
    """
    path = _check_file(path)
    read = _read_av if _uses_av(path) else _read_sndfile
    y, native_sr = read(path, offset, duration)
    if not np.isfinite(y).all():
        y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    if native_sr != sample_rate and y.size:
        y = _resample(y, native_sr, sample_rate)
    if duration is not None:
        y = y[: int(np.ceil(duration * sample_rate))]
    return y


def decoded_length(path, *, sample_rate, offset=0.0):
    """Length of ``load_audio(path, sample_rate=sample_rate, offset=offset)``.

    Read from the file's header for formats whose header gives the exact
    number of frames (wav, flac, ogg, aiff, au, caf...); other formats, such
    as MP3, AAC, ALAC and WMA, are decoded to count their frames, but neither
    resampled nor kept in memory.

    Parameters
    ----------
    path : str or path-like
        Audio file.
    sample_rate : int
        Target sample rate in Hz.
    offset : float, default=0.0
        Seconds skipped at the start.

    Returns
    -------
    n_samples : int
        Samples of the whole decoded signal from ``offset``, at
        ``sample_rate``.

    Raises
    ------
    AudioDecodeError
        If the file is missing, is a directory, is empty or cannot be read,
        or needs PyAV and PyAV is not installed.
    """
    path = _check_file(path)
    count = _count_av if _uses_av(path) else _count_sndfile
    n, native_sr = count(path, offset)
    if native_sr != sample_rate and n:
        # _resample's output length (librosa.resample's: soxr's is fixed to it).
        n = int(np.ceil(n * (float(sample_rate) / native_sr)))
    return n


def _resample(y, native_sr, sample_rate):
    """``librosa.resample(y, orig_sr=native_sr, target_sr=sample_rate,
    res_type="soxr_hq")``, without importing librosa (and numba).

    What librosa runs: soxr's high-quality resampler, its output then cut or
    zero-padded to ``ceil(n * sample_rate / native_sr)`` samples, the length
    :func:`decoded_length` gives.
    """
    import soxr  # librosa's own resampler: installed with it

    n_samples = int(np.ceil(y.shape[-1] * (float(sample_rate) / native_sr)))
    y_hat = soxr.resample(y, native_sr, sample_rate, quality="soxr_hq")
    return fit_length(y_hat, n_samples).astype(np.float32, copy=False)


def _mono(y):
    """Channels of ``y``, shape (n_samples, n_channels), averaged in float32."""
    return y.mean(axis=1, dtype=np.float32) if y.shape[1] > 1 else y[:, 0]


def _uses_av(path):
    """Whether ``path`` is decoded through PyAV rather than libsndfile."""
    return os.path.splitext(path)[1].lower() in AV_EXTENSIONS


# --------------------------------------------------------------------------
# libsndfile
# --------------------------------------------------------------------------


def _read_sndfile(path, offset, duration):
    """Mono float32 samples from ``offset`` s (at most ``duration`` s), rate."""
    with _sound_file(path) as f:
        start = _start_frame(f, offset)
        n_read = -1 if duration is None else int(np.ceil(duration * f.samplerate))
        if start > 0:
            f.seek(start)
        y = f.read(frames=n_read, dtype="float32", always_2d=True)
        return _mono(y), f.samplerate


def _count_sndfile(path, offset):
    """Native frames from ``offset`` s to the end, and the native rate."""
    with _sound_file(path) as f:
        # As _read_sndfile: seek to the offset, then read at most up to the
        # header's frame count.
        start = _start_frame(f, offset)
        if f.format in _EXACT_LENGTH_FORMATS:
            return f.frames - start, f.samplerate
        if start > 0:
            f.seek(start)
        n = 0
        while True:
            block = f.read(frames=1 << 16, dtype="float32", always_2d=True)
            n += block.shape[0]
            if block.shape[0] < 1 << 16:
                return n, f.samplerate


@contextlib.contextmanager
def _sound_file(path):
    """``soundfile.SoundFile(path)``; decoding errors become AudioDecodeError."""
    try:
        # As bytes: soundfile encodes a str strictly, which a name that is
        # not UTF-8 (held in surrogate escapes) fails.
        with sf.SoundFile(os.fsencode(path)) as f:
            yield f
    except _DECODE_ERRORS as exc:
        raise AudioDecodeError(path, f"not decodable by libsndfile ({exc})") from None


def _start_frame(f, offset):
    """First frame at ``offset`` seconds, within the header's frame count."""
    return min(max(int(round(offset * f.samplerate)), 0), f.frames)


# --------------------------------------------------------------------------
# PyAV (FFmpeg)
#
# Alignment, measured against the source signal by cross-correlation with
# FFmpeg's own encoders (PyAV 18): AAC in .m4a/.mp4 decodes with lag 0, as
# the mov demuxer drops the 1024 priming samples the edit list declares, but
# keeps the end padding (< 1024 samples of near silence); ALAC is
# sample-exact; WMA (wmav2 in ASF) starts one frame into the source (2048
# samples at 44.1 kHz, 1024 at 22.05 kHz) and nothing in the file says so,
# hence it is not compensated.  No container.seek: seeking AAC or WMA is not
# sample-accurate (the decoder lacks the previous frame's overlap, ASF stamps
# milliseconds), and decoding is cheap (0.12 s for 5 min of stereo AAC), so
# frames before the offset are decoded and dropped unconverted.
# --------------------------------------------------------------------------


def _read_av(path, offset, duration):
    """Mono float32 samples from ``offset`` s (at most ``duration`` s), rate."""
    with _av_frames(path) as (native_sr, frames):
        start = _first_sample(offset, native_sr)
        stop = math.inf if duration is None else start + math.ceil(duration * native_sr)
        blocks = [
            _mono(_frame_samples(frame)[lo:hi])
            for frame, lo, hi in _frame_spans(frames, start, stop)
        ]
    y = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
    return y, native_sr


def _count_av(path, offset):
    """Native samples from ``offset`` s to the end, and the native rate."""
    with _av_frames(path) as (native_sr, frames):
        n = sum(frame.samples for frame in frames)
    return max(n - _first_sample(offset, native_sr), 0), native_sr


def _first_sample(offset, native_sr):
    """Index of the first sample kept, ``offset`` seconds in."""
    return max(int(round(offset * native_sr)), 0)


def _frame_spans(frames, start, stop):
    """Yield ``(frame, lo, hi)``: the part of each frame in ``[start, stop)``.

    Positions count samples from the first decoded one; stops decoding once
    ``stop`` is reached.
    """
    pos = 0
    for frame in frames:
        lo, hi = max(start - pos, 0), min(stop - pos, frame.samples)
        pos += frame.samples
        if lo < hi:
            yield frame, lo, hi
        if pos >= stop:
            return


def _frame_samples(frame):
    """A decoded frame's samples as float32, shape (n_samples, n_channels).

    Planar formats give one row per channel, packed ones a single row of
    interleaved samples; integers are scaled to [-1, 1) as libsndfile does.
    """
    a = frame.to_ndarray()
    if frame.format.is_planar:
        a = a.T
    else:
        a = a.reshape(-1, len(frame.layout.channels))
    if a.dtype.kind == "u":  # 8-bit is unsigned, centred on 128
        return (a.astype(np.float32) - 128) / np.float32(128)
    if a.dtype.kind == "i":
        return a.astype(np.float32) / np.float32(2 ** (8 * a.itemsize - 1))
    return a.astype(np.float32, copy=False)


@contextlib.contextmanager
def _av_frames(path):
    """``(native_sr, frames)``: the decoded frames of the file's audio stream.

    The native rate is the decoder's, which may differ from the container's
    (HE-AAC).  FFmpeg errors, here or while iterating, become AudioDecodeError.
    """
    av = _import_av(path)
    try:
        with av.open(path) as container:
            stream = container.streams.best("audio")
            if stream is None:
                raise AudioDecodeError(path, "no audio stream")
            frames = _constant_rate(path, container.decode(stream))
            first = next(frames, None)
            if first is None:
                yield stream.rate, iter(())
            else:
                yield first.sample_rate, itertools.chain([first], frames)
    except av.error.FFmpegError as exc:
        raise AudioDecodeError(path, f"not decodable by FFmpeg ({exc})") from None


def _constant_rate(path, frames):
    """Yield ``frames``, or AudioDecodeError if their sample rate changes."""
    rate = None
    for frame in frames:
        rate = rate or frame.sample_rate
        if frame.sample_rate != rate:
            reason = (
                f"sample rate changes mid-stream ({rate} -> {frame.sample_rate} Hz)"
            )
            raise AudioDecodeError(path, reason)
        yield frame


def _import_av(path):
    """The ``av`` module, or AudioDecodeError naming the extra to install."""
    if not av_available():
        extension = os.path.splitext(path)[1].lower()
        reason = f'decoding {extension} needs PyAV: pip install "skgenre[av]"'
        raise AudioDecodeError(path, reason)
    import av

    return av


def fit_length(y, n_samples):
    """Zero-pad at the end or cut ``y`` to exactly ``n_samples``.

    Parameters
    ----------
    y : ndarray of shape (n,)
        Signal.
    n_samples : int
        Wanted length.

    Returns
    -------
    y : ndarray of shape (n_samples,)
    """
    if y.shape[0] >= n_samples:
        return y[:n_samples]
    return np.pad(y, (0, n_samples - y.shape[0]))


def n_windows_for(n_samples, window_samples, hop_samples):
    """Number of windows of ``window_samples`` at ``hop_samples`` in a signal.

    A signal shorter than one window still gives one (zero-padded) window.

    Parameters
    ----------
    n_samples, window_samples, hop_samples : int
        Lengths in samples.

    Returns
    -------
    n_windows : int
    """
    if n_samples <= window_samples:
        return 1
    return 1 + (n_samples - window_samples) // hop_samples


def n_frames_for(n_samples, hop_length):
    """Number of centred STFT frames of a signal (``librosa.stft(center=True)``).

    Parameters
    ----------
    n_samples, hop_length : int
        Lengths in samples.

    Returns
    -------
    n_frames : int
    """
    return 1 + n_samples // hop_length


def _check_file(path):
    """``path`` as str, or AudioDecodeError if it cannot hold audio."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise AudioDecodeError(path, "no such file")
    if os.path.isdir(path):
        raise AudioDecodeError(path, "is a directory, not an audio file")
    if os.path.getsize(path) == 0:
        raise AudioDecodeError(path, "file is empty (0 bytes)")
    return path
