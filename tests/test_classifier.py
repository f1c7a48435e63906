import inspect
import pickle
import re
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedKFold, check_cv, cross_val_score
from sklearn.utils import ClassifierTags, get_tags

from skgenre import MILSongClassifier


def _data(n=12, n_classes=3, seed=0, windows=3, frames=24):
    """Songs whose class shifts the mean of some bands: learnable quickly."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    X = rng.normal(size=(n, windows, 13, frames, 1)).astype("float32")
    for c in range(n_classes):
        X[y == c, :, 3 * c : 3 * c + 3] += 2.0
    return X, y


def _fast(**kw):
    """A quick classifier; told that X holds MFCCs, as make_pipeline does."""
    return MILSongClassifier(
        **{"epochs": 3, "batch_size": 4, "random_state": 0, "features": "mfcc", **kw}
    )


def test_is_classifier_and_tags():
    clf = MILSongClassifier()
    assert is_classifier(clf)
    tags = get_tags(clf)
    assert tags.estimator_type == "classifier"
    # scikeras gives no classifier tags: these are the repaired ones.
    assert isinstance(tags.classifier_tags, ClassifierTags)
    # An indicator y of several labels per song is accepted too.
    assert tags.classifier_tags.multi_class and tags.classifier_tags.multi_label
    assert tags.target_tags.multi_output
    assert tags.target_tags.required
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array


def test_cross_validation_is_stratified():
    y = np.array([0] * 10 + [1] * 5)
    cv = check_cv(5, y, classifier=is_classifier(MILSongClassifier()))
    assert isinstance(cv, StratifiedKFold)


def test_string_labels_and_one_song_shape():
    X, y = _data()
    labels = np.array(["blues", "metal", "rock"])[y]
    clf = _fast().fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, ["blues", "metal", "rock"])
    proba = clf.predict_proba(X[:1])
    assert proba.shape == (1, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert clf.predict(X[:1]).shape == (1,)
    assert set(clf.predict(X)) <= set(labels)


def test_binary_uses_one_sigmoid_unit():
    X, y = _data(n_classes=2)
    clf = _fast().fit(X, np.where(y == 1, "yes", "no"))
    assert clf.model_.output_shape == (None, 1)
    assert clf.model_.loss == "binary_crossentropy"
    assert clf.predict_proba(X[:1]).shape == (1, 2)
    assert clf.predict_proba(X).shape == (len(X), 2)


def test_hyper_parameters_reach_the_model():
    X, y = _data()
    clf = _fast(epochs=1).set_params(hidden=8, filters=4, learning_rate=0.01)
    clf.fit(X, y)
    cnn = clf.model_.get_layer("per_window").layer
    assert cnn.layers[0].filters == 4
    assert cnn.layers[5].units == 8
    assert np.isclose(float(clf.model_.optimizer.learning_rate), 0.01)
    assert len(clf.history_["loss"]) == 1


@pytest.mark.graph
def test_learns_a_simple_problem():
    X, y = _data(n=30)
    clf = _fast(epochs=15).fit(X, y)
    assert clf.score(X, y) >= 0.9


@pytest.mark.graph  # traced by default, as for users
def test_run_eagerly_trains_and_predicts_untraced():
    from skgenre.mil.batches import compiled_predict

    X, y = _data()
    traced = _fast().fit(X, y)
    eager = clone(_fast(run_eagerly=True)).fit(X, y)
    assert eager.model_.run_eagerly and not traced.model_.run_eagerly
    np.testing.assert_allclose(
        eager.predict_proba(X), traced.predict_proba(X), rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(
        eager.predict_window_proba(X), traced.predict_window_proba(X), atol=1e-6
    )
    assert compiled_predict(eager.model_).compilations() == 0
    assert compiled_predict(traced.model_).compilations() == 1


def test_predict_before_fit():
    X, _ = _data()
    with pytest.raises(NotFittedError):
        MILSongClassifier().predict(X)


@pytest.mark.parametrize("shape", [(4, 13), (4, 3, 13, 24), (4, 3, 13, 24, 1, 1)])
def test_wrong_rank_is_explained(shape):
    X, y = np.zeros(shape, "float32"), np.arange(4) % 2
    with pytest.raises(
        ValueError,
        match=r"\(n_songs, n_windows, n_bands, n_frames, 1\).*"
        r"\(n_songs, n_windows, n_features\)",
    ):
        _fast().fit(X, y)


def test_wrong_rank_at_predict():
    X, y = _data()
    clf = _fast(epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="5-D"):
        clf.predict(X[:, 0])


def test_clone_keeps_parameters():
    clf = MILSongClassifier(hidden=8, learning_rate=0.01, optimizer__momentum=0.5)
    c = clone(clf)
    assert c.get_params()["hidden"] == 8
    assert c.get_params()["optimizer__momentum"] == 0.5
    assert c is not clf


@pytest.mark.parametrize(
    "dumps, loads", [(pickle.dumps, pickle.loads), ("joblib", "joblib")]
)
def test_pickle_round_trip(tmp_path, dumps, loads):
    X, y = _data()
    clf = _fast(epochs=2).fit(X, y)
    if dumps == "joblib":
        joblib.dump(clf, tmp_path / "m.joblib")
        restored = joblib.load(tmp_path / "m.joblib")
    else:
        restored = loads(dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_same_random_state_same_predictions():
    X, y = _data()
    a = _fast(epochs=2).fit(X, y).predict_proba(X)
    b = _fast(epochs=2).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = _fast(epochs=2, random_state=1).fit(X, y)
    assert not np.array_equal(a, c.predict_proba(X))


def test_class_weight_and_cross_val_score():
    X, y = _data(n=15)
    scores = cross_val_score(_fast(epochs=2, class_weight="balanced"), X, y, cv=2)
    assert scores.shape == (2,)


def _memmap(X, path):
    np.save(path, X)
    return np.load(path, mmap_mode="r")


def test_validation_split_on_memory_mapped_X(tmp_path, monkeypatch):
    from skgenre.mil.batches import WindowBatches, is_memory_mapped

    X, y = _data()
    stored = _memmap(X, tmp_path / "X.npy")
    made = []
    real = WindowBatches.__init__

    def spy(self, X, *args, indices=None, **kwargs):
        made.append((X, indices, kwargs["shuffle"]))
        real(self, X, *args, indices=indices, **kwargs)

    monkeypatch.setattr(WindowBatches, "__init__", spy)
    # Without shuffling both paths train on the same batches in the same order.
    params = dict(epochs=2, shuffle=False, validation_split=0.25)
    streamed = _fast(**params).fit(stored, y)
    (val_X, val_songs, val_shuffle), (train_X, train_songs, _) = made
    # Streamed from the file, as Keras holds out: the last quarter of songs.
    assert is_memory_mapped(val_X) and is_memory_mapped(train_X)
    np.testing.assert_array_equal(train_songs, np.arange(9))
    np.testing.assert_array_equal(val_songs, [9, 10, 11])
    assert not val_shuffle
    in_memory = _fast(**params).fit(X, y)
    assert len(made) == 2  # the in-memory fit goes through Keras
    assert set(streamed.history_) == set(in_memory.history_)
    assert len(streamed.history_["val_loss"]) == 2
    for key, values in in_memory.history_.items():
        np.testing.assert_allclose(streamed.history_[key], values, rtol=1e-6)


def test_validation_split_leaving_no_song_on_memory_mapped_X(tmp_path):
    X, y = _data(n=3)
    stored = _memmap(X, tmp_path / "X.npy")
    with pytest.raises(ValueError, match="validation_split=0.7 leaves no song"):
        _fast(epochs=1, validation_split=0.7).fit(stored, y)


def test_grid_search_on_read_only_memory_mapped_X(tmp_path, monkeypatch):
    from sklearn.model_selection import GridSearchCV

    from skgenre.mil.batches import WindowBatches

    X, y = _data(n=8, n_classes=2)
    stored = _memmap(X, tmp_path / "X.npy")
    assert not stored.flags.writeable
    streamed = []
    real = WindowBatches.__init__

    def spy(self, X, *args, **kwargs):
        streamed.append(len(X))
        real(self, X, *args, **kwargs)

    monkeypatch.setattr(WindowBatches, "__init__", spy)
    search = GridSearchCV(_fast(epochs=1), {"hidden": [8, 16]}, cv=2).fit(stored, y)
    assert len(search.cv_results_["mean_test_score"]) == 2
    # The folds are in-memory copies (fancy indexing) trained by Keras; only
    # the refit on all songs streams from the file.
    assert streamed == [len(X)]
    assert search.predict(stored).shape == (len(X),)


def _layer_names(model):
    return {layer.name for layer in model.layers}


@pytest.mark.parametrize(
    "features, n_mels, expected",
    [
        ("mfcc", 128, 128),
        ("mfcc", "auto", 128),
        ("mfcc", 40, 40),
        ("logmel", 128, None),
    ],
)
def test_bandlimit_layer_follows_the_described_features(features, n_mels, expected):
    X, y = _data()
    clf = _fast(epochs=1, bandlimit=0.5, features=features, n_mels=n_mels).fit(X, y)
    layer = clf.model_.get_layer("band_limit")
    assert (layer.rate, layer.n_mels) == (0.5, expected)
    assert (clf.features_, clf.n_mels_, clf.bandlimit_) == (features, expected, 0.5)
    no_layer = _fast(epochs=1, bandlimit=0.0).fit(X, y).model_
    assert "band_limit" not in _layer_names(no_layer)


@pytest.mark.parametrize("n_bands", [13, 64])
def test_spectrograms_of_unknown_kind_are_never_guessed(n_bands):
    X, y = _data()
    X = np.repeat(X, 5, axis=2)[:, :, :n_bands]
    with pytest.warns(UserWarning, match="band-limit augmentation.*is off") as info:
        clf = _fast(epochs=1, features="auto").fit(X, y)
    assert "features='auto'" in str(info[0].message)
    assert clf.window_kind_ == "spectrogram"
    assert (clf.features_, clf.n_mels_, clf.bandlimit_) == (None, None, 0.0)
    assert "band_limit" not in _layer_names(clf.model_)
    # Nothing to warn about without band-limit augmentation.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fast(epochs=1, features="auto", bandlimit=0).fit(X, y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"features": "chroma"}, "invalid features='chroma'"),
        (
            {"bandlimit": 1.5},
            r"invalid bandlimit=1.5; expected a number in \[0, 1\]",
        ),
        ({"bandlimit": 0.5, "n_mels": 8}, "n_mels=8"),
        ({"n_mels": 0}, "invalid n_mels=0"),
        ({"features": "mfcc", "n_mels": 8}, "13 bands per frame, which cannot"),
    ],
)
def test_bandlimit_parameters_are_validated(params, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        _fast(epochs=1, **params).fit(X, y)


@pytest.mark.parametrize(
    "name, value",
    [
        ("filters", 0),
        ("filters", 2.5),
        ("epochs", 0),
        ("epochs", "10"),
        ("batch_size", 0),
        ("dropout", 1.0),
        ("dropout", -0.1),
        ("window_dropout", 1.0),
        ("freq_mask", -1),
        ("time_mask", 1.5),
        ("patience", -1),
        ("patience", "3"),
        ("bandlimit", "0.25"),  # a TypeError from a comparison before
        ("bandlimit", float("nan")),
        ("sharpness", 0),
        ("attention_units", 0),
        ("learning_rate", 0),
        ("validation_split", 1.0),
        ("normalize", "yes"),
        ("window_stats", 1),
        ("hidden", True),
        ("pooling", "median"),
    ],
)
def test_every_declared_hyper_parameter_is_validated(name, value):
    X, y = _data(n=6)
    with pytest.raises(ValueError, match=rf"invalid {name}={value!r}; expected "):
        _fast(epochs=1).set_params(**{name: value}).fit(X, y)


def test_hyper_parameters_are_declared_once_and_documented():
    from skgenre.mil.classifier import HYPERPARAMETERS

    signature = inspect.signature(MILSongClassifier.__init__).parameters
    declared = [name for name in signature if name not in ("self", "kwargs")]
    assert declared == list(HYPERPARAMETERS)
    doc = MILSongClassifier.__doc__
    parameters = doc[doc.index("Parameters\n") : doc.index("Attributes\n")]
    documented = re.findall(r"^    (\w+) : ", parameters, flags=re.MULTILINE)
    assert documented == declared
    # Every declared hyper-parameter reaches get_params with its default.
    params = MILSongClassifier().get_params()
    for name in declared:
        assert params[name] == signature[name].default


def test_window_statistics_are_standardised_over_real_training_windows():
    import keras

    X, y = _data()
    X[0, 2] = np.nan  # padding must not count
    clf = _fast(epochs=1, window_stats=True).fit(X, y)
    cnn = clf.model_.get_layer("per_window").layer
    stats = keras.Model(cnn.inputs, cnn.get_layer("statistics_normalization").output)
    real = X[np.isfinite(X).any(axis=(2, 3, 4))]  # (windows, bands, frames, 1)
    scale = np.sqrt(clf.band_variance_)[:, None, None]
    z = np.asarray(stats((real - clf.band_mean_[:, None, None]) / scale))
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-3)
    np.testing.assert_allclose(z.var(axis=0), 1.0, rtol=1e-2)


def test_log_mel_bands_are_never_taken_for_mfccs_in_a_pipeline(songs):
    from sklearn.pipeline import Pipeline

    from skgenre import WindowMFCCTransformer

    paths, labels = songs
    transformer = WindowMFCCTransformer(song_length=5.0, features="logmel", n_mels=32)
    # A hand-built pipeline: the classifier cannot know what the 32 bands are.
    pipe = Pipeline([("features", transformer), ("clf", MILSongClassifier(epochs=1))])
    with pytest.warns(UserWarning, match="cannot tell MFCCs from log-mel"):
        pipe.fit(paths[:6], labels[:6])
    assert pipe[-1].features_ is None
    assert "band_limit" not in _layer_names(pipe[-1].model_)
    # Told by the transformer, as make_pipeline does: log-mel band limits.
    told = MILSongClassifier(epochs=1, **transformer.classifier_params())
    assert told.features == "logmel"
    Pipeline([("features", transformer), ("clf", told)]).fit(paths[:6], labels[:6])
    assert (told.features_, told.n_mels_) == ("logmel", None)
    assert told.model_.get_layer("band_limit").n_mels is None


def _embeddings(n=12, n_classes=3, seed=0, windows=4, dims=20):
    """Window embeddings whose class shifts a few dimensions; padded songs."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    X = rng.normal(size=(n, windows, dims)).astype("float32")
    for c in range(n_classes):
        X[y == c, :, 3 * c : 3 * c + 3] += 2.0
    X[::4, 2:] = np.nan
    return X, y


