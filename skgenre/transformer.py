"""``WindowMFCCTransformer``: audio file paths -> 5-D window feature tensor."""

import json
import numbers
import os
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_memory
from threadpoolctl import ThreadpoolController
from tqdm.auto import tqdm

from . import features as _features
from .audio import AudioDecodeError, _file_key, decoded_length, n_windows_for
from .features import FeatureSettings

__all__ = ["WindowMFCCTransformer"]

_ON_ERROR = ("raise", "skip", "zeros")


def _extract(path, settings):
    # Looked up at call time so tests can count real computations.
    return _features.song_features(path, settings)


def _cached_extract(file_key, settings, path):
    """Cache entry point: keyed by ``file_key`` (path, size, mtime) and settings."""
    return _extract(path, settings)


@lru_cache(maxsize=1)
def _blas_controller():
    return ThreadpoolController()


def _extract_one(path, settings, cached=None, catch=False):
    """Features of one song; with ``catch``, a decoding error is returned.

    ``cached`` is ``memory.cache(_cached_extract)`` or None.  Errors are never
    cached: joblib.Memory stores only returned values.
    """
    try:
        # One BLAS thread everywhere, so values do not depend on n_jobs or on
        # the joblib backend (summation order changes with the thread count).
        with _blas_controller().limit(limits=1, user_api="blas"):
            if cached is None or not os.path.isfile(path):
                return _extract(path, settings)
            return cached(_file_key(path), settings, path)
    except AudioDecodeError as exc:
        if not catch:
            raise
        return exc


