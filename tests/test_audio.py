import numpy as np
import pytest
import soundfile as sf
from conftest import write_tone

from skgenre.audio import AudioDecodeError, fit_length, load_audio, n_windows_for


def test_load_matches_librosa(real_song):
    import librosa

    ref, _ = librosa.load(real_song, sr=16000, mono=True, offset=2.0, duration=10.0)
    y = load_audio(real_song, sample_rate=16000, offset=2.0, duration=10.0)
    assert y.dtype == np.float32
    assert y.shape == ref.shape
    np.testing.assert_allclose(y, ref, atol=1e-4)


def test_stereo_is_mixed_to_mono(tmp_path):
    path = write_tone(tmp_path / "st.wav", seconds=1.0, channels=2)
    stereo, _ = sf.read(path, dtype="float32")
    y = load_audio(path, sample_rate=22050)
    np.testing.assert_allclose(y, stereo.mean(axis=1), atol=1e-6)


def test_resamples(tmp_path):
    path = write_tone(tmp_path / "a.flac", seconds=2.0, sr=44100)
    assert load_audio(path, sample_rate=22050).shape == (44100,)


def _write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda d: d / "missing.wav", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _write(d / "empty.wav", b""), "empty"),
        (lambda d: _write(d / "text.wav", b"not audio at all"), "not decodable"),
        (lambda d: _write(d / "noise.mp3", bytes(range(256)) * 40), "not decodable"),
    ],
)
def test_errors_name_file_and_reason(tmp_path, make, reason):
    path = make(tmp_path)
    with pytest.raises(AudioDecodeError, match=reason) as info:
        load_audio(path, sample_rate=22050)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_non_finite_samples_become_zero(tmp_path):
    y = np.zeros(1000, dtype=np.float32)
    y[10], y[20] = np.nan, np.inf
    path = tmp_path / "nan.wav"
    sf.write(path, y, 22050, subtype="FLOAT")
    assert np.isfinite(load_audio(path, sample_rate=22050)).all()


def test_fit_length_and_window_count():
    y = np.ones(5, dtype=np.float32)
    np.testing.assert_array_equal(fit_length(y, 7), [1, 1, 1, 1, 1, 0, 0])
    assert fit_length(y, 3).shape == (3,)
    assert n_windows_for(1323000, 110250, 55125) == 23
    assert n_windows_for(100, 110250, 55125) == 1
