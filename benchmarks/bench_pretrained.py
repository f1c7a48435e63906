"""Genre accuracy of classifiers on pretrained musicnn window embeddings.

Usage::

    python benchmarks/bench_pretrained.py DATA_DIR [--seeds 0 1 2] [--folds 5]
        [--models musicnn-msd musicnn-mtt]
        [--layers penultimate mean_pool max_pool taggram]
        [--poolings mean attention] [--attention-layers LAYER ...]
        [--reference] [--cache DIR] [--out FILE] [--quick]

Protocol
--------
The protocol of ``bench_accuracy.py``: ``DATA_DIR`` is a genre-per-folder
tree (:func:`skgenre.datasets.load_folder`); for each seed the songs are
split by ``StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)``
(:func:`_common.song_splits`; grouped by artist instead where the files'
tags name artists), the same folds for every method.  A
method's score for a seed is its mean fold accuracy; the table reports the
mean and standard deviation (``ddof=0``) of the per-seed scores, the scores
themselves and the mean seconds per fit (fit plus prediction of one fold,
feature extraction excluded).

Methods:

* baseline: ``bench_accuracy.py``'s, imported from it: per-song mean and std
  of 20 MFCCs, ``StandardScaler``, ``LogisticRegression(max_iter=1000)``.
* reference MIL: ``MILSongClassifier(features="mfcc", random_state=seed)``
  (all defaults, told the windows are MFCCs) on ``WindowMFCCTransformer``
  MFCC windows, as ``bench_accuracy.py`` runs it.
  It costs ~20 s per fit, so it only runs with ``--reference``; otherwise
  the table quotes the figure measured by ``bench_accuracy.py``.
* for each model in ``--models``, layer in ``--layers`` and pooling in
  ``--poolings``: ``MILSongClassifier(pooling=P, random_state=seed)`` on
  ``WindowEmbedder(model=M, layer=L)`` embeddings (defaults otherwise: no
  hidden layer on embeddings).  ``--attention-layers`` restricts pooling
  "attention" to those layers (default: all).  The row of ``musicnn-msd``,
  ``penultimate``, ``mean`` is the package's default pretrained pipeline.
* for each model and layer: ``make_pipeline(StandardScaler(),
  LogisticRegression(max_iter=2000))`` on the song mean of the window
  embeddings (``np.nanmean`` over windows).
* zero-shot, for each model whose ``taggram`` is extracted:
  ``TagGenreClassifier(tagger=M)`` on the taggram, no training and so no
  folds; accuracy over the songs whose genre is one of its classes, and the
  confusion matrix of those songs.

Embeddings are extracted once per (model, layer) for all songs (a joblib
cache under ``--cache`` or a temporary folder removed at exit) and indexed
per fold.  The embedder has no fitted state, so this gives the same numbers
as fitting a ``Pipeline`` per fold.

``--quick`` runs one seed, 3 folds, ``musicnn-msd`` only, layers
``penultimate`` and ``taggram`` and pooling ``mean``: a smoke test, not a
measurement.

Caveat
------
In gtzan-mini (90 GTZAN clips, 9 per genre) the clips of a genre have
consecutive GTZAN ids, often one artist or album, so cross-validation inside
it puts songs of one artist on both sides of a split and overstates the
accuracy to expect on new artists; compare methods with each other.
"""

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, confusion_matrix  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import log, protocol_data, protocol_parser, report  # noqa: E402
from bench_accuracy import (  # noqa: E402
    markdown_table,
    run_baseline,
    run_method,
    window_features,
)

MODELS = ("musicnn-msd", "musicnn-mtt")
LAYERS = ("penultimate", "mean_pool", "max_pool", "taggram")
POOLINGS = ("mean", "attention")
DEFAULT = ("musicnn-msd", "penultimate", "mean")  # the package's default pipeline
GOAL = 0.90
#: bench_accuracy.py's figure for the reference MIL CNN at all defaults
#: (benchmarks/README.md, measured 2026-11-23 on the same folds).
REFERENCE_QUOTE = "0.581 ± 0.014", "0.578, 0.600, 0.567", "~21"


# --------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------


def embeddings(paths, model, layer, cache_dir):
    """Window embeddings of all songs, shape (n_songs, n_windows, n_features)."""
    from skgenre import WindowEmbedder

    embedder = WindowEmbedder(model=model, layer=layer, n_jobs=-1, memory=cache_dir)
    return embedder.fit().transform(paths)


def song_means(X):
    """Mean over each song's real windows (NaN padding ignored)."""
    return np.nanmean(X, axis=1)


# --------------------------------------------------------------------------
# Zero-shot
# --------------------------------------------------------------------------


