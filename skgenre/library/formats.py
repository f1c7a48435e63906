"""Where a song's genres live in each tag format: one table, read and write.

Like beets' mediafile (``genres = ListMediaField(MP3ListStorageStyle('TCON'),
MP4ListStorageStyle('\\xa9gen'), ListStorageStyle('GENRE'),
ASFStorageStyle('WM/Genre'))``), every format is one entry of :data:`STYLES`:
the field that holds genres, the field of skgenre's provenance, the album
fields, and where the audio stream lies in the file
(:mod:`skgenre.library.streams`, to prove a tag write left it alone).
Reading, writing, undo and the checks all go through it, so a format is
added in one place.  Tags are read and written with
:mod:`mutagen`.

=================  ===================  ==================================
format             genres               provenance
=================  ===================  ==================================
MP3, WAV, AIFF     ID3 ``TCON``         ID3 ``TXXX:skgenre``
FLAC, Ogg, Opus    Vorbis ``GENRE``     Vorbis ``SKGENRE``
MP4 / M4A          ``©gen`` (``gnre``)  ``----:com.apple.iTunes:SKGENRE``
WMA                ``WM/Genre``         ASF ``SKGENRE``
=================  ===================  ==================================

ID3v2.4 holds several genres as one ``TCON`` frame with a list of values;
ID3v2.3 files keep their version, their genres joined by a separator.  An
MP4 file's legacy numeric ``gnre`` atom is read as a genre, and mutagen
writes it back as ``©gen``.
"""

import json
import os
from dataclasses import dataclass

from .._errors import FileError
from . import streams

__all__ = [
    "STYLES",
    "TagFile",
    "TagError",
    "UntaggableError",
    "audio_digest",
    "open_tags",
    "read_genres",
    "same_genres",
]

#: Name of skgenre's provenance field (and its ID3 TXXX description).
PROVENANCE = "skgenre"


class TagError(FileError):
    """A file whose tags cannot be read or written; names the file and why."""

    message = "cannot use the tags of {path!r}: {reason}"


class UntaggableError(TagError):
    """A file in a format that holds no tags (e.g. ``.au``)."""

    message = "{path!r} cannot hold tags: {reason}"


def same_genres(a, b):
    """Whether two genre lists name the same genres, whatever the case and
    spacing (order kept)."""
    return [_fold(g) for g in a] == [_fold(g) for g in b]


def _fold(genre):
    return " ".join(str(genre).split()).casefold()


def _texts(values):
    """Plain strings of a field's values (mutagen types, bytes, numbers)."""
    out = []
    for value in values:
        value = getattr(value, "value", value)  # ASF attributes
        if isinstance(value, bytes):  # MP4 freeform data
            value = value.decode("utf-8", "replace")
        out.append(str(value))
    return out


# --------------------------------------------------------------------------
# The storage styles: one per tag format.


class _Style:
    """How one tag format stores genres, provenance and album names."""

    name = ""
    genre_key = ""
    provenance_key = ""
    album_keys = ()  # (album artist, artist, album)

    def load(self, cls, path):
        return cls(path)

    def genres(self, tags, separator):
        return [v for v in _texts(tags.get(self.genre_key, [])) if v.strip()]

    def fields(self, tags):
        """The raw values of the fields skgenre changes, JSON-able."""
        return {
            key: _texts(tags[key])
            for key in (self.genre_key, self.provenance_key)
            if key in tags
        }

    def set_field(self, tags, key, values):
        if values is None:
            if key in tags:
                del tags[key]
        else:
            tags[key] = list(values)

    def genre_values(self, genres, tags, separator):
        return list(genres)

    def others(self, audio):
        """Everything else the tags hold, comparable (``==``) before and after."""
        mine = {self.genre_key.lower(), self.provenance_key.lower()}
        return sorted(
            (str(k), repr(v))
            for k, v in audio.tags.items()
            if str(k).lower() not in mine
        )

    def first(self, tags, key):
        values = _texts(tags.get(key, []))
        return " ".join(values[0].split()) if values and values[0].strip() else None

    def save(self, audio, path):
        audio.save(path)

    #: ``payload(f, size)``: byte ranges (or chunks) of the audio stream, in
    #: file order (:mod:`skgenre.library.streams`).
    payload = None


