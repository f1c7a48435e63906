"""Where genres live in each tag format (skgenre.library.formats), written
through write_genres and undone: only the genre and provenance fields change.

ID3v2.4: one TCON frame, a list of values; ID3v2.3 keeps its version, values
joined by the separator; FLAC, Ogg Vorbis, Opus: one GENRE comment per value;
MP4: a ``©gen`` list (a legacy ``gnre`` atom read as a genre, removed on
writing); WMA: ``WM/Genre``; AIFF and WAV: an ID3 chunk.  Provenance: ID3
``TXXX:skgenre``, Vorbis ``SKGENRE``, MP4 ``----:com.apple.iTunes:SKGENRE``,
ASF ``SKGENRE``.
"""

import os
import struct

import mutagen
import numpy as np
import pytest
from _media import (
    COVER_KEY,
    FORMATS,
    audio_view,
    genres_view,
    make_file,
    mp4_atom_names,
    tag_view,
)
from mutagen.id3 import ID3, RVAD, TCON, TDAT, TIT2, TYER

from skgenre.library.apply import undo, write_genres
from skgenre.library.formats import (
    TagError,
    UntaggableError,
    audio_digest,
    open_tags,
    read_genres,
)

SECONDS = 0.3
TAGGABLE = [fmt for fmt in FORMATS if fmt != "au"]
BEFORE = ["Pop", "Soul"]
GENRES = ["Rock", "Jazz"]
PROVENANCE = {
    "skgenre": "0.0.test",
    "model": "Müsik-1 (ünïcode)",
    "settings": {"top_k": 2, "threshold": 0.25},
    "confidence": [0.875, 0.5],
    "genres": GENRES,
}

_ID3 = ("TCON", "TXXX:skgenre")
_VORBIS = ("genre", "skgenre")
#: Per format: the tag_view keys of the genre and of the provenance field.
MINE = {
    "mp3": _ID3,
    "mp3-v23": _ID3,
    "aiff": _ID3,
    "wav": _ID3,
    "flac": _VORBIS,
    "ogg": _VORBIS,
    "opus": _VORBIS,
    "m4a": ("\xa9gen", "----:com.apple.iTunes:SKGENRE"),
    "wma": ("WM/Genre", "SKGENRE"),
}
#: Per format: genres_view after writing GENRES (the list itself elsewhere).
STORED = {"mp3-v23": ["Rock; Jazz"]}


def _song(folder, fmt, name="song", **kwargs):
    kwargs = {"genres": BEFORE, "album": "Album", "seconds": SECONDS, **kwargs}
    return make_file(folder / name, fmt, **kwargs)


def _without(view, fmt):
    return {k: v for k, v in view.items() if k not in MINE[fmt]}


@pytest.mark.parametrize("fmt", TAGGABLE)
def test_write_stores_genres_and_provenance_and_nothing_else(tmp_path, fmt):
    path = _song(tmp_path, fmt)
    os.chmod(path, 0o640)
    tags, audio = tag_view(path), audio_view(path)
    digest = audio_digest(path)
    assert COVER_KEY[fmt] in tags and MINE[fmt][1] not in tags
    assert open_tags(path).provenance() is None

    write_genres(path, GENRES, journal=tmp_path / "j.jsonl", provenance=PROVENANCE)

    assert genres_view(path) == STORED.get(fmt, GENRES)
    assert read_genres(path) == GENRES  # v2.3 split at the separator
    after = open_tags(path)
    assert after.genres() == GENRES
    assert after.provenance() == PROVENANCE
    if fmt == "mp3-v23":
        assert ID3(path, translate=False).version == (2, 3, 0)
    new_tags = tag_view(path)
    provenance = new_tags[MINE[fmt][1]]  # one provenance field, under its name
    assert not isinstance(provenance, list) or len(provenance) == 1
    assert _without(new_tags, fmt) == _without(tags, fmt)  # cover art included
    assert np.array_equal(audio_view(path), audio)
    assert audio_digest(path) == digest
    assert os.stat(path).st_mode & 0o7777 == 0o640
    assert sorted(os.listdir(tmp_path)) == sorted([path.name, "j.jsonl"])


