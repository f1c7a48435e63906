"""Plots (needs matplotlib: ``pip install skgenre[plot]``)."""

import os

import numpy as np

__all__ = ["plot_confusion_matrix", "plot_window_timeline", "window_times"]


def window_times(transformer, n_windows):
    """Start time in seconds of each window of a song.

    Parameters
    ----------
    transformer : WindowMFCCTransformer
        Any transformer with a ``feature_settings()`` method; nothing is fitted.
    n_windows : int

    Returns
    -------
    starts : ndarray of shape (n_windows,)
    """
    return transformer.feature_settings().window_starts(n_windows)


def plot_window_timeline(pipeline, path, ax=None):
    """Class probabilities of each window of one song over time.

    Parameters
    ----------
    pipeline : Pipeline
        Fitted ``(WindowMFCCTransformer, MILSongClassifier)`` pipeline.
    path : str
        Audio file.
    ax : matplotlib Axes or None
        Where to draw; a new figure if None.

    Returns
    -------
    ax : matplotlib Axes
        x: window centre in seconds; y: probability per class; the title
        gives the song's predicted genre.
    """
    import matplotlib.pyplot as plt

    transformer, clf = pipeline[0], pipeline[-1]
    X = transformer.transform([path])
    proba = clf.predict_window_proba(X)[0]
    real = np.isfinite(proba).all(axis=1)
    s = transformer.feature_settings()
    centres = s.window_starts(len(proba)) + s.window_duration / 2
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3), layout="constrained")
    for k, label in enumerate(clf.classes_):
        ax.plot(centres[real], proba[real, k], marker="o", label=str(label))
    song = clf.classes_[np.argmax(clf.predict_proba(X)[0])]
    ax.set(
        xlabel="time (s, window centre)",
        ylabel="probability",
        ylim=(0, 1),
        title=f"{os.path.basename(path)}: {song}",
    )
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_confusion_matrix(y_true, y_pred, labels=None, ax=None):
    """Confusion matrix with scikit-learn's ``ConfusionMatrixDisplay``.

    Returns
    -------
    display : sklearn.metrics.ConfusionMatrixDisplay
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    return ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=labels, ax=ax, xticks_rotation=45, colorbar=False
    )
