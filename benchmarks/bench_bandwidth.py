"""Genre accuracy of a model trained on full-band music, on band-limited copies.

Usage::

    python benchmarks/bench_bandwidth.py DATA_DIR [--seeds 0] [--folds 5]
        [--epochs N] [--clf JSON] [--settings default fmax8000 ...]
        [--quick] [--out FILE]

Why
---
Real collections mix sources of different bandwidths: 16 kHz files (8 kHz of
audio bandwidth), MP3s low-passed at 16 kHz, 44.1 kHz masters.
:class:`~skgenre.WindowMFCCTransformer` resamples every file to its
``sample_rate`` (22050 Hz), but resampling does not restore the missing high
frequencies, so the upper mel bands of a band-limited file are (nearly) empty
while those of the training songs are not.  This script measures how much
accuracy a model trained on 22050 Hz music loses on such files, and whether a
band-limit augmentation while training (``MILSongClassifier(bandlimit=...)``),
a shared ``fmax`` (mel bands limited to the range every file has) or log-mel
features make the model robust to it.

Protocol
--------
``DATA_DIR`` is a genre-per-folder tree, listed with
:func:`skgenre.datasets.load_folder`.  Every song is copied once, into a
temporary folder removed at exit, as:

* ``16k``: resampled to 16000 Hz (``librosa.resample``, ``res_type="soxr_hq"``)
  and written as 16-bit FLAC at 16000 Hz, so it holds nothing above 8 kHz;
* ``8k``: resampled to 8000 Hz the same way (telephone band, nothing above
  4 kHz).

Samples are clipped to the 16-bit range before writing (resampling may
overshoot full scale slightly); the number of clipped samples is printed.

For each setting in ``--settings`` (a transformer variant, always
``WindowMFCCTransformer(song_length=None, n_jobs=-1, ...)``, and classifier
options):

* ``default``: the defaults of both (MFCCs over the full band, the
  classifier's default ``bandlimit`` augmentation);
* ``no_bandlimit``, ``bandlimit0.25``, ``bandlimit0.5``: default MFCCs,
  ``MILSongClassifier(bandlimit=0, 0.25 or 0.5)``;
* ``fmax8000`` / ``fmax4000``: ``fmax=8000`` / ``4000``, no ``bandlimit``;
* ``logmel``: ``features="logmel"`` (the classifier told so);
* ``logmel_fmax8000``: ``features="logmel", fmax=8000``, no ``bandlimit``;

the features of the original songs and of each copy are extracted once (in
parallel, with a joblib cache in the temporary folder) and indexed per fold.
For each seed, the songs are split by ``StratifiedKFold(n_splits=folds,
shuffle=True, random_state=seed)`` (the same folds for every setting).  In each
fold one ``MILSongClassifier(random_state=seed, **options, **clf)`` is fitted on the
*original* training songs and predicts the held-out songs in every version
(original, 16 kHz copies, 8 kHz copies).  A version's score for a seed is its
mean fold accuracy; the table reports the mean and the standard deviation
(``ddof=0``) of the per-seed scores, and the per-seed drop in accuracy from
the originals to the 16 kHz copies.

``--clf`` is a JSON object of ``MILSongClassifier`` parameters, e.g.
``'{"epochs": 50, "dropout": 0.3}'``; ``--epochs`` overrides its ``epochs``.
``--quick`` runs the first seed (0 by default), 3 folds, 3 epochs and the
settings ``default`` and ``no_bandlimit``: a smoke test, not a measurement.

Caveat
------
In gtzan-mini (90 GTZAN clips, 9 per genre) the clips of a genre have
consecutive GTZAN ids, which often come from the same artist or album.
Cross-validation inside it therefore puts songs of one artist on both sides
of a split and overstates the accuracy to expect on new artists; read the
drops between versions and the differences between settings, not the
absolute accuracies.
"""

import argparse
import json
import logging
import os
import tempfile
import time

