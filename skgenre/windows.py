"""Window arithmetic: frames and windows of a signal, and which windows a
song keeps.

The one place that counts windows (librosa's ``convert`` module is the
model: lengths in samples in, counts out).  Every front-end's settings count
their windows here, and ``max_windows`` (:func:`select_windows`) picks the
same windows for features, decoding (:class:`skgenre.audio.AudioReader`)
and start times.
"""

import numpy as np

__all__ = [
    "kept_window_count",
    "kept_window_indices",
    "kept_windows",
    "n_frames_for",
    "n_windows_for",
    "select_windows",
]


def n_windows_for(n_samples, window_samples, hop_samples):
    """Number of windows of ``window_samples`` at ``hop_samples`` in a signal.

    A signal shorter than one window still gives one (zero-padded) window.

    Parameters
    ----------
    n_samples, window_samples, hop_samples : int
        Lengths in samples.

    Returns
    -------
    n_windows : int
    """
    if n_samples <= window_samples:
        return 1
    return 1 + (n_samples - window_samples) // hop_samples


def kept_window_indices(settings, n_samples):
    """Indices of the windows a front-end keeps of a decoded song.

    A method of every front-end's settings (``window_indices``).

    Parameters
    ----------
    settings : EmbedderSettings or FeatureSettings
        With ``n_all_windows(n_samples)`` and ``max_windows``.
    n_samples : int
        The decoded song's samples.

    Returns
    -------
    indices : ndarray of shape (n_windows,), int
        :func:`select_windows` of the song's windows.
    """
    return select_windows(settings.n_all_windows(n_samples), settings.max_windows)


def kept_window_count(settings, n_samples):
    """Windows a front-end keeps of a decoded song of ``n_samples`` (at least
    one); a method of every front-end's settings (``n_windows``)."""
    return len(kept_window_indices(settings, n_samples))


def select_windows(n_windows, max_windows):
    """Which of a song's windows are kept: at most ``max_windows``, spread
    evenly over the song.

    The one rule of ``max_windows``, for every front-end and for window start
    times: ``round(linspace(0, n_windows - 1, max_windows))``, which keeps the
    first window and, for ``max_windows >= 2``, the last.  Deterministic.

    Parameters
    ----------
    n_windows : int
        Windows of the song.
    max_windows : int or None
        At most this many are kept; ``None`` keeps all.

    Returns
    -------
    indices : ndarray of shape (min(n_windows, max_windows),), int
        Increasing indices of the windows kept; ``arange(n_windows)`` if the
        song has no more than ``max_windows``.
    """
    if max_windows is None or n_windows <= max_windows:
        return np.arange(n_windows)
    return np.round(np.linspace(0, n_windows - 1, max_windows)).astype(np.intp)


def kept_windows(n_windows, *, max_windows, song_windows=None):
    """Indices (among all of a song's windows) of the windows it keeps, for
    their start times.

    Parameters
    ----------
    n_windows : int
        Windows kept of the song (as many as ``transform`` gives it, or as
        the longest song of its output): their first ``n_windows``.  Fewer
        than ``max_windows`` means the song kept all its windows.
    max_windows : int or None
        As :func:`select_windows`.
    song_windows : int or None, default=None
        The song's windows before selection.  Needed only when
        ``max_windows`` is set and ``n_windows >= max_windows``.

    Returns
    -------
    indices : ndarray of shape (n_windows,), int
        At most ``n_windows``: fewer if the song keeps fewer.

    Raises
    ------
    ValueError
        If ``song_windows`` is needed and None.
    """
    if song_windows is not None:
        return select_windows(song_windows, max_windows)[:n_windows]
    if max_windows is not None and n_windows >= max_windows:
        raise ValueError(
            f"max_windows={max_windows} keeps windows spread over each song: "
            f"the start times of {n_windows} windows need the song's number of "
            "windows (song_windows=...; a transformer's song_window_starts(path) "
            "reads it from the file)"
        )
    return np.arange(n_windows)


def n_frames_for(n_samples, hop_length):
    """Number of centred STFT frames of a signal (``librosa.stft(center=True)``).

    Parameters
    ----------
    n_samples, hop_length : int
        Lengths in samples.

    Returns
    -------
    n_frames : int
    """
    return 1 + n_samples // hop_length
