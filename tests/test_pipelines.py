"""The whole system in scikit-learn (Pipeline, cross_val_score, GridSearchCV),
and the ready-made pipelines of ``make_pipeline``."""

import warnings

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from skgenre import MILSongClassifier, WindowEmbedder, WindowMFCCTransformer
from skgenre.pipelines import make_pipeline


def _pipe(epochs=15):
    features = WindowMFCCTransformer(song_length=10.0)
    clf = MILSongClassifier(
        epochs=epochs, batch_size=4, random_state=0, **features.classifier_params()
    )
    return Pipeline([("features", features), ("clf", clf)])


@pytest.mark.graph
def test_cross_validated_accuracy_well_above_chance(songs):
    paths, labels = songs
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(_pipe(), paths, labels, cv=cv)
    assert scores.mean() >= 0.7  # chance is 1/3


def test_grid_search_tunes_transformer_and_model_together(songs, tmp_path):
    paths, labels = songs
    pipe = _pipe(epochs=2)
    pipe.set_params(features__memory=str(tmp_path / "cache"))
    # Transformer and model parameters change together from one candidate
    # to the next.
    candidates = [
        {"features__n_mfcc": [13], "clf__hidden": [8]},
        {"features__n_mfcc": [20], "clf__hidden": [16]},
    ]
    grid = GridSearchCV(pipe, candidates, cv=2).fit(paths, labels)
    assert len(grid.cv_results_["params"]) == 2
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
    GridSearchCV(pipe, {"clf__hidden": [8]}, cv=2, refit=False).fit(paths, labels)
    assert len(calls) == len(set(paths)) == len(paths)  # each song once
    GridSearchCV(pipe, {"clf__hidden": [4, 16]}, cv=2, refit=False).fit(paths, labels)
    assert len(calls) == len(paths)  # nothing recomputed


@pytest.mark.parametrize(
    "features, transformer, told",
    [
        ("musicnn", WindowEmbedder, {"features": "embedding"}),
        ("mfcc", WindowMFCCTransformer, {"features": "mfcc", "n_mels": 128}),
        ("logmel", WindowMFCCTransformer, {"features": "logmel", "n_mels": 64}),
    ],
)
def test_make_pipeline_tells_the_classifier_what_windows_hold(
    features, transformer, told
):
    pipe = make_pipeline(
        features, n_jobs=2, memory="cache", verbose=1, epochs=7, pooling="max"
    )
    assert [name for name, _ in pipe.steps] == ["features", "clf"]
    front_end, clf = pipe[0], pipe[-1]
    assert type(front_end) is transformer
    assert (front_end.n_jobs, front_end.memory, front_end.verbose) == (2, "cache", 1)
    assert {k: clf.get_params()[k] for k in told} == told
    assert (clf.epochs, clf.pooling) == (7, "max")


def test_make_pipeline_passes_feature_params_and_refuses_unknown_front_ends():
    pipe = make_pipeline("mfcc", feature_params={"n_mels": 40, "song_length": 5.0})
    assert (pipe[0].n_mels, pipe[0].song_length, pipe[-1].n_mels) == (40, 5.0, 40)
    with pytest.raises(ValueError, match="make_pipeline: invalid features='chroma'"):
        make_pipeline("chroma")


def test_make_pipeline_fits_log_mel_without_guessing(songs):
    paths, labels = songs
    pipe = make_pipeline(
        "logmel",
        n_jobs=None,
        feature_params={"song_length": 5.0, "n_mels": 32},
        epochs=1,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # nothing is guessed
        pipe.fit(paths[:6], labels[:6])
    clf = pipe[-1]
    assert (clf.window_kind_, clf.features_, clf.bandlimit_) == (
        "spectrogram",
        "logmel",
        0.25,
    )
    assert clf.model_.get_layer("band_limit").n_mels is None
