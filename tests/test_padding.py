"""The one rule for padded windows, and every place that applies it."""

import numpy as np
import pytest

from skgenre.padding import PAD_VALUE, mean_over_real_windows, real_windows


def _windows():
    """Two songs of three windows: song 0 has a padded last window, and its
    second window is real with a NaN in some values."""
    X = np.arange(2 * 3 * 4 * 2, dtype=np.float32).reshape(2, 3, 4, 2)
    X[0, 2] = PAD_VALUE
    X[0, 1, 0, :] = np.nan
    X[0, 1, 3, 1] = np.inf
    return X


def test_a_window_is_real_if_any_value_is_finite():
    X = _windows()
    np.testing.assert_array_equal(real_windows(X), [[1, 1, 0], [1, 1, 1]])
    # Any rank of window: embeddings, probabilities.
    np.testing.assert_array_equal(real_windows(X[..., 0]), real_windows(X))
    assert real_windows(np.full((1, 2, 3), np.nan)).tolist() == [[False, False]]
    with pytest.raises(ValueError, match="n_songs, n_windows"):
        real_windows(np.zeros(3))


def test_mean_over_real_windows_counts_non_finite_values_as_zero():
    X = _windows()
    mean = mean_over_real_windows(X)
    clean = np.where(np.isfinite(X), X, 0.0)
    np.testing.assert_allclose(mean[0], clean[0, :2].mean(axis=0))
    np.testing.assert_allclose(mean[1], X[1].mean(axis=0))
    assert np.isfinite(mean).all()
    # A song with no real window has a mean of 0, not NaN.
    assert mean_over_real_windows(np.full((1, 2, 3), np.nan)).tolist() == [[0] * 3]


def test_the_model_masks_by_the_same_rule():
    from skgenre.mil.pooling import WindowMask

    X = _windows()
    clean, mask = WindowMask()(X)
    np.testing.assert_array_equal(np.asarray(mask), real_windows(X))
    np.testing.assert_array_equal(np.asarray(clean), np.where(np.isfinite(X), X, 0))


def test_statistics_follow_the_rule():
    from skgenre.mil.models import band_statistics

    X = _windows()[..., None]  # (songs, windows, bands, frames, 1)
    mean, variance = band_statistics(X)
    real = np.where(np.isfinite(X), X, 0.0)[real_windows(X)]  # (windows, b, t, 1)
    np.testing.assert_allclose(mean, real.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(variance, real.var(axis=(0, 2, 3)))


def test_zero_shot_tags_and_window_genres_follow_the_rule():
    from skgenre.zeroshot import TagGenreClassifier, song_tags

    X = np.full((1, 3, 50), 0.1)
    X[0, 0, 9] = 0.9  # jazz
    X[0, 1, :5] = np.nan  # real, with some NaN values
    X[0, 2] = np.nan  # padding
    np.testing.assert_allclose(song_tags(X), mean_over_real_windows(X))
    clf = TagGenreClassifier("musicnn-msd").fit()
    proba = clf.predict_window_proba(X)
    assert np.isfinite(proba[0, :2]).all() and np.isnan(proba[0, 2]).all()
    assert clf.predict(X)[0] == "jazz"


def test_stores_count_real_windows_by_the_rule(tmp_path):
    from skgenre.frontends._extraction import Extraction, FrontEnd
    from skgenre.frontends.store import open_store, write_store

    X = _windows()
    front_end = FrontEnd(
        compute=_song_of_windows, count=_song_n_windows, window_shape=X.shape[2:]
    )
    extraction = Extraction(front_end=front_end, settings=_Settings())
    paths = [str(i) for i in range(len(X))]
    # Song 0 computes its two real windows (one with NaN values), song 1 three.
    stored, _ = write_store(extraction, paths, tmp_path / "store")
    _, index = open_store(tmp_path / "store")
    assert index["n_windows"] == [2, 3]
    np.testing.assert_array_equal(real_windows(stored), real_windows(X))


class _Settings(tuple):
    def _asdict(self):
        return {}


def _song_of_windows(path, settings):
    X = _windows()
    return X[int(path)][real_windows(X)[int(path)]]


def _song_n_windows(path, settings):
    return len(_song_of_windows(path, settings))
