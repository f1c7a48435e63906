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


def report(table, out=None):
    """Print a markdown table and, if ``out`` is given, write it there too."""
    log("")
    log(table)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(table + "\n")
