"""Several genres per song: multi-label MIL pooling against one-vs-rest, on medleys.

Usage::

    python benchmarks/bench_multilabel.py DATA_DIR [--seeds 0 1 2]
        [--poolings mean max lse autopool attention] [--test-size 0.3333]
        [--single-share 0.3333] [--cache DIR] [--out FILE]

Protocol
--------
Songs: ``DATA_DIR``, a genre-per-folder tree
(:func:`skgenre.datasets.load_folder`), e.g. ``../shared/data/gtzan-mini``
(90 GTZAN clips of 30 s, 10 genres x 9).  The audio is read by path and
never copied anywhere but a temporary folder, removed at exit.

For each seed:

1. The *source* songs are split first, ``train_test_split(indices,
   test_size=--test-size, stratify=genres, random_state=seed)`` (60 train
   and 30 test songs on gtzan-mini, 6 and 3 per genre), so no song, and no
   half of one, is on both sides.
2. Medleys are made within each side, from that side's songs only (random
   generator ``np.random.default_rng([seed, side])``, side 0 train, 1
   test): a random permutation ``p`` of the side's songs in which song
   ``p[i]`` never has the genre of song ``i`` (a random permutation,
   repaired by random swaps until no song is paired with its own genre),
   and medley ``i`` is the first half of song ``i`` followed by the
   second half of song ``p[i]``.  Every source song is thus the first half
   of one medley and the second half of another: one medley per source
   song, each song in two medleys.  Each song is decoded with
   ``skgenre.audio.load_audio(path, sample_rate=22050)``; a song of ``n``
   samples has first half ``[:n // 2]`` and second half ``[n // 2:]``, so a
   medley of two 30 s clips lasts 30 s, as a single song does.  The two
   halves are concatenated as they are (no cross-fade) and written as
   16-bit FLAC at 22050 Hz with soundfile.  Its labels: the set of the two
   genres.
3. Single-genre songs are added on each side so that label cardinality
   varies: ``round(n_medleys * s / (1 - s))`` of the side's source songs
   (``s = --single-share``, default 1/3: a third of the side's songs are
   single-genre, e.g. 60 medleys + 30 singles for training, 30 + 15 for
   test), chosen balanced over genres (the songs shuffled within each
   genre, then taken round-robin over genres in random order), each used
   whole from its original file, with one label.  A single also appears,
   by halves, in two medleys of its own side.
4. Window features: ``WindowEmbedder(memory=cache).fit_transform(paths)``
   (musicnn-msd, penultimate layer, 3 s windows, 200-d), once for the
   training set and once for the test set (``--cache`` or a temporary
   folder).  Targets: ``MultiLabelBinarizer(classes=sorted(genres))``
   applied to the label sets, an indicator matrix of shape ``(n_songs,
   n_genres)``.

Methods, on the same training and test songs for each seed:

* ``MILSongClassifier(random_state=seed)``, all defaults (pooling
  "mean"), on the 3-D embeddings with the indicator ``Y``: one sigmoid per
  genre, binary cross-entropy, the pooling applied per genre;
* the same with ``pooling=`` each further value of ``--poolings``
  (default: all of them, ``max``, ``lse``, ``autopool`` and
  ``attention``, each at its defaults: ``sharpness=5``, ``attention_units=16``
  with one attention head per genre);
* baseline: ``Pipeline([SongPooling(stats=("mean",)), StandardScaler(),
  OneVsRestClassifier(LogisticRegression(max_iter=2000))])``,
  deterministic.

Metrics on the test songs: micro-, macro- and samples-averaged F1 of
``predict`` (MILSongClassifier: ``predict_proba >= threshold``, 0.5; the
baseline: each genre's logistic regression, i.e. its probability > 0.5),
``f1_score(..., zero_division=0)``; ROC-AUC of each genre from
``predict_proba`` (``roc_auc_score(Y, proba, average=None)``), whose mean
over genres the main table gives and whose per-genre values a second table
gives for the best MIL row and the baseline.  Also: labels predicted per
song (the truth's mean is printed), and micro-F1 on the medleys and on the
single-genre songs of the test set apart.  Every figure is the mean and
standard deviation (``ddof=0``) over seeds.  Seconds per fit: the fit plus
the test predictions, features already computed.  The best MIL pooling is
the highest mean micro-F1 (to 3 decimals), ties broken by the mean ROC-AUC.
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

from _common import clear_keras, log, report  # noqa: E402

SAMPLE_RATE = 22050
POOLING_CHOICES = ("mean", "max", "lse", "autopool", "attention")
BASELINE = "baseline: SongPooling(mean) -> StandardScaler -> OneVsRest(LogReg)"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("data_dir", help="genre-per-folder tree")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--poolings",
        nargs="+",
        choices=POOLING_CHOICES,
        default=list(POOLING_CHOICES),
        help="MILSongClassifier poolings (mean is the default classifier)",
    )
    parser.add_argument(
        "--test-size", type=float, default=1 / 3, help="share of source songs"
    )
    parser.add_argument(
        "--single-share",
        type=float,
        default=1 / 3,
        help="share of single-genre songs in each side's set",
    )
    parser.add_argument("--cache", help="feature cache (default: a temporary folder)")
    parser.add_argument("--out", help="also write the markdown tables to this file")
    args = parser.parse_args(argv)
    if not 0 <= args.single_share < 1:
        parser.error("--single-share must be in [0, 1)")
    args.poolings = list(dict.fromkeys(args.poolings))
    return args


# --------------------------------------------------------------------------
# Medleys
# --------------------------------------------------------------------------


def cross_genre_permutation(genres, rng):
    """A random permutation ``p`` with ``genres[p[i]] != genres[i]`` for all i."""
    genres = np.asarray(genres)
    n = len(genres)
    perm = rng.permutation(n)
    for _ in range(100 * n + 100):
        bad = np.flatnonzero(genres[perm] == genres)
        if not bad.size:
            return perm
        i = rng.choice(bad)
        # Swapping perm[i] and perm[j] must leave both i and j cross-genre.
        ok = np.flatnonzero((genres[perm] != genres[i]) & (genres != genres[perm[i]]))
        if ok.size:
            j = rng.choice(ok)
            perm[i], perm[j] = perm[j], perm[i]
    raise ValueError(
        "cannot pair every song with a song of another genre: one genre holds "
        "more than half of the songs of a side"
    )


def balanced_pick(genres, k, rng):
    """``k`` indices, as even over genres as possible, otherwise random."""
    genres = np.asarray(genres)
    order = rng.permutation(len(genres))
    rank = np.empty(len(genres), dtype=int)
    labels = rng.permutation(np.unique(genres))
    for g in labels:
        members = order[genres[order] == g]
        rank[members] = np.arange(len(members))
    genre_order = {g: i for i, g in enumerate(labels)}
    key = sorted(range(len(genres)), key=lambda i: (rank[i], genre_order[genres[i]]))
    return np.array(sorted(key[:k]), dtype=int)


def make_side(paths, genres, folder, rng, single_share):
    """Medleys and single-genre songs of one side: ``(paths, label_sets, kind)``.

    ``kind`` is "medley" or "single" per song.
    """
    import soundfile as sf

    from skgenre.audio import load_audio

    os.makedirs(folder, exist_ok=True)
    perm = cross_genre_permutation(genres, rng)
    out_paths, label_sets, kind = [], [], []
    for i, j in enumerate(perm):
        first = load_audio(paths[i], sample_rate=SAMPLE_RATE)
        second = load_audio(paths[j], sample_rate=SAMPLE_RATE)
        audio = np.concatenate([first[: len(first) // 2], second[len(second) // 2 :]])
        name = (
            f"medley{i:03d}_{os.path.splitext(os.path.basename(paths[i]))[0]}"
            f"+{os.path.splitext(os.path.basename(paths[j]))[0]}.flac"
        )
        path = os.path.join(folder, name)
        sf.write(path, audio, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
        out_paths.append(path)
        label_sets.append((genres[i], genres[j]))
        kind.append("medley")
    n_single = int(round(len(perm) * single_share / (1 - single_share)))
    for i in balanced_pick(genres, min(n_single, len(genres)), rng):
        out_paths.append(str(paths[i]))
        label_sets.append((genres[i],))
        kind.append("single")
    return out_paths, label_sets, np.array(kind)


# --------------------------------------------------------------------------
# Methods and metrics
# --------------------------------------------------------------------------


def methods(poolings):
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skgenre import MILSongClassifier, SongPooling

    def mil(pooling):
        if pooling == "mean":
            return lambda seed: MILSongClassifier(random_state=seed)
        return lambda seed: MILSongClassifier(pooling=pooling, random_state=seed)

    table = {}
    for pooling in poolings:
        name = (
            "MILSongClassifier (defaults, pooling=mean)"
            if pooling == "mean"
            else f"MILSongClassifier (pooling={pooling})"
        )
        table[name] = (pooling, mil(pooling))
    table[BASELINE] = (
        None,
        lambda seed: Pipeline(
            [
                ("pool", SongPooling(stats=("mean",))),
                ("scale", StandardScaler()),
                ("clf", OneVsRestClassifier(LogisticRegression(max_iter=2000))),
            ]
        ),
    )
    return table


def scores(Y, pred, proba, kind):
    from sklearn.metrics import f1_score, roc_auc_score

    def f1(average, rows=slice(None)):
        return f1_score(Y[rows], pred[rows], average=average, zero_division=0)

    return {
        "micro": f1("micro"),
        "macro": f1("macro"),
        "samples": f1("samples"),
        "auc_per_label": roc_auc_score(Y, proba, average=None),
        "n_predicted": pred.sum(axis=1).mean(),
        "micro_medley": f1("micro", kind == "medley"),
        "micro_single": f1("micro", kind == "single"),
    }


def cell(values, digits=3):
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


# --------------------------------------------------------------------------
# Run
# --------------------------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MultiLabelBinarizer

    from skgenre import WindowEmbedder
    from skgenre.datasets import load_folder

    paths, genres = load_folder(args.data_dir)
    paths, genres = np.asarray(paths, dtype=object), np.asarray(genres, dtype=object)
    classes = sorted(set(genres))
    binarizer = MultiLabelBinarizer(classes=classes)
    log(f"{len(paths)} source songs, {len(classes)} genres; seeds={args.seeds}")
    table = methods(args.poolings)
    results = {name: [] for name in table}  # name -> per-seed score dicts
    seconds = {name: [] for name in table}
    sizes, cardinality, embed_seconds = [], [], []

    with tempfile.TemporaryDirectory(prefix="skgenre-multilabel-") as tmp:
        embedder = WindowEmbedder(memory=args.cache or os.path.join(tmp, "cache"))
        for seed in args.seeds:
            train, test = train_test_split(
                np.arange(len(paths)),
                test_size=args.test_size,
                stratify=genres,
                random_state=seed,
            )
            data = {}
            for side, (name, idx) in enumerate((("train", train), ("test", test))):
                start = time.perf_counter()
                side_paths, label_sets, kind = make_side(
                    paths[idx],
                    genres[idx],
                    os.path.join(tmp, f"seed{seed}", name),
                    np.random.default_rng([seed, side]),
                    args.single_share,
                )
                made = time.perf_counter() - start
                start = time.perf_counter()
                X = embedder.fit_transform(side_paths)
                embed_seconds.append(time.perf_counter() - start)
                Y = binarizer.fit_transform(label_sets)
                data[name] = (X, Y, kind)
                sizes.append(
                    (seed, name, len(idx), int((kind == "medley").sum()), len(kind))
                )
                cardinality.append((name, Y.sum(axis=1).mean()))
                log(
                    f"seed {seed} {name}: {len(idx)} source songs -> "
                    f"{(kind == 'medley').sum()} medleys + {(kind == 'single').sum()} "
                    f"singles; X {X.shape}, Y {Y.shape}, "
                    f"{Y.sum(axis=1).mean():.2f} labels/song; medleys {made:.1f} s, "
                    f"embeddings {embed_seconds[-1]:.1f} s"
                )
            (X_train, Y_train, _), (X_test, Y_test, kind_test) = (
                data["train"],
                data["test"],
            )
            for name, (pooling, make) in table.items():
                model = make(seed)
                start = time.perf_counter()
                model.fit(X_train, Y_train)
                pred = np.asarray(model.predict(X_test))
                proba = np.asarray(model.predict_proba(X_test))
                seconds[name].append(time.perf_counter() - start)
                if pooling is not None:
                    clear_keras()
                    if proba.shape != Y_test.shape or not np.array_equal(
                        pred, (proba >= model.threshold).astype(int)
                    ):
                        log(
                            f"WARNING {name}: predict/predict_proba shapes "
                            f"{pred.shape}/{proba.shape}, expected {Y_test.shape}, "
                            "or predict is not predict_proba >= threshold"
                        )
                result = scores(Y_test, pred, proba, kind_test)
                results[name].append(result)
                log(
                    f"seed {seed}: {name}: micro-F1 {result['micro']:.3f}, macro-F1 "
                    f"{result['macro']:.3f}, samples-F1 {result['samples']:.3f}, "
                    f"ROC-AUC {result['auc_per_label'].mean():.3f}, "
                    f"{result['n_predicted']:.2f} labels/song, "
                    f"{seconds[name][-1]:.1f} s"
                )

    text = tables(args, classes, table, results, seconds, sizes, cardinality)
    text += (
        f"\n\nEmbedding: {np.sum(embed_seconds):.0f} s in all for "
        f"{len(embed_seconds)} song sets (medleys are new files for every seed; "
        "single-genre songs already embedded for an earlier seed come from the "
        "cache)."
    )
    report(text, args.out)


def tables(args, classes, table, results, seconds, sizes, cardinality):
    def stat(name, key):
        return [r[key] for r in results[name]]

    def auc(name):
        return [r["auc_per_label"].mean() for r in results[name]]

    lines = [
        "| method | micro-F1 | macro-F1 | samples-F1 | ROC-AUC (mean over "
        "genres) | labels/song predicted | micro-F1 medleys | micro-F1 singles "
        "| micro-F1 per seed | s/fit |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in table:
        per_seed = ", ".join(f"{v:.3f}" for v in stat(name, "micro"))
        lines.append(
            f"| {name} | {cell(stat(name, 'micro'))} | {cell(stat(name, 'macro'))} "
            f"| {cell(stat(name, 'samples'))} | {cell(auc(name))} "
            f"| {cell(stat(name, 'n_predicted'), 2)} "
            f"| {cell(stat(name, 'micro_medley'))} "
            f"| {cell(stat(name, 'micro_single'))} | {per_seed} "
            f"| {np.mean(seconds[name]):.1f} |"
        )
    mil = [name for name, (pooling, _) in table.items() if pooling is not None]
    best = max(
        mil,
        key=lambda n: (
            round(float(np.mean(stat(n, "micro"))), 3),
            float(np.mean(auc(n))),
        ),
    )
    best_pooling = table[best][0]

    per_label = [
        f"| genre | {best} | {BASELINE} |",
        "|---|---|---|",
    ]
    best_auc = np.array([r["auc_per_label"] for r in results[best]])
    base_auc = np.array([r["auc_per_label"] for r in results[BASELINE]])
    for k, genre in enumerate(classes):
        per_label.append(
            f"| {genre} | {cell(best_auc[:, k])} | {cell(base_auc[:, k])} |"
        )
    per_label.append(
        f"| **mean** | {cell(best_auc.mean(axis=1))} | {cell(base_auc.mean(axis=1))} |"
    )

    best_micro = np.array(stat(best, "micro"))
    base_micro = np.array(stat(BASELINE, "micro"))
    matches = round(best_micro.mean(), 3) >= round(base_micro.mean(), 3)
    diff = ", ".join(f"{d:+.3f}" for d in best_micro - base_micro)
    verdict = (
        f"Best MIL pooling by micro-F1 (ties broken by ROC-AUC): "
        f"**{best_pooling}** ({best_micro.mean():.3f}); it "
        f"{'matches or beats' if matches else 'does not match'} the one-vs-rest "
        f"baseline ({base_micro.mean():.3f}) in this run (per-seed difference: "
        f"{diff})."
    )

    side_sizes = {}
    for _, side, n_source, n_medley, n_songs in sizes:
        side_sizes.setdefault(side, set()).add((n_source, n_medley, n_songs))
    train_card = np.mean([c for side, c in cardinality if side == "train"])
    test_card = np.mean([c for side, c in cardinality if side == "test"])
    setup = "; ".join(
        f"{side}: {s} source songs -> {m} medleys + {n - m} single-genre = {n} songs"
        for side, shapes in side_sizes.items()
        for s, m, n in sorted(shapes)
    )
    note = (
        f"Source: {args.data_dir}. Per seed ({args.seeds}): {setup}; labels/song "
        f"train {train_card:.2f}, test {test_card:.2f}. Mean ± std over seeds; "
        "s/fit = fit + test prediction on precomputed WindowEmbedder features."
    )
    return (
        note
        + "\n\n"
        + "\n".join(lines)
        + "\n\nPer-genre test ROC-AUC (mean ± std over seeds):\n\n"
        + "\n".join(per_label)
        + "\n\n"
        + verdict
    )


if __name__ == "__main__":
    main()
