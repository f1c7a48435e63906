"""Genre accuracy of the MIL classifier against a classic MFCC baseline.

Usage::

    python benchmarks/bench_accuracy.py DATA_DIR [--seeds 0 1 2] [--folds 5]
        [--poolings mean max lse autopool attention] [--features mfcc logmel]
        [--epochs N] [--window-stats false true] [--cache DIR] [--out FILE]
        [--quick] [--baseline-only]

Protocol
--------
``DATA_DIR`` is a genre-per-folder tree, listed with
:func:`skgenre.datasets.load_folder`.  For each seed, the songs are split by
``StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)`` with
the artists of the files' tags where they name artists, else by
``StratifiedKFold`` (the same arguments); the same folds are used for every
method, and the table's heading names the split.  A method's score for a
seed is its mean fold accuracy; the table reports the mean and the standard deviation
(``ddof=0``) of these per-seed scores, the per-seed scores themselves, and the
mean seconds per fit (fit plus prediction of one fold, feature extraction
excluded).

Methods:

* baseline: per-song mean and standard deviation over time of 20 MFCCs
  (``librosa.feature.mfcc`` on the whole clip loaded at 22050 Hz,
  ``n_mfcc=20``, librosa defaults otherwise), then ``StandardScaler`` and
  ``LogisticRegression(max_iter=1000)``.
* for each pooling in ``--poolings`` and feature kind in ``--features``:
  ``MILSongClassifier(pooling=P, features=F, random_state=seed)`` (plus
  ``epochs=N`` if given, and ``window_stats=True`` for each ``true`` in
  ``--window-stats``) on ``WindowMFCCTransformer(song_length=None,
  features=F)``.  If the installed transformer rejects ``song_length=None``,
  ``song_length=30.0`` is used with a warning.

Features are extracted once per feature kind for all songs (in parallel, with
a joblib cache under ``--cache`` or a temporary folder removed at exit) and
indexed per fold.  Both feature extractors work song by song with no fitted
state, so this gives the same numbers as fitting a ``Pipeline`` per fold.

``--quick`` runs one seed, 3 folds, 5 epochs, pooling ``mean`` and MFCCs
only: a smoke test, not a measurement.  ``--baseline-only`` skips the MIL
models.

Caveat
------
In gtzan-mini (90 GTZAN clips, 9 per genre) the clips of a genre have
consecutive GTZAN ids, which often come from the same artist or album.
Cross-validation inside it therefore puts songs of one artist on both sides
of a split and overstates the accuracy to expect on new artists; compare
methods with each other, not with artist-filtered GTZAN results.
"""

import inspect
import itertools
import logging
import os
import sys
import tempfile
import time

import numpy as np
from _common import clear_keras, log, protocol_data, protocol_parser, report
from joblib import Memory, Parallel, delayed
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgenre import WindowMFCCTransformer
from skgenre.audio import AudioDecodeError

POOLINGS = ("mean", "max", "lse", "autopool", "attention")
FEATURES = ("mfcc", "logmel")
BASELINE_SR, BASELINE_N_MFCC = 22050, 20
FALLBACK_SONG_LENGTH = 30.0


# --------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------


def _mfcc_stats(path, size, mtime):
    """Mean and std over time of 20 MFCCs of the whole clip, shape (40,).

    ``size`` and ``mtime`` are unused here; they key the cache entry so that
    an edited file is recomputed.
    """
    import librosa

    y, sr = librosa.load(path, sr=BASELINE_SR)
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=BASELINE_N_MFCC)
    return np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1)])


def baseline_features(paths, memory):
    """Baseline feature matrix of all songs, shape (n_songs, 40)."""
    extract = memory.cache(_mfcc_stats, verbose=0)
    stats = [os.stat(p) for p in paths]
    rows = Parallel(n_jobs=-1)(
        delayed(extract)(p, s.st_size, s.st_mtime_ns)
        for p, s in zip(paths, stats, strict=True)
    )
    return np.stack(rows)


def window_features(paths, kind, cache_dir):
    """MIL window features of all songs, extracted once.

    Returns the feature tensor and the ``song_length`` actually used.
    """
    song_length = None
    while True:
        transformer = WindowMFCCTransformer(
            song_length=song_length, features=kind, n_jobs=-1, memory=cache_dir
        )
        try:
            return transformer.transform(paths), song_length
        except AudioDecodeError:
            raise
        except ValueError as exc:
            if song_length is not None or "song_length" not in str(exc):
                raise
            log(
                "WARNING: WindowMFCCTransformer rejects song_length=None "
                f"({exc}); falling back to song_length={FALLBACK_SONG_LENGTH}."
            )
            song_length = FALLBACK_SONG_LENGTH


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


