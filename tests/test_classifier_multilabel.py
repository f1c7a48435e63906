"""MILSongClassifier on several labels per song: a 0/1 indicator ``y``."""

import warnings

import numpy as np
import pytest
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    check_cv,
    cross_val_score,
    cross_validate,
)
from sklearn.preprocessing import MultiLabelBinarizer

import skgenre
from skgenre import MILSongClassifier


def _labelled(n=16, n_labels=3, windows=5, dim=8, seed=0):
    """Embedding windows where label l lifts feature l in most windows."""
    rng = np.random.default_rng(seed)
    Y = rng.integers(0, 2, size=(n, n_labels))
    Y[0] = 0  # a song with no label
    Y[1] = 1
    X = rng.normal(size=(n, windows, dim)).astype("float32")
    for label in range(n_labels):
        X[Y[:, label] == 1, :3, label] += 3.0
    X[::4, -2:] = np.nan  # shorter songs
    return X, Y


def _fast(**kw):
    return MILSongClassifier(**{"epochs": 3, "random_state": 0, **kw})


@pytest.mark.parametrize("pooling", ["mean", "max", "lse", "autopool", "attention"])
def test_indicator_y_gives_label_probabilities(pooling):
    X, Y = _labelled()
    clf = _fast(pooling=pooling).fit(X, Y)
    assert clf.multilabel_ and clf.classes_.tolist() == [0, 1, 2]
    proba = clf.predict_proba(X)
    assert proba.shape == (16, 3) and ((proba >= 0) & (proba <= 1)).all()
    assert clf.predict_proba(X[:1]).shape == (1, 3)
    predicted = clf.predict(X)
    np.testing.assert_array_equal(predicted, (proba >= 0.5).astype(int))
    # A timeline per label, NaN where windows are padding.
    window_proba, weights = clf.predict_window_proba(X, return_weights=True)
    assert window_proba.shape == (16, 5, 3)
    assert np.isnan(window_proba[0, -2:]).all() and np.isfinite(window_proba[1]).all()
    if pooling == "attention":  # one head per label, each summing to 1
        assert weights.shape == (16, 5, 3)
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
    else:
        assert weights.shape == (16, 5)


def test_threshold_sets_the_labels_predict_marks():
    X, Y = _labelled()
    clf = _fast().fit(X, Y)
    proba = clf.predict_proba(X)
    for threshold in (0.0, 0.3, 1.0):
        clf.set_params(threshold=threshold)
        np.testing.assert_array_equal(clf.predict(X), proba >= threshold)
    with pytest.raises(ValueError, match="invalid threshold=1.5"):
        _fast(threshold=1.5).fit(X, Y)


@pytest.mark.graph
def test_labels_are_learned_per_window():
    X, Y = _labelled(n=48, seed=1)
    clf = MILSongClassifier(random_state=0, epochs=60, learning_rate=0.01)
    clf.fit(X[:36], Y[:36])
    assert (clf.predict(X[36:]) == Y[36:]).mean() > 0.75


def test_one_label_per_song_stays_multilabel():
    # scikeras reads such an indicator as one-hot classes; it is labels.
    X, _ = _labelled()
    Y = np.eye(3, dtype=int)[np.arange(16) % 3]
    clf = _fast().fit(X, Y)
    assert clf.multilabel_
    assert not np.allclose(clf.predict_proba(X).sum(axis=1), 1.0)
    assert clf.predict(X).shape == (16, 3)


def test_spectrogram_windows_take_labels_too():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3, 13, 24, 1)).astype("float32")
    Y = rng.integers(0, 2, size=(8, 2))
    Y[:2] = [[0, 1], [1, 0]]
    clf = _fast(features="mfcc").fit(X, Y)
    assert clf.predict_proba(X).shape == (8, 2)
    assert clf.predict_window_proba(X).shape == (8, 3, 2)


def test_single_label_fits_are_unchanged():
    X, Y = _labelled()
    y = Y.argmax(axis=1)
    clf = _fast().fit(X, y)
    assert not clf.multilabel_ and clf.predict(X).shape == (16,)
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    ("y", "words"),
    [
        (np.full((16, 2), 0.5), r"shape \(16, 2\) and dtype float64"),
        (np.tile([1, 2], (16, 1)), r"shape \(16, 2\) and dtype int64"),
        ([["rock", "jazz"]] * 16, r"shape \(16, 2\) and dtype <U4"),
        (np.zeros((16, 2, 2), dtype=int), r"shape \(16, 2, 2\)"),
    ],
    ids=["probabilities", "two-values", "label-lists", "3-d"],
)
def test_other_targets_are_refused(y, words):
    X, _ = _labelled()
    with pytest.raises(ValueError, match=words + ".*MultiLabelBinarizer"):
        _fast().fit(X, y)


