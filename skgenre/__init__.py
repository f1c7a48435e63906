"""skgenre: music genre classification from audio, inside scikit-learn.

``WindowEmbedder`` (pretrained musicnn embeddings of 3 s windows) or
``WindowMFCCTransformer`` (MFCC matrices of 5 s windows, the reference) turn
audio files into window features; ``MILSongClassifier`` classifies each song
from its windows (multiple-instance learning).  The classifier imports Keras
and its backend, so it is loaded on first use: feature extraction alone
(e.g. in joblib workers) stays light.  Keras' backend (TensorFlow by
default, or JAX or PyTorch with ``KERAS_BACKEND``) must be installed:
importing skgenre says how if it is not.
"""

from ._version import __version__
from .encoders.backends import check_installed as _check_backend_installed
from .frontends.embedder import WindowEmbedder
from .frontends.mfcc import WindowMFCCTransformer
from .persistence import load, save
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
    raise AttributeError(f"module 'skgenre' has no attribute {name!r}")
