import numpy as np
import pytest

from skgenre import WindowMFCCTransformer
from skgenre.frontends.features import dct_matrix
from skgenre.mil.augment import BandLimit, SpecAugment, WindowDropout
from skgenre.mil.models import build_mil_model

X = np.random.default_rng(0).normal(size=(4, 5, 13, 30, 1)).astype("float32") + 5.0


def test_spec_augment_is_identity_at_inference():
    layer = SpecAugment(freq_mask=4, time_mask=10, gain=1.0, seed=0)
    np.testing.assert_array_equal(np.asarray(layer(X, training=False)), X)


def test_spec_augment_masks_spans_within_limits():
    out = np.asarray(SpecAugment(freq_mask=4, time_mask=10, seed=0)(X, training=True))
    zero = out == 0
    bands = zero.all(axis=(3, 4)).sum(axis=2)  # fully masked bands per window
    frames = zero.all(axis=(2, 4)).sum(axis=2)  # fully masked frames per window
    assert bands.max() <= 4 and frames.max() <= 10
    assert bands.sum() > 0 and frames.sum() > 0
    kept = ~zero
    np.testing.assert_array_equal(out[kept], X[kept])


def test_window_dropout_keeps_a_real_window_and_never_revives_padding():
    mask = np.ones((64, 6), "float32")
    mask[:, 4:] = 0
    out = np.asarray(WindowDropout(rate=0.9, seed=0)(mask, training=True))
    assert (out.sum(axis=1) >= 1).all()
    assert (out[:, 4:] == 0).all()
    assert out.sum() < mask.sum()
    np.testing.assert_array_equal(np.asarray(WindowDropout(0.9)(mask)), mask)


def test_regularisers_add_no_trainable_parameters():
    model = build_mil_model(
        (23, 13, 216, 1), 3, dropout=0.3, freq_mask=3, time_mask=40, window_dropout=0.3
    )
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 21075


LOGMEL = np.random.default_rng(1).uniform(-60, 0, size=(16, 3, 40, 8, 1))
LOGMEL = LOGMEL.astype("float32")


def test_band_limit_is_identity_at_inference():
    layer = BandLimit(1.0, seed=0)
    np.testing.assert_array_equal(np.asarray(layer(LOGMEL, training=False)), LOGMEL)


def test_band_limit_clips_top_mel_bands_of_whole_songs():
    out = np.asarray(
        BandLimit(0.5, max_cut=0.5, top_db=30.0, seed=0)(LOGMEL, training=True)
    )
    changed = (out != LOGMEL).any(axis=(3, 4))  # (songs, windows, bands)
    floor = LOGMEL.max(axis=(2, 3, 4), keepdims=True) - 30.0
    assert (out <= LOGMEL).all()  # clipping only lowers values
    limited = changed.any(axis=(1, 2))
    assert 0 < limited.sum() < len(LOGMEL)  # about half the songs
    for song in np.flatnonzero(limited):
        # One cutoff per song: the clipped region is a top block of bands.
        first = np.flatnonzero(changed[song].any(axis=0))[0]
        top = out[song, :, first:]
        np.testing.assert_allclose(
            top, np.minimum(LOGMEL[song, :, first:], floor[song]), rtol=1e-6
        )
        assert first >= 40 * 0.5 - 1
        np.testing.assert_array_equal(out[song, :, :first], LOGMEL[song, :, :first])


def test_band_limit_on_mfcc_equals_clipping_the_cepstral_envelope():
    dct = dct_matrix(13, 128)  # (n_mels, n_mfcc)
    mel = np.random.default_rng(2).uniform(-60, 0, size=(16, 3, 128, 8))
    mfcc = np.einsum("mj,swmt->swjt", dct, mel)
    mfcc = mfcc[..., None].astype("float32")
    envelope = np.einsum("mj,swjt->swmt", dct, mfcc[..., 0])[..., None]
    cut_mfcc = BandLimit(0.5, n_mels=128, top_db=30.0, seed=3)(mfcc, training=True)
    cut_mel = BandLimit(0.5, top_db=30.0, seed=3)(envelope, training=True)
    expected = np.einsum("mj,swmt->swjt", dct, np.asarray(cut_mel)[..., 0])
    np.testing.assert_allclose(np.asarray(cut_mfcc)[..., 0], expected, atol=1e-2)
    assert not np.allclose(np.asarray(cut_mfcc), mfcc)


@pytest.mark.librosa
def test_band_limit_brings_mfccs_towards_a_16k_copy(real_song, tmp_path):
    import librosa
    import soundfile as sf

    y, sr = sf.read(real_song, dtype="float32")
    copy = tmp_path / "copy16k.wav"
    y16 = librosa.resample(y.T if y.ndim > 1 else y, orig_sr=sr, target_sr=16000)
    sf.write(copy, np.clip(y16.T, -1, 1), 16000)
    transformer = WindowMFCCTransformer(song_length=15.0)
    full, limited = transformer.fit_transform([real_song, str(copy)])
    before = np.abs(full - limited).mean()
    # Random cutoffs: the draw closest to the real one (8 kHz) must get close.
    layer = BandLimit(1.0, n_mels=128, seed=0)
    after = min(
        np.abs(np.asarray(layer(full[None], training=True))[0] - limited).mean()
        for _ in range(20)
    )
    assert after < 0.5 * before


def test_band_limit_refuses_more_mfccs_than_mel_bands():
    with pytest.raises(ValueError, match="n_mels=8"):
        BandLimit(1.0, n_mels=8)(np.zeros((1, 1, 13, 4, 1), "float32"), training=True)
