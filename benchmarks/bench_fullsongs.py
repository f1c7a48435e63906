"""Full-length songs: what ``max_windows`` saves, and what it costs in accuracy.

Usage::

    TF_CPP_MIN_LOG_LEVEL=3 python benchmarks/bench_fullsongs.py DATA_DIR
        [--taggrams DIR] [--sections cost accuracy taggrams memory]
        [--cache DIR] [--out FILE]

``DATA_DIR`` is a folder with a ``manifest.csv`` (columns ``path,genre,...``,
paths relative to the folder) of 30 s clips, such as gtzan-mini (90 GTZAN
clips, 10 genres x 9).  Long songs are built from it under ``--cache`` (a
temporary folder, removed at exit, by default), never in the data folder:
for each genre, its first 8 clips in manifest order joined into one 240 s
FLAC (a "4-minute song"), and two synthetic 8-minute songs
(:func:`skgenre.datasets.make_songs`, rock and classical).  Each genre's 9th
clip is its 30 s reference.

Sections (``--sections``, default all):

* ``cost``: seconds per song of the zero-shot embedding
  (``WindowEmbedder(model="musicnn-msd+mtt", layer="taggram", n_jobs=-1)``,
  the tagger ``skgenre library`` runs), cold: no cache, a fresh transformer
  per measurement, each configuration timed once after one untimed pass over
  the 10 clips per precision (so the network's and the worker processes'
  start-up is not counted).  Rows: the 10 clips (all
  windows), the 10 four-minute songs with all windows and with each
  ``max_windows`` of ``--budgets``, the same with precision and runtime from
  ``encoder_choice(10000, "auto")``, and the synthetic 8-minute songs.  Each
  row's ratio is to a 30 s clip's cost in float32 on the default runtime
  (and, for other precisions, to a clip's at the same precision).  Speeds
  are set against this machine: each row's end-to-end network patches per
  second (windows x 2 networks / seconds) against the network alone
  (:func:`skgenre.encoders.choice.measure_throughput`, same runtime and
  precision), and each precision's network speed against TensorFlow's
  2048 x 2048 matmul GFLOP/s at that precision.  Then hours for a library
  of 10,000 four-minute songs at each measured per-song time.
* ``accuracy``: (a) zero-shot: on the 10 four-minute songs, the share of
  songs whose top genre (``TagGenreClassifier``) is the one of all windows,
  and accuracy against the true genre (disco and reggae, which the tagger
  does not know, count as wrong), for each budget and for the bulk
  precision; budgets 16, 10 and 8 and the bulk precision come from the
  ``cost`` section's own embeddings, smaller ones are the all-windows
  taggram's ``select_windows`` rows.  (b) trained: synthetic 4-minute songs
  by artists (``make_songs(n_artists=3)``, 4 genres x 6 songs), embedded
  once (``WindowEmbedder()``, cached), artist-disjoint
  ``StratifiedGroupKFold(3)``; ``SongPooling -> StandardScaler ->
  LogisticRegression`` is trained on all windows of the training songs and
  tested on the test songs with all windows and with the windows
  ``select_windows(n, M)`` keeps (rows of the all-windows embeddings; the
  section checks once that ``WindowEmbedder(max_windows=M)`` gives them).
* ``taggrams`` (needs ``--taggrams DIR``, the peer's released
  ``training_data_GTZAN_MSDmusicnn_taggram.npz`` and
  ``evaluation_data_GTZAN_MSDmusicnn_taggram.npz``, see ``bench_gtzan.py``):
  the same model trained on all windows (1 s hop, 28-29 per clip) of the
  443 fault-filtered train clips, tested on the 290 test clips with all
  windows and with ``select_windows(n, M)`` of them.
* ``memory``: peak RSS (``VmHWM``) of a fresh process embedding the 10
  four-minute songs with all windows and with the recommended budget, next
  to one embedding a single 30 s clip.

Finally the recommended default budget: the smallest ``M`` whose trained
accuracy is within 0.01 of all windows on (b) and on ``taggrams`` (or, if
none is, the closest), with its cost ratio.
"""

import argparse
import csv
import functools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import log, report  # noqa: E402

