"""Tests of skgenre.datasets.make_songs and its genre recipes."""

import hashlib
import re
import shutil
from pathlib import Path

import mutagen
import numpy as np
import pytest
import soundfile as sf

from skgenre.datasets import load_folder, make_songs
from skgenre.datasets._recipes import RECIPES, artist_recipe, derived_recipe


def _zero_crossing_rate(path):
    audio, _ = sf.read(path)
    return np.mean(np.signbit(audio[1:]) != np.signbit(audio[:-1]))


def _spectral_centroid(path, part=slice(None)):
    """Spectral centroid of the whole file (or of ``part`` of it), in Hz."""
    audio, sample_rate = sf.read(path)
    audio = audio[part]
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


@pytest.mark.librosa
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


_ARTISTS = "an int in [1, n_per_genre] or None"
_N_LABELS = "an int in [1, len(genres)] (len(genres)=3)"


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
        ({"n_artists": 0}, "n_artists=0", _ARTISTS),
        ({"n_artists": 11}, "n_artists=11", _ARTISTS),
        ({"n_per_genre": 2, "n_artists": 3}, "n_artists=3", _ARTISTS),
        ({"n_artists": 1.0}, "n_artists=1.0", _ARTISTS),
        ({"n_artists": True}, "n_artists=True", _ARTISTS),
        ({"n_artists": "2"}, "n_artists='2'", _ARTISTS),
        ({"return_groups": 1}, "return_groups=1", "True or False"),
        ({"return_groups": "yes"}, "return_groups='yes'", "True or False"),
        ({"return_groups": None}, "return_groups=None", "True or False"),
        ({"n_labels": 0}, "n_labels=0", _N_LABELS),
        ({"n_labels": 4}, "n_labels=4", _N_LABELS),
        ({"n_labels": 2.0}, "n_labels=2.0", _N_LABELS),
        ({"n_labels": True}, "n_labels=True", _N_LABELS),
        ({"n_labels": "2"}, "n_labels='2'", _N_LABELS),
        ({"n_labels": None}, "n_labels=None", _N_LABELS),
        ({"genres": ("a",), "n_labels": 2}, "n_labels=2", "(len(genres)=1)"),
        ({"n_labels": 2, "n_artists": 2}, "n_artists=2", "None when n_labels > 1"),
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


# --------------------------------------------------------------------------
# Artists
# --------------------------------------------------------------------------

# sha256 of make_songs(tmp, n_per_genre=1, duration=1.0, random_state=0)'s
# files, measured before artists existed: without n_artists (and with
# n_labels=1) the files must not change by a byte (only a NumPy or SciPy
# change of rounding may).
_LEGACY_SHA256 = {
    "rock/rock.000.wav": (
        "52b6788b83e18e7f3fae77da910f5b72e62b92f63da1559c83af62927102c31b"
    ),
    "metal/metal.000.wav": (
        "4fbe54ccbbced0e1bfd9bb59007d19e4e15201fe121b094939ca46af0996c70c"
    ),
    "blues/blues.000.wav": (
        "68a6f314469ee04d52e13f2dd682050bff5d077c06bf8e8183f633f59832eff2"
    ),
}


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"n_artists": None, "return_groups": True}, {"n_labels": np.int64(1)}],
)
def test_make_songs_without_artists_is_byte_identical_to_before(tmp_path, kwargs):
    paths = make_songs(tmp_path, n_per_genre=1, duration=1.0, random_state=0, **kwargs)[
        0
    ]
    found = {Path(p).relative_to(tmp_path).as_posix(): _sha256(p) for p in paths}
    assert found == _LEGACY_SHA256
    assert all(mutagen.File(p).tags is None for p in paths)


def test_make_songs_groups_without_artists_are_file_stems(small_songs, tmp_path):
    out_dir, paths, labels = small_songs
    result = make_songs(
        tmp_path,
        genres=("rock", "metal", "classical"),
        n_per_genre=3,
        duration=2.0,
        sample_rate=16000,
        random_state=0,
        return_groups=True,
    )
    assert len(result) == 3
    new_paths, new_labels, groups = result
    assert groups.dtype == object and groups.shape == (9,)
    assert groups.tolist() == [Path(p).stem for p in paths]
    assert len(set(groups)) == 9  # unknown artists are never merged
    assert new_labels.tolist() == labels.tolist()
    for old, new in zip(paths, new_paths, strict=True):
        assert Path(old).read_bytes() == Path(new).read_bytes()


