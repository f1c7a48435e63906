"""Genre accuracy on GTZAN's artist-disjoint fault-filtered split, train -> test.

Usage::

    python benchmarks/bench_gtzan.py taggrams DIR [--seeds 0 1 2] [--out FILE]
    python benchmarks/bench_gtzan.py audio GTZAN_ROOT [--seeds 0 1 2]
        [--cache DIR] [--window-hop SECONDS] [--missing raise|skip]
        [--on-error raise|zeros]
        [--out FILE]

Protocol
--------
The split is the fault-filtered split of Kereliuk, Sturm & Larsen (2015),
"Deep learning and music adversaries", IEEE Trans. Multimedia 17(11),
shipped in ``skgenre/data/gtzan/`` (:func:`skgenre.datasets.gtzan_split`):
443 train, 197 valid and 290 test clips of 30 s, no artist on two sides,
70 faulty clips left out.  Every method is fitted on the train clips and
scored (accuracy) on the test clips; the valid clips are not used, as in
``jordipons/sklearn-audio-transfer-learning`` (the "peer" below), whose
published test accuracies the tables quote.  Methods with a seed are fitted
once per ``--seeds`` value: the table gives the mean and standard deviation
(``ddof=0``) of the test accuracies and the accuracies themselves.
Seconds per fit are fit plus prediction of the test clips, features already
computed.

``taggrams DIR``: the peer's released window features
``training_data_GTZAN_MSDmusicnn_taggram.npz`` and
``evaluation_data_GTZAN_MSDmusicnn_taggram.npz`` (its
``data/audio_representations/``; not shipped with skgenre, pass their
folder).  They were computed by the original musicnn (``MSD_musicnn``,
``input_overlap=1``: 3 s windows every 1 s) from the original ``.au``
clips; the taggram is its output layer, the 50 MSD tag probabilities.  Each
file holds ``X`` (n_windows, 50) float32, ``Y`` (n_windows,) the genre's
index in :data:`~skgenre.datasets.GTZAN_GENRES` order and ``IDS``
(n_windows,) the clip's path ``genre/genre.000NN.au``: one row per window,
a clip's windows in consecutive rows.  The training file holds exactly the
train list's 443 clips and the evaluation file the test list's 290, in the
lists' order (28 or 29 windows each); the script checks this, and that
``Y`` is each clip's genre, and stops otherwise.  For the song-level methods
the windows are stacked per clip into ``(n_clips, 29, 50)``, a clip with 28
windows padded with one all-NaN window (:mod:`skgenre.padding`).  Methods:

* the peer's recipe, as its ``src/audio_transfer_learning.py`` runs it:
  ``PCA(whiten=True)`` fitted on the training windows (no scaler), then
  ``SVC(C=1, kernel="rbf", gamma="scale")`` fitted on every training
  window with its clip's genre; a test clip's genre is the majority vote of
  its windows' predictions (``np.argmax(np.bincount(...))``, a tie going to
  the first genre in alphabetical order).  The peer's PCA keeps 128
  components, which scikit-learn refuses for 50-d windows; 50 keeps all of
  them (whitening only), and a row without PCA shows what whitening does.
  No seed: both are deterministic.
* ``SongPooling(stats=("mean", "std"))``, ``StandardScaler``,
  ``LogisticRegression(max_iter=2000)``: deterministic.
* ``MILSongClassifier(random_state=seed)`` at its defaults (pooling
  ``"mean"``; a dense window head on 3-D input), and with
  ``pooling="attention"``.

The peer's published 77.24 % is for musicnn's ``max_pool`` layer (753-d),
not the taggram: its ``max_pool`` files are not available, so that figure
is quoted, not reproduced.

``audio GTZAN_ROOT``: a GTZAN copy on disk (either layout,
:func:`~skgenre.datasets.load_gtzan`); ``--missing skip`` scores what is
there when clips are missing (a smoke test, not the benchmark).  Window
embeddings (``WindowEmbedder``, 3 s windows every ``--window-hop`` s,
default: none overlapping; the peer's features use 1 s) are first
extracted into the feature cache (``--cache`` or a temporary folder,
removed at exit), timed on their own; the pipelines below then read them
from it.  Methods:

* ``skgenre.pipelines.make_pipeline("musicnn", memory=cache,
  random_state=seed)``: the package's default pretrained pipeline
  (``WindowEmbedder`` and ``MILSongClassifier``);
* ``Pipeline([("features", WindowEmbedder(memory=cache)), ("pool",
  SongPooling()), ("scale", StandardScaler()), ("clf",
  LogisticRegression(max_iter=2000))])``: deterministic.

The table quotes the peer's published test accuracies on the same split:
77.24 % musicnn max_pool + PCA 128 + SVM, 77.58 % VGGish + PCA 128 + SVM,
74.65 % OpenL3 + PCA 128 + SVM, 53.44 % MFCC + SVM.
"""

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

