"""Helpers shared by the benchmark scripts (run them from the repo root)."""

import argparse
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


def protocol_parser(doc):
    """Argument parser with the accuracy protocol's shared arguments.

    ``data_dir``, ``--seeds``, ``--folds``, ``--cache`` and ``--out``; the
    description is the first paragraph of ``doc``.
    """
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("data_dir", help="genre-per-folder tree")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--cache", help="feature cache folder (default: a temporary folder)"
    )
    parser.add_argument("--out", help="also write the markdown table(s) to this file")
    return parser


def protocol_data(args):
    """``(paths, y, splits)`` of ``args.data_dir`` with the protocol's folds."""
    from skgenre.datasets import load_folder

    paths, y = load_folder(args.data_dir)
    paths = list(paths)
    log(
        f"{len(paths)} songs, {len(set(y))} genres; seeds={args.seeds}, "
        f"folds={args.folds}"
    )
    return paths, y, stratified_splits(y, args.seeds, args.folds)