class WindowMFCCTransformer(TransformerMixin, BaseEstimator):
    """Turn audio files into MFCC (or log-mel) matrices of overlapping windows.

    Each song is decoded, mixed to mono, resampled to ``sample_rate``, cut or
    zero-padded to ``song_length`` seconds from ``offset``, and split into
    windows of ``window_length`` seconds overlapping by ``window_overlap``.
    Each window gives a ``(n_bands, n_frames)`` matrix computed exactly as
    ``librosa.feature.mfcc`` (or a log-mel spectrogram) on that window alone.

    Parameters
    ----------
    sample_rate : int, default=22050
        Sample rate in Hz the audio is resampled to.
    n_mfcc : int, default=13
        Number of MFCCs per frame (``features="mfcc"``).
    hop_length : int, default=512
        Hop between STFT frames in samples.
    n_fft : int or None, default=None
        FFT length in samples; ``None`` means ``2 * hop_length``.
    window_length : float, default=5.0
        Window length in seconds.
    window_overlap : float, default=0.5
        Fraction of a window shared with the next one, in ``[0, 1)``.
    song_length : float or None, default=60.0
        Seconds of each song used; shorter songs are zero-padded at the end,
        longer ones cut.  ``None`` keeps every window of every song: songs
        with fewer windows than the longest of the call are padded with
        windows of NaN, which :class:`MILSongClassifier` masks out (they
        never influence pooling, loss or prediction).  A song shorter than
        one window gives one zero-padded window.
    offset : float, default=0.0
        Seconds skipped at the start of each file.
    features : {"mfcc", "logmel"}, default="mfcc"
        MFCCs, or the log-mel spectrogram in dB.
    n_mels : int or None, default=None
        Mel bands; ``None`` means 128 for ``"mfcc"`` (librosa's default) and
        64 for ``"logmel"``.
    fmin : float, default=0.0
        Lowest mel filterbank frequency in Hz.
    fmax : float or None, default=None
        Highest mel filterbank frequency in Hz; ``None`` means
        ``sample_rate / 2``.  A shared value such as 8000 makes files of
        different bandwidths comparable.
    n_jobs : int or None, default=None
        Songs decoded in parallel with joblib (processes by default; ``-1``
        means all cores).  Honours ``joblib.parallel_backend``, e.g. dask.
    memory : str, path-like, joblib.Memory or None, default=None
        Cache of each song's features, keyed by the file's path, size and
        modification time and by every parameter that changes features.
    verbose : int, default=0
        If positive, show a progress bar over songs.
    on_error : {"raise", "skip", "zeros"}, default="raise"
        What a file that cannot be decoded does: raise
        :class:`~skgenre.audio.AudioDecodeError` naming it, leave its row out
        of the output, or give it all-zero features.  With "skip" or "zeros"
        the other songs are kept, failures are listed in ``errors_`` and a
        warning says how many failed.  "skip" changes the number of rows, so
        it is refused where labels must stay aligned (``fit_transform`` with
        ``y``, i.e. inside ``Pipeline.fit``): use "zeros" there, or clean the
        file list first with a "skip" transform and ``errors_``.

    Attributes
    ----------
    n_windows_ : int or None
        Windows per song; ``None`` when ``song_length=None`` (it depends on
        the songs).
    n_bands_ : int
        MFCCs or mel bands per frame.
    n_frames_ : int
        STFT frames per window.
    settings_ : FeatureSettings
        The validated settings in samples.
    errors_ : list of (str, str)
        Set by ``transform``: path and reason of each file that failed
        (``on_error`` "skip" or "zeros"); empty if none did.

    Examples
    --------
    >>> from skgenre import WindowMFCCTransformer
    >>> WindowMFCCTransformer().fit([]).n_windows_
    23
    """

    def __init__(
        self,
        sample_rate=22050,
        n_mfcc=13,
        hop_length=512,
        n_fft=None,
        window_length=5.0,
        window_overlap=0.5,
        song_length=60.0,
        offset=0.0,
        features="mfcc",
        n_mels=None,
        fmin=0.0,
        fmax=None,
        n_jobs=None,
        memory=None,
        verbose=0,
        on_error="raise",
    ):
        self.sample_rate = sample_rate
        self.n_mfcc = n_mfcc
        self.hop_length = hop_length
        self.n_fft = n_fft
        self.window_length = window_length
        self.window_overlap = window_overlap
        self.song_length = song_length
        self.offset = offset
        self.features = features
        self.n_mels = n_mels
        self.fmin = fmin
        self.fmax = fmax
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose
        self.on_error = on_error

    def _settings(self):
        """Validate the parameters and convert them to a :class:`FeatureSettings`."""

        def check(name, ok, accepted):
            if not ok:
                value = getattr(self, name)
                raise ValueError(
                    f"{type(self).__name__}: invalid {name}={value!r}; "
                    f"expected {accepted}."
                )

        def is_int(v):
            return isinstance(v, numbers.Integral) and not isinstance(v, bool)

        def is_real(v):
            return isinstance(v, numbers.Real) and not isinstance(v, bool)

        check(
            "sample_rate",
            is_int(self.sample_rate) and self.sample_rate >= 1000,
            "an int >= 1000 (Hz)",
        )
        check(
            "hop_length",
            is_int(self.hop_length) and self.hop_length >= 1,
            "an int >= 1 (samples)",
        )
        check(
            "n_fft",
            self.n_fft is None or (is_int(self.n_fft) and self.n_fft >= 2),
            "None or an int >= 2 (samples)",
        )
        check("features", self.features in ("mfcc", "logmel"), "'mfcc' or 'logmel'")
        check(
            "n_mels",
            self.n_mels is None or (is_int(self.n_mels) and self.n_mels >= 1),
            "None or an int >= 1",
        )
        n_mels = self.n_mels or (128 if self.features == "mfcc" else 64)
        check(
            "n_mfcc",
            is_int(self.n_mfcc) and 1 <= self.n_mfcc <= n_mels,
            f"an int in [1, n_mels={n_mels}]",
        )
        check(
            "window_length",
            is_real(self.window_length) and self.window_length > 0,
            "a number of seconds > 0",
        )
        check(
            "window_overlap",
            is_real(self.window_overlap) and 0 <= self.window_overlap < 1,
            "a fraction in [0, 1)",
        )
        check(
            "song_length",
            self.song_length is None
            or (is_real(self.song_length) and self.song_length > 0),
            "None or a number of seconds > 0",
        )
        check(
            "offset",
            is_real(self.offset) and self.offset >= 0,
            "a number of seconds >= 0",
        )
        nyquist = self.sample_rate / 2
        check(
            "fmin",
            is_real(self.fmin) and 0 <= self.fmin < nyquist,
            f"a frequency in [0, sample_rate / 2 = {nyquist}) Hz",
        )
        check(
            "fmax",
            self.fmax is None
            or (is_real(self.fmax) and self.fmin < self.fmax <= nyquist),
            f"None or a frequency in (fmin, sample_rate / 2 = {nyquist}] Hz",
        )
        check(
            "verbose", is_int(self.verbose) or isinstance(self.verbose, bool), "an int"
        )
        check("on_error", self.on_error in _ON_ERROR, f"one of {_ON_ERROR}")

        n_fft = self.n_fft if self.n_fft is not None else 2 * self.hop_length
        window_samples = int(round(self.window_length * self.sample_rate))
        check(
            "window_length",
            window_samples >= n_fft // 2 + 1,
            f"at least n_fft / 2 + 1 = {n_fft // 2 + 1} samples",
        )
        hop_samples = max(1, int(round(window_samples * (1 - self.window_overlap))))
        return FeatureSettings(
            sample_rate=int(self.sample_rate),
            offset=float(self.offset),
            song_samples=None
            if self.song_length is None
            else int(round(self.song_length * self.sample_rate)),
            window_samples=window_samples,
            hop_samples=hop_samples,
            kind=self.features,
            n_mfcc=int(self.n_mfcc),
            n_mels=int(n_mels),
            n_fft=int(n_fft),
            hop_length=int(self.hop_length),
            fmin=float(self.fmin),
            fmax=None if self.fmax is None else float(self.fmax),
        )

    def fit(self, X=None, y=None):
        """Validate the parameters and record the output shape.

        No audio is read: the transformer is stateless.

        Parameters
        ----------
        X : array-like of shape (n_songs,) of str, default=None
            Audio file paths (ignored).
        y : None
            Ignored.

        Returns
        -------
        self : WindowMFCCTransformer
        """
        s = self._settings()
        self.settings_ = s
        self.n_windows_ = (
            None
            if s.song_samples is None
            else n_windows_for(
                max(s.song_samples, s.window_samples), s.window_samples, s.hop_samples
            )
        )
        self.n_bands_ = s.n_mfcc if s.kind == "mfcc" else s.n_mels
        self.n_frames_ = 1 + s.window_samples // s.hop_length
        return self

    def transform(self, X):
        """Compute the window features of each song.

        Parameters
        ----------
        X : array-like of shape (n_songs,) of str or path-like
            Audio file paths (list, array, pandas Series...).

        Returns
        -------
        features : ndarray of shape (n_songs, n_windows, n_bands, n_frames, 1)
            float32; ``n_bands`` is ``n_mfcc`` for MFCCs, ``n_mels`` for
            log-mel.  Defaults give ``(n_songs, 23, 13, 216, 1)``.

        Raises
        ------
        skgenre.audio.AudioDecodeError
            If a file is missing, empty or not decodable; the message names
            the file and the reason.
        """
        paths = _check_paths(X)
        self.fit()  # stateless: settings always follow the current parameters
        settings = self.settings_
        memory = check_memory(self.memory)
        cached = (
            None
            if memory.location is None
            else memory.cache(_cached_extract, ignore=["path"], verbose=0)
        )
        # Also limited here for thread-based backends, whose workers share
        # this process's BLAS settings.
        with _blas_controller().limit(limits=1, user_api="blas"):
            results = self._parallel(paths, return_as="generator")(
                delayed(_extract_one)(p, settings, cached, self._catch) for p in paths
            )
            progress = tqdm(
                results,
                total=len(paths),
                disable=not self.verbose,
                desc="Extracting features",
                unit="song",
            )
            songs = list(progress)
        failed = [i for i, f in enumerate(songs) if isinstance(f, AudioDecodeError)]
        self.errors_ = [(songs[i].path, songs[i].reason) for i in failed]
        if failed:
            zeros = np.zeros((self.n_windows_ or 1, *self._window_shape()[1:-1]))
            for i in failed:
                songs[i] = zeros
            if self.on_error == "skip":
                failed_set = set(failed)
                songs = [f for i, f in enumerate(songs) if i not in failed_set]
            _warn_failures(self.errors_, len(paths), self.on_error, stacklevel=3)
        if self.n_windows_ is not None:
            out = np.empty((len(songs), *self._window_shape()), dtype=np.float32)
            for i, feats in enumerate(songs):
                out[i, ..., 0] = feats
        else:
            out = _stack_padded(songs, self._window_shape()[1:])
        return out

    def transform_to_store(self, X, directory, chunk_size=256):
        """Write the features of many songs to disk in chunks; resumable.

        Writes ``directory/features.npy`` (a standard ``.npy`` file, float32,
        5-D, equal to ``transform(X)``) and ``directory/index.json`` (the
        paths, the feature settings, the shape, each song's number of real
        windows and how many songs are done).  Only one chunk is in memory at
        a time, so peak memory does not grow with the number of songs.  Run
        again after an interruption, the same call continues after the last
        finished chunk.

        With ``song_length=None`` every song's number of windows is needed
        before the file is allocated: it is computed from each file's header
        (its frame count, sample rate and ``offset``) without decoding, except
        for formats whose header count is not exact, such as MP3, which are
        decoded once to count their samples.  Songs with fewer windows than
        the longest are padded with NaN windows, as ``transform`` pads them.

        Parameters
        ----------
        X : array-like of shape (n_songs,) of str
            Audio file paths.
        directory : str or path-like
            Created if needed.  A store of other paths or settings there is
            refused rather than overwritten.
        chunk_size : int, default=256
            Songs per chunk.

        Returns
        -------
        features : numpy.memmap of shape (n_songs, n_windows, n_bands, n_frames, 1)
            The file opened read-only with ``np.load(..., mmap_mode="r")``.
            ``index.json``'s ``"n_windows"`` lists the real (non-NaN) windows
            of each song, in the order of ``X``.

        Raises
        ------
        ValueError
            With ``on_error="skip"`` (rows must match paths); if ``directory``
            holds a store of other paths or settings; or, on resuming, if a
            song now has more windows than the store was allocated for (its
            file changed).
        skgenre.audio.AudioDecodeError
            With ``on_error="raise"``, for a file that cannot be read; with
            ``song_length=None`` a file whose header cannot be read is
            reported before anything is written.

        Notes
        -----
        A damaged file whose header announces more samples than it decodes
        to keeps its true window count in the index, but the file's window
        axis was sized from the header.  If it was the longest song, the store
        has more (all-NaN) windows than ``transform(X)``.
        """
        paths = _check_paths(X)
        self.fit()
        if self.on_error == "skip":
            raise ValueError(
                "transform_to_store needs one row per path: set on_error to "
                f"'raise' or 'zeros' (got on_error={self.on_error!r})."
            )
        directory = Path(directory)
        features_path, index_path = directory / "features.npy", directory / "index.json"
        window_shape = list(self._window_shape()[1:])
        settings = self.settings_._asdict()
        previous = None
        if index_path.exists() and features_path.exists():
            previous = json.loads(index_path.read_text())
            shape = previous.get("shape") or []
            if (
                previous.get("paths") != paths
                or previous.get("settings") != settings
                or shape[:1] != [len(paths)]
                or shape[2:] != window_shape
                or (self.n_windows_ is not None and shape[1] != self.n_windows_)
            ):
                raise ValueError(
                    f"{str(directory)!r} holds a feature store of other paths or "
                    "settings; use another directory or delete it."
                )
        if previous is not None:
            # Counted when the store was created: not counted again.
            shape = previous["shape"]
            counts = previous.get("n_windows") or [shape[1]] * len(paths)
            index = {**previous, "n_windows": counts}
            store = np.lib.format.open_memmap(features_path, mode="r+")
        else:
            counts = (
                self._count_windows(paths)
                if self.n_windows_ is None
                else [self.n_windows_] * len(paths)
            )
            # max(..., default=1): transform's shape for no songs.
            shape = [len(paths), max(counts, default=1), *window_shape]
            index = {
                "paths": paths,
                "settings": settings,
                "shape": shape,
                "n_windows": counts,
                "done": 0,
            }
            directory.mkdir(parents=True, exist_ok=True)
            store = np.lib.format.open_memmap(
                features_path, mode="w+", dtype=np.float32, shape=tuple(shape)
            )
            # Written before any chunk, so a resumed run reuses the counts.
            _write_index(index_path, index)
        errors = []
        for start in range(index["done"], len(paths), chunk_size):
            stop = min(len(paths), start + chunk_size)
            with warnings.catch_warnings():
                # One warning for the whole store (below), not one per chunk.
                warnings.filterwarnings("ignore", message=_FAILURES_MESSAGE)
                chunk = self.transform(paths[start:stop])
            errors += self.errors_
            if chunk.shape[1] > shape[1]:
                raise ValueError(
                    f"songs {start} to {stop - 1} have up to {chunk.shape[1]} "
                    f"windows, but the store in {str(directory)!r} was allocated "
                    f"for {shape[1]}: files changed since it was created; delete "
                    "it and start again."
                )
            store[start:stop, : chunk.shape[1]] = chunk
            # transform pads to this chunk's longest song, the store to the
            # longest of all songs.
            store[start:stop, chunk.shape[1] :] = np.nan
            store.flush()
            # Real windows have finite features; padding is NaN throughout,
            # so one value per window tells them apart.
            real = np.isfinite(chunk[:, :, 0, 0, 0]).sum(axis=1)
            counts[start:stop] = [int(n) for n in real]
            index["done"] = stop
            # Written after the data and replaced atomically: an interruption
            # never marks unwritten songs as done.
            _write_index(index_path, index)
        del store
        self.errors_ = errors
        if errors:
            _warn_failures(errors, len(paths), self.on_error, stacklevel=3)
        return np.load(features_path, mmap_mode="r")

    def _count_windows(self, paths):
        """Each song's number of windows with ``song_length=None``, from headers."""
        return self._parallel(paths)(
            delayed(_count_one)(p, self.settings_, self._catch) for p in paths
        )

    def _parallel(self, paths, **kwargs):
        """``joblib.Parallel`` over ``paths``: no workers for a single song."""
        return Parallel(n_jobs=1 if len(paths) <= 1 else self.n_jobs, **kwargs)

    @property
    def _catch(self):
        """Whether decoding errors are returned (and handled) rather than raised."""
        return self.on_error != "raise"

    def fit_transform(self, X, y=None):
        """Fit (validate parameters) and transform; see :meth:`transform`.

        Raises
        ------
        ValueError
            With ``on_error="skip"`` and labels ``y``: skipped songs would
            shift labels onto the wrong songs.
        """
        if self.on_error == "skip" and y is not None:
            raise ValueError(
                "on_error='skip' drops unreadable songs, which would misalign the "
                "labels y passed with them (as in Pipeline.fit); use "
                "on_error='zeros' there, or transform the paths alone first and "
                "remove the failed ones (errors_) from both paths and labels."
            )
        return self.fit(X, y).transform(X)

    def _window_shape(self):
        return (self.n_windows_, self.n_bands_, self.n_frames_, 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []
        return tags


def _count_one(path, settings, catch):
    """Windows ``transform`` gives one song with ``song_length=None``."""
    try:
        n = decoded_length(
            path, sample_rate=settings.sample_rate, offset=settings.offset
        )
    except AudioDecodeError:
        if not catch:
            raise
        return 1  # transform gives a failed song one window of zeros
    return n_windows_for(n, settings.window_samples, settings.hop_samples)


def _write_index(path, index):
    """Write ``index`` as JSON to ``path`` atomically (via a temporary file)."""
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(index))
    os.replace(tmp, path)


