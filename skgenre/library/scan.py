"""Find a library's audio files and read what each holds now.

:func:`find_audio_files` walks folders (recursively, sorted, symlinked
folders not followed, so a loop cannot trap it); :func:`scan` adds each
file's identity (its resolved target, size, modification time, links) and
its tags: the genres it holds, skgenre's provenance and its album.
"""

import hashlib
import os
import stat
from dataclasses import dataclass, field

from ..audio import AUDIO_EXTENSIONS
from ..datasets._tags import artist_from_tags
from .formats import TagError, UntaggableError, open_tags

__all__ = [
    "LibraryFile",
    "TEMP_SUFFIX",
    "file_sha256",
    "find_audio_files",
    "is_leftover",
    "scan",
]

#: Suffix of the copies a write makes beside a file; only skgenre makes them.
TEMP_SUFFIX = ".skgenre.tmp"


def file_sha256(path):
    """SHA-256 of a file's bytes, read in blocks (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def printable(path):
    """A path as text any terminal or JSON encoder takes: the bytes of a
    name that is not UTF-8 (surrogate escapes in Python) become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def is_leftover(name):
    """Whether a file name is a copy an interrupted write left behind."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def find_audio_files(paths, leftovers=None):
    """Audio files under ``paths``: folders walked, files taken as they are.

    Parameters
    ----------
    paths : iterable of str or path-like
        Folders (walked recursively, in sorted order, not following
        symlinked folders) and files.
    leftovers : list or None
        If a list, the copies an interrupted write left behind are appended
        to it (they are never audio files to tag).

    Returns
    -------
    files : list of str
        Files with an audio extension (:data:`skgenre.audio.AUDIO_EXTENSIONS`),
        each once, in walk order; files named directly are kept whatever
        their extension.

    Raises
    ------
    FileNotFoundError
        If a path does not exist.
    """
    found, seen = [], set()

    def add(path):
        if path not in seen:
            seen.add(path)
            found.append(path)

    for root in paths:
        root = os.fspath(root)
        if os.path.isdir(root):
            for folder, dirs, names in os.walk(root):
                dirs.sort()
                for name in sorted(names):
                    path = os.path.join(folder, name)
                    if is_leftover(name):
                        if leftovers is not None:
                            leftovers.append(path)
                    elif os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS:
                        add(path)
        elif os.path.lexists(root):
            add(root)
        else:
            raise FileNotFoundError(f"no such file or folder: {root!r}")
    return found


@dataclass
class LibraryFile:
    """One audio file of a library, as scanned.

    Attributes
    ----------
    path : str
        As found (a symlink stays its own path).
    target : str
        The file written: ``path`` with symlinks resolved.
    size, mtime_ns, n_links : int
        The target's identity when scanned; a write refuses a file whose
        size or modification time changed since.
    genres : list of str
        The genres it holds now.
    provenance : dict or None
        skgenre's record of what wrote its genres, if any.
    album : tuple of str or None
        ``(artist, album)`` from its tags.
    artist : str or None
        Its album artist (not "Various Artists"), else its artist.
    fields : dict
        Raw values of the genre and provenance fields (what undo restores).
    problem : tuple of (str, str) or None
        ``(action, reason)`` if the file cannot be tagged: ``("skip",
        ...)`` for a format without tags or a file with several hard links,
        ``("error", ...)`` for unreadable tags or a missing file.
    """

    path: str
    target: str
    size: int = 0
    mtime_ns: int = 0
    n_links: int = 1
    genres: list = field(default_factory=list)
    provenance: dict | None = None
    album: tuple | None = None
    artist: str | None = None
    fields: dict = field(default_factory=dict)
    problem: tuple | None = None

    @property
    def display_path(self):
        """The path printable in any terminal, see :func:`printable`."""
        return printable(self.path)


def scan_file(path, separator="; "):
    """A :class:`LibraryFile` of one file; problems are recorded, not raised."""
    path = os.fspath(path)
    target = os.path.realpath(path)
    entry = LibraryFile(path, target)
    try:
        st = os.stat(target)
    except OSError as exc:
        what = "a broken symlink" if os.path.islink(path) else "cannot be read"
        entry.problem = ("error", f"{what}: {exc.strerror or exc}")
        return entry
    entry.size, entry.mtime_ns, entry.n_links = st.st_size, st.st_mtime_ns, st.st_nlink
    if not stat.S_ISREG(st.st_mode):
        entry.problem = ("skip", "not a regular file")
        return entry
    try:
        tags = open_tags(target)
    except UntaggableError as exc:
        entry.problem = ("skip", f"its format holds no tags ({exc.reason})")
        return entry
    except TagError as exc:
        entry.problem = ("error", f"tags cannot be read: {exc.reason}")
        return entry
    entry.genres = tags.genres(separator)
    entry.provenance = tags.provenance()
    entry.album = tags.album()
    entry.artist = artist_from_tags(tags.audio.tags)
    entry.fields = tags.fields()
    if entry.n_links > 1:
        entry.problem = (
            "skip",
            f"has {entry.n_links} hard links: replacing it would split them",
        )
    return entry


def scan(paths, separator="; ", leftovers=None):
    """Scan a library: its audio files, each with what its tags hold.

    Parameters
    ----------
    paths : iterable of str or path-like
        Folders and files, see :func:`find_audio_files`.
    separator : str, default="; "
        Splits ID3v2.3 genre values.
    leftovers : list or None
        See :func:`find_audio_files`.

    Returns
    -------
    files : list of LibraryFile
        One per audio file found.  A symlink and its target (or two links
        to one file) are one file: the later ones get a ``skip`` problem,
        so the target is written once.
    """
    files, owners = [], {}
    for path in find_audio_files(paths, leftovers):
        entry = scan_file(path, separator)
        first = owners.setdefault(entry.target, entry.path)
        if first != entry.path and entry.problem is None:
            entry.problem = ("skip", f"the same file as {first}, written once there")
        files.append(entry)
    return files
