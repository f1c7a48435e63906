import os
import pickle
import time

import joblib
import librosa
import numpy as np
import pandas as pd
import pytest
from conftest import write_tone
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from skgenre import WindowMFCCTransformer
from skgenre.audio import AudioDecodeError

pytestmark = pytest.mark.librosa  # librosa is the reference


def _reference(path, sr=22050, song=60.0, win=5.0, n_mfcc=13, hop=512, n_fft=1024):
    """The straightforward per-window computation the transformer must equal."""
    y, _ = librosa.load(path, sr=sr, mono=True, duration=song)
    y = librosa.util.fix_length(y, size=int(song * sr))
    frames = librosa.util.frame(
        y, frame_length=int(win * sr), hop_length=int(win * sr) // 2
    )
    return np.stack(
        [
            librosa.feature.mfcc(y=w, sr=sr, n_mfcc=n_mfcc, hop_length=hop, n_fft=n_fft)
            for w in frames.T
        ]
    )


def _close(a, b):
    return np.abs(a - b).max() <= 1e-3 * np.abs(b).max()


def test_default_shape_and_per_window_equivalence(real_song, tmp_path):
    short = write_tone(tmp_path / "short.wav", seconds=2.0)
    X = WindowMFCCTransformer().fit_transform([real_song, short])
    assert X.shape == (2, 23, 13, 216, 1)
    assert X.dtype == np.float32
    assert _close(X[0, ..., 0], _reference(real_song))
    assert _close(X[1, ..., 0], _reference(short))  # zero-padded at the end


def test_fit_records_shape_without_reading_audio():
    t = WindowMFCCTransformer().fit(["/does/not/exist.wav"])
    assert (t.n_windows_, t.n_bands_, t.n_frames_) == (23, 13, 216)
    assert t.settings_.n_fft == 1024
    t = WindowMFCCTransformer(features="logmel", song_length=10, window_overlap=0).fit()
    assert (t.n_windows_, t.n_bands_, t.n_frames_) == (2, 64, 216)


def test_offset_and_non_default_parameters(real_song):
    t = WindowMFCCTransformer(
        sample_rate=16000,
        n_mfcc=20,
        hop_length=256,
        n_fft=2048,
        song_length=12.0,
        window_length=4.0,
        offset=3.0,
    )
    X = t.fit_transform([real_song])
    y, _ = librosa.load(real_song, sr=16000, offset=3.0, duration=12.0)
    frames = librosa.util.frame(y, frame_length=64000, hop_length=32000)
    ref = np.stack(
        [
            librosa.feature.mfcc(y=w, sr=16000, n_mfcc=20, hop_length=256, n_fft=2048)
            for w in frames.T
        ]
    )
    assert X.shape == (1, 5, 20, 251, 1)
    assert _close(X[0, ..., 0], ref)


def test_logmel_fmax(real_song):
    X = WindowMFCCTransformer(features="logmel", n_mels=40, fmax=8000, song_length=10.0)
    out = X.fit_transform([real_song])
    assert out.shape == (1, 3, 40, 216, 1)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("X", ["list", "array", "series", "column", "pathlib"])
def test_accepts_path_containers(real_song, X):
    paths = {
        "list": [real_song],
        "array": np.array([real_song]),
        "series": pd.Series([real_song]),
        "column": pd.DataFrame({"path": [real_song]}),
        "pathlib": [__import__("pathlib").Path(real_song)],
    }[X]
    out = WindowMFCCTransformer(song_length=6.0).fit_transform(paths)
    assert out.shape == (1, 1, 13, 216, 1)


