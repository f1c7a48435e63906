"""A stand-in genre model for library tests: probabilities chosen by file
name, no network (the real ones are tested in test_library_cli)."""

import os

import numpy as np

NAMES = ["Blues", "Jazz", "Rock"]


class FakeModel:
    """Genre probabilities by file name: a name containing a genre (lower
    case) gets it at 0.8; "unsure" gets 0.4 at most; "broken" fails to
    decode.  ``calls`` counts the songs predicted."""

    names = NAMES
    identity = "fake model"
    multilabel = False
    threshold = None
    settings = {}
    encoder_reason = ""

    def __init__(self, multilabel=False, threshold=None):
        self.multilabel, self.threshold = multilabel, threshold
        self.calls = 0

    def proba_of(self, path):
        name = os.path.basename(path).lower()
        p = np.full(len(NAMES), 0.1)
        for k, genre in enumerate(NAMES):
            if genre.lower() in name:
                p[k] = 0.8
        if "unsure" in name:
            p = np.array([0.4, 0.3, 0.3])
        if not self.multilabel:
            p = p / p.sum() if p.max() < 0.8 else p
        return p

    def predict_proba(self, paths, chunk_size=32, progress=True):
        self.calls += len(paths)
        errors = {p: "cannot decode" for p in paths if "broken" in p}
        proba = np.array([self.proba_of(p) for p in paths], dtype=float)
        for k, p in enumerate(paths):
            if p in errors:
                proba[k] = np.nan
        return proba, errors
