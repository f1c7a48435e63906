"""musicnn's shipped weights: files, checksums, and reading them safely.

The float32 weights converted from the authors' TensorFlow 1 checkpoints
(``scripts/convert_musicnn.py``) and their ONNX exports
(``scripts/export_musicnn_onnx.py``) ship in ``skgenre/data/musicnn/``; each
file is read only once its sha256 is the recorded one.
"""

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

from .._errors import FileError

__all__ = [
    "ONNX_FILES",
    "ONNX_OUTPUTS",
    "ONNX_SHA256",
    "WEIGHTS_DIR",
    "WEIGHTS_FILES",
    "WEIGHTS_SHA256",
    "WeightsFileError",
    "read_weights",
    "verified_bytes",
]

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "data" / "musicnn"
WEIGHTS_FILES = {"musicnn-msd": "MSD_musicnn.npz", "musicnn-mtt": "MTT_musicnn.npz"}
# Written by scripts/convert_musicnn.py, which writes the files byte for byte
# reproducibly and prints these.
WEIGHTS_SHA256 = {
    "musicnn-msd": "cf8daeb5963b2b6e7e090be99f889dd141c80b87bfb4bbbeb2d35d108c01e7de",
    "musicnn-mtt": "feda83bc04a66c232e6211a46b522fd2f8d97fc8536a55ff4a91f3e4069f0324",
}

#: ONNX exports of the same networks (``scripts/export_musicnn_onnx.py``),
#: run by ONNX Runtime; their outputs, in order, and checksums.
ONNX_FILES = {"musicnn-msd": "MSD_musicnn.onnx", "musicnn-mtt": "MTT_musicnn.onnx"}
ONNX_OUTPUTS = ("taggram", "penultimate", "mean_pool", "max_pool")
ONNX_SHA256 = {
    "musicnn-msd": "2685bf2398701ec56d934c77021b472ef8ff3dfcc9d19776ea66bb62019dc587",
    "musicnn-mtt": "65c801af5ce426266a8fab972fb6156cac844af56b7c250d48e97f72db19e1b7",
}


class WeightsFileError(FileError):
    """A weights file is missing, damaged or not the one recorded.

    Subclasses :class:`ValueError` so ``except ValueError`` also catches it.

    Parameters
    ----------
    path : str
        The offending file.
    reason : str
        What is wrong with it.
    """

    message = "refusing musicnn weights file {path!r}: {reason}"


def verified_bytes(path, sha256):
    """The bytes of ``path``, once their sha256 is the recorded one."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise WeightsFileError(path, f"cannot read it ({exc})") from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise WeightsFileError(
            path,
            f"sha256 {actual} differs from the recorded {sha256}: the file is "
            "damaged or not the shipped one (reinstall skgenre, or re-run "
            "scripts/convert_musicnn.py)",
        )
    return data


def read_weights(path, sha256):
    """Read a weights file after checking its checksum.

    Parameters
    ----------
    path : str or Path
        An ``.npz`` file of float32 arrays keyed by Keras variable path
        (``"timbral_7x38/kernel"``); read with ``allow_pickle=False``.
    sha256 : str
        Expected hexadecimal SHA-256 of the file's bytes.

    Returns
    -------
    weights : dict of str to ndarray

    Raises
    ------
    WeightsFileError
        If the file is missing or unreadable, its checksum differs from
        ``sha256`` (checked before anything is loaded), or it is not a
        readable ``.npz`` file.
    """
    path = Path(path)
    data = verified_bytes(path, sha256)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, KeyError) as exc:
        raise WeightsFileError(path, f"not a readable .npz file ({exc})") from exc
