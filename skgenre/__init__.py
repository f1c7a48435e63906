"""skgenre: music genre classification from audio, inside scikit-learn.

``WindowEmbedder`` (pretrained musicnn embeddings of 3 s windows) or
``WindowMFCCTransformer`` (MFCC matrices of 5 s windows, the reference) turn
audio files into window features; ``MILSongClassifier`` classifies each song
from its windows (multiple-instance learning).  The classifier imports Keras
and its backend, so it is loaded on first use: feature extraction alone
(e.g. in joblib workers) stays light.  ``load`` and ``save`` are loaded on
first use too (model files need scikit-learn's Pipeline; the first song
does not).  Keras' backend (TensorFlow by default, or JAX or PyTorch with
``KERAS_BACKEND``) must be installed: importing skgenre says how if it is
not.
"""

from ._version import __version__
from .encoders.backends import check_installed as _check_backend_installed
from .frontends.embedder import WindowEmbedder
from .frontends.mfcc import WindowMFCCTransformer
from .song_pooling import SongPooling

__all__ = [
    "MILSongClassifier",
    "SongPooling",
    "WindowEmbedder",
    "WindowMFCCTransformer",
    "__version__",
    "load",
    "save",
]


_check_backend_installed()


def __getattr__(name):
    if name == "MILSongClassifier":
        from .mil.classifier import MILSongClassifier

        return MILSongClassifier
    if name in ("load", "save"):
        from . import persistence

        return getattr(persistence, name)
    if name in ("persistence", "zeroshot"):  # attributes once load was eager
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'skgenre' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
