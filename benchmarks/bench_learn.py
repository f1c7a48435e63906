"""Learning a library's own genres: some artists' tags hidden, then predicted.

Usage::

    TF_CPP_MIN_LOG_LEVEL=3 python benchmarks/bench_learn.py DATA_DIR
        [--libraries gtzan synthetic] [--seeds 0 1 2] [--target-precision 0.9]
        [--genres rock metal blues classical jazz] [--songs 12] [--artists 4]
        [--duration 12] [--cache DIR] [--out FILE]

What ``skgenre library --learn`` promises, measured on a partly tagged
library: :func:`skgenre.library.learn_genres` learns from the songs that
carry a genre and prints a grouped cross-validated figure and a confidence
threshold; its model then plans the untagged songs.  Here the untagged
songs' genres are known, so the promise can be checked.

Libraries (``--libraries``, default both), each written as real tagged
files into a folder (under ``--cache``, or a temporary folder removed at
exit) and read back by :func:`skgenre.datasets.load_library` (``min_songs``
5, as the command line):

* ``gtzan``: ``DATA_DIR`` is a folder with a ``manifest.csv`` (columns
  ``path,genre,...``), such as gtzan-mini (90 GTZAN clips, 10 genres x 9;
  research use only: the copies never leave the temporary folder).  GTZAN
  names no artists, but its clips of a genre come in id order and
  neighbouring ids often share an artist, so each genre's clips, in
  manifest order, make pseudo-artists of 3 consecutive clips (3 per genre,
  30 in all).  Each FLAC copy gets ``ARTIST`` (Vorbis comment) and, if its
  artist is visible, ``GENRE`` (the genre's name, title case).
* ``synthetic``: ``make_songs(genres=--genres, n_per_genre=--songs,
  n_artists=--artists, duration=--duration, random_state=0,
  return_groups=True)``, whose WAV files name their artist (ID3 ``TPE1``);
  a visible artist's songs get ``TCON``.

Hidden artists: for each seed (``--seeds``), ``numpy.random.default_rng(
seed)`` draws, genre by genre, ``k // 2`` of the genre's ``k`` artists,
whose songs carry no genre: 1 of 3 pseudo-artists in gtzan (a third of the
songs), 2 of 4 artists in the synthetic library (half).  Not half of
gtzan's pseudo-artists: :func:`~skgenre.library.learn_genres` refuses a
genre of fewer than 5 tagged songs (one per fold), and one visible
pseudo-artist is 3.  Every genre thus has visible and hidden songs.  A
hidden song holds, instead of the genre, a comment of the same length, so
its file has the same size whichever seed hides it, and its modification
time is set from a hash of the file before its genre is written: the
embedding cache's key (path, size, modification time) is then the same
for every seed, and changes with the audio, so the embeddings of a second
seed or a rerun cost nothing.

For each library and seed: ``learn_genres(data, target_precision=
--target-precision, cache=CACHE)``, the figure it prints (each candidate's
grouped cross-validated accuracy on the tagged songs, the chosen one's
threshold, precision and coverage out of fold), and on the hidden songs
(``data.untagged``; their genre from this script's own bookkeeping):

* learned: ``model.predict_proba(hidden)``: accuracy (argmax), and the
  precision (share right) and coverage (share tagged) of the songs whose
  top probability reaches the learned threshold, those a plan writes;
* zero-shot, never trained, on the same songs:
  ``zero_shot_pipeline(n_jobs=-1, memory=CACHE)``: accuracy with the
  genres it cannot name (disco, reggae) counting as wrong, and on the songs
  of the genres it knows; precision and coverage at ``skgenre library``'s
  default ``--min-confidence`` 0.5.

Names are compared case-folded, without "-" or spaces ("Hip-Hop" is
gtzan's "hiphop").  Goals, per library and seed: the precision of the
written genres on the hidden songs is >= target - 0.05, with coverage
above zero; the printed grouped figure is within 0.10 of the accuracy on
the hidden songs.

Caveats: gtzan's pseudo-artists are not true artists (a block of 3 ids may
straddle two artists, and an artist may span blocks), so its grouped
figure may be less honest than on a real library; the hidden sets are
small (30 songs each), so one song moves accuracy by 0.033.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import log, report  # noqa: E402
from bench_library import read_manifest  # noqa: E402

#: Clips of one gtzan pseudo-artist (consecutive in manifest order).
PSEUDO_ARTIST_CLIPS = 3
#: ``skgenre library``'s default ``--min-confidence`` for the zero-shot tagger.
ZERO_SHOT_MIN_CONFIDENCE = 0.5
#: ``load_library``'s ``min_songs``, the command line's default.
MIN_SONGS = 5
#: Goals: precision >= target - PRECISION_SLACK; |grouped - hidden| <= GAP.
PRECISION_SLACK = 0.05
GAP = 0.10
#: Library files' modification times (ns) start here, see :func:`content_mtime`.
BASE_MTIME_NS = 1_600_000_000 * 10**9


def norm(name):
    """A genre name compared: case-folded, without "-" or spaces."""
    return str(name).casefold().replace("-", "").replace(" ", "")


def content_mtime(path):
    """A modification time (ns) from the SHA-256 of a file's bytes.

    The embedding cache knows a file by its path, size and modification
    time; a library file gets this time of its untagged bytes (its tags
    differ between seeds by a genre and a comment of the same size), so a
    seed or a rerun finds its embeddings, and other audio at the same path
    and size (other ``make_songs`` arguments) does not.
    """
    import hashlib

    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return BASE_MTIME_NS + int(digest[:12], 16) % 10**15


def hidden_artists(artists_by_genre, seed):
    """``{artist, ...}``: ``k // 2`` of each genre's ``k`` artists, drawn
    with ``default_rng(seed)``, genres in the order given."""
    rng = np.random.default_rng(seed)
    hidden = set()
    for artists in artists_by_genre.values():
        artists = sorted(artists)
        pick = rng.permutation(len(artists))[: len(artists) // 2]
        hidden.update(artists[k] for k in pick)
    return hidden


# --------------------------------------------------------------------------
# Libraries
# --------------------------------------------------------------------------


def build_gtzan(data_dir, folder, seed):
    """The gtzan library: FLAC copies with pseudo-artists, visible ones
    with a genre.  Returns ``{path: genre}`` of every song, the hidden
    songs' paths, the number of hidden artists and a description."""
    from mutagen.flac import FLAC

    sources, genres = read_manifest(data_dir)
    artist_of, by_genre = [], {}
    for g in dict.fromkeys(genres):
        clips = np.flatnonzero(genres == g)
        for rank, index in enumerate(clips):
            artist = f"{g.title()} pseudo-artist {rank // PSEUDO_ARTIST_CLIPS + 1}"
            by_genre.setdefault(g, set()).add(artist)
            artist_of.append((index, artist))
    hidden = hidden_artists(by_genre, seed)
    truth, hidden_songs = {}, set()
    for index, artist in sorted(artist_of):
        g = genres[index]
        dest = os.path.join(folder, g, Path(sources[index]).name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(sources[index], dest)
        os.chmod(dest, 0o644)
        mtime = content_mtime(dest)
        audio = FLAC(dest)
        audio.clear()
        audio["ARTIST"] = [artist]
        if artist in hidden:  # same length as GENRE=<name>: same file size
            hidden_songs.add(dest)
            audio["COMMENT"] = ["-" * (len("GENRE=") + len(g) - len("COMMENT="))]
        else:
            audio["GENRE"] = [g.title()]
        audio.save()
        os.utime(dest, ns=(mtime, mtime))
        truth[dest] = g
    n_artists = sum(len(a) for a in by_genre.values())
    description = (
        f"gtzan-mini ({len(truth)} clips, {len(by_genre)} genres; "
        f"{n_artists} pseudo-artists of {PSEUDO_ARTIST_CLIPS} consecutive clips)"
    )
    return truth, hidden_songs, len(hidden), description


def build_synthetic(args, folder, seed):
    """The synthetic library: ``make_songs`` with artists, visible ones
    with a genre (ID3 ``TCON``).  Returns what :func:`build_gtzan` does."""
    from mutagen.id3 import TCON, TIT3
    from mutagen.wave import WAVE

    from skgenre.datasets import make_songs

    paths, labels, groups = make_songs(
        folder,
        genres=args.genres,
        n_per_genre=args.songs,
        duration=args.duration,
        random_state=0,
        n_artists=args.artists,
        return_groups=True,
    )
    by_genre = {}
    for g, artist in zip(labels, groups, strict=True):
        by_genre.setdefault(g, set()).add(artist)
    hidden = hidden_artists(by_genre, seed)
    truth, hidden_songs = {}, set()
    for path, g, artist in zip(paths, labels, groups, strict=True):
        path = os.path.abspath(path)
        mtime = content_mtime(path)  # make_songs' file: audio, artist, album
        audio = WAVE(path)
        if artist in hidden:  # a frame of the same size as TCON's
            hidden_songs.add(path)
            audio.tags.add(TIT3(encoding=3, text=["-" * len(g)]))
        else:
            audio.tags.add(TCON(encoding=3, text=[g.title()]))
        audio.save()
        os.utime(path, ns=(mtime, mtime))
        truth[path] = g
    description = (
        f"synthetic ({len(truth)} songs of {args.duration:g} s, {len(by_genre)} "
        f"genres x {args.songs} songs by {args.artists} artists each)"
    )
    return truth, hidden_songs, len(hidden), description


LIBRARIES = {"gtzan": build_gtzan, "synthetic": build_synthetic}


# --------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------


def at_threshold(proba, correct, threshold):
    """``(precision, coverage, n_tagged)`` of the songs whose top
    probability is >= threshold; precision NaN when none is."""
    tagged = proba.max(axis=1) >= threshold
    n = int(tagged.sum())
    precision = float(correct[tagged].mean()) if n else np.nan
    return precision, n / len(correct), n


def _fmt(value):
    return "—" if value is None or np.isnan(value) else f"{value:.3f}"


def _count(correct):
    return f"{correct.mean():.3f} ({int(correct.sum())}/{len(correct)})"


def one_run(args, name, seed):
    """Build, learn, predict and score one library for one seed; returns
    ``(markdown, summary dict)``."""
    from skgenre.datasets import load_library
    from skgenre.library import learn_genres
    from skgenre.zeroshot import zero_shot_pipeline

    start = time.perf_counter()
    folder = os.path.join(args.cache, "bench_learn-libraries", name)
    shutil.rmtree(folder, ignore_errors=True)  # no song of an earlier run left
    if name == "gtzan":
        truth, hidden, n_hidden_artists, description = build_gtzan(
            args.data_dir, folder, seed
        )
    else:
        truth, hidden, n_hidden_artists, description = build_synthetic(
            args, folder, seed
        )
    t_build = time.perf_counter() - start

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load_library(folder, min_songs=MIN_SONGS)
    for w in caught:
        log(f"load_library warned: {w.message}")
    untagged = [os.path.abspath(p) for p in data.untagged]
    tagged = [os.path.abspath(p) for p in data.paths]
    if set(untagged) != hidden or set(tagged) != set(truth) - hidden:
        log(
            f"SURPRISE: load_library gave {len(tagged)} tagged and "
            f"{len(untagged)} untagged songs of {len(truth)}; expected "
            f"{len(truth) - len(hidden)} and {len(hidden)}"
        )
    wrong_label = [
        p
        for p, genres in zip(tagged, data.genres, strict=True)
        if [norm(g) for g in genres] != [norm(truth[p])]
    ]
    if wrong_label:
        log(f"SURPRISE: {len(wrong_label)} tagged songs read with a wrong genre")
    log(
        f"[{name}, seed {seed}] {description}: {len(tagged)} tagged songs by "
        f"{len(set(data.groups))} artists, {len(untagged)} hidden by "
        f"{n_hidden_artists} artists"
    )

    start = time.perf_counter()
    model, rep = learn_genres(
        data, target_precision=args.target_precision, cache=args.cache, progress=False
    )
    t_learn = time.perf_counter() - start
    log(rep.text)

    start = time.perf_counter()
    hidden_paths = sorted(untagged)
    y = np.asarray([norm(truth[p]) for p in hidden_paths], dtype=object)
    proba, errors = model.predict_proba(hidden_paths, progress=False)
    if errors:
        log(f"SURPRISE: {len(errors)} hidden songs could not be decoded: {errors}")
    ok = ~np.isnan(proba).any(axis=1)
    proba, y_ok = proba[ok], y[ok]
    names = np.asarray([norm(n) for n in model.names], dtype=object)
    correct = names[proba.argmax(axis=1)] == y_ok
    precision, coverage, n_tagged = at_threshold(proba, correct, rep.threshold)
    t_predict = time.perf_counter() - start

    start = time.perf_counter()
    pipe = zero_shot_pipeline(n_jobs=-1, memory=args.cache)
    z_proba = pipe.predict_proba(hidden_paths)
    classes = np.asarray([norm(c) for c in pipe[-1].classes_], dtype=object)
    z_correct = classes[z_proba.argmax(axis=1)] == y
    known = np.isin(y, classes)
    t_zero = time.perf_counter() - start
    z_all = at_threshold(z_proba, z_correct, ZERO_SHOT_MIN_CONFIDENCE)
    z_known = at_threshold(z_proba[known], z_correct[known], ZERO_SHOT_MIN_CONFIDENCE)
    unknown = sorted(set(y[~known]))

    best = rep.scores[rep.chosen]
    grouped = best.score
    accuracy = float(correct.mean())
    goal_precision = (
        not np.isnan(precision)
        and precision >= args.target_precision - PRECISION_SLACK
        and coverage > 0
    )
    goal_gap = abs(grouped - accuracy) <= GAP
    threshold = "none reached" if not rep.reached else f"{rep.threshold:.3f}"
    wall = t_build + t_learn + t_predict + t_zero

    lines = [
        "| model | grouped CV (tagged songs) | hidden accuracy | threshold "
        "| precision at threshold (tagged) | coverage |",
        "|---|---|---|---|---|---|",
        f"| learned: {rep.chosen} | {best.score:.3f} ± "
        f"{best.fold_scores.std():.3f} | {_count(correct)} | {threshold} "
        f"| {_fmt(precision)} ({n_tagged}) | {coverage:.3f} |",
        f"| zero-shot, all {len(y)} hidden songs | — | {_count(z_correct)} "
        f"| {ZERO_SHOT_MIN_CONFIDENCE:.2f} | {_fmt(z_all[0])} ({z_all[2]}) "
        f"| {z_all[1]:.3f} |",
    ]
    if unknown:
        lines.append(
            f"| zero-shot, the {int(known.sum())} of genres it knows (not "
            f"{', '.join(unknown)}) | — | {_count(z_correct[known])} "
            f"| {ZERO_SHOT_MIN_CONFIDENCE:.2f} | {_fmt(z_known[0])} "
            f"({z_known[2]}) | {z_known[1]:.3f} |"
        )
    out_of_fold = (
        f"Out of fold, the threshold {threshold} gave precision "
        f"{rep.precision:.3f} at coverage {rep.coverage:.3f} (target "
        f"{args.target_precision:g})"
        if rep.reached
        else f"Out of fold, no threshold reached precision "
        f"{args.target_precision:g} (at best {rep.precision:.3f}): nothing is "
        "written"
    )
    candidates = "; ".join(f"{n}: {s.line}" for n, s in rep.scores.items())
    verdict = {True: "**PASS**", False: "**FAIL**"}
    text = "\n".join(
        [
            f"### {description}, seed {seed}",
            "",
            f"Learned from {rep.n_songs} tagged songs by {rep.n_artists} artists; "
            f"{len(hidden_paths)} hidden songs by {n_hidden_artists} artists. "
            f"{out_of_fold}. Grouped figures printed: {candidates}.",
            "",
            "\n".join(lines),
            "",
            f"- Precision of the written genres >= "
            f"{args.target_precision - PRECISION_SLACK:.2f} with coverage > 0: "
            f"{_fmt(precision)} at {coverage:.3f}: {verdict[goal_precision]}",
            f"- |grouped figure - hidden accuracy| <= {GAP:.2f}: "
            f"|{grouped:.3f} - {accuracy:.3f}| = {abs(grouped - accuracy):.3f}: "
            f"{verdict[goal_gap]}",
            f"- Wall time {wall:.0f} s (library {t_build:.0f} s, learning "
            f"{t_learn:.0f} s, learned prediction {t_predict:.0f} s, zero-shot "
            f"{t_zero:.0f} s).",
        ]
    )
    summary = {
        "seed": seed,
        "chosen": rep.chosen,
        "grouped": grouped,
        "accuracy": accuracy,
        "threshold": threshold,
        "precision": precision,
        "coverage": coverage,
        "zero_shot": float(z_correct.mean()),
        "goal_precision": goal_precision,
        "goal_gap": goal_gap,
        "wall": wall,
    }
    return text, summary


def summary_table(name, rows):
    """Markdown: one row per seed, and the mean."""
    lines = [
        f"### {name}: every seed",
        "",
        "| seed | chosen | grouped CV | hidden accuracy | threshold | precision "
        "| coverage | zero-shot accuracy | precision goal | gap goal | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['seed']} | {r['chosen']} | {r['grouped']:.3f} "
            f"| {r['accuracy']:.3f} | {r['threshold']} | {_fmt(r['precision'])} "
            f"| {r['coverage']:.3f} | {r['zero_shot']:.3f} "
            f"| {'PASS' if r['goal_precision'] else 'FAIL'} "
            f"| {'PASS' if r['goal_gap'] else 'FAIL'} | {r['wall']:.0f} |"
        )

    def mean(key):
        return np.nanmean([r[key] for r in rows])

    lines.append(
        f"| mean | | {mean('grouped'):.3f} | {mean('accuracy'):.3f} | "
        f"| {_fmt(mean('precision'))} | {mean('coverage'):.3f} "
        f"| {mean('zero_shot'):.3f} "
        f"| {sum(r['goal_precision'] for r in rows)}/{len(rows)} "
        f"| {sum(r['goal_gap'] for r in rows)}/{len(rows)} | {mean('wall'):.0f} |"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("data_dir", help="folder with a manifest.csv (gtzan-mini)")
    parser.add_argument(
        "--libraries", nargs="+", choices=list(LIBRARIES), default=list(LIBRARIES)
    )
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1, 2], help="hidden artists' draws"
    )
    parser.add_argument(
        "--target-precision",
        type=float,
        default=0.9,
        help="the out-of-fold precision the learned threshold must reach",
    )
    parser.add_argument(
        "--genres",
        nargs="+",
        default=["rock", "metal", "blues", "classical", "jazz"],
        help="synthetic genres",
    )
    parser.add_argument("--songs", type=int, default=12, help="synthetic, per genre")
    parser.add_argument("--artists", type=int, default=4, help="synthetic, per genre")
    parser.add_argument(
        "--duration", type=float, default=12.0, help="synthetic songs' seconds"
    )
    parser.add_argument(
        "--cache",
        help="embedding cache and libraries' folder (default: a temporary folder)",
    )
    parser.add_argument("--out", help="also write the markdown to this file")
    args = parser.parse_args(argv)

    texts = []
    with tempfile.TemporaryDirectory(prefix="skgenre-bench-learn-") as tmp:
        args.cache = os.path.abspath(args.cache or tmp)
        for name in args.libraries:
            rows = []
            for seed in args.seeds:
                log(f"== {name}, seed {seed}")
                text, row = one_run(args, name, seed)
                rows.append(row)
                texts.append(text)
                report(text)
            if len(rows) > 1:
                texts.append(summary_table(name, rows))
                report(texts[-1])
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write("\n\n".join(texts) + "\n")


if __name__ == "__main__":
    main()
