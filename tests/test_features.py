import librosa
import numpy as np
import pytest

from skgenre.audio import fit_length, load_audio
from skgenre.frontends.features import window_features

pytestmark = pytest.mark.librosa  # librosa is the reference


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
        y,
        sample_rate=sr,
        window_samples=5 * sr,
        hop_samples=5 * sr // 2,
        n_mfcc=n_mfcc,
        n_fft=n_fft,
        hop_length=hop,
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
    got = window_features(
        y,
        sample_rate=sr,
        window_samples=4 * sr,
        hop_samples=2 * sr,
        kind="logmel",
        **kw,
    )
    assert got.shape == ref.shape == (3, 64, 251)
    assert np.abs(got - ref).max() <= 1e-3 * np.abs(ref).max()


def test_silence_is_finite():
    out = window_features(
        np.zeros(44100, np.float32),
        sample_rate=22050,
        window_samples=22050,
        hop_samples=22050,
    )
    assert out.shape == (2, 13, 44)
    assert np.isfinite(out).all()


@pytest.mark.parametrize(
    "n_fft, hop", [(1024, 512), (512, 512), (2048, 300), (4096, 1000)]
)
def test_edge_frames_match_zero_padded_windows(n_fft, hop):
    # Frames reaching past a window's edges must see zeros, not the song.
    sr = 8000
    y = np.random.default_rng(1).normal(size=5 * sr).astype(np.float32)
    length, step = 2 * sr + 37, sr - 11
    ref = np.stack(
        [
            librosa.feature.mfcc(y=w, sr=sr, n_mfcc=13, hop_length=hop, n_fft=n_fft)
            for w in _windows(y, length, step)
        ]
    )
    got = window_features(
        y,
        sample_rate=sr,
        window_samples=length,
        hop_samples=step,
        n_fft=n_fft,
        hop_length=hop,
    )
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() <= 1e-3 * np.abs(ref).max()
