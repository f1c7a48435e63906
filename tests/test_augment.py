import numpy as np

from skgenre.augment import SpecAugment, WindowDropout
from skgenre.models import build_mil_model

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
