"""GTZAN: the clips of a local copy, and the shipped fault-filtered split.

:func:`load_gtzan` lists the clips of a GTZAN copy on disk (the original
tarball's ``genres/<genre>/<genre>.000NN.au`` or the Kaggle copy's
``genres_original/<genre>/<genre>.000NN.wav``), either those of one subset
of the artist-disjoint fault-filtered split of Kereliuk, Sturm & Larsen
(2015), whose lists ship in ``skgenre/data/gtzan/``, or all of them.
:func:`gtzan_split` reads those lists.  No GTZAN audio is shipped.
"""

import re
import warnings
from pathlib import Path

import numpy as np

from .._validation import check_choice
from ..audio import AUDIO_EXTENSIONS, AV_EXTENSIONS, readable_extensions

__all__ = ["GTZAN_GENRES", "gtzan_split", "load_gtzan"]

#: The ten GTZAN genres: the names of its genre folders, in alphabetical order.
GTZAN_GENRES = (
    "blues",
    "classical",
    "country",
    "disco",
    "hiphop",
    "jazz",
    "metal",
    "pop",
    "reggae",
    "rock",
)

_SUBSETS = ("train", "valid", "test", "all")
_SPLITS = ("fault-filtered", None)
_MISSING = ("raise", "skip")
#: Folders of a GTZAN copy that hold the genre folders, in order of preference:
#: the original tarball's and the Kaggle copy's.
_LAYOUTS = ("genres", "genres_original")
#: How many missing clips an error message names.
_N_NAMED = 5

_SPLIT_DIR = Path(__file__).resolve().parent.parent / "data" / "gtzan"
_REINSTALL = "Reinstall skgenre with its package data (skgenre/data/gtzan/)."


def gtzan_split(subset="all"):
    """The clips of one subset of GTZAN's fault-filtered split, as listed.

    Reads the lists shipped in ``skgenre/data/gtzan/`` (see
    :func:`load_gtzan` for what the split is).

    Parameters
    ----------
    subset : {"train", "valid", "test", "all"}, default="all"
        The subset; ``"all"`` is train, valid and test, in that order.

    Returns
    -------
    names : list of str
        Relative names of the clips in the list's order, as the lists write
        them: ``"<genre>/<genre>.000NN.wav"``.  443 for ``"train"``, 197 for
        ``"valid"``, 290 for ``"test"`` and 930 for ``"all"``.

    Raises
    ------
    ValueError
        If ``subset`` is not one of the above.
    FileNotFoundError
        If a shipped list is missing (package installed without its data).

    Examples
    --------
    >>> from skgenre.datasets import gtzan_split
    >>> names = gtzan_split("test")
    >>> len(names), names[0]
    (290, 'blues/blues.00012.wav')
    """
    check_choice("gtzan_split", "subset", subset, _SUBSETS)
    subsets = _SUBSETS[:3] if subset == "all" else (subset,)
    names = []
    for name in subsets:
        path = _SPLIT_DIR / f"{name}_filtered.txt"
        if not path.is_file():
            raise FileNotFoundError(
                f"GTZAN split list {str(path)!r} not found. {_REINSTALL}"
            )
        with open(path, encoding="utf-8") as f:
            names.extend(line.strip() for line in f if line.strip())
    return names


