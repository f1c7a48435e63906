"""The multiple-instance song classifier: a model on every window, pooled.

* :mod:`~skgenre.mil.classifier`: :class:`MILSongClassifier`, its
  hyper-parameters and what its windows hold;
* :mod:`~skgenre.mil.models`: the Keras builders (window CNN, dense head,
  MIL song model, window probe);
* :mod:`~skgenre.mil.pooling`: MIL pooling layers (mean, max, LSE,
  auto-pool, attention) and the window mask;
* :mod:`~skgenre.mil.augment`: training-time augmentation layers;
* :mod:`~skgenre.mil.batches`: batches streamed from memory-mapped features;
* ``_scikeras`` (the only module that touches scikeras) and ``_seeding``.

These import Keras and its backend, so the names below load on first use:
importing :mod:`skgenre` or :mod:`skgenre.frontends` (e.g. in joblib
workers) stays light.
"""

import importlib

# Public name -> the module of this package that defines it.
_NAMES = {
    "HYPERPARAMETERS": "classifier",
    "MILSongClassifier": "classifier",
    "POOLINGS": "pooling",
    "build_mil_model": "models",
    "build_window_cnn": "models",
    "build_window_head": "models",
    "window_probe": "models",
}

__all__ = sorted(_NAMES)


def __getattr__(name):
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_NAMES))
