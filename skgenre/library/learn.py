"""Learn a library owner's own genres from the songs they already tagged.

:func:`learn_genres` embeds the tagged songs once with the pretrained
encoder, chooses between the MIL head and ``SongPooling ->
StandardScaler -> LogisticRegression`` by cross-validation grouped by
artist (the honest figure: songs by artists the model has not heard),
derives from the out-of-fold probabilities the confidence threshold that
reaches a target precision, and refits the chosen model on every tagged
song.  The result is a :class:`~skgenre.library.GenreModel`, which plans
the untagged songs as any other model does.
"""

from dataclasses import dataclass, field

import numpy as np

from .predict import GenreModel

__all__ = [
    "CANDIDATES",
    "LearnReport",
    "check_learnable",
    "confidence_threshold",
    "learn_genres",
]

#: Folds of the cross-validation that chooses the model and its threshold.
N_SPLITS = 5
#: Songs the threshold must keep at least, so that one lucky song does not
#: set it.
MIN_COVERED = 5
#: Artists per genre below which the report warns: measured with
#: ``bench_learn.py``, two tagged artists per genre gave grouped figures
#: 0.2 away from the accuracy on new artists; four gave 0.1 at most.
MIN_ARTISTS = 3


def _mil(multilabel, random_state):
    from ..mil.classifier import MILSongClassifier

    return MILSongClassifier(features="embedding", random_state=random_state)


def _pooling(multilabel, random_state):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from ..song_pooling import SongPooling

    clf = LogisticRegression(max_iter=2000, random_state=random_state)
    if multilabel:
        from sklearn.multiclass import OneVsRestClassifier

        clf = OneVsRestClassifier(clf)
    return Pipeline(
        [("pool", SongPooling()), ("scale", StandardScaler()), ("clf", clf)]
    )


#: The models compared, by name: ``factory(multilabel, random_state)`` gives
#: an unfitted estimator of window embeddings ``(n_songs, n_windows, 200)``.
CANDIDATES = {
    "MIL head": _mil,
    "SongPooling + LogisticRegression": _pooling,
}


@dataclass
class LearnReport:
    """What learning found, for people and for the plan.

    Attributes
    ----------
    names : list of str
        The genres learned.
    n_songs, n_artists : int
        Tagged songs learned from, and their artists (known ones).
    multilabel : bool
    scores : dict of str to SongScores
        Each candidate's cross-validated figure.
    chosen : str
        The candidate refitted on all songs.
    per_genre : str
        Per-genre precision and recall of the chosen one, out of fold.
    threshold : float
        The confidence (top probability) that reaches ``target`` precision
        out of fold; above 1 where no threshold does (nothing is written).
    target : float
    precision, coverage : float
        Out-of-fold precision and coverage at ``threshold``.
    skipped : list of (str, str)
        Tagged songs whose audio could not be decoded, with the reason.
    few_artists : dict of str to int
        Genres whose songs come from fewer than :data:`MIN_ARTISTS` artists,
        with their number: the figure and threshold are unsure there.
    """

    names: list
    n_songs: int
    n_artists: int
    multilabel: bool
    scores: dict
    chosen: str
    per_genre: str
    threshold: float
    target: float
    precision: float
    coverage: float
    skipped: list = field(default_factory=list)
    few_artists: dict = field(default_factory=dict)

    @property
    def reached(self):
        """Whether some threshold reaches the target precision."""
        return self.threshold <= 1.0

    @property
    def text(self):
        """The report as printed by ``skgenre library --learn``."""
        kind = "several genres per song" if self.multilabel else "one genre per song"
        lines = [
            f"Learned from {self.n_songs} tagged songs by {self.n_artists} artists "
            f"({kind}): {', '.join(self.names)}",
        ]
        if self.skipped:
            lines.append(f"{len(self.skipped)} tagged songs could not be decoded")
        if self.few_artists:
            few = ", ".join(f"{g} ({n})" for g, n in self.few_artists.items())
            lines.append(
                f"Warning: genres by fewer than {MIN_ARTISTS} artists: {few}; the "
                "figure and the threshold below rest on too few artists to trust"
            )
        for name, scores in self.scores.items():
            mark = "  <- chosen" if name == self.chosen else ""
            lines.append(f"  {name}: {scores.line}{mark}")
        lines.append(self.per_genre.rstrip())
        if self.reached:
            lines.append(
                f"Confidence threshold {self.threshold:.3f}: precision "
                f"{self.precision:.3f} (target {self.target:g}) on the held-out "
                f"songs, tagging {100 * self.coverage:.0f} % of them"
            )
        else:
            lines.append(
                f"No confidence threshold reaches precision {self.target:g} on "
                f"the held-out songs (at best {self.precision:.3f}): every "
                "untagged song will be unsure"
            )
        return "\n".join(lines)


