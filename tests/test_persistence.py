import json
import os
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
from conftest import damaged_files, rewrite_manifest, write_evil_pickle
from sklearn.pipeline import Pipeline

import skgenre
from skgenre import MILSongClassifier, WindowMFCCTransformer
from skgenre.persistence import ModelFileError


@pytest.fixture(scope="module")
def fitted_pipeline(songs):
    paths, labels = songs
    pipe = Pipeline(
        [
            ("features", WindowMFCCTransformer(song_length=10.0, n_mfcc=20)),
            (
                "clf",
                MILSongClassifier(
                    epochs=2,
                    pooling="autopool",
                    bandlimit=0.5,
                    features="mfcc",
                    random_state=0,
                ),
            ),
        ]
    )
    return pipe.fit(paths, labels)


def test_round_trip_gives_identical_predictions(fitted_pipeline, songs, tmp_path):
    paths, _ = songs
    path = tmp_path / "model.skgenre"
    skgenre.save(fitted_pipeline, path)
    loaded = skgenre.load(path)
    assert isinstance(loaded, Pipeline)
    assert loaded.named_steps["features"].get_params() == (
        fitted_pipeline.named_steps["features"].get_params()
    )
    np.testing.assert_array_equal(
        loaded.predict_proba(paths[:5]), fitted_pipeline.predict_proba(paths[:5])
    )
    np.testing.assert_array_equal(loaded.classes_, fitted_pipeline.classes_)
    assert list(loaded.predict(paths[:5])) == list(fitted_pipeline.predict(paths[:5]))


def test_binary_classifier_alone(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 2, 13, 20, 1)).astype("float32")
    y = np.array(["a", "b"] * 4)
    clf = MILSongClassifier(epochs=1, features="mfcc", random_state=0).fit(X, y)
    skgenre.save(clf, tmp_path / "c.skgenre")
    loaded = skgenre.load(tmp_path / "c.skgenre")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.predict_window_proba(X).shape == (8, 2, 2)


def test_file_holds_json_and_keras_only(fitted_pipeline, tmp_path):
    path = tmp_path / "model.skgenre"
    skgenre.save(fitted_pipeline, path)
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        manifest = json.loads(archive.read("skgenre-model.json"))
    assert names == ["skgenre-model.json", "step1.keras"]
    assert manifest["format"] == "skgenre-model" and manifest["format_version"] == 1


def test_pickle_is_refused_without_being_executed(tmp_path):
    target = tmp_path / "pwned.txt"
    evil = tmp_path / "model.skgenre"
    write_evil_pickle(evil, target)
    with pytest.raises(ModelFileError, match="not a zip archive"):
        skgenre.load(evil)
    assert not target.exists()
    # A joblib file is refused the same way.
    joblib.dump({"a": 1}, tmp_path / "j.skgenre")
    with pytest.raises(ModelFileError):
        skgenre.load(tmp_path / "j.skgenre")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: m.update(format_version=99), "format version 99"),
        (lambda m: m.update(format="other"), "format is not"),
        (lambda m: m["steps"][0].update({"class": "os.system"}), "unknown step class"),
        (lambda m: m["steps"][1].update(keras_model="../x.keras"), "missing Keras"),
    ],
)
def test_tampered_files_are_refused(fitted_pipeline, tmp_path, change, message):
    good = tmp_path / "good.skgenre"
    skgenre.save(fitted_pipeline, good)
    bad = tmp_path / "bad.skgenre"
    rewrite_manifest(good, bad, change)
    with pytest.raises(ModelFileError, match=message):
        skgenre.load(bad)


def test_missing_file_and_unsupported_steps(tmp_path):
    with pytest.raises(ModelFileError, match="no such file"):
        skgenre.load(tmp_path / "nope.skgenre")
    from sklearn.preprocessing import StandardScaler

    with pytest.raises(ValueError, match="StandardScaler"):
        skgenre.save(Pipeline([("s", StandardScaler())]), tmp_path / "x.skgenre")
    assert not os.path.exists(tmp_path / "nope.skgenre")


def test_every_refusal_is_one_model_file_error(small_model, tmp_path):
    good, members = small_model
    for path, words in damaged_files(good, members, tmp_path):
        with pytest.raises(ModelFileError) as info:
            skgenre.load(path)
        error = info.value
        assert error.path == str(path)
        assert str(error) == f"{path}: {error.reason}"
        assert "\n" not in str(error)
        for word in words:
            assert word in error.reason, (path.name, error.reason)


def test_checksums_are_recorded(small_model):
    _, members = small_model
    manifest = json.loads(members["skgenre-model.json"])
    assert set(manifest["sha256"]) == {"step0.keras"}


