"""scikit-learn steps in model files: stored as plain data, never pickled."""

import json
import zipfile

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC, LinearSVC

import skgenre
from skgenre import SongPooling
from skgenre._sklearn_state import export_state, restore_state, sklearn_classes
from skgenre.persistence import ModelFileError


def _windows(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 4, 6))
    X[::4, 2:] = np.nan  # some songs are shorter
    y = np.array(["blues", "jazz", "rock"] * 10, dtype=object)
    X[y == "jazz", :, 0] += 2.0
    return X, y


@pytest.mark.parametrize(
    "head",
    [
        [("clf", LogisticRegression(max_iter=500))],
        [("clf", SVC(C=1.0))],
        [("clf", LinearSVC())],
        [("pca", PCA(4)), ("clf", SVC())],
        [("minmax", MinMaxScaler()), ("clf", LogisticRegression())],
    ],
    ids=["logreg", "svc", "linearsvc", "pca-svc", "minmax-logreg"],
)
def test_song_heads_round_trip(head, tmp_path):
    X, y = _windows()
    pipe = Pipeline([("pool", SongPooling()), ("scale", StandardScaler()), *head])
    pipe.fit(X, y)
    skgenre.save(pipe, tmp_path / "m.skgenre")
    loaded = skgenre.load(tmp_path / "m.skgenre")
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    np.testing.assert_allclose(
        loaded.decision_function(X), pipe.decision_function(X), rtol=0, atol=0
    )
    assert loaded.classes_.dtype == object
    # The file holds JSON and no pickle.
    with zipfile.ZipFile(tmp_path / "m.skgenre") as archive:
        assert archive.namelist() == ["skgenre-model.json"]


def test_classes_are_only_the_listed_ones(tmp_path):
    assert {"StandardScaler", "PCA", "LogisticRegression", "SVC"} <= set(
        sklearn_classes()
    )
    from sklearn.ensemble import RandomForestClassifier

    X, y = _windows()
    pipe = Pipeline(
        [("pool", SongPooling()), ("clf", RandomForestClassifier(n_estimators=2))]
    ).fit(X, y)
    with pytest.raises(ValueError, match="cannot save step 'clf'"):
        skgenre.save(pipe, tmp_path / "refused.skgenre")
    assert not (tmp_path / "refused.skgenre").exists()


def test_an_attribute_that_is_not_plain_data_is_refused():
    scaler = StandardScaler().fit(np.zeros((3, 2)))
    scaler.extra_ = object()
    with pytest.raises(ValueError, match="extra_ of type object"):
        export_state(scaler)


def test_state_is_decoded_as_data_only():
    scaler = StandardScaler().fit(np.arange(6.0).reshape(3, 2))
    state = export_state(scaler)
    json.dumps(state)  # plain JSON
    restored = restore_state(StandardScaler, scaler.get_params(), state)
    np.testing.assert_array_equal(restored.mean_, scaler.mean_)
    assert restored.n_samples_seen_.dtype == scaler.n_samples_seen_.dtype
    state["attributes"]["mean_"]["dtype"] = "|O"  # not an array of numbers
    with pytest.raises(skgenre._errors.StateError, match="damaged"):
        restore_state(StandardScaler, scaler.get_params(), state)


def test_another_sklearn_version_warns():
    scaler = StandardScaler().fit(np.zeros((3, 2)))
    state = {**export_state(scaler), "sklearn_version": "0.1"}
    with pytest.warns(UserWarning, match="saved with scikit-learn 0.1"):
        restore_state(StandardScaler, scaler.get_params(), state)


def test_damaged_state_is_a_model_file_error(tmp_path):
    X, y = _windows()
    pipe = Pipeline([("pool", SongPooling()), ("clf", LogisticRegression())])
    skgenre.save(pipe.fit(X, y), tmp_path / "m.skgenre")
    with zipfile.ZipFile(tmp_path / "m.skgenre") as archive:
        manifest = json.loads(archive.read("skgenre-model.json"))
    manifest["steps"][1]["state"]["attributes"]["coef_"] = {"__ndarray__": True}
    with zipfile.ZipFile(tmp_path / "bad.skgenre", "w") as archive:
        archive.writestr("skgenre-model.json", json.dumps(manifest))
    with pytest.raises(ModelFileError, match="LogisticRegression state is damaged"):
        skgenre.load(tmp_path / "bad.skgenre")
