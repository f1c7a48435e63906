"""Audio decoding and windowing: the one place that reads audio files.

Data flows paths -> mono float32 signal at a fixed sample rate -> fixed-length
song -> overlapping windows.  Feature computation lives in
:mod:`skgenre.features`.
"""

import contextlib
import os

import numpy as np
import soundfile as sf

from ._errors import FileError

__all__ = [
    "AUDIO_EXTENSIONS",
    "AudioDecodeError",
    "decoded_length",
    "fit_length",
    "load_audio",
    "n_frames_for",
    "n_windows_for",
]

AUDIO_EXTENSIONS = frozenset(
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
"""frozenset of str: lower-case file extensions (with the dot) of the audio
formats that libsndfile, hence :mod:`soundfile`, decodes. MP3 needs
libsndfile >= 1.1 and Opus needs libsndfile >= 1.0.29.
:func:`skgenre.datasets.load_folder` lists the files with these extensions."""

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


def load_audio(path, *, sample_rate, offset=0.0, duration=None):
    """Decode an audio file to a mono float32 signal at ``sample_rate``.

    Equivalent to ``librosa.load(path, sr=sample_rate, mono=True,
    offset=offset, duration=duration)`` for files libsndfile decodes: channels
    are averaged, then the signal is resampled with soxr (``soxr_hq``).  Only
    the requested part of the file is decoded.

    Parameters
    ----------
    path : str or path-like
        Any format libsndfile decodes (wav, flac, ogg, mp3, au, aiff...).
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
        If the file is missing, is a directory, is empty or cannot be decoded.
    """
    path = _check_file(path)
    with _sound_file(path) as f:
        native_sr = f.samplerate
        start = _start_frame(f, offset)
        n_read = -1 if duration is None else int(np.ceil(duration * native_sr))
        if start > 0:
            f.seek(start)
        y = f.read(frames=n_read, dtype="float32", always_2d=True)
    y = y.mean(axis=1, dtype=np.float32) if y.shape[1] > 1 else y[:, 0]
    if not np.isfinite(y).all():
        y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    if native_sr != sample_rate and y.size:
        # Imported here: resampling is the only librosa piece needed to decode.
        import librosa

        y = librosa.resample(
            y, orig_sr=native_sr, target_sr=sample_rate, res_type="soxr_hq"
        ).astype(np.float32, copy=False)
    if duration is not None:
        y = y[: int(np.ceil(duration * sample_rate))]
    return y


@contextlib.contextmanager
def _sound_file(path):
    """``soundfile.SoundFile(path)``; decoding errors become AudioDecodeError."""
    try:
        with sf.SoundFile(path) as f:
            yield f
    except _DECODE_ERRORS as exc:
        raise AudioDecodeError(path, f"not decodable by libsndfile ({exc})") from None


def _start_frame(f, offset):
    """First frame at ``offset`` seconds, at most the header's frame count."""
    return min(int(round(offset * f.samplerate)), f.frames)


def decoded_length(path, *, sample_rate, offset=0.0):
    """Length of ``load_audio(path, sample_rate=sample_rate, offset=offset)``.

    Read from the file's header for formats whose header gives the exact
    number of frames (wav, flac, ogg, aiff, au, caf...); other formats, such
    as MP3, are decoded to count their frames, but neither resampled nor kept
    in memory.

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
        If the file is missing, is a directory, is empty or cannot be read.
    """
    path = _check_file(path)
    with _sound_file(path) as f:
        native_sr = f.samplerate
        # As load_audio: seek to the offset, then read at most up to the
        # header's frame count.
        start = _start_frame(f, offset)
        if f.format in _EXACT_LENGTH_FORMATS:
            n = f.frames - start
        else:
            if start > 0:
                f.seek(start)
            n = 0
            while True:
                block = f.read(frames=1 << 16, dtype="float32", always_2d=True)
                n += block.shape[0]
                if block.shape[0] < 1 << 16:
                    break
    if native_sr != sample_rate and n:
        # librosa.resample's output length (soxr output is fixed to it).
        n = int(np.ceil(n * (float(sample_rate) / native_sr)))
    return n


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
