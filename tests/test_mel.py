"""The first song's path: the numpy mel front-end and resampling equal
librosa's, ONNX Runtime's chunked calls equal one call, and neither librosa
nor numba is imported."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import librosa
import numpy as np
import pytest
import scipy.signal
import soundfile as sf

from skgenre import _mel
from skgenre.audio import _resample, decoded_length, load_audio

pytestmark = pytest.mark.librosa  # librosa is the reference

# (sr, n_fft, n_mels, fmin, fmax): musicnn's, the MFCC front-end's defaults
# and its fmin / fmax variants, and a few others.
FILTER_SETTINGS = [
    (16000, 512, 96, 0.0, None),
    (22050, 1024, 128, 0.0, None),
    (22050, 1024, 128, 0.0, 8000.0),
    (22050, 1024, 128, 50.0, 11025.0),
    (22050, 1024, 40, 300.0, 4000.0),
    (22050, 2048, 64, 0.0, None),
    (44100, 4096, 256, 20.0, 16000.0),
    (8000, 256, 40, 0, 4000),  # integers
]


@pytest.mark.parametrize("n", [1, 2, 7, 256, 512, 1024, 2048])
def test_hann_window_is_scipys_periodic_hann(n):
    expected = scipy.signal.get_window("hann", n, fftbins=True)
    window = _mel.hann_window(n)
    assert window.dtype == np.float64
    np.testing.assert_array_equal(window, expected)


@pytest.mark.parametrize("n", [0, -1, 2.0])
def test_hann_window_refuses_what_scipy_refuses(n):
    with pytest.raises(ValueError):
        scipy.signal.get_window("hann", n, fftbins=True)
    with pytest.raises(ValueError, match="positive integer"):
        _mel.hann_window(n)


@pytest.mark.parametrize("sr, n_fft, n_mels, fmin, fmax", FILTER_SETTINGS)
def test_mel_filters_equal_librosa(sr, n_fft, n_mels, fmin, fmax):
    kwargs = dict(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    expected = librosa.filters.mel(**kwargs, htk=False, norm="slaney")
    weights = _mel.mel_filters(**kwargs)
    assert weights.dtype == expected.dtype == np.float32
    assert weights.shape == (n_mels, 1 + n_fft // 2)
    np.testing.assert_allclose(weights, expected, rtol=1e-6, atol=1e-9)
    expected64 = librosa.filters.mel(**kwargs, dtype=np.float64)
    weights64 = _mel.mel_filters(**kwargs, dtype=np.float64)
    np.testing.assert_allclose(weights64, expected64, rtol=1e-12, atol=1e-15)


def test_mel_frequencies_equal_librosa():
    for fmin, fmax in [(0.0, 8000.0), (50.0, 11025.0), (1000.0, 1000.0), (0, 999)]:
        np.testing.assert_allclose(
            _mel.mel_frequencies(130, fmin=fmin, fmax=fmax),
            librosa.mel_frequencies(130, fmin=fmin, fmax=fmax, htk=False),
            rtol=1e-12,
        )


def test_empty_filters_warn_as_librosa_does():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        expected = librosa.filters.mel(sr=8000, n_fft=128, n_mels=128)
        weights = _mel.mel_filters(sr=8000, n_fft=128, n_mels=128)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2 and messages[0] == messages[1]
    assert "Empty filters" in messages[1]
    np.testing.assert_allclose(weights, expected, rtol=1e-6, atol=1e-9)


def _librosa_melspectrogram(y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n_fft too large for a short signal
        return librosa.feature.melspectrogram(y=y, **kwargs)


@pytest.fixture(scope="module")
def song_16k(real_song):
    """The whole real song (61 s: several of melspectrogram's blocks)."""
    y, _ = librosa.load(real_song, sr=16000)
    return y


def test_musicnn_melspectrogram_is_librosas_bit_for_bit(song_16k):
    # musicnn quantises the mel power to float16: any difference in the last
    # bit could move a value to the next float16, so equality is asked.
    kwargs = dict(sr=16000, n_fft=512, hop_length=256, n_mels=96)
    power = _mel.melspectrogram(song_16k, **kwargs)
    expected = _librosa_melspectrogram(song_16k, **kwargs)
    assert power.dtype == np.float32 and power.shape == expected.shape
    assert power.shape == (96, 1 + song_16k.size // 256)
    np.testing.assert_array_equal(power, expected)


@pytest.mark.parametrize("n_samples", [0, 1, 255, 256, 511, 513, 20_000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_melspectrogram_equals_librosa(song_16k, n_samples, dtype):
    y = song_16k[16000 : 16000 + n_samples].astype(dtype)
    kwargs = dict(sr=16000, n_fft=512, hop_length=256, n_mels=96)
    power = _mel.melspectrogram(y, **kwargs)
    expected = _librosa_melspectrogram(y, **kwargs)
    assert power.dtype == expected.dtype == dtype
    np.testing.assert_allclose(power, expected, rtol=1e-6, atol=1e-12)


def test_melspectrogram_of_other_settings_equals_librosa(song_16k):
    y = song_16k[:80_000]
    kwargs = dict(sr=22050, n_fft=1024, hop_length=512, n_mels=128, fmax=8000.0)
    np.testing.assert_allclose(
        _mel.melspectrogram(y, **kwargs),
        _librosa_melspectrogram(y, **kwargs),
        rtol=1e-5,
        atol=1e-9,
    )


@pytest.mark.parametrize(
    "y", [np.zeros((2, 1000), np.float32), np.arange(1000), np.full(1000, np.nan)]
)
def test_melspectrogram_refuses_bad_signals(y):
    with pytest.raises(ValueError):
        _mel.melspectrogram(y, sr=16000, n_fft=512, hop_length=256, n_mels=96)


@pytest.mark.parametrize(
    "native, target", [(22050, 16000), (44100, 16000), (8000, 16000), (48000, 22050)]
)
@pytest.mark.parametrize("n_samples", [1, 2, 1001, 12_345, 44_100])
def test_resample_is_librosas_soxr_hq(song_16k, native, target, n_samples):
    y = song_16k[:n_samples].copy()
    expected = librosa.resample(y, orig_sr=native, target_sr=target, res_type="soxr_hq")
    resampled = _resample(y, native, target)
    assert resampled.dtype == np.float32
    # The length decoded_length assumes, without decoding.
    assert resampled.shape == (int(np.ceil(n_samples * target / native)),)
    np.testing.assert_array_equal(resampled, expected)


def test_load_audio_resamples_as_librosa_load(real_song):
    expected, _ = librosa.load(real_song, sr=16000, offset=1.5, duration=20.0)
    y = load_audio(real_song, sample_rate=16000, offset=1.5, duration=20.0)
    np.testing.assert_array_equal(y, expected)
    whole = load_audio(real_song, sample_rate=16000)
    assert whole.shape[0] == decoded_length(real_song, sample_rate=16000)


def test_first_song_imports_neither_librosa_nor_numba(tmp_path, real_song):
    # A 44.1 kHz clip: both front-ends resample it.
    y, sr = sf.read(real_song, dtype="float32", frames=6 * 22050)
    path = tmp_path / "clip.wav"
    sf.write(path, librosa.resample(y, orig_sr=sr, target_sr=44100), 44100)
    code = (
        "import sys\n"
        "from skgenre import WindowEmbedder, WindowMFCCTransformer\n"
        "from skgenre.frontends.embedder import song_patches\n"
        "from skgenre.frontends.features import song_features\n"
        f"path = {str(path)!r}\n"
        "song_patches(path, WindowEmbedder(song_length=5).feature_settings())\n"
        "song_features(path, WindowMFCCTransformer(song_length=5).feature_settings())\n"
        "heavy = ('librosa', 'numba', 'scipy.signal', 'tqdm', 'sklearn.pipeline')\n"
        "loaded = [name for name in heavy if name in sys.modules]\n"
        "assert not loaded, loaded\n"
        "import skgenre\n"  # what import skgenre gave before, on first use
        "assert skgenre.load is skgenre.persistence.load and skgenre.save\n"
        "assert skgenre.zeroshot.zero_shot_pipeline\n"
    )
    # The skgenre under test, wherever it is imported from.
    root = str(Path(_mel.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": root}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_public_names_stay_importable():
    import skgenre

    for name in set(skgenre.__all__) - {"MILSongClassifier"}:  # (imports Keras)
        assert getattr(skgenre, name) is not None
    assert {"load", "save", "MILSongClassifier"} <= set(dir(skgenre))
    from skgenre import load, save  # noqa: F401


@pytest.mark.parametrize("batch_size", [3, 10, 64])
def test_onnx_chunks_equal_one_call_on_the_batch(song_16k, batch_size):
    pytest.importorskip("onnxruntime")
    from skgenre.encoders import _onnx, musicnn

    # 13 patches: batches of 3, of 10 then 3, and of all 13, in chunks of 4
    # and a shorter last one.
    patches = musicnn.musicnn_patches(musicnn.musicnn_logmel(song_16k))[:13]
    assert len(patches) > _onnx._CHUNK  # chunked
    session = _onnx._onnx_session("musicnn-msd", None)
    inputs = session.get_inputs()[0].name
    whole = session.run(None, {inputs: patches})
    musicnn.prepare_encoder("musicnn-msd", "taggram", runtime="onnx")
    for layer, expected in zip(_onnx.ONNX_OUTPUTS, whole, strict=True):
        out = musicnn.encode(
            "musicnn-msd", layer, patches, batch_size=batch_size, runtime="onnx"
        )
        assert out.shape == expected.shape and out.dtype == np.float32
        np.testing.assert_allclose(out, expected, rtol=0, atol=1e-5)