def check_learnable(data, n_splits=N_SPLITS):
    """Refuse, in one line with the counts, a library too small to learn.

    Parameters
    ----------
    data : Bunch
        :func:`skgenre.datasets.load_library`.
    n_splits : int, default=5

    Raises
    ------
    ValueError
        With no tagged song, one genre only, fewer songs of a genre than
        folds, or fewer artists than folds where artists are known.
    """
    from collections import Counter

    counts = Counter(g for genres in data.genres for g in genres)
    listed = ", ".join(f"{g} {n}" for g, n in counts.most_common())
    dropped = ", ".join(f"{g} {n}" for g, n in sorted(data.dropped.items()))
    if not data.genres:
        why = "no song has a genre of its own"
        if dropped:
            why = f"every genre has too few songs ({dropped})"
        raise ValueError(f"cannot learn: {why}; {len(data.untagged)} untagged songs")
    if len(counts) < 2:
        raise ValueError(
            f"cannot learn: one genre only ({listed}"
            + (f"; too few songs: {dropped}" if dropped else "")
            + "); a model needs two genres at least"
        )
    few = [g for g, n in counts.items() if n < n_splits]
    if few:
        raise ValueError(
            f"cannot learn: {', '.join(few)} have fewer than {n_splits} songs "
            f"({listed})"
        )
    from ..evaluation import artists_known

    n_artists = len(set(data.groups))
    if artists_known(data.groups) and n_artists < n_splits:
        raise ValueError(
            f"cannot learn: {len(data.paths)} songs by {n_artists} artists; the "
            f"honest figure needs {n_splits} artists at least"
        )


def confidence_threshold(confidence, hits, written, target, min_covered=MIN_COVERED):
    """The lowest confidence whose songs reach a target precision.

    Parameters
    ----------
    confidence : ndarray of shape (n_songs,)
        Each song's top probability, out of fold.
    hits, written : ndarray of shape (n_songs,)
        Right genres among those a song would get, and their number (1 and
        1 or 0 for one genre per song).
    target : float
    min_covered : int, default=5
        Songs a threshold must keep.

    Returns
    -------
    threshold : float
        Above 1 (``np.inf``) if no threshold reaches ``target``.
    precision, coverage : float
        At that threshold; where none reaches it, the best precision over
        at least ``min_covered`` songs, and coverage 0.
    """
    confidence = np.asarray(confidence, dtype=float)
    best = (0.0, 0.0)
    found = None
    for t in np.unique(confidence)[::-1]:  # from the most confident down
        covered = confidence >= t
        if covered.sum() < min_covered or written[covered].sum() == 0:
            continue
        precision = hits[covered].sum() / written[covered].sum()
        best = max(best, (precision, covered.mean()))
        if precision >= target:
            found = (float(t), precision, covered.mean())
    if found is None:
        return np.inf, best[0], 0.0
    return found


def _outcomes(y, proba, classes, multilabel, threshold):
    """Per song: top probability, right genres written, genres written."""
    confidence = proba.max(axis=1)
    if not multilabel:
        right = (classes[proba.argmax(axis=1)] == y).astype(float)
        return confidence, right, np.ones(len(y))
    predicted = proba >= threshold
    return confidence, (predicted & (y == 1)).sum(axis=1), predicted.sum(axis=1)


