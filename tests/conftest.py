import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

DATA = Path(__file__).resolve().parents[1] / "skgenre" / "data"
VIBE_ACE = DATA / "Kevin_MacLeod_-_Vibe_Ace.ogg"  # real jazz, CC BY 3.0, 61 s


def write_tone(path, seconds=3.0, sr=22050, channels=1, freq=440.0, seed=0):
    """A short tone with a little noise, as a real audio file."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.4 * np.sin(2 * np.pi * freq * t) + 0.02 * rng.standard_normal(t.size)
    if channels > 1:
        y = np.stack([y * (1 - 0.2 * c) for c in range(channels)], axis=1)
    sf.write(path, y, sr)
    return str(path)


@pytest.fixture(scope="session")
def real_song():
    return str(VIBE_ACE)


@pytest.fixture(scope="session")
def songs(tmp_path_factory):
    """Synthetic songs of three genres, 10 s each: (paths, labels)."""
    from skgenre.datasets import make_songs

    out = tmp_path_factory.mktemp("songs")
    return make_songs(out, n_per_genre=8, duration=10.0, random_state=0)


@pytest.fixture(scope="session")
def small_features(songs):
    """Features of the synthetic songs: 3 windows of 5 s per song."""
    from skgenre import WindowMFCCTransformer

    paths, labels = songs
    X = WindowMFCCTransformer(song_length=10.0).fit_transform(paths)
    return X, labels


@pytest.fixture
def count_extractions(monkeypatch):
    """List that records the path of every real (uncached) feature extraction."""
    import skgenre.features

    calls = []
    real = skgenre.features.song_features

    def counting(path, settings):
        calls.append(path)
        return real(path, settings)

    monkeypatch.setattr(skgenre.features, "song_features", counting)
    return calls


class _CreatesFile:
    """Unpickling this creates ``target``: a stand-in for a malicious pickle."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def write_evil_pickle(path, target):
    """Write a pickle whose unpickling would create the file ``target``."""
    import pickle

    Path(path).write_bytes(pickle.dumps(_CreatesFile(str(target))))
    return path
