"""Tests of skgenre.datasets' loaders: load_folder, load_csv, load_labelled,
load_cc_music, and the AUDIO_EXTENSIONS that load_folder accepts.

make_songs is tested in test_samples_generator.py.
"""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import skgenre
from skgenre.audio import load_audio
from skgenre.datasets import (
    AUDIO_EXTENSIONS,
    load_cc_music,
    load_csv,
    load_folder,
    load_labelled,
)

DATA_DIR = Path(skgenre.__file__).resolve().parent / "data"

# Extensions whose libsndfile format has another name; any other extension is
# its format's name in lower case (".flac" -> "FLAC").
FORMAT_OF_ALIAS = {
    ".aif": "AIFF",
    ".aifc": "AIFF",
    ".oga": "OGG",
    ".opus": "OGG",
    ".snd": "AU",
}
# Extensions of formats a genre collection commonly holds: they must stay
# accepted, whatever else AUDIO_EXTENSIONS holds.
COMMON_EXTENSIONS = {".wav", ".flac", ".ogg", ".mp3", ".aiff", ".au"}


def _touch(root, *relative_paths):
    for relative in relative_paths:
        path = Path(root, relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")


def _tone(sample_rate=16000, seconds=0.25):
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    return 0.5 * np.sin(2 * np.pi * 440.0 * t)


# --------------------------------------------------------------------------
# AUDIO_EXTENSIONS and load_folder
# --------------------------------------------------------------------------


def test_audio_extensions_is_reexported_from_audio():
    from skgenre import audio

    assert AUDIO_EXTENSIONS is audio.AUDIO_EXTENSIONS
    assert isinstance(AUDIO_EXTENSIONS, frozenset)


@pytest.mark.parametrize("extension", sorted(AUDIO_EXTENSIONS | COMMON_EXTENSIONS))
def test_audio_extensions_are_formats_libsndfile_decodes(tmp_path, extension):
    """A file of each extension is listed by load_folder and decodes."""
    fmt = FORMAT_OF_ALIAS.get(extension, extension[1:].upper())
    subtype = "OPUS" if extension == ".opus" else None
    # Formats that depend on the libsndfile build soundfile loaded.
    if fmt == "MP3" and "MP3" not in sf.available_formats():
        pytest.skip("MP3 needs libsndfile >= 1.1")
    if subtype == "OPUS" and "OPUS" not in sf.available_subtypes("OGG"):
        pytest.skip("Opus needs libsndfile >= 1.0.29")
    assert fmt in sf.available_formats(), (
        f"{extension!r}: libsndfile has no format {fmt!r}"
    )
    path = tmp_path / "genre" / f"song{extension}"
    path.parent.mkdir()
    sf.write(path, _tone(), 16000, format=fmt, subtype=subtype)

    paths, labels = load_folder(tmp_path)

    assert paths.tolist() == [str(path)]
    assert labels.tolist() == ["genre"]
    assert sf.info(path).format == fmt
    audio = load_audio(path, sample_rate=16000)
    assert len(audio) > 0
    assert np.all(np.isfinite(audio))
    assert np.max(np.abs(audio)) > 0.25


def test_load_folder_ignores_audio_under_other_names(tmp_path):
    for name in ("song.wav", "song.wav.bak", "song.txt", "song.m4a", "song"):
        path = tmp_path / "rock" / name
        path.parent.mkdir(exist_ok=True)
        sf.write(path, _tone(), 16000, format="WAV")
    paths, labels = load_folder(tmp_path)
    assert [Path(p).name for p in paths] == ["song.wav"]
    assert labels.tolist() == ["rock"]


def test_load_folder_sorts_and_filters(tmp_path):
    _touch(
        tmp_path,
        "rock/b.wav",
        "rock/a.WAV",
        "rock/sub/deeper/c.Flac",
        "rock/.hidden.wav",
        "rock/.cache/d.wav",
        "rock/notes.txt",
        "rock/cover.jpg",
        "rock/noextension",
        "rock-n-roll/e.ogg",
        "blues/z.mp3",
        ".hidden_genre/x.wav",
        "stray.wav",
    )
    (tmp_path / "jazz").mkdir()  # an empty genre folder contributes nothing
    (tmp_path / "blues" / "folder.wav").mkdir()  # a folder is not a file

    paths, labels = load_folder(tmp_path)

    relative = [Path(p).relative_to(tmp_path).as_posix() for p in paths]
    assert relative == [
        "blues/z.mp3",
        "rock/a.WAV",
        "rock/b.wav",
        "rock/sub/deeper/c.Flac",
        "rock-n-roll/e.ogg",
    ]
    assert labels.tolist() == ["blues", "rock", "rock", "rock", "rock-n-roll"]
    assert paths.shape == labels.shape == (5,)
    assert all(isinstance(p, str) for p in paths)
    assert all(isinstance(label, str) for label in labels)


def test_load_folder_accepts_str_and_is_deterministic(tmp_path):
    _touch(tmp_path, "pop/2.wav", "pop/1.wav", "metal/x.aiff")
    paths_a, labels_a = load_folder(str(tmp_path))
    paths_b, labels_b = load_folder(tmp_path)
    assert paths_a.tolist() == paths_b.tolist()
    assert labels_a.tolist() == labels_b.tolist() == ["metal", "pop", "pop"]
    assert [Path(p).name for p in paths_a] == ["x.aiff", "1.wav", "2.wav"]


def test_load_folder_missing_root(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match="nope"):
        load_folder(missing)


def test_load_folder_root_is_a_file(tmp_path):
    path = tmp_path / "song.wav"
    path.write_bytes(b"")
    with pytest.raises(NotADirectoryError, match="song.wav"):
        load_folder(path)


@pytest.mark.parametrize(
    "files",
    [
        [],
        ["rock/readme.txt", "rock/.hidden.wav"],
        ["top_level.wav"],
    ],
)
def test_load_folder_without_audio(tmp_path, files):
    root = tmp_path / "dataset"
    root.mkdir()
    _touch(root, *files)
    with pytest.raises(ValueError, match=r"dataset.*\.wav"):
        load_folder(root)


# --------------------------------------------------------------------------
# load_csv and load_labelled
# --------------------------------------------------------------------------


def test_load_csv_keeps_order_and_resolves_relative_paths(tmp_path):
    absolute = tmp_path / "elsewhere" / "b.flac"
    table = tmp_path / "lists" / "songs.csv"
    table.parent.mkdir()
    table.write_text(
        f"genre,path,comment\nrock,a.wav,first\njazz,{absolute},\n",
        encoding="utf-8",
    )
    paths, labels = load_csv(table)
    assert paths.tolist() == [str(table.parent / "a.wav"), str(absolute)]
    assert labels.tolist() == ["rock", "jazz"]
    assert paths.dtype == labels.dtype == object


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("path,label\na.wav,rock\n", r"songs\.csv.*\['genre'\]"),
        ("file\na.wav\n", r"\['genre', 'path'\]"),
        ("path,genre\n", r"songs\.csv.*no song"),
        ("", r"\['genre', 'path'\]"),
    ],
)
def test_load_csv_rejects_bad_tables(tmp_path, content, match):
    table = tmp_path / "songs.csv"
    table.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        load_csv(table)


