"""The pretrained encoder on the backend and device in use (a GPU, ideally).

Usage: KERAS_BACKEND=jax python benchmarks/bench_gpu.py
       [--batch-sizes 256 1024 4096] [--n-jobs 1 8 16] [--n-songs 480]

Prints, for the Keras backend in use (KERAS_BACKEND): the device; musicnn's
patches/s (MSD network, penultimate layer) at each batch size, after one
compiling batch, over at least 2 s; end-to-end ``WindowEmbedder`` songs/s
(30 s synthetic songs, 24 distinct files read over and over, no cache,
``batch_size=256``) for each ``n_jobs``, after a warm-up; and the largest
difference of both networks' outputs to the original TF1 graph's (the
fixture in ``tests/data``).  Runs in under 5 minutes on a GPU; on a CPU use
small batch sizes and few songs.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from skgenre import WindowEmbedder  # noqa: E402
from skgenre.datasets import make_songs  # noqa: E402
from skgenre.encoders import musicnn  # noqa: E402
from skgenre.encoders.backends import backend, device_name  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "data" / "musicnn_fixture.npz"


def patches_per_second(batch_size, seconds=2.0):
    """Throughput of one network at one batch size, compilation excluded."""
    rng = np.random.default_rng(0)
    batch = rng.uniform(0, 3, size=(batch_size, 187, 96)).astype(np.float32)
    musicnn.encode("musicnn-msd", "penultimate", batch, batch_size=batch_size)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        musicnn.encode("musicnn-msd", "penultimate", batch, batch_size=batch_size)
        done += batch_size
    return done / (time.perf_counter() - start)


def fixture_difference():
    """Largest absolute difference to the original graph, both networks."""
    worst = 0.0
    with np.load(FIXTURE) as fixture:
        for name, prefix in (("musicnn-msd", "msd"), ("musicnn-mtt", "mtt")):
            for layer in ("taggram", "penultimate"):
                out = musicnn.encode(name, layer, fixture["logmel"])
                worst = max(
                    worst, float(np.abs(out - fixture[f"{prefix}_{layer}"]).max())
                )
    return worst


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1, 8, 16])
    parser.add_argument("--n-songs", type=int, default=480)
    args = parser.parse_args(argv)
    print(f"backend: {backend()}, device: {device_name()}, {os.cpu_count()} CPU cores")
    print("\n| batch size | patches/s |\n|---|---|")
    for batch_size in args.batch_sizes:
        print(f"| {batch_size} | {patches_per_second(batch_size):,.0f} |", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        distinct = make_songs(tmp, n_per_genre=8, duration=30.0, random_state=0)[0]
        paths = [distinct[i % len(distinct)] for i in range(args.n_songs)]
        print(
            f"\n{len(paths)} songs of 30 s ({len(distinct)} files)\n"
            "\n| n_jobs | seconds | songs/s | x real time |\n|---|---|---|---|"
        )
        for n_jobs in args.n_jobs:
            embedder = WindowEmbedder(n_jobs=n_jobs, batch_size=256)
            embedder.transform(paths[:n_jobs])  # workers started, network built
            start = time.perf_counter()
            embedder.transform(paths)
            seconds = time.perf_counter() - start
            print(
                f"| {n_jobs} | {seconds:.1f} | {len(paths) / seconds:.1f} | "
                f"{30 * len(paths) / seconds:,.0f} |",
                flush=True,
            )
    print(f"\nlargest difference to the original graph: {fixture_difference():.1e}")


if __name__ == "__main__":
    main()