def evaluate(make_model, X, y, folds):
    """Fold accuracies and total fit + predict seconds of one method, one seed."""
    accuracies = []
    start = time.perf_counter()
    for train, test in folds:
        model = make_model().fit(X[train], y[train])
        accuracies.append(accuracy_score(y[test], model.predict(X[test])))
        del model
        clear_keras()
    return np.array(accuracies), time.perf_counter() - start


def run_method(name, feature_name, make_model, X, y, splits, results):
    """Evaluate one method over all seeds, print progress, append a table row."""
    seed_means, seconds = [], 0.0
    for seed, folds in splits.items():
        accuracies, elapsed = evaluate(lambda s=seed: make_model(s), X, y, folds)
        seed_means.append(accuracies.mean())
        seconds += elapsed
        log(
            f"{name} [{feature_name}] seed={seed} folds="
            f"[{' '.join(f'{a:.3f}' for a in accuracies)}] "
            f"mean={accuracies.mean():.3f} {elapsed:.1f} s"
        )
    n_fits = sum(len(folds) for folds in splits.values())
    results.append((name, feature_name, np.array(seed_means), seconds / n_fits))


def markdown_table(results):
    lines = [
        "| method | features | accuracy (mean ± std over seeds) "
        "| per-seed means | s/fit |",
        "|---|---|---|---|---|",
    ]
    for name, feature_name, seed_means, per_fit in results:
        per_seed = ", ".join(f"{m:.3f}" for m in seed_means)
        lines.append(
            f"| {name} | {feature_name} | {seed_means.mean():.3f} ± "
            f"{seed_means.std():.3f} | {per_seed} | {per_fit:.2f} |"
        )
    return "\n".join(lines)


def check_poolings(poolings):
    """Fail early if a non-mean pooling is asked of a classifier without it."""
    if all(p == "mean" for p in poolings):
        return
    from skgenre import MILSongClassifier

    if "pooling" not in inspect.signature(MILSongClassifier.__init__).parameters:
        sys.exit(
            "error: this MILSongClassifier has no 'pooling' parameter; "
            "run with --poolings mean (or --baseline-only)."
        )


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def parse_args(argv):
    parser = protocol_parser(__doc__)
    parser.add_argument("--poolings", nargs="+", default=list(POOLINGS))
    parser.add_argument("--features", nargs="+", choices=FEATURES, default=FEATURES)
    parser.add_argument(
        "--epochs", type=int, default=None, help="MIL epochs (classifier default)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 1 seed, 3 folds, 5 epochs, pooling mean, mfcc",
    )
    parser.add_argument(
        "--baseline-only", action="store_true", help="skip the MIL models"
    )
    parser.add_argument(
        "--window-stats",
        nargs="+",
        type=lambda v: v.lower() in ("1", "true", "yes"),
        default=[False],
        help="MILSongClassifier(window_stats=...) values to run, e.g. false true",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.folds, args.epochs = args.seeds[:1], 3, 5
        args.poolings, args.features = ["mean"], ["mfcc"]
    return args


def run_baseline(paths, y, splits, results, cache_dir):
    """The MFCC-statistics baseline on the folds ``splits``, into ``results``."""
    start = time.perf_counter()
    X = baseline_features(paths, Memory(cache_dir, verbose=0))
    log(f"baseline features {X.shape}: {time.perf_counter() - start:.1f} s")
    run_method(
        "MFCC mean+std -> LogReg",
        f"{BASELINE_N_MFCC} MFCC stats",
        lambda seed: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        X,
        y,
        splits,
        results,
    )


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # retracing warnings
    if not args.baseline_only:
        check_poolings(args.poolings)

    paths, y, splits = protocol_data(args)

    results = []
    with tempfile.TemporaryDirectory(prefix="skgenre-bench-") as tmp:
        cache_dir = args.cache or tmp

        run_baseline(paths, y, splits, results, cache_dir)

        if not args.baseline_only:
            from skgenre import MILSongClassifier

            for kind in args.features:
                start = time.perf_counter()
                X, song_length = window_features(paths, kind, cache_dir)
                log(
                    f"{kind} window features {X.shape} (song_length="
                    f"{song_length}): {time.perf_counter() - start:.1f} s"
                )
                for pooling, stats in itertools.product(
                    args.poolings, args.window_stats
                ):
                    params = {"features": kind}  # what the bandlimit augments
                    if pooling != "mean":
                        params["pooling"] = pooling
                    if stats:
                        params["window_stats"] = True
                    if args.epochs:
                        params["epochs"] = args.epochs
                    run_method(
                        f"MIL CNN{' + window stats' if stats else ''}, "
                        f"pooling={pooling}",
                        kind,
                        lambda seed, p=params: MILSongClassifier(
                            random_state=seed, **p
                        ),
                        X,
                        y,
                        splits,
                        results,
                    )
                del X

    report(markdown_table(results), args.out, split=args.split)


if __name__ == "__main__":
    main()
