"""Loaders: genre-labelled audio files from a folder tree, a CSV or the package.

:func:`load_folder` reads a genre-per-sub-folder tree, :func:`load_csv` a
``path,genre`` table (or a multi-label ``path,genres`` one, several genres
per song), :func:`load_labelled` either, and :func:`load_cc_music` the table
``skgenre/data/cc_music.csv`` of the freely licensed recordings shipped in
``skgenre/data/``. Each returns ``(paths, labels)`` for a pipeline whose
first step reads audio from paths.
"""

import csv
import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._validation import check_choice
from ..audio import AV_EXTENSIONS, readable_extensions
from ._tags import artist_of, groups_of

__all__ = ["load_cc_music", "load_csv", "load_folder", "load_labelled"]

_DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# The recordings shipped in skgenre/data/ and their genres, as a path,genre
# table for load_csv; attribution texts are in skgenre/data/licenses/.
_CC_MUSIC_CSV = _DATA_DIR / "cc_music.csv"

_REINSTALL = "Reinstall skgenre with its package data (skgenre/data/)."

# Separates the labels of a song in a CSV genre cell: "rock; blues".
_SEPARATOR = ";"


def load_folder(root, *, return_groups=False):
    """List the audio files of a genre folder tree and their labels.

    The tree must hold one sub-folder per genre; the sub-folder's name is
    the label of every audio file below it, at any depth::

        root/
            blues/blues.00000.wav
            rock/live/track1.flac
            rock/track2.mp3

    Parameters
    ----------
    root : str or os.PathLike
        Folder holding one sub-folder per genre. Files directly in ``root``
        are ignored.
    return_groups : bool, default=False
        Also return each song's group for artist-aware cross-validation
        (``StratifiedGroupKFold``, ``cross_val_score(..., groups=groups)``),
        read from the file's own tags (see Notes).

    Returns
    -------
    paths : ndarray of str objects, shape (n_files,)
        Paths of the audio files, built as ``root / genre / relative path``
        (so absolute only if ``root`` is).
    labels : ndarray of str objects, shape (n_files,)
        Genre (sub-folder name) of each file.
    groups : ndarray of str objects, shape (n_files,)
        Only if ``return_groups``: the artist of each file, case-folded, or
        the file's path where no artist is tagged.

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist.
    NotADirectoryError
        If ``root`` is not a directory.
    ValueError
        If no audio file was found below ``root``.

    Warns
    -----
    UserWarning
        Once, naming how many files below the genre folders are not read and
        a few of them: other extensions, or ``.m4a``/``.mp4``/``.wma`` where
        PyAV is not installed (``pip install "skgenre[av]"``).  With
        ``return_groups``, once more if no file has an artist.

    Notes
    -----
    A file counts as audio if its extension, compared case-insensitively,
    is one this installation decodes
    (:func:`~skgenre.audio.readable_extensions`). Hidden files and folders
    (name starting with ``"."``) are skipped silently; every other file is
    counted in the warning. The result is sorted by genre and then by path
    relative to the genre folder, so it does not depend on the order in
    which the file system lists entries.

    Groups come from tags read with mutagen: ID3 (MP3), Vorbis comments
    (FLAC, Ogg), MP4 atoms (``.m4a``), ASF (WMA).  The album artist is
    taken where present (not "Various Artists"), else the artist; file
    names are never guessed from.  A file without an artist, or whose tags
    cannot be read, is its own group, so unknown artists are never merged;
    an untagged tree therefore gives stratified figures, which flatter songs
    by new artists.

    Examples
    --------
    >>> paths, labels = load_folder("data/genres")  # doctest: +SKIP
    >>> labels[:2]  # doctest: +SKIP
    array(['blues', 'blues'], dtype=object)
    """
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"Dataset folder {str(root)!r} does not exist.")
    if not root.is_dir():
        raise NotADirectoryError(
            f"Dataset folder {str(root)!r} is not a directory; expected a "
            "folder with one sub-folder per genre."
        )

    readable = readable_extensions()
    entries, unread = [], []
    for genre_dir in root.iterdir():
        if genre_dir.name.startswith(".") or not genre_dir.is_dir():
            continue
        for path in genre_dir.rglob("*"):
            relative = path.relative_to(genre_dir)
            if any(part.startswith(".") for part in relative.parts):
                continue
            if not path.is_file():
                continue
            if path.suffix.lower() not in readable:
                unread.append(path)
                continue
            entries.append((genre_dir.name, relative.as_posix(), str(path)))
    _warn_unread(root, sorted(unread))

    if not entries:
        accepted = ", ".join(sorted(readable))
        raise ValueError(
            f"No audio file found in {str(root)!r}. Expected one sub-folder per "
            f"genre holding files with one of the extensions: {accepted} "
            "(case-insensitive)."
        )

    entries.sort(key=lambda entry: (entry[0], entry[1]))
    paths = np.array([entry[2] for entry in entries], dtype=object)
    labels = np.array([entry[0] for entry in entries], dtype=object)
    if not return_groups:
        return paths, labels
    artists = [artist_of(path) for path in paths]
    return paths, labels, groups_of(list(paths), artists, source="tags")


