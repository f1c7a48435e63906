"""A plan: what tagging a library would do to each file, as data.

The dry run prints the plan; ``--write`` applies the same plan
(:func:`skgenre.library.apply.apply_plan`), so what a user reviews is what
happens.  Each file gets one action:

``write``
    Its genres are (or would be) written.
``keep``
    Nothing to change: the file holds its own genres (``fill``), or
    already holds what would be written.
``unsure``
    The song's top probability is below ``min_confidence``: skgenre does
    not know, and writes nothing.
``skip``
    It cannot be tagged safely: a format without tags, several hard links,
    the same file as another path.
``error``
    Its tags or audio could not be read, or writing failed.
"""

import datetime
from dataclasses import dataclass, field

import numpy as np

from .._version import __version__
from .formats import same_genres

__all__ = ["ACTIONS", "MODES", "PlanEntry", "decide", "needs_prediction", "plan"]

ACTIONS = ("write", "keep", "unsure", "skip", "error")
MODES = ("fill", "add", "replace")


@dataclass
class PlanEntry:
    """What tagging does to one file.

    Attributes
    ----------
    file : skgenre.library.scan.LibraryFile
    action : {"write", "keep", "unsure", "skip", "error"}
    genres : list of str
        What is written (the whole genre field), empty unless ``write``.
    confidence : float or None
        The song's (or album's) top probability; None if not predicted.
    reason : str
        One line, for every action but ``write``.
    provenance : dict or None
        The provenance record written with the genres.
    """

    file: object
    action: str
    genres: list = field(default_factory=list)
    confidence: float | None = None
    reason: str = ""
    provenance: dict | None = None

    def record(self):
        """The entry as JSON-able data: path, action, current, genres,
        confidence, reason."""
        return {
            "path": self.file.display_path,
            "action": self.action,
            "current": list(self.file.genres),
            "genres": list(self.genres) if self.action == "write" else [],
            "confidence": None
            if self.confidence is None
            else round(float(self.confidence), 4),
            "reason": self.reason,
        }


def _own_genres(file):
    """Whether the file's genres are all skgenre's, unchanged since written."""
    prov = file.provenance
    if not prov or not file.genres:
        return False
    written = prov.get("genres") or []
    added = prov.get("added", written)
    return same_genres(file.genres, written) and same_genres(written, added)


def needs_prediction(file, mode):
    """Whether the file's plan depends on its predicted genres.

    Files that cannot be tagged, and in ``fill`` mode files holding genres
    of their own, are decided without running the model.
    """
    if file.problem is not None:
        return False
    return mode != "fill" or not file.genres or _own_genres(file)


def decide(proba, names, *, multilabel=False, threshold=None, max_genres=None):
    """The genres one song's probabilities name, and its confidence.

    Parameters
    ----------
    proba : ndarray of shape (n_genres,)
    names : list of str
    multilabel : bool, default=False
        Several genres per song: those at or above ``threshold``, most
        probable first, at most ``max_genres``.  Otherwise the most
        probable genre.
    threshold : float or None
    max_genres : int or None

    Returns
    -------
    genres : list of str
    confidence : float
        The top probability.
    """
    order = np.argsort(-proba, kind="stable")
    confidence = float(proba[order[0]])
    if not multilabel:
        return [names[order[0]]], confidence
    genres = [names[k] for k in order if proba[k] >= threshold]
    return genres[:max_genres] if max_genres else genres, confidence


def _album_proba(files, proba):
    """Each file's probabilities replaced by its album's mean (the mean
    vote, one level up); files without album tags keep their own."""
    albums = {}
    for i, file in enumerate(files):
        if file.album is not None and not np.isnan(proba[i]).any():
            albums.setdefault(file.album, []).append(i)
    pooled = proba.copy()
    sizes = np.ones(len(files), dtype=int)
    for members in albums.values():
        pooled[members] = proba[members].mean(axis=0)
        sizes[members] = len(members)
    return pooled, sizes