@pytest.mark.parametrize("fmt", TAGGABLE)
def test_undo_restores_every_tag(tmp_path, fmt):
    path = _song(tmp_path, fmt)
    tags, genres = tag_view(path), genres_view(path)
    journal = tmp_path / "j.jsonl"
    write_genres(path, GENRES, journal=journal, provenance=PROVENANCE)
    assert genres_view(path) != genres

    entries = undo(journal)

    assert [(e.path, e.action) for e in entries] == [(str(path), "restored")]
    assert genres_view(path) == genres
    assert tag_view(path) == tags  # no provenance left, nothing else changed
    assert open_tags(path).provenance() is None


@pytest.mark.parametrize("fmt", ["mp3", "flac", "wav", "aiff"])
def test_file_without_tags_gets_them(tmp_path, fmt):
    path = _song(tmp_path, fmt, tags=False)
    assert mutagen.File(path).tags is None
    assert read_genres(path) == [] and open_tags(path).provenance() is None
    audio, digest = audio_view(path), audio_digest(path)
    if fmt in ("wav", "aiff"):
        assert "id3" not in _iff_chunks(path)

    write_genres(path, GENRES, provenance=PROVENANCE)

    assert read_genres(path) == GENRES and genres_view(path) == GENRES
    assert open_tags(path).provenance() == PROVENANCE
    extra = "<vendor>" if fmt == "flac" else "<id3 version>"
    assert set(tag_view(path)) == {*MINE[fmt], extra}  # those, and nothing else
    assert np.array_equal(audio_view(path), audio)
    assert audio_digest(path) == digest
    if fmt in ("wav", "aiff"):
        assert _iff_chunks(path).count("id3") == 1


def _iff_chunks(path):
    """Lower-cased ids of a WAV or AIFF file's top-level chunks."""
    data = path.read_bytes()
    endian = "<" if data[:4] == b"RIFF" else ">"
    ids, offset = [], 12
    while offset + 8 <= len(data):
        (length,) = struct.unpack(endian + "I", data[offset + 4 : offset + 8])
        ids.append(data[offset : offset + 4].decode("latin-1").strip().lower())
        offset += 8 + length + (length & 1)
    assert offset == len(data)
    return ids


def test_gnre_atom_is_read_and_removed_on_writing(tmp_path):
    path = make_file(tmp_path / "a.m4a", "m4a", gnre=18, seconds=SECONDS)  # Rock
    assert "gnre" in mp4_atom_names(path)
    assert read_genres(path) == ["Rock"]
    others = open_tags(path).others()

    write_genres(path, ["Jazz"], provenance=PROVENANCE)

    names = mp4_atom_names(path)
    assert "gnre" not in names and names.count("\xa9gen") == 1
    assert genres_view(path) == ["Jazz"] and read_genres(path) == ["Jazz"]
    assert open_tags(path).others() == others


def test_untaggable_and_unreadable_files(tmp_path):
    au = make_file(tmp_path / "a.au", "au", seconds=SECONDS)
    with pytest.raises(UntaggableError):
        open_tags(au)
    data = au.read_bytes()
    with pytest.raises(TagError, match="holds no tags"):
        write_genres(au, GENRES)
    assert au.read_bytes() == data

    garbage = tmp_path / "x.mp3"
    garbage.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(TagError, match="x.mp3") as info:
        open_tags(garbage)
    assert not isinstance(info.value, UntaggableError)
    assert str(garbage) in str(info.value) and info.value.path == str(garbage)
    with pytest.raises(TagError, match="x.mp3"):
        read_genres(garbage)

    flac = _song(tmp_path, "flac")
    truncated = tmp_path / "cut.flac"
    truncated.write_bytes(flac.read_bytes()[:100])
    with pytest.raises(TagError, match="cut.flac") as info:
        open_tags(truncated)
    assert not isinstance(info.value, UntaggableError)


def _audio_range(path, fmt):
    """Where the audio frames lie in a FLAC or MP3 file (after the tags)."""
    data = path.read_bytes()
    if fmt == "flac":
        offset, last = 4, False
        while not last:
            last = bool(data[offset] & 0x80)
            offset += 4 + int.from_bytes(data[offset + 1 : offset + 4], "big")
        return offset, len(data)
    start = ID3(path).size  # the whole ID3v2 tag, header included
    end = len(data) - (128 if data[-128:-125] == b"TAG" else 0)
    return start, end


