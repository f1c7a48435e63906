"""The whole system in scikit-learn: Pipeline, cross_val_score, GridSearchCV."""

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from skgenre import MILSongClassifier, WindowMFCCTransformer


def _pipe(epochs=15):
    return Pipeline(
        [
            ("features", WindowMFCCTransformer(song_length=10.0)),
            ("clf", MILSongClassifier(epochs=epochs, batch_size=4, random_state=0)),
        ]
    )


def test_cross_validated_accuracy_well_above_chance(songs):
    paths, labels = songs
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    scores = cross_val_score(_pipe(), paths, labels, cv=cv)
    assert scores.mean() >= 0.7  # chance is 1/3


def test_grid_search_tunes_transformer_and_model_together(songs, tmp_path):
    paths, labels = songs
    pipe = _pipe(epochs=2)
    pipe.set_params(features__memory=str(tmp_path / "cache"))
    grid = GridSearchCV(
        pipe, {"features__n_mfcc": [13, 20], "clf__hidden": [8, 16]}, cv=2
    ).fit(paths, labels)
    assert len(grid.cv_results_["params"]) == 4
    best = grid.best_estimator_
    assert best.named_steps["features"].n_mfcc in (13, 20)
    cnn = best.named_steps["clf"].model_.get_layer("per_window").layer
    assert cnn.layers[5].units == best.named_steps["clf"].hidden
    proba = grid.predict_proba(paths[:1])
    assert proba.shape == (1, 3)
    assert np.isfinite(proba).all()


def test_second_grid_search_over_classifier_only_recomputes_nothing(
    songs, tmp_path, count_extractions
):
    calls = count_extractions
    paths, labels = songs
    pipe = _pipe(epochs=1).set_params(features__memory=str(tmp_path / "cache"))
    GridSearchCV(pipe, {"clf__hidden": [8]}, cv=2).fit(paths, labels)
    assert len(calls) == len(set(paths)) == len(paths)  # each song once
    GridSearchCV(
        pipe, {"clf__hidden": [4, 16], "clf__learning_rate": [1e-3]}, cv=3
    ).fit(paths, labels)
    assert len(calls) == len(paths)  # nothing recomputed