def load_gtzan(root, subset="all", split="fault-filtered", *, missing="raise"):
    """List the clips of a local GTZAN copy and their genres.

    Either the clips of one subset of the fault-filtered split (the field's
    standard artist-disjoint split, lists shipped with skgenre), or every
    clip found on disk.

    Parameters
    ----------
    root : str or os.PathLike
        The folder that holds the ten genre folders (``blues/`` ...
        ``rock/``), or its parent, which holds ``genres/`` (the original
        tarball, ``.au`` files) or ``genres_original/`` (the Kaggle copy,
        ``.wav`` files); ``genres/`` is taken if both are there.
    subset : {"train", "valid", "test", "all"}, default="all"
        Subset of the split.  With ``split="fault-filtered"``, ``"all"`` is
        the 930 listed clips, train then valid then test.
    split : {"fault-filtered", None}, default="fault-filtered"
        ``"fault-filtered"``: the clips of the shipped lists (see Notes).
        ``None``: every ``<genre>.000NN`` clip of the ten genres found on
        disk (up to 1000), only with ``subset="all"``.
    missing : {"raise", "skip"}, default="raise"
        What to do if listed clips are not found under ``root``: raise, or
        warn once with their number and return the others.

    Returns
    -------
    paths : ndarray of str objects, shape (n_clips,)
        Paths of the clips, built as ``genre folder / file name`` (so
        absolute only if ``root`` is).  In the list's order; with
        ``split=None``, by genre and then clip number.
    genres : ndarray of str objects, shape (n_clips,)
        Genre (genre folder name) of each clip.

    Raises
    ------
    ValueError
        If ``subset``, ``split`` or ``missing`` is not accepted, or a subset
        other than ``"all"`` is asked for with ``split=None``.
    FileNotFoundError
        If ``root`` does not exist or holds no GTZAN genre folder in either
        layout; if listed clips are missing (with ``missing="raise"``); if
        no clip at all is found.
    NotADirectoryError
        If ``root`` is not a directory.

    Notes
    -----
    The fault-filtered split is that of C. Kereliuk, B. L. Sturm and J.
    Larsen, "Deep learning and music adversaries", IEEE Transactions on
    Multimedia 17(11), 2015: 443 train, 197 valid and 290 test clips, with
    no artist on two sides of the split.  70 of GTZAN's 1000 clips are left
    out as faulty (repeats, distortions, mislabels).  Random or stratified
    splits of GTZAN put clips of one artist, often consecutive numbers, on
    both sides and overstate accuracy on new artists.  skgenre ships the
    lists (``skgenre/data/gtzan/``, from
    ``jordipons/sklearn-audio-transfer-learning``), not the audio: GTZAN has
    no licence, get it yourself.

    Clips are matched by name without extension, so a listed
    ``blues/blues.00029.wav`` finds ``blues.00029.au``, ``.wav``, or a
    converted ``.flac``/``.mp3``: any extension this installation decodes
    (:func:`~skgenre.audio.readable_extensions`), compared
    case-insensitively.  A clip there only as ``.m4a``/``.mp4``/``.wma``
    without PyAV counts as missing, and the message says so.
    If several files share a name, the one with the listed extension is
    taken, else the first by file name.  Only files directly in a genre
    folder count; hidden files are skipped.  The listing checks that files
    exist, not that they decode: the Kaggle copy's ``jazz.00054.wav`` (in
    the train list) is damaged.

    Examples
    --------
    >>> from skgenre.datasets import load_gtzan
    >>> X_train, y_train = load_gtzan("data/GTZAN", "train")  # doctest: +SKIP
    >>> X_test, y_test = load_gtzan("data/GTZAN", "test")  # doctest: +SKIP
    >>> len(X_train), len(X_test)  # doctest: +SKIP
    (443, 290)
    >>> y_test[0], X_test[0]  # doctest: +SKIP
    ('blues', 'data/GTZAN/genres/blues/blues.00012.au')
    """
    check_choice("load_gtzan", "subset", subset, _SUBSETS)
    check_choice("load_gtzan", "split", split, _SPLITS)
    check_choice("load_gtzan", "missing", missing, _MISSING)
    if split is None and subset != "all":
        raise ValueError(
            f"load_gtzan: subset={subset!r} needs a split; with split=None "
            "every clip on disk is listed, so only subset='all' is accepted. "
            "Pass split='fault-filtered' for its train, valid and test subsets."
        )

    genre_root = _genre_root(root)
    readable = readable_extensions()
    clips = {genre: _index(genre_root / genre, readable) for genre in GTZAN_GENRES}

    if split is None:
        pattern = {g: re.compile(rf"{re.escape(g)}\.\d{{5}}") for g in GTZAN_GENRES}
        entries = [
            (str(_pick(files, None)), genre)
            for genre in GTZAN_GENRES
            for stem, files in sorted(_readable(clips[genre]).items())
            if pattern[genre].fullmatch(stem)
        ]
        if not entries:
            raise FileNotFoundError(
                f"load_gtzan: no GTZAN clip ('<genre>.000NN' audio file) found in "
                f"the genre folders of {str(genre_root)!r}."
            )
        return _arrays(entries)

    names = gtzan_split(subset)
    entries, absent, undecodable = [], [], 0
    for name in names:
        genre, file_name = name.split("/")
        stem, _, extension = file_name.rpartition(".")
        files = clips[genre].get(stem)
        if files:
            entries.append((str(_pick(files, "." + extension)), genre))
        else:
            absent.append(f"{genre}/{stem}")
            undecodable += (stem,) in clips[genre]

    where = f"{len(names)} listed clips of the fault-filtered {subset!r} subset"
    needs_av = (
        f" {undecodable} of them are there only as "
        f"{'/'.join(sorted(AV_EXTENSIONS))}, which needs PyAV: "
        'pip install "skgenre[av]".'
        if undecodable
        else ""
    )
    if absent and (missing == "raise" or not entries):
        shown = ", ".join(absent[:_N_NAMED])
        more = f" and {len(absent) - _N_NAMED} more" if len(absent) > _N_NAMED else ""
        hint = (
            " Pass missing='skip' to load the others."
            if missing == "raise" and entries
            else ""
        )
        raise FileNotFoundError(
            f"load_gtzan: {len(absent)} of the {where} not found in "
            f"{str(genre_root)!r} (any audio extension): {shown}{more}."
            f"{needs_av}{hint}"
        )
    if absent:
        warnings.warn(
            f"load_gtzan: {len(absent)} of the {where} not found in "
            f"{str(genre_root)!r}; returning the other {len(entries)}.{needs_av}",
            UserWarning,
            stacklevel=2,
        )
    return _arrays(entries)


