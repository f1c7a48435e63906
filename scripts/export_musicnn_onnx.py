"""Export skgenre's Keras musicnn networks to ONNX, for ONNX Runtime.

Usage::

    pip install tf2onnx onnx onnxruntime   # conversion only, beside TensorFlow
    python scripts/export_musicnn_onnx.py

For MSD_musicnn and MTT_musicnn the script builds the Keras port with the
shipped (checksummed) weights (:func:`skgenre.encoders.musicnn.load_musicnn`), exports
it with Keras' ``Model.export(format="onnx")`` (tf2onnx) with the four
outputs of :data:`skgenre.encoders.musicnn.ONNX_OUTPUTS`, in that order, writes
``skgenre/data/musicnn/{MSD,MTT}_musicnn.onnx``, checks the ONNX Runtime
outputs against the original TF1 graph's fixture
(``tests/data/musicnn_fixture.npz``, to 1e-5) and against the Keras port,
and prints the files' sha256, to be recorded in
``skgenre.encoders.musicnn.ONNX_SHA256``.  The export is not byte for byte
reproducible (tf2onnx names some tensors by counters): the recorded checksum
is of the shipped file.
"""

import hashlib
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from skgenre.encoders import musicnn  # noqa: E402

FIXTURE = REPO / "tests" / "data" / "musicnn_fixture.npz"


def main():
    import keras
    import onnxruntime as ort

    fixture = dict(np.load(FIXTURE))
    for name, file in musicnn.ONNX_FILES.items():
        model = musicnn.load_musicnn(name)
        outputs = [model.output[layer] for layer in musicnn.ONNX_OUTPUTS]
        network = keras.Model(model.input, outputs, name=name.replace("-", "_"))
        network(fixture["logmel"])  # Keras exports only models that have run
        path = musicnn.WEIGHTS_DIR / file
        network.export(str(path), format="onnx", verbose=False)
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = session.run(None, {session.get_inputs()[0].name: fixture["logmel"]})
        prefix = name.removeprefix("musicnn-")
        for layer, value in zip(musicnn.ONNX_OUTPUTS, got, strict=True):
            port = musicnn.encode(name, layer, fixture["logmel"], runtime="keras")
            line = f"{name} {layer}: ONNX vs port {np.abs(value - port).max():.1e}"
            if f"{prefix}_{layer}" in fixture:
                error = np.abs(value - fixture[f"{prefix}_{layer}"]).max()
                assert error < 1e-5, (name, layer, error)
                line += f", vs original graph {error:.1e}"
            print(line)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{path.name}: sha256 {digest}, {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
