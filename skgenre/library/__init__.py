"""Tag a music library in place, safely: scan, plan, apply, undo.

The ``skgenre library`` and ``skgenre undo`` commands are a thin shell over
these functions::

    from skgenre.library import apply_plan, load_genre_model, tag_library, undo

    model = load_genre_model()                      # zero-shot, or a model file
    entries, _ = tag_library(["Music"], model)      # the dry run: a plan, as data
    [e.record() for e in entries]                   # path, action, genres...
    apply_plan(entries, "journal.jsonl")            # checked copies, journalled
    undo("journal.jsonl")                           # genres as they were

:func:`learn_genres` learns a model from the songs their owner tagged
(:func:`skgenre.datasets.load_library`).  :func:`tag_library` scans
(:func:`scan`), predicts the songs whose plan needs it
(:func:`needs_prediction`, :meth:`GenreModel.predict_proba`) and plans
(:func:`plan`).
"""

from .apply import UndoEntry, apply_plan, remove_leftovers, undo, write_genres
from .formats import TagError, TagFile, UntaggableError, open_tags, read_genres
from .journal import Journal, default_journal_path, read_journal
from .learn import LearnReport, learn_genres
from .plan import ACTIONS, MODES, PlanEntry, decide, needs_prediction, plan
from .predict import GenreModel, load_genre_model
from .scan import LibraryFile, find_audio_files, scan
from .tagging import tag_library

__all__ = [
    "ACTIONS",
    "MODES",
    "GenreModel",
    "Journal",
    "LearnReport",
    "LibraryFile",
    "PlanEntry",
    "TagError",
    "TagFile",
    "UndoEntry",
    "UntaggableError",
    "apply_plan",
    "decide",
    "default_journal_path",
    "find_audio_files",
    "learn_genres",
    "load_genre_model",
    "needs_prediction",
    "open_tags",
    "plan",
    "read_genres",
    "read_journal",
    "remove_leftovers",
    "scan",
    "tag_library",
    "undo",
    "write_genres",
]