@pytest.mark.parametrize(
    ("n_per_genre", "n_artists", "sizes"),
    [
        (6, 3, [2, 2, 2]),
        (5, 2, [3, 2]),
        (10, 3, [4, 3, 3]),
        (3, 3, [1, 1, 1]),
        (2, 1, [2]),
    ],
)
def test_make_songs_artist_groups(tmp_path, n_per_genre, n_artists, sizes):
    genres = ("jazz", "mystery")
    paths, labels, groups = make_songs(
        tmp_path,
        genres=genres,
        n_per_genre=n_per_genre,
        duration=0.5,
        sample_rate=8000,
        random_state=0,
        n_artists=n_artists,
        return_groups=True,
    )
    n_songs = len(genres) * n_per_genre
    assert paths.shape == labels.shape == groups.shape == (n_songs,)
    assert groups.dtype == object and all(isinstance(g, str) for g in groups)
    expected = [
        f"{genre} artist {number}"
        for genre in genres
        for number, size in enumerate(sizes, start=1)
        for _ in range(size)
    ]
    # Contiguous blocks: consecutive songs of a genre by one artist.
    assert groups.tolist() == expected
    assert len(set(groups)) == len(genres) * n_artists


def test_make_songs_artists_are_deterministic(tmp_path):
    def make(folder, random_state):
        paths, _, groups = make_songs(
            tmp_path / folder,
            genres=("rock", "vaporwave"),
            n_per_genre=4,
            duration=1.0,
            sample_rate=8000,
            random_state=random_state,
            n_artists=2,
            return_groups=True,
        )
        return [Path(p).read_bytes() for p in paths], groups.tolist()

    first, second = make("a", 3), make("b", 3)
    from_instance = make("c", np.random.RandomState(3))
    assert first == second == from_instance
    other, _ = make("d", 4)
    assert all(a != b for a, b in zip(first[0], other, strict=True))
    assert len(set(first[0])) == len(first[0])  # one artist's songs differ


def test_make_songs_writes_artist_tags(tmp_path):
    paths, _, groups = make_songs(
        tmp_path / "tagged",
        genres=("blues",),
        n_per_genre=2,
        duration=1.0,
        sample_rate=8000,
        random_state=0,
        n_artists=2,
        return_groups=True,
    )
    for path, artist in zip(paths, groups, strict=True):
        tags = mutagen.File(path).tags
        assert tags["TPE1"].text == [artist]
        assert tags["TALB"].text == [f"{artist} album"]
        # The tag chunk leaves the audio as soundfile reads it untouched.
        audio, sample_rate = sf.read(path)
        bare = tmp_path / "bare.wav"
        shutil.copy(path, bare)
        mutagen.File(bare).delete()
        assert mutagen.File(bare).tags is None
        bare_audio, bare_rate = sf.read(bare)
        assert sample_rate == bare_rate == 8000
        np.testing.assert_array_equal(audio, bare_audio)
        assert sf.info(path).frames == 8000


def test_artist_recipe_fixes_tempo_key_and_keeps_the_genre():
    genre = RECIPES["rock"]
    artists = [artist_recipe(genre, np.random.RandomState(seed)) for seed in range(8)]
    assert artists[0] == artist_recipe(genre, np.random.RandomState(0))
    assert len(set(artists)) == len(artists)
    low, high = genre.bpm
    for artist in artists:
        assert low <= artist.bpm[0] < artist.bpm[1] <= high
        assert artist.bpm[1] - artist.bpm[0] <= 0.1 * (high - low) + 1e-9
        assert artist.bass_root[0] == artist.bass_root[1]
        assert genre.bass_root[0] <= artist.bass_root[0] <= genre.bass_root[1]
        assert 0 < artist.song_spread < 1
        for field in ("progression", "kick", "snare", "hat", "bass_pattern"):
            assert getattr(artist, field) == getattr(genre, field)
    assert len({artist.chord_cutoff for artist in artists}) == len(artists)


def _mfcc_stats(paths):
    import librosa

    features = []
    for path in paths:
        audio, sample_rate = sf.read(path, dtype="float32")
        mfcc = librosa.feature.mfcc(y=audio, sr=sample_rate, n_mfcc=13)
        features.append(np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1)]))
    return np.array(features)