_FAILURES_MESSAGE = r"\d+ of \d+ audio files could not be read"


def _warn_failures(errors, n_paths, on_error, stacklevel):
    """One warning for the files that failed; ``errors`` as in ``errors_``."""
    done = "skipped" if on_error == "skip" else "given zero features"
    path, reason = errors[0]
    warnings.warn(
        f"{len(errors)} of {n_paths} audio files could not be read and "
        f"were {done} (see errors_); first: {path!r}: {reason}",
        UserWarning,
        stacklevel=stacklevel,
    )


def _stack_padded(songs, window_shape):
    """Stack songs of different window counts; missing windows are NaN."""
    n_windows = max((f.shape[0] for f in songs), default=1)
    out = np.full((len(songs), n_windows, *window_shape), np.nan, dtype=np.float32)
    for i, feats in enumerate(songs):
        out[i, : feats.shape[0], ..., 0] = feats
    return out


def _check_paths(X):
    """Validate a 1-D collection of file paths and return a list of str."""
    if isinstance(X, (str, bytes, os.PathLike)):
        raise ValueError(
            "Expected a list, array or Series of audio file paths, got a single "
            f"path {X!r}; wrap it in a list."
        )
    arr = np.asarray(X, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]  # one column, e.g. from a DataFrame or ColumnTransformer
    if arr.ndim != 1:
        raise ValueError(
            "Expected a 1-D list, array or Series of audio file paths of shape "
            f"(n_songs,), got an array of shape {arr.shape}."
        )
    bad = [p for p in arr if not isinstance(p, (str, os.PathLike))]
    if bad:
        raise ValueError(
            f"Expected audio file paths (str or path-like), got {bad[0]!r} "
            f"of type {type(bad[0]).__name__}."
        )
    return [os.fspath(p) for p in arr]
