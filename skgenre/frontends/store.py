"""Feature stores: window features of many songs in one file on disk.

A store is a directory holding ``features.npy`` (a standard ``.npy`` file,
float32, opened memory-mapped) and ``index.json`` (the paths, the feature
settings, the shape, each song's number of real windows and how many songs
are done).  It is written chunk by chunk, so peak memory does not grow with
the number of songs, and an interrupted run continues after the last
finished chunk.  Any transformer built on
:class:`skgenre.frontends._extraction.Extraction` writes one with its
``transform_to_store`` method.
"""

import json
import os
import warnings
from pathlib import Path

import numpy as np

from ..padding import PAD_VALUE, real_windows
from ._extraction import FAILURES_MESSAGE, warn_failures

__all__ = ["FEATURES_FILE", "INDEX_FILE", "open_store", "write_store"]

FEATURES_FILE = "features.npy"
INDEX_FILE = "index.json"


def open_store(directory):
    """Open a feature store read-only.

    Parameters
    ----------
    directory : str or path-like

    Returns
    -------
    features : numpy.memmap of shape (n_songs, n_windows, ...)
        Read-only.
    index : dict
        The contents of ``index.json``; ``"n_windows"`` lists the real
        (non-NaN) windows of each song.
    """
    directory = Path(directory)
    index = json.loads((directory / INDEX_FILE).read_text())
    return np.load(directory / FEATURES_FILE, mmap_mode="r"), index


def write_store(extraction, paths, directory, chunk_size=256):
    """Write the features of ``paths`` to a store in ``directory``; resumable.

    Parameters
    ----------
    extraction : skgenre.frontends._extraction.Extraction
        What to compute; its ``settings`` must be a NamedTuple of plain values
        (saved in the index).  With ``n_windows=None`` each song's window
        count is taken from ``extraction.front_end.count`` before the file is
        allocated, and songs with fewer windows are padded with NaN.
    paths : list of str
    directory : str or path-like
        Created if needed.  A store of other paths or settings there is
        refused rather than overwritten.
    chunk_size : int, default=256
        Songs per chunk.

    Returns
    -------
    features : numpy.memmap
        The file opened read-only.
    errors : list of (str, str)
        Path and reason of each song that failed.

    Raises
    ------
    ValueError
        With ``on_error="skip"`` (rows must match paths); if ``directory``
        holds a store of other paths or settings; or, on resuming, if a song
        now has more windows than the store was allocated for.
    """
    if extraction.on_error == "skip":
        raise ValueError(
            "transform_to_store needs one row per path: set on_error to "
            f"'raise' or 'zeros' (got on_error={extraction.on_error!r})."
        )
    directory = Path(directory)
    features_path, index_path = directory / FEATURES_FILE, directory / INDEX_FILE
    index = _previous_index(extraction, paths, directory)
    if index is not None:
        store = np.lib.format.open_memmap(features_path, mode="r+")
    else:
        counts = (
            extraction.count_windows(paths)
            if extraction.front_end.n_windows is None
            else [extraction.front_end.n_windows] * len(paths)
        )
        index = {
            "paths": paths,
            "settings": extraction.settings._asdict(),
            # max(..., default=1): transform's shape for no songs.
            "shape": [
                len(paths),
                max(counts, default=1),
                *extraction.front_end.window_shape,
            ],
            "n_windows": counts,
            "done": 0,
        }
        directory.mkdir(parents=True, exist_ok=True)
        store = np.lib.format.open_memmap(
            features_path, mode="w+", dtype=np.float32, shape=tuple(index["shape"])
        )
        # Written before any chunk, so a resumed run reuses the counts.
        _write_index(index_path, index)
    errors = []
    for start in range(index["done"], len(paths), chunk_size):
        stop = min(len(paths), start + chunk_size)
        with warnings.catch_warnings():
            # One warning for the whole store (below), not one per chunk.
            warnings.filterwarnings("ignore", message=FAILURES_MESSAGE)
            chunk, chunk_errors = extraction.run(paths[start:stop])
        errors += chunk_errors
        _write_chunk(store, start, chunk, directory)
        real = real_windows(chunk).sum(axis=1)
        index["n_windows"][start:stop] = [int(n) for n in real]
        index["done"] = stop
        # Written after the data and replaced atomically: an interruption
        # never marks unwritten songs as done.
        _write_index(index_path, index)
    del store
    if errors:
        warn_failures(errors, len(paths), extraction.on_error, stacklevel=3)
    return open_store(directory)[0], errors


def _previous_index(extraction, paths, directory):
    """The index of a store of the same paths and settings, or None if none."""
    features_path, index_path = directory / FEATURES_FILE, directory / INDEX_FILE
    if not (index_path.exists() and features_path.exists()):
        return None
    previous = json.loads(index_path.read_text())
    shape = previous.get("shape") or []
    if (
        previous.get("paths") != paths
        or previous.get("settings") != extraction.settings._asdict()
        or shape[:1] != [len(paths)]
        or shape[2:] != list(extraction.front_end.window_shape)
        or (
            extraction.front_end.n_windows is not None
            and shape[1] != extraction.front_end.n_windows
        )
    ):
        raise ValueError(
            f"{str(directory)!r} holds a feature store of other paths or "
            "settings; use another directory or delete it."
        )
    # Counted when the store was created: not counted again.
    return {
        **previous,
        "n_windows": previous.get("n_windows") or [shape[1]] * len(paths),
    }


def _write_chunk(store, start, chunk, directory):
    stop = start + len(chunk)
    if chunk.shape[1] > store.shape[1]:
        raise ValueError(
            f"songs {start} to {stop - 1} have up to {chunk.shape[1]} "
            f"windows, but the store in {str(directory)!r} was allocated "
            f"for {store.shape[1]}: files changed since it was created; delete "
            "it and start again."
        )
    store[start:stop, : chunk.shape[1]] = chunk
    # A chunk is padded to its own longest song, the store to the longest of
    # all songs.
    store[start:stop, chunk.shape[1] :] = PAD_VALUE
    store.flush()


def _write_index(path, index):
    """Write ``index`` as JSON to ``path`` atomically (via a temporary file)."""
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(index))
    os.replace(tmp, path)
