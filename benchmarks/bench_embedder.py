"""Throughput of the two feature front-ends on many songs, and of their caches.

Usage: python benchmarks/bench_embedder.py [DIR] [--n-songs N] [--n-jobs J]

DIR is a genre-per-folder tree (e.g. ../shared/data/gtzan-mini); without it,
N synthetic 30 s songs are written to a temporary folder.  For the same
songs, in one run: ``WindowEmbedder()`` (decoding and log-mel in ``n_jobs``
workers, overlapped with the network batched across songs) and
``WindowMFCCTransformer()``, each first with an empty cache and then re-run
from it; the network is built and the workers started before timing.  Reports seconds, x
real time, and the ratio first / cached.  Goals (issue [9]): the embedder at
>= 150x real time on 2 cores, a cached re-run >= 50x faster than the first.
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import soundfile as sf  # noqa: E402

from skgenre import WindowEmbedder, WindowMFCCTransformer  # noqa: E402
from skgenre.datasets import load_folder, make_songs  # noqa: E402


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", help="genre-per-folder tree")
    parser.add_argument("--n-songs", type=int, default=40)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.data:
            paths, _ = load_folder(args.data)
            paths = paths[: args.n_songs]
        else:
            paths, _ = make_songs(
                os.path.join(tmp, "songs"),
                n_per_genre=max(1, args.n_songs // 3),
                duration=30.0,
                random_state=0,
            )
        audio = sum(sf.info(p).duration for p in paths)
        # Builds the network and starts the joblib workers once, as any
        # long-running process would have (a cold start adds about 2 s).
        WindowEmbedder(n_jobs=args.n_jobs).transform(paths[:2])
        print(f"{len(paths)} songs, {audio:.0f} s of audio, n_jobs={args.n_jobs}\n")
        print("| front-end | run | seconds | x real time | first / cached |")
        print("|---|---|---|---|---|")
        for name, transformer in [
            ("WindowEmbedder()", WindowEmbedder()),
            (
                "WindowMFCCTransformer(song_length=None)",
                WindowMFCCTransformer(song_length=None),
            ),
        ]:
            transformer.set_params(
                n_jobs=args.n_jobs, memory=os.path.join(tmp, name[:14])
            )
            first, X = timed(lambda t=transformer: t.transform(paths))
            cached, X2 = timed(lambda t=transformer: t.transform(paths))
            assert (X == X2)[~(X != X)].all()  # the same values (NaN aside)
            for run, seconds in [("first", first), ("cached", cached)]:
                ratio = f"{first / cached:.0f}" if run == "cached" else ""
                print(
                    f"| {name} | {run} | {seconds:.2f} | {audio / seconds:.0f} | "
                    f"{ratio} |"
                )


if __name__ == "__main__":
    main()
