"""The ``skgenre library`` and ``skgenre undo`` commands: a music library
tagged in place, a thin shell over :mod:`skgenre.library`.

Their shared pieces (precision, window budget, warnings as lines) stay in
:mod:`skgenre.cli`, which adds these commands to its parser.
"""

import argparse
import contextlib
import os
import sys

from .cli import (
    _max_windows_option,
    _precision_option,
    _say_windows,
    _warnings_as_lines,
)
from .encoders.musicnn import ENCODERS

__all__ = ["add_library_commands", "cmd_library", "cmd_undo"]


def _open_journal(args):
    """The journal of a write, opened before any work: a journal that cannot
    be written stops the run before it starts."""
    from .library.journal import Journal, default_journal_path

    path = args.journal or default_journal_path()
    try:
        journal = Journal(path)
    except OSError as exc:
        raise OSError(f"cannot write the journal {path!r}: {exc.strerror}") from None
    print(f"Journal: {path} (undo with: skgenre undo {path})", file=sys.stderr)
    return journal


def cmd_library(args):
    import tempfile

    from .library import load_genre_model, tag_library

    for path in args.paths:  # stop before loading the model
        if not os.path.lexists(path):
            raise FileNotFoundError(f"no such file or folder: {path!r}")
    if args.learn and args.model:
        raise ValueError("--learn learns a model: it takes no --model")
    if args.save and not args.learn:
        raise ValueError("--save keeps a model --learn learned")
    # The journal first: one that cannot be written stops the run before any
    # work (learning may take hours).  The scratch folder caches --learn's
    # embeddings for the run when no --cache is given.
    with contextlib.ExitStack() as stack:
        journal = stack.enter_context(_open_journal(args)) if args.write else None
        if args.learn:
            scratch = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="skgenre-learn-")
            )
            model, min_confidence = _learned(args, args.cache or scratch)
        else:
            model = load_genre_model(
                args.model,
                tagger=args.tagger,
                precision=args.precision or (None if args.model else "auto"),
                n_jobs=args.n_jobs,
                cache=args.cache,
                threshold=args.threshold,
                max_windows=args.max_windows,
            )
            min_confidence = 0.5 if args.min_confidence is None else args.min_confidence
        entries, leftovers = tag_library(
            args.paths,
            model,
            mode=args.mode,
            min_confidence=min_confidence,
            max_genres=args.max_genres,
            by=args.by,
            separator=args.separator,
            write=args.write,
            journal=journal,
            preserve_mtime=args.preserve_mtime,
            progress=sys.stderr.isatty() or args.progress,
            genre_names=args.genre_names,
        )
    _print_plan(args, model, entries, leftovers)


def _print_plan(args, model, entries, leftovers):
    """The plan on stdout; how it was made on stderr."""
    from .report import format_library

    if model.encoder_reason:
        print(f"Encoder: {model.encoder_reason}", file=sys.stderr)
    _say_windows(args.max_windows)
    if leftovers:
        what = "removed" if args.write else "to remove on the next --write"
        print(
            f"skgenre: {len(leftovers)} copies left by an interrupted write: {what}",
            file=sys.stderr,
        )
    print(format_library([e.record() for e in entries], fmt=args.format))
    if not args.write:
        print(
            f"Dry run ({model.identity}, {args.mode} mode): nothing was changed; "
            "--write applies this plan.",
            file=sys.stderr,
        )


def _learned(args, cache):
    """``--learn``: a model of the library's own genres, and the confidence
    its plan needs (the learned threshold unless --min-confidence is given).
    """
    from .datasets import load_library
    from .library import learn_genres

    with _warnings_as_lines():
        data = load_library(
            args.paths,
            separators=tuple(args.genre_separators),
            aliases=args.aliases,
            min_songs=args.min_songs,
        )
    print(
        f"Learning from {len(data.paths)} tagged songs; {len(data.untagged)} "
        "untagged songs to plan",
        file=sys.stderr,
    )
    model, report = learn_genres(
        data,
        target_precision=args.target_precision,
        cache=cache,
        n_jobs=args.n_jobs,
        precision=args.precision or "auto",
        progress=sys.stderr.isatty() or args.progress,
        max_windows=args.max_windows,
    )
    print(report.text, file=sys.stderr)
    if args.save:
        from .persistence import save

        save(model.pipeline, args.save, label_names=model.names)
        model.identity = f"{os.path.basename(args.save)} ({model.identity})"
        print(f"Saved model to {args.save}", file=sys.stderr)
    if args.min_confidence is not None:
        return model, args.min_confidence
    return model, report.threshold


def cmd_undo(args):
    from .library import undo
    from .report import format_library

    entries = undo(
        args.journal,
        preserve_mtime=args.preserve_mtime,
        progress=sys.stderr.isatty(),
    )
    print(format_library([e.record() for e in entries], fmt=args.format))


