"""Audio decoding: the one place that reads audio files.

Data flows paths -> mono float32 signal at a fixed sample rate -> fixed-length
song -> overlapping windows.  Files libsndfile decodes are read with
:mod:`soundfile`; AAC/ALAC (``.m4a``, ``.mp4``) and WMA are decoded by FFmpeg
through PyAV, an optional dependency (``pip install "skgenre[av]"``).
:class:`AudioReader` decodes only the parts of a song that a few windows
need (:func:`skgenre.windows.select_windows`), where the format seeks
sample-accurately.  Window counts live in :mod:`skgenre.windows`, feature
computation in :mod:`skgenre.frontends.features`.
"""

import contextlib
import functools
import itertools
import math
import os

import numpy as np
import soundfile as sf

from ._errors import FileError

# Window counts lived here before skgenre.windows: still importable from here.
from .windows import (  # noqa: F401
    kept_window_count,
    kept_window_indices,
    kept_windows,
    n_frames_for,
    n_windows_for,
    select_windows,
)

__all__ = [
    "AUDIO_EXTENSIONS",
    "AV_EXTENSIONS",
    "AudioDecodeError",
    "AudioReader",
    "av_available",
    "decoded_length",
    "fit_length",
    "kept_window_count",
    "kept_window_indices",
    "kept_windows",
    "load_audio",
    "n_frames_for",
    "n_windows_for",
    "readable_extensions",
    "select_windows",
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

# Formats whose header frame count is what libsndfile decodes.  MP3's is
# exact only when a Xing/LAME header gives it, an estimate from the bitrate
# otherwise, and a truncated MP3 decodes to fewer samples than it announces:
# it is checked by decoding its end (_exact_length).  Other formats are
# counted by decoding.
_EXACT_LENGTH_FORMATS = frozenset(
    {"WAV", "WAVEX", "W64", "RF64", "AIFF", "AU", "CAF", "FLAC", "OGG"}
)
_DECODE_ERRORS = (sf.LibsndfileError, RuntimeError, TypeError)

# Where libsndfile 1.2.2 seeks sample-accurately, measured against a full
# decode (hundreds of random seeks per format, each from a newly opened
# file): PCM and float in any container, FLAC, ALAC in CAF and Opus exactly;
# MP3 once _MP3_PREROLL samples before the seek point are decoded and
# dropped (mpg123 seeks with too little of the bit reservoir at MPEG-2 and
# 2.5 rates, 32 kHz and below: up to 1039 wrong samples measured).  Not Ogg
# Vorbis: a seek into the last page, or after a read, decodes wrong samples.
# Nor ADPCM, GSM and the like (stateful codecs, not measured).
_SEEKABLE_SUBTYPES = ("PCM_", "FLOAT", "DOUBLE", "ULAW", "ALAW", "ALAC_", "OPUS")
_MP3_PREROLL = 8 * 1152  # 8 MPEG-1 frames, 16 at MPEG-2 rates

# Audio decoded on each side of a part that is resampled alone.  soxr_hq's
# transient at the edge of a segment, against the whole song resampled,
# fades below 1e-6 within 4-6 ms from 44.1 or 22.05 kHz to 16 kHz and within
# 11 ms from 8 kHz up to 22.05 kHz (measured); 0.1 s leaves a wide margin.
_RESAMPLE_MARGIN_S = 0.1


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
    y = _finite(y)
    if native_sr != sample_rate and y.size:
        y = _resample(y, native_sr, sample_rate)
    if duration is not None:
        y = y[: int(np.ceil(duration * sample_rate))]
    return y


def decoded_length(path, *, sample_rate, offset=0.0):
    """Length of ``load_audio(path, sample_rate=sample_rate, offset=offset)``.

    Read from the file's header for formats whose header gives the exact
    number of frames (wav, flac, ogg, aiff, au, caf..., and MP3 with a
    Xing/LAME header, checked by decoding its last frames); other formats,
    such as AAC, ALAC, WMA and MP3 without such a header, are decoded to
    count their frames, but neither resampled nor kept in memory.

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
        n = _resampled_length(n, native_sr, sample_rate)
    return n


class AudioReader:
    """One song's decoded signal, read whole or in parts: only the parts'
    audio is decoded where the format allows it.

    The signal is ``load_audio(path, sample_rate=sample_rate, offset=offset,
    duration=duration)``; :attr:`n_samples` is its length, :meth:`read` gives
    it whole and :meth:`read_parts` gives parts of it.

    Which files are decoded in parts: those libsndfile seeks
    sample-accurately (measured) and whose header gives their exact length:
    PCM or float WAV, AIFF, AU, CAF, W64 and RF64, FLAC, ALAC in CAF, Opus,
    and MP3 with a Xing/LAME header (written by LAME and most encoders),
    whose count is checked by decoding the file's last frames, and whose
    parts are decoded from 9216 samples earlier (mpg123's bit reservoir).
    Each part is decoded at the file's rate with a margin of 0.1 s on each
    side (soxr's transient), from a sample whose resampled position falls
    on the whole signal's sample grid, and resampled alone: it equals the
    same samples of the whole signal to about 1e-6 (float32 rounding;
    exactly without resampling).  Parts that overlap, margins included, are
    decoded as one; each region from a newly opened file (libsndfile's
    second seek in an open MP3 or Vorbis file can be wrong).

    Other files are decoded whole once, and parts cut from the signal: Ogg
    Vorbis (libsndfile seeks it wrongly into its last page), MP3 without an
    exact header (its length is only known by decoding it all), ADPCM and
    other stateful codecs, and AAC, ALAC and WMA through PyAV, whose seeking
    is not sample-accurate (see the notes above ``_read_av``) and whose
    decoding is cheap.  So is a file whose decoding stops short of the
    parts its header promises.

    Parameters
    ----------
    path : str or path-like
        Audio file, as for :func:`load_audio`.
    sample_rate : int
        Target sample rate in Hz.
    offset : float, default=0.0
        Seconds skipped at the start.
    duration : float or None, default=None
        At most this many seconds from ``offset``; ``None`` reads to the end.

    Raises
    ------
    AudioDecodeError
        If the file is missing, is a directory, is empty or cannot be read,
        or needs PyAV and PyAV is not installed (here, or when decoding).

    Examples
    --------
    >>> audio = AudioReader("song.flac", sample_rate=16000)  # doctest: +SKIP
    >>> first, last = audio.read_parts([(0, 48000), (audio.n_samples - 48000,
    ...                                  audio.n_samples)])  # doctest: +SKIP
    """

    def __init__(self, path, *, sample_rate, offset=0.0, duration=None):
        self.path = _check_file(path)
        self.sample_rate = sample_rate
        self.offset = offset
        self.duration = duration
        self._signal = None  # the whole signal, once decoded
        # (native rate, first frame, frames, pre-roll) of the signal in the
        # file, if its parts can be decoded alone; else None.
        self._native = None if _uses_av(self.path) else self._native_span()

    @property
    def seeks(self):
        """bool: whether :meth:`read_parts` decodes only the parts' audio."""
        return self._native is not None

    @functools.cached_property
    def n_samples(self):
        """int: length of the signal, from the header where it is exact, else
        by decoding it (then kept for :meth:`read` and :meth:`read_parts`)."""
        if self._native is None:
            return self.read().shape[0]
        native_sr, _, n, _ = self._native
        if native_sr != self.sample_rate and n:
            n = _resampled_length(n, native_sr, self.sample_rate)
        if self.duration is not None:
            n = min(n, int(np.ceil(self.duration * self.sample_rate)))
        return n

    def read(self):
        """The whole signal.

        Returns
        -------
        y : ndarray of shape (n_samples,), float32
            ``load_audio(path, ...)``; decoded once, then kept.
        """
        if self._signal is None:
            self._signal = load_audio(
                self.path,
                sample_rate=self.sample_rate,
                offset=self.offset,
                duration=self.duration,
            )
        return self._signal

    def read_parts(self, spans):
        """Parts of the signal, zero outside it.

        Parameters
        ----------
        spans : sequence of (int, int)
            ``(start, stop)`` of each part in samples of the signal at
            ``sample_rate``, ``start <= stop``; a part may reach outside
            ``[0, n_samples)``.

        Returns
        -------
        parts : list of ndarray of shape (stop - start,), float32
            ``y[start:stop]`` of the whole signal ``y``, with zeros where a
            part lies outside it.
        """
        spans = [(int(start), int(stop)) for start, stop in spans]
        if self._native is not None:
            parts = self._decode_parts(spans)
            if parts is not None:
                return parts
            self._native = None  # decoding stopped short: decode it whole
        y = self.read()
        return [_cut(y, start, stop) for start, stop in spans]

    def _native_span(self):
        """``(native_sr, start, n, preroll)``: the signal is the file's frames
        ``[start, start + n)``, and a seek is sample-accurate once
        ``preroll`` frames before it are decoded; None if seeks are not."""
        with _sound_file(self.path) as f:
            preroll = _seek_preroll(f)
            if preroll is None:
                return None
            start = _start_frame(f, self.offset)
            n = f.frames - start
            if self.duration is not None:  # as _read_sndfile
                n = min(n, int(np.ceil(self.duration * f.samplerate)))
            return f.samplerate, start, n, preroll

    def _decode_parts(self, spans):
        """The parts, each region of the file decoded alone; None if the file
        decodes fewer frames than its header promises."""
        native_sr, first, n_native, preroll = self._native
        rate, n = self.sample_rate, self.n_samples
        if native_sr == rate:  # no resampling: the file's own samples
            step = native_step = 1
            margin = 0
        else:
            # A region starting at a multiple of `step` target samples starts
            # at a whole native sample, where the resampler's phase is the
            # whole signal's.
            gcd = math.gcd(native_sr, rate)
            step, native_step = rate // gcd, native_sr // gcd
            margin = math.ceil(_RESAMPLE_MARGIN_S * rate)
        parts = [np.zeros(stop - start, dtype=np.float32) for start, stop in spans]
        for lo, hi, members in _regions(spans, n, step, margin):
            start = lo // step * native_step
            # A region that reaches the signal's end is read to the end of
            # the file's frames, so that it ends as the whole signal does.
            stop = n_native if hi >= n else -(-hi * native_sr // rate)
            y = self._decode(first + start, min(stop, n_native) - start, preroll)
            if y is None:
                return None
            if native_sr != rate and y.size:
                y = _resample(y, native_sr, rate)
            for k in members:  # y[i] is sample lo + i of the signal
                a, b = max(spans[k][0], 0), min(spans[k][1], n)
                got = y[a - lo : b - lo]
                parts[k][a - spans[k][0] : a - spans[k][0] + got.shape[0]] = got
        return parts

    def _decode(self, start, n_frames, preroll):
        """Mono frames ``[start, start + n_frames)`` of the file, from a newly
        opened file; None if fewer decode."""
        early = min(preroll, start)
        with _sound_file(self.path) as f:
            f.seek(start - early)
            x = f.read(early + n_frames, dtype="float32", always_2d=True)
        if x.shape[0] != early + n_frames:
            return None
        return _finite(_mono(x[early:]))


def _regions(spans, n_samples, step, margin):
    """Yield ``(lo, hi, members)``: the regions of the signal to decode.

    Each part's samples inside ``[0, n_samples)``, widened by ``margin`` on
    each side, ``lo`` rounded down to a multiple of ``step``; overlapping or
    touching regions merged.  ``members`` lists the indices of the parts in
    each region.
    """
    inside = sorted(
        (max(start, 0), min(stop, n_samples), k)
        for k, (start, stop) in enumerate(spans)
        if max(start, 0) < min(stop, n_samples)
    )
    region = None
    for start, stop, k in inside:
        lo = max(start - margin, 0) // step * step
        hi = min(stop + margin, n_samples)
        if region is not None and lo <= region[1]:
            region[1] = max(region[1], hi)
            region[2].append(k)
        else:
            if region is not None:
                yield tuple(region)
            region = [lo, hi, [k]]
    if region is not None:
        yield tuple(region)


def _cut(y, start, stop):
    """``y[start:stop]``, zero where the span lies outside ``y``."""
    part = np.zeros(stop - start, dtype=np.float32)
    a, b = max(start, 0), min(stop, y.shape[0])
    if a < b:
        part[a - start : b - start] = y[a:b]
    return part


def _finite(y):
    """``y`` with NaN and infinite samples replaced by 0."""
    if not np.isfinite(y).all():
        y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    return y


def _resampled_length(n, native_sr, sample_rate):
    """Samples :func:`_resample` makes of ``n``: librosa.resample's length."""
    return int(np.ceil(n * (float(sample_rate) / native_sr)))


def _resample(y, native_sr, sample_rate):
    """``librosa.resample(y, orig_sr=native_sr, target_sr=sample_rate,
    res_type="soxr_hq")``, without importing librosa (and numba).

    What librosa runs: soxr's high-quality resampler, its output then cut or
    zero-padded to ``ceil(n * sample_rate / native_sr)`` samples, the length
    :func:`decoded_length` gives.
    """
    import soxr  # librosa's own resampler: installed with it

    n_samples = _resampled_length(y.shape[-1], native_sr, sample_rate)
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
        if _exact_length(f):
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


def _seek_preroll(f):
    """Frames to decode and drop before a seek point of the open file ``f``
    for the seek to be sample-accurate; None where libsndfile's seeks are
    not (or not known to be), see _SEEKABLE_SUBTYPES."""
    if f.format == "MP3":
        return _MP3_PREROLL if f.seekable() and _exact_length(f) else None
    if (
        f.seekable()
        and f.format in _EXACT_LENGTH_FORMATS
        and f.subtype.startswith(_SEEKABLE_SUBTYPES)
    ):
        return 0
    return None


def _exact_length(f):
    """Whether the header's frame count of the open file ``f`` is what it
    decodes to, so that seeking within it is safe.

    True for :data:`_EXACT_LENGTH_FORMATS`.  For an MP3, whose count is exact
    only from a Xing/LAME header, True if a seek to 4096 frames before the
    announced end leaves exactly 4096 to decode: an estimated count seeks
    past the true end (nothing left) or short of it (more left).  Leaves
    the file at its first frame.
    """
    if f.format in _EXACT_LENGTH_FORMATS:
        return True
    if f.format != "MP3" or not f.seekable():
        return False
    tail = min(f.frames, 4096)
    try:
        f.seek(f.frames - tail)
        exact = f.read(tail + 1, dtype="float32", always_2d=True).shape[0] == tail
        f.seek(0)
        return exact
    except _DECODE_ERRORS:
        return False


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