def _warn_unread(root, unread, shown=5):
    """One warning naming how many files of a tree are not read, and why."""
    if not unread:
        return
    counts = Counter(path.suffix.lower() or "(none)" for path in unread)
    kinds = ", ".join(f"{ext}: {n}" for ext, n in counts.most_common())
    names = ", ".join(repr(str(path.relative_to(root))) for path in unread[:shown])
    more = f" and {len(unread) - shown} more" if len(unread) > shown else ""
    message = (
        f"{len(unread)} file(s) below {str(root)!r} are not read as audio "
        f"({kinds}): {names}{more}."
    )
    if any(path.suffix.lower() in AV_EXTENSIONS for path in unread):
        message += (
            ' Decoding .m4a, .mp4 and .wma needs PyAV: pip install "skgenre[av]".'
        )
    warnings.warn(message, UserWarning, stacklevel=3)


def load_csv(path, *, return_groups=False, on_error="skip"):
    r"""Read ``(paths, labels)`` from a CSV file with ``path`` and genre columns.

    Relative paths are taken relative to the CSV file's folder. A song has
    one genre (a ``genre`` column) or several (multi-label): a ``genres``
    column, instead of or beside ``genre``, whose cells hold labels
    separated by ``";"``, or the same path on several rows, whose labels
    are merged.

    Parameters
    ----------
    path : str or os.PathLike
        CSV file with a header row naming at least ``path`` and ``genre``
        or ``genres``; optional ``artist`` and ``album`` columns give
        groups.
    return_groups : bool, default=False
        Also return each song's group for artist-aware cross-validation:
        its ``artist`` cell, else its ``album`` cell, else the song alone.
    on_error : {"skip", "raise"}, default="skip"
        What to do with a row whose genre cells are empty (or hold only
        ``";"`` and spaces): ``"skip"`` leaves it out, with one warning
        naming such rows; ``"raise"`` raises a ``ValueError`` naming the
        first one.

    Returns
    -------
    paths : ndarray of str objects, shape (n_songs,)
        In the order of the file; a path on several rows is one song, at
        the place of its first row.
    labels : ndarray of objects, shape (n_songs,)
        Single-label table: each song's ``genre`` cell, a str, exactly as
        written. Multi-label table (a ``genres`` column, a path on several
        rows, or a genre cell holding ``";"``): each song's labels, a list
        of str, stripped of surrounding spaces, without duplicates, in the
        order of first appearance (``genre`` before ``genres``, then row
        by row), ready for
        :class:`~sklearn.preprocessing.MultiLabelBinarizer`.
    groups : ndarray of str objects, shape (n_songs,)
        Only if ``return_groups``: the artist (or album) of each song,
        case-folded, or the song's path where both cells are empty or the
        columns absent, so unknown artists are never merged. For a path on
        several rows, its first non-empty artist (else album) cell.

    Raises
    ------
    FileNotFoundError
        If the CSV file does not exist.
    ValueError
        If a column is missing, the file lists no song with a genre,
        ``on_error`` is neither ``"skip"`` nor ``"raise"``, or, with
        ``on_error="raise"``, a row has no genre.

    Warns
    -----
    UserWarning
        Once, naming the line numbers (the header is line 1) of the rows
        skipped for an empty genre cell. With ``return_groups``, once if no
        song has an artist or album.

    Notes
    -----
    Paths are compared once resolved (relative to the CSV's folder,
    symbolic links and ``..`` followed), so ``a.wav`` and ``./sub/../a.wav``
    are one song; the path returned is the one of its first row.

    Examples
    --------
    A table of two songs, the first of two genres, binarised for a
    multi-label estimator:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.preprocessing import MultiLabelBinarizer
    >>> from skgenre.datasets import load_csv
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     table = Path(folder, "songs.csv")
    ...     _ = table.write_text("path,genres\none.wav,rock; blues\ntwo.wav,jazz\n")
    ...     paths, labels = load_csv(table)
    >>> labels.tolist()
    [['rock', 'blues'], ['jazz']]
    >>> binarizer = MultiLabelBinarizer()
    >>> binarizer.fit_transform(labels)
    array([[1, 0, 1],
           [0, 1, 0]])
    >>> binarizer.classes_
    array(['blues', 'jazz', 'rock'], dtype=object)

    The same table as repeated rows, ``one.wav,rock`` then
    ``one.wav,blues``, reads the same.
    """
    check_choice("load_csv", "on_error", on_error, ("skip", "raise"))
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CSV file {str(path)!r} does not exist")
    with open(path, newline="", encoding="utf-8-sig") as f:  # Excel writes a BOM
        header, rows = _read_table(f)
    columns = set(header)
    missing = {"path", "genre"} - columns
    if "genres" in columns:
        missing.discard("genre")
    if missing:
        raise ValueError(
            f"CSV file {str(path)!r} lacks column(s) {sorted(missing)}; expected "
            "a header with 'path' and 'genre' or 'genres' (labels separated "
            "by ';')"
        )
    multi = "genres" in columns
    songs, empty = {}, []  # songs: resolved path -> _Song, in insertion order
    for line, row in rows:
        cells = [row.get(column) or "" for column in ("genre", "genres")]
        pieces = [_split_genres(cell) for cell in cells]
        if not any(pieces):
            if on_error == "raise":
                raise ValueError(
                    f"CSV file {str(path)!r}: the row on line {line} (path "
                    f"{row.get('path')!r}) has no genre; fill its genre cell, or "
                    "pass on_error='skip' to leave such rows out"
                )
            empty.append(line)
            continue
        multi = multi or any(_SEPARATOR in cell for cell in cells)
        song_path = str(path.parent / (row.get("path") or ""))
        key = os.path.normcase(str(Path(song_path).resolve()))
        song = songs.get(key)
        if song is None:
            song = songs[key] = _Song(song_path, cells[0])
        else:
            multi = True  # a path on several rows
        for label in (label for labels in pieces for label in labels):
            if label not in song.labels:
                song.labels.append(label)
        song.artist = song.artist or _cell(row, "artist")
        song.album = song.album or _cell(row, "album")
    if not songs:
        raise ValueError(
            f"CSV file {str(path)!r} lists no song"
            + (f" with a genre ({_lines(empty)} have none)" if empty else "")
        )
    if empty:
        warnings.warn(
            f"CSV file {str(path)!r}: skipped {len(empty)} row(s) with no genre, "
            f"{_lines(empty)}; pass on_error='raise' to stop at them instead.",
            UserWarning,
            stacklevel=2,
        )
    songs = list(songs.values())
    paths = np.array([song.path for song in songs], dtype=object)
    labels = np.empty(len(songs), dtype=object)
    for index, song in enumerate(songs):
        # Item by item: lists of one length would make np.array 2-D.
        labels[index] = list(song.labels) if multi else song.genre
    if not return_groups:
        return paths, labels
    artists = [song.artist or song.album for song in songs]
    return paths, labels, groups_of(list(paths), artists, source="artist column")