def _probability(text):
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a probability in [0, 1], got {text}")
    return value


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"at least 1, got {text}")
    return value


def add_library_commands(sub):
    """The ``library`` and ``undo`` commands of the parser's subcommands."""
    from .library.plan import MODES

    library = sub.add_parser(
        "library",
        help="tag a music library's genres in place, safely (a dry run unless --write)",
        description="Plan, and with --write apply, the genres of every audio file "
        "under PATH. Without --write nothing is changed. Each write goes through a "
        "checked copy and a journal; 'skgenre undo JOURNAL' puts genres back.",
    )
    library.add_argument("paths", nargs="+", metavar="PATH", help="folders or files")
    library.add_argument(
        "--model", help="a trained model file (default: the zero-shot tagger)"
    )
    library.add_argument(
        "--write", action="store_true", help="write the tags (default: a dry run)"
    )
    library.add_argument(
        "--journal",
        help="journal file (default: skgenre-journal-DATE-TIME.jsonl here); an "
        "existing one is resumed",
    )
    library.add_argument(
        "--mode",
        default="fill",
        choices=MODES,
        help="fill: only files with no genre (or only skgenre's); add: add to the "
        "genres there; replace: overwrite them",
    )
    library.add_argument(
        "--min-confidence",
        type=_probability,
        default=None,
        metavar="P",
        help="songs whose top probability is below P are 'unsure' and left alone "
        "(default 0.5: precision 0.97 at coverage 0.46 on gtzan-mini, zero-shot; "
        "with --learn, the threshold that reaches --target-precision)",
    )
    library.add_argument(
        "--max-genres",
        type=_positive,
        default=None,
        metavar="K",
        help="multi-label models: at most K genres per song",
    )
    library.add_argument(
        "--threshold",
        type=_probability,
        default=None,
        help="multi-label models: a genre's probability needed (default: the model's)",
    )
    library.add_argument(
        "--by",
        default="song",
        choices=["song", "album"],
        help="album: one decision per album (album artist or artist, plus album), "
        "the mean of its songs' probabilities",
    )
    library.add_argument(
        "--genre-names",
        metavar="CSV",
        help="the vocabulary written: a from,to table renaming the model's genres "
        "(e.g. 'Hip-Hop,Rap'); an empty 'to' is never written",
    )
    library.add_argument(
        "--separator",
        default="; ",
        help="joins genres in ID3v2.3 tags, which hold one value (default '; ')",
    )
    library.add_argument(
        "--preserve-mtime",
        action="store_true",
        help="keep each file's modification time",
    )
    library.add_argument("--format", default="table", choices=["table", "json", "csv"])
    library.add_argument("--n-jobs", type=int, default=-1, help="decoding workers")
    library.add_argument(
        "--cache",
        default=None,
        help="cache of window features: a second run costs no network time",
    )
    library.add_argument(
        "--tagger",
        default="musicnn-msd+mtt",
        choices=tuple(ENCODERS),
        help="tagger of the zero-shot genres when no model is given",
    )
    library.add_argument(
        "--progress",
        action="store_true",
        help="show progress bars even when stderr is not a terminal",
    )
    learn = library.add_argument_group(
        "learning the owner's genres",
        "--learn trains on the songs whose tags hold genres of their own and "
        "plans (or writes) the others",
    )
    learn.add_argument(
        "--learn", action="store_true", help="learn genres from the tagged songs"
    )
    learn.add_argument(
        "--target-precision",
        type=_probability,
        default=0.9,
        help="the held-out precision the learned confidence threshold must reach "
        "(default 0.9)",
    )
    learn.add_argument("--save", metavar="MODEL", help="save the learned model")
    learn.add_argument(
        "--min-songs",
        type=_positive,
        default=5,
        help="genres of fewer songs are dropped (default 5)",
    )
    learn.add_argument(
        "--genre-separators",
        default=";/,|",
        metavar="CHARS",
        help="a tagged genre is split at each of these characters (default "
        "';/,|'; leave '/' out to keep 'R&B/Soul' one name)",
    )
    learn.add_argument(
        "--aliases", metavar="CSV", help="a from,to table of genre names made one"
    )
    _precision_option(library, auto=True)
    _max_windows_option(library)
    library.set_defaults(func=cmd_library)

    undo = sub.add_parser(
        "undo", help="put back the genres a 'library --write' journal changed"
    )
    undo.add_argument("journal", help="the journal a write printed")
    undo.add_argument("--format", default="table", choices=["table", "json", "csv"])
    undo.add_argument(
        "--preserve-mtime",
        action="store_true",
        help="keep each file's modification time",
    )
    undo.set_defaults(func=cmd_undo)