def test_bad_input_errors(tmp_path):
    t = WindowMFCCTransformer()
    with pytest.raises(ValueError, match="single path"):
        t.transform("song.wav")
    with pytest.raises(ValueError, match=r"\(n_songs,\)"):
        t.transform(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(ValueError, match="audio file paths"):
        t.transform([1, 2])
    missing = str(tmp_path / "nope.flac")
    with pytest.raises(AudioDecodeError, match="nope.flac.*no such file"):
        t.transform([missing])


@pytest.mark.parametrize(
    "param, value",
    [
        ("sample_rate", 0),
        ("n_mfcc", 0),
        ("n_mfcc", 200),
        ("hop_length", -1),
        ("n_fft", 1.5),
        ("window_length", 0),
        ("window_overlap", 1.0),
        ("song_length", -3),
        ("offset", -1),
        ("features", "chroma"),
        ("fmax", 20000),
        ("fmin", -5),
    ],
)
def test_invalid_parameters_are_named(param, value):
    with pytest.raises(ValueError, match=f"invalid {param}={value!r}"):
        WindowMFCCTransformer(**{param: value}).fit()


def test_clone_and_get_params():
    t = WindowMFCCTransformer(n_mfcc=20, memory="/tmp/x")
    c = clone(t)
    assert c.get_params() == t.get_params()
    assert "n_mfcc" in t.get_params()


def test_parallel_equals_serial(songs):
    paths, _ = songs
    serial = WindowMFCCTransformer(song_length=10.0).transform(paths[:6])
    parallel = WindowMFCCTransformer(song_length=10.0, n_jobs=2).transform(paths[:6])
    np.testing.assert_array_equal(serial, parallel)


def test_threading_backend(songs):
    paths, _ = songs
    ref = WindowMFCCTransformer(song_length=10.0).transform(paths[:3])
    with joblib.parallel_backend("threading", n_jobs=2):
        out = WindowMFCCTransformer(song_length=10.0, n_jobs=2).transform(paths[:3])
    np.testing.assert_array_equal(out, ref)


def test_memory_caches_per_file(tmp_path, count_extractions):
    paths = [
        write_tone(tmp_path / f"{i}.wav", seconds=6.0, freq=200 + 100 * i)
        for i in range(3)
    ]
    cache = tmp_path / "cache"
    t = WindowMFCCTransformer(song_length=6.0, memory=str(cache))
    first = t.transform(paths)
    assert len(count_extractions) == 3
    again = t.transform(paths)
    assert len(count_extractions) == 3  # all from the cache
    np.testing.assert_array_equal(first, again)

    # A parameter that changes features is part of the key.
    t.set_params(n_mfcc=20).transform(paths[:1])
    assert len(count_extractions) == 4
    # A parameter that does not (n_jobs, verbose) is not.
    t.set_params(n_mfcc=13, verbose=1).transform(paths)
    assert len(count_extractions) == 4

    # A changed file is recomputed, with its new content.
    time.sleep(0.01)
    write_tone(paths[0], seconds=6.0, freq=1000)
    os.utime(paths[0])
    changed = t.transform(paths)
    assert len(count_extractions) == 5
    assert not np.array_equal(changed[0], first[0])
    np.testing.assert_array_equal(changed[1:], first[1:])


def test_memory_accepts_joblib_memory(tmp_path, count_extractions):
    path = write_tone(tmp_path / "a.wav", seconds=6.0)
    memory = joblib.Memory(tmp_path / "cache", verbose=0)
    for _ in range(2):
        WindowMFCCTransformer(song_length=6.0, memory=memory).transform([path])
    assert len(count_extractions) == 1


def test_pipeline_memory(tmp_path, songs):
    paths, _ = songs
    pipe = Pipeline(
        [
            ("features", WindowMFCCTransformer(song_length=10.0)),
            ("flat", FunctionTransformer(lambda X: X.reshape(len(X), -1))),
        ],
        memory=str(tmp_path / "pipe"),
    )
    a = pipe.fit_transform(paths[:2])
    b = pipe.fit_transform(paths[:2])
    np.testing.assert_array_equal(a, b)


def test_verbose_progress_bar(songs, capsys):
    paths, _ = songs
    WindowMFCCTransformer(song_length=10.0, verbose=1).transform(paths[:2])
    err = capsys.readouterr().err
    assert "Extracting features" in err and "2/2" in err


def test_no_progress_bar_when_every_song_is_cached(songs, tmp_path, capsys):
    paths, _ = songs
    t = WindowMFCCTransformer(song_length=10.0, verbose=1, memory=str(tmp_path))
    t.transform(paths[:2])
    assert "2/2" in capsys.readouterr().err
    t.transform(paths[:3])  # a bar over the one song left to compute
    assert "1/1" in capsys.readouterr().err
    t.transform(paths[:3])
    assert "Extracting features" not in capsys.readouterr().err


def test_pickle_round_trip():
    t = WindowMFCCTransformer(n_mfcc=20).fit()
    assert pickle.loads(pickle.dumps(t)).get_params() == t.get_params()
