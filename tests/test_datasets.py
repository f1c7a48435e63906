"""Tests of skgenre.datasets: load_folder and make_songs."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from skgenre.datasets import (
    _RECIPES,
    AUDIO_EXTENSIONS,
    _derived_recipe,
    load_cc_music,
    load_folder,
    make_songs,
)


def _touch(root, *relative_paths):
    for relative in relative_paths:
        path = Path(root, relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")


def _zero_crossing_rate(path):
    audio, _ = sf.read(path)
    return np.mean(np.signbit(audio[1:]) != np.signbit(audio[:-1]))


def _spectral_centroid(path):
    """Spectral centroid of the whole file, in Hz."""
    audio, sample_rate = sf.read(path)
    power = np.abs(np.fft.rfft(audio)) ** 2
    freqs = np.fft.rfftfreq(len(audio), 1.0 / sample_rate)
    return np.sum(freqs * power) / np.sum(power)


@pytest.fixture(scope="module")
def small_songs(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("songs")
    paths, labels = make_songs(
        out_dir,
        genres=("rock", "metal", "classical"),
        n_per_genre=3,
        duration=2.0,
        sample_rate=16000,
        random_state=0,
    )
    return out_dir, paths, labels


# --------------------------------------------------------------------------
# AUDIO_EXTENSIONS and load_folder
# --------------------------------------------------------------------------


def test_audio_extensions_are_lower_case_with_dot():
    assert isinstance(AUDIO_EXTENSIONS, frozenset)
    assert {".wav", ".flac", ".ogg", ".mp3", ".aiff", ".au"} <= AUDIO_EXTENSIONS
    for extension in AUDIO_EXTENSIONS:
        assert extension.startswith(".")
        assert extension == extension.lower()


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


# --------------------------------------------------------------------------
# make_songs: layout and files
# --------------------------------------------------------------------------


def test_make_songs_returns_paths_and_labels(small_songs):
    out_dir, paths, labels = small_songs
    assert paths.shape == labels.shape == (9,)
    assert labels.tolist() == ["rock"] * 3 + ["metal"] * 3 + ["classical"] * 3
    expected = [
        out_dir / genre / f"{genre}.{index:03d}.wav"
        for genre in ("rock", "metal", "classical")
        for index in range(3)
    ]
    assert [Path(p) for p in paths] == expected
    assert all(isinstance(p, str) for p in paths)
    written = sorted(p.relative_to(out_dir) for p in out_dir.rglob("*.wav"))
    assert written == sorted(p.relative_to(out_dir) for p in expected)


def test_make_songs_output_reads_back_with_load_folder(small_songs):
    out_dir, paths, labels = small_songs
    found_paths, found_labels = load_folder(out_dir)
    assert sorted(zip(found_paths, found_labels, strict=True)) == sorted(
        zip(paths, labels, strict=True)
    )


def test_make_songs_file_format(small_songs):
    _, paths, _ = small_songs
    for path in paths:
        info = sf.info(path)
        assert info.format == "WAV"
        assert info.subtype == "PCM_16"
        assert info.samplerate == 16000
        assert info.channels == 1
        assert info.frames == 32000
        audio, _ = sf.read(path)
        assert 0.45 <= np.max(np.abs(audio)) <= 0.91
        assert np.std(audio) > 0.01


@pytest.mark.parametrize(
    ("duration", "sample_rate", "frames"),
    [(0.5, 4000, 2000), (1.25, 22050, 27562), (0.1, 44100, 4410)],
)
def test_make_songs_duration_and_sample_rate(tmp_path, duration, sample_rate, frames):
    paths, _ = make_songs(
        tmp_path,
        genres=("pop",),
        n_per_genre=1,
        duration=duration,
        sample_rate=sample_rate,
        random_state=0,
    )
    info = sf.info(paths[0])
    assert info.samplerate == sample_rate
    assert info.frames == frames


def test_make_songs_all_builtin_and_unknown_genres(tmp_path):
    genres = (*_RECIPES, "vaporwave", "sea shanty")
    paths, labels = make_songs(
        tmp_path, genres=genres, n_per_genre=1, duration=1.0, random_state=1
    )
    assert labels.tolist() == list(genres)
    for path in paths:
        audio, _ = sf.read(path)
        assert np.all(np.isfinite(audio))
        assert 0.45 <= np.max(np.abs(audio)) <= 0.91


def test_builtin_recipes_cover_required_genres():
    required = {
        "rock",
        "metal",
        "blues",
        "classical",
        "jazz",
        "disco",
        "hiphop",
        "pop",
        "reggae",
        "country",
        "electronic",
    }
    assert required <= set(_RECIPES)


def test_derived_recipes_are_deterministic_and_differ():
    assert _derived_recipe(3) == _derived_recipe(3)
    recipes = [_derived_recipe(position) for position in range(6)]
    assert len(set(recipes)) == len(recipes)


# --------------------------------------------------------------------------
# make_songs: determinism and variety
# --------------------------------------------------------------------------


def _make_bytes(out_dir, random_state):
    paths, _ = make_songs(
        out_dir,
        genres=("jazz", "mystery"),
        n_per_genre=2,
        duration=1.0,
        sample_rate=8000,
        random_state=random_state,
    )
    return [Path(p).read_bytes() for p in paths]


def test_make_songs_same_seed_gives_identical_bytes(tmp_path):
    first = _make_bytes(tmp_path / "a", 42)
    second = _make_bytes(tmp_path / "b", 42)
    from_instance = _make_bytes(tmp_path / "c", np.random.RandomState(42))
    assert first == second == from_instance


def test_make_songs_different_seeds_differ(tmp_path):
    first = _make_bytes(tmp_path / "a", 0)
    second = _make_bytes(tmp_path / "b", 1)
    assert all(a != b for a, b in zip(first, second, strict=True))


def test_make_songs_songs_differ_within_a_genre(small_songs):
    _, paths, labels = small_songs
    for genre in ("rock", "metal", "classical"):
        contents = [Path(p).read_bytes() for p in paths[labels == genre]]
        assert len(set(contents)) == len(contents)


def test_genres_differ_in_brightness(small_songs):
    _, paths, labels = small_songs
    metal, classical = paths[labels == "metal"], paths[labels == "classical"]
    assert min(map(_zero_crossing_rate, metal)) > max(
        map(_zero_crossing_rate, classical)
    )
    assert min(map(_spectral_centroid, metal)) > 1.5 * max(
        map(_spectral_centroid, classical)
    )


def test_genres_are_learnable_from_mfcc(tmp_path):
    librosa = pytest.importorskip("librosa")
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    paths, labels = make_songs(
        tmp_path,
        genres=("rock", "metal", "blues"),
        n_per_genre=8,
        duration=10,
        random_state=0,
    )
    features = []
    for path in paths:
        audio, sample_rate = sf.read(path, dtype="float32")
        mfcc = librosa.feature.mfcc(y=audio, sr=sample_rate, n_mfcc=13)
        features.append(np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1)]))
    scores = cross_val_score(
        LogisticRegression(max_iter=5000),
        np.array(features),
        labels,
        cv=StratifiedKFold(4),
    )
    assert scores.mean() >= 0.8


# --------------------------------------------------------------------------
# make_songs: argument validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_per_genre": 0}, "n_per_genre.*0"),
        ({"n_per_genre": -2}, "n_per_genre.*-2"),
        ({"n_per_genre": 1.5}, "n_per_genre.*1.5"),
        ({"n_per_genre": True}, "n_per_genre"),
        ({"n_per_genre": "3"}, "n_per_genre"),
        ({"duration": 0}, "duration.*0"),
        ({"duration": -1.0}, "duration.*-1.0"),
        ({"duration": float("nan")}, "duration.*nan"),
        ({"duration": float("inf")}, "duration.*inf"),
        ({"duration": "10"}, "duration"),
        ({"sample_rate": 3999}, "sample_rate.*4000.*3999"),
        ({"sample_rate": 22050.0}, "sample_rate.*22050.0"),
        ({"sample_rate": True}, "sample_rate"),
        ({"genres": ()}, "genres.*empty"),
        ({"genres": "rock"}, "genres.*'rock'"),
        ({"genres": ("rock", "rock")}, "genres.*unique.*rock"),
        ({"genres": ("rock", 3)}, "genres.*3"),
        ({"genres": ("",)}, "genres"),
        ({"genres": ("a/b",)}, "genres.*a/b"),
        ({"genres": (".hidden",)}, "genres.*hidden"),
        ({"genres": None}, "genres.*None"),
    ],
)
def test_make_songs_validates_arguments(tmp_path, kwargs, match):
    out_dir = tmp_path / "out"
    with pytest.raises(ValueError, match=match):
        make_songs(out_dir, **kwargs)
    assert not out_dir.exists()


def test_make_songs_accepts_numpy_integers_and_lists(tmp_path):
    paths, labels = make_songs(
        tmp_path,
        genres=["blues"],
        n_per_genre=np.int64(2),
        duration=np.float32(0.25),
        sample_rate=np.int32(8000),
        random_state=0,
    )
    assert labels.tolist() == ["blues", "blues"]
    assert sf.info(paths[0]).frames == 2000
