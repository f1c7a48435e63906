"""float32 against bfloat16 for the pretrained encoder, measured side by side.

Usage: python benchmarks/bench_precision.py DATA_DIR [--seeds 0 1 2] [--folds 5]

For ``WindowEmbedder(precision=P)``, P in float32 and bfloat16, in one run on
the same songs and folds:

* patches/s of the network alone (MSD, penultimate, batch 64), the two
  precisions alternating over ``--repeats`` rounds of 2 s each;
* the cross-validated accuracy of the default pipeline, ``WindowEmbedder``
  (MSD penultimate) + ``MILSongClassifier()`` (all defaults), stratified
  ``--folds``-fold x ``--seeds`` over songs (``bench_accuracy.py``'s
  protocol);
* zero-shot genres, ``zero_shot_pipeline()`` (both taggers): the share of
  songs whose top-1 genre is the same with either precision, and each
  precision's accuracy on the genres the taggers know.

The default stays float32 unless bfloat16 keeps the cross-validated
accuracy within one standard deviation and agrees on >= 95 % of top-1
zero-shot genres.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from _common import log, protocol_data, protocol_parser, report  # noqa: E402
from bench_accuracy import markdown_table, run_method  # noqa: E402

from skgenre import WindowEmbedder  # noqa: E402
from skgenre.encoders import musicnn  # noqa: E402
from skgenre.zeroshot import TagGenreClassifier  # noqa: E402

PRECISIONS = ("float32", "bfloat16")


def patches_per_second(repeats, seconds=2.0):
    """{precision: [patches/s of each round]}, precisions alternating."""
    rng = np.random.default_rng(0)
    batch = rng.uniform(0, 3, size=(64, 187, 96)).astype(np.float32)
    rates = {p: [] for p in PRECISIONS}
    for precision in PRECISIONS:  # build and compile both first
        musicnn.encode("musicnn-msd", "penultimate", batch, precision=precision)
    for _ in range(repeats):
        for precision in PRECISIONS:
            done, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                musicnn.encode("musicnn-msd", "penultimate", batch, precision=precision)
                done += len(batch)
            rates[precision].append(done / (time.perf_counter() - start))
    return rates


def main(argv=None):
    parser = protocol_parser(__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    from skgenre import MILSongClassifier

    paths, y, splits = protocol_data(args)
    y = np.asarray(y)
    rates = patches_per_second(args.repeats)
    lines = ["| precision | patches/s (median of rounds) | rounds |", "|---|---|---|"]
    for precision, values in rates.items():
        rounds = ", ".join(f"{v:.0f}" for v in values)
        lines.append(f"| {precision} | {np.median(values):.1f} | {rounds} |")
    speed = np.median(rates["bfloat16"]) / np.median(rates["float32"])
    lines.append(f"\nbfloat16 / float32: {speed:.2f}x")
    report("\n".join(lines))

    results, taggers = [], {}
    for precision in PRECISIONS:
        start = time.perf_counter()
        X = WindowEmbedder(n_jobs=-1, precision=precision).transform(paths)
        taggram = WindowEmbedder(
            model="musicnn-msd+mtt", layer="taggram", n_jobs=-1, precision=precision
        ).transform(paths)
        log(f"{precision}: embeddings {X.shape}, {time.perf_counter() - start:.1f} s")
        taggers[precision] = taggram
        run_method(
            f"WindowEmbedder(precision={precision!r}) + MILSongClassifier()",
            "musicnn-msd penultimate",
            lambda seed: MILSongClassifier(random_state=seed),
            X,
            y,
            splits,
            results,
        )
    table = markdown_table(results)

    clf = TagGenreClassifier().fit()
    top1 = {p: clf.predict(taggers[p]) for p in PRECISIONS}
    agreement = np.mean(top1["float32"] == top1["bfloat16"])
    known = np.isin(y, clf.classes_)
    accuracy = {p: np.mean(top1[p][known] == y[known]) for p in PRECISIONS}
    means = {name: seeds.mean() for name, _, seeds, _ in results}
    stds = {name: seeds.std() for name, _, seeds, _ in results}
    f32, bf16 = (r[0] for r in results)
    within = abs(means[f32] - means[bf16]) <= stds[f32]
    report(
        table + f"\n\nZero-shot top-1 agreement between precisions: {agreement:.3f} "
        f"({int(round(agreement * len(y)))}/{len(y)} songs); accuracy on the "
        f"{known.sum()} songs of known genres: float32 {accuracy['float32']:.3f}, "
        f"bfloat16 {accuracy['bfloat16']:.3f}.\n"
        f"bfloat16 within one std of float32's CV accuracy: {within}; "
        f"agreement >= 95 %: {agreement >= 0.95}.",
        args.out,
        split=args.split,
    )


if __name__ == "__main__":
    main()