def plan(
    files,
    proba,
    names,
    *,
    errors=None,
    model="",
    mode="fill",
    min_confidence=0.5,
    max_genres=None,
    by="song",
    multilabel=False,
    threshold=None,
    settings=None,
):
    """Decide what to do to every file.

    Parameters
    ----------
    files : list of LibraryFile
        :func:`skgenre.library.scan.scan` of the library.
    proba : ndarray of shape (n_files, n_genres)
        Each file's genre probabilities; NaN rows where not predicted
        (:func:`needs_prediction` false) or failed.
    names : list of str
        The genre of each column, as written; an empty name is never
        written (its songs are ``keep``).
    errors : dict of str to str or None
        Why a file's audio could not be decoded, by path.
    model : str
        The model's identity, for provenance.
    mode : {"fill", "add", "replace"}, default="fill"
        ``fill`` writes only to files with no genre, or with only genres
        skgenre wrote and nobody changed since; ``add`` adds the predicted
        genres to the existing ones (no duplicates, whatever the case);
        ``replace`` overwrites.
    min_confidence : float, default=0.5
        A song whose top probability is below it is ``unsure``.
    max_genres : int or None
        Multi-label models: at most this many genres.
    by : {"song", "album"}, default="song"
        ``album``: the tracks of one album (album artist, or else artist,
        plus album) get one decision, from the mean of their
        probabilities.
    multilabel, threshold
        See :func:`decide`.
    settings : dict or None
        Other settings the provenance records.

    Returns
    -------
    entries : list of PlanEntry
        One per file, in order.
    """
    errors = errors or {}
    proba = np.asarray(proba, dtype=float)
    sizes = np.ones(len(files), dtype=int)
    if by == "album":
        proba, sizes = _album_proba(files, proba)
    recorded = {
        **(settings or {}),
        "by": by,
        **({"max_genres": max_genres} if max_genres else {}),
        **({"threshold": threshold} if multilabel else {}),
    }
    date = datetime.date.today().isoformat()
    entries = []
    for file, p, size in zip(files, proba, sizes, strict=True):
        if file.problem is not None:
            entries.append(PlanEntry(file, *file.problem[:1], reason=file.problem[1]))
            continue
        if not needs_prediction(file, mode):
            entries.append(
                PlanEntry(
                    file,
                    "keep",
                    reason=f"holds its own genres ({'; '.join(file.genres)}); "
                    "fill mode keeps them",
                )
            )
            continue
        if file.path in errors or np.isnan(p).any():
            reason = errors.get(file.path, "not predicted")
            entries.append(PlanEntry(file, "error", reason=f"audio: {reason}"))
            continue
        genres, confidence = decide(
            p, names, multilabel=multilabel, threshold=threshold, max_genres=max_genres
        )
        left_out = [g for g in genres if not g]  # an empty name: never written
        genres = [g for g in genres if g]
        what = f"the album's {size} tracks'" if size > 1 else "the song's"
        if confidence < min_confidence:
            entries.append(
                PlanEntry(
                    file,
                    "unsure",
                    confidence=confidence,
                    reason=f"{what} top probability {confidence:.2f} is below "
                    f"{min_confidence:g} ({names[int(np.argmax(p))]})",
                )
            )
            continue
        if not genres and left_out:
            entries.append(
                PlanEntry(
                    file,
                    "keep",
                    confidence=confidence,
                    reason="its genre is left out of the written names",
                )
            )
            continue
        if not genres:
            entries.append(
                PlanEntry(
                    file,
                    "unsure",
                    confidence=confidence,
                    reason=f"no genre reaches the model's threshold {threshold:g}",
                )
            )
            continue
        current = [] if mode == "fill" else list(file.genres)
        if mode == "replace":
            current = []
        folded = {" ".join(g.split()).casefold() for g in current}
        added = [g for g in genres if " ".join(g.split()).casefold() not in folded]
        new = current + added
        if same_genres(new, file.genres):
            entries.append(
                PlanEntry(
                    file,
                    "keep",
                    confidence=confidence,
                    reason=f"already holds {'; '.join(file.genres)}",
                )
            )
            continue
        provenance = {
            "skgenre": __version__,
            "model": model,
            "settings": recorded,
            "confidence": round(confidence, 4),
            "genres": new,
            "added": added,
            "date": date,
        }
        entries.append(PlanEntry(file, "write", new, confidence, "", provenance))
    return entries
