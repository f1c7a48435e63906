"""Tests of skgenre.datasets' loaders: load_folder, load_csv, load_labelled,
load_cc_music, the AUDIO_EXTENSIONS that load_folder accepts, and the groups
(artists) they return.

make_songs is tested in test_samples_generator.py.
"""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import skgenre
import skgenre.datasets._base
from skgenre.audio import AV_EXTENSIONS, load_audio
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


@pytest.mark.parametrize(
    "extension", sorted((AUDIO_EXTENSIONS - AV_EXTENSIONS) | COMMON_EXTENSIONS)
)
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
    for name in ("song.wav", "song.wav.bak", "song.txt", "song.xyz", "song"):
        path = tmp_path / "rock" / name
        path.parent.mkdir(exist_ok=True)
        sf.write(path, _tone(), 16000, format="WAV")
    with pytest.warns(UserWarning, match="4 file"):
        paths, labels = load_folder(tmp_path)
    assert [Path(p).name for p in paths] == ["song.wav"]
    assert labels.tolist() == ["rock"]


def test_load_folder_says_which_files_it_does_not_read(tmp_path):
    names = [f"rock/cover{i}.jpg" for i in range(6)] + ["rock/a.wav", "rock/.x.txt"]
    _touch(tmp_path, *names, "jazz/notes.txt")
    with pytest.warns(UserWarning) as caught:
        load_folder(tmp_path)
    assert len(caught) == 1  # one warning for the whole tree
    message = str(caught[0].message)
    assert "7 file(s)" in message and ".jpg: 6, .txt: 1" in message
    assert "'jazz/notes.txt'" in message and "and 2 more" in message
    assert ".x.txt" not in message  # hidden files stay silent


def test_load_folder_says_m4a_needs_pyav(tmp_path, monkeypatch):
    _touch(tmp_path, "pop/a.wav", "pop/b.m4a", "pop/c.M4A")
    sndfile_only = skgenre.datasets._base.readable_extensions() - AV_EXTENSIONS
    monkeypatch.setattr(
        skgenre.datasets._base, "readable_extensions", lambda: sndfile_only
    )
    with pytest.warns(UserWarning, match=r"2 file.*\.m4a: 2.*needs PyAV"):
        paths, _ = load_folder(tmp_path)
    assert [Path(p).name for p in paths] == ["a.wav"]


def test_load_folder_lists_m4a_with_pyav(tmp_path):
    pytest.importorskip("av")
    _touch(tmp_path, "pop/a.wav", "pop/b.m4a", "pop/c.MP4", "pop/d.wma")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths, _ = load_folder(tmp_path)
    assert [Path(p).name for p in paths] == ["a.wav", "b.m4a", "c.MP4", "d.wma"]


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

    with pytest.warns(UserWarning, match="3 file"):
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
    with pytest.raises(ValueError, match=r"dataset.*\.wav"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
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
    # Single-label: one str per song, not a list.
    assert all(isinstance(label, str) for label in labels)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("path,label\na.wav,rock\n", r"songs\.csv.*\['genre'\]"),
        ("file\na.wav\n", r"\['genre', 'path'\]"),
        ("path,genre\n", r"songs\.csv.*no song"),
        ("", r"\['genre', 'path'\]"),
        ("path,label\na.wav,rock\n", r"expected .*'path' and 'genre' or 'genres'"),
        ("genres\nrock\n", r"lacks column\(s\) \['path'\]"),
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


# --------------------------------------------------------------------------
# Groups: artists from tags or a CSV column
# --------------------------------------------------------------------------


def _tagged(path, fmt, **tags):
    """A short real audio file of format ``fmt`` with the given tags."""
    import mutagen
    import mutagen.id3

    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, _tone(), 16000, format=fmt)
    if not tags:
        return path
    if fmt in ("WAV", "MP3"):
        audio = mutagen.File(path)
        if audio.tags is None:
            audio.add_tags()
        frames = {"artist": mutagen.id3.TPE1, "albumartist": mutagen.id3.TPE2}
        for key, text in tags.items():
            audio.tags.add(frames[key](encoding=3, text=[text]))
    else:  # Vorbis comments
        audio = mutagen.File(path)
        for key, text in tags.items():
            audio[key.upper()] = text
    audio.save()
    return path