@dataclass
class _Song:
    """One song of a CSV table, merged over the rows that list its path."""

    path: str
    genre: str  # its ``genre`` cell, the label of a single-label table
    labels: list = field(default_factory=list)
    artist: str | None = None
    album: str | None = None


def _read_table(f):
    """A CSV file's header and its rows, each as ``(line, {column: cell})``.

    ``line`` is the 1-based line on which the row starts (the header's
    first line is 1), counting quoted line breaks. Blank lines are no
    rows, as for :class:`csv.DictReader`; a short row lacks the missing
    columns' keys.
    """
    reader = csv.reader(f)
    header = next(reader, None) or []
    rows = []
    start = reader.line_num + 1
    for cells in reader:
        if cells:
            rows.append((start, dict(zip(header, cells, strict=False))))
        start = reader.line_num + 1
    return header, rows


def _split_genres(cell):
    """A genre cell's labels: split at ";", stripped, non-empty, unique."""
    labels = []
    for piece in cell.split(_SEPARATOR):
        label = piece.strip()
        if label and label not in labels:
            labels.append(label)
    return labels


def _lines(lines, shown=5):
    """``"lines 3, 5 and 2 more"``: the first few line numbers and a count."""
    word = "line" if len(lines) == 1 else "lines"
    more = f" and {len(lines) - shown} more" if len(lines) > shown else ""
    return f"{word} {', '.join(map(str, lines[:shown]))}{more}"


