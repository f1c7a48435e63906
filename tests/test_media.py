"""The test media factory (tests/_media.py) writes what it says, in every format."""

import base64

import numpy as np
import pytest
from _media import (
    COVER,
    COVER_KEY,
    FORMATS,
    MB_ALBUM_ID,
    audio_view,
    genres_view,
    make_file,
    mp4_atom_names,
    tag_view,
)

SECONDS = 0.5
GENRES = ["Rock", "Jazz"]

# Per format: the tag_view keys of the cover and of the other frames.
ID3_OTHER = ["TIT2", "TPE1", "TALB", "TRCK", "COMM::eng", "TXXX:MusicBrainz Album Id"]
VORBIS_OTHER = ["title", "artist", "album", "tracknumber", "comment"]
OTHER_KEYS = {
    "mp3": ID3_OTHER,
    "mp3-v23": ID3_OTHER,
    "aiff": ID3_OTHER,
    "wav": ID3_OTHER,
    "flac": VORBIS_OTHER + ["musicbrainz_albumid"],
    "ogg": VORBIS_OTHER + ["musicbrainz_albumid"],
    "opus": VORBIS_OTHER + ["musicbrainz_albumid"],
    "m4a": ["\xa9nam", "\xa9ART", "\xa9alb", "trkn", "\xa9cmt"]
    + ["----:com.apple.iTunes:MusicBrainz Album Id"],
    "wma": ["Title", "Author", "WM/AlbumTitle", "WM/TrackNumber", "Description"]
    + ["MusicBrainz/Album Id"],
    "au": [],
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format(tmp_path, fmt):
    path = make_file(
        tmp_path / "song", fmt, genres=GENRES, album="Album", seconds=SECONDS
    )
    assert path.exists() and path.suffix == "." + fmt.split("-")[0]

    audio = audio_view(path)
    assert audio.ndim == 2 and audio.shape[1] == 1
    assert np.isfinite(audio).all() and np.abs(audio).max() > 0.1
    rate = 48000 if fmt == "opus" else 22050
    # Codec padding and delay: AAC adds a frame, WMA loses half of one.
    assert len(audio) / rate == pytest.approx(SECONDS, abs=0.1)

    expected = {"mp3-v23": ["Rock; Jazz"], "au": []}.get(fmt, GENRES)
    assert genres_view(path) == expected

    view = tag_view(path)
    if fmt == "au":
        assert view == {}
        return
    assert set(OTHER_KEYS[fmt]) <= set(view)
    assert COVER_KEY[fmt] in view
    assert MB_ALBUM_ID in repr(view)
    assert _has_cover(view[COVER_KEY[fmt]])


def _has_cover(value):
    """Whether a cover's tag_view value holds COVER's bytes."""
    from mutagen.flac import Picture

    if isinstance(value, list) and isinstance(value[0], tuple):  # FLAC blocks
        return value[0][-1] == COVER
    if isinstance(value, list):  # METADATA_BLOCK_PICTURE
        return Picture(base64.b64decode(value[0])).data == COVER
    # A repr: bytes reprs escape byte by byte (COVER has no quotes).
    return repr(COVER)[2:-1] in value


@pytest.mark.parametrize("fmt", ["mp3", "mp3-v23", "flac", "wav", "aiff", "m4a"])
def test_untagged(tmp_path, fmt):
    """tags=False: no tag block at all, for taggers that must create one."""
    import mutagen

    path = make_file(tmp_path / "song", fmt, genres=GENRES, tags=False)
    assert tag_view(path) == {} and genres_view(path) == []
    if fmt == "m4a":
        assert mp4_atom_names(path) == []
    else:
        assert mutagen.File(path).tags is None


def test_id3v23_reads_back_as_v23(tmp_path):
    from mutagen.id3 import ID3

    path = make_file(tmp_path / "a.mp3", "mp3-v23", genres=GENRES)
    assert ID3(path, translate=False).version == (2, 3, 0)
    assert tag_view(path)["<id3 version>"] == (2, 3, 0)
    v24 = make_file(tmp_path / "b.mp3", "mp3")
    assert tag_view(v24)["<id3 version>"] == (2, 4, 0)


def test_gnre_atom(tmp_path):
    """mutagen reads gnre (ID3v1 index + 1) as ©gen; an unknown index stays raw."""
    path = make_file(tmp_path / "a.m4a", "m4a", gnre=18)
    assert "gnre" in mp4_atom_names(path) and "\xa9gen" not in mp4_atom_names(path)
    assert genres_view(path) == ["Rock"]

    path = make_file(tmp_path / "b.m4a", "m4a", gnre=255)
    assert genres_view(path) == []
    assert "<raw gnre>" in tag_view(path)

    with pytest.raises(ValueError, match="m4a"):
        make_file(tmp_path / "c.mp3", "mp3", gnre=18)


def test_deterministic(tmp_path):
    a = make_file(tmp_path / "a.flac", "flac", genres=GENRES, seed=3)
    b = make_file(tmp_path / "b.flac", "flac", genres=GENRES, seed=3)
    c = make_file(tmp_path / "c.flac", "flac", genres=GENRES, seed=4)
    assert tag_view(a) == tag_view(b)
    np.testing.assert_array_equal(audio_view(a), audio_view(b))
    assert not np.array_equal(audio_view(a), audio_view(c))
    stereo = audio_view(make_file(tmp_path / "s.wav", "wav", channels=2))
    assert stereo.shape[1] == 2 and np.abs(stereo).max() <= 0.5


def test_keeps_given_suffix_and_options(tmp_path):
    path = make_file(
        tmp_path / "odd.bin", "wav", title=None, album_artist="AA", cover=False
    )
    assert path.name == "odd.bin"
    view = tag_view(path)
    assert "TIT2" not in view and "TPE2" in view and "APIC:Cover" not in view
    assert "TCON" not in view and genres_view(path) == []
