"""Bad-input campaign: every case gives finite features of the right shape or an
error naming the file and the reason; ``on_error`` keeps the other songs."""

import warnings

import numpy as np
import pytest
import soundfile as sf
from conftest import write_tone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sklearn.pipeline import Pipeline

from skgenre import MILSongClassifier, WindowMFCCTransformer
from skgenre.audio import AudioDecodeError

SHAPE = (1, 23, 13, 216, 1)


def _features(path, **kw):
    return WindowMFCCTransformer(**kw).transform([str(path)])


def _write(path, y, sr=22050, **kw):
    sf.write(path, y, sr, **kw)
    return path


def _noise(seconds, sr=22050, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    shape = (int(seconds * sr),) if channels == 1 else (int(seconds * sr), channels)
    return (0.3 * rng.standard_normal(shape)).astype(np.float32)


# Cases that must give finite features of the default shape.
GOOD = {
    "silence": lambda d: _write(d / "silence.wav", np.zeros(22050 * 3)),
    "0.1 s clip": lambda d: _write(d / "short.wav", _noise(0.1)),
    "nan and inf": lambda d: _write(
        d / "nan.wav",
        np.where(np.arange(22050) % 7 == 0, np.nan, _noise(1.0)),
        subtype="FLOAT",
    ),
    "inf": lambda d: _write(
        d / "inf.wav",
        np.where(np.arange(22050) % 5 == 0, np.inf, _noise(1.0)),
        subtype="FLOAT",
    ),
    "8 kHz": lambda d: _write(d / "8k.wav", _noise(3, 8000), 8000),
    "48 kHz": lambda d: _write(d / "48k.flac", _noise(3, 48000), 48000),
    "stereo": lambda d: _write(d / "stereo.wav", _noise(2, channels=2)),
    "6 channels": lambda d: _write(d / "six.wav", _noise(2, channels=6)),
    "clipping": lambda d: _write(d / "clip.wav", 5 * _noise(2), subtype="FLOAT"),
    "upper-case extension": lambda d: _write(d / "LOUD.WAV", _noise(1)),
    "non-ASCII and spaces": lambda d: _write(
        d / "Chanson très belle — 1.flac", _noise(1)
    ),
    "ogg": lambda d: _write(d / "a.ogg", _noise(2), format="OGG", subtype="VORBIS"),
    "mp3": lambda d: _write(d / "a.mp3", _noise(2), format="MP3"),
}


@pytest.mark.parametrize("case", sorted(GOOD))
def test_good_but_unusual_files_give_finite_features(tmp_path, case):
    X = _features(GOOD[case](tmp_path))
    assert X.shape == SHAPE
    assert np.isfinite(X).all()


def test_truncated_mp3_decodes_what_is_there(tmp_path):
    path = _write(tmp_path / "full.mp3", _noise(6), format="MP3")
    data = path.read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[: len(data) // 2])
    X = _features(cut)
    assert X.shape == SHAPE and np.isfinite(X).all()


def test_thirty_minute_file_reads_only_what_is_needed(tmp_path):
    path = _write(tmp_path / "long.wav", np.zeros(8000 * 1800, np.int16), 8000)
    X = _features(path)
    assert X.shape == SHAPE and np.isfinite(X).all()
    whole = _features(
        path, song_length=None, sample_rate=8000, window_length=30.0, window_overlap=0.0
    )
    assert whole.shape[1] == 60


def _put(path, data):
    path.write_bytes(data)
    return path


BAD = {
    "missing": (lambda d: d / "missing.wav", "no such file"),
    "directory": (lambda d: d, "directory"),
    "empty": (lambda d: _put(d / "e.wav", b""), "empty"),
    "text named .wav": (lambda d: _put(d / "t.wav", b"hello"), "not decodable"),
    "random bytes": (
        lambda d: _put(d / "r.flac", np.random.default_rng(0).bytes(5000)),
        "not decodable",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_raise_naming_file_and_reason(tmp_path, case):
    make, reason = BAD[case]
    path = make(tmp_path)
    with pytest.raises(AudioDecodeError, match=reason) as info:
        _features(path)
    assert str(path) in str(info.value)


@pytest.fixture
def mixed(tmp_path):
    good = [
        write_tone(tmp_path / f"g{i}.wav", seconds=3, freq=300 + 50 * i)
        for i in range(4)
    ]
    bad = tmp_path / "broken.wav"
    bad.write_text("not audio")
    return good[:2] + [str(bad)] + good[2:], str(bad)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_on_error_zeros_and_skip_keep_the_others(mixed, n_jobs):
    paths, bad = mixed
    ref = WindowMFCCTransformer(song_length=3.0).transform(
        [p for p in paths if p != bad]
    )
    t = WindowMFCCTransformer(song_length=3.0, on_error="zeros", n_jobs=n_jobs)
    with pytest.warns(UserWarning, match="1 of 5 audio files could not be read"):
        X = t.transform(paths)
    assert X.shape[0] == 5 and (X[2] == 0).all()
    np.testing.assert_array_equal(np.delete(X, 2, axis=0), ref)
    assert t.errors_ == [(bad, t.errors_[0][1])] and "not decodable" in t.errors_[0][1]
    t.set_params(on_error="skip")
    with pytest.warns(UserWarning, match="skipped"):
        np.testing.assert_array_equal(t.transform(paths), ref)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t.transform([p for p in paths if p != bad])
    assert t.errors_ == []


def test_failures_are_not_cached(mixed, tmp_path, count_extractions):
    paths, bad = mixed
    t = WindowMFCCTransformer(
        song_length=3.0, on_error="zeros", memory=str(tmp_path / "c")
    )
    with pytest.warns(UserWarning):
        t.transform(paths)
    with pytest.warns(UserWarning):
        t.transform(paths)
    assert count_extractions.count(bad) == 2  # tried again, never stored
    assert len(count_extractions) == 6  # the 4 good songs once each
    write_tone(bad, seconds=3)  # repaired
    assert np.isfinite(t.transform(paths)).all() and t.errors_ == []


def test_skip_is_refused_where_labels_must_stay_aligned(mixed):
    paths, _ = mixed
    pipe = Pipeline(
        [
            ("features", WindowMFCCTransformer(song_length=3.0, on_error="skip")),
            ("clf", MILSongClassifier(epochs=1)),
        ]
    )
    with pytest.raises(ValueError, match="misalign the labels"):
        pipe.fit(paths, ["a", "b", "a", "b", "a"])


def test_on_error_is_validated():
    with pytest.raises(ValueError, match="invalid on_error='ignore'"):
        WindowMFCCTransformer(on_error="ignore").fit()


@pytest.fixture(scope="module")
def tone(tmp_path_factory):
    return write_tone(tmp_path_factory.mktemp("prop") / "tone.wav", seconds=2.5)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    sample_rate=st.sampled_from([8000, 11025, 16000, 22050, 44100]),
    window_length=st.floats(0.2, 3.0),
    overlap=st.floats(0.0, 0.9),
    hop_length=st.sampled_from([64, 128, 256, 300, 512, 1024]),
    n_fft=st.one_of(st.none(), st.sampled_from([256, 512, 1024, 2048])),
    song_length=st.one_of(st.none(), st.floats(0.1, 5.0)),
)
def test_shape_follows_the_documented_formula(
    tone, sample_rate, window_length, overlap, hop_length, n_fft, song_length
):
    t = WindowMFCCTransformer(
        sample_rate=sample_rate,
        window_length=window_length,
        window_overlap=overlap,
        hop_length=hop_length,
        n_fft=n_fft,
        song_length=song_length,
    )
    fft = n_fft or 2 * hop_length
    window = round(window_length * sample_rate)
    assume(window >= fft // 2 + 1)
    X = t.transform([tone])
    hop = max(1, round(window * (1 - overlap)))
    song = round((song_length or 2.5) * sample_rate)
    n_windows = 1 if song <= window else 1 + (song - window) // hop
    assert X.shape == (1, n_windows, 13, 1 + window // hop_length, 1)
    assert X.dtype == np.float32 and np.isfinite(X).all()
