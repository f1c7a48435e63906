"""Folds that keep each artist on one side and name their split."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from skgenre.evaluation import artists_known, cross_validate_songs, song_folds


def _artists(n_genres=3, n_artists=4, songs_each=3):
    genres = np.repeat([f"g{i}" for i in range(n_genres)], n_artists * songs_each)
    artists = np.array(
        [
            f"{g} artist {i // songs_each}"
            for g, i in zip(
                genres,
                np.tile(np.arange(n_artists * songs_each), n_genres),
                strict=True,
            )
        ],
        dtype=object,
    )
    return genres, artists


def test_artists_known():
    assert not artists_known(None)
    assert not artists_known(["a.wav", "b.wav"])  # each song its own group
    assert artists_known(["x", "x", "y"])


def test_grouped_folds_never_put_an_artist_on_both_sides():
    y, groups = _artists()
    cv, description = song_folds(y, groups, n_splits=4)
    assert isinstance(cv, StratifiedGroupKFold)
    assert description == "4 folds, grouped by artist"
    for train, test in cv.split(np.zeros(len(y)), y, groups):
        assert not set(groups[train]) & set(groups[test])


@pytest.mark.parametrize(
    ("groups", "grouped", "words"),
    [
        (None, None, "stratified, no artist known: figures flatter"),
        ("artists", False, "stratified, an artist's songs on both sides: figures"),
    ],
)
def test_stratified_folds_say_they_flatter(groups, grouped, words):
    y, artists = _artists()
    cv, description = song_folds(
        y, artists if groups == "artists" else None, n_splits=3, grouped=grouped
    )
    assert isinstance(cv, StratifiedKFold)
    assert description.startswith("3 folds, ") and words in description


def test_grouped_folds_need_artists():
    y, groups = _artists(n_genres=2, n_artists=1)
    with pytest.raises(ValueError, match="need at least 5 artists; there are 2"):
        song_folds(y, groups, n_splits=5)
    with pytest.raises(ValueError, match="no artist is known"):
        song_folds(y, None, grouped=True)


def test_cross_validate_songs_reports_the_split():
    y, groups = _artists()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(len(y), 3)) + (np.unique(y, return_inverse=True)[1])[:, None]
    grouped = cross_validate_songs(LogisticRegression(), X, y, groups, n_splits=4)
    assert grouped.grouped and grouped.fold_scores.shape == (4,)
    assert grouped.line.startswith("4 folds, grouped by artist: ")
    assert f"{grouped.accuracy:.3f} ± " in grouped.line
    assert grouped.predicted.shape == y.shape
    stratified = cross_validate_songs(
        LogisticRegression(), X, y, groups, n_splits=4, grouped=False
    )
    assert not stratified.grouped
    assert stratified.line.endswith("(figures flatter songs by new artists)")


def test_several_labels_per_song_are_folded_without_strata():
    from sklearn.model_selection import GroupKFold, KFold
    from sklearn.multiclass import OneVsRestClassifier

    y, groups = _artists()
    Y = np.stack([y == "g0", (y == "g1") | (y == "g2")], axis=1).astype(int)
    cv, description = song_folds(Y, groups, n_splits=4)
    assert isinstance(cv, GroupKFold) and description == "4 folds, grouped by artist"
    for train, test in cv.split(np.zeros(len(Y)), Y, groups):
        assert not set(groups[train]) & set(groups[test])
    cv, description = song_folds(Y, None, n_splits=3)
    assert isinstance(cv, KFold)
    assert description.startswith("3 folds, shuffled, no artist known: figures")
    X = Y + np.random.default_rng(0).normal(scale=0.3, size=Y.shape)
    scores = cross_validate_songs(
        OneVsRestClassifier(LogisticRegression()), X, Y, groups, n_splits=4
    )
    assert scores.metric == "micro-F1" and scores.predicted.shape == Y.shape
    assert scores.line.startswith("4 folds, grouped by artist: micro-F1 ")
    with pytest.raises(AttributeError, match="micro-F1, not accuracy"):
        _ = scores.accuracy
