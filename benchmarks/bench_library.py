"""Tagging a music library: the confidence threshold, albums, throughput.

Usage::

    TF_CPP_MIN_LOG_LEVEL=3 python benchmarks/bench_library.py DATA_DIR
        [--sections curve albums throughput memory] [--cache DIR] [--out FILE]

``DATA_DIR`` is a folder with a ``manifest.csv`` (columns ``path,genre,...``,
paths relative to the folder), such as gtzan-mini (90 GTZAN clips, 10 genres
x 9).  Every clip's genre probabilities come from
``zero_shot_pipeline(n_jobs=-1, memory=CACHE)`` (both musicnn taggers; the
taggram embeddings are cached under ``--cache``, or a temporary folder
removed at exit), which is never trained, so every clip is a fair test.
``skgenre library`` leaves a song "unsure" (writes nothing) when its top
probability is below ``--min-confidence P``; this script measures the choice
of P's default.  Goal: precision >= 0.85 while tagging at least a third of
the songs.

Sections (``--sections``, default all):

* ``curve``: for P in 0.0, 0.2, 0.25, ..., 0.8, the coverage (share of songs
  whose top probability is >= P), the precision (top-1 accuracy among those)
  and the number tagged, (a) on the clips of the genres the tagger knows
  (the main figure; 72 in gtzan-mini) and (b) on all clips, every clip of a
  genre it does not know (disco, reggae) counting as wrong.  Then the
  recommended default: the smallest P (the largest coverage) whose precision
  is >= 0.85 at coverage >= 1/3 on (a) and on (b), or, if none is, the P of
  best precision at coverage >= 1/3.  Then the same curve with the margin (top-1
  minus top-2 probability) as the confidence, next to top probability's
  precision at the same number of songs tagged.
* ``albums``: what deciding per album does.  Within each genre the clips,
  in manifest order, form albums of 3 tracks; a song's genre is the argmax
  of its probabilities, an album's the argmax of its tracks' mean
  probabilities (its confidence: the top of that mean), given to each of
  its tracks.  Accuracy and precision/coverage at the recommended P, per
  song against per album.  Then albums that are not one genre: each album
  takes tracks 1-2 of an album of genre A and track 3 of the same album of
  the next genre B (genres in manifest order, cyclically), so every clip is
  used once, scored against each track's own genre.

* ``throughput``: the clips copied into a library folder (FLAC, and every
  other one re-encoded as MP3), then timed: a scan, a cold dry run (every
  song predicted), the same dry run with the embeddings cached, and the
  writing alone of a plan that writes every file; files per hour of each,
  and what writing adds to the dry run's time (goal: under 5 %).
* ``memory``: one process's peak RSS against the number of files: a
  zero-shot dry run of ``--network-sizes`` short songs, and a dry run and a
  write of ``--sizes`` files with a constant model (no network), to reach
  10,000 files.

Caveat: the clips of a GTZAN genre have consecutive ids, often one artist
or album, so gtzan-mini's simulated albums are more uniform than random
songs of a genre would be.
"""

import argparse
import csv
import functools
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import log, report  # noqa: E402

