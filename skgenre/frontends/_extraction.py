"""The extraction engine: window features of many songs, robustly and fast.

Any feature front-end (window MFCCs, a pretrained encoder...) describes its
work as a :class:`FrontEnd`: a per-song function, optionally a batched
stage run across songs in this process; an :class:`Extraction` adds the
settings it needs and the policy (workers, cache, progress, errors).  The
engine knows nothing about the features themselves.  It runs the per-song
function with joblib (any backend) under a one-thread BLAS limit, caches each
song's result keyed by the file's identity and the settings, shows a tqdm
progress bar, applies the ``on_error`` policy with a record of each failure,
and stacks songs into one array, padding songs with fewer windows with NaN.
"""

import os
import warnings
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from joblib.parallel import BACKENDS, get_active_backend
from sklearn.utils.validation import check_memory
from threadpoolctl import ThreadpoolController

from ..audio import AudioDecodeError
from ..padding import PAD_VALUE

__all__ = ["FAILURES_MESSAGE", "ON_ERROR", "Extraction", "FrontEnd", "warn_failures"]

#: Accepted values of ``on_error``.
ON_ERROR = ("raise", "skip", "zeros")

#: Pattern of the warning about failed files, to filter it.
FAILURES_MESSAGE = r"\d+ of \d+ audio files could not be read"

# joblib backends whose workers are this machine's processes or threads.
_LOCAL_BACKENDS = ("loky", "multiprocessing", "threading", "sequential")


@dataclass(frozen=True)
class FrontEnd:
    """What a feature front-end asks of the engine: its work per song.

    The contract between a front-end (e.g. ``WindowMFCCTransformer``,
    ``WindowEmbedder``) and the engine, returned by the front-end's
    ``_front_end(settings)``.

    Parameters
    ----------
    compute : callable
        ``compute(path, settings)`` returns one song's features, an array of
        shape ``(n_windows, *window_shape)`` (or its input to ``finish``), or
        raises :class:`~skgenre.audio.AudioDecodeError`.  Run in joblib
        workers: it must be picklable (a module-level function).
    window_shape : tuple of int
        Shape of one window's features.
    n_windows : int or None, default=None
        Windows of every song; ``None`` if each song has its own number.
    count : callable or None, default=None
        ``count(path, settings)`` returns a song's number of windows without
        computing its features (for :mod:`skgenre.frontends.store`).
    finish : callable or None, default=None
        ``finish(outputs, settings)`` maps a list of ``compute`` outputs of
        several songs to their features, in this process: a batched stage,
        e.g. a neural network run on windows of many songs at once.
    prepare : callable or None, default=None
        ``prepare(settings)`` readies what ``finish`` needs (e.g. loads the
        network), in the thread that runs ``finish``, while the first songs
        are decoded; its result is ignored, and its errors are left for
        ``finish`` to raise.  Run only when some song is to be computed.
    batch_songs : int, default=32
        Songs per ``finish`` call.
    desc : str, default="Extracting features"
        Label of the progress bar.
    """

    compute: Callable
    window_shape: tuple
    n_windows: int | None = None
    count: Callable | None = None
    finish: Callable | None = None
    prepare: Callable | None = None
    batch_songs: int = 32
    desc: str = "Extracting features"