import numpy as np
from _common import clear_keras, log, report, song_splits
from joblib import Parallel, delayed
from sklearn.metrics import accuracy_score

from skgenre import WindowMFCCTransformer
from skgenre.datasets import load_folder

# name -> (WindowMFCCTransformer options, MILSongClassifier options); the
# classifier is also told what the windows hold (classifier_params()).
SETTINGS = {
    "default": ({}, {}),
    "no_bandlimit": ({}, {"bandlimit": 0.0}),
    "bandlimit0.25": ({}, {"bandlimit": 0.25}),
    "bandlimit0.5": ({}, {"bandlimit": 0.5}),
    "fmax8000": ({"fmax": 8000}, {"bandlimit": 0.0}),
    "fmax4000": ({"fmax": 4000}, {"bandlimit": 0.0}),
    "logmel": ({"features": "logmel"}, {}),
    "logmel_fmax8000": ({"features": "logmel", "fmax": 8000}, {"bandlimit": 0.0}),
}
DEFAULT_SETTINGS = ("default", "no_bandlimit", "fmax8000", "logmel_fmax8000")
QUICK_SETTINGS = ("default", "no_bandlimit")
# Degraded copies: name -> sample rate (Hz) of the copy.
COPIES = {"16k": 16000, "8k": 8000}
VERSIONS = ("original", *COPIES)
RES_TYPE = "soxr_hq"
PCM16_MAX = 1.0 - 2.0**-15


# --------------------------------------------------------------------------
# Band-limited copies
# --------------------------------------------------------------------------


def _resample_copy(src, dst, target_sr):
    """Write ``src`` resampled to ``target_sr`` as 16-bit FLAC; clipped count."""
    import librosa
    import soundfile as sf

    y, sr = sf.read(src, dtype="float32", always_2d=True)  # (n_samples, channels)
    y = librosa.resample(y.T, orig_sr=sr, target_sr=target_sr, res_type=RES_TYPE).T
    n_clipped = int(np.count_nonzero(np.abs(y) > PCM16_MAX))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    sf.write(
        dst,
        np.clip(y, -1.0, PCM16_MAX),
        target_sr,
        format="FLAC",
        subtype="PCM_16",
    )
    return n_clipped


def make_copies(paths, data_dir, out_dir):
    """Band-limited copies of every song, ``{name: paths}`` in ``paths`` order."""
    copies = {}
    for name, target_sr in COPIES.items():
        start = time.perf_counter()
        dst = [
            os.path.join(
                out_dir,
                name,
                os.path.splitext(os.path.relpath(p, data_dir))[0] + ".flac",
            )
            for p in paths
        ]
        clipped = Parallel(n_jobs=-1)(
            delayed(_resample_copy)(s, d, target_sr)
            for s, d in zip(paths, dst, strict=True)
        )
        copies[name] = np.array(dst, dtype=object)
        log(
            f"{name} copies: {len(dst)} songs at {target_sr} Hz, "
            f"{sum(clipped)} samples clipped in {sum(c > 0 for c in clipped)} "
            f"songs, {time.perf_counter() - start:.1f} s"
        )
    return copies


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


def evaluate_seed(make_model, X, y, folds):
    """Fold accuracies per version: one fit per fold on the originals.

    ``X`` maps each version to its feature tensor (same song order); returns
    ``{version: ndarray of shape (n_folds,)}``.
    """
    accuracies = {version: [] for version in X}
    for train, test in folds:
        model = make_model().fit(X["original"][train], y[train])
        for version, features in X.items():
            accuracies[version].append(
                accuracy_score(y[test], model.predict(features[test]))
            )
        del model
        clear_keras()
    return {version: np.array(a) for version, a in accuracies.items()}


def _mean_std(values):
    values = np.asarray(values)
    return f"{values.mean():.3f} ± {values.std():.3f}"


