"""Seeded training that leaves the process's random state as it found it.

``seeded(random_state)`` seeds Python's ``random``, numpy's global generator,
Keras' global ``SeedGenerator`` and the backend's own state (TensorFlow's
global seed and op determinism, or PyTorch's generators; JAX draws its keys
from Keras' generator) for the duration of a ``with`` block, and puts every
one of them back afterwards, also when the block raises or is interrupted.
The backend-specific part is in :mod:`skgenre.encoders.backends`.

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

import random
import threading
from contextlib import contextmanager

import numpy as np

__all__ = ["seed_of", "seeded"]

_LOCK = threading.RLock()
# Keras' global state: the generator of keras.random calls without a seed,
# and the seed recorded by keras.utils.set_random_seed.
_KERAS_ATTRIBUTES = ("global_seed_generator", "global_random_seed")


def seed_of(random_state):
    """The integer seed of ``random_state`` (None, int or RandomState), or None.

    The one derivation of a fit's seed: :func:`seeded` and the classifier's
    ``_random_state`` (what scikeras seeds its model building and fit with,
    set in :class:`skgenre.mil._scikeras.SongKerasClassifier`) both come from
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
    from keras.src.backend.common import global_state

    from ..encoders import backends as _backend

    with _LOCK:
        framework_state = _backend.save_random_state()  # first: see above
        python_state = random.getstate()
        numpy_state = np.random.get_state()  # noqa: NPY002 (global state)
        keras_state = {
            name: global_state.get_global_attribute(name) for name in _KERAS_ATTRIBUTES
        }
        try:
            # What keras.utils.set_random_seed does, without seeding
            # TensorFlow under another backend (it would import it).
            global_state.set_global_attribute("global_random_seed", seed)
            global_state.set_global_attribute("global_seed_generator", None)
            random.seed(seed)
            np.random.seed(seed)  # noqa: NPY002
            _backend.seed_random_state(seed)
            yield
        finally:
            _backend.restore_random_state(framework_state)
            random.setstate(python_state)
            np.random.set_state(numpy_state)  # noqa: NPY002
            for name, value in keras_state.items():
                global_state.set_global_attribute(name, value)