import numpy as np  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import clear_keras, log, report  # noqa: E402

TAGGRAM_FILES = {
    "train": "training_data_GTZAN_MSDmusicnn_taggram.npz",
    "test": "evaluation_data_GTZAN_MSDmusicnn_taggram.npz",
}
#: The peer's published test accuracies on this split (README of
#: jordipons/sklearn-audio-transfer-learning): method, features, accuracy.
PUBLISHED = (
    ("PCA 128 (whiten) + SVM, majority vote", "musicnn-msd max_pool, 1 s hop", 0.7724),
    ("PCA 128 (whiten) + SVM, majority vote", "VGGish", 0.7758),
    ("PCA 128 (whiten) + SVM, majority vote", "OpenL3", 0.7465),
    ("SVM (Pons & Serra, arXiv:1805.00237)", "MFCC", 0.5344),
)


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


def score_method(name, features, make_model, fit_score, seeds, results):
    """Fit and score one method per seed (once if ``seeds`` is None); add a row."""
    accuracies, seconds = [], []
    for seed in seeds if seeds is not None else [None]:
        model = make_model(seed)
        start = time.perf_counter()
        accuracy = fit_score(model)
        seconds.append(time.perf_counter() - start)
        accuracies.append(accuracy)
        clear_keras()
        label = "" if seed is None else f" seed={seed}"
        log(f"{name} [{features}]{label}: {accuracy:.4f}, {seconds[-1]:.1f} s")
    seeded = seeds is not None
    results.append(
        (name, features, np.array(accuracies), float(np.mean(seconds)), seeded)
    )


