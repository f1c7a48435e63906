"""Honest figures: cross-validation over songs that says how it was split.

Songs by one artist share a voice, a mix and a studio; a model scored on an
artist it was trained on is scored partly on recognising that artist (the
"artist effect").  Every figure skgenre prints comes from
:func:`cross_validate_songs`, which uses
:class:`~sklearn.model_selection.StratifiedGroupKFold` whenever artists are
known, so no artist's songs sit on both sides of a split, and whose
:attr:`SongScores.line` names the split the figure comes from.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    cross_val_predict,
)

__all__ = ["SongScores", "artists_known", "cross_validate_songs", "song_folds"]

STRATIFIED_NOTE = "figures flatter songs by new artists"


def artists_known(groups):
    """Whether ``groups`` say anything: some group holds two songs or more.

    Parameters
    ----------
    groups : array-like of shape (n_songs,) or None
        One group per song (an artist); a song with no known artist is its
        own group (as the loaders make them).

    Returns
    -------
    known : bool
    """
    if groups is None:
        return False
    groups = np.asarray(groups, dtype=object).astype(str)
    _, counts = np.unique(groups, return_counts=True)
    return bool((counts > 1).any())


def song_folds(y, groups=None, *, n_splits=5, grouped=None, random_state=0):
    """The splitter of a figure, and the split in words.

    Parameters
    ----------
    y : array-like of shape (n_songs,) or (n_songs, n_labels)
        Genres, or a 0/1 indicator of several labels per song, which
        folds cannot stratify (``GroupKFold``, ``KFold`` instead).
    groups : array-like of shape (n_songs,) or None
        Artists (see :func:`artists_known`).
    n_splits : int, default=5
    grouped : bool or None, default=None
        Split by artist; None: whenever artists are known.  True with no
        artist known raises.
    random_state : int, default=0
        Seed of the shuffled folds.

    Returns
    -------
    cv : StratifiedGroupKFold, StratifiedKFold, GroupKFold or KFold
        Shuffled.  Pass ``groups`` to its ``split`` (or to
        ``cross_val_score``) when it is grouped.
    description : str
        E.g. ``"5 folds, grouped by artist"`` or ``"5 folds, stratified, no
        artist known: figures flatter songs by new artists"``.

    Raises
    ------
    ValueError
        If ``grouped`` is True with no artist known, or there are fewer
        artists (groups) than folds.
    """
    known = artists_known(groups)
    stratified = np.ndim(y) == 1
    if grouped is None:
        grouped = known
    if grouped and not known:
        raise ValueError(
            "cannot split by artist: no artist is known (each song is its own "
            "group); tag the files' artists or give a CSV an 'artist' column"
        )
    if grouped:
        n_groups = len(np.unique(np.asarray(groups, dtype=object).astype(str)))
        if n_groups < n_splits:
            raise ValueError(
                f"{n_splits} folds grouped by artist need at least {n_splits} "
                f"artists; there are {n_groups}: use fewer folds"
            )
        splitter = StratifiedGroupKFold if stratified else GroupKFold
        cv = splitter(n_splits, shuffle=True, random_state=random_state)
        return cv, f"{n_splits} folds, grouped by artist"
    splitter = StratifiedKFold if stratified else KFold
    cv = splitter(n_splits, shuffle=True, random_state=random_state)
    how = "stratified" if stratified else "shuffled"
    if known:
        how += ", an artist's songs on both sides"
    else:
        how += ", no artist known"
    return cv, f"{n_splits} folds, {how}: {STRATIFIED_NOTE}"


@dataclass(frozen=True)
class SongScores:
    """Cross-validated predictions of songs and the split they come from.

    Attributes
    ----------
    predicted : ndarray of shape (n_songs,) or (n_songs, n_labels)
        Each song's genre (or label indicator), predicted by the model of
        the fold that held it out.
    fold_scores : ndarray of shape (n_splits,)
        Accuracy of each fold; micro-averaged F1 for several labels per
        song.
    description : str
        The split, from :func:`song_folds`.
    grouped : bool
        Whether the folds were grouped by artist.
    metric : {"accuracy", "micro-F1"}, default="accuracy"
    proba : ndarray of shape (n_songs, n_classes) or None
        Out-of-fold probabilities (``cross_validate_songs(...,
        proba=True)``): classes in sorted order, or labels in column order.
    """

    predicted: np.ndarray
    fold_scores: np.ndarray
    description: str
    grouped: bool
    metric: str = "accuracy"
    proba: np.ndarray | None = None

    @property
    def score(self):
        """Mean of :attr:`fold_scores`."""
        return float(self.fold_scores.mean())

    @property
    def accuracy(self):
        """The mean accuracy over the folds (single-label targets)."""
        if self.metric != "accuracy":
            raise AttributeError(f"these scores are {self.metric}, not accuracy")
        return self.score

    @property
    def line(self):
        """The figure with its split: ``"5 folds, grouped by artist: 0.71 ± 0.04"``.

        Micro-F1 figures say so: ``"..., grouped by artist: micro-F1 0.63 ± 0.05"``.
        """
        head, _, note = self.description.partition(": ")
        figure = f"{self.score:.3f} ± {self.fold_scores.std():.3f}"
        if self.metric != "accuracy":
            figure = f"{self.metric} {figure}"
        return f"{head}: {figure}" + (f" ({note})" if note else "")


def cross_validate_songs(
    estimator,
    X,
    y,
    groups=None,
    *,
    n_splits=5,
    grouped=None,
    random_state=0,
    proba=False,
    threshold=0.5,
):
    """Cross-validated accuracy over songs, split by artist when known.

    For a 0/1 indicator ``y`` (several labels per song), the micro-averaged
    F1 score instead, on folds that cannot be stratified.

    Parameters
    ----------
    estimator : estimator
        E.g. a Pipeline from audio paths to genres; cloned for each fold.
    X : array-like of shape (n_songs, ...)
        Audio paths, or features.
    y : array-like of shape (n_songs,) or (n_songs, n_labels)
    groups : array-like of shape (n_songs,) or None
        Artists; see :func:`song_folds`.
    n_splits : int, default=5
    grouped : bool or None, default=None
        See :func:`song_folds`.
    random_state : int, default=0
    proba : bool, default=False
        Also keep the out-of-fold probabilities (``predict_proba``); the
        predictions are then their most probable class, or the labels at
        or above ``threshold``.
    threshold : float, default=0.5
        Several labels per song, with ``proba``: a label's probability
        needed.

    Returns
    -------
    scores : SongScores
    """
    y = np.asarray(y)
    cv, description = song_folds(
        y, groups, n_splits=n_splits, grouped=grouped, random_state=random_state
    )
    is_grouped = isinstance(cv, StratifiedGroupKFold | GroupKFold)
    fold_groups = groups if is_grouped else None
    folds = list(cv.split(np.zeros(len(y)), y, fold_groups))
    probabilities = None
    if proba:
        probabilities = cross_val_predict(
            estimator, X, y, cv=folds, method="predict_proba"
        )
        if y.ndim == 1:
            predicted = np.unique(y)[np.argmax(probabilities, axis=1)]
        else:
            predicted = (probabilities >= threshold).astype(y.dtype)
    else:
        predicted = cross_val_predict(estimator, X, y, cv=folds)
    if y.ndim == 1:
        scores = [np.mean(predicted[test] == y[test]) for _, test in folds]
        metric = "accuracy"
    else:
        scores = [
            f1_score(y[test], predicted[test], average="micro", zero_division=0)
            for _, test in folds
        ]
        metric = "micro-F1"
    return SongScores(
        predicted, np.array(scores), description, is_grouped, metric, probabilities
    )
