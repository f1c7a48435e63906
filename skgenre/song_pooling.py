"""Song-level features from window features: :class:`SongPooling`.

Most of scikit-learn validates ``X`` as 2-D: classic heads (``SVC``,
``LogisticRegression``) and meta-estimators (``SelfTrainingClassifier``,
``CalibratedClassifierCV``, ``StackingClassifier``).  ``SongPooling`` turns
the 3-D windows of a front-end into one row per song, statistics over its
real windows (the rule of :mod:`skgenre.padding`), so that any of them can
follow :class:`~skgenre.WindowEmbedder` in a Pipeline::

    Pipeline([("features", WindowEmbedder()), ("pool", SongPooling()),
              ("scale", StandardScaler()), ("clf", LogisticRegression())])
"""

import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._errors import StateError
from ._validation import check_param
from .padding import real_window_values

__all__ = ["STATISTICS", "SongPooling"]

#: The statistics :class:`SongPooling` computes, by name.  Each reduces the
#: windows axis of masked values: real windows hold their values (non-finite
#: ones as 0), padded windows are left out.
STATISTICS = ("mean", "std", "max", "min")


class SongPooling(TransformerMixin, BaseEstimator):
    """Statistics of each song's real windows: one row of features per song.

    Parameters
    ----------
    stats : sequence of str, default=("mean", "std")
        Statistics over each song's windows, among ``"mean"``, ``"std"``
        (population standard deviation), ``"max"`` and ``"min"``; unique,
        in the order of the output.

    Attributes
    ----------
    n_features_in_ : int
        Features per window seen in :meth:`fit` (the product of the window
        axes of ``X``, e.g. 200 for musicnn's penultimate layer).
    window_shape_ : tuple of int
        Shape of one window seen in :meth:`fit`, e.g. ``(200,)``.

    See Also
    --------
    skgenre.MILSongClassifier : learns from every window and pools the
        window predictions instead.

    Notes
    -----
    A window is real if any of its values is finite (:mod:`skgenre.padding`);
    padded windows are left out, and non-finite values inside a real window
    count as 0, as in the MIL model.  A song with no real window (a file
    skipped with ``on_error="zeros"`` is real: zeros are finite) gets 0 for
    every statistic, with a warning.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre import SongPooling
    >>> X = np.array([[[1.0, 2.0], [3.0, 6.0], [np.nan, np.nan]]])
    >>> SongPooling(stats=("mean", "max")).fit_transform(X)
    array([[2., 4., 3., 6.]])
    """

    def __init__(self, stats=("mean", "std")):
        self.stats = stats

    def _check_stats(self):
        stats = self.stats
        accepted = f"a non-empty sequence of unique names among {STATISTICS}"
        ok = (
            not isinstance(stats, str)
            and hasattr(stats, "__iter__")
            and len(tuple(stats)) > 0
            and all(isinstance(s, str) and s in STATISTICS for s in stats)
            and len(set(stats)) == len(tuple(stats))
        )
        check_param(self, "stats", stats, ok, accepted)
        return tuple(stats)

    def _check_windows(self, X):
        X = np.asarray(X, dtype=np.float64)
        check_param(
            self,
            "X",
            f"array of shape {X.shape}",
            X.ndim >= 3,
            "windows of shape (n_songs, n_windows, n_features) (or more window "
            "axes, flattened)",
        )
        return X.reshape(*X.shape[:2], -1)

    def fit(self, X, y=None):
        """Check the statistics and learn the window shape.

        Parameters
        ----------
        X : array-like of shape (n_songs, n_windows, n_features)
            Window features, padded windows NaN (e.g. the output of
            :class:`~skgenre.WindowEmbedder`).  More window axes, such as
            ``(n_bands, n_frames, 1)``, are flattened.
        y : ignored

        Returns
        -------
        self : SongPooling
        """
        self._check_stats()
        shape = np.shape(X)
        windows = self._check_windows(X)
        self.window_shape_ = tuple(int(n) for n in shape[2:])
        self.n_features_in_ = int(windows.shape[2])
        return self

    def transform(self, X):
        """Statistics of each song's real windows.

        Parameters
        ----------
        X : array-like of shape (n_songs, n_windows, n_features)

        Returns
        -------
        features : ndarray of shape (n_songs, n_features * len(stats)), float64
            The statistics side by side, one block of ``n_features`` per
            statistic, in the order of ``stats``.
        """
        check_is_fitted(self, "n_features_in_")
        stats = self._check_stats()
        windows = self._check_windows(X)
        if windows.shape[2] != self.n_features_in_:
            raise ValueError(
                f"SongPooling: X has {windows.shape[2]} features per window, but "
                f"was fitted with {self.n_features_in_} (window shape "
                f"{self.window_shape_})."
            )
        values, real = real_window_values(windows)
        counts = real.sum(axis=1)
        if (counts == 0).any():
            warnings.warn(
                f"SongPooling: {int((counts == 0).sum())} song(s) have no real "
                "window; their statistics are 0.",
                UserWarning,
                stacklevel=2,
            )
        return np.concatenate(
            [_statistic(name, values, real, counts) for name in stats], axis=1
        )

    def get_feature_names_out(self, input_features=None):
        """Names of the output features: ``"<stat>_<window feature>"``.

        Parameters
        ----------
        input_features : array-like of str or None
            Names of the window features (e.g. musicnn's tags for a
            taggram); ``x0``, ``x1``... by default.

        Returns
        -------
        names : ndarray of str objects, shape (n_features * len(stats),)
        """
        check_is_fitted(self, "n_features_in_")
        if input_features is None:
            input_features = [f"x{i}" for i in range(self.n_features_in_)]
        elif len(input_features) != self.n_features_in_:
            raise ValueError(
                f"SongPooling: {len(input_features)} input feature names for "
                f"{self.n_features_in_} features per window."
            )
        return np.array(
            [
                f"{stat}_{name}"
                for stat in self._check_stats()
                for name in input_features
            ],
            dtype=object,
        )

    def _export_state(self):
        """Fitted state for a model file: the window shape."""
        check_is_fitted(self, "n_features_in_")
        return {"window_shape": list(self.window_shape_)}, None

    @classmethod
    def _restore_state(cls, params, state, model):
        """The fitted transformer of a model file."""
        try:
            shape = tuple(int(n) for n in state["window_shape"])
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(f"SongPooling state is damaged ({exc!r})") from exc
        pooling = cls(**params)
        pooling._check_stats()
        pooling.window_shape_ = shape
        pooling.n_features_in_ = int(np.prod(shape))
        return pooling

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        return tags


def _statistic(name, values, real, counts):
    """One statistic over the windows axis; 0 for a song with no real window."""
    mask = real[:, :, None]
    n = np.maximum(counts, 1)[:, None]
    if name in ("mean", "std"):
        mean = np.where(mask, values, 0.0).sum(axis=1) / n
        if name == "mean":
            return mean
        squares = np.where(mask, (values - mean[:, None, :]) ** 2, 0.0)
        return np.sqrt(squares.sum(axis=1) / n)
    fill = -np.inf if name == "max" else np.inf
    reduce = np.max if name == "max" else np.min
    extreme = reduce(np.where(mask, values, fill), axis=1)
    return np.where(counts[:, None] > 0, extreme, 0.0)
