"""Memory of one training epoch from memory-mapped vs in-memory features.

Usage: python benchmarks/bench_memory.py [--sizes 1000 10000] [--dir DIR]

Writes default-shape features (n, 23, 13, 216, 1) float32 of random songs to
``.npy`` files (2.6 GB for 10,000 songs), then, each in a fresh process,
trains ``MILSongClassifier(epochs=1)`` on: the memory-mapped file for each
size, and the in-memory array of the smallest size.  A thread samples
``RssAnon`` (anonymous memory: what the process itself holds; pages of the
mapped file the kernel can drop do not count) and ``VmRSS`` every 20 ms
during ``fit``.  Reports peak anonymous and total RSS and songs per second.
Goal: the 10,000-song epoch needs at most 1.25x the peak anonymous memory of
the 1,000-song one, at comparable songs per second.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

SHAPE = (23, 13, 216, 1)


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def child(path, mode, n_classes=3):
    """Train one epoch and print peak memory and speed as JSON."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from skgenre import MILSongClassifier

    X = np.load(path, mmap_mode="r" if mode == "mmap" else None)
    y = np.arange(len(X)) % n_classes
    peaks = {"anon": 0, "rss": 0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peaks["anon"] = max(peaks["anon"], _status_kb("RssAnon"))
            peaks["rss"] = max(peaks["rss"], _status_kb("VmRSS"))
            time.sleep(0.02)

    before = _status_kb("RssAnon")
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    start = time.perf_counter()
    MILSongClassifier(epochs=1, features="mfcc", random_state=0).fit(X, y)
    seconds = time.perf_counter() - start
    stop.set()
    thread.join()
    print(
        json.dumps(
            {
                "songs": len(X),
                "mode": mode,
                "anon_before_mb": before / 1024,
                "peak_anon_mb": peaks["anon"] / 1024,
                "peak_rss_mb": peaks["rss"] / 1024,
                "songs_per_s": len(X) / seconds,
            }
        )
    )


def write_features(path, n, chunk=500):
    rng = np.random.default_rng(0)
    store = np.lib.format.open_memmap(
        path, mode="w+", dtype=np.float32, shape=(n, *SHAPE)
    )
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        store[start:stop] = rng.standard_normal(
            (stop - start, *SHAPE), dtype=np.float32
        )
    store.flush()
    del store


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--dir", default=None, help="where the .npy files go")
    parser.add_argument(
        "--child", nargs=2, metavar=("PATH", "MODE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        runs = []
        for n in sorted(args.sizes):
            path = os.path.join(tmp, f"features_{n}.npy")
            write_features(path, n)
            modes = ["mmap", "memory"] if n == min(args.sizes) else ["mmap"]
            for mode in modes:
                out = subprocess.run(
                    [sys.executable, __file__, "--child", path, mode],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                result = json.loads(out.stdout.strip().splitlines()[-1])
                print(json.dumps(result), flush=True)
                runs.append(result)
            os.remove(path)
    print()
    print("| songs | array | peak RssAnon (MB) | peak VmRSS (MB) | songs/s |")
    print("|---|---|---|---|---|")
    for r in runs:
        print(
            f"| {r['songs']} | {r['mode']} | {r['peak_anon_mb']:.0f} | "
            f"{r['peak_rss_mb']:.0f} | {r['songs_per_s']:.0f} |"
        )
    mapped = {r["songs"]: r for r in runs if r["mode"] == "mmap"}
    if len(mapped) > 1:
        small, large = mapped[min(mapped)], mapped[max(mapped)]
        print(
            f"\npeak anonymous memory, {large['songs']} vs {small['songs']} songs: "
            f"{large['peak_anon_mb'] / small['peak_anon_mb']:.2f}x (goal <= 1.25x); "
            f"speed {large['songs_per_s'] / small['songs_per_s']:.2f}x"
        )


if __name__ == "__main__":
    main()
