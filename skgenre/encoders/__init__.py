"""The pretrained window encoders: musicnn rebuilt in Keras 3.

* :mod:`~skgenre.encoders.musicnn`: the network, its preprocessing and
  :func:`~skgenre.encoders.musicnn.encode`;
* :mod:`~skgenre.encoders.weights`: the shipped weights and ONNX exports,
  their checksums, and reading them safely;
* :mod:`~skgenre.encoders.backends`: what differs between Keras backends
  (compiled inference in full float32, random state, threads);
* ``_onnx``: ONNX Runtime, which runs the networks on CPUs without a
  framework.

Importing this package imports neither Keras nor a framework.
"""

from . import backends, musicnn, weights
from .musicnn import (
    ENCODERS,
    LAYERS,
    MODELS,
    PRECISIONS,
    RUNTIMES,
    TAGS,
    build_musicnn,
    encode,
    load_musicnn,
    musicnn_encoder,
    musicnn_logmel,
    musicnn_patches,
    resolve_runtime,
)
from .weights import WeightsFileError

__all__ = [
    "ENCODERS",
    "LAYERS",
    "MODELS",
    "PRECISIONS",
    "RUNTIMES",
    "TAGS",
    "WeightsFileError",
    "backends",
    "build_musicnn",
    "encode",
    "load_musicnn",
    "musicnn",
    "musicnn_encoder",
    "musicnn_logmel",
    "musicnn_patches",
    "resolve_runtime",
    "weights",
]
