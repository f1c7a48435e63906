"""A genre with no training: musicnn's tags grouped into genres.

``TagGenreClassifier`` reads the taggram embeddings of
``WindowEmbedder(layer="taggram")`` (the tag probabilities of every window),
averages each tag over a song's windows and gives each genre the score of
its most probable tag; the scores, normalised to sum to 1, are the genre
probabilities.  :func:`zero_shot_pipeline` puts both in a ready, fitted
Pipeline: ``zero_shot_pipeline().predict(["song.mp3"])``.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ._validation import check_choice
from .encoders.musicnn import ENCODERS
from .frontends.embedder import WindowEmbedder, output_names
from .padding import mean_over_real_windows, real_windows

__all__ = ["GENRE_TAGS", "TagGenreClassifier", "song_tags", "zero_shot_pipeline"]

#: Tagger -> genre name -> the tags that make it.  MSD's last.fm tags name no
#: classical, disco or reggae; MagnaTagATune's have classical but no jazz,
#: blues or hip-hop; both together give MSD's genres and MTT's classical.
GENRE_TAGS = {
    "musicnn-msd": {
        "blues": ("blues",),
        "country": ("country",),
        "electronic": ("electronic", "electronica", "electro", "dance", "House"),
        "folk": ("folk",),
        "hiphop": ("Hip-Hop",),
        "jazz": ("jazz",),
        "metal": ("metal", "heavy metal"),
        "pop": ("pop", "indie pop"),
        "punk": ("punk",),
        "rock": (
            "rock",
            "classic rock",
            "hard rock",
            "alternative rock",
            "indie rock",
            "Progressive rock",
        ),
        "soul": ("soul", "rnb", "funk"),
    },
    "musicnn-mtt": {
        "classical": ("classical", "classic", "opera", "choral", "harpsichord"),
        "country": ("country",),
        "electronic": ("electronic", "techno", "dance"),
        "metal": ("metal",),
        "pop": ("pop",),
        "rock": ("rock",),
    },
}
# Both taggers: MSD's genres, and classical from MTT (MSD has no such tag).
GENRE_TAGS["musicnn-msd+mtt"] = {
    **{
        genre: tuple(f"msd:{tag}" for tag in tags)
        for genre, tags in GENRE_TAGS["musicnn-msd"].items()
    },
    "classical": tuple(f"mtt:{tag}" for tag in GENRE_TAGS["musicnn-mtt"]["classical"]),
}


def song_tags(X):
    """Mean of each tag's probability over a song's real windows.

    Parameters
    ----------
    X : ndarray of shape (n_songs, n_windows, n_tags)
        Taggram embeddings; padded windows are NaN (the rule of
        :mod:`skgenre.padding`).

    Returns
    -------
    tags : ndarray of shape (n_songs, n_tags)
    """
    return mean_over_real_windows(X)


class TagGenreClassifier(ClassifierMixin, BaseEstimator):
    """Genre of a song from pretrained tag probabilities, without training.

    Parameters
    ----------
    tagger : {"musicnn-msd+mtt", "musicnn-msd", "musicnn-mtt"}, \
