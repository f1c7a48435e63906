"""Feature front-ends: audio file paths to window features.

* :mod:`~skgenre.frontends.mfcc`: :class:`WindowMFCCTransformer`, MFCC or
  log-mel windows for the reference CNN, computed by
  :mod:`~skgenre.frontends.features`;
* :mod:`~skgenre.frontends.embedder`: :class:`WindowEmbedder`, window
  embeddings of the pretrained encoder (:mod:`skgenre.encoders`);
* :mod:`~skgenre.frontends.registry`: the front-ends by name
  (:data:`FRONT_ENDS`), read by pipelines, the command line and model files;
* :mod:`~skgenre.frontends.store`: resumable on-disk feature stores;
* ``_extraction`` and ``_base``: the engine every front-end runs on
  (parallel, cached, progress, ``on_error``) and what they share.
"""

from .embedder import WindowEmbedder
from .mfcc import WindowMFCCTransformer
from .registry import FRONT_ENDS, FrontEndSpec, make_front_end, transformer_classes
from .store import open_store, write_store

__all__ = [
    "FRONT_ENDS",
    "FrontEndSpec",
    "WindowEmbedder",
    "WindowMFCCTransformer",
    "make_front_end",
    "open_store",
    "transformer_classes",
    "write_store",
]