def zero_shot(model, X, y):
    """Markdown lines: TagGenreClassifier accuracy and confusion on shared genres."""
    from skgenre.zeroshot import TagGenreClassifier

    clf = TagGenreClassifier(tagger=model).fit()
    classes = list(clf.classes_)
    shared = sorted(set(y) & set(classes))
    keep = np.isin(y, shared)
    start = time.perf_counter()
    predicted = clf.predict(X[keep])
    seconds = time.perf_counter() - start
    accuracy = accuracy_score(y[keep], predicted)
    outside = sorted(set(y) - set(classes))
    log(
        f"zero-shot {model}: accuracy {accuracy:.3f} on {keep.sum()} songs "
        f"({len(shared)} genres), {seconds:.2f} s"
    )
    labels = shared + [c for c in classes if c not in shared]
    matrix = confusion_matrix(y[keep], predicted, labels=labels)[: len(shared)]
    lines = [
        f"Zero-shot `TagGenreClassifier(tagger={model!r})` on its taggram: "
        f"accuracy **{accuracy:.3f}** ({int(round(accuracy * keep.sum()))}/"
        f"{keep.sum()}) over the {keep.sum()} songs of the {len(shared)} genres "
        f"it knows ({', '.join(shared)}; chance {1 / len(classes):.3f} among "
        f"its {len(classes)} classes). Not scored: {', '.join(outside)}. "
        "Confusion (rows: true genre, columns: predicted):",
        "",
        "| true \\ predicted | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    for genre, row in zip(shared, matrix, strict=True):
        lines.append(f"| {genre} | " + " | ".join(str(n) for n in row) + " |")
    return "\n".join(lines), accuracy


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def parse_args(argv):
    parser = protocol_parser(__doc__)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=MODELS)
    parser.add_argument("--layers", nargs="+", choices=LAYERS, default=LAYERS)
    parser.add_argument("--poolings", nargs="+", default=list(POOLINGS))
    parser.add_argument(
        "--attention-layers",
        nargs="+",
        choices=LAYERS,
        help="run pooling 'attention' only on these layers (default: all)",
    )
    parser.add_argument(
        "--reference",
        action="store_true",
        help="also run the reference MIL CNN on MFCCs (~20 s per fit) instead "
        "of quoting bench_accuracy.py's figure",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 1 seed, 3 folds, musicnn-msd, penultimate and "
        "taggram, pooling mean",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.folds = args.seeds[:1], 3
        args.models, args.layers, args.poolings = (
            ["musicnn-msd"],
            ["penultimate", "taggram"],
            ["mean"],
        )
    return args


def mil_row_name(model, layer, pooling):
    name = f"MIL dense, pooling={pooling}"
    return f"**default**: {name}" if (model, layer, pooling) == DEFAULT else name


def main(argv=None):
    args = parse_args(argv)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # retracing warnings
    from skgenre import MILSongClassifier

    paths, y, splits = protocol_data(args)

    results, zero_shot_text, default_row = [], [], None
    with tempfile.TemporaryDirectory(prefix="skgenre-bench-") as tmp:
        cache_dir = args.cache or tmp

        run_baseline(paths, y, splits, results, cache_dir)

        if args.reference:
            X, _ = window_features(paths, "mfcc", cache_dir)
            run_method(
                "MIL CNN, pooling=mean (reference, all defaults)",
                "mfcc windows",
                lambda seed: MILSongClassifier(features="mfcc", random_state=seed),
                X,
                y,
                splits,
                results,
            )
            del X  # the MFCC windows: the largest array of the run

        for model in args.models:
            for layer in args.layers:
                start = time.perf_counter()
                X = embeddings(paths, model, layer, cache_dir)
                n_padded = int(np.isnan(X).all(axis=2).sum())
                log(
                    f"{model} {layer} embeddings {X.shape} ({n_padded} padded "
                    f"windows): {time.perf_counter() - start:.1f} s"
                )
                features = f"{model} {layer}"
                run_method(
                    "song mean -> LogReg",
                    features,
                    lambda seed: make_pipeline(
                        StandardScaler(), LogisticRegression(max_iter=2000)
                    ),
                    song_means(X),
                    y,
                    splits,
                    results,
                )
                for pooling in args.poolings:
                    if (
                        pooling == "attention"
                        and args.attention_layers is not None
                        and layer not in args.attention_layers
                    ):
                        continue
                    run_method(
                        mil_row_name(model, layer, pooling),
                        features,
                        lambda seed, p=pooling: MILSongClassifier(
                            pooling=p, random_state=seed
                        ),
                        X,
                        y,
                        splits,
                        results,
                    )
                    if (model, layer, pooling) == DEFAULT:
                        default_row = results[-1]
                if layer == "taggram":
                    text, _ = zero_shot(model, X, y)
                    zero_shot_text.append(text)
                del X

    table = markdown_table(results)
    if not args.reference:
        quote, per_seed, per_fit = REFERENCE_QUOTE
        row = (
            f"| MIL CNN, pooling=mean (reference, all defaults; see "
            f"bench_accuracy.py) | mfcc windows | {quote} | {per_seed} "
            f"| {per_fit} |"
        )
        lines = table.split("\n")
        table = "\n".join([*lines[:3], row, *lines[3:]])
    parts = [table]
    if default_row is not None:
        seed_means = default_row[2]
        reached = "reached" if seed_means.mean() >= GOAL else "NOT reached"
        parts.append(
            f"Default pretrained pipeline ({DEFAULT[0]}, {DEFAULT[1]}, "
            f"MILSongClassifier defaults, pooling={DEFAULT[2]}): "
            f"{seed_means.mean():.3f} ± {seed_means.std():.3f}; goal >= "
            f"{GOAL:.2f} {reached}."
        )
    parts.extend(zero_shot_text)
    report("\n\n".join(parts), args.out, split=args.split)


if __name__ == "__main__":
    main()
