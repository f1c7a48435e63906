"""ONNX Runtime: the CPU runtime of the pretrained networks, no framework.

:func:`choose_runtime` decides what runs the networks; :func:`onnx_predict`
gives the prediction function of a shipped ONNX export, verified by its
checksum before ONNX Runtime reads it.
"""

import importlib.util
import os
from functools import cache
from pathlib import Path

from .weights import ONNX_FILES, ONNX_OUTPUTS, ONNX_SHA256, WEIGHTS_DIR, verified_bytes

__all__ = ["RUNTIMES", "choose_runtime", "onnx_predict"]

#: How the networks run: "keras" (the Keras backend in use: TensorFlow, JAX
#: or PyTorch, on any device), "onnx" (ONNX Runtime on the CPU: no framework
#: to import, so the first song is ready in a fraction of the time), or
#: "auto" (:func:`skgenre.encoders.musicnn.resolve_runtime`).
RUNTIMES = ("auto", "keras", "onnx")


def choose_runtime(runtime, precision):
    """:func:`skgenre.encoders.musicnn.resolve_runtime` once ``precision`` is
    known to be one of its precisions."""
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}; expected one of {RUNTIMES}")
    installed = importlib.util.find_spec("onnxruntime") is not None
    if runtime == "auto":
        chosen = "KERAS_BACKEND" in os.environ
        return (
            "onnx" if installed and precision == "float32" and not chosen else "keras"
        )
    if runtime == "onnx":
        if precision != "float32":
            raise ValueError(
                "runtime='onnx' computes in float32; bfloat16 needs runtime='keras'"
            )
        if not installed:
            raise ImportError(
                "runtime='onnx' needs onnxruntime: pip install onnxruntime "
                "(skgenre[cpu] installs it)"
            )
    return runtime


@cache
def _onnx_session(name, weights_dir):
    """ONNX Runtime's session of a network, once its checksum is verified."""
    import onnxruntime

    path = Path(WEIGHTS_DIR if weights_dir is None else weights_dir) / ONNX_FILES[name]
    data = verified_bytes(path, ONNX_SHA256[name])
    return onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])


def onnx_predict(name, layer, weights_dir):
    session = _onnx_session(name, weights_dir)
    inputs = session.get_inputs()[0].name
    output = session.get_outputs()[ONNX_OUTPUTS.index(layer)].name

    def predict(x):
        return session.run([output], {inputs: x})[0]

    predict.compilations = lambda: 0
    return predict
