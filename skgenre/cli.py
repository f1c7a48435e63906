"""The ``skgenre`` command: predict, library, undo, tag, train, evaluate, demo.

Errors (missing file, bad model file, undecodable audio...) are one line on
stderr and a non-zero exit code; ``--debug`` shows the traceback.
"""

import argparse
import contextlib
import sys
import warnings

import numpy as np

from ._quiet import quiet_framework
from .encoders.musicnn import ENCODERS, PRECISIONS
from .frontends.registry import FRONT_ENDS

EXIT_ERROR = 1
#: ``predict`` and ``library``: windows per song by default, spread evenly
#: (benchmarks/bench_fullsongs.py: a 4-minute song then costs about a 30 s
#: clip, at the accuracy of every window).
MAX_WINDOWS = 10


def _pipeline(args):
    from .pipelines import make_pipeline

    feature_params = {}
    if args.song_length != "default":
        feature_params["song_length"] = args.song_length
    if args.fmax is not None:
        feature_params["fmax"] = args.fmax
    if args.precision is not None:
        if args.features != "musicnn":
            raise ValueError("--precision is for the pretrained encoder (musicnn)")
        feature_params["precision"] = args.precision
    options = {"epochs": args.epochs} if args.epochs is not None else {}
    if args.window_stats:
        options["window_stats"] = True
    return make_pipeline(
        args.features,
        n_jobs=args.n_jobs,
        memory=args.cache,
        verbose=1,
        feature_params=feature_params,
        pooling=args.pooling,
        random_state=args.random_state,
        **options,
    )


def _load_quiet(path):
    """Load a model; Keras' prediction progress must not mix into stdout.

    Returns the pipeline and its class (or label) names, as text.
    """
    from .persistence import load

    pipe, label_names = load(path, return_label_names=True)
    pipe[-1].set_params(verbose=0)
    return pipe, label_names or [str(c) for c in pipe[-1].classes_]


def _is_multilabel(pipe):
    return bool(getattr(pipe[-1], "multilabel_", False))


def _label_lists(labels):
    """Whether ``labels`` hold several labels per song (lists), as load_csv
    returns them for a multi-label table."""
    return len(labels) > 0 and isinstance(labels[0], list | tuple)


@contextlib.contextmanager
def _warnings_as_lines():
    """Warnings as one ``skgenre: warning: ...`` line each on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            yield
        finally:
            for warning in caught:
                print(f"skgenre: warning: {warning.message}", file=sys.stderr)


def _labelled(source, return_groups=True):
    """``(paths, genres[, groups])`` of a tree or CSV; its warnings as lines."""
    from .datasets import load_labelled

    with _warnings_as_lines():
        return load_labelled(source, return_groups=return_groups)


def cmd_train(args):
    from .persistence import save

    paths, labels, groups = _labelled(args.data)
    label_names = None
    if _label_lists(labels):  # several genres per song: an indicator y
        from sklearn.preprocessing import MultiLabelBinarizer

        binarizer = MultiLabelBinarizer()
        labels = binarizer.fit_transform(labels)
        label_names = [str(name) for name in binarizer.classes_]
        print(
            f"Training on {len(paths)} songs, several labels per song "
            f"({labels.sum(axis=1).mean():.2f} on average): "
            f"{', '.join(label_names)}",
            file=sys.stderr,
        )
    else:
        print(
            f"Training on {len(paths)} songs, genres: {', '.join(sorted(set(labels)))}",
            file=sys.stderr,
        )
    if args.cv is not None:
        from .evaluation import cross_validate_songs

        scores = cross_validate_songs(
            _pipeline(args),
            paths,
            labels,
            groups,
            n_splits=args.cv,
            random_state=args.random_state,
        )
        what = "accuracy" if label_names is None else "score"
        print(f"Cross-validated {what}, {scores.line}")
    pipe = _pipeline(args).fit(paths, labels)
    pipe[-1].set_params(verbose=0)  # quiet predictions once loaded
    save(pipe, args.out, label_names=label_names)
    print(f"Saved model to {args.out}", file=sys.stderr)


def _model_and_files(args):
    """``predict``'s model file (None: the zero-shot tagger) and audio files."""
    model, files = args.model, args.files
    if model is None and len(files) > 1 and files[0].endswith(".skgenre"):
        model, files = files[0], files[1:]  # the positional form: MODEL FILE...
    return model, files