def markdown_table(results):
    """``results``: list of (setting, {version: per-seed mean accuracies})."""
    lines = [
        "| setting | original | 16 kHz copies | 8 kHz copies "
        "| drop at 16 kHz (original − 16k) |",
        "|---|---|---|---|---|",
    ]
    for setting, scores in results:
        drop = scores["original"] - scores["16k"]
        lines.append(
            f"| {setting} | {_mean_std(scores['original'])} "
            f"| {_mean_std(scores['16k'])} | {_mean_std(scores['8k'])} "
            f"| {_mean_std(drop)} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def _json_dict(text):
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"invalid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object, e.g. '{}'")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("data_dir", help="genre-per-folder tree")
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0], help="StratifiedKFold seeds"
    )
    parser.add_argument("--folds", type=int, default=5, help="folds per seed")
    parser.add_argument(
        "--epochs", type=int, default=None, help="MIL epochs (overrides --clf)"
    )
    parser.add_argument(
        "--clf",
        type=_json_dict,
        default={},
        help="JSON object of MILSongClassifier parameters",
    )
    parser.add_argument(
        "--settings",
        nargs="+",
        choices=list(SETTINGS),
        default=list(DEFAULT_SETTINGS),
        metavar="SETTING",
        help=f"transformer variants among {', '.join(SETTINGS)}",
    )
    parser.add_argument("--out", help="also write the markdown table to this file")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: first seed, 3 folds, 3 epochs, default and fmax8000",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.folds, args.epochs = args.seeds[:1], 3, 3
        args.settings = list(QUICK_SETTINGS)
    args.clf = dict(args.clf)
    if args.epochs is not None:
        args.clf["epochs"] = args.epochs
    return args


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # retracing warnings
    from skgenre import MILSongClassifier

    paths, y, groups = load_folder(args.data_dir, return_groups=True)
    paths = np.array(list(paths), dtype=object)
    y = np.asarray(y)
    log(
        f"{len(paths)} songs, {len(set(y))} genres; seeds={args.seeds}, "
        f"folds={args.folds}, settings={args.settings}, clf={args.clf}"
    )
    splits, split = song_splits(y, args.seeds, args.folds, groups)
    log(split)

    results = []
    with tempfile.TemporaryDirectory(prefix="skgenre-bandwidth-") as tmp:
        versions = {"original": paths, **make_copies(paths, args.data_dir, tmp)}
        cache_dir = os.path.join(tmp, "cache")

        for setting in args.settings:
            transformer_options, clf_options = SETTINGS[setting]
            transformer = WindowMFCCTransformer(
                song_length=None, n_jobs=-1, memory=cache_dir, **transformer_options
            )
            clf_options = {**transformer.classifier_params(), **clf_options}
            X = {}
            for version, version_paths in versions.items():
                start = time.perf_counter()
                X[version] = transformer.transform(version_paths)
                log(
                    f"{setting} [{version}] features {X[version].shape}: "
                    f"{time.perf_counter() - start:.1f} s"
                )

            per_seed = {version: [] for version in VERSIONS}
            for seed, folds in splits.items():
                start = time.perf_counter()
                accuracies = evaluate_seed(
                    lambda s=seed, o=clf_options: MILSongClassifier(
                        random_state=s, **{**o, **args.clf}
                    ),
                    X,
                    y,
                    folds,
                )
                for version, a in accuracies.items():
                    per_seed[version].append(a.mean())
                log(
                    f"{setting} seed={seed}: "
                    + ", ".join(
                        f"{version}={a.mean():.3f} [{' '.join(f'{v:.3f}' for v in a)}]"
                        for version, a in accuracies.items()
                    )
                    + f" ({time.perf_counter() - start:.1f} s)"
                )
            results.append((setting, {v: np.array(m) for v, m in per_seed.items()}))
            del X

    report(markdown_table(results), args.out, split=split)


if __name__ == "__main__":
    main()
