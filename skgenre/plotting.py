"""Plots (needs matplotlib: ``pip install skgenre[plot]``)."""

import os

import numpy as np

from .padding import real_windows

__all__ = [
    "plot_confusion_matrix",
    "plot_taggram",
    "plot_window_timeline",
    "window_times",
]


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
    real = real_windows(proba[None])[0]
    s = transformer.feature_settings()
    # The song's own starts: with max_windows, they depend on its length.
    centres = transformer.song_window_starts(path) + s.window_duration / 2
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3), layout="constrained")
    for k, label in enumerate(clf.classes_):
        ax.plot(centres, proba[real, k], marker="o", label=str(label))
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


def plot_taggram(taggram, tags, paths, settings):
    """Tag probabilities of each window over time (musicnn's taggram plot).

    Parameters
    ----------
    taggram : ndarray of shape (n_songs, n_windows, n_tags)
        ``WindowEmbedder(layer="taggram").transform(paths)``; padded windows
        are NaN.
    tags : list of str
        Tag names (``get_feature_names_out()``).
    paths : list of str
        The songs, for the titles.
    settings : EmbedderSettings
        ``feature_settings()`` of the embedder: the window start times.

    Returns
    -------
    figure : matplotlib Figure
        One panel per song: tags on the y axis, time on the x axis.
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        len(paths),
        1,
        figsize=(9, 7 * len(paths)),
        squeeze=False,
        layout="constrained",
    )
    for ax, values, path in zip(axes[:, 0], taggram, paths, strict=True):
        real = values[real_windows(values[None])[0]]
        end = settings.window_starts(len(real) + 1)[-1] if len(real) else 1.0
        image = ax.imshow(
            real.T,
            aspect="auto",
            origin="upper",
            interpolation="nearest",
            extent=(settings.offset, end, len(tags) - 0.5, -0.5),
            vmin=0.0,
            vmax=1.0,
        )
        ax.set_yticks(range(len(tags)), labels=list(tags), fontsize=6)
        ax.set(xlabel="time (s)", title=os.path.basename(path))
    figure.colorbar(image, ax=axes[:, 0], label="probability", shrink=0.5)
    return figure