#: ``max_windows`` values timed (``--budgets`` default).
COST_BUDGETS = (3, 5, 8, 10, 16)
#: ``max_windows`` values scored.
ACCURACY_BUDGETS = (16, 10, 8, 5, 3, 1)
#: Budgets also timed at the bulk precision.
BULK_BUDGETS = (10, 16)
TAGGER = "musicnn-msd+mtt"
CLIPS_PER_SONG = 8
LIBRARY = 10_000
TOLERANCE = 0.01
SYNTH_GENRES = ("rock", "classical")
TRAIN_GENRES = ("rock", "metal", "blues", "jazz")


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def read_manifest(data_dir):
    """``(paths, genres)`` of ``DATA_DIR/manifest.csv``, in its order."""
    root = Path(data_dir)
    with open(root / "manifest.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [str(root / r["path"]) for r in rows], [r["genre"].lower() for r in rows]


@functools.cache
def songs(data_dir, cache):
    """``(clips, long_songs, genres, synth)``: one 30 s clip per genre (its
    9th), the 4-minute songs (its first 8 clips joined), their genres, and
    the synthetic 8-minute songs; built once under ``cache``."""
    import soundfile as sf

    from skgenre.datasets import make_songs

    paths, genres = read_manifest(data_dir)
    out = Path(cache) / "fullsongs"
    out.mkdir(parents=True, exist_ok=True)
    clips, long_songs, names = [], [], []
    for genre in dict.fromkeys(genres):
        mine = [p for p, g in zip(paths, genres, strict=True) if g == genre]
        clips.append(mine[CLIPS_PER_SONG])
        target = out / f"{genre}.flac"
        if not target.is_file():
            parts, rate = [], None
            for p in mine[:CLIPS_PER_SONG]:
                y, rate = sf.read(p, dtype="float32")
                parts.append(y)
            sf.write(target, np.concatenate(parts), rate, format="FLAC")
        long_songs.append(str(target))
        names.append(genre)
    synth_dir = out / "synth480"
    synth = sorted(str(p) for p in synth_dir.glob("*/*.wav"))
    if len(synth) != len(SYNTH_GENRES):
        synth, _ = make_songs(
            synth_dir,
            genres=SYNTH_GENRES,
            n_per_genre=1,
            duration=480,
            random_state=0,
        )
        synth = [str(p) for p in synth]
    info = sf.info(long_songs[0])
    log(
        f"{len(long_songs)} songs of {info.duration:.0f} s ({CLIPS_PER_SONG} "
        f"clips each), {len(clips)} clips of 30 s, {len(synth)} synthetic "
        f"songs of 480 s; under {out}"
    )
    return clips, long_songs, np.asarray(names, dtype=object), synth


# --------------------------------------------------------------------------
# Timing the embedding
# --------------------------------------------------------------------------


def embedder(**params):
    from skgenre import WindowEmbedder

    return WindowEmbedder(model=TAGGER, layer="taggram", n_jobs=-1, **params).fit()


def timed(paths, **params):
    """``(seconds, X)``: a fresh transformer's cold ``transform`` of ``paths``."""
    start = time.perf_counter()
    X = embedder(**params).transform(paths)
    return time.perf_counter() - start, X


def n_windows(X):
    """Real (not NaN-padded) windows of each song."""
    return (~np.isnan(X).all(axis=2)).sum(axis=1)


@functools.cache
def bulk_choice():
    from skgenre.encoders.choice import encoder_choice

    return encoder_choice(LIBRARY, "auto")


@functools.cache
def embeddings(data_dir, cache, budgets):
    """Every timed configuration, run once: ``{name: row}``, each row a dict
    of ``songs`` (which), ``precision``, ``runtime``, ``max_windows``,
    ``seconds``, ``X``."""
    from skgenre.encoders.musicnn import resolve_runtime

    clips, long_songs, _, synth = songs(data_dir, cache)
    choice = bulk_choice()
    log(f"bulk encoder (encoder_choice({LIBRARY}, 'auto')): {choice.line}")
    default = ("float32", resolve_runtime("auto", "float32"))
    bulk = (choice.precision, choice.runtime)
    configs = [("clip", default, None, clips)]
    if bulk != default:
        configs.append(("clip", bulk, None, clips))
    configs.append(("long", default, None, long_songs))
    configs += [("long", default, m, long_songs) for m in budgets]
    if bulk != default:
        configs += [("long", bulk, m, long_songs) for m in BULK_BUDGETS]
    configs.append(("synth", default, None, synth))
    configs += [("synth", default, m, synth) for m in BULK_BUDGETS]
    warmed, rows = set(), {}
    for kind, (precision, runtime), m, paths in configs:
        params = {"precision": precision, "runtime": runtime, "max_windows": m}
        if (precision, runtime) not in warmed:
            # Network start-up and the worker processes (n_jobs=-1), untimed.
            embedder(precision=precision, runtime=runtime).transform(clips)
            warmed.add((precision, runtime))
        seconds, X = timed(paths, **params)
        rows[(kind, precision, m)] = {
            "songs": kind,
            "precision": precision,
            "runtime": runtime,
            "max_windows": m,
            "seconds": seconds,
            "X": X,
        }
        log(
            f"  {kind:5s} {precision:8s} {runtime:5s} max_windows={m}: "
            f"{seconds:.1f} s for {len(paths)} songs, "
            f"{int(n_windows(X).sum())} windows"
        )
    return rows, default, bulk


def matmul_gflops(dtype_name, n=2048, repeats=5):
    """Median GFLOP/s of TensorFlow's ``n x n`` matmul in ``dtype_name``."""
    import tensorflow as tf

    dtype = getattr(tf, dtype_name)
    a = tf.cast(tf.random.normal((n, n)), dtype)
    b = tf.cast(tf.random.normal((n, n)), dtype)
    tf.linalg.matmul(a, b).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        tf.linalg.matmul(a, b).numpy()
        times.append(time.perf_counter() - start)
    return 2 * n**3 / float(np.median(times)) / 1e9


def bench_cost(args):
    from skgenre.encoders.choice import measure_throughput

    rows, default, bulk = embeddings(args.data_dir, args.cache, tuple(args.budgets))
    networks = len(TAGGER.split("+"))
    alone = {}
    for precision, runtime in dict.fromkeys([default, bulk, ("float32", "keras")]):
        alone[(precision, runtime)] = float(
            np.median(
                [measure_throughput(runtime, precision, n_patches=128) for _ in "123"]
            )
        )
        log(
            f"network alone, {precision} on {runtime}: "
            f"{alone[(precision, runtime)]:.1f} patches/s"
        )
    gflops = {d: matmul_gflops(d) for d in ("float32", "bfloat16")}
    log(f"matmul GFLOP/s: {gflops}")

    clip_cost = {
        r["precision"]: r["seconds"] / len(r["X"])
        for r in rows.values()
        if r["songs"] == "clip"
    }
    base = clip_cost["float32"]
    args.cost_ratio = {}
    lines = [
        "| songs | precision on runtime | max_windows | windows/song | s/song "
        "| x float32 clip | x clip, same precision | end-to-end patches/s "
        "| x network alone | h for 10,000 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    labels = {
        "clip": "30 s clip",
        "long": "4-min song",
        "synth": "8-min synthetic",
    }
    for r in rows.values():
        n = len(r["X"])
        per_song = r["seconds"] / n
        windows = n_windows(r["X"])
        e2e = windows.sum() * networks / r["seconds"]
        net = alone[(r["precision"], r["runtime"])]
        hours = per_song * LIBRARY / 3600 if r["songs"] == "long" else np.nan
        if r["songs"] == "long" and r["precision"] == "float32":
            args.cost_ratio[r["max_windows"]] = per_song / base
        m = "all" if r["max_windows"] is None else r["max_windows"]
        cells = [
            labels[r["songs"]],
            f"{r['precision']} on {r['runtime']}",
            str(m),
            f"{windows.mean():.0f}",
            f"{per_song:.2f}",
            f"{per_song / base:.2f}",
            f"{per_song / clip_cost[r['precision']]:.2f}",
            f"{e2e:.1f}",
            f"{e2e / net:.2f}",
            "—" if np.isnan(hours) else f"{hours:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")

    net_lines = [
        "| precision on runtime "
        "| network alone, patches/s (MSD taggram, 128, median of 3) "
        "| x float32 on keras | matmul GFLOP/s (2048², TensorFlow) | x float32 |",
        "|---|---|---|---|---|",
    ]
    ref = alone[("float32", "keras")]
    for (precision, runtime), speed in alone.items():
        net_lines.append(
            f"| {precision} on {runtime} | {speed:.1f} | {speed / ref:.2f} "
            f"| {gflops[precision]:.0f} | {gflops[precision] / gflops['float32']:.2f} |"
        )
    return "\n".join(
        [
            "### Cost per song (zero-shot embedding, both taggers, cold, n_jobs=-1)",
            "",
            f"Bulk encoder here: {bulk_choice().line}. Ratios: to a 30 s "
            f"clip's cost in float32 on {default[1]} ({base:.2f} s), and to a "
            "clip's at the row's precision. Patches/s: windows x "
            f"{networks} networks / seconds; 'x network alone': against the "
            "same runtime and precision's network on random patches. Hours: "
            f"{LIBRARY:,} four-minute songs at the row's per-song time.",
            "",
            "\n".join(lines),
            "",
            "\n".join(net_lines),
        ]
    )


# --------------------------------------------------------------------------
# Accuracy
# --------------------------------------------------------------------------


def keep_windows(X, budget):
    """Each song's ``select_windows(n, budget)`` windows, NaN-padded."""
    from skgenre.windows import select_windows

    counts = n_windows(X)
    width = max(len(select_windows(int(n), budget)) for n in counts)
    out = np.full((len(X), width, X.shape[2]), np.nan, dtype=X.dtype)
    for k, n in enumerate(counts):
        index = select_windows(int(n), budget)
        out[k, : len(index)] = X[k, index]
    return out


def bench_zero_shot(args):
    from skgenre.zeroshot import TagGenreClassifier

    rows, default, bulk = embeddings(args.data_dir, args.cache, tuple(args.budgets))
    _, _, genres, _ = songs(args.data_dir, args.cache)
    clf = TagGenreClassifier(TAGGER).fit()
    X_all = rows[("long", "float32", None)]["X"]
    top_all = clf.predict(X_all)

    cases = [("all windows", "float32", X_all, "embedded")]
    for m in ACCURACY_BUDGETS:
        if ("long", "float32", m) in rows:
            cases.append(
                (
                    f"max_windows={m}",
                    "float32",
                    rows[("long", "float32", m)]["X"],
                    "embedded",
                )
            )
        else:
            cases.append(
                (
                    f"max_windows={m}",
                    "float32",
                    keep_windows(X_all, m),
                    "rows of all windows",
                )
            )
    if bulk != default:
        for m in BULK_BUDGETS:
            cases.append(
                (
                    f"max_windows={m}",
                    bulk[0],
                    rows[("long", bulk[0], m)]["X"],
                    "embedded",
                )
            )
    lines = [
        "| windows | precision | from | top-1 = all windows' | accuracy (10 genres) |",
        "|---|---|---|---|---|",
    ]
    args.agreement = {}
    for name, precision, X, source in cases:
        top = clf.predict(X)
        same = top == top_all
        right = top == genres
        args.agreement[(name, precision)] = same.mean()
        lines.append(
            f"| {name} | {precision} | {source} | {same.mean():.2f} "
            f"({same.sum()}/{len(same)}) | {right.mean():.2f} ({right.sum()}/10) |"
        )
    # bfloat16 against float32 over every song embedded both ways
    extra = ""
    if bulk != default:
        pairs = [("clip", None)] + [("long", m) for m in BULK_BUDGETS]
        a = np.concatenate(
            [clf.predict(rows[(k, "float32", m)]["X"]) for k, m in pairs]
        )
        b = np.concatenate([clf.predict(rows[(k, bulk[0], m)]["X"]) for k, m in pairs])
        args.bf16_agreement = float(np.mean(a == b))
        extra = (
            f"\n\n{bulk[0]} against float32 at the same windows (10 clips, and the "
            f"4-minute songs at max_windows {', '.join(map(str, BULK_BUDGETS))}): "
            f"the same top genre for {int(np.sum(a == b))}/{len(a)} "
            f"({args.bf16_agreement:.3f})."
        )
    return (
        "\n".join(
            [
                "### (a) Zero-shot genre of the 4-minute songs against all windows",
                "",
                "\n".join(lines),
            ]
        )
        + extra
    )


@functools.cache
def synthetic_embeddings(cache):
    from skgenre import WindowEmbedder
    from skgenre.datasets import make_songs

    out = Path(cache) / "fullsongs" / "synth240"
    paths, y, groups = make_songs(
        out,
        genres=TRAIN_GENRES,
        n_per_genre=6,
        duration=240,
        n_artists=3,
        random_state=0,
        return_groups=True,
    )
    paths = [str(p) for p in paths]
    start = time.perf_counter()
    X = WindowEmbedder(n_jobs=-1, memory=str(Path(cache) / "memory")).fit()
    X = X.transform(paths)
    log(
        f"{len(paths)} synthetic songs of 240 s, {len(set(groups))} artists: "
        f"{X.shape} in {time.perf_counter() - start:.1f} s"
    )
    return paths, np.asarray(y), np.asarray(groups), X


def trained_model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skgenre import SongPooling

    return Pipeline(
        [
            ("pool", SongPooling(stats=("mean", "std"))),
            ("scale", StandardScaler()),
            ("clf", LogisticRegression(max_iter=2000)),
        ]
    )


def subset_scores(X_train, y_train, X_test, y_test, budgets):
    """``{M: accuracy}`` (``None``: all windows) of a model trained on all
    windows, tested on ``select_windows`` subsets."""
    model = trained_model().fit(X_train, y_train)
    scores = {None: model.score(X_test, y_test)}
    for m in budgets:
        scores[m] = model.score(keep_windows(X_test, m), y_test)
    return scores


def scores_table(scores, head):
    lines = [f"| windows tested | {head} | vs all windows |", "|---|---|---|"]
    for m, acc in scores.items():
        name = "all" if m is None else str(m)
        lines.append(f"| {name} | {acc:.3f} | {acc - scores[None]:+.3f} |")
    return "\n".join(lines)


def bench_trained(args):
    from sklearn.model_selection import StratifiedGroupKFold

    from skgenre import WindowEmbedder

    paths, y, groups, X = synthetic_embeddings(args.cache)
    # once: the embedder's own max_windows gives the rows sliced here
    m = 10
    check = WindowEmbedder(max_windows=m).fit().transform(paths[:1])
    diff = float(np.max(np.abs(check[0] - keep_windows(X[:1], m)[0])))
    log(
        f"WindowEmbedder(max_windows={m}) vs the rows of all windows: max |diff| "
        f"{diff:.2e}"
    )
    cv = StratifiedGroupKFold(n_splits=3, shuffle=True, random_state=0)
    correct = {}
    for train, test in cv.split(X, y, groups):
        fold = subset_scores(X[train], y[train], X[test], y[test], ACCURACY_BUDGETS)
        for key, acc in fold.items():
            correct[key] = correct.get(key, 0) + acc * len(test)
    scores = {k: v / len(y) for k, v in correct.items()}
    args.trained_scores = scores
    return "\n".join(
        [
            f"### (b) Trained accuracy on synthetic 4-minute songs ({len(y)} songs, "
            f"{len(set(groups))} artists, {len(set(y))} genres, "
            f"{int(n_windows(X).max())} windows each)",
            "",
            "Artist-disjoint StratifiedGroupKFold(3); SongPooling(mean, std) -> "
            "StandardScaler -> LogisticRegression trained on all windows of the "
            "training songs; test songs scored with all windows and with "
            f"`select_windows(n, M)`. Check: `WindowEmbedder(max_windows={m})` "
            f"gives those windows to {diff:.1e} (max abs difference, one song).",
            "",
            scores_table(scores, "accuracy (pooled over folds)"),
        ]
    )


def bench_accuracy(args):
    return bench_zero_shot(args) + "\n\n" + bench_trained(args)


def bench_taggrams(args):
    from bench_gtzan import TAGGRAM_FILES, load_taggrams, stack_songs

    if not args.taggrams:
        return "### Released taggrams\n\nSkipped: no `--taggrams DIR`."
    root = Path(args.taggrams)
    X_tr, _, clip_tr, names_tr = load_taggrams(root / TAGGRAM_FILES["train"], "train")
    X_te, _, clip_te, names_te = load_taggrams(root / TAGGRAM_FILES["test"], "test")
    width = int(max(np.bincount(clip_tr).max(), np.bincount(clip_te).max()))
    X_train, X_test = (
        stack_songs(X_tr, clip_tr, width),
        stack_songs(X_te, clip_te, width),
    )
    y_train = np.array([n.split("/")[0] for n in names_tr], dtype=object)
    y_test = np.array([n.split("/")[0] for n in names_te], dtype=object)
    scores = subset_scores(X_train, y_train, X_test, y_test, ACCURACY_BUDGETS)
    args.taggram_scores = scores
    return "\n".join(
        [
            "### Released taggrams (peer's musicnn MSD taggram, 1 s hop), "
            "fault-filtered split",
            "",
            f"Trained on all windows of the {len(y_train)} train clips; "
            f"{len(y_test)} test clips with all windows (28-29) and with "
            "`select_windows(n, M)` of them.",
            "",
            scores_table(scores, "test accuracy"),
        ]
    )


# --------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------

CHILD = """
import os, sys, json
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
from skgenre import WindowEmbedder
paths = json.loads(sys.argv[1]); m = json.loads(sys.argv[2])
X = WindowEmbedder(model=%r, layer="taggram", n_jobs=-1, max_windows=m).fit()
X = X.transform(paths)
for line in open("/proc/self/status"):
    if line.startswith("VmHWM"):
        print(int(line.split()[1]) / 1024)
"""


def peak_rss(paths, max_windows):
    import json

    out = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD % TAGGER,
            json.dumps(paths),
            json.dumps(max_windows),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.split()[-1])


