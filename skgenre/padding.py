"""Padded windows: the one rule that tells them from real ones.

Songs of different lengths share one array, ``(n_songs, n_windows, ...)``:
the extraction engine pads a song with fewer windows than the longest with
windows whose every value is NaN.  The rule, used everywhere (the model's
:class:`~skgenre.mil.pooling.WindowMask` layer, statistics, stores, zero-shot
tags, plots, the command line):

    **a window is real if any of its values is finite.**

A real window in which some values are not finite (NaN or infinite) stays a
real window; where a number is needed, those values count as 0, as the
model's ``WindowMask`` replaces them.
"""

import numpy as np

__all__ = ["PAD_VALUE", "mean_over_real_windows", "real_window_values", "real_windows"]

#: The value of every element of a padded window.
PAD_VALUE = np.nan


def real_windows(X):
    """Which windows of each song are real.

    Parameters
    ----------
    X : array-like of shape (n_songs, n_windows, ...)
        Window features (spectrograms, embeddings) or window outputs
        (probabilities); padded windows are NaN in every value.

    Returns
    -------
    real : ndarray of shape (n_songs, n_windows), bool
        True where a window has at least one finite value.
    """
    X = np.asarray(X)
    if X.ndim < 2:
        raise ValueError(
            f"expected windows of shape (n_songs, n_windows, ...), got {X.shape}"
        )
    return np.isfinite(X.reshape(*X.shape[:2], -1)).any(axis=2)


def real_window_values(X):
    """Values of real windows as numbers, and which windows are real.

    Parameters
    ----------
    X : array-like of shape (n_songs, n_windows, ...)

    Returns
    -------
    values : ndarray of the shape of ``X``, float64
        ``X`` with every non-finite value replaced by 0 (as the model's
        ``WindowMask`` does).
    real : ndarray of shape (n_songs, n_windows), bool
        :func:`real_windows` of ``X``.
    """
    X = np.asarray(X, dtype=np.float64)
    real = real_windows(X)
    return np.where(np.isfinite(X), X, 0.0), real


def mean_over_real_windows(X):
    """Mean of each song's real windows.

    Non-finite values inside a real window count as 0 (as in the model); a
    song with no real window has a mean of 0.

    Parameters
    ----------
    X : array-like of shape (n_songs, n_windows, ...)

    Returns
    -------
    mean : ndarray of shape (n_songs, ...), float64
    """
    values, real = real_window_values(X)
    real = real.reshape(*real.shape, *(1,) * (values.ndim - 2))
    total = np.where(real, values, 0.0).sum(axis=1)
    return total / np.maximum(real.sum(axis=1), 1)
