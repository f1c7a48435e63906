import json
import os
import zipfile

import joblib
import numpy as np
import pytest
from conftest import write_evil_pickle
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
                    epochs=2, pooling="autopool", bandlimit=0.5, random_state=0
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
    clf = MILSongClassifier(epochs=1, random_state=0).fit(X, y)
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


def _rewrite_manifest(src, dst, change):
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w") as b:
        for name in a.namelist():
            data = a.read(name)
            if name == "skgenre-model.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest)
            b.writestr(name, data)


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
    _rewrite_manifest(good, bad, change)
    with pytest.raises(ModelFileError, match=message):
        skgenre.load(bad)


def test_missing_file_and_unsupported_steps(tmp_path):
    with pytest.raises(ModelFileError, match="no such file"):
        skgenre.load(tmp_path / "nope.skgenre")
    from sklearn.preprocessing import StandardScaler

    with pytest.raises(ValueError, match="StandardScaler"):
        skgenre.save(Pipeline([("s", StandardScaler())]), tmp_path / "x.skgenre")
    assert not os.path.exists(tmp_path / "nope.skgenre")


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """A saved binary classifier: the file and its members."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 2, 13, 20, 1)).astype("float32")
    clf = MILSongClassifier(epochs=1, random_state=0).fit(X, np.array(["a", "b"] * 2))
    path = tmp_path_factory.mktemp("small") / "model.skgenre"
    skgenre.save(clf, path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return path, members


def _write_members(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _flip_a_byte_of(good, bad, member):
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo(member)
    # The member's data follows its 30-byte local header, name and extra field.
    name_len, extra_len = np.frombuffer(
        data, "<u2", count=2, offset=info.header_offset + 26
    )
    start = info.header_offset + 30 + int(name_len) + int(extra_len)
    data[start + info.compress_size // 2] ^= 0xFF
    bad.write_bytes(bytes(data))


def damaged_files(good, members, out):
    """(path, expected words of the reason): every way a model file is refused."""
    cases = []

    def case(name, words, write):
        path = out / name
        write(path)
        cases.append((path, words))

    case("empty.skgenre", ["empty file"], lambda p: p.write_bytes(b""))
    case("text.skgenre", ["not a zip archive"], lambda p: p.write_text("hello"))
    case(
        "pickle.skgenre",
        ["not a zip archive"],
        lambda p: joblib.dump({"a": 1}, p),
    )
    size = good.stat().st_size
    case(
        "cut.skgenre",
        ["damaged or cut short"],
        lambda p: p.write_bytes(good.read_bytes()[: size // 2]),
    )
    case(
        "flipped.skgenre",
        ["damaged", "in step0.keras"],
        lambda p: _flip_a_byte_of(good, p, "step0.keras"),
    )
    case(
        "missing.skgenre",
        ["damaged", "'step0.keras' is missing"],
        lambda p: _write_members(
            p, {k: v for k, v in members.items() if k != "step0.keras"}
        ),
    )
    altered = dict(members)
    keras_file = bytearray(altered["step0.keras"])
    keras_file[-100] ^= 1  # still a zip for keras, but not what was saved
    altered["step0.keras"] = bytes(keras_file)
    case(
        "altered.skgenre",
        ["damaged", "step0.keras was altered"],
        lambda p: _write_members(p, altered),
    )
    case(
        "extra.skgenre",
        ["unexpected member 'evil.pkl'"],
        lambda p: _write_members(p, {**members, "evil.pkl": b"\x80\x04."}),
    )
    manifest = json.loads(members["skgenre-model.json"])
    newer = {**manifest, "format_version": 99, "skgenre_version": "9.0"}
    case(
        "newer.skgenre",
        ["incompatible version", "skgenre 9.0", "format version 99"],
        lambda p: _write_members(
            p, {**members, "skgenre-model.json": json.dumps(newer)}
        ),
    )
    return cases


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
    from skgenre.musicnn import WEIGHTS_SHA256

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
    _rewrite_manifest(
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
