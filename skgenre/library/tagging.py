"""A library tagged in one call: scan, predict what is needed, plan, write."""

import numpy as np

from .apply import apply_plan, remove_leftovers
from .plan import needs_prediction, plan
from .scan import scan

__all__ = ["tag_library"]


def _to_predict(files, mode, by):
    """Indices of the files whose plan needs the model: with ``by="album"``
    also their album's other tracks, whose votes count."""
    chosen = {i for i, f in enumerate(files) if needs_prediction(f, mode)}
    if by == "album":
        albums = {files[i].album for i in chosen if files[i].album is not None}
        chosen |= {
            i
            for i, f in enumerate(files)
            if f.problem is None and f.album is not None and f.album in albums
        }
    return sorted(chosen)


def tag_library(
    paths,
    model,
    *,
    mode="fill",
    min_confidence=0.5,
    max_genres=None,
    by="song",
    separator="; ",
    write=False,
    journal=None,
    preserve_mtime=False,
    progress=True,
    chunk_size=32,
    genre_names=None,
):
    """Plan (and with ``write``, apply) the genres of a library's files.

    Parameters
    ----------
    paths : list of str or path-like
        Folders (walked recursively) and files.
    model : GenreModel
        :func:`skgenre.library.load_genre_model`.
    mode, min_confidence, max_genres, by
        See :func:`skgenre.library.plan.plan`.
    separator : str, default="; "
        Splits and joins genres in ID3v2.3 tags, which hold one value.
    write : bool, default=False
        False: a dry run, which changes nothing under ``paths``.
    journal : str, Journal or None
        Where a write journals (required with ``write``).
    preserve_mtime : bool, default=False
    progress : bool, default=True
        One progress bar over the songs predicted, one over those written.
    chunk_size : int, default=32
        Songs whose features are in memory at once.
    genre_names : dict, str or path-like, or None, default=None
        The vocabulary written: the model's genre names renamed by a
        ``{from: to}`` dict or a ``from,to`` CSV file (compared without case
        or extra spacing), an empty ``to`` never written; as
        :func:`skgenre.datasets.load_library`'s ``aliases``.

    Returns
    -------
    entries : list of PlanEntry
        One per audio file found, with what was (or would be) done.
    leftovers : list of str
        Copies an interrupted write had left: removed if ``write``.
    """
    names = list(model.names)  # as written: read before any long work
    if genre_names is not None:
        from ..datasets._library import read_aliases
        from ..datasets._tags import group_key

        table = read_aliases(genre_names)
        names = [table.get(group_key(name), name) for name in names]
    leftovers = []
    files = scan(paths, separator, leftovers)
    todo = _to_predict(files, mode, by)
    proba = np.full((len(files), len(model.names)), np.nan)
    errors = {}
    if todo:
        proba[todo], errors = model.predict_proba(
            [files[i].path for i in todo], chunk_size=chunk_size, progress=progress
        )
    entries = plan(
        files,
        proba,
        names,
        errors=errors,
        model=model.identity,
        mode=mode,
        min_confidence=min_confidence,
        max_genres=max_genres,
        by=by,
        multilabel=model.multilabel,
        threshold=model.threshold,
        settings=model.settings,
    )
    if write:
        if journal is None:
            raise ValueError("writing needs a journal (a path), to be undone")
        remove_leftovers(leftovers)
        apply_plan(
            entries,
            journal,
            separator=separator,
            preserve_mtime=preserve_mtime,
            progress=progress,
        )
    return entries, leftovers