class _ID3Style(_Style):
    name = "ID3"
    genre_key = "TCON"
    provenance_key = f"TXXX:{PROVENANCE}"
    album_keys = ("TPE2", "TPE1", "TALB")

    def load(self, cls, path):
        # Untranslated: an ID3v2.3 tag is kept as it is, never upgraded (and
        # its v2.3-only frames never dropped) on the way through.
        return cls(path, translate=False)

    def genres(self, tags, separator):
        if self.genre_key not in tags:
            return []
        frame = tags[self.genre_key]
        values = frame.genres  # "(17)" and other ID3v1 references, resolved
        if _v23(tags) and separator:
            values = [part for value in values for part in value.split(separator)]
        return [v.strip() for v in values if v.strip()]

    def fields(self, tags):
        return {
            key: [str(t) for t in tags[key].text]
            for key in (self.genre_key, self.provenance_key)
            if key in tags
        }

    def set_field(self, tags, key, values):
        from mutagen.id3 import TCON, TXXX

        tags.delall(key)
        if values is None:
            return
        # UTF-16 in ID3v2.3, which has no UTF-8.
        encoding = 1 if _v23(tags) else 3
        if key == self.genre_key:
            tags.add(TCON(encoding=encoding, text=list(values)))
        else:
            tags.add(TXXX(encoding=encoding, desc=PROVENANCE, text=list(values)))

    def genre_values(self, genres, tags, separator):
        if _v23(tags):  # one value: v2.3 has no lists
            return [separator.join(genres)] if genres else []
        return list(genres)

    def others(self, audio):
        mine = {self.genre_key, self.provenance_key}
        return sorted((k, repr(f)) for k, f in audio.tags.items() if k not in mine)

    def first(self, tags, key):
        if key not in tags:
            return None
        texts = [str(t) for t in tags[key].text if str(t).strip()]
        return " ".join(texts[0].split()) if texts else None

    def save(self, audio, path):
        version = 3 if _v23(audio.tags) else 4
        # v23_sep=None: v2.3 lists stay as they are rather than "/"-joined.
        audio.tags.save(path, v2_version=version, v23_sep=None)

    payload = staticmethod(streams.id3_stream)


class _IFFID3Style(_ID3Style):
    """WAV and AIFF: an ID3 chunk among the file's chunks."""

    payload = staticmethod(streams.iff_stream)


class _VorbisStyle(_Style):
    name = "Vorbis"
    genre_key = "GENRE"
    provenance_key = PROVENANCE.upper()
    album_keys = ("ALBUMARTIST", "ARTIST", "ALBUM")

    def genres(self, tags, separator):
        return [v for v in tags.get(self.genre_key, []) if v.strip()]

    def others(self, audio):
        mine = {self.genre_key.lower(), self.provenance_key.lower()}
        comments = sorted(
            (k.lower(), v) for k, v in audio.tags if k.lower() not in mine
        )
        pictures = [p.data for p in getattr(audio, "pictures", [])]
        return comments, pictures

    payload = staticmethod(streams.vorbis_stream)


class _MP4Style(_Style):
    name = "MP4"
    genre_key = "\xa9gen"
    provenance_key = f"----:com.apple.iTunes:{PROVENANCE.upper()}"
    album_keys = ("aART", "\xa9ART", "\xa9alb")

    def set_field(self, tags, key, values):
        if values is None or key == self.genre_key:
            return super().set_field(tags, key, values)
        from mutagen.mp4 import AtomDataType, MP4FreeForm

        tags[key] = [
            MP4FreeForm(v.encode("utf-8"), dataformat=AtomDataType.UTF8) for v in values
        ]

    payload = staticmethod(streams.mp4_stream)


class _ASFStyle(_Style):
    name = "ASF"
    genre_key = "WM/Genre"
    provenance_key = PROVENANCE.upper()
    album_keys = ("WM/AlbumArtist", "Author", "WM/AlbumTitle")
    payload = staticmethod(streams.asf_stream)


def _v23(tags):
    """Whether an ID3 tag is saved as ID3v2.3 (one genre value, UTF-16): a
    v2.3 tag, or a v2.2 one (mutagen reads its frames as v2.3's, and cannot
    write v2.2).  A file with only an ID3v1 tag (version ``(1, 1)``, its
    fields read as v2.4 frames) gets a v2.4 tag, as a file with none."""
    return (2, 2, 0) <= tags.version < (2, 4, 0)


_ID3, _IFF, _VORBIS, _MP4, _ASF = (
    _ID3Style(),
    _IFFID3Style(),
    _VorbisStyle(),
    _MP4Style(),
    _ASFStyle(),
)


def _styles():
    """mutagen file type -> storage style (mutagen imported on first use)."""
    from mutagen.aiff import AIFF
    from mutagen.asf import ASF
    from mutagen.flac import FLAC
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4
    from mutagen.oggflac import OggFLAC
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis
    from mutagen.wave import WAVE

    return {
        MP3: _ID3,
        WAVE: _IFF,
        AIFF: _IFF,
        FLAC: _VORBIS,
        OggVorbis: _VORBIS,
        OggOpus: _VORBIS,
        OggFLAC: _VORBIS,
        MP4: _MP4,
        ASF: _ASF,
    }


#: Human names of the formats skgenre tags, for docs and messages.
STYLES = {
    "MP3, WAV, AIFF": "ID3 TCON",
    "FLAC, Ogg Vorbis, Opus": "Vorbis GENRE",
    "MP4/M4A": "\xa9gen",
    "WMA": "WM/Genre",
}


# --------------------------------------------------------------------------
# A file's tags.