def _cell(row, column):
    """A CSV cell's text, or None if the column is absent or the cell empty."""
    text = " ".join((row.get(column) or "").split())
    return text or None


def load_labelled(source, *, return_groups=False):
    """``(paths, labels)`` from a genre-per-folder tree or a CSV table.

    Parameters
    ----------
    source : str or os.PathLike
        A directory (see :func:`load_folder`) or a ``.csv`` file (see
        :func:`load_csv`, whose rows with no genre are skipped with a
        warning).
    return_groups : bool, default=False
        Also return each song's artist group (from tags, or the CSV's
        ``artist`` column).

    Returns
    -------
    paths : ndarray of str objects, shape (n_songs,)
    labels : ndarray of objects, shape (n_songs,)
        One genre (str) per song; for a multi-label CSV table (see
        :func:`load_csv`), a list of str per song. A folder tree is always
        single-label.
    groups : ndarray of str objects, shape (n_songs,)
        Only if ``return_groups``.
    """
    if str(source).lower().endswith(".csv"):
        return load_csv(source, return_groups=return_groups)
    return load_folder(source, return_groups=return_groups)


def load_cc_music(*, return_groups=False):
    """List the freely licensed recordings shipped with skgenre.

    Five real recordings (22050 Hz mono Ogg Vorbis, 5 s to 133 s) under
    CC BY 3.0 or in the public domain: two classical, two jazz and one
    country. They are listed with their genres in
    ``skgenre/data/cc_music.csv``, a table :func:`load_csv` reads; their
    attribution texts are in ``skgenre/data/licenses/``.

    Parameters
    ----------
    return_groups : bool, default=False
        Also return each recording's artist (the table's ``artist`` column,
        case-folded): Kevin MacLeod plays one jazz and one classical piece.

    Returns
    -------
    paths : ndarray of str objects, shape (5,)
        Absolute paths of the recordings, sorted by genre and then file name.
    labels : ndarray of str objects, shape (5,)
        Genre of each recording.
    groups : ndarray of str objects, shape (5,)
        Only if ``return_groups``.

    Raises
    ------
    FileNotFoundError
        If the table or a recording is missing (e.g. the package was
        installed without its data files).

    Examples
    --------
    >>> from skgenre.datasets import load_cc_music
    >>> paths, labels = load_cc_music()
    >>> labels.tolist()
    ['classical', 'classical', 'country', 'jazz', 'jazz']
    """
    if not _CC_MUSIC_CSV.is_file():
        raise FileNotFoundError(
            f"Table of shipped recordings {str(_CC_MUSIC_CSV)!r} not found. "
            + _REINSTALL
        )
    paths, labels, groups = load_csv(_CC_MUSIC_CSV, return_groups=True)
    order = sorted(range(len(paths)), key=lambda i: (labels[i], Path(paths[i]).name))
    paths, labels, groups = paths[order], labels[order], groups[order]
    missing = [path for path in paths if not Path(path).is_file()]
    if missing:
        raise FileNotFoundError(
            f"Shipped recordings not found: {missing}. " + _REINSTALL
        )
    return (paths, labels, groups) if return_groups else (paths, labels)
