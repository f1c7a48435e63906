"""Steady throughput of ``WindowEmbedder`` at its defaults, both precisions.

Usage: python benchmarks/bench_throughput.py [--n-songs 40] [--n-jobs None 2]

Synthetic 30 s songs written at 16 kHz and at 22.05 kHz; for each sample
rate, precision (float32 with ``runtime="auto"``, bfloat16) and ``n_jobs``,
one warm-up song, then ``transform`` of all songs without a cache, the
settings alternating so that all are measured side by side in one run.
Prints seconds and x real time, and the per-song split of one song: decode
(and resample), log-mel + patches, and the network.
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


from skgenre import WindowEmbedder  # noqa: E402
from skgenre.audio import load_audio  # noqa: E402
from skgenre.datasets import make_songs  # noqa: E402
from skgenre.encoders import musicnn  # noqa: E402


def split(path, precision):
    """Seconds of each stage for one song (after a first call of each)."""
    times = {}
    for _ in range(2):
        start = time.perf_counter()
        y = load_audio(path, sample_rate=musicnn.SAMPLE_RATE)
        decoded = time.perf_counter()
        patches = musicnn.musicnn_patches(musicnn.musicnn_logmel(y))
        logmel = time.perf_counter()
        musicnn.encode("musicnn-msd", "penultimate", patches, precision=precision)
        network = time.perf_counter()
        times = {
            "decode + resample": decoded - start,
            "log-mel + patches": logmel - decoded,
            "network": network - logmel,
        }
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-songs", type=int, default=40)
    parser.add_argument(
        "--n-jobs", nargs="+", default=["None", "2"], help="n_jobs values"
    )
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    n_jobs = [None if j == "None" else int(j) for j in args.n_jobs]
    with tempfile.TemporaryDirectory() as tmp:
        songs = {
            rate: list(
                make_songs(
                    os.path.join(tmp, str(rate)),
                    n_per_genre=max(1, args.n_songs // 3),
                    duration=30.0,
                    sample_rate=rate,
                    random_state=0,
                )[0]
            )
            for rate in (16000, 22050)
        }
        audio = 30.0 * len(songs[16000])
        print(
            f"{len(songs[16000])} songs of 30 s per sample rate, {os.cpu_count()} cores"
        )
        print(f"runtime='auto' resolves to {musicnn.resolve_runtime()!r} for float32\n")
        results = {}
        for _ in range(args.rounds):
            for rate, paths in songs.items():
                for precision in musicnn.PRECISIONS:
                    for jobs in n_jobs:
                        embedder = WindowEmbedder(n_jobs=jobs, precision=precision)
                        embedder.transform(paths[:1])  # warm-up song
                        start = time.perf_counter()
                        embedder.transform(paths)
                        seconds = time.perf_counter() - start
                        results.setdefault((rate, precision, jobs), []).append(seconds)
        print("| sample rate | precision | n_jobs | seconds (best) | x real time |")
        print("|---|---|---|---|---|")
        for (rate, precision, jobs), seconds in results.items():
            best = min(seconds)
            print(
                f"| {rate} | {precision} | {jobs} | {best:.2f} | {audio / best:.0f} |"
            )
        print("\n| per song (16 kHz file) | float32 ms | bfloat16 ms |\n|---|---|---|")
        per = {p: split(songs[16000][0], p) for p in musicnn.PRECISIONS}
        for stage in per["float32"]:
            f32, bf16 = (1000 * per[p][stage] for p in musicnn.PRECISIONS)
            print(f"| {stage} | {f32:.0f} | {bf16:.0f} |")
        decode = split(songs[22050][0], "float32")["decode + resample"]
        print(f"\n22.05 kHz file, decode + resample: {1000 * decode:.0f} ms")


if __name__ == "__main__":
    main()
