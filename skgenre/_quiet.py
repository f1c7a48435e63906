"""Quiet start-up of Keras and its backend, for the command line only.

A library must not change its host program's logging, so nothing here runs
on ``import skgenre``: only ``skgenre.cli.main`` calls :func:`quiet_framework`,
before anything imports TensorFlow, and not with ``--debug``.

What it silences, and why each step is needed:

* ``TF_CPP_MIN_LOG_LEVEL=3`` (unless already set): TensorFlow's C++ log lines
  such as ``cpu_feature_guard.cc ... This TensorFlow binary is optimized``.
* Since TensorFlow 2.19 a few lines are logged through absl while the shared
  libraries load, before TensorFlow reads that variable
  (tensorflow/tensorflow#100442): ``WARNING: All log messages before
  absl::InitializeLog() is called are written to STDERR`` and ``port.cc ...
  oneDNN custom operations are on``.  The only switch for the latter,
  ``TF_ENABLE_ONEDNN_OPTS=0``, would change the numerics, so TensorFlow is
  imported with the process's stderr pointed at ``/dev/null`` instead.
* TensorFlow's, JAX's and absl's Python loggers are set to ERROR.
* Under the JAX or PyTorch backend, the pretrained encoder's commands
  (``predict`` with no model, ``tag``) do not import TensorFlow at all.
"""

import contextlib
import logging
import os
import sys

__all__ = ["quiet_framework"]


@contextlib.contextmanager
def _stderr_to_devnull():
    """Point file descriptor 2 (C++ code writes there) at /dev/null."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def quiet_framework(tensorflow=True):
    """Import Keras (and TensorFlow) without their start-up lines on stderr.

    Parameters
    ----------
    tensorflow : bool, default=True
        Whether the command will need TensorFlow under any Keras backend
        (scikeras imports it for the trained classifier).  With the JAX or
        PyTorch backend and ``tensorflow=False`` (the pretrained encoder
        alone), TensorFlow is not imported at all.

    Does nothing if ``TF_CPP_MIN_LOG_LEVEL`` is set to 0: the user asked for
    the frameworks' messages.
    """
    if os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3") == "0":
        return
    with _stderr_to_devnull():
        import keras

        if tensorflow or keras.backend.backend() == "tensorflow":
            with contextlib.suppress(ImportError):
                import tensorflow  # noqa: F401
    for name in ("tensorflow", "jax", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].get_logger().setLevel(logging.ERROR)
    with contextlib.suppress(ImportError):
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