def _predictor(args):
    """The trained pipeline of ``--model``, or the zero-shot tagger pipeline,
    with the encoder set for the files (folders walked once, here)."""
    from .encoders.choice import encoder_choice
    from .library.scan import find_audio_files

    model, paths = _model_and_files(args)
    # The pretrained tagger's default is "auto"; a model file keeps its own.
    precision = args.precision or (None if model else "auto")
    if model is None:
        from .zeroshot import zero_shot_pipeline

        if args.threshold is not None:
            raise ValueError("--threshold is for multi-label models (--model)")
        pipe = zero_shot_pipeline(args.tagger, n_jobs=-1)
        names = [str(c) for c in pipe[-1].classes_]
    else:
        pipe, names = _load_quiet(model)
        if args.threshold is not None and not _is_multilabel(pipe):
            raise ValueError(f"--threshold: {model} is not a multi-label model")
        if precision is not None and "precision" not in pipe[0].get_params():
            raise ValueError(
                f"--precision: {model} does not use the pretrained encoder"
            )
    files = find_audio_files(paths)  # once the model is known to load
    choice = encoder_choice(len(files), precision) if precision == "auto" else None
    if args.max_windows is not None and "max_windows" in pipe[0].get_params():
        pipe[0].set_params(max_windows=args.max_windows)
    if choice is not None:
        pipe[0].set_params(precision=choice.precision, runtime=choice.runtime)
        _say_encoder(choice, len(files), args.max_windows)
    elif precision is not None:
        pipe[0].set_params(precision=precision)
    return pipe, names, files


def _say_windows(max_windows):
    what = "every window" if max_windows is None else f"at most {max_windows}"
    print(f"Windows: {what} per song, spread evenly (--max-windows)", file=sys.stderr)


def _max_windows(text):
    if text.lower() == "all":
        return None
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"at least 1 (or 'all'), got {text}")
    return value


def _max_windows_option(parser):
    parser.add_argument(
        "--max-windows",
        type=_max_windows,
        default=MAX_WINDOWS,
        metavar="M",
        help=f"at most M windows per song, spread evenly over it; only their audio "
        f"is decoded (default {MAX_WINDOWS}: a 4-minute song at the cost of a clip; "
        "'all': every window)",
    )


def _say_encoder(choice, n_songs, max_windows):
    """Stderr lines on how the encoder runs and how many windows, for bulk
    work (a few songs run float32 as always, and ``predict``'s stderr stays
    empty)."""
    from .encoders.choice import BULK_SONGS

    if n_songs >= BULK_SONGS:
        print(f"Encoder: {choice.line}", file=sys.stderr)
        _say_windows(max_windows)


def cmd_predict(args):
    import functools

    from .padding import real_windows
    from .report import (
        format_label_predictions,
        format_predictions,
        label_record,
        prediction_record,
    )

    pipe, classes, files = _predictor(args)
    transformer, clf = pipe[0], pipe[-1]
    X = transformer.transform(files)
    proba = pipe[1:].predict_proba(X)  # SongPooling, scalers... then the model
    if _is_multilabel(pipe):
        threshold = clf.threshold if args.threshold is None else args.threshold
        record = functools.partial(label_record, classes, threshold=threshold)
        formatted = functools.partial(format_label_predictions, names=classes)
    else:
        record = functools.partial(prediction_record, classes)
        formatted = functools.partial(format_predictions, classes=classes)
    rows = [record(p, path=path) for path, p in zip(files, proba, strict=True)]
    if args.windows:
        window_proba = clf.predict_window_proba(X)
        real = real_windows(window_proba)
        for row, path, wp, keep in zip(rows, files, window_proba, real, strict=True):
            # Each song's own starts: with max_windows they depend on its length.
            starts = transformer.song_window_starts(path)
            row["windows"] = [
                record(p, start=round(float(t), 3))
                for t, p in zip(starts, wp[keep], strict=True)
            ]
    print(formatted(rows, fmt=args.format))


def cmd_tag(args):
    from .frontends.embedder import WindowEmbedder
    from .report import format_tags
    from .zeroshot import song_tags

    embedder = WindowEmbedder(
        model=args.tagger, layer="taggram", n_jobs=-1, precision=args.precision
    )
    taggram = embedder.transform(args.files)
    names = embedder.get_feature_names_out()
    print(format_tags(args.files, song_tags(taggram), names, args.top, args.format))
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        from .plotting import plot_taggram

        figure = plot_taggram(taggram, names, args.files, embedder.feature_settings())
        figure.savefig(args.plot, dpi=120)
        print(f"Saved taggram to {args.plot}", file=sys.stderr)