def test_class_weight_is_refused_and_constant_labels_warned():
    X, Y = _labelled()
    with pytest.raises(ValueError, match="class_weight='balanced' is for single"):
        _fast(class_weight="balanced").fit(X, Y)
    Y = Y.copy()
    Y[:, 2] = 0
    Y[:2] = [[0, 1, 0], [1, 0, 0]]
    with pytest.warns(UserWarning, match=r"label column\(s\) 2 of y are the same"):
        _fast().fit(X, Y)


def test_scikit_learn_multilabel_tools_work():
    X, Y = _labelled()
    assert isinstance(check_cv(3, Y, classifier=True), KFold)
    cv = KFold(2, shuffle=True, random_state=0)
    scores = cross_validate(
        _fast(epochs=1), X, Y, cv=cv, scoring=["f1_micro", "f1_samples", "roc_auc_ovr"]
    )
    for name in ("f1_micro", "f1_samples", "roc_auc_ovr"):
        assert np.isfinite(scores[f"test_{name}"]).all()
    assert cross_val_score(_fast(epochs=1), X, Y, cv=cv).shape == (2,)  # subsets
    search = GridSearchCV(
        _fast(epochs=1), {"threshold": [0.3, 0.5]}, cv=cv, scoring="f1_micro"
    ).fit(X, Y)
    assert search.best_estimator_.multilabel_


def test_label_lists_through_multilabel_binarizer():
    X, _ = _labelled(n=6)
    lists = [["rock"], ["rock", "blues"], [], ["jazz"], ["blues", "jazz"], ["rock"]]
    binarizer = MultiLabelBinarizer()
    Y = binarizer.fit_transform(lists)
    clf = _fast().fit(X, Y)
    names = binarizer.inverse_transform(clf.predict(X))
    assert len(names) == 6 and all(set(n) <= {"blues", "jazz", "rock"} for n in names)


def test_multilabel_model_files(tmp_path):
    X, Y = _labelled()
    clf = _fast(pooling="attention", threshold=0.4).fit(X, Y)
    skgenre.save(clf, tmp_path / "labels.skgenre")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no constant-label warning
        loaded = skgenre.load(tmp_path / "labels.skgenre")
    assert loaded.multilabel_ and loaded.threshold == 0.4
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.classes_.tolist() == [0, 1, 2]


def test_model_files_keep_label_names(tmp_path):
    X, Y = _labelled()
    clf = _fast().fit(X, Y)
    skgenre.save(clf, tmp_path / "m.skgenre", label_names=["blues", "jazz", "rock"])
    loaded, names = skgenre.load(tmp_path / "m.skgenre", return_label_names=True)
    assert names == ["blues", "jazz", "rock"] and loaded.multilabel_
    skgenre.save(clf, tmp_path / "plain.skgenre")
    assert skgenre.load(tmp_path / "plain.skgenre", return_label_names=True)[1] is None
    with pytest.raises(ValueError, match="label_names must be str"):
        skgenre.save(clf, tmp_path / "bad.skgenre", label_names=[1, 2, 3])


def test_auto_pooling_is_lse_for_labels_and_mean_for_classes():
    from skgenre.mil.pooling import LSEPooling, MaskedMeanPooling

    X, Y = _labelled()
    labels = _fast().fit(X, Y)
    assert isinstance(labels.model_.get_layer("pooling"), LSEPooling)
    classes = _fast().fit(X, Y.argmax(axis=1))
    assert isinstance(classes.model_.get_layer("pooling"), MaskedMeanPooling)
    assert labels.get_params()["pooling"] == classes.get_params()["pooling"] == "auto"


def test_boolean_indicators_are_taken_and_sparse_ones_explained():
    from scipy import sparse

    X, Y = _labelled()
    assert _fast().fit(X, Y.astype(bool)).multilabel_
    with pytest.raises(ValueError, match=r"sparse csr_matrix.*y.toarray\(\)"):
        _fast().fit(X, sparse.csr_matrix(Y))
