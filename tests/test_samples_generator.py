"""Tests of skgenre.datasets.make_songs and its genre recipes."""

import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from skgenre.datasets import load_folder, make_songs
from skgenre.datasets._recipes import RECIPES, derived_recipe


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
# Layout and files
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
    genres = (*RECIPES, "vaporwave", "sea shanty")
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
    assert required <= set(RECIPES)


def test_derived_recipes_are_deterministic_and_differ():
    assert derived_recipe(3) == derived_recipe(3)
    recipes = [derived_recipe(position) for position in range(6)]
    assert len(set(recipes)) == len(recipes)


# --------------------------------------------------------------------------
# Determinism and variety
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
# Argument validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "shown", "accepted"),
    [
        ({"n_per_genre": 0}, "n_per_genre=0", "an int >= 1"),
        ({"n_per_genre": -2}, "n_per_genre=-2", "an int >= 1"),
        ({"n_per_genre": 1.5}, "n_per_genre=1.5", "an int >= 1"),
        ({"n_per_genre": True}, "n_per_genre=True", "an int >= 1"),
        ({"n_per_genre": "3"}, "n_per_genre='3'", "an int >= 1"),
        ({"duration": 0}, "duration=0", "a finite number of seconds > 0"),
        ({"duration": -1.0}, "duration=-1.0", "a finite number"),
        ({"duration": float("nan")}, "duration=nan", "a finite number"),
        ({"duration": float("inf")}, "duration=inf", "a finite number"),
        ({"duration": "10"}, "duration='10'", "a finite number"),
        ({"sample_rate": 3999}, "sample_rate=3999", "an int >= 4000"),
        ({"sample_rate": 22050.0}, "sample_rate=22050.0", "an int >= 4000"),
        ({"sample_rate": True}, "sample_rate=True", "an int >= 4000"),
        ({"genres": ()}, "genres=()", "a non-empty sequence"),
        ({"genres": "rock"}, "genres='rock'", "a non-empty sequence"),
        ({"genres": None}, "genres=None", "a non-empty sequence"),
        ({"genres": ("rock", "rock")}, "genres=('rock', 'rock')", "unique"),
        ({"genres": ("rock", 3)}, "genres[1]=3", "a non-empty str"),
        ({"genres": ("",)}, "genres[0]=''", "a non-empty str"),
        ({"genres": ("a/b",)}, "genres[0]='a/b'", "no path separator"),
        ({"genres": (".hidden",)}, "genres[0]='.hidden'", "not starting with '.'"),
    ],
)
def test_make_songs_validates_arguments(tmp_path, kwargs, shown, accepted):
    out_dir = tmp_path / "out"
    match = (
        rf"^make_songs: invalid {re.escape(shown)}; expected .*{re.escape(accepted)}"
    )
    with pytest.raises(ValueError, match=match):
        make_songs(out_dir, **kwargs)
    assert not out_dir.exists()


def test_make_songs_names_repeated_genres(tmp_path):
    with pytest.raises(ValueError, match=r"'jazz', 'rock' repeated"):
        make_songs(tmp_path, genres=["rock", "jazz", "pop", "jazz", "rock"])


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