@dataclass
class TagFile:
    """A file's tags, open with mutagen: what skgenre reads and changes.

    Made by :func:`open_tags`.

    Attributes
    ----------
    path : str
    audio : mutagen.FileType
        The parsed file; ``audio.tags`` exists (empty if the file had none).
    style : object
        Its format's entry of the storage table.
    """

    path: str
    audio: object
    style: _Style

    @property
    def format(self):
        """The tag format: "ID3", "Vorbis", "MP4" or "ASF"."""
        return self.style.name

    def genres(self, separator="; "):
        """The genres the file holds (ID3v2.3 values split at ``separator``).

        Returns
        -------
        genres : list of str
        """
        return self.style.genres(self.audio.tags, separator)

    def provenance(self):
        """skgenre's provenance record in the file, or None.

        Returns
        -------
        provenance : dict or None
            What wrote the genres: ``{"skgenre": version, "model": ...,
            "settings": ..., "confidence": ..., "genres": [...]}``; None if
            the field is absent or unreadable.
        """
        values = self.fields().get(self.style.provenance_key)
        if not values:
            return None
        try:
            record = json.loads(values[0])
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    def fields(self):
        """Raw values of the fields skgenre writes (genres, provenance).

        Returns
        -------
        fields : dict of str to list of str
            Only the fields present; what :meth:`set_fields` takes back.
        """
        return self.style.fields(self.audio.tags)

    def album(self):
        """``(artist, album)`` of the album the file belongs to, or None.

        The album artist where present, else the track's artist; names are
        compared without case or extra spacing.
        """
        tags = self.audio.tags
        album_artist, artist, album = (
            self.style.first(tags, key) for key in self.style.album_keys
        )
        if not album:
            return None
        return (_fold(album_artist or artist or ""), _fold(album))

    def others(self):
        """Every tag but genres and provenance, comparable before and after."""
        return self.style.others(self.audio)

    def set_genres(self, genres, provenance=None, separator="; "):
        """Set the genres (and provenance) in memory; :meth:`save` writes.

        Parameters
        ----------
        genres : list of str
            Empty removes the genre field.
        provenance : dict or None
            Recorded as one JSON value; None removes the field.
        separator : str
            Joins genres where the format holds one value (ID3v2.3).
        """
        tags = self.audio.tags
        values = self.style.genre_values(genres, tags, separator)
        record = None
        if provenance is not None:
            record = [json.dumps(provenance, sort_keys=True, ensure_ascii=False)]
        self.set_fields(
            {self.style.genre_key: values or None, self.style.provenance_key: record}
        )

    def set_fields(self, fields):
        """Set raw field values in memory (as :meth:`fields` gives them).

        Parameters
        ----------
        fields : dict of str to list of str or None
            Each key is set to its values, or removed where None.
        """
        for key, values in fields.items():
            self.style.set_field(self.audio.tags, key, values)

    def save(self, path=None):
        """Write the tags into ``path`` (default: the file itself)."""
        try:
            self.style.save(self.audio, path or self.path)
        except Exception as exc:  # noqa: BLE001 - mutagen raises many kinds
            raise TagError(path or self.path, _reason(exc)) from exc


def _reason(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def open_tags(path):
    """Open a file's tags for reading or writing.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    tags : TagFile
        With an empty tag block where the file had none.

    Raises
    ------
    UntaggableError
        If the file's format holds no tags skgenre writes (e.g. ``.au``).
    TagError
        If mutagen cannot parse the file, or it cannot be opened.
    """
    import mutagen

    path = os.fspath(path)
    try:
        kind = mutagen.File(path)
    except mutagen.MutagenError as exc:
        raise TagError(path, _reason(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - a damaged file, any parse error
        raise TagError(path, _reason(exc)) from exc
    if kind is None:
        raise UntaggableError(path, "mutagen knows no tag format for it")
    style = _styles().get(type(kind))
    if style is None:
        raise UntaggableError(
            path, f"skgenre does not write {type(kind).__name__} tags"
        )
    try:
        audio = style.load(type(kind), path) if style is _ID3 or style is _IFF else kind
        if audio.tags is None:
            audio.add_tags()
    except Exception as exc:  # noqa: BLE001
        raise TagError(path, _reason(exc)) from exc
    return TagFile(path, audio, style)


def read_genres(path, separator="; "):
    """The genres a file holds.

    Parameters
    ----------
    path : str or path-like
    separator : str, default="; "
        Splits an ID3v2.3 genre value (which holds no list).

    Returns
    -------
    genres : list of str

    Raises
    ------
    TagError
        If the file's tags cannot be read.
    """
    return open_tags(path).genres(separator)


def audio_digest(path, tags=None):
    """SHA-256 of a file's audio stream, leaving its tags out.

    Equal before and after a tag write that left the audio alone.

    Parameters
    ----------
    path : str
    tags : TagFile or None
        The file's tags (their format says where the audio is); opened if
        None.

    Returns
    -------
    digest : str
    """
    style = (tags or open_tags(path)).style
    return streams.stream_digest(path, style.payload)
