"""Every Keras 3 backend gives the same results on a CPU.

Keras fixes its backend when it is first imported, so each backend runs in a
fresh process (``KERAS_BACKEND=...``) and reports back as JSON; TensorFlow
(the default) is this process.  JAX runs wherever it is installed (the test
extras install it); PyTorch where it is installed.
"""

import contextlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from skgenre import WindowEmbedder
from skgenre.encoders import musicnn

FIXTURE = Path(__file__).resolve().parent / "data" / "musicnn_fixture.npz"

OTHER_BACKENDS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(
            importlib.util.find_spec(module) is None, reason=f"{module} not installed"
        ),
    )
    for name, module in (("jax", "jax"), ("torch", "torch"))
]

# Run under the backend given by KERAS_BACKEND; prints one JSON line.
_SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, sys
    import numpy as np
    from skgenre import WindowEmbedder
    from skgenre.encoders import musicnn
    from skgenre.encoders.backends import backend
    from skgenre.cli import main
    from skgenre.zeroshot import zero_shot_pipeline

    fixture_path, clip = sys.argv[1:3]
    report = {"backend": backend()}
    # Batches of 4 patches (JAX pads shorter ones to 4, not to the default
    # 64, which takes a second each on a CPU): one compiled encoder per
    # network and layer, reused by the embedder and zero-shot genres below.
    with np.load(fixture_path) as fixture:
        patches = fixture["logmel"]
        errors = {}
        for name, prefix in (("musicnn-msd", "msd"), ("musicnn-mtt", "mtt")):
            for layer in ("taggram", "penultimate"):
                out = musicnn.encode(name, layer, patches, batch_size=4)
                errors[f"{prefix}_{layer}"] = float(
                    np.abs(out - fixture[f"{prefix}_{layer}"]).max()
                )
        report["fixture_errors"] = errors
    # Batches of 1 and 5 (= 4 + 1) patches: still one compilation.
    more = np.repeat(patches, 2, axis=0)
    for n in (1, 5):
        musicnn.encode("musicnn-msd", "taggram", more[:n], batch_size=4)
    function = musicnn._encode_function(
        "musicnn-msd", "taggram", None, 4, "float32", "keras"
    )
    report["compilations"] = function.compilations()
    embeddings = WindowEmbedder(n_jobs=1, batch_size=4).transform([clip])
    report["embeddings"] = embeddings.tolist()
    zero_shot = zero_shot_pipeline(n_jobs=1, batch_size=4)
    report["zero_shot"] = zero_shot.predict_proba([clip]).tolist()
    # The command line, with its output and messages captured.
    for command in (["predict", clip, "--format", "json"], ["tag", clip]):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(command)
        report[command[0]] = (code, out.getvalue(), err.getvalue())
    report["tensorflow_imported"] = "tensorflow" in sys.modules

    # The classifier (scikeras imports TensorFlow where it is installed).
    print("-- classifier --", file=sys.stderr, flush=True)
    from skgenre import MILSongClassifier

    rng = np.random.default_rng(0)
    # 8 songs, 4 per batch: one shape of batch, one compiled training step.
    X = rng.normal(size=(8, 3, 13, 20, 1)).astype("float32")
    X[0, 2] = np.nan
    y = np.array(["a", "b", "c", "a"] * 2)

    def classifier(seed):
        return MILSongClassifier(epochs=2, features="mfcc", random_state=seed)

    clf = classifier(0).fit(X, y)
    proba = clf.predict_proba(X)
    report["classifier_ok"] = bool(proba.shape == (8, 3) and np.isfinite(proba).all())
    # One compiled predict function per model, for any number of songs and
    # windows: what Keras' own predict gives, to the bit.
    from skgenre.mil.models import window_probe

    same = []
    for n_songs, n_windows in ((5, 2), (1, 4)):
        X_test = rng.normal(size=(n_songs, n_windows, 13, 20, 1)).astype("float32")
        raw = clf.model_.predict(X_test, batch_size=4, verbose=0)
        windows, mask, _ = window_probe(clf.model_).predict(
            X_test, batch_size=4, verbose=0
        )
        windows = np.where(mask[..., None] > 0, windows, np.nan)
        timeline = clf.predict_window_proba(X_test)
        same.append(
            bool(np.array_equal(clf.predict_proba(X_test), raw))
            and bool(np.array_equal(timeline, windows, equal_nan=True))
        )
    report["predict_as_keras"] = all(same)
    # Seeded initial weights (built, not trained): training is then as
    # deterministic as the backend's kernels.
    weights = [classifier(s).initialize(X, y).model_.get_weights() for s in (0, 0, 1)]
    report["seeded_equal"] = all(
        np.array_equal(a, b) for a, b in zip(weights[0], weights[1])
    )
    report["other_seed_differs"] = not np.allclose(weights[0][0], weights[2][0])
    print(json.dumps(report))
    """
)


def _run(backend, *args):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def reference(real_clip):
    """What the default backend, TensorFlow, gives in this process."""
    from skgenre.cli import main
    from skgenre.zeroshot import zero_shot_pipeline

    outputs = {}
    for command in (["predict", real_clip, "--format", "json"], ["tag", real_clip]):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(command) == 0
        outputs[command[0]] = out.getvalue()
    return {
        "embeddings": WindowEmbedder(n_jobs=1).transform([real_clip]),
        "zero_shot": zero_shot_pipeline(n_jobs=1).predict_proba([real_clip]),
        **outputs,
    }


def test_tensorflow_is_the_default_and_traces_once():
    from skgenre.encoders.backends import backend

    assert backend() == "tensorflow"
    patches = np.load(FIXTURE)["logmel"]
    for n in (1, 3, 8, 9):
        more = np.repeat(patches, 3, 0)[:n]
        musicnn.encode("musicnn-msd", "taggram", more, runtime="keras")
    function = musicnn._encode_function(
        "musicnn-msd", "taggram", None, 64, "float32", "keras"
    )
    assert function.compilations() == 1


@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_backend_gives_the_same_results(backend, real_clip, reference):
    proc = _run(backend, FIXTURE, real_clip)
    report = json.loads(proc.stdout.splitlines()[-1])
    # Not a line on stderr before the classifier (framework noise included).
    assert proc.stderr.startswith("-- classifier --"), proc.stderr[:2000]
    assert report["backend"] == backend
    # The original TF1 graph's outputs, to 1e-5.
    assert max(report["fixture_errors"].values()) < 1e-5, report["fixture_errors"]
    assert report["compilations"] == (1 if backend == "jax" else 0)
    np.testing.assert_allclose(
        report["embeddings"], reference["embeddings"], rtol=0, atol=1e-5
    )
    np.testing.assert_allclose(
        report["zero_shot"], reference["zero_shot"], rtol=0, atol=1e-5
    )
    # The command line gives what it gives on TensorFlow, without noise.
    code, predicted, messages = report["predict"]
    assert (code, messages) == (0, "")
    got = json.loads(predicted)[0]["probabilities"]
    want = json.loads(reference["predict"])[0]["probabilities"]
    assert got.keys() == want.keys()
    np.testing.assert_allclose(list(got.values()), list(want.values()), atol=2e-6)
    assert report["tag"] == [0, reference["tag"], ""]
    # The pretrained encoder, zero-shot genres and their commands never
    # import TensorFlow.
    assert not report["tensorflow_imported"]
    assert report["classifier_ok"]
    assert report["predict_as_keras"]
    assert report["seeded_equal"] and report["other_seed_differs"]


def test_unknown_backend_is_refused(monkeypatch):
    import keras

    from skgenre.encoders import backends as _backend

    monkeypatch.setattr(keras.backend, "backend", lambda: "numpy")
    with pytest.raises(ValueError, match="Keras backends .* uses 'numpy'"):
        _backend.backend()


def test_a_missing_backend_is_explained_at_import(monkeypatch, tmp_path):
    import importlib.util

    from skgenre.encoders import backends as _backend

    monkeypatch.delitem(sys.modules, "keras")  # ask as a fresh process would
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "torch" else real(name, *args),
    )
    with pytest.raises(ImportError, match=r"'torch', which is not installed.*\[cpu\]"):
        _backend.check_installed()
    # Keras' configuration file decides when KERAS_BACKEND is not set.
    monkeypatch.delenv("KERAS_BACKEND")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert _backend.configured_backend() == "tensorflow"
    (tmp_path / "keras.json").write_text('{"backend": "torch"}')
    assert _backend.configured_backend() == "torch"
    with pytest.raises(ImportError, match="set KERAS_BACKEND=jax or torch"):
        _backend.check_installed()