def learn_genres(
    data,
    *,
    target_precision=0.9,
    n_splits=N_SPLITS,
    cache=None,
    n_jobs=-1,
    precision=None,
    random_state=0,
    candidates=None,
    progress=True,
    max_windows=None,
):
    """Learn the genres of a library's tagged songs; choose honestly.

    Parameters
    ----------
    data : Bunch
        :func:`skgenre.datasets.load_library` (paths, genres, groups).
    target_precision : float, default=0.9
        The out-of-fold precision the confidence threshold must reach.
    n_splits : int, default=5
        Folds, grouped by artist where artists are known.
    cache : str or None, default=None
        Window-feature cache: the songs are embedded once, and a later
        plan of the same songs costs no network time.
    n_jobs : int, default=-1
    precision : {"auto", "float32", "bfloat16"} or None, default=None
        The encoder's (None: float32); ``"auto"`` chooses it and the
        runtime for the number of songs
        (:func:`skgenre.encoders.choice.encoder_choice`).
    random_state : int, default=0
    candidates : dict or None, default=None
        Models to compare (default :data:`CANDIDATES`).
    progress : bool, default=True
    max_windows : int or None, default=None
        At most this many windows per song, spread evenly (the encoder's
        ``max_windows``), in learning and in the model's predictions.

    Returns
    -------
    model : GenreModel
        The chosen model refitted on every tagged song, behind the encoder.
    report : LearnReport

    Raises
    ------
    ValueError
        If the library is too small to learn from (:func:`check_learnable`).
    """
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MultiLabelBinarizer

    from ..evaluation import artists_known, cross_validate_songs
    from ..frontends.registry import make_front_end

    check_learnable(data, n_splits)
    candidates = candidates or CANDIDATES
    encoder = {}
    if precision == "auto":  # bulk work: see skgenre.encoders.choice
        from ..encoders.choice import encoder_choice

        choice = encoder_choice(len(data.paths))
        precision = choice.precision
        encoder = {"precision": choice.precision, "runtime": choice.runtime}
    elif precision is not None:
        encoder = {"precision": precision}
    embedder = make_front_end(
        "musicnn",
        n_jobs=n_jobs,
        memory=cache,
        verbose=int(progress),
        on_error="zeros",
        max_windows=max_windows,
        **encoder,
    )
    X = embedder.fit(data.paths).transform(data.paths)
    skipped = list(embedder.errors_)
    good = np.array([p not in dict(skipped) for p in data.paths])
    X = X[good]
    genres = [g for g, ok in zip(data.genres, good, strict=True) if ok]
    groups = np.asarray(data.groups, dtype=object)[good]
    multilabel = any(len(g) > 1 for g in genres)
    if multilabel:
        binarizer = MultiLabelBinarizer()
        y = binarizer.fit_transform(genres)
        names = [str(c) for c in binarizer.classes_]
        classes = np.asarray(names, dtype=object)
    else:
        y = np.asarray([g[0] for g in genres], dtype=object)
        classes = np.unique(y)
        names = [str(c) for c in classes]

    scores = {
        name: cross_validate_songs(
            factory(multilabel, random_state),
            X,
            y,
            groups,
            n_splits=n_splits,
            random_state=random_state,
            proba=True,
        )
        for name, factory in candidates.items()
    }
    chosen = max(scores, key=lambda name: scores[name].score)
    best = scores[chosen]
    confidence, hits, written = _outcomes(y, best.proba, classes, multilabel, 0.5)
    threshold, reached, coverage = confidence_threshold(
        confidence, hits, written, target_precision
    )
    if multilabel:
        from ..report import format_label_report

        per_genre = format_label_report(y, best.predicted, best.proba, names)
    else:
        from sklearn.metrics import classification_report

        per_genre = classification_report(y, best.predicted, zero_division=0)

    clf = clone(candidates[chosen](multilabel, random_state)).fit(X, y)
    steps = [("features", embedder)]
    steps += clf.steps if isinstance(clf, Pipeline) else [("clf", clf)]
    pipeline = Pipeline(steps)
    if hasattr(pipeline[-1], "verbose"):
        pipeline[-1].set_params(verbose=0)
    n_artists = len(set(groups)) if artists_known(groups) else 0
    few_artists = {}
    if n_artists:
        for name in names:
            has = [name in g for g in genres]
            count = len(set(groups[np.asarray(has)]))
            if count < MIN_ARTISTS:
                few_artists[name] = count
    model = GenreModel(
        pipeline,
        names,
        f"learned from {len(y)} tagged songs ({chosen})",
        multilabel=multilabel,
        threshold=0.5 if multilabel else None,
        settings={"precision": precision} if precision else {},
    )
    report = LearnReport(
        names,
        len(y),
        n_artists,
        multilabel,
        scores,
        chosen,
        per_genre,
        threshold,
        target_precision,
        reached,
        coverage,
        skipped,
        few_artists,
    )
    return model, report