def bench_memory(args):
    clips, long_songs, _, _ = songs(args.data_dir, args.cache)
    budget = recommended(args)[0] or 10
    cases = [
        ("1 clip of 30 s", clips[:1], None),
        (f"{len(long_songs)} four-minute songs", long_songs, None),
        (f"{len(long_songs)} four-minute songs", long_songs, budget),
    ]
    lines = ["| songs | max_windows | peak RSS (MiB) |", "|---|---|---|"]
    for name, paths, m in cases:
        mib = peak_rss(paths, m)
        log(f"  {name}, max_windows={m}: {mib:.0f} MiB")
        lines.append(f"| {name} | {'all' if m is None else m} | {mib:.0f} |")
    return "\n".join(
        [
            "### Peak memory (VmHWM of a fresh process, float32, default runtime)",
            "",
            "\n".join(lines),
        ]
    )


# --------------------------------------------------------------------------
# Recommendation
# --------------------------------------------------------------------------


def recommended(args):
    """``(M, met)``: the smallest budget within ``TOLERANCE`` of all windows on
    every trained table measured, else the closest (largest worst-case
    accuracy difference)."""
    tables = [
        t
        for t in (
            getattr(args, "trained_scores", None),
            getattr(args, "taggram_scores", None),
        )
        if t
    ]
    if not tables:
        return None, False
    worst = {m: min(t[m] - t[None] for t in tables) for m in ACCURACY_BUDGETS}
    ok = [m for m in ACCURACY_BUDGETS if worst[m] >= -TOLERANCE]
    if ok:
        return min(ok), True
    return max(worst, key=lambda m: (worst[m], -m)), False


