import librosa
import numpy as np
import pytest

from skgenre.audio import fit_length, load_audio
from skgenre.features import window_features


def _windows(y, length, hop):
    return librosa.util.frame(y, frame_length=length, hop_length=hop, axis=0)


@pytest.mark.parametrize("n_fft, hop, n_mfcc", [(1024, 512, 13), (2048, 256, 20)])
def test_mfcc_equals_librosa_per_window(real_song, n_fft, hop, n_mfcc):
    sr = 22050
    y = fit_length(load_audio(real_song, sample_rate=sr, duration=20.0), 20 * sr)
    windows = _windows(y, 5 * sr, 5 * sr // 2)
    ref = np.stack(
        [
            librosa.feature.mfcc(y=w, sr=sr, n_mfcc=n_mfcc, hop_length=hop, n_fft=n_fft)
            for w in windows
        ]
    )
    got = window_features(
        windows, sample_rate=sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop
    )
    assert got.dtype == np.float32
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() <= 1e-3 * np.abs(ref).max()


def test_logmel_equals_librosa(real_song):
    sr = 16000
    y = load_audio(real_song, sample_rate=sr, duration=8.0)
    windows = _windows(y, 4 * sr, 2 * sr)
    kw = dict(n_fft=1024, hop_length=256, n_mels=64, fmin=50.0, fmax=7000.0)
    ref = np.stack(
        [
            librosa.power_to_db(librosa.feature.melspectrogram(y=w, sr=sr, **kw))
            for w in windows
        ]
    )
    got = window_features(windows, sample_rate=sr, kind="logmel", **kw)
    assert got.shape == ref.shape == (3, 64, 251)
    assert np.abs(got - ref).max() <= 1e-3 * np.abs(ref).max()


def test_silence_is_finite():
    out = window_features(np.zeros((2, 22050), np.float32), sample_rate=22050)
    assert np.isfinite(out).all()
