import keras
import numpy as np
import pytest

from skgenre.mil.pooling import (
    AttentionPooling,
    AutoPooling,
    LSEPooling,
    MaskedMaxPooling,
    MaskedMeanPooling,
    WindowMask,
)

rng = np.random.default_rng(0)
VALUES = rng.uniform(0.05, 0.95, size=(3, 6, 4)).astype("float32")
MASK = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0]], "float32")


def _masked(reduce):
    return np.stack(
        [reduce(v[m > 0], axis=0) for v, m in zip(VALUES, MASK, strict=True)]
    )


def test_mean_and_max_ignore_padding():
    mean = np.asarray(MaskedMeanPooling()([VALUES, MASK]))
    np.testing.assert_allclose(mean, _masked(np.mean), rtol=1e-6)
    peak = np.asarray(MaskedMaxPooling()([VALUES, MASK]))
    np.testing.assert_allclose(peak, _masked(np.max), rtol=1e-6)


def test_padding_values_never_matter():
    noisy = VALUES.copy()
    noisy[MASK == 0] = 100.0
    for layer in (MaskedMeanPooling(), MaskedMaxPooling(), LSEPooling(), AutoPooling()):
        np.testing.assert_allclose(
            np.asarray(layer([noisy, MASK])),
            np.asarray(layer([VALUES, MASK])),
            rtol=1e-5,
        )


def test_lse_tends_to_mean_and_max():
    low = np.asarray(LSEPooling(sharpness=1e-4)([VALUES, MASK]))
    np.testing.assert_allclose(low, _masked(np.mean), atol=1e-3)
    errors = [
        np.abs(
            np.asarray(LSEPooling(sharpness=r)([VALUES, MASK])) - _masked(np.max)
        ).max()
        for r in (1, 10, 100, 1000)
    ]
    assert errors == sorted(errors, reverse=True)
    assert errors[-1] < 1e-2


def test_autopool_alpha_zero_is_mean_and_large_alpha_is_max():
    layer = AutoPooling()
    np.testing.assert_allclose(
        np.asarray(layer([VALUES, MASK])), _masked(np.mean), rtol=1e-5
    )
    layer.alpha.assign(np.full(4, 1000.0, "float32"))
    np.testing.assert_allclose(
        np.asarray(layer([VALUES, MASK])), _masked(np.max), atol=1e-3
    )


def test_attention_weights_are_a_distribution_over_real_windows():
    embeddings = rng.normal(size=(3, 6, 8)).astype("float32")
    pooled, weights = AttentionPooling(units=5)([embeddings, MASK])
    weights = np.asarray(weights)
    assert pooled.shape == (3, 8)
    assert (weights >= 0).all()
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
    assert (weights[MASK == 0] == 0).all()
    np.testing.assert_allclose(
        np.asarray(pooled), np.einsum("bw,bwd->bd", weights, embeddings), rtol=1e-5
    )


def test_renormalize_makes_rows_sum_to_one():
    out = np.asarray(MaskedMaxPooling(renormalize=True)([VALUES, MASK]))
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_window_mask_marks_nan_windows():
    x = np.ones((2, 3, 2, 4, 1), "float32")
    x[1, 2] = np.nan
    clean, mask = WindowMask()(x)
    np.testing.assert_array_equal(np.asarray(mask), [[1, 1, 1], [1, 1, 0]])
    assert np.isfinite(np.asarray(clean)).all()


@pytest.mark.parametrize(
    "layer", [MaskedMeanPooling(), MaskedMaxPooling(), LSEPooling(2.0), AutoPooling()]
)
def test_layers_serialise_with_a_model(tmp_path, layer):
    values = keras.Input((None, 4))
    mask = keras.Input((None,))
    model = keras.Model([values, mask], layer([values, mask]))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(
        np.asarray(loaded([VALUES, MASK])), np.asarray(model([VALUES, MASK])), rtol=1e-6
    )


def test_attention_serialises(tmp_path):
    values = keras.Input((None, 8))
    mask = keras.Input((None,))
    pooled, weights = AttentionPooling(units=3)([values, mask])
    model = keras.Model([values, mask], [pooled, weights])
    model.save(tmp_path / "a.keras")
    loaded = keras.saving.load_model(tmp_path / "a.keras")
    x = rng.normal(size=(3, 6, 8)).astype("float32")
    for a, b in zip(loaded([x, MASK]), model([x, MASK]), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)