def test_load_folder_groups_from_tags(tmp_path):
    _tagged(tmp_path / "rock/a.flac", "FLAC", artist="The Band")
    _tagged(tmp_path / "rock/b.ogg", "OGG", artist="the  band")  # same artist
    _tagged(tmp_path / "jazz/c.wav", "WAV", artist="Trio", albumartist="Leader")
    _tagged(
        tmp_path / "jazz/d.flac", "FLAC", artist="Solo", albumartist="Various Artists"
    )
    _tagged(tmp_path / "jazz/e.wav", "WAV")  # untagged
    _tagged(tmp_path / "jazz/f.wav", "WAV")  # untagged
    paths, labels, groups = load_folder(tmp_path, return_groups=True)
    by_name = {Path(p).name: g for p, g in zip(paths, groups, strict=True)}
    assert by_name["a.flac"] == by_name["b.ogg"] == "the band"
    assert by_name["c.wav"] == "leader"  # the album artist first
    assert by_name["d.flac"] == "solo"  # a compilation's track keeps its own
    # Untagged songs are each their own group, never merged.
    assert by_name["e.wav"] == str(tmp_path / "jazz/e.wav")
    assert by_name["e.wav"] != by_name["f.wav"]
    assert groups.dtype == object and groups.shape == labels.shape == (6,)
    assert load_folder(tmp_path)[0].tolist() == paths.tolist()


def test_load_folder_groups_from_mp3_and_mp4_tags(tmp_path):
    if "MP3" in sf.available_formats():
        _tagged(tmp_path / "pop/a.mp3", "MP3", artist="Singer")
    av = pytest.importorskip("av")
    import mutagen.mp4

    path = tmp_path / "pop/b.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(
            _tone().astype(np.float32)[None, :], format="flt", layout="mono"
        )
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    tags = mutagen.mp4.MP4(path)
    tags["\xa9ART"] = ["Singer"]
    tags.save()
    paths, _, groups = load_folder(tmp_path, return_groups=True)
    assert set(groups) == {"singer"}
    assert Path(paths[-1]).name == "b.m4a"


def test_unreadable_tags_make_their_own_group(tmp_path):
    _tagged(tmp_path / "rock/a.flac", "FLAC", artist="X")
    _tagged(tmp_path / "rock/b.flac", "FLAC", artist="X")
    (tmp_path / "rock/broken.flac").write_bytes(b"fLaC" + bytes(range(200)))
    paths, _, groups = load_folder(tmp_path, return_groups=True)
    assert groups.tolist() == ["x", "x", str(tmp_path / "rock/broken.flac")]


def test_a_tree_with_no_artist_warns_once(tmp_path):
    _touch(tmp_path, "rock/a.wav", "rock/b.wav", "pop/c.wav")
    with pytest.warns(UserWarning, match="No song has an artist in its tags") as w:
        paths, _, groups = load_folder(tmp_path, return_groups=True)
    assert len(w) == 1
    assert groups.tolist() == paths.tolist()


def test_load_csv_groups_from_artist_then_album(tmp_path):
    table = tmp_path / "songs.csv"
    table.write_text(
        "path,genre,artist,album\n"
        "a.wav,rock,Band,First\n"
        "b.wav,rock,BAND,Second\n"
        "c.wav,jazz,,Live at X\n"
        "d.wav,jazz,,\n"
        "e.wav,jazz,  ,\n",
        encoding="utf-8",
    )
    paths, labels, groups = load_csv(table, return_groups=True)
    assert groups.tolist() == ["band", "band", "live at x", paths[3], paths[4]]
    assert load_csv(table)[1].tolist() == labels.tolist()
    assert load_labelled(table, return_groups=True)[2].tolist() == groups.tolist()


