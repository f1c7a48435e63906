"""ONNX Runtime: the CPU runtime of the pretrained networks, no framework.

:func:`choose_runtime` decides what runs the networks; :func:`onnx_predict`
gives the prediction function of a shipped ONNX export, verified by its
checksum before ONNX Runtime reads it.
"""

import importlib.util
import os
from functools import cache
from pathlib import Path

import numpy as np

from .weights import ONNX_FILES, ONNX_OUTPUTS, ONNX_SHA256, WEIGHTS_DIR, verified_bytes

__all__ = ["RUNTIMES", "choose_runtime", "onnx_predict"]

#: How the networks run: "keras" (the Keras backend in use: TensorFlow, JAX
#: or PyTorch, on any device), "onnx" (ONNX Runtime on the CPU: no framework
#: to import, so the first song is ready in a fraction of the time), or
#: "auto" (:func:`skgenre.encoders.musicnn.resolve_runtime`).
RUNTIMES = ("auto", "keras", "onnx")

# Patches per ONNX Runtime call.  A batch's activations take ~26 MB per
# patch (the timbral convolutions' outputs): 20 patches at once peak at
# 650 MB, fault in every page of it on the first call and overflow the
# caches; chunks of 4 peak at 270 MB and run a first song's 20 patches in
# 0.33 s instead of 0.45 s (2 cores).  Chunks of a multiple of 4 gave the
# values of one call on the whole batch bit for bit (AVX-512; chunks of 1,
# 2, 3 or 5 differ by up to 1.5e-6, from the matrix kernels' row blocks).
_CHUNK = 4


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
    """ONNX Runtime's session of a network, once its checksum is verified.

    Its threads sleep between calls instead of spinning (ONNX Runtime's
    default): they would otherwise hold the cores the other network's
    session (``musicnn-msd+mtt``) and the decoding workers need: up to a
    third more CPU time, and no faster answer on idle cores.
    """
    import onnxruntime

    path = Path(WEIGHTS_DIR if weights_dir is None else weights_dir) / ONNX_FILES[name]
    data = verified_bytes(path, ONNX_SHA256[name])
    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(
        data, options, providers=["CPUExecutionProvider"]
    )


def onnx_predict(name, layer, weights_dir):
    """``predict(patches) -> outputs of layer``, run by ONNX Runtime.

    Parameters
    ----------
    name : {"musicnn-msd", "musicnn-mtt"}
    layer : {"taggram", "penultimate", "mean_pool", "max_pool"}
    weights_dir : str, Path or None
        Folder of the ONNX exports; the shipped one if None.

    Returns
    -------
    predict : callable
        Maps ``(batch, 187, 96)`` float32 patches to ``(batch, n_features)``,
        running at most 4 patches per call of the session; its
        ``compilations()`` is 0 (nothing is traced).
    """
    session = _onnx_session(name, weights_dir)
    inputs = session.get_inputs()[0].name
    output = session.get_outputs()[ONNX_OUTPUTS.index(layer)].name

    def predict(x):
        if len(x) <= _CHUNK:
            return session.run([output], {inputs: x})[0]
        return np.concatenate(
            [
                session.run([output], {inputs: x[start : start + _CHUNK]})[0]
                for start in range(0, len(x), _CHUNK)
            ]
        )

    predict.compilations = lambda: 0
    return predict
