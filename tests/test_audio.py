import numpy as np
import pytest
import soundfile as sf
from conftest import write_tone

from skgenre.audio import (
    AudioDecodeError,
    decoded_length,
    fit_length,
    load_audio,
    n_windows_for,
)


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
@pytest.mark.parametrize("read", [load_audio, decoded_length])
def test_errors_name_file_and_reason(tmp_path, make, reason, read):
    path = make(tmp_path)
    with pytest.raises(AudioDecodeError, match=reason) as info:
        read(path, sample_rate=22050)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "name, sr, subtype",
    [
        ("a.wav", 22050, None),
        ("a.flac", 44100, None),
        ("a.ogg", 16000, "VORBIS"),
        ("a.mp3", 44100, "MPEG_LAYER_III"),
    ],
)
@pytest.mark.parametrize("seconds", [0.3, 4.37])
@pytest.mark.parametrize("offset", [0.0, 1.13, 9.0])
def test_decoded_length_is_the_length_load_audio_returns(
    tmp_path, name, sr, subtype, seconds, offset
):
    if subtype and subtype not in sf.available_subtypes(name.split(".")[1].upper()):
        pytest.skip(f"libsndfile cannot write {subtype}")
    rng = np.random.default_rng(0)
    path = tmp_path / name
    sf.write(path, 0.3 * rng.standard_normal(int(seconds * sr)), sr, subtype=subtype)
    for target in (22050, sr, 11025):
        y = load_audio(path, sample_rate=target, offset=offset)
        assert decoded_length(path, sample_rate=target, offset=offset) == y.shape[0]


def test_decoded_length_of_a_truncated_mp3_is_what_decodes(tmp_path):
    # A truncated MP3 announces its full length in the header but decodes to
    # less: its samples must be counted, not read from the header.
    if "MPEG_LAYER_III" not in sf.available_subtypes("MP3"):
        pytest.skip("libsndfile cannot write MP3")
    path = tmp_path / "full.mp3"
    sf.write(path, 0.3 * np.random.default_rng(0).standard_normal(88200), 44100)
    cut = _write(tmp_path / "cut.mp3", path.read_bytes()[: path.stat().st_size // 2])
    with sf.SoundFile(cut) as f:
        assert f.frames == 88200  # the header still says 2 s
    n = load_audio(cut, sample_rate=22050).shape[0]
    assert 0 < n < 44100
    assert decoded_length(cut, sample_rate=22050) == n


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