def test_load_csv_with_empty_artists_warns(tmp_path):
    table = tmp_path / "songs.csv"
    table.write_text("path,genre,artist\na.wav,rock,\nb.wav,rock,\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="No song has an artist in its artist column"):
        _, _, groups = load_csv(table, return_groups=True)
    assert len(set(groups)) == 2
    table.write_text("path,genre\na.wav,rock\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="No song has an artist"):
        load_csv(table, return_groups=True)


def test_load_cc_music_groups():
    paths, labels, groups = load_cc_music(return_groups=True)
    assert paths.tolist() == load_cc_music()[0].tolist()
    # Kevin MacLeod plays one classical piece and one jazz piece.
    assert groups.tolist().count("kevin macleod") == 2
    assert len(set(groups)) == 4


# --------------------------------------------------------------------------
# load_csv: several genres per song (multi-label)
# --------------------------------------------------------------------------


def _table(tmp_path, content, name="songs.csv"):
    table = tmp_path / name
    table.write_text(content, encoding="utf-8")
    return table


def _is_label_lists(labels, n_songs):
    """Whether ``labels`` is the multi-label form: (n_songs,) objects, lists."""
    return (
        labels.dtype == object
        and labels.shape == (n_songs,)
        and all(isinstance(item, list) for item in labels)
        and all(isinstance(label, str) for item in labels for label in item)
    )


def test_load_csv_genres_column_splits_at_semicolons(tmp_path):
    table = _table(
        tmp_path,
        "path,genres\na.wav, rock ;blues; rock;\nb.wav,jazz\nc.wav,hip hop;;pop \n",
    )
    paths, labels = load_csv(table)
    assert paths.tolist() == [str(tmp_path / n) for n in ("a.wav", "b.wav", "c.wav")]
    assert _is_label_lists(labels, 3)
    # Stripped, empty pieces dropped, first appearance kept, no duplicates.
    assert labels.tolist() == [["rock", "blues"], ["jazz"], ["hip hop", "pop"]]


def test_load_csv_merges_repeated_paths(tmp_path):
    absolute = tmp_path / "a.wav"
    (tmp_path / "sub").mkdir()
    table = _table(
        tmp_path,
        "path,genre\n"
        "a.wav,rock\n"
        "b.wav,jazz\n"
        f"{absolute},blues\n"  # the same file, written otherwise
        "./sub/../a.wav,rock\n"
        "c.wav,pop\n"
        "b.wav,soul\n",
    )
    paths, labels = load_csv(table)
    # One song per file, at its first row, with that row's path.
    assert paths.tolist() == [str(tmp_path / n) for n in ("a.wav", "b.wav", "c.wav")]
    assert _is_label_lists(labels, 3)
    assert labels.tolist() == [["rock", "blues"], ["jazz", "soul"], ["pop"]]


def test_load_csv_genre_and_genres_columns_together(tmp_path):
    table = _table(
        tmp_path,
        "path,genre,genres\n"
        "a.wav,rock,blues; rock\n"
        "b.wav,,jazz\n"
        "c.wav,pop,\n"
        "a.wav,metal,\n",
    )
    _, labels = load_csv(table)
    # genre before genres, then row by row.
    assert labels.tolist() == [["rock", "blues", "metal"], ["jazz"], ["pop"]]


@pytest.mark.parametrize("column", ["genre", "genres"])
def test_load_csv_semicolons_make_lists_of_one_length_one_dimensional(tmp_path, column):
    table = _table(tmp_path, f"path,{column}\na.wav,rock;pop\nb.wav,jazz;blues\n")
    _, labels = load_csv(table)
    assert _is_label_lists(labels, 2)  # not a (2, 2) array
    assert labels.tolist() == [["rock", "pop"], ["jazz", "blues"]]


def test_load_csv_multi_label_round_trips_through_multilabelbinarizer(tmp_path):
    from sklearn.preprocessing import MultiLabelBinarizer
    from sklearn.utils.multiclass import type_of_target

    table = _table(
        tmp_path,
        "path,genre\na.wav,rock\nb.wav,jazz\na.wav,blues\nc.wav,rock;jazz\n",
    )
    _, labels = load_csv(table)
    binarizer = MultiLabelBinarizer()
    Y = binarizer.fit_transform(labels)
    assert type_of_target(Y) == "multilabel-indicator"
    assert binarizer.classes_.tolist() == ["blues", "jazz", "rock"]
    np.testing.assert_array_equal(Y, [[1, 0, 1], [0, 1, 0], [0, 1, 1]])
    assert [set(item) for item in binarizer.inverse_transform(Y)] == [
        set(item) for item in labels
    ]


def test_load_csv_groups_of_repeated_paths(tmp_path):
    table = _table(
        tmp_path,
        "path,genre,artist,album\n"
        "a.wav,rock,,\n"
        "b.wav,jazz,,Live\n"
        "a.wav,blues,Band,First\n"
        "a.wav,pop,Other,\n"
        "b.wav,soul,Trio,\n"
        "c.wav,pop,,\n",
    )
    paths, labels, groups = load_csv(table, return_groups=True)
    # The first non-empty artist; else the first non-empty album; else the path.
    assert groups.tolist() == ["band", "trio", paths[2]]
    assert groups.shape == labels.shape == paths.shape == (3,)
    assert load_labelled(table, return_groups=True)[2].tolist() == groups.tolist()


def test_load_csv_skips_rows_without_genre_with_one_warning(tmp_path):
    table = _table(
        tmp_path,
        "path,genre,comment\n"  # line 1
        'a.wav,rock,"two\nlines"\n'  # lines 2-3: one row
        "b.wav,,\n"  # line 4
        "\n"  # line 5: blank, no row
        "c.wav, ; ;,\n"  # line 6
        "d.wav,jazz,\n"  # line 7
        "e.wav,   ,\n",  # line 8
    )
    with pytest.warns(UserWarning) as caught:
        paths, labels = load_csv(table)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "songs.csv" in message and "3 row(s)" in message
    assert "lines 4, 6, 8" in message and "more" not in message
    assert [Path(p).name for p in paths] == ["a.wav", "d.wav"]
    assert labels.tolist() == ["rock", "jazz"]  # still single-label


def test_load_csv_names_the_first_skipped_rows_and_a_count(tmp_path):
    rows = "".join(f"{i}.wav,\n" for i in range(8))
    table = _table(tmp_path, f"path,genres\n{rows}x.wav,rock\n")
    with pytest.warns(UserWarning, match=r"8 row\(s\).*lines 2, 3, 4, 5, 6 and 3 more"):
        _, labels = load_csv(table)
    assert labels.tolist() == [["rock"]]


def test_load_csv_on_error_raise_names_the_row(tmp_path):
    table = _table(tmp_path, "path,genre\na.wav,rock\nb.wav,\nc.wav,\n")
    with pytest.raises(ValueError, match=r"songs\.csv.*line 3 \(path 'b\.wav'\)"):
        load_csv(table, on_error="raise")
    fine = _table(tmp_path, "path,genre\na.wav,rock\n", name="fine.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_csv(fine, on_error="raise")[1].tolist() == ["rock"]


@pytest.mark.parametrize("on_error", ["skip", "raise"])
def test_load_csv_with_no_row_with_a_genre_lists_no_song(tmp_path, on_error):
    table = _table(tmp_path, "path,genres\na.wav,\nb.wav,;\n")
    match = r"songs\.csv.*no song" if on_error == "skip" else "line 2"
    with pytest.raises(ValueError, match=match):
        load_csv(table, on_error=on_error)


@pytest.mark.parametrize("on_error", ["ignore", "Skip", None, True, ["skip"]])
def test_load_csv_rejects_bad_on_error(tmp_path, on_error):
    table = _table(tmp_path, "path,genre\na.wav,rock\n")
    match = rf"^load_csv: invalid on_error={re.escape(repr(on_error))}; expected "
    with pytest.raises(ValueError, match=match + "'skip' or 'raise'"):
        load_csv(table, on_error=on_error)


def test_load_labelled_passes_multi_label_tables_through(tmp_path):
    table = _table(tmp_path, "path,genres\na.wav,rock;blues\nb.wav,\n")
    with pytest.warns(UserWarning, match="line 3"):
        paths, labels = load_labelled(table)
    assert labels.tolist() == [["rock", "blues"]]
    assert paths.tolist() == [str(tmp_path / "a.wav")]
