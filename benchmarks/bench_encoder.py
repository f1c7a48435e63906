"""Cost of the musicnn window encoder per 30 s song, next to decoding and log-mel.

Usage: python benchmarks/bench_encoder.py [--wheel DIR] [--threads 1 2]
[--repeats N] [--song FILE]

For one 30 s excerpt of a shipped recording (10 patches of 187 frames), times
decoding (``librosa.load`` at 16 kHz), :func:`skgenre.encoders.musicnn.musicnn_logmel`
+ patching, the Keras port (:func:`skgenre.encoders.musicnn.encode`, what
``WindowEmbedder`` runs), both front-ends end to end (``WindowMFCCTransformer``
and ``WindowEmbedder``, decoding included) and, with ``--wheel DIR`` (the
unzipped musicnn-0.1.0 wheel), the ORIGINAL TF1 graph on the same patches and
outputs.  TensorFlow's thread pools can only be sized before it starts, so
each thread count runs in a subprocess of its own (numpy's BLAS pools are
limited too); port and original calls alternate, so that both meet the same
load.  Reports the median wall time and process CPU time per song, x real
time, and the port/original ratio of wall times; the port's outputs are
checked against the original's.  On a shared machine, trust the CPU column:
wall times then include waiting.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = Path(__file__).resolve().parents[1]
SONG = REPO / "skgenre" / "data" / "Kevin_MacLeod_-_Vibe_Ace.ogg"
SECONDS = 30.0


def timed(function, repeats):
    """(median wall ms, median CPU ms, last result) over ``repeats`` calls."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    walls.sort()
    cpus.sort()
    return 1000 * walls[len(walls) // 2], 1000 * cpus[len(cpus) // 2], result


def worker(args):
    """Measure everything with ``args.worker`` threads; print JSON rows."""
    import librosa
    import numpy as np
    import tensorflow as tf
    from threadpoolctl import threadpool_limits

    threads = args.worker
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    threadpool_limits(threads)
    sys.path.insert(0, str(REPO))
    from skgenre.encoders import musicnn

    rows = []

    def add(step, wall, cpu):
        rows.append({"step": step, "threads": threads, "wall": wall, "cpu": cpu})

    def decode():
        return librosa.load(args.song, sr=musicnn.SAMPLE_RATE, duration=SECONDS)[0]

    y = decode()
    add("decode (librosa.load, 16 kHz)", *timed(decode, args.repeats)[:2])
    wall, cpu, patches = timed(
        lambda: musicnn.musicnn_patches(musicnn.musicnn_logmel(y)), args.repeats
    )
    add("log-mel + patches", wall, cpu)
    assert patches.shape == (10, 187, 96), patches.shape

    # Port and original calls alternate, so that both meet the same load.
    candidates = {}
    if args.wheel:
        sys.path.insert(0, str(REPO / "scripts"))
        from convert_musicnn import checkpoint_dir, original_session

        model_dir = checkpoint_dir(args.wheel, "musicnn-msd")
        run, session = original_session(model_dir, threads=threads)
        for layer in args.layers:
            candidates[f"original TF1 graph, {layer}"] = lambda layer=layer: run(
                patches, outputs=(layer,)
            )[layer]
    for layer in args.layers:
        # What WindowEmbedder runs: one trace for any number of patches.
        candidates[f"Keras port, {layer}"] = lambda layer=layer: musicnn.encode(
            "musicnn-msd", layer, patches
        )
    outputs = {step: function() for step, function in candidates.items()}  # warm-up
    samples = {step: [] for step in candidates}
    for _ in range(args.repeats):
        for step, function in candidates.items():
            samples[step].append(timed(function, 1)[:2])
    for step, values in samples.items():
        walls, cpus = (sorted(column) for column in zip(*values, strict=True))
        add(step, walls[len(walls) // 2], cpus[len(cpus) // 2])
        original = outputs.get(step.replace("Keras port", "original TF1 graph"))
        if step.startswith("Keras port") and original is not None:
            rows[-1]["diff"] = float(np.abs(outputs[step] - original).max())
    # The two front-ends end to end on the same excerpt (decoding included).
    from skgenre import WindowEmbedder, WindowMFCCTransformer

    for step, transformer in [
        ("WindowMFCCTransformer (13 MFCC, 22050 Hz)", WindowMFCCTransformer()),
        ("WindowEmbedder (penultimate)", WindowEmbedder()),
    ]:
        transformer.set_params(song_length=SECONDS)
        transformer.transform([args.song])  # warm-up (builds the network)
        add(
            step,
            *timed(lambda t=transformer: t.transform([args.song]), args.repeats)[:2],
        )
    print("ROWS " + json.dumps(rows), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheel", help="unzipped musicnn-0.1.0 wheel directory")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--song", default=str(SONG))
    parser.add_argument("--layers", nargs="+", default=["penultimate", "taggram"])
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    if args.wheel and not (Path(args.wheel) / "musicnn" / "MSD_musicnn").is_dir():
        print(f"no musicnn/MSD_musicnn in {args.wheel}: skipping the original")
        args.wheel = None
    if not args.wheel:
        print("original TF1 graph not timed (pass --wheel DIR, the unzipped wheel)")

    rows = []
    for threads in args.threads:
        command = [sys.executable, __file__, "--worker", str(threads)]
        command += ["--repeats", str(args.repeats), "--song", args.song]
        command += ["--layers", *args.layers]
        command += ["--wheel", args.wheel] if args.wheel else []
        out = subprocess.run(command, check=True, capture_output=True, text=True)
        (line,) = [x for x in out.stdout.splitlines() if x.startswith("ROWS ")]
        rows += json.loads(line[5:])

    original = {
        (row["threads"], row["step"].split(", ")[-1]): row["wall"]
        for row in rows
        if row["step"].startswith("original")
    }
    print(
        f"\n{Path(args.song).name}, {SECONDS:.0f} s (10 patches), median of "
        f"{args.repeats}\n"
    )
    header = "| step | threads | ms/song | CPU ms/song | x real time | port/original |"
    print(header)
    print("|" + "|".join("---" for _ in range(6)) + "|")
    for row in rows:
        ratio = ""
        if row["step"].startswith("Keras port"):
            base = original.get((row["threads"], row["step"].split(", ")[-1]))
            if base:
                ratio = f"{row['wall'] / base:.2f}"
        print(
            f"| {row['step']} | {row['threads']} | {row['wall']:.1f} | "
            f"{row['cpu']:.1f} | {1000 * SECONDS / row['wall']:.0f} | {ratio} |"
        )
    diffs = [row["diff"] for row in rows if "diff" in row]
    if diffs:
        print(f"\nport vs original: max abs difference {max(diffs):.1e}")


if __name__ == "__main__":
    main()
