"""Helpers shared by the benchmark scripts (run them from the repo root)."""

import argparse
import sys

import numpy as np


def log(message):
    print(message, flush=True)


def clear_keras():
    """Free the graphs of previous Keras models, if Keras is loaded."""
    if "keras" in sys.modules:
        sys.modules["keras"].utils.clear_session()


def song_splits(y, seeds, folds, groups=None):
    """``({seed: [(train, test), ...]}, split in words)``: the same song folds
    for every method, grouped by artist whenever ``groups`` name artists
    (:func:`skgenre.evaluation.song_folds`), stratified otherwise."""
    from skgenre.evaluation import song_folds

    splits = {}
    for seed in seeds:
        cv, description = song_folds(y, groups, n_splits=folds, random_state=seed)
        splits[seed] = list(cv.split(np.zeros(len(y)), y, groups))
    return splits, description


def report(table, out=None, split=None):
    """Print a markdown table and, if ``out`` is given, write it there too.

    ``split`` names the folds the figures come from; it heads the table.
    """
    if split:
        table = f"Folds: {split}.\n\n{table}"
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
    """``(paths, y, splits)`` of ``args.data_dir`` with the protocol's folds:
    grouped by artist where the files' tags name artists."""
    from skgenre.datasets import load_folder

    paths, y, groups = load_folder(args.data_dir, return_groups=True)
    paths = list(paths)
    splits, args.split = song_splits(y, args.seeds, args.folds, groups)
    log(f"{len(paths)} songs, {len(set(y))} genres; seeds={args.seeds}; {args.split}")
    return paths, y, splits
