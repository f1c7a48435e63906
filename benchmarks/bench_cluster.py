"""Where the encoder runs: this process or the workers, locally and on dask.

Usage: python benchmarks/bench_cluster.py [DIR] [--n-songs N]

DIR is a genre-per-folder tree (e.g. ../shared/data/gtzan-mini); without it,
N synthetic 30 s songs are written to a temporary folder.  For the same
songs, in one run, ``WindowEmbedder().transform`` (no cache) with:

* loky, 2 workers, the network in this process (decoding workers, the
  network beside them on TensorFlow's pool: the local default);
* loky, 2 workers, the network in each worker task (what dask gets);
* a ``distributed.LocalCluster`` of 1 and of 2 worker processes (one thread
  each) under ``joblib.parallel_backend("dask")``: the network in the workers.

Every setting first runs two songs, so workers have started and loaded the
network, as in a long-running job; then the timed run.  Also printed: the
bytes a worker task sends back per song (pickled), with the network in the
workers (embeddings) and in this process (log-mel patches).
"""

import argparse
import dataclasses
import os
import pickle
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import joblib  # noqa: E402
import soundfile as sf  # noqa: E402

from skgenre import WindowEmbedder  # noqa: E402
from skgenre.datasets import load_folder, make_songs  # noqa: E402
from skgenre.frontends._extraction import _extract_and_finish, _extract_one  # noqa: E402


def run(paths, finish_in_workers=None, backend=None):
    """Seconds for ``transform(paths)`` after a two-song warm-up."""
    extraction = dataclasses.replace(
        WindowEmbedder(n_jobs=-1)._extraction(), finish_in_workers=finish_in_workers
    )
    context = joblib.parallel_backend(backend) if backend else _nothing()
    with context:
        extraction.run(paths[:2])
        start = time.perf_counter()
        extraction.run(paths)
    return time.perf_counter() - start


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def bytes_per_song(paths):
    """Pickled bytes a task returns per song: embeddings, and patches."""
    extraction = WindowEmbedder()._extraction()
    embeddings = _extract_and_finish(extraction, paths)
    patches = [
        _extract_one(extraction.front_end.compute, p, extraction.settings, False)
        for p in paths
    ]
    return (
        len(pickle.dumps(embeddings)) / len(paths),
        len(pickle.dumps(patches)) / len(paths),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", help="genre-per-folder tree")
    parser.add_argument("--n-songs", type=int, default=24)
    args = parser.parse_args(argv)
    import distributed

    with tempfile.TemporaryDirectory() as tmp:
        if args.data:
            paths = list(load_folder(args.data)[0][: args.n_songs])
        else:
            paths = list(
                make_songs(
                    os.path.join(tmp, "songs"),
                    n_per_genre=max(1, args.n_songs // 3),
                    duration=30.0,
                    random_state=0,
                )[0]
            )
        audio = sum(sf.info(p).duration for p in paths)
        print(f"{len(paths)} songs, {audio:.0f} s of audio, {os.cpu_count()} cores\n")
        rows = [
            ("loky, 2 workers", "this process", run(paths, finish_in_workers=False)),
            ("loky, 2 workers", "each worker", run(paths, finish_in_workers=True)),
        ]
        for n_workers in (1, 2):
            with (
                distributed.LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                ) as cluster,
                distributed.Client(cluster),
            ):
                seconds = run(paths, backend="dask")
            rows.append((f"dask, {n_workers} worker(s)", "each worker", seconds))
        print("| joblib backend | network runs in | seconds | songs/s | x real time |")
        print("|---|---|---|---|---|")
        for backend, where, seconds in rows:
            print(
                f"| {backend} | {where} | {seconds:.1f} | "
                f"{len(paths) / seconds:.2f} | {audio / seconds:.0f} |"
            )
        embedded, patches = bytes_per_song(paths[:4])
        print(
            f"\nBytes sent back per song (pickled, {audio / len(paths):.0f} s "
            f"songs): {embedded:,.0f} with the network in the workers, "
            f"{patches:,.0f} with it in this process ({patches / embedded:.0f}x)."
        )


if __name__ == "__main__":
    main()