def _genre_root(root):
    """The folder of ``root`` (itself or a layout folder) that holds genre folders."""
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"load_gtzan: folder {str(root)!r} does not exist.")
    if not root.is_dir():
        raise NotADirectoryError(f"load_gtzan: {str(root)!r} is not a directory.")
    for candidate in (root, *(root / layout for layout in _LAYOUTS)):
        if any((candidate / genre).is_dir() for genre in GTZAN_GENRES):
            return candidate
    raise FileNotFoundError(
        f"load_gtzan: no GTZAN genre folder found in {str(root)!r}. Expected it "
        f"to hold the genre folders ({', '.join(GTZAN_GENRES)}), or to hold "
        "genres/ (the original tarball: genres/<genre>/<genre>.000NN.au) or "
        "genres_original/ (the Kaggle copy: "
        "genres_original/<genre>/<genre>.000NN.wav) that holds them."
    )


def _index(genre_dir, readable):
    """{name without extension: [audio files of that name]} of one genre folder.

    Files of :data:`~skgenre.audio.AUDIO_EXTENSIONS` that this installation
    cannot decode (not in ``readable``) are indexed under ``(name,)``, only
    to explain why a clip is missing.
    """
    index = {}
    if not genre_dir.is_dir():
        return index
    for path in sorted(genre_dir.iterdir()):
        suffix = path.suffix.lower()
        if path.name.startswith(".") or suffix not in AUDIO_EXTENSIONS:
            continue
        if path.is_file():
            key = path.stem if suffix in readable else (path.stem,)
            index.setdefault(key, []).append(path)
    return index


def _pick(files, extension):
    """The file with ``extension`` (case-insensitive), else the first by name."""
    if extension is not None:
        for path in files:
            if path.suffix.lower() == extension.lower():
                return path
    return files[0]


def _readable(index):
    """The entries of an :func:`_index` whose files this installation decodes."""
    return {stem: files for stem, files in index.items() if isinstance(stem, str)}


def _arrays(entries):
    paths = np.array([path for path, _ in entries], dtype=object)
    genres = np.array([genre for _, genre in entries], dtype=object)
    return paths, genres
