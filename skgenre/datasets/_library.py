"""A music library's own genres, from its tags: the labels to learn from.

:func:`load_library` reads every audio file's genres with the per-format
table of :mod:`skgenre.library.formats` (the one ``skgenre library`` writes
through), makes them canonical and returns what scikit-learn expects: paths,
label lists (for :class:`~sklearn.preprocessing.MultiLabelBinarizer`) and
artist groups (for :class:`~sklearn.model_selection.StratifiedGroupKFold`),
with the untagged songs apart.
"""

import csv
import re
import warnings
from collections import Counter

import numpy as np
from sklearn.utils import Bunch

from ._tags import group_key

__all__ = ["SEPARATORS", "load_library"]

#: Where a genre value is split into several by default.
SEPARATORS = (";", "/", ",", "|")


def read_aliases(aliases):
    """``{folded name: name}`` from a dict or a ``from,to`` CSV file (a
    ``from,to`` header optional); shared with ``skgenre library
    --genre-names``.

    Raises
    ------
    ValueError
        If a row of the file does not have two columns.
    """
    if aliases is None:
        return {}
    if isinstance(aliases, dict):
        pairs = aliases.items()
    else:
        with open(aliases, newline="", encoding="utf-8-sig") as f:
            rows = [row for row in csv.reader(f) if row and any(c.strip() for c in row)]
        if rows and [c.strip().lower() for c in rows[0][:2]] == ["from", "to"]:
            rows = rows[1:]
        bad = [k for k, row in enumerate(rows, 1) if len(row) != 2]
        if bad:
            raise ValueError(
                f"{aliases!r}: an alias table has two columns, from,to; rows "
                f"{', '.join(map(str, bad[:5]))} do not"
            )
        pairs = rows
    return {group_key(a): " ".join(str(b).split()) for a, b in pairs}


def _split(values, separators):
    """Each value split at every separator, stripped, empty parts dropped."""
    if separators:
        pattern = "|".join(re.escape(s) for s in separators)
        values = [part for value in values for part in re.split(pattern, value)]
    return [" ".join(v.split()) for v in values if v.strip()]


def load_library(
    paths,
    *,
    separators=SEPARATORS,
    aliases=None,
    min_songs=5,
    return_X_y=False,
):
    """The genres a library's owner gave its songs, from their tags.

    Parameters
    ----------
    paths : str, path-like or list of them
        Folders (walked recursively, as ``skgenre library`` walks them) and
        files.
    separators : sequence of str, default=(";", "/", ",", "|")
        A genre value is split at each, so ``"Rock; Pop"`` is two genres.
        Leave "/" out to keep ``"R&B/Soul"`` one name.  Several values of a
        multi-valued field (ID3v2.4, Vorbis comments, MP4, ASF) are always
        several genres.
    aliases : dict, str or path-like, or None, default=None
        Names made one: a ``{from: to}`` dict, or a CSV file of ``from,to``
        rows (a ``from,to`` header is optional), compared without case or
        extra spacing.  An empty ``to`` drops the genre.
    min_songs : int, default=5
        Genres of fewer songs are dropped (too few to learn), with a
        warning that names them; a song left with no genre is not used.
    return_X_y : bool, default=False
        Return ``(paths, genres, groups)`` of the tagged songs only.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``paths`` (list of str): the tagged songs; ``genres`` (list of list
        of str): each song's canonical genres; ``groups`` (ndarray of
        object): each song's artist, or its path where unknown;
        ``genre_names`` (list of str): the genres kept, sorted;
        ``untagged`` (list of str): songs with no genre of their own (none,
        unreadable tags, or only genres skgenre wrote); ``dropped`` (dict):
        the genres dropped, with their number of songs.
    (paths, genres, groups) : tuple
        If ``return_X_y``.

    Warns
    -----
    UserWarning
        If genres are dropped (fewer than ``min_songs`` songs).

    Notes
    -----
    Case and spacing do not make two genres: "hip hop", "Hip Hop" and
    "HIP  HOP" are one, named by its most frequent spelling.  Genres that
    skgenre wrote and nobody changed since (its provenance field says so)
    are not the owner's: such songs are untagged.

    Examples
    --------
    >>> from sklearn.preprocessing import MultiLabelBinarizer
    >>> from sklearn.model_selection import StratifiedGroupKFold
    >>> data = load_library("Music")  # doctest: +SKIP
    >>> Y = MultiLabelBinarizer().fit_transform(data.genres)  # doctest: +SKIP
    """
    from ..library.plan import needs_prediction
    from ..library.scan import scan

    roots = [paths] if isinstance(paths, str) or hasattr(paths, "__fspath__") else paths
    alias = read_aliases(aliases)
    tagged, untagged, spellings = [], [], Counter()
    for file in scan(roots, separator=None):
        if file.problem is not None and file.problem[0] == "skip":
            if file.problem[1].startswith("the same file as"):
                continue  # a second path to a file already read
        if needs_prediction(file, "fill") or (file.problem and not file.genres):
            untagged.append(file.path)  # no genre of its own
            continue
        genres = []
        for name in _split(file.genres, separators):
            name = alias.get(group_key(name), name)
            if name and group_key(name) not in {group_key(g) for g in genres}:
                genres.append(name)
                spellings[name] += 1
        if not genres:
            untagged.append(file.path)
            continue
        tagged.append((file, genres))

    canonical = {}  # folded -> the most frequent spelling (first seen on ties)
    for name, _ in spellings.most_common():
        canonical.setdefault(group_key(name), name)
    songs = Counter(group_key(g) for _, genres in tagged for g in genres)
    dropped = {canonical[k]: n for k, n in songs.items() if n < min_songs}
    kept = sorted(canonical[k] for k, n in songs.items() if n >= min_songs)

    out_paths, out_genres, artists = [], [], []
    n_left = 0
    for file, genres in tagged:
        names = [canonical[group_key(g)] for g in genres]
        names = [g for g in names if g not in dropped]
        if not names:
            n_left += 1
            continue
        out_paths.append(file.path)
        out_genres.append(names)
        artists.append(file.artist)
    if dropped:
        listed = ", ".join(f"{g} ({n})" for g, n in sorted(dropped.items()))
        warnings.warn(
            f"{len(dropped)} genres of fewer than {min_songs} songs are dropped: "
            f"{listed}"
            + (f"; {n_left} songs left with no genre are not used" if n_left else ""),
            UserWarning,
            stacklevel=2,
        )
    groups = np.array(
        [
            group_key(a) if a is not None else path
            for path, a in zip(out_paths, artists, strict=True)
        ],
        dtype=object,
    )
    if return_X_y:
        return out_paths, out_genres, groups
    return Bunch(
        paths=out_paths,
        genres=out_genres,
        groups=groups,
        genre_names=kept,
        untagged=untagged,
        dropped=dropped,
    )
