"""The artist effect: stratified against artist-grouped folds, same methods.

Usage::

    python benchmarks/bench_artists.py [DATA_DIR] [--seeds 0 1 2] [--folds 5]
        [--genres rock metal blues classical jazz] [--songs 12] [--artists 4]
        [--duration 30] [--cache DIR] [--out FILE]

Protocol
--------
Songs: ``DATA_DIR``, a genre-per-folder tree whose files' tags name artists
(:func:`skgenre.datasets.load_folder` with ``return_groups=True``), or, by
default, synthetic songs with artists: ``make_songs(genres=--genres,
n_per_genre=--songs, n_artists=--artists, duration=--duration,
random_state=0, return_groups=True)``, whose artists' songs share tempo,
key, timbre and mix.  For each seed the songs are split twice, with the
same folds for every method: ``StratifiedKFold(folds, shuffle=True,
random_state=seed)`` (an artist's songs on both sides) and
``StratifiedGroupKFold(folds, shuffle=True, random_state=seed)`` with the
artists (no artist on both sides), as
:func:`skgenre.evaluation.song_folds` makes them.  A method's score for a
seed is its mean fold accuracy; the table gives the mean and standard
deviation (``ddof=0``) over seeds of both splits, and their difference, the
artist effect.

Methods, on ``WindowEmbedder()`` embeddings (musicnn-msd, penultimate,
defaults) extracted once for all songs and indexed per fold (the embedder
has no fitted state):

* the default pretrained pipeline's head: ``MILSongClassifier(
  random_state=seed)``, all defaults (pooling "mean");
* ``SongPooling(stats=("mean", "std"))``, ``StandardScaler``,
  ``LogisticRegression(max_iter=2000)``.
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads

from _common import clear_keras, log, report  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "data_dir", nargs="?", help="tagged genre tree (default: synthetic artists)"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cache", help="feature cache (default: a temporary folder)")
    parser.add_argument("--out", help="also write the markdown table to this file")
    parser.add_argument(
        "--genres", nargs="+", default=["rock", "metal", "blues", "classical", "jazz"]
    )
    parser.add_argument("--songs", type=int, default=12, help="songs per genre")
    parser.add_argument("--artists", type=int, default=4, help="artists per genre")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    return parser.parse_args(argv)


def methods():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skgenre import MILSongClassifier, SongPooling

    return {
        "**default**: MILSongClassifier (pooling=mean)": lambda seed: MILSongClassifier(
            random_state=seed
        ),
        "SongPooling(mean, std) -> StandardScaler -> LogReg": lambda seed: Pipeline(
            [
                ("pool", SongPooling()),
                ("scale", StandardScaler()),
                ("clf", LogisticRegression(max_iter=2000)),
            ]
        ),
    }


def main(argv=None):
    args = parse_args(argv)
    from skgenre import WindowEmbedder
    from skgenre.datasets import load_folder, make_songs
    from skgenre.evaluation import song_folds

    with tempfile.TemporaryDirectory(prefix="skgenre-artists-") as tmp:
        if args.data_dir:
            paths, y, groups = load_folder(args.data_dir, return_groups=True)
            source = args.data_dir
        else:
            paths, y, groups = make_songs(
                os.path.join(tmp, "songs"),
                genres=args.genres,
                n_per_genre=args.songs,
                n_artists=args.artists,
                duration=args.duration,
                random_state=0,
                return_groups=True,
            )
            source = (
                f"synthetic: {len(args.genres)} genres x {args.songs} songs of "
                f"{args.duration:g} s, {args.artists} artists per genre"
            )
        y = np.asarray(y)
        log(f"{len(y)} songs, {len(set(groups))} groups ({source})")
        start = time.perf_counter()
        X = WindowEmbedder(
            memory=args.cache or os.path.join(tmp, "cache")
        ).fit_transform(paths)
        log(f"embeddings {X.shape}: {time.perf_counter() - start:.1f} s")

        scores = {}  # (method, grouped) -> per-seed mean fold accuracies
        seconds = {}
        for grouped in (False, True):
            for seed in args.seeds:
                cv, description = song_folds(
                    y, groups, n_splits=args.folds, grouped=grouped, random_state=seed
                )
                folds = list(cv.split(X, y, groups if grouped else None))
                for name, make in methods().items():
                    accuracies = []
                    for train, test in folds:
                        start = time.perf_counter()
                        model = make(seed).fit(X[train], y[train])
                        accuracies.append(model.score(X[test], y[test]))
                        seconds.setdefault(name, []).append(time.perf_counter() - start)
                        clear_keras()
                    scores.setdefault((name, grouped), []).append(np.mean(accuracies))
                    log(f"{description} seed {seed}: {name}: {np.mean(accuracies):.3f}")

    rows = [
        "| method | stratified (mean ± std over seeds) | grouped by artist | "
        "artist effect | s/fit |",
        "|---|---|---|---|---|",
    ]
    for name in methods():
        stratified = np.array(scores[(name, False)])
        grouped = np.array(scores[(name, True)])
        rows.append(
            f"| {name} | {stratified.mean():.3f} ± {stratified.std():.3f} | "
            f"{grouped.mean():.3f} ± {grouped.std():.3f} | "
            f"{stratified.mean() - grouped.mean():+.3f} | "
            f"{np.mean(seconds[name]):.2f} |"
        )
    note = (
        f"{source}; {args.folds} folds, seeds {args.seeds}; the same folds for "
        "both methods."
    )
    report("\n".join(rows) + "\n\n" + note, args.out)


if __name__ == "__main__":
    main()