@dataclass(frozen=True)
class Extraction:
    """Window features of songs: a front-end's work and the policy around it.

    Parameters
    ----------
    front_end : FrontEnd
        What to compute per song.
    settings : hashable
        Every parameter that changes the features; passed to the front-end's
        functions and part of the cache key.
    n_jobs : int or None, default=None
        joblib workers for ``front_end.compute``.
    memory : str, path-like, joblib.Memory or None, default=None
        Cache of each song's features.
    verbose : int, default=0
        If positive, show a progress bar over songs.
    on_error : {"raise", "skip", "zeros"}, default="raise"
        What a song that cannot be decoded does, see
        :class:`skgenre.WindowMFCCTransformer`.
    finish_in_workers : bool or None, default=None
        Where ``front_end.finish`` runs: in each worker task, on the block of
        songs it decoded, or in this process on the blocks the workers send
        back.  ``None`` chooses: in the workers when joblib's active backend
        runs tasks elsewhere (dask.distributed...), so that only features
        cross the network; here with local pools (loky, threads), where one
        network using every core beside the decoding workers measured
        fastest (``benchmarks/bench_cluster.py``).
    """

    front_end: FrontEnd
    settings: Hashable
    n_jobs: Any = None
    memory: Any = None
    verbose: int = 0
    on_error: str = "raise"
    finish_in_workers: bool | None = None

    @property
    def catch(self):
        """Whether decoding errors are recorded (and handled) rather than raised."""
        return self.on_error != "raise"

    def run(self, paths):
        """Features of every song, stacked.

        Parameters
        ----------
        paths : list of str

        Returns
        -------
        features : ndarray of shape (n_kept, n_windows, *window_shape), float32
            ``n_kept`` is ``len(paths)`` minus the failed songs with
            ``on_error="skip"``.  Songs with fewer windows than the longest
            are padded with NaN windows.
        errors : list of (str, str)
            Path and reason of each song that failed (empty if none did).
        """
        # Also limited here for thread-based backends, whose workers share
        # this process's BLAS settings.
        with _blas_controller().limit(limits=1, user_api="blas"):
            songs = self._songs(paths)
        failed = [i for i, f in enumerate(songs) if isinstance(f, AudioDecodeError)]
        errors = [(songs[i].path, songs[i].reason) for i in failed]
        if failed:
            zeros = np.zeros(
                (self.front_end.n_windows or 1, *self.front_end.window_shape)
            )
            for i in failed:
                songs[i] = zeros
            if self.on_error == "skip":
                failed_set = set(failed)
                songs = [f for i, f in enumerate(songs) if i not in failed_set]
            warn_failures(errors, len(paths), self.on_error, stacklevel=3)
        return _stack(
            songs, self.front_end.n_windows, self.front_end.window_shape
        ), errors

    def count_windows(self, paths):
        """Each song's number of windows, without computing features.

        A song that cannot be read counts one window (its zeros) unless
        ``on_error="raise"``.

        Returns
        -------
        n_windows : list of int
        """
        return self._parallel(len(paths))(
            delayed(_count_one)(self.front_end.count, p, self.settings, self.catch)
            for p in paths
        )

    def _songs(self, paths):
        """Each song's features, or its AudioDecodeError (with ``catch``)."""
        memory = self.memory
        # check_memory takes str or joblib.Memory; the docs promise path-like.
        memory = check_memory(os.fspath(memory) if _is_path(memory) else memory)
        cached = (
            None
            if memory.location is None
            else memory.cache(_cached, ignore=["value"], verbose=0)
        )
        keys = [
            _file_key(p) if cached is not None and os.path.isfile(p) else None
            for p in paths
        ]
        songs = [None] * len(paths)
        todo = []
        for i, key in enumerate(keys):
            try:
                if key is None:
                    raise LookupError
                songs[i] = cached(key, self.settings)  # one hash, one read
            except LookupError:
                todo.append(i)
        # A bar only over the songs to compute: cached ones take no time.
        verbose = self.verbose if todo else 0
        with _progress_bar(len(todo), verbose, self.front_end.desc) as progress:
            for i, value in self._compute(paths, todo, progress):
                songs[i] = value
                if keys[i] is not None and not isinstance(value, AudioDecodeError):
                    cached(keys[i], self.settings, value=value)  # stores it
        return songs

    def _compute(self, paths, todo, progress):
        """Yield ``(i, features)`` of the songs ``todo`` (indices into ``paths``)."""
        if self.front_end.finish is None:
            for i, value in zip(todo, self._extract(paths, todo), strict=True):
                yield i, value
                progress.update()  # song by song, as workers return them
        elif self.finish_in_workers or (
            self.finish_in_workers is None and _backend_runs_elsewhere()
        ):
            yield from self._compute_in_workers(paths, todo, progress)
        else:
            yield from self._compute_here(paths, todo, progress)

    def _compute_here(self, paths, todo, progress):
        """Workers run ``compute``; this process runs ``finish`` in a thread.

        While the batched stage (e.g. a network using every core) runs on one
        block of songs, the workers decode the next; at most two blocks are
        in memory.
        """
        blocks = _blocks(todo, self.front_end.batch_songs)
        with ThreadPoolExecutor(max_workers=1) as stage:
            if blocks and self.front_end.prepare is not None:
                # Queued first in the stage's one thread: overlaps decoding.
                stage.submit(self.front_end.prepare, self.settings)
            pending = None
            for part in blocks:
                extracted = list(self._extract(paths, part))
                if pending is not None:
                    yield from self._finished(*pending.result(), progress)
                pending = stage.submit(self._finish, part, extracted)
            if pending is not None:
                yield from self._finished(*pending.result(), progress)

    def _compute_in_workers(self, paths, todo, progress):
        """Each worker task runs ``compute`` and ``finish`` on a block of songs.

        For backends that run tasks on other machines (dask.distributed...):
        the batched stage runs where the data is, each worker process keeps
        what ``finish`` loads (e.g. the network's weights), and only the
        features come back.
        """
        # Two blocks per worker at least, so that all of them work.
        n_workers = max(1, effective_n_jobs(self.n_jobs))
        size = min(self.front_end.batch_songs, -(-len(todo) // (2 * n_workers)))
        blocks = _blocks(todo, max(1, size))
        results = self._parallel(len(blocks), return_as="generator")(
            delayed(_extract_and_finish)(self, [paths[i] for i in part])
            for part in blocks
        )
        for part, values in zip(blocks, results, strict=True):
            yield from self._finished(part, values, progress)

    def _extract(self, paths, part):
        """``compute`` of the songs ``part`` in joblib workers, in order."""
        return self._parallel(len(part), return_as="generator")(
            delayed(_extract_one)(
                self.front_end.compute, paths[i], self.settings, self.catch
            )
            for i in part
        )

    def _finish(self, part, results):
        """``finish`` on the songs of ``part`` that were decoded."""
        good = [k for k, r in enumerate(results) if not isinstance(r, AudioDecodeError)]
        if good:
            finished = self.front_end.finish([results[k] for k in good], self.settings)
            for k, value in zip(good, finished, strict=True):
                results[k] = value
        return part, results

    @staticmethod
    def _finished(part, results, progress):
        yield from zip(part, results, strict=True)
        progress.update(len(part))

    def _parallel(self, n_tasks, **kwargs):
        """``joblib.Parallel``: no workers for a single task."""
        return Parallel(n_jobs=1 if n_tasks <= 1 else self.n_jobs, **kwargs)


class _NoProgress:
    """What ``tqdm(disable=True)`` does, without importing tqdm."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def update(self, n=1):
        pass


def _progress_bar(total, verbose, desc):
    """A tqdm progress bar over ``total`` songs if ``verbose``; else a no-op."""
    if not verbose:
        return _NoProgress()
    from tqdm.auto import tqdm  # imported only to be shown

    return tqdm(total=total, desc=desc, unit="song")


def _blocks(todo, size):
    """``todo`` in consecutive blocks of ``size``."""
    return [todo[start : start + size] for start in range(0, len(todo), size)]


def _backend_runs_elsewhere():
    """Whether joblib's active backend runs tasks outside this machine's
    local pools (loky, multiprocessing, threads, sequential): e.g. dask."""
    backend, _ = get_active_backend()
    local = tuple(BACKENDS[name] for name in _LOCAL_BACKENDS if name in BACKENDS)
    return not isinstance(backend, local)


def _extract_and_finish(extraction, paths):
    """A worker task: ``compute`` then ``finish`` on one block of songs.

    Returns each song's features, or its AudioDecodeError (with ``catch``).
    """
    _fit_to_dask_worker()
    extracted = [
        _extract_one(
            extraction.front_end.compute, path, extraction.settings, extraction.catch
        )
        for path in paths
    ]
    return extraction._finish(None, extracted)[1]


@lru_cache(maxsize=1)
def _fit_to_dask_worker():
    """In a dask worker, give the framework the worker's threads, not the
    machine's: several workers on one machine would oversubscribe it.
    Once per process, before the network starts."""
    try:
        from distributed import get_worker

        n_threads = get_worker().state.nthreads
    except (ImportError, ValueError):  # not in a dask worker
        return
    from ..encoders.backends import limit_threads

    limit_threads(n_threads)


@lru_cache(maxsize=1)
def _blas_controller():
    return ThreadpoolController()


def _extract_one(compute, path, settings, catch):
    """``compute(path, settings)``; with ``catch``, a decoding error is returned."""
    try:
        # One BLAS thread everywhere, so values do not depend on n_jobs or on
        # the joblib backend (summation order changes with the thread count).
        with _blas_controller().limit(limits=1, user_api="blas"):
            return compute(path, settings)
    except AudioDecodeError as exc:
        if not catch:
            raise
        return exc


def _count_one(count, path, settings, catch):
    try:
        return count(path, settings)
    except AudioDecodeError:
        if not catch:
            raise
        return 1  # a failed song gets one window of zeros


def _cached(file_key, settings, value=None):
    """Cache entry: a song's features keyed by ``file_key`` and ``settings``.

    Called without ``value``, it returns the cached features or raises
    LookupError (joblib.Memory stores only returned values, so nothing is
    stored); called with ``value``, it stores it.
    """
    if value is None:
        raise LookupError("not in the cache")
    return value


def _is_path(value):
    return isinstance(value, os.PathLike)


def _file_key(path):
    """Identity of a file's contents for caching: (absolute path, size, mtime)."""
    st = os.stat(path)
    return (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


def _stack(songs, n_windows, window_shape):
    """One float32 array of the songs, padded where a song has fewer windows.

    This is where padding is made: every value of a missing window is
    :data:`~skgenre.padding.PAD_VALUE` (NaN), so it has no finite value, the
    rule by which :func:`skgenre.padding.real_windows` (and the model's
    ``WindowMask``) tells it from a real window.
    """
    if n_windows is None:
        n_windows = max((f.shape[0] for f in songs), default=1)
        out = np.full((len(songs), n_windows, *window_shape), PAD_VALUE, np.float32)
    else:
        out = np.empty((len(songs), n_windows, *window_shape), dtype=np.float32)
    for i, feats in enumerate(songs):
        out[i, : feats.shape[0]] = feats
    return out


def warn_failures(errors, n_paths, on_error, stacklevel):
    """One warning for the files that failed; ``errors`` as in ``errors_``.

    ``stacklevel=1`` points the warning at the caller of this function.
    """
    done = "skipped" if on_error == "skip" else "given zero features"
    path, reason = errors[0]
    warnings.warn(
        f"{len(errors)} of {n_paths} audio files could not be read and "
        f"were {done} (see errors_); first: {path!r}: {reason}",
        UserWarning,
        stacklevel=stacklevel + 1,
    )