@pytest.mark.graph
def test_embedding_windows_get_a_dense_head():
    X, y = _embeddings()
    clf = _fast(epochs=30, learning_rate=0.05, features="auto").fit(X, y)
    assert clf.window_kind_ == "embedding" and clf.bandlimit_ == 0.0
    assert (clf.features_, clf.n_mels_) == ("embedding", None)
    assert clf.score(X, y) > 0.9
    per_window = clf.model_.get_layer("per_window").layer
    # hidden="auto": a linear window model on embeddings (20 * 3 + 3 weights),
    # and none of the spectrogram-only layers.
    assert per_window.count_params() == 63
    names = {layer.name for layer in clf.model_.layers}
    assert not names & {"spec_augment", "band_limit"}
    proba = clf.predict_window_proba(X)
    assert proba.shape == (12, 4, 3) and np.isnan(proba[0, 2:]).all()
    hidden = _fast(epochs=1, hidden=8, pooling="attention", features="embedding")
    hidden.fit(X, y)
    assert hidden.model_.get_layer("per_window").layer.count_params() == 168


def test_padding_never_influences_embedding_training():
    X, y = _embeddings()
    padded = np.concatenate([X, np.full((12, 3, 20), np.nan, "float32")], axis=1)
    # Window dropout draws per window: its stream depends on the padded shape.
    a = _fast(epochs=2, window_dropout=0, features="embedding").fit(X, y)
    b = _fast(epochs=2, window_dropout=0, features="embedding").fit(padded, y)
    for wa, wb in zip(a.model_.get_weights(), b.model_.get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(padded), atol=1e-6)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"window_stats": True}, "invalid window_stats=True"),
        ({"features": "mfcc"}, "holds 20-d window embeddings"),
        ({"features": "logmel"}, "holds 20-d window embeddings"),
        ({"hidden": -1}, "invalid hidden=-1"),
    ],
)
def test_spectrogram_options_are_refused_on_embeddings(params, message):
    X, y = _embeddings()
    with pytest.raises(ValueError, match=message):
        _fast(epochs=1, **{"features": "auto", **params}).fit(X, y)


def test_embedding_features_are_refused_on_spectrograms():
    X, y = _data()
    with pytest.raises(ValueError, match="features='embedding', but X holds spectro"):
        _fast(epochs=1, features="embedding").fit(X, y)