@pytest.mark.librosa
def test_make_songs_artist_effect(tmp_path):
    """Stratified CV flatters with artists; artist-disjoint CV stays above chance."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import (
        StratifiedGroupKFold,
        StratifiedKFold,
        cross_val_score,
    )
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    stratified, grouped = [], []
    # Two seeds, pooled, so the figures rest on 24 artists, not 12.
    for seed in (0, 1):
        paths, labels, groups = make_songs(
            tmp_path / str(seed),
            n_per_genre=12,
            duration=3.0,
            random_state=seed,
            n_artists=4,
            return_groups=True,
        )
        X = _mfcc_stats(paths)
        cv = StratifiedKFold(3, shuffle=True, random_state=0)
        stratified.append(cross_val_score(model, X, labels, cv=cv).mean())
        grouped.append(
            cross_val_score(
                model, X, labels, groups=groups, cv=StratifiedGroupKFold(3)
            ).mean()
        )
    stratified, grouped = np.mean(stratified), np.mean(grouped)
    # Measured: stratified 0.958, grouped 0.819 (chance 1/3).
    assert stratified - grouped >= 0.07
    assert grouped >= 0.6


# --------------------------------------------------------------------------
# Medleys: several genres per song (n_labels > 1)
# --------------------------------------------------------------------------

_MEDLEY_GENRES = ("metal", "classical", "rock")


def test_medleys_labels_layout_and_groups(tmp_path):
    from sklearn.preprocessing import MultiLabelBinarizer
    from sklearn.utils.multiclass import type_of_target

    # Positional: genres, n_per_genre, duration, sample_rate, random_state.
    paths, labels, groups = make_songs(
        tmp_path, _MEDLEY_GENRES, 3, 2.0, 16000, 0, n_labels=2, return_groups=True
    )
    assert paths.shape == labels.shape == groups.shape == (9,)
    assert paths.dtype == labels.dtype == groups.dtype == object
    counts = {}
    for number, (path, names) in enumerate(zip(paths, labels, strict=True)):
        assert isinstance(names, list) and all(isinstance(n, str) for n in names)
        assert len(set(names)) == 2 and set(names) <= set(_MEDLEY_GENRES)
        assert names[0] == _MEDLEY_GENRES[number // 3]  # the block's genre first
        name = "+".join(names)
        index = counts[name] = counts.get(name, -1) + 1
        assert Path(path) == tmp_path / name / f"{name}.{index:03d}.wav"
        info = sf.info(path)
        assert (info.subtype, info.samplerate, info.frames) == ("PCM_16", 16000, 32000)
        audio, _ = sf.read(path)
        assert 0.45 <= np.max(np.abs(audio)) <= 0.91
    assert len(counts) > 3  # the second genre is drawn, not fixed
    assert groups.tolist() == [Path(p).stem for p in paths]
    assert len(set(groups)) == 9  # each song its own group
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.wav"))
    assert written == sorted(Path(p).relative_to(tmp_path) for p in paths)
    Y = MultiLabelBinarizer(classes=list(_MEDLEY_GENRES)).fit_transform(labels)
    assert type_of_target(Y) == "multilabel-indicator"
    np.testing.assert_array_equal(Y.sum(axis=1), 2)


def test_medley_halves_sound_like_their_genres(tmp_path):
    # Metal is much brighter than classical (test_genres_differ_in_brightness).
    paths, labels = make_songs(
        tmp_path, ("metal", "classical"), 2, 3.0, 16000, 0, n_labels=2
    )
    for path, names in zip(paths, labels, strict=True):
        # The middle fifth, where the genres crossfade, is left out.
        first = _spectral_centroid(path, slice(None, 19200))
        second = _spectral_centroid(path, slice(28800, None))
        metal, classical = (first, second) if names[0] == "metal" else (second, first)
        assert metal > 1.5 * classical, (names, first, second)


def test_medleys_are_deterministic_and_of_any_length(tmp_path):
    genres = ("jazz", "mystery", "pop")

    def make(folder, random_state):
        # 8001 frames: segments of 2667 frames.
        paths, labels = make_songs(
            tmp_path / folder, genres, 2, 1.0, 8001, random_state, n_labels=3
        )
        return [Path(p).read_bytes() for p in paths], labels.tolist(), paths

    first, labels, paths = make("a", 5)
    assert (
        make("b", 5)[:2] == make("c", np.random.RandomState(5))[:2] == (first, labels)
    )
    other = make("d", 6)[0]
    assert all(a != b for a, b in zip(first, other, strict=True))
    assert len(set(first)) == len(first)
    for number, (path, names) in enumerate(zip(paths, labels, strict=True)):
        assert names[0] == genres[number // 2] and sorted(names) == sorted(genres)
        assert sf.info(path).frames == 8001


def test_medley_segments_are_rendered_at_their_length_and_crossfaded(monkeypatch):
    from skgenre.datasets import _samples_generator

    lengths = []

    def constant_song(level, duration, sample_rate, rng):  # level for recipe
        lengths.append(max(1, round(duration * sample_rate)))
        return np.full(lengths[-1], level)

    monkeypatch.setattr(_samples_generator, "render_song", constant_song)
    song = _samples_generator._render_medley(
        [1.0, -0.5, 0.25], 1.0, 10000, np.random.RandomState(0)
    )
    # Each segment runs 50 ms (500 frames) into the next; the last the rest.
    assert lengths == [3833, 3833, 3334] and song.shape == (10000,)
    peak = np.max(np.abs(song))
    assert 0.5 <= peak <= 0.9
    # No step: a plain join of 1.0 and -0.5 would jump by 1.5.
    assert np.max(np.abs(np.diff(song))) < 0.01 * peak
    # Away from the joins, each segment is its genre alone.
    np.testing.assert_allclose(song[:3000], peak)
    np.testing.assert_allclose(song[3900:6600], -0.5 * peak)
    np.testing.assert_allclose(song[7300:], 0.25 * peak)
