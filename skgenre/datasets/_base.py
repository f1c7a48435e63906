"""Loaders: genre-labelled audio files from a folder tree, a CSV or the package.

:func:`load_folder` reads a genre-per-sub-folder tree, :func:`load_csv` a
``path,genre`` table, :func:`load_labelled` either, and
:func:`load_cc_music` the table ``skgenre/data/cc_music.csv`` of the freely
licensed recordings shipped in ``skgenre/data/``. Each returns
``(paths, labels)`` for a pipeline whose first step reads audio from paths.
"""

import csv
from pathlib import Path

import numpy as np

from ..audio import AUDIO_EXTENSIONS

__all__ = ["load_cc_music", "load_csv", "load_folder", "load_labelled"]

_DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# The recordings shipped in skgenre/data/ and their genres, as a path,genre
# table for load_csv; attribution texts are in skgenre/data/licenses/.
_CC_MUSIC_CSV = _DATA_DIR / "cc_music.csv"

_REINSTALL = "Reinstall skgenre with its package data (skgenre/data/)."


def load_folder(root):
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

    Returns
    -------
    paths : ndarray of str objects, shape (n_files,)
        Paths of the audio files, built as ``root / genre / relative path``
        (so absolute only if ``root`` is).
    labels : ndarray of str objects, shape (n_files,)
        Genre (sub-folder name) of each file.

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist.
    NotADirectoryError
        If ``root`` is not a directory.
    ValueError
        If no audio file was found below ``root``.

    Notes
    -----
    A file counts as audio if its extension, compared case-insensitively,
    is in :data:`~skgenre.audio.AUDIO_EXTENSIONS`. Hidden files and folders
    (name starting with ``"."``) are skipped, as are other files. The result
    is sorted by genre and then by path relative to the genre folder, so it
    does not depend on the order in which the file system lists entries.

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

    entries = []
    for genre_dir in root.iterdir():
        if genre_dir.name.startswith(".") or not genre_dir.is_dir():
            continue
        for path in genre_dir.rglob("*"):
            relative = path.relative_to(genre_dir)
            if any(part.startswith(".") for part in relative.parts):
                continue
            if path.suffix.lower() not in AUDIO_EXTENSIONS or not path.is_file():
                continue
            entries.append((genre_dir.name, relative.as_posix(), str(path)))

    if not entries:
        accepted = ", ".join(sorted(AUDIO_EXTENSIONS))
        raise ValueError(
            f"No audio file found in {str(root)!r}. Expected one sub-folder per "
            f"genre holding files with one of the extensions: {accepted} "
            "(case-insensitive)."
        )

    entries.sort(key=lambda entry: (entry[0], entry[1]))
    paths = np.array([entry[2] for entry in entries], dtype=object)
    labels = np.array([entry[0] for entry in entries], dtype=object)
    return paths, labels


def load_csv(path):
    """Read ``(paths, labels)`` from a CSV file with ``path`` and ``genre`` columns.

    Relative paths are taken relative to the CSV file's folder.

    Parameters
    ----------
    path : str or os.PathLike
        CSV file with a header row naming at least ``path`` and ``genre``.

    Returns
    -------
    paths, labels : ndarray of str objects, shape (n_songs,)
        In the order of the file.

    Raises
    ------
    FileNotFoundError
        If the CSV file does not exist.
    ValueError
        If a column is missing or the file lists no song.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CSV file {str(path)!r} does not exist")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"path", "genre"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(
                f"CSV file {str(path)!r} lacks column(s) {sorted(missing)}; "
                "expected a header with 'path' and 'genre'"
            )
        rows = [(row["path"], row["genre"]) for row in reader]
    if not rows:
        raise ValueError(f"CSV file {str(path)!r} lists no song")
    base = path.parent
    return (
        np.array([str(base / p) for p, _ in rows], dtype=object),
        np.array([g for _, g in rows], dtype=object),
    )


def load_labelled(source):
    """``(paths, labels)`` from a genre-per-folder tree or a ``path,genre`` CSV.

    Parameters
    ----------
    source : str or os.PathLike
        A directory (see :func:`load_folder`) or a ``.csv`` file (see
        :func:`load_csv`).

    Returns
    -------
    paths, labels : ndarray of str objects, shape (n_songs,)
    """
    if str(source).lower().endswith(".csv"):
        return load_csv(source)
    return load_folder(source)


def load_cc_music():
    """List the freely licensed recordings shipped with skgenre.

    Five real recordings (22050 Hz mono Ogg Vorbis, 5 s to 133 s) under
    CC BY 3.0 or in the public domain: two classical, two jazz and one
    country. They are listed with their genres in
    ``skgenre/data/cc_music.csv``, a table :func:`load_csv` reads; their
    attribution texts are in ``skgenre/data/licenses/``.

    Returns
    -------
    paths : ndarray of str objects, shape (5,)
        Absolute paths of the recordings, sorted by genre and then file name.
    labels : ndarray of str objects, shape (5,)
        Genre of each recording.

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
    paths, labels = load_csv(_CC_MUSIC_CSV)
    order = sorted(range(len(paths)), key=lambda i: (labels[i], Path(paths[i]).name))
    paths, labels = paths[order], labels[order]
    missing = [path for path in paths if not Path(path).is_file()]
    if missing:
        raise FileNotFoundError(
            f"Shipped recordings not found: {missing}. " + _REINSTALL
        )
    return paths, labels
