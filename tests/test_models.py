import numpy as np
import pytest

from skgenre.mil.models import build_mil_model, build_window_cnn


def _trainable(model):
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


@pytest.mark.parametrize("n_classes, expected", [(3, 21075), (2, 21009)])
def test_reference_parameter_count(n_classes, expected):
    model = build_mil_model((23, 13, 216, 1), n_classes)
    assert _trainable(model) == expected


def test_reference_layers_and_shapes():
    cnn = build_window_cnn((13, 216, 1), 3)
    names = [type(layer).__name__ for layer in cnn.layers]
    assert names == [
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "MaxPooling2D",
        "Flatten",
        "Dense",
        "Dense",
        "Dense",
    ]
    assert cnn.get_layer(index=4).output.shape[-1] == 544
    assert cnn.layers[-1].activation.__name__ == "softmax"
    assert build_window_cnn((13, 216, 1), 1).layers[-1].activation.__name__ == "sigmoid"


def test_song_output_is_mean_of_window_outputs():
    model = build_mil_model((4, 13, 216, 1), 3)
    x = np.random.default_rng(0).normal(size=(2, 4, 13, 216, 1)).astype("float32")
    song = np.asarray(model(x))
    cnn = model.get_layer("per_window").layer
    windows = np.asarray(cnn(x.reshape(8, 13, 216, 1))).reshape(2, 4, 3)
    np.testing.assert_allclose(song, windows.mean(axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(song.sum(axis=1), 1.0, rtol=1e-5)


def test_normalization_is_not_trainable():
    model = build_mil_model(
        (23, 13, 216, 1), 3, band_mean=np.zeros(13), band_variance=np.ones(13)
    )
    assert _trainable(model) == 21075


def test_window_stats_adds_two_inputs_per_band_to_the_first_dense_layer():
    plain = build_mil_model((23, 13, 216, 1), 3)
    model = build_mil_model((23, 13, 216, 1), 3, window_stats=True)
    assert _trainable(model) == _trainable(plain) + 2 * 13 * 32


def test_band_statistics_are_mean_and_std_over_frames():
    from skgenre.mil.models import BandStatistics

    x = np.random.default_rng(0).normal(size=(5, 7, 30, 1)).astype("float32")
    out = np.asarray(BandStatistics()(x))
    expected = np.concatenate([x[..., 0].mean(axis=2), x[..., 0].std(axis=2)], axis=1)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