@pytest.mark.parametrize("fmt", ["flac", "mp3"])
def test_digest_sees_one_changed_byte_of_audio(tmp_path, fmt):
    path = _song(tmp_path, fmt)
    digest = audio_digest(path)
    start, end = _audio_range(path, fmt)
    assert end - start > 1000
    data = bytearray(path.read_bytes())
    data[(start + end) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert open_tags(path).genres() == BEFORE  # the tags still read
    assert audio_digest(path) != digest


@pytest.mark.parametrize("fmt", TAGGABLE)
def test_digest_ignores_tag_changes(tmp_path, fmt):
    """A tag grown past its padding moves the audio (and renumbers Ogg pages,
    rewrites MP4 chunk offsets): the digest of the audio stays."""
    path = _song(tmp_path, fmt)
    digest, audio, size = audio_digest(path), audio_view(path), path.stat().st_size
    f = mutagen.File(path)
    title = "A long title " * 500
    if fmt in ("mp3", "mp3-v23", "wav", "aiff"):
        f.tags.add(TIT2(encoding=3, text=[title]))
    else:
        key = {"m4a": "\xa9nam", "wma": "Title"}.get(fmt, "TITLE")
        f[key] = [title]
    f.save()
    assert path.stat().st_size > size + 4000
    assert audio_digest(path) == digest
    assert np.array_equal(audio_view(path), audio)


@pytest.mark.parametrize("fmt", TAGGABLE)
def test_album(tmp_path, fmt):
    both = _song(
        tmp_path, fmt, "a", album="  Greatest   Hits ", album_artist="The  BAND"
    )
    assert open_tags(both).album() == ("the band", "greatest hits")
    artist = _song(tmp_path, fmt, "b", artist="Solo  Artist", album="Live")
    assert open_tags(artist).album() == ("solo artist", "live")
    assert open_tags(_song(tmp_path, fmt, "c", album=None)).album() is None


def _id3v23_frames(path):
    """The raw ID3v2.3 frames of a file (header and data), sorted, but
    skgenre's: TCON and TXXX:skgenre."""
    data = path.read_bytes()
    assert data[:4] == b"ID3\x03"
    assert not data[5] & 0xC0  # no unsynchronisation, no extended header
    end = 10 + sum(b << 7 * (3 - k) for k, b in enumerate(data[6:10]))
    frames, offset = [], 10
    while offset + 10 <= end and data[offset] != 0:
        length = int.from_bytes(data[offset + 4 : offset + 8], "big")
        frames.append(data[offset : offset + 10 + length])
        offset += 10 + length
    mine = ("skgenre".encode("utf-16-le"), b"skgenre")
    return sorted(
        frame
        for frame in frames
        if frame[:4] != b"TCON"
        and not (frame[:4] == b"TXXX" and any(m in frame for m in mine))
    )


def test_id3v23_keeps_its_own_frames_byte_for_byte(tmp_path):
    path = _song(tmp_path, "mp3-v23")
    id3 = ID3(path, translate=False)
    id3.add(TYER(encoding=0, text=["2001"]))
    id3.add(TDAT(encoding=0, text=["2412"]))
    id3.add(RVAD(adjustments=[5, -3]))
    id3.save(v2_version=3, v23_sep=None)
    frames, tags = _id3v23_frames(path), tag_view(path)
    assert {f[:4] for f in frames} >= {b"TYER", b"TDAT", b"RVAD", b"APIC"}

    write_genres(path, GENRES, provenance=PROVENANCE)

    assert ID3(path, translate=False).version == (2, 3, 0)
    assert genres_view(path) == ["Rock; Jazz"] and read_genres(path) == GENRES
    assert _without(tag_view(path), "mp3-v23") == _without(tags, "mp3-v23")
    assert _id3v23_frames(path) == frames  # byte for byte


def _id3v1(title, artist, album, year, track, genre):
    """An ID3v1.1 tag: 128 bytes, fields NUL-padded."""
    fields = [
        s.encode("latin-1").ljust(n, b"\0")
        for s, n in [(title, 30), (artist, 30), (album, 30), (year, 4), ("", 28)]
    ]
    return b"TAG" + b"".join(fields) + bytes([0, track, genre])


def test_id3v1_tag_is_updated_not_lost(tmp_path):
    """mutagen rewrites an existing ID3v1 tag from the v2 frames: its genre
    byte follows the first genre; the audio digest leaves the v1 tag out."""
    path = _song(tmp_path, "mp3")
    ID3(path, translate=False).save(v1=2)  # v1 from the v2 frames
    v1 = path.read_bytes()[-128:]
    assert v1[:3] == b"TAG" and v1[-1] == 13  # Pop
    digest, audio = audio_digest(path), audio_view(path)

    write_genres(path, GENRES, provenance=PROVENANCE)

    new = path.read_bytes()[-128:]
    assert new[:-1] == v1[:-1] and new[-1] == 17  # Rock
    assert audio_digest(path) == digest
    assert np.array_equal(audio_view(path), audio)


def test_id3v1_only_file_gets_an_id3v24_tag(tmp_path):
    """A file with only an ID3v1 tag (mutagen: version (1, 1), its fields
    read as v2.4 frames) gets a v2.4 tag, its genres a list, like a file with
    no tag (not a v2.3 tag holding v2.4 frames such as TDRC, which the
    checked write then refused); its v1 tag is kept, the genre updated."""
    path = _song(tmp_path, "mp3", tags=False)
    path.write_bytes(path.read_bytes() + _id3v1("T1", "A1", "Al1", "1999", 3, 13))
    assert read_genres(path) == ["Pop"]
    tags, digest = tag_view(path), audio_digest(path)

    write_genres(path, GENRES, provenance=PROVENANCE)

    assert ID3(path, translate=False).version == (2, 4, 0)
    assert genres_view(path) == GENRES and read_genres(path) == GENRES
    assert open_tags(path).provenance() == PROVENANCE
    new_tags = tag_view(path)
    del tags["<id3 version>"], new_tags["<id3 version>"]
    assert _without(new_tags, "mp3") == _without(tags, "mp3")
    v1 = path.read_bytes()[-128:]
    assert v1[:-1] == _id3v1("T1", "A1", "Al1", "1999", 3, 0)[:-1] and v1[-1] == 17
    assert audio_digest(path) == digest


def test_id3v22_tag_is_written_as_id3v23(tmp_path):
    """mutagen reads ID3v2.2 frames as v2.3's and cannot write v2.2: the
    nearest version, v2.3, is written, every other frame kept."""

    def frame(frame_id, text):
        data = b"\x00" + text.encode("latin-1")
        return frame_id + len(data).to_bytes(3, "big") + data

    frames = frame(b"TT2", "Title") + frame(b"TP1", "Artist") + frame(b"TCO", "Pop")
    size = len(frames) + 64  # padding
    syncsafe = bytes((size >> 7 * k) & 0x7F for k in (3, 2, 1, 0))
    path = _song(tmp_path, "mp3", tags=False)
    tag = b"ID3\x02\x00\x00" + syncsafe + frames + bytes(64)
    path.write_bytes(tag + path.read_bytes())
    assert read_genres(path) == ["Pop"]
    tags, digest = tag_view(path), audio_digest(path)
    assert tags["<id3 version>"] == (2, 2, 0)

    write_genres(path, GENRES, provenance=PROVENANCE)

    new_tags = tag_view(path)
    assert new_tags.pop("<id3 version>") == (2, 3, 0)
    del tags["<id3 version>"]
    assert genres_view(path) == ["Rock; Jazz"] and read_genres(path) == GENRES
    assert _without(new_tags, "mp3") == _without(tags, "mp3")
    assert audio_digest(path) == digest


NUMERIC = [("mp3-v23", "(17)"), ("mp3-v23", "(17)Rock"), ("mp3", "17")]


def _numeric(folder, fmt, text):
    """An ID3 file whose TCON is an ID3v1 genre reference (17: Rock)."""
    path = _song(folder, fmt)
    id3 = ID3(path, translate=False)
    id3.add(TCON(encoding=1, text=[text]))
    id3.save(v2_version=3 if fmt == "mp3-v23" else 4, v23_sep=None)
    return path


@pytest.mark.parametrize(("fmt", "text"), NUMERIC)
def test_id3v1_genre_references_are_read_and_replaced(tmp_path, fmt, text):
    path = _numeric(tmp_path, fmt, text)
    assert genres_view(path) == [text] and read_genres(path) == ["Rock"]
    write_genres(path, ["Jazz"], provenance=PROVENANCE)
    assert genres_view(path) == ["Jazz"] and read_genres(path) == ["Jazz"]


# Undo puts back the raw text ("(17)"), not the genre it names.
@pytest.mark.parametrize(("fmt", "text"), NUMERIC[:1])
def test_undo_restores_id3v1_genre_references(tmp_path, fmt, text):
    path = _numeric(tmp_path, fmt, text)
    tags, journal = tag_view(path), tmp_path / "j.jsonl"
    write_genres(path, ["Jazz"], journal=journal, provenance=PROVENANCE)
    assert [e.action for e in undo(journal)] == ["restored"]
    assert genres_view(path) == [text] and tag_view(path) == tags