default="musicnn-msd+mtt"
        The tagger whose taggram ``X`` holds; its tags are grouped into
        genres by :data:`GENRE_TAGS`.  "musicnn-msd+mtt" (both networks):
        MSD's genres plus classical from MTT's tags, the most accurate
        measured (``benchmarks/README.md``), at twice the cost.

    Attributes
    ----------
    classes_ : ndarray of shape (n_genres,)
        Genre names, in lower case.
    n_features_in_ : int
        Tags per window in ``X``: 50 for one tagger, 100 for
        "musicnn-msd+mtt" (MSD's tags, then MTT's).
    tag_indices_ : list of list of int
        For each genre, the indices of its tags in the taggram.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.zeroshot import TagGenreClassifier
    >>> clf = TagGenreClassifier("musicnn-msd").fit()
    >>> X = np.zeros((1, 2, 50)); X[0, :, 9] = 0.8  # tag 9 of MSD is "jazz"
    >>> clf.predict(X)
    array(['jazz'], dtype=object)
    """

    def __init__(self, tagger="musicnn-msd+mtt"):
        self.tagger = tagger

    def fit(self, X=None, y=None):
        """Set the genres; nothing is learned (``X`` and ``y`` are ignored).

        Returns
        -------
        self : TagGenreClassifier
        """
        check_choice(self, "tagger", self.tagger, tuple(ENCODERS))
        groups = GENRE_TAGS[self.tagger]
        tags = output_names(self.tagger, "taggram")
        self.classes_ = np.asarray(sorted(groups), dtype=object)
        self.n_features_in_ = len(tags)
        self.tag_indices_ = [[tags.index(t) for t in groups[g]] for g in self.classes_]
        return self

    def predict_proba(self, X):
        """Genre probabilities of each song.

        Parameters
        ----------
        X : ndarray of shape (n_songs, n_windows, n_tags)
            ``WindowEmbedder(model=tagger, layer="taggram")`` output.

        Returns
        -------
        proba : ndarray of shape (n_songs, n_genres)
            Each genre's score (its most probable tag, averaged over the
            song's windows), normalised to sum to 1.
        """
        check_is_fitted(self, "classes_")
        X = np.asarray(X)
        if X.ndim != 3 or X.shape[2] != self.n_features_in_:
            raise ValueError(
                f"{type(self).__name__} expects taggram embeddings of shape "
                f"(n_songs, n_windows, {self.n_features_in_}), as returned by "
                f"WindowEmbedder(model={self.tagger!r}, layer='taggram'); got "
                f"shape {X.shape}."
            )
        tags = song_tags(X)
        scores = np.stack([tags[:, m].max(axis=1) for m in self.tag_indices_], axis=1)
        return scores / np.maximum(scores.sum(axis=1, keepdims=True), 1e-12)

    def predict_window_proba(self, X):
        """Genre probabilities of each window: a genre timeline of each song.

        Parameters
        ----------
        X : ndarray of shape (n_songs, n_windows, n_tags)

        Returns
        -------
        proba : ndarray of shape (n_songs, n_windows, n_genres)
            NaN for padded windows.
        """
        check_is_fitted(self, "classes_")
        X = np.asarray(X)
        n_songs, n_windows = X.shape[:2]
        windows = X.reshape(n_songs * n_windows, 1, *X.shape[2:])
        real = real_windows(windows)[:, 0]
        proba = np.full((len(windows), len(self.classes_)), np.nan)
        if real.any():
            proba[real] = self.predict_proba(windows[real])
        return proba.reshape(n_songs, n_windows, -1)

    def predict(self, X):
        """Most probable genre of each song.

        Returns
        -------
        genres : ndarray of shape (n_songs,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def _export_state(self):
        """Fitted state for a model file: nothing beyond the parameters."""
        return {}, None

    @classmethod
    def _restore_state(cls, params, state, model):
        """The fitted classifier of a model file."""
        return cls(**params).fit()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.target_tags.required = False
        return tags


def zero_shot_pipeline(tagger="musicnn-msd+mtt", **embedder_params):
    """A fitted Pipeline from audio paths to genres, with no training.

    Parameters
    ----------
    tagger : {"musicnn-msd+mtt", "musicnn-msd", "musicnn-mtt"}, \
default="musicnn-msd+mtt"
        See :class:`TagGenreClassifier`.
    **embedder_params
        Further :class:`~skgenre.WindowEmbedder` parameters (``song_length``,
        ``n_jobs``, ``memory``, ``verbose``...).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``"features"`` (taggram embeddings) and ``"clf"``
        (:class:`TagGenreClassifier`), ready to ``predict``.
    """
    # Imported here: sklearn.pipeline (and the rich it imports) costs 0.05 s
    # that TagGenreClassifier alone does not need.
    from sklearn.pipeline import Pipeline

    embedder = WindowEmbedder(model=tagger, layer="taggram", **embedder_params)
    return Pipeline(
        [("features", embedder.fit()), ("clf", TagGenreClassifier(tagger).fit())]
    )