#: ``--min-confidence`` values measured.
THRESHOLDS = (0.0, *np.round(np.arange(0.2, 0.8 + 1e-9, 0.05), 2).tolist())
#: Margin (top-1 minus top-2) thresholds of the comparison table.
MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
GOAL_PRECISION = 0.85
GOAL_COVERAGE = 1 / 3
ALBUM_TRACKS = 3


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def read_manifest(data_dir):
    """``(paths, genres)`` of ``DATA_DIR/manifest.csv``, in its order."""
    root = Path(data_dir)
    with open(root / "manifest.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    paths = [str(root / row["path"]) for row in rows]
    genres = np.asarray([row["genre"].lower() for row in rows], dtype=object)
    return paths, genres


@functools.cache
def zero_shot(data_dir, cache_dir):
    """``(genres, proba, classes)``: the true genre and the zero-shot genre
    probabilities of every clip, computed once per run."""
    from skgenre.zeroshot import zero_shot_pipeline

    paths, genres = read_manifest(data_dir)
    log(f"{len(paths)} clips, {len(set(genres))} genres; cache: {cache_dir}")
    pipe = zero_shot_pipeline(n_jobs=-1, memory=cache_dir)
    proba = pipe.predict_proba(paths)
    classes = np.asarray(pipe[-1].classes_, dtype=object)
    return genres, proba, classes


def confidences(proba):
    """``(top, margin)``: each row's top probability and top-1 minus top-2."""
    ordered = np.sort(proba, axis=1)
    return ordered[:, -1], ordered[:, -1] - ordered[:, -2]


# --------------------------------------------------------------------------
# Precision and coverage
# --------------------------------------------------------------------------


def at_threshold(confidence, correct, threshold):
    """``(coverage, precision, n_tagged)`` of the songs with confidence >=
    threshold; precision is NaN when none is tagged."""
    tagged = confidence >= threshold
    n = int(tagged.sum())
    precision = correct[tagged].mean() if n else np.nan
    return n / len(correct), precision, n


def precision_of_top(confidence, correct, n):
    """Precision of the ``n`` songs of highest confidence."""
    if n == 0:
        return np.nan
    order = np.argsort(-confidence, kind="stable")
    return correct[order[:n]].mean()


def curve(confidence, correct, thresholds=THRESHOLDS):
    """``[(P, coverage, precision, n_tagged), ...]``."""
    return [(p, *at_threshold(confidence, correct, p)) for p in thresholds]


def recommend(rows, *also):
    """``(P, coverage, precision, met)`` of the smallest P meeting both
    goals (in ``rows`` and in every curve of ``also``, at the same P), or
    (``met`` False) of the best precision at coverage >= 1/3."""

    def meets(row):
        return row[2] >= GOAL_PRECISION and row[1] >= GOAL_COVERAGE

    ok = [
        r
        for k, r in enumerate(rows)
        if meets(r) and all(meets(other[k]) for other in also)
    ]
    if ok:
        p, coverage, precision, _ = min(ok, key=lambda r: r[0])
        return p, coverage, precision, True
    wide = [r for r in rows if r[1] >= GOAL_COVERAGE]
    # Best precision; among equals, the larger coverage (smaller P).
    p, coverage, precision, _ = max(wide, key=lambda r: (r[2], r[1]))
    return p, coverage, precision, False


def counts(labels):
    """``"a 3, b 1"``: each label's count, most frequent first."""
    values, n = np.unique(labels, return_counts=True)
    order = np.argsort(-n, kind="stable")
    return ", ".join(f"{values[i]} {n[i]}" for i in order)


def _fmt(value):
    return "—" if np.isnan(value) else f"{value:.3f}"


def curve_table(rows, label="P (top probability >=)"):
    lines = [f"| {label} | coverage | precision | tagged |", "|---|---|---|---|"]
    for p, coverage, precision, n in rows:
        lines.append(f"| {p:.2f} | {coverage:.3f} | {_fmt(precision)} | {n} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Section: curve
# --------------------------------------------------------------------------


def bench_curve(args):
    """Markdown: precision/coverage against ``--min-confidence``, on the
    known genres (a) and on all clips (b), the recommended P and margin."""
    genres, proba, classes = zero_shot(args.data_dir, args.cache)
    predicted = classes[proba.argmax(axis=1)]
    correct = predicted == genres
    known = np.isin(genres, classes)
    top, margin = confidences(proba)
    unknown = sorted(set(genres[~known]))
    rows_a = curve(top[known], correct[known])
    rows_b = curve(top, correct)
    p, coverage, precision, met = recommend(rows_a, rows_b)
    args.recommended = p

    n_a, n_b = int(known.sum()), len(genres)
    acc_a, acc_b = correct[known].mean(), correct.mean()
    per_genre = ", ".join(
        f"{g} {correct[genres == g].mean():.2f}" for g in dict.fromkeys(genres[known])
    )
    wrong_unknown = "; ".join(
        f"{g} → {counts(predicted[genres == g])}" for g in unknown
    )
    parts = [
        f"### Precision and coverage against `--min-confidence P` "
        f"({n_a} + {n_b - n_a} clips)",
        "",
        f"(a) The {n_a} clips of the {len(set(genres[known]))} genres the "
        f"tagger knows (main figure); top-1 accuracy **{acc_a:.3f}** "
        f"({int(correct[known].sum())}/{n_a}; per genre: {per_genre}).",
        "",
        curve_table(rows_a),
        "",
        f"(b) All {n_b} clips, the {n_b - n_a} of {', '.join(unknown)} "
        f"counting as wrong (predicted: {wrong_unknown}); top-1 accuracy "
        f"**{acc_b:.3f}** ({int(correct.sum())}/{n_b}).",
        "",
        curve_table(rows_b),
        "",
    ]
    if met:
        parts.append(
            f"**Recommended default: P = {p:.2f}**, the smallest P with "
            f"precision >= {GOAL_PRECISION} at coverage >= 1/3 on (a) and on "
            f"(b): on (a) precision {precision:.3f}, coverage {coverage:.3f}."
        )
    else:
        parts.append(
            f"**No P meets precision >= {GOAL_PRECISION} at coverage >= 1/3 "
            f"on (a).** Best precision at coverage >= 1/3: P = {p:.2f}, "
            f"precision {precision:.3f}, coverage {coverage:.3f}."
        )
    row_b = next(r for r in rows_b if r[0] == p)
    parts.append(
        f"At P = {p:.2f} on (b): precision {_fmt(row_b[2])}, coverage "
        f"{row_b[1]:.3f} ({row_b[3]}/{n_b} tagged)."
    )

    lines = [
        "| margin >= M | coverage | precision (margin) | tagged "
        "| precision (top prob, same number tagged) |",
        "|---|---|---|---|---|",
    ]
    for m in MARGINS:
        cov, prec, n = at_threshold(margin[known], correct[known], m)
        same = precision_of_top(top[known], correct[known], n)
        lines.append(f"| {m:.2f} | {cov:.3f} | {_fmt(prec)} | {n} | {_fmt(same)} |")
    margin_rows = curve(margin[known], correct[known], MARGINS)
    m, m_cov, m_prec, m_met = recommend(margin_rows)
    verdict = (
        f"smallest M meeting both goals: M = {m:.2f} (precision {m_prec:.3f}, "
        f"coverage {m_cov:.3f})"
        if m_met
        else f"no M meets both goals; best precision at coverage >= 1/3: "
        f"M = {m:.2f} (precision {m_prec:.3f}, coverage {m_cov:.3f})"
    )
    parts += [
        "",
        "#### Margin (top-1 minus top-2 probability) as the confidence, on (a)",
        "",
        "Each row: the songs whose margin is >= M, and, at the same number "
        "of songs tagged, the precision of taking those of highest top "
        "probability instead.",
        "",
        "\n".join(lines),
        "",
        f"Margin: {verdict}.",
    ]
    return "\n".join(parts)


# --------------------------------------------------------------------------
# Section: albums
# --------------------------------------------------------------------------


def pure_albums(genres):
    """Albums of ``ALBUM_TRACKS`` clips of one genre, in manifest order:
    ``[[index, ...], ...]``."""
    albums = []
    for g in dict.fromkeys(genres):
        clips = np.flatnonzero(genres == g)
        for start in range(0, len(clips) - ALBUM_TRACKS + 1, ALBUM_TRACKS):
            albums.append(list(clips[start : start + ALBUM_TRACKS]))
    return albums


def mixed_albums(genres):
    """Albums of two genres: tracks 1-2 of album k of genre A and track 3 of
    album k of the next genre B (manifest order, cyclic).  Every clip is in
    one album; the last track of each is the odd one out."""
    by_genre = {}
    for album in pure_albums(genres):
        by_genre.setdefault(genres[album[0]], []).append(album)
    order = list(by_genre)
    albums = []
    for i, a in enumerate(order):
        b = order[(i + 1) % len(order)]
        for album_a, album_b in zip(by_genre[a], by_genre[b], strict=False):
            albums.append([*album_a[:-1], album_b[-1]])
    return albums


def album_decisions(proba, albums):
    """``(index, pooled)``: the clips in album order and, for each, its
    album's mean probabilities (clips in no album are left out)."""
    index = np.concatenate([np.asarray(a) for a in albums])
    pooled = np.concatenate(
        [np.tile(proba[a].mean(axis=0), (len(a), 1)) for a in albums]
    )
    return index, pooled


def decision_row(name, proba, genres, classes, threshold, extra=()):
    """Markdown cells: accuracy, precision and coverage at ``threshold``."""
    correct = classes[proba.argmax(axis=1)] == genres
    top, _ = confidences(proba)
    coverage, precision, n = at_threshold(top, correct, threshold)
    cells = [name, f"{correct.mean():.3f} ({int(correct.sum())}/{len(correct)})"]
    cells += [f"{m:.3f}" for m in extra]
    cells += [_fmt(precision), f"{coverage:.3f} ({n})"]
    return "| " + " | ".join(cells) + " |"


def bench_albums(args):
    """Markdown: song against album decisions, on one-genre albums and on
    albums of two genres."""
    genres, proba, classes = zero_shot(args.data_dir, args.cache)
    if getattr(args, "recommended", None) is None:
        known = np.isin(genres, classes)
        correct = classes[proba.argmax(axis=1)] == genres
        top, _ = confidences(proba)
        args.recommended = recommend(
            curve(top[known], correct[known]), curve(top, correct)
        )[0]
    p = args.recommended
    known = np.isin(genres, classes)
    subsets = {
        f"(a) {int(known.sum())} known-genre clips": known,
        f"(b) all {len(genres)} clips": np.ones(len(genres), dtype=bool),
    }

    head = (
        f"| clips, decision | accuracy | precision at P={p:.2f} | coverage (tagged) |"
    )
    lines = [head, "|---|---|---|---|"]
    for label, keep in subsets.items():
        g, pr = genres[keep], proba[keep]
        index, pooled = album_decisions(pr, pure_albums(g))
        lines.append(decision_row(f"{label}, per song", pr, g, classes, p))
        lines.append(
            decision_row(
                f"{label}, per album ({len(index) // ALBUM_TRACKS} albums)",
                pooled,
                g[index],
                classes,
                p,
            )
        )

    head_mixed = (
        f"| clips, decision | accuracy (all tracks) | tracks 1-2 (genre A) "
        f"| track 3 (genre B) | precision at P={p:.2f} | coverage (tagged) |"
    )
    mixed = [head_mixed, "|---|---|---|---|---|---|"]
    for label, keep in subsets.items():
        g, pr = genres[keep], proba[keep]
        albums = mixed_albums(g)
        index, pooled = album_decisions(pr, albums)
        odd = np.zeros(len(index), dtype=bool)
        odd[ALBUM_TRACKS - 1 :: ALBUM_TRACKS] = True
        for name, decided in (("per song", pr[index]), ("per album", pooled)):
            correct = classes[decided.argmax(axis=1)] == g[index]
            mixed.append(
                decision_row(
                    f"{label}, {name}",
                    decided,
                    g[index],
                    classes,
                    p,
                    extra=(correct[~odd].mean(), correct[odd].mean()),
                )
            )

    return "\n".join(
        [
            f"### Deciding per album ({ALBUM_TRACKS} tracks), P = {p:.2f}",
            "",
            "One-genre albums: the clips of each genre, in manifest order, in "
            f"albums of {ALBUM_TRACKS}; an album's genre (argmax of its "
            "tracks' mean probabilities) and confidence (top of that mean) "
            "go to each of its tracks.",
            "",
            "\n".join(lines),
            "",
            "Albums of two genres: tracks 1-2 of genre A's album k and track 3 "
            "of the next genre B's album k (genres in manifest order, cyclic; "
            "on (a) only among the known genres), each track scored against "
            "its own genre.",
            "",
            "\n".join(mixed),
        ]
    )


# --------------------------------------------------------------------------
# Section: throughput
# --------------------------------------------------------------------------


def _library_copy(data_dir, folder):
    """The clips copied into a library folder: FLAC as they are, and every
    other clip re-encoded as MP3 (ID3v2.4 with a title), so both tag
    families are written."""
    import shutil

    import soundfile as sf
    from mutagen.id3 import ID3, TIT2

    paths, _ = read_manifest(data_dir)
    os.makedirs(folder)
    copies = []
    for k, path in enumerate(paths):
        name = Path(path).stem
        if k % 2:
            y, sr = sf.read(path)
            dest = os.path.join(folder, f"{name}.mp3")
            sf.write(dest, y, sr, format="MP3")
            tags = ID3()
            tags.add(TIT2(encoding=3, text=[name]))
            tags.save(dest)
        else:
            dest = shutil.copy(path, os.path.join(folder, f"{name}.flac"))
        os.chmod(dest, 0o644)  # a library is writable (read-only files are refused)
        copies.append(dest)
    return copies


def bench_throughput(args):
    """Markdown: files per hour of a dry run and of a write, and what
    writing adds to the prediction time."""
    import time

    from skgenre.library import apply_plan, load_genre_model, scan, tag_library

    with tempfile.TemporaryDirectory(prefix="skgenre-bench-library-") as tmp:
        folder = os.path.join(tmp, "library")
        copies = _library_copy(args.data_dir, folder)
        n = len(copies)
        cache = os.path.join(tmp, "cache")  # cold: the prediction is timed
        model = load_genre_model(cache=cache)

        start = time.perf_counter()
        scan([folder])
        t_scan = time.perf_counter() - start

        start = time.perf_counter()
        entries, _ = tag_library(
            [folder], model, mode="replace", min_confidence=0.0, progress=False
        )
        t_dry = time.perf_counter() - start

        start = time.perf_counter()
        cached, _ = tag_library(
            [folder], model, mode="replace", min_confidence=0.0, progress=False
        )
        t_cached = time.perf_counter() - start

        n_write = sum(e.action == "write" for e in entries)
        start = time.perf_counter()
        apply_plan(entries, os.path.join(tmp, "journal.jsonl"))
        t_apply = time.perf_counter() - start
        written = sum(e.action == "write" for e in entries)
        size = sum(os.path.getsize(p) for p in copies) / 2**20

    def per_hour(seconds):
        return f"{n / seconds * 3600:,.0f}"

    rows = [
        "| step | seconds | files per hour |",
        "|---|---|---|",
        f"| scan (tags of {n} files) | {t_scan:.2f} | {per_hour(t_scan)} |",
        f"| dry run, cold (scan + zero-shot prediction + plan) | {t_dry:.1f} "
        f"| {per_hour(t_dry)} |",
        f"| dry run again, embeddings cached (`--cache`) | {t_cached:.2f} "
        f"| {per_hour(t_cached)} |",
        f"| writing alone ({written} of {n_write} planned written: checked "
        f"copy, journal, replace) | {t_apply:.2f} | {per_hour(t_apply)} |",
        f"| write run, cold (dry run + writing) | {t_dry + t_apply:.1f} "
        f"| {per_hour(t_dry + t_apply)} |",
    ]
    return "\n".join(
        [
            f"### Throughput: a library of {n} GTZAN clips (30 s; half FLAC, half "
            f"MP3; {size:.0f} MiB), zero-shot, every file written "
            "(`--mode replace --min-confidence 0`)",
            "",
            *rows,
            "",
            f"Writing adds **{100 * t_apply / t_dry:.1f} %** to the dry run's "
            f"time ({1000 * t_apply / max(written, 1):.1f} ms per file written; "
            "goal: under 5 %).",
        ]
    )


# --------------------------------------------------------------------------
# Section: memory
# --------------------------------------------------------------------------

_MEMORY_CHILD = """
import os, sys, time
import numpy as np
from skgenre.library import load_genre_model, tag_library, GenreModel

folder, kind = sys.argv[1], sys.argv[2]


class Constant:  # no network: scan, plan and write at scale
    names = ["Blues", "Jazz", "Rock"]
    identity, multilabel, threshold, settings = "constant", False, None, {}

    def predict_proba(self, paths, chunk_size=32, progress=True):
        return np.tile([0.1, 0.8, 0.1], (len(paths), 1)), {}


model = load_genre_model() if kind == "zero-shot" else Constant()
start = time.perf_counter()
entries, _ = tag_library([folder], model, write=kind == "write",
                         journal=os.path.join(folder, "..", "j.jsonl"),
                         progress=False)
seconds = time.perf_counter() - start
# VmHWM: this process's own peak (ru_maxrss carries the parent's over fork).
with open("/proc/self/status") as f:
    peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
print(len(entries), seconds, peak)
"""


def _tiny_library(folder, n, seconds):
    """``n`` FLAC files of a ``seconds``-long tone, 100 per folder."""
    import soundfile as sf

    t = np.arange(int(seconds * 16000)) / 16000
    y = 0.3 * np.sin(2 * np.pi * 440 * t)
    for k in range(n):
        sub = os.path.join(folder, f"{k // 100:03d}")
        os.makedirs(sub, exist_ok=True)
        sf.write(os.path.join(sub, f"{k:05d}.flac"), y * (1 + k % 7) / 8, 16000)


def _child(folder, kind):
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, folder, kind],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    n, seconds, max_rss_kib = int(out[0]), float(out[1]), int(out[2])
    return n, seconds, max_rss_kib / 1024


def bench_memory(args):
    """Markdown: a process's peak memory against the library's size."""
    rows = [
        "| what | files | seconds | peak RSS (MiB) |",
        "|---|---|---|---|",
    ]
    peaks = {}
    with tempfile.TemporaryDirectory(prefix="skgenre-bench-memory-") as tmp:
        for kind, sizes, seconds in (
            ("zero-shot", args.network_sizes, 3.0),
            ("dry run", args.sizes, 0.1),
            ("write", args.sizes, 0.1),
        ):
            for n in sizes:
                folder = os.path.join(tmp, f"{kind}-{n}", "library")
                if kind == "write":  # the dry run's library, written now
                    folder = os.path.join(tmp, f"dry run-{n}", "library")
                else:
                    _tiny_library(folder, n, seconds)
                got, t, peak = _child(folder, kind)
                peaks[kind, n] = peak
                rows.append(f"| {kind} | {got:,} | {t:.1f} | {peak:.0f} |")
    growth = [
        f"{kind}: {peaks[kind, sizes[-1]] - peaks[kind, sizes[0]]:+.0f} MiB "
        f"from {sizes[0]:,} to {sizes[-1]:,} files"
        for kind, sizes in (
            ("zero-shot", args.network_sizes),
            ("dry run", args.sizes),
            ("write", args.sizes),
        )
    ]
    return "\n".join(
        [
            "### Memory: peak RSS of one process against the number of files",
            "",
            "`zero-shot`: a dry run predicting every file (3 s songs, one "
            "window; features in chunks of 32 songs). `dry run` and `write`: "
            "scan, plan and write of short FLAC files with a constant model "
            "(no network), to reach library sizes.",
            "",
            *rows,
            "",
            "Growth: " + "; ".join(growth) + ".",
        ]
    )


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

#: Section name -> function(args) returning markdown.  A section may set
#: attributes on ``args`` for the next (``curve`` sets ``args.recommended``).
SECTIONS = {
    "curve": bench_curve,
    "albums": bench_albums,
    "throughput": bench_throughput,
    "memory": bench_memory,
}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("data_dir", help="folder with a manifest.csv (gtzan-mini)")
    parser.add_argument(
        "--sections", nargs="+", choices=list(SECTIONS), default=list(SECTIONS)
    )
    parser.add_argument(
        "--cache", help="embedding cache folder (default: a temporary folder)"
    )
    parser.add_argument("--out", help="also write the markdown to this file")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1000, 10000], help="memory: files"
    )
    parser.add_argument(
        "--network-sizes",
        type=int,
        nargs="+",
        default=[100, 400],
        help="memory: files predicted by the network",
    )
    args = parser.parse_args(argv)
    args.recommended = None

    with tempfile.TemporaryDirectory(prefix="skgenre-bench-") as tmp:
        args.cache = args.cache or tmp
        texts = []
        for name in args.sections:
            log(f"== {name}")
            texts.append(SECTIONS[name](args))
            report(texts[-1])
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write("\n\n".join(texts) + "\n")


if __name__ == "__main__":
    main()