def markdown_table(results, published=PUBLISHED):
    lines = [
        "| method | features | test accuracy (mean ± std over seeds) "
        "| per seed | s/fit |",
        "|---|---|---|---|---|",
    ]
    for name, features, accuracies, per_fit, seeded in results:
        if not seeded:
            cell, per_seed = f"{accuracies[0]:.3f}", "(no seed)"
        else:
            cell = f"{accuracies.mean():.3f} ± {accuracies.std():.3f}"
            per_seed = ", ".join(f"{a:.3f}" for a in accuracies)
        lines.append(f"| {name} | {features} | {cell} | {per_seed} | {per_fit:.2f} |")
    for name, features, accuracy in published:
        lines.append(
            f"| peer, published: {name} | {features} | {accuracy:.4f} "
            f"({100 * accuracy:.2f} %) | | |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------
# taggrams: the peer's released window features
# --------------------------------------------------------------------------


def _stem(name):
    """``genre/genre.000NN`` of a list line or an ID (any extension)."""
    return name.rpartition(".")[0]


def load_taggrams(path, subset):
    """Windows of one released npz, checked against the shipped list.

    Returns
    -------
    X : ndarray of shape (n_windows, 50)
    y : ndarray of str objects, shape (n_windows,)
        Genre of each window.
    clip : ndarray of int, shape (n_windows,)
        Index of each window's clip in the list of ``subset``.
    names : list of str
        The list of ``subset`` (:func:`~skgenre.datasets.gtzan_split`).
    """
    from skgenre.datasets import GTZAN_GENRES, gtzan_split

    with np.load(path, allow_pickle=False) as data:
        X, Y, ids = data["X"], data["Y"], data["IDS"]
    names = gtzan_split(subset)
    order = list(dict.fromkeys(ids.tolist()))  # clips by first window
    n_runs = 1 + int(np.count_nonzero(ids[1:] != ids[:-1]))
    if [_stem(i) for i in order] != [_stem(n) for n in names]:
        sys.exit(
            f"error: the clips of {path} ({len(order)}) are not the "
            f"fault-filtered {subset!r} list ({len(names)}) in its order"
        )
    if n_runs != len(order):
        sys.exit(f"error: the windows of a clip are not consecutive in {path}")
    index = {clip_id: k for k, clip_id in enumerate(order)}
    clip = np.array([index[i] for i in ids.tolist()])
    genres = np.array([n.split("/")[0] for n in names], dtype=object)
    y = np.asarray(GTZAN_GENRES, dtype=object)[Y]
    if not np.array_equal(y, genres[clip]):
        sys.exit(f"error: Y of {path} disagrees with the clips' genre folders")
    counts = np.bincount(clip)
    per_clip = ", ".join(
        f"{n} clips x {w}"
        for w, n in zip(*np.unique(counts, return_counts=True), strict=True)
    )
    log(
        f"{Path(path).name}: X {X.shape} {X.dtype}, Y {Y.shape}, IDS {ids.shape} "
        f"(e.g. {str(ids[0])!r}); {len(order)} clips = the {subset!r} list in "
        f"order, windows consecutive per clip ({per_clip} windows); no NaN: "
        f"{not np.isnan(X).any()}"
    )
    return X, y, clip, names


def stack_songs(X, clip, n_windows):
    """Windows stacked per clip, NaN-padded: (n_clips, n_windows, n_features)."""
    n_clips = int(clip.max()) + 1
    songs = np.full((n_clips, n_windows, X.shape[1]), np.nan, dtype=X.dtype)
    position = np.zeros(n_clips, dtype=int)
    for row, k in enumerate(clip):
        songs[k, position[k]] = X[row]
        position[k] += 1
    return songs


def majority_vote(predicted, clip, classes):
    """Each clip's most frequent window prediction; a tie goes to the first class."""
    codes = np.searchsorted(classes, predicted)
    votes = np.zeros((int(clip.max()) + 1, len(classes)), dtype=int)
    np.add.at(votes, (clip, codes), 1)
    return classes[votes.argmax(axis=1)]


def run_taggrams(args):
    from skgenre import MILSongClassifier, SongPooling

    absent = [f for f in TAGGRAM_FILES.values() if not (Path(args.dir) / f).is_file()]
    if absent:
        sys.exit(f"error: {', '.join(absent)} not found in {args.dir}")
    X_win, y_win, clip_train, names_train = load_taggrams(
        Path(args.dir) / TAGGRAM_FILES["train"], "train"
    )
    X_test_win, _, clip_test, names_test = load_taggrams(
        Path(args.dir) / TAGGRAM_FILES["test"], "test"
    )
    n_windows = int(max(np.bincount(clip_train).max(), np.bincount(clip_test).max()))
    X_train = stack_songs(X_win, clip_train, n_windows)
    X_test = stack_songs(X_test_win, clip_test, n_windows)
    y_train = np.array([n.split("/")[0] for n in names_train], dtype=object)
    y_test = np.array([n.split("/")[0] for n in names_test], dtype=object)
    n_padded = int(
        np.isnan(X_train).all(axis=2).sum() + np.isnan(X_test).all(axis=2).sum()
    )
    log(
        f"songs: train {X_train.shape}, test {X_test.shape}, {n_padded} "
        f"all-NaN padded windows; seeds={args.seeds}"
    )
    features = "musicnn-msd taggram (peer's npz), 1 s hop"

    def window_svm(model):
        model.fit(X_win, y_win)
        predicted = majority_vote(model.predict(X_test_win), clip_test, model.classes_)
        return float(np.mean(predicted == y_test))

    def songs(model):
        return model.fit(X_train, y_train).score(X_test, y_test)

    results = []
    svc = {"C": 1, "kernel": "rbf", "gamma": "scale"}
    score_method(
        "peer's recipe: PCA 50 (whiten) + SVM per window, majority vote",
        features,
        lambda seed: Pipeline(
            [("pca", PCA(n_components=50, whiten=True)), ("svc", SVC(**svc))]
        ),
        window_svm,
        None,
        results,
    )
    score_method(
        "peer's recipe without PCA: SVM per window, majority vote",
        features,
        lambda seed: SVC(**svc),
        window_svm,
        None,
        results,
    )
    score_method(
        "SongPooling(mean, std) -> StandardScaler -> LogReg",
        features,
        lambda seed: Pipeline(
            [
                ("pool", SongPooling(stats=("mean", "std"))),
                ("scale", StandardScaler()),
                ("clf", LogisticRegression(max_iter=2000)),
            ]
        ),
        songs,
        None,
        results,
    )
    for name, pooling in (
        ("MILSongClassifier() (defaults: pooling=mean)", "mean"),
        ('MILSongClassifier(pooling="attention")', "attention"),
    ):
        score_method(
            name,
            features,
            lambda seed, p=pooling: MILSongClassifier(pooling=p, random_state=seed),
            songs,
            args.seeds,
            results,
        )
    note = (
        "Train: the 443 train clips; test: the 290 test clips (fault-filtered "
        "split). The published figure of the peer's own recipe is for the "
        "max_pool layer (753-d), not the taggram (50-d) used here."
    )
    report(markdown_table(results) + "\n\n" + note, args.out)


# --------------------------------------------------------------------------
# audio: a GTZAN copy on disk
# --------------------------------------------------------------------------


def run_audio(args):
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # retracing warnings
    from skgenre import SongPooling, WindowEmbedder
    from skgenre.datasets import load_gtzan
    from skgenre.pipelines import make_pipeline

    try:
        paths_train, y_train = load_gtzan(args.root, "train", missing=args.missing)
        paths_test, y_test = load_gtzan(args.root, "test", missing=args.missing)
    except (FileNotFoundError, NotADirectoryError) as exc:
        sys.exit(f"error: {exc}")
    log(
        f"{len(paths_train)} train and {len(paths_test)} test clips under "
        f"{args.root}; seeds={args.seeds}"
    )
    hop = {} if args.window_hop is None else {"window_hop": args.window_hop}
    # The Kaggle copy's jazz.00054 is damaged: with "zeros" it is scored as
    # a song of silence, and the others are kept.
    hop["on_error"] = args.on_error
    hop_name = (
        "2.99 s hop (default)"
        if args.window_hop is None
        else f"{args.window_hop:g} s hop"
    )

    def fit_score(model):
        return model.fit(paths_train, y_train).score(paths_test, y_test)

    results = []
    with tempfile.TemporaryDirectory(prefix="skgenre-bench-") as tmp:
        cache = args.cache or tmp
        start = time.perf_counter()
        embedder = WindowEmbedder(memory=cache, n_jobs=-1, **hop).fit()
        X = embedder.transform(np.concatenate([paths_train, paths_test]))
        seconds = time.perf_counter() - start
        log(
            f"embeddings {X.shape} into the cache: {seconds:.1f} s "
            f"({1000 * seconds / len(X):.0f} ms per clip)"
        )
        del X
        features = f"musicnn-msd penultimate, {hop_name}"
        score_method(
            '**default**: make_pipeline("musicnn") (WindowEmbedder, MILSongClassifier)',
            features,
            lambda seed: make_pipeline(
                "musicnn", memory=cache, feature_params=hop, random_state=seed
            ),
            fit_score,
            args.seeds,
            results,
        )
        score_method(
            "WindowEmbedder -> SongPooling -> StandardScaler -> LogReg",
            features,
            lambda seed: Pipeline(
                [
                    ("features", WindowEmbedder(memory=cache, **hop)),
                    ("pool", SongPooling()),
                    ("scale", StandardScaler()),
                    ("clf", LogisticRegression(max_iter=2000)),
                ]
            ),
            fit_score,
            None,
            results,
        )
    note = (
        f"Train: {len(paths_train)} train clips; test: {len(paths_test)} test "
        f"clips (fault-filtered split; embedding extraction, {seconds:.1f} s, "
        "is outside s/fit)."
    )
    if len(paths_train) < 443 or len(paths_test) < 290:
        note += " **Clips missing: not the benchmark's figures.**"
    report(markdown_table(results) + "\n\n" + note, args.out)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    modes = parser.add_subparsers(dest="mode", required=True)
    taggrams = modes.add_parser(
        "taggrams", help="the peer's released musicnn taggram npz files"
    )
    taggrams.add_argument("dir", help="folder holding the two taggram .npz files")
    audio = modes.add_parser("audio", help="a GTZAN copy on disk")
    audio.add_argument(
        "root",
        help="GTZAN folder: the genre folders, or the genres/ or "
        "genres_original/ above them",
    )
    audio.add_argument("--cache", help="feature cache (default: a temporary folder)")
    audio.add_argument(
        "--window-hop",
        type=float,
        help="seconds between window starts (default: 2.99, none overlapping; "
        "the peer's features: 1)",
    )
    audio.add_argument(
        "--missing",
        choices=["raise", "skip"],
        default="raise",
        help="listed clips absent from ROOT: stop, or score the others",
    )
    audio.add_argument(
        "--on-error",
        choices=["raise", "zeros"],
        default="zeros",
        help="an undecodable clip (the Kaggle copy's jazz.00054): stop, or "
        "score it as silence",
    )
    for mode in (taggrams, audio):
        mode.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
        mode.add_argument("--out", help="also write the markdown table to this file")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.mode == "taggrams":
        run_taggrams(args)
    else:
        run_audio(args)


if __name__ == "__main__":
    main()
