"""Helpers shared by the benchmark scripts (run them from the repo root)."""

import sys

import numpy as np
from sklearn.model_selection import StratifiedKFold


def log(message):
    print(message, flush=True)


def clear_keras():
    """Free the graphs of previous Keras models, if Keras is loaded."""
    if "keras" in sys.modules:
        sys.modules["keras"].utils.clear_session()


def stratified_splits(y, seeds, folds):
    """{seed: [(train, test), ...]}: the same song folds for every method."""
    return {
        seed: list(
            StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(
                np.zeros(len(y)), y
            )
        )
        for seed in seeds
    }
