import json
import os
import sys
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
import soundfile as sf

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# librosa's numba kernels (librosa is the tests' reference) compile in 15 s
# unoptimised, 25 s optimised, with the same numbers; cached apart, so that
# the benchmarks keep the optimised ones.
os.environ.setdefault("NUMBA_OPT", "0")
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(sys.prefix, "numba-cache-tests"))

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


def pytest_collection_modifyitems(items):
    """Tests marked ``librosa`` first, in their order, then the others.

    librosa's first use in a process compiles its numba kernels (15 s, then
    cached: see ``NUMBA_CACHE_DIR`` above).  pytest-xdist's work stealing
    gives each worker a contiguous block and steals from its end, so these
    tests, all at the front, run on one worker: a fresh clone compiles the
    kernels once, not once per worker.
    """
    items.sort(key=lambda item: item.get_closest_marker("librosa") is None)


@pytest.fixture(autouse=True)
def _keras_steps_eagerly(request, monkeypatch):
    """Keras runs the models' training and prediction steps eagerly, unless
    a test is marked ``graph``.

    Each fit traces Keras' training function anew, about 1.5 s; the fits
    here, of a few steps of small models, take a few tenths of a second
    eagerly, with the same numbers (``run_eagerly``, scikeras' parameter).
    Tests marked ``graph`` run as users do, traced: those about tracing or
    comparing with another process, and those training for many steps.
    """
    # Where the classifier is not loaded yet (a test file run alone that
    # never imports it), nothing to patch, and TensorFlow stays unimported.
    adapter = sys.modules.get("skgenre.mil._scikeras")
    if adapter is None or request.node.get_closest_marker("graph"):
        return
    SongKerasClassifier = adapter.SongKerasClassifier
    build_traced = SongKerasClassifier._keras_build_fn

    def build_eagerly(self, meta, compile_kwargs):
        return build_traced(self, meta, {**compile_kwargs, "run_eagerly": True})

    monkeypatch.setattr(SongKerasClassifier, "_keras_build_fn", build_eagerly)


@pytest.fixture(scope="session")
def real_song():
    return str(VIBE_ACE)


@pytest.fixture(scope="session")
def real_clip(tmp_path_factory):
    """The first 9 s of the real jazz song (three musicnn windows), as WAV."""
    sr = sf.info(VIBE_ACE).samplerate
    y, _ = sf.read(VIBE_ACE, dtype="float32", frames=9 * sr)
    path = tmp_path_factory.mktemp("real") / "vibe_ace_9s.wav"
    sf.write(path, y, sr)
    return str(path)


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
    import skgenre.frontends.features

    calls = []
    real = skgenre.frontends.features.song_features

    def counting(path, settings):
        calls.append(path)
        return real(path, settings)

    monkeypatch.setattr(skgenre.frontends.features, "song_features", counting)
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


# ------------------------------------------------------------- model files


def rewrite_manifest(src, dst, change):
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w") as b:
        for name in a.namelist():
            data = a.read(name)
            if name == "skgenre-model.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest)
            b.writestr(name, data)


@pytest.fixture(scope="session")
def small_model(tmp_path_factory):
    """A saved binary classifier: the file and its members."""
    import skgenre

    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 2, 13, 20, 1)).astype("float32")
    clf = skgenre.MILSongClassifier(epochs=1, features="mfcc", random_state=0)
    clf.fit(X, np.array(["a", "b"] * 2))
    path = tmp_path_factory.mktemp("small") / "model.skgenre"
    skgenre.save(clf, path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return path, members


def write_members(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def flip_a_byte_of(good, bad, member):
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo(member)
    # The member's data follows its 30-byte local header, name and extra field.
    name_len, extra_len = np.frombuffer(
        data, "<u2", count=2, offset=info.header_offset + 26
    )
    start = info.header_offset + 30 + int(name_len) + int(extra_len)
    data[start + info.compress_size // 2] ^= 0xFF
    bad.write_bytes(bytes(data))


def damaged_files(good, members, out):
    """(path, expected words of the reason): every way a model file is refused.

    ``good`` is a saved classifier alone, ``members`` its archive's members.
    """
    cases = []

    def case(name, words, write):
        path = out / name
        write(path)
        cases.append((path, words))

    case("empty.skgenre", ["empty file"], lambda p: p.write_bytes(b""))
    case("text.skgenre", ["not a zip archive"], lambda p: p.write_text("hello"))
    case(
        "pickle.skgenre",
        ["not a zip archive"],
        lambda p: joblib.dump({"a": 1}, p),
    )
    size = good.stat().st_size
    case(
        "cut.skgenre",
        ["damaged or cut short"],
        lambda p: p.write_bytes(good.read_bytes()[: size // 2]),
    )
    case(
        "flipped.skgenre",
        ["damaged", "in step0.keras"],
        lambda p: flip_a_byte_of(good, p, "step0.keras"),
    )
    case(
        "missing.skgenre",
        ["damaged", "'step0.keras' is missing"],
        lambda p: write_members(
            p, {k: v for k, v in members.items() if k != "step0.keras"}
        ),
    )
    altered = dict(members)
    keras_file = bytearray(altered["step0.keras"])
    keras_file[-100] ^= 1  # still a zip for keras, but not what was saved
    altered["step0.keras"] = bytes(keras_file)
    case(
        "altered.skgenre",
        ["damaged", "step0.keras was altered"],
        lambda p: write_members(p, altered),
    )
    case(
        "extra.skgenre",
        ["unexpected member 'evil.pkl'"],
        lambda p: write_members(p, {**members, "evil.pkl": b"\x80\x04."}),
    )
    manifest = json.loads(members["skgenre-model.json"])
    newer = {**manifest, "format_version": 99, "skgenre_version": "9.0"}
    case(
        "newer.skgenre",
        ["incompatible version", "skgenre 9.0", "format version 99"],
        lambda p: write_members(
            p, {**members, "skgenre-model.json": json.dumps(newer)}
        ),
    )
    return cases
