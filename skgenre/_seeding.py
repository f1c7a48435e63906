"""Seeded training that leaves the process's random state as it found it.

``seeded(random_state)`` seeds Python's ``random``, numpy's global generator,
TensorFlow's global seed, Keras' global ``SeedGenerator`` and switches on
TensorFlow's op determinism for the duration of a ``with`` block, and puts
every one of them back afterwards, also when the block raises or is
interrupted.

Why not scikeras' ``tensorflow_random_state``: it sets the environment
variable ``TF_DETERMINISTIC_OPS=1`` *before* asking TensorFlow whether op
determinism is enabled.  TensorFlow reads that variable once, lazily, on the
first such question in the process (``DeterminismState::Required`` in
``tsl/util/determinism.cc``) and caches the answer.  In a process whose first
question comes from scikeras, TensorFlow therefore answers "already enabled",
scikeras believes it must not switch determinism off, and it stays on for the
rest of the process: every later unseeded random op raises "Random ops
require a seed to be set when determinism is enabled".  Here the state is
read before anything changes it, and the environment variable is left alone.

Global state is shared by all threads, so seeded blocks run one at a time
(a re-entrant lock): two threads restoring each other's state would leak it.
"""

import os
import random
import threading
from contextlib import contextmanager

import numpy as np

__all__ = ["seed_of", "seeded"]

_LOCK = threading.RLock()
_ENV = "TF_DETERMINISTIC_OPS"
# Keras' global state: the generator of keras.random calls without a seed,
# and the seed recorded by keras.utils.set_random_seed.
_KERAS_ATTRIBUTES = ("global_seed_generator", "global_random_seed")


def seed_of(random_state):
    """The integer seed of ``random_state`` (None, int or RandomState), or None.

    The one derivation of a fit's seed: :func:`seeded` and the classifier's
    ``_random_state`` (what scikeras seeds its model building and fit with,
    set in :class:`skgenre._scikeras.SongKerasClassifier`) both come from
    here.  A ``RandomState`` gives a draw from a copy of it, as scikeras
    does, so the caller's generator is not consumed.
    """
    if isinstance(random_state, np.random.RandomState):
        copy = np.random.RandomState()
        copy.set_state(random_state.get_state())
        return int(copy.randint(low=1))
    return None if random_state is None else int(random_state)


@contextmanager
def seeded(random_state):
    """Seed everything for the block; restore all of it afterwards.

    Parameters
    ----------
    random_state : int, RandomState or None
        ``None`` does nothing: unseeded code runs as it would without the
        block.
    """
    seed = seed_of(random_state)
    if seed is None:
        yield
        return
    import keras
    from keras.src.backend.common import global_state
    from tensorflow.python.eager import context
    from tensorflow.python.framework import config

    with _LOCK:
        # Asked first, before anything touches TF_DETERMINISTIC_OPS.
        determinism = config.is_op_determinism_enabled()
        env = os.environ.get(_ENV)
        python_state = random.getstate()
        numpy_state = np.random.get_state()  # noqa: NPY002 (global state)
        tf_context = context.context()
        tf_seed, tf_op_seeds = tf_context._seed, getattr(tf_context, "_rng", None)
        keras_state = {
            name: global_state.get_global_attribute(name) for name in _KERAS_ATTRIBUTES
        }
        try:
            # Python, numpy, TF and a fresh Keras global SeedGenerator.
            keras.utils.set_random_seed(seed)
            config.enable_op_determinism()
            yield
        finally:
            if not determinism:
                config.disable_op_determinism()
            if env is None:
                os.environ.pop(_ENV, None)
            else:
                os.environ[_ENV] = env
            random.setstate(python_state)
            np.random.set_state(numpy_state)  # noqa: NPY002
            context.set_global_seed(tf_seed)
            # set_global_seed restarts the op-seed sequence; continue it.
            tf_context._rng = tf_op_seeds
            for name, value in keras_state.items():
                global_state.set_global_attribute(name, value)
