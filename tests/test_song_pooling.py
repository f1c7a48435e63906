"""SongPooling: song statistics over real windows, for any scikit-learn head."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import SelfTrainingClassifier

import skgenre
from skgenre import SongPooling, WindowEmbedder


def _padded(seed=0, n_songs=6, n_windows=5, n_features=4):
    """Windows with a different number of padded (all-NaN) windows per song."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_songs, n_windows, n_features))
    lengths = [n_windows - i % 3 for i in range(n_songs)]
    for song, n in enumerate(lengths):
        X[song, n:] = np.nan
    return X, lengths


def test_statistics_over_real_windows_only():
    X, lengths = _padded()
    out = SongPooling(stats=("mean", "std", "max", "min")).fit_transform(X)
    assert out.shape == (6, 4 * 4)
    for song, n in enumerate(lengths):
        real = X[song, :n]
        expected = np.concatenate([real.mean(0), real.std(0), real.max(0), real.min(0)])
        np.testing.assert_allclose(out[song], expected, rtol=1e-12)


def test_follows_the_padding_rule():
    # A window with some NaN or inf values is real; those values count as 0.
    X = np.array([[[1.0, np.nan], [3.0, np.inf], [np.nan, np.nan]]])
    out = SongPooling(stats=("mean", "max")).fit_transform(X)
    np.testing.assert_allclose(out, [[2.0, 0.0, 3.0, 0.0]])


def test_song_without_real_window_is_zero_with_a_warning():
    X = np.full((2, 3, 2), np.nan)
    X[0] = 1.0
    with pytest.warns(UserWarning, match="1 song"):
        out = SongPooling().fit(X[:1]).transform(X)
    np.testing.assert_array_equal(out[1], 0.0)


def test_more_window_axes_are_flattened():
    X = np.random.default_rng(0).normal(size=(3, 4, 2, 5, 1))
    pooling = SongPooling(stats=("mean",)).fit(X)
    assert pooling.n_features_in_ == 10 and pooling.window_shape_ == (2, 5, 1)
    np.testing.assert_allclose(pooling.transform(X), X.mean(1).reshape(3, -1))


@pytest.mark.parametrize(
    "stats", ["mean", (), ("mean", "mean"), ("median",), (1,), None]
)
def test_bad_stats_are_refused(stats):
    with pytest.raises(ValueError, match="SongPooling: invalid stats"):
        SongPooling(stats=stats).fit(np.zeros((2, 3, 4)))


def test_bad_windows_are_refused():
    with pytest.raises(ValueError, match=r"invalid X='array of shape \(3, 4\)'"):
        SongPooling().fit(np.zeros((3, 4)))
    pooling = SongPooling().fit(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="5 features per window, but was fitted"):
        pooling.transform(np.zeros((2, 3, 5)))


def test_feature_names():
    pooling = SongPooling(stats=("std", "mean")).fit(np.zeros((1, 2, 2)))
    assert pooling.get_feature_names_out().tolist() == [
        "std_x0",
        "std_x1",
        "mean_x0",
        "mean_x1",
    ]
    names = pooling.get_feature_names_out(["rock", "jazz"])
    assert names.tolist() == ["std_rock", "std_jazz", "mean_rock", "mean_jazz"]
    with pytest.raises(ValueError, match="3 input feature names for 2"):
        pooling.get_feature_names_out(["a", "b", "c"])


def test_parameters_follow_sklearn():
    pooling = SongPooling(stats=("max",))
    assert clone(pooling).get_params() == {"stats": ("max",)}
    tags = pooling.__sklearn_tags__()
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array


@pytest.fixture(scope="module")
def embedded_songs(songs, tmp_path_factory):
    """Paths, genres and a feature cache of 9 s of the synthetic songs."""
    paths, labels = songs
    return list(paths), labels, str(tmp_path_factory.mktemp("pool_cache"))


def _song_pipeline(cache, head=None):
    return Pipeline(
        [
            ("features", WindowEmbedder(song_length=9.0, memory=cache)),
            ("pool", SongPooling()),
            ("scale", StandardScaler()),
            ("clf", head or LogisticRegression(max_iter=2000)),
        ]
    )


def test_pretrained_song_pipeline_cross_validates_and_tunes(embedded_songs):
    paths, labels, cache = embedded_songs
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(_song_pipeline(cache), paths, labels, cv=cv)
    assert scores.mean() > 0.6  # three synthetic genres, chance 0.33
    search = GridSearchCV(
        _song_pipeline(cache),
        {"pool__stats": [("mean",), ("mean", "std")]},
        cv=cv,
    ).fit(paths, labels)
    assert search.best_estimator_.predict(paths[:2]).shape == (2,)


def test_meta_estimators_follow_song_pooling(embedded_songs):
    paths, labels, cache = embedded_songs
    calibrated = _song_pipeline(
        cache, CalibratedClassifierCV(LogisticRegression(max_iter=2000), cv=3)
    ).fit(paths, labels)
    proba = calibrated.predict_proba(paths)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    # Semi-supervised: a third of the songs unlabelled (-1).
    codes = np.unique(labels, return_inverse=True)[1]
    partial = np.where(np.arange(len(codes)) % 3 == 0, -1, codes)
    self_training = _song_pipeline(
        cache, SelfTrainingClassifier(LogisticRegression(max_iter=2000))
    ).fit(paths, partial)
    assert set(self_training.predict(paths)) <= set(codes)


def test_song_pipeline_saves_and_loads(embedded_songs, tmp_path):
    paths, labels, cache = embedded_songs
    pipe = _song_pipeline(cache).fit(paths, labels)
    skgenre.save(pipe, tmp_path / "songs.skgenre")
    loaded = skgenre.load(tmp_path / "songs.skgenre")
    assert [type(step).__name__ for _, step in loaded.steps] == [
        "WindowEmbedder",
        "SongPooling",
        "StandardScaler",
        "LogisticRegression",
    ]
    np.testing.assert_allclose(
        loaded.predict_proba(paths[:4]), pipe.predict_proba(paths[:4]), atol=1e-6
    )
    np.testing.assert_array_equal(loaded.classes_, pipe.classes_)
