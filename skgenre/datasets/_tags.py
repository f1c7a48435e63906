"""Artists from audio files' own tags: the groups of artist-aware evaluation.

Tags are read with :mod:`mutagen`, the well-kept tag library: ID3 frames
(MP3, and WAV or AIFF files with an ID3 chunk), Vorbis comments (FLAC, Ogg
Vorbis, Opus), MP4 atoms (AAC and ALAC ``.m4a``/``.mp4``), ASF attributes
(WMA) and APEv2.  Only tags are read, never file names: a file name says
nothing reliable about who plays.
"""

import warnings

__all__ = ["artist_from_tags", "artist_of", "group_key", "groups_of"]

# Lower-cased tag keys, by tag format: the album artist first (one group per
# album's artist), then the track's artist.
_ALBUM_ARTIST_KEYS = (
    "tpe2",
    "albumartist",
    "album artist",
    "album_artist",
    "aart",
    "wm/albumartist",
)
_ARTIST_KEYS = ("tpe1", "artist", "\xa9art", "author")
# An album artist that names no one: a compilation's tracks keep their own.
_NOT_AN_ARTIST = frozenset({"various artists", "various", "va", "unknown artist"})


def group_key(name):
    """The group of an artist's name: case and spacing do not make two artists.

    Parameters
    ----------
    name : str

    Returns
    -------
    key : str
        ``name`` case-folded, with runs of white space made one space.
    """
    return " ".join(str(name).split()).casefold()


def _text(value):
    """The first non-empty text of a tag value (a frame, a list, a str)."""
    value = getattr(value, "text", value)  # an ID3 frame holds its texts
    values = value if isinstance(value, list | tuple) else [value]
    for item in values:
        text = " ".join(str(item).split())
        if text:
            return text
    return None


def artist_of(path):
    """The artist named by a file's tags, or None.

    The album artist where present (unless it is "Various Artists" or
    another name for nobody), else the track's artist.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    artist : str or None
        None if the file has no such tag or its tags cannot be read: a
        damaged file still loads, as its own group.
    """
    import mutagen

    try:
        audio = mutagen.File(path)
    except Exception:  # noqa: BLE001 - any unreadable file is simply untagged
        return None
    return artist_from_tags(getattr(audio, "tags", None))


def artist_from_tags(tags):
    """The artist named by mutagen tags (see :func:`artist_of`), or None.

    Parameters
    ----------
    tags : mutagen tags (ID3, Vorbis comments, MP4, ASF...) or None

    Returns
    -------
    artist : str or None
    """
    if not tags:
        return None
    try:
        found = {str(key).lower(): tags[key] for key in tags.keys()}
    except Exception:  # noqa: BLE001
        return None
    for keys in (_ALBUM_ARTIST_KEYS, _ARTIST_KEYS):
        for key in keys:
            text = _text(found[key]) if key in found else None
            if text and group_key(text) not in _NOT_AN_ARTIST:
                return text
    return None


def groups_of(paths, artists, *, source):
    """Groups for cross-validation: an artist's songs share one.

    Parameters
    ----------
    paths : sequence of str
        The songs.
    artists : sequence of str or None
        Each song's artist, None where unknown.
    source : str
        Where the artists came from, for the warning (e.g. ``"tags"``).

    Returns
    -------
    groups : ndarray of str objects, shape (n_songs,)
        :func:`group_key` of the artist; a song with no artist is its own
        group (its path), so unknown artists are never merged.

    Warns
    -----
    UserWarning
        Once, if no song has an artist: the groups are then one song each,
        and grouped folds are simply stratified ones.
    """
    import numpy as np

    known = [artist is not None for artist in artists]
    if paths and not any(known):
        warnings.warn(
            f"No song has an artist in its {source}: each song is its own group, "
            "so grouped cross-validation is stratified and its figures flatter "
            "songs by new artists.",
            UserWarning,
            stacklevel=3,
        )
    groups = [
        group_key(artist) if artist is not None else str(path)
        for path, artist in zip(paths, artists, strict=True)
    ]
    return np.array(groups, dtype=object)