def cmd_evaluate(args):
    from sklearn.metrics import accuracy_score, classification_report

    from .report import format_confusion

    pipe, names = _load_quiet(args.model)
    paths, labels = _labelled(args.data, return_groups=False)
    if _is_multilabel(pipe):
        return _evaluate_labels(args, pipe, names, paths, labels)
    predicted = pipe.predict(paths)
    classes = np.unique(
        np.concatenate([np.asarray(labels, dtype=object), pipe.classes_])
    )
    print(f"Accuracy: {accuracy_score(labels, predicted):.3f} on {len(paths)} songs")
    print(classification_report(labels, predicted, zero_division=0))
    print(format_confusion(labels, predicted, classes))
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        from .plotting import plot_confusion_matrix

        display = plot_confusion_matrix(labels, predicted, labels=classes)
        display.figure_.tight_layout()
        display.figure_.savefig(args.plot, dpi=120)
        print(f"Saved confusion matrix to {args.plot}", file=sys.stderr)


def _evaluate_labels(args, pipe, names, paths, labels):
    """``evaluate`` of a multi-label model: per-label and averaged scores."""
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    from .report import format_label_report

    if args.plot:
        raise ValueError("--plot draws a confusion matrix: single-label models only")
    lists = labels if _label_lists(labels) else [[label] for label in labels]
    unknown = sorted({label for song in lists for label in song} - set(names))
    if unknown:
        print(
            f"skgenre: warning: labels the model does not know are left out: "
            f"{', '.join(unknown)}",
            file=sys.stderr,
        )
    known = [[label for label in song if label in names] for song in lists]
    Y = MultiLabelBinarizer(classes=names).fit_transform(known)
    transformer, clf = pipe[0], pipe[-1]
    X = transformer.transform(paths)
    proba = clf.predict_proba(X)
    predicted = clf.predict(X)
    micro = f1_score(Y, predicted, average="micro", zero_division=0)
    macro = f1_score(Y, predicted, average="macro", zero_division=0)
    print(
        f"Micro-F1: {micro:.3f}, macro-F1: {macro:.3f} on {len(paths)} songs "
        f"(threshold {clf.threshold:g})"
    )
    print(format_label_report(Y, predicted, proba, names))


def cmd_demo(args):
    from .demo import run

    run(
        args.data,
        features=args.features,
        folds=args.folds,
        epochs=args.epochs,
        song_length=30.0 if args.song_length == "default" else args.song_length,
        random_state=args.random_state,
    )


def _encoder_only(args):
    """Whether the command runs only the pretrained encoder (no classifier)."""
    if args.command == "tag":
        return True
    if args.command == "library":
        return args.model is None and not args.learn
    return args.command == "predict" and _model_and_files(args)[0] is None


def _onnx_only(args):
    """Whether ONNX Runtime runs all the command's networks (or there are
    none): no framework is imported, so there is nothing to quiet (and
    nothing to wait for)."""
    from .encoders.choice import BULK_SONGS
    from .encoders.musicnn import resolve_runtime
    from .library.scan import find_audio_files

    if args.command == "undo":
        return True
    if not _encoder_only(args):
        return False
    precision = getattr(args, "precision", None) or "float32"
    if args.command in ("predict", "library") and precision in ("auto", "float32"):
        # What encoder_choice gives a few songs: float32, quickest to start.
        paths = args.paths if args.command == "library" else _model_and_files(args)[1]
        if len(find_audio_files(paths)) >= BULK_SONGS:
            return False
        precision = "float32"
    return resolve_runtime("auto", precision) == "onnx"


def _folds(text):
    k = int(text)
    if k < 2:
        raise argparse.ArgumentTypeError(f"needs at least 2 folds, got {k}")
    return k


def _song_length(text):
    if text.lower() in ("default", "none"):
        return None if text.lower() == "none" else "default"
    return float(text)