def recommendation(args):
    m, met = recommended(args)
    if m is None:
        return "No trained accuracy was measured: no recommendation."
    rule = (
        f"the smallest M within {TOLERANCE} of all windows on every trained table"
        if met
        else f"no M is within {TOLERANCE} on every trained table: the closest"
    )
    parts = [f"**Recommended default budget: max_windows={m}** ({rule})."]
    ratio = getattr(args, "cost_ratio", {}).get(m)
    if ratio is not None:
        parts.append(
            f"A 4-minute song then costs {ratio:.2f}x a 30 s clip (goal <= 1.25x); "
            f"all windows cost {args.cost_ratio[None]:.2f}x."
        )
    agree = getattr(args, "agreement", {}).get((f"max_windows={m}", "float32"))
    if agree is not None:
        parts.append(f"Zero-shot top-1 agreement with all windows: {agree:.2f}.")
    return " ".join(parts)


SECTIONS = {
    "cost": bench_cost,
    "accuracy": bench_accuracy,
    "taggrams": bench_taggrams,
    "memory": bench_memory,
}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("data_dir", help="folder with manifest.csv of 30 s clips")
    parser.add_argument("--taggrams", help="folder of the peer's released taggram npz")
    parser.add_argument(
        "--sections", nargs="+", choices=list(SECTIONS), default=list(SECTIONS)
    )
    parser.add_argument("--budgets", type=int, nargs="+", default=list(COST_BUDGETS))
    parser.add_argument("--cache", help="folder for built songs and embeddings")
    parser.add_argument("--out", help="also write the markdown tables to this file")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    log("load average at the start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    with tempfile.TemporaryDirectory() as temp:
        if args.cache is None:
            args.cache = temp
        order = [
            s for s in ("taggrams", "accuracy", "cost", "memory") if s in args.sections
        ]  # memory uses the recommendation
        parts = {}
        for name in order:
            log(f"== {name}")
            parts[name] = SECTIONS[name](args)
        tables = [parts[s] for s in SECTIONS if s in parts]
        tables.append(recommendation(args))
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        tables.append(
            f"Wall time: {time.perf_counter() - start:.0f} s on {os.cpu_count()} "
            f"cores; load average at the end: {load}."
        )
        report("\n\n".join(tables), args.out)


if __name__ == "__main__":
    main()