def test_load_csv_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.csv"):
        load_csv(tmp_path / "absent.csv")


def test_load_labelled_reads_a_table_or_a_folder(tmp_path):
    _touch(tmp_path, "tree/pop/1.wav")
    table = tmp_path / "SONGS.CSV"
    table.write_text("path,genre\nx.ogg,metal\n", encoding="utf-8")
    assert load_labelled(table)[1].tolist() == ["metal"]
    assert load_labelled(str(tmp_path / "tree"))[1].tolist() == ["pop"]


# --------------------------------------------------------------------------
# load_cc_music
# --------------------------------------------------------------------------


def test_load_cc_music_lists_shipped_recordings():
    paths, labels = load_cc_music()
    assert labels.tolist() == ["classical", "classical", "country", "jazz", "jazz"]
    assert paths.shape == (5,)
    for path in paths:
        assert Path(path).is_absolute()
        info = sf.info(path)
        assert info.samplerate == 22050
        assert info.frames > 0
        license_file = Path(path).parent / "licenses" / (Path(path).stem + ".txt")
        assert license_file.is_file()


def test_load_cc_music_table_lists_every_shipped_recording():
    paths, labels = load_cc_music()
    assert sorted(Path(p).name for p in paths) == sorted(
        p.name for p in DATA_DIR.glob("*.ogg")
    )
    # Sorted by genre, then file name, whatever the table's row order.
    keys = [(label, Path(p).name) for p, label in zip(paths, labels, strict=True)]
    assert keys == sorted(keys)