def _precision_option(parser, default=None, auto=False):
    parser.add_argument(
        "--precision",
        default=default,
        choices=(*PRECISIONS, "auto") if auto else tuple(PRECISIONS),
        help="compute precision of the pretrained encoder (bfloat16: faster on "
        "CPUs with AVX512-BF16, slightly different results"
        + (
            "; auto, the default of the pretrained tagger: bfloat16 for 16 songs "
            "or more where the CPU computes it natively, with the runtime "
            "measured fastest here, else float32 on the quickest to start)"
            if auto
            else ")"
        ),
    )


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skgenre", description="Music genre classification from audio."
    )
    parser.add_argument(
        "--debug",
        "-v",
        action="store_true",
        help="show tracebacks and TensorFlow's own messages",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a model on labelled songs")
    train.add_argument(
        "data",
        help="genre-per-folder tree, or CSV with path,genre[,artist] (several "
        "genres per song: a genres column split at ';', or repeated rows)",
    )
    train.add_argument("--out", required=True, help="model file to write")
    train.add_argument(
        "--cv",
        type=_folds,
        default=None,
        metavar="K",
        help="first print K-fold cross-validated accuracy over songs, grouped by "
        "artist (from tags or the CSV's artist column) where artists are known",
    )
    train.add_argument("--epochs", type=int, default=None)
    train.add_argument(
        "--pooling",
        default="auto",
        choices=["auto", "mean", "max", "lse", "autopool", "attention"],
        help="auto: mean for one genre per song, lse for several",
    )
    train.add_argument(
        "--features",
        default=next(iter(FRONT_ENDS)),
        choices=tuple(FRONT_ENDS),
        help="; ".join(f"{name}: {spec.help}" for name, spec in FRONT_ENDS.items()),
    )
    train.add_argument(
        "--window-stats",
        action="store_true",
        help="add per-band window statistics to the CNN (more accurate)",
    )
    train.add_argument(
        "--song-length",
        type=_song_length,
        default="default",
        help="seconds per song, or 'none' for whole songs (default: whole songs "
        "for musicnn, 60 s for mfcc and logmel)",
    )
    train.add_argument(
        "--fmax", type=float, default=None, help="mel filterbank top (Hz)"
    )
    _precision_option(train)
    train.add_argument("--n-jobs", type=int, default=-1)
    train.add_argument("--cache", default=None, help="feature cache directory")
    train.add_argument("--random-state", type=int, default=0)
    train.set_defaults(func=cmd_train)

    predict = sub.add_parser(
        "predict",
        help="genre and probabilities per file (no model: the pretrained tagger)",
    )
    predict.add_argument(
        "files", nargs="+", help="audio files or folders ([MODEL] PATH...)"
    )
    predict.add_argument("--model", help="a trained model file (skgenre train)")
    predict.add_argument(
        "--tagger",
        default="musicnn-msd+mtt",
        choices=tuple(ENCODERS),
        help="tagger of the zero-shot genres when no model is given",
    )
    predict.add_argument("--format", default="table", choices=["table", "json", "csv"])
    predict.add_argument("--windows", action="store_true", help="add per-window genres")
    predict.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="multi-label models: labels with at least this probability are "
        "printed (default: the model's, 0.5)",
    )
    _precision_option(predict, auto=True)
    _max_windows_option(predict)
    predict.set_defaults(func=cmd_predict)

    from ._cli_library import add_library_commands

    add_library_commands(sub)
    tag = sub.add_parser("tag", help="top tags per file, by the pretrained tagger")
    tag.add_argument("files", nargs="+")
    tag.add_argument("--top", type=int, default=10, help="tags per file")
    tag.add_argument("--tagger", default="musicnn-msd", choices=tuple(ENCODERS))
    tag.add_argument("--format", default="table", choices=["table", "json", "csv"])
    tag.add_argument("--plot", help="save the taggram (tags x time) as an image")
    _precision_option(tag, default="float32")
    tag.set_defaults(func=cmd_tag)

    evaluate = sub.add_parser(
        "evaluate",
        help="accuracy on labelled songs (multi-label: per-label precision, "
        "recall, F1 and ROC-AUC)",
    )
    evaluate.add_argument("model")
    evaluate.add_argument("data", help="genre-per-folder tree or CSV with path,genre")
    evaluate.add_argument("--plot", help="save the confusion matrix as an image")
    evaluate.set_defaults(func=cmd_evaluate)

    demo = sub.add_parser("demo", help="train and evaluate on synthetic songs")
    demo.add_argument("--data", default=None, help="genre-per-folder tree instead")
    demo.add_argument(
        "--features", default=next(iter(FRONT_ENDS)), choices=tuple(FRONT_ENDS)
    )
    demo.add_argument("--folds", type=int, default=5)
    demo.add_argument("--epochs", type=int, default=None)
    demo.add_argument(
        "--song-length",
        type=_song_length,
        default=30.0,
        help="seconds per song, or 'none' for whole songs",
    )
    demo.add_argument("--random-state", type=int, default=0)
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv=None):
    """Run the ``skgenre`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if not args.debug and not _onnx_only(args):
            # Before anything imports TensorFlow; the pretrained encoder alone
            # does not need it under the JAX or PyTorch backends.
            quiet_framework(tensorflow=not _encoder_only(args))
        args.func(args)
    except KeyboardInterrupt:
        print("skgenre: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear line unless --debug
        if args.debug:
            raise
        print(f"skgenre: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return 0


def console():
    """Entry point of the ``skgenre`` console script and ``python -m skgenre``.

    The process ends right after the command: its objects are frozen out of
    the garbage collector's reach, which would otherwise walk scikit-learn's,
    SciPy's and pandas' for ~0.3 s at exit.
    """
    import gc

    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
