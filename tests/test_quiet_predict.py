"""Prediction is compiled once per model: quiet, and what ``model.predict`` gives.

Keras' ``model.predict`` traces its function again for every new model (one
per fit) and number of windows, so a few folds of cross-validation printed
TensorFlow's "triggered tf.function retracing" warning.  TensorFlow counts
those traces per process, so the warning is looked for in a fresh process.
"""

import gc
import json
import os
import subprocess
import sys
import textwrap
import weakref

import keras
import numpy as np
import pytest

from skgenre import MILSongClassifier
from skgenre.mil.batches import compiled_predict, predict_in_batches
from skgenre.mil.models import window_probe

# What Keras' own predict printed, from TensorFlow's Python logger.
_NOISE = ("retracing", "WARNING:tensorflow")

# Under the backend given by KERAS_BACKEND: two fit and predict rounds of
# each kind of window, with other numbers of songs and windows every time
# (Keras' own predict warned at the second fit); then, after a marker line
# on stderr, Keras' predictions to compare with.
_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from skgenre import MILSongClassifier
    from skgenre.mil.batches import compiled_predict
    from skgenre.mil.models import window_probe

    rng = np.random.default_rng(0)
    KINDS = {"mfcc": (13, 24, 1), "embedding": (16,)}
    rounds = []
    for features, window in KINDS.items():
        for fold in range(2):
            X = rng.standard_normal((12, 4 + fold, *window)).astype("float32")
            X[0, -1] = np.nan  # a padded window
            y = np.arange(12) % 3
            # The default 4 songs per batch, 3 batches per epoch: Keras'
            # training function traces once per fit, too few to warn.
            clf = MILSongClassifier(
                features=features, epochs=2, random_state=fold
            ).fit(X, y)
            tests = []
            for n_songs, n_windows in ((5, 3 + fold), (11, 7 - fold), (1, 2)):
                X_test = rng.standard_normal((n_songs, n_windows, *window))
                X_test = X_test.astype("float32")
                tests.append(
                    (
                        X_test,
                        clf.predict_proba(X_test),
                        clf.predict(X_test),
                        clf.predict_window_proba(X_test),
                    )
                )
            rounds.append((clf, tests))
    report = {
        "compilations": [
            [
                compiled_predict(model).compilations()
                for model in (clf.model_, window_probe(clf.model_))
            ]
            for clf, _ in rounds
        ]
    }
    print("-- reference --", file=sys.stderr, flush=True)
    equal = []
    # Keras traces its predict anew for every test set: one per model, the
    # three shapes in turn.
    for i, (clf, tests) in enumerate(rounds):
        probe = window_probe(clf.model_)
        for X_test, proba, labels, window_proba in tests[i % 3 : i % 3 + 1]:
            raw = clf.model_.predict(X_test, batch_size=4, verbose=0)
            if raw.shape[1] == 1:  # one sigmoid unit
                raw = np.hstack([1 - raw, raw])
            windows, mask, _ = probe.predict(X_test, batch_size=4, verbose=0)
            windows = np.where(mask[..., None] > 0, windows, np.nan)
            equal.append(
                [
                    bool(np.array_equal(proba, raw)),
                    bool(np.array_equal(labels, clf.classes_[raw.argmax(1)])),
                    bool(np.array_equal(window_proba, windows, equal_nan=True)),
                ]
            )
    report["equal"] = equal
    print(json.dumps(report))
    """
)


def test_repeated_fits_predict_quietly_and_as_keras():
    # The warning is TensorFlow's; equality on the other backends is checked
    # in the one process test_backends.py starts per backend.
    backend = "tensorflow"
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    ours, _, keras_part = proc.stderr.partition("-- reference --")
    assert keras_part, proc.stderr[-3000:]
    for word in _NOISE:
        assert word not in ours, ours[-3000:]
    report = json.loads(proc.stdout.splitlines()[-1])
    # predict_proba, predict and predict_window_proba, for 2 kinds x 2 folds
    # (each shape of test set once at least): all equal to Keras' own.
    assert np.array(report["equal"]).shape == (4, 3)
    assert np.all(report["equal"]), report["equal"]
    if backend == "tensorflow":
        # Model and window probe: one trace each, for every shape.
        assert report["compilations"] == [[1, 1]] * 4


def _fitted(seed=0, **params):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((20, 4, 13, 24, 1)).astype(np.float32)
    X[1, 3] = np.nan
    y = np.arange(20) % 3
    clf = MILSongClassifier(
        features="mfcc", epochs=1, batch_size=8, random_state=seed, **params
    )
    return clf.fit(X, y), X, y


@pytest.mark.graph  # the compiled function, traced before further training
def test_compiled_function_sees_further_training():
    clf, X, y = _fitted()
    X_test = X[:, :3]
    before = clf.predict_proba(X_test)
    clf.partial_fit(X, y)
    after = clf.predict_proba(X_test)
    assert not np.array_equal(before, after)
    want = clf.model_.predict(X_test, batch_size=8, verbose=0)
    np.testing.assert_array_equal(after, want)


def test_compiled_function_does_not_keep_the_model():
    clf, X, _ = _fitted()
    clf.predict_proba(X)
    clf.predict_window_proba(X)
    model = weakref.ref(clf.model_)
    del clf
    gc.collect()
    assert model() is None


def test_predict_callbacks_still_run():
    class CountBatches(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def on_predict_batch_end(self, batch, logs=None):
            self.batches += 1

    counter = CountBatches()
    # predict__callbacks reach Keras' predict, which calls their hooks; fit
    # callbacks without prediction hooks leave prediction compiled.
    clf, X, _ = _fitted(
        callbacks=[keras.callbacks.TerminateOnNaN()], predict__callbacks=[counter]
    )
    proba = clf.predict_proba(X)
    assert counter.batches == 3  # 20 songs, 8 per batch
    clf.set_params(predict__callbacks=None)
    clf._initialize_callbacks()
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    assert counter.batches == 3


@pytest.mark.graph  # what is traced
def test_predict_in_batches_joins_outputs_as_keras():
    clf, X, _ = _fitted(pooling="attention")
    probe = window_probe(clf.model_)
    got = predict_in_batches(probe, X, 8)
    want = probe.predict(X, batch_size=8, verbose=0)
    assert len(got) == len(want) == 3
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
    if keras.backend.backend() == "tensorflow":
        assert compiled_predict(probe).compilations() == 1
