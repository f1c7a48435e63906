"""scikit-learn steps in model files: skops members of trusted types only."""

import hashlib
import importlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io
from conftest import rewrite_manifest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.semi_supervised import SelfTrainingClassifier
from sklearn.svm import SVC

import skgenre
from skgenre import SongPooling
from skgenre.persistence import TRUSTED_TYPES, ModelFileError

MANIFEST = "skgenre-model.json"


def _windows(seed=0):
    """Window features of 30 songs, (n_songs, n_windows, n_features)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 4, 6))
    X[::4, 2:] = np.nan  # some songs are shorter
    y = np.array(["blues", "jazz", "rock"] * 10, dtype=object)
    X[y == "jazz", :, 0] += 2.0
    return X, y


def _unlabelled(y):
    """int labels, every third song unlabelled (-1), for SelfTraining."""
    codes = np.unique(y, return_inverse=True)[1]
    return np.where(np.arange(len(y)) % 3 == 0, -1, codes)


def _indicator(y):
    """A multi-label indicator y: the genre, and a second label."""
    Y = (y[:, None] == np.array(["blues", "jazz", "rock"])).astype(int)
    Y[::2, 0] = 1
    return Y


HEADS = {
    "hist-gradient-boosting": (
        [("clf", HistGradientBoostingClassifier(max_iter=5, min_samples_leaf=2))],
        None,
    ),
    "random-forest": (
        [("clf", RandomForestClassifier(n_estimators=3, random_state=0))],
        None,
    ),
    "calibrated-sigmoid": (
        [("clf", CalibratedClassifierCV(LogisticRegression(), cv=2))],
        None,
    ),
    "calibrated-isotonic": (
        [
            (
                "clf",
                CalibratedClassifierCV(LogisticRegression(), cv=2, method="isotonic"),
            )
        ],
        None,
    ),
    "self-training": (
        [("clf", SelfTrainingClassifier(LogisticRegression()))],
        _unlabelled,
    ),
    "one-vs-rest": (
        [("clf", OneVsRestClassifier(LogisticRegression()))],
        _indicator,
    ),
    "scaler-pca-svc": (
        [
            ("scale", StandardScaler()),
            ("pca", PCA(4)),
            ("clf", SVC()),
        ],
        None,
    ),
    "k-neighbours": ([("clf", KNeighborsClassifier(3))], None),
}


@pytest.mark.parametrize("head", HEADS, ids=list(HEADS))
def test_song_heads_round_trip(head, tmp_path):
    steps, target = HEADS[head]
    X, y = _windows()
    y = target(y) if target else y
    pipe = Pipeline([("pool", SongPooling()), *steps]).fit(X, y)
    path = tmp_path / "m.skgenre"
    skgenre.save(pipe, path)
    loaded = skgenre.load(path)
    for method in ("predict_proba", "decision_function", "predict"):
        if hasattr(pipe, method):
            np.testing.assert_array_equal(
                getattr(loaded, method)(X), getattr(pipe, method)(X)
            )
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        manifest = json.loads(archive.read(MANIFEST))
    members = [f"step{i}.skops" for i in range(1, len(steps) + 1)]
    assert names == sorted([MANIFEST, *members])
    assert manifest["format_version"] == 2
    assert set(manifest["sha256"]) == set(members)
    # SongPooling keeps its own JSON state; the other steps are skops members.
    pool, *others = manifest["steps"]
    assert pool["class"] == "SongPooling" and "state" in pool and "skops" not in pool
    assert [entry["skops"] for entry in others] == members
    assert [entry["name"] for entry in others] == [name for name, _ in steps]


def test_an_untrusted_type_is_refused_on_save(tmp_path):
    X, y = _windows()
    pipe = Pipeline(
        [
            ("pool", SongPooling()),
            ("f", FunctionTransformer(abs)),
            ("clf", LogisticRegression()),
        ]
    )
    pipe.fit(X, y)
    path = tmp_path / "refused.skgenre"
    with pytest.raises(ValueError, match="step 'f'.* type 'builtins.abs'"):
        skgenre.save(pipe, path)
    assert not path.exists()
    with pytest.raises(NotFittedError):
        skgenre.save(Pipeline([("clf", LogisticRegression())]), path)
    assert not path.exists()


def test_trusted_types_are_classes():
    # Types only, never functions: a trusted type constructs no code.
    for name in TRUSTED_TYPES:
        module, _, attribute = name.rpartition(".")
        cls = getattr(importlib.import_module(module), attribute, None)
        if cls is None:
            assert attribute == "_TemperatureScaling"  # scikit-learn >= 1.8
        else:
            assert isinstance(cls, type), name


class _WritesOnLoad:
    """An object that, if skops constructed it, would write a file."""

    def __init__(self, target):
        self.target = target

    def __setstate__(self, state):
        Path(state["target"]).write_text("constructed")


def _with_member(good, bad, member, data):
    """``good`` with ``member`` replaced by ``data``, its checksum updated."""
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members[MANIFEST])
    manifest["sha256"][member] = hashlib.sha256(data).hexdigest()
    members.update({member: data, MANIFEST: json.dumps(manifest).encode()})
    with zipfile.ZipFile(bad, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return bad


@pytest.fixture(scope="module")
def logreg_file(tmp_path_factory):
    """A saved SongPooling + LogisticRegression pipeline, and its data."""
    X, y = _windows()
    pipe = Pipeline([("pool", SongPooling()), ("clf", LogisticRegression())])
    path = tmp_path_factory.mktemp("logreg") / "m.skgenre"
    skgenre.save(pipe.fit(X, y), path)
    return path


def test_an_untrusted_type_is_refused_on_load_before_it_is_built(logreg_file, tmp_path):
    target = tmp_path / "pwned.txt"
    evil = skops.io.dumps(_WritesOnLoad(str(target)))
    (untrusted,) = skops.io.get_untrusted_types(data=evil)
    assert untrusted.endswith("._WritesOnLoad") and untrusted not in TRUSTED_TYPES
    bad = _with_member(logreg_file, tmp_path / "bad.skgenre", "step1.skops", evil)
    with pytest.raises(ModelFileError) as info:
        skgenre.load(bad)
    assert info.value.reason == (
        f"refused: step 'clf' holds type {untrusted!r}, which skgenre does not "
        "trust (skops' defaults and skgenre.persistence.TRUSTED_TYPES are trusted)"
    )
    assert not target.exists()
    # A function is refused by its name too.
    function = skops.io.dumps(FunctionTransformer(eval).fit([[0.0]]))
    bad = _with_member(logreg_file, tmp_path / "eval.skgenre", "step1.skops", function)
    with pytest.raises(ModelFileError, match="holds type 'builtins.eval'"):
        skgenre.load(bad)


def test_a_damaged_skops_member_is_a_model_file_error(logreg_file, tmp_path):
    with zipfile.ZipFile(logreg_file) as archive:
        good = archive.read("step1.skops")
    for data in (b"", b"not a skops archive", good[: len(good) // 2]):
        bad = _with_member(logreg_file, tmp_path / "bad.skgenre", "step1.skops", data)
        with pytest.raises(ModelFileError, match=r"damaged \(step1.skops"):
            skgenre.load(bad)
    # A skops archive without its schema.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.npy", b"")
    bad = _with_member(
        logreg_file, tmp_path / "bad.skgenre", "step1.skops", buffer.getvalue()
    )
    with pytest.raises(ModelFileError, match=r"damaged \(step1.skops"):
        skgenre.load(bad)
    # The manifest names a member that is not there.
    rewrite_manifest(
        logreg_file,
        tmp_path / "missing.skgenre",
        lambda m: m["steps"][1].update(skops="step9.skops"),
    )
    with pytest.raises(ModelFileError, match="missing skops member 'step9.skops'"):
        skgenre.load(tmp_path / "missing.skgenre")


def _set_root(array, value):
    """Set the root node's field (a view on the tree's memory)."""
    array[0] = value


@pytest.mark.parametrize(
    "clf, tamper, words",
    [
        (
            RandomForestClassifier(n_estimators=2, random_state=0),
            lambda c: _set_root(c.estimators_[0].tree_.children_left, 10**6),
            "decision tree has a child node index out of range",
        ),
        (
            RandomForestClassifier(n_estimators=2, random_state=0),
            lambda c: _set_root(c.estimators_[1].tree_.feature, 99),
            "decision tree has a feature index out of range",
        ),
        (
            HistGradientBoostingClassifier(max_iter=2, min_samples_leaf=2),
            lambda c: _set_root(c._predictors[0][0].nodes["feature_idx"], 99),
            "HistGradientBoostingClassifier has 12 features but a tree uses 100",
        ),
        (
            HistGradientBoostingClassifier(max_iter=2, min_samples_leaf=2),
            lambda c: _set_root(c._predictors[1][2].nodes["right"], 0),
            "gradient-boosted tree has a child node index out of range",
        ),
        (
            KNeighborsClassifier(3, algorithm="kd_tree"),
            lambda c: _set_root(c._tree.get_arrays()[1], 10**6),
            "KDTree has inconsistent arrays",
        ),
        (
            KNeighborsClassifier(3, algorithm="ball_tree"),
            lambda c: _set_root(c._tree.get_arrays()[2]["idx_end"], 10**6),
            "BallTree has a node index out of range",
        ),
    ],
    ids=["forest-child", "forest-feature", "hgb-feature", "hgb-child", "kd", "ball"],
)
def test_a_tree_indexing_outside_itself_is_refused(clf, tamper, words, tmp_path):
    # skops checks types only: a file may hold a trusted tree whose indices
    # scikit-learn would follow out of bounds.  Such a model is never run.
    X, y = _windows()
    pipe = Pipeline([("pool", SongPooling()), ("clf", clf)]).fit(X, y)
    tamper(pipe[-1])
    skgenre.save(pipe, tmp_path / "m.skgenre")
    with pytest.raises(ModelFileError, match=f"damaged \\(step 'clf': .*{words}"):
        skgenre.load(tmp_path / "m.skgenre")


LEGACY = (
    Path(__file__).parent / "data" / "main-2026-12-01" / "song_pooling_logreg.skgenre"
)


def test_legacy_json_state_loads_and_warns_for_another_version(tmp_path):
    # Written before skops: StandardScaler and LogisticRegression as JSON
    # state, format version 1 (identical predictions: test_persistence.py).
    with zipfile.ZipFile(LEGACY) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    assert manifest["format_version"] == 1
    assert [e["class"] for e in manifest["steps"]] == [
        "SongPooling",
        "StandardScaler",
        "LogisticRegression",
    ]
    assert all("state" in e for e in manifest["steps"])
    pipe = skgenre.load(LEGACY)
    assert isinstance(pipe[-1], LogisticRegression)

    def older(m):
        for entry in m["steps"][1:]:
            entry["state"]["sklearn_version"] = "0.1"

    rewrite_manifest(LEGACY, tmp_path / "old.skgenre", older)
    with pytest.warns(UserWarning, match="saved with scikit-learn 0.1"):
        skgenre.load(tmp_path / "old.skgenre")


def test_damaged_legacy_state_is_a_model_file_error(tmp_path):
    def damage(m):
        m["steps"][2]["state"]["attributes"]["coef_"] = {"__ndarray__": True}

    rewrite_manifest(LEGACY, tmp_path / "bad.skgenre", damage)
    with pytest.raises(ModelFileError, match="LogisticRegression state is damaged"):
        skgenre.load(tmp_path / "bad.skgenre")
    # Legacy state holds numbers and str only, never objects.
    rewrite_manifest(
        LEGACY,
        tmp_path / "object.skgenre",
        lambda m: m["steps"][1]["state"]["attributes"]["mean_"].update(dtype="|O"),
    )
    with pytest.raises(ModelFileError, match="StandardScaler state is damaged"):
        skgenre.load(tmp_path / "object.skgenre")