@pytest.fixture(scope="module")
def pretrained_pipeline(songs):
    from skgenre import WindowEmbedder

    paths, labels = songs
    pipe = Pipeline(
        [
            ("features", WindowEmbedder(song_length=6.0)),
            ("clf", MILSongClassifier(epochs=2, random_state=0)),
        ]
    )
    return pipe.fit(paths[:6], labels[:6])


def test_pretrained_pipeline_names_its_encoder_instead_of_copying_it(
    pretrained_pipeline, songs, tmp_path
):
    from skgenre.encoders.musicnn import WEIGHTS_SHA256

    path = tmp_path / "model.skgenre"
    skgenre.save(pretrained_pipeline, path)
    assert path.stat().st_size < 200_000  # the 3.2 MB weights are not in it
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("skgenre-model.json"))
    assert manifest["steps"][0]["state"] == {
        "weights_sha256": WEIGHTS_SHA256["musicnn-msd"]
    }
    loaded = skgenre.load(path)
    paths = songs[0][6:9]
    np.testing.assert_allclose(
        loaded.predict_proba(paths), pretrained_pipeline.predict_proba(paths), atol=1e-6
    )
    bad = tmp_path / "other-weights.skgenre"
    rewrite_manifest(
        path, bad, lambda m: m["steps"][0]["state"].update(weights_sha256="ab" * 32)
    )
    with pytest.raises(ModelFileError, match="made with other musicnn-msd weights"):
        skgenre.load(bad)


def test_zero_shot_pipeline_round_trip(real_song, tmp_path):
    from skgenre.zeroshot import zero_shot_pipeline

    pipe = zero_shot_pipeline(song_length=6.0)
    skgenre.save(pipe, tmp_path / "z.skgenre")
    loaded = skgenre.load(tmp_path / "z.skgenre")
    np.testing.assert_array_equal(
        loaded.predict_proba([real_song]), pipe.predict_proba([real_song])
    )


OLD_FILES = Path(__file__).parent / "data" / "v0.1.0"


@pytest.mark.parametrize(
    "name, window_kind, features",
    [
        ("mfcc_pipeline_v010.skgenre", "spectrogram", None),
        ("musicnn_pipeline_v010.skgenre", "embedding", "embedding"),
    ],
)
def test_files_of_skgenre_0_1_0_still_load(name, window_kind, features):
    # Saved by skgenre 0.1.0 (commit 5b6d8b7): an MFCC pipeline whose
    # classifier learned features='mfcc' from the band count, with window
    # statistics and a padded window; and a pretrained pipeline with
    # attention pooling on embeddings.
    expected = np.load(OLD_FILES / "expected_proba.npz")
    pipe = skgenre.load(OLD_FILES / name)
    clf = pipe[-1]
    X, proba, windows = (
        (expected["X"], expected["p1"], expected["w1"])
        if window_kind == "spectrogram"
        else (expected["E"], expected["p2"], expected["w2"])
    )
    assert (clf.window_kind_, clf.features_) == (window_kind, features)
    np.testing.assert_allclose(clf.predict_proba(X), proba, atol=1e-6)
    np.testing.assert_allclose(clf.predict_window_proba(X), windows, atol=1e-6)


MAIN_FILES = Path(__file__).parent / "data" / "main-2026-12-01"


def test_files_of_main_before_the_subpackages_still_load():
    # Saved by main on 2026-12-01, before the modules moved into subpackages
    # (scripts/make_model_fixtures.py): a multi-label attention model with
    # label names, a SongPooling + StandardScaler + LogisticRegression
    # pipeline, and the reference CNN.
    expected = np.load(MAIN_FILES / "expected.npz")
    labels, names = skgenre.load(
        MAIN_FILES / "multilabel_attention.skgenre", return_label_names=True
    )
    assert labels.multilabel_ and names == ["blues", "jazz", "rock"]
    np.testing.assert_allclose(
        labels.predict_proba(expected["E"]), expected["labels_proba"], atol=1e-6
    )
    np.testing.assert_allclose(
        labels.predict_window_proba(expected["E"]),
        expected["labels_windows"],
        atol=1e-6,
    )
    songs = skgenre.load(MAIN_FILES / "song_pooling_logreg.skgenre")
    np.testing.assert_allclose(
        songs.predict_proba(expected["E"]), expected["songs_proba"], atol=1e-12
    )
    ref = skgenre.load(MAIN_FILES / "mfcc_reference.skgenre")
    np.testing.assert_allclose(
        ref.predict_proba(expected["X"]), expected["ref_proba"], atol=1e-6
    )
    np.testing.assert_allclose(
        ref.predict_window_proba(expected["X"]), expected["ref_windows"], atol=1e-6
    )
