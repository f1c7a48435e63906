"""Parameter and input checks shared by the estimators.

Every message names the owner, the parameter, the value and what is
accepted: ``"WindowMFCCTransformer: invalid hop_length=0; expected an int >= 1
(samples)."``
"""

import numbers
import os

import numpy as np

__all__ = ["check_choice", "check_paths", "check_param", "is_int", "is_real"]


def is_int(value):
    """Whether ``value`` is an integer (``bool`` excluded)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value):
    """Whether ``value`` is a real number (``bool`` excluded)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_param(owner, name, value, ok, accepted):
    """Raise ``ValueError`` naming ``owner``, ``name`` and ``value`` unless ``ok``.

    Parameters
    ----------
    owner : object or str
        The estimator (its class name is used) or a name.
    name : str
        Parameter name.
    value : object
        Its value.
    ok : bool
        Whether the value is accepted.
    accepted : str
        What would be accepted, e.g. ``"an int >= 1 (samples)"``.
    """
    if not ok:
        owner = owner if isinstance(owner, str) else type(owner).__name__
        raise ValueError(f"{owner}: invalid {name}={value!r}; expected {accepted}.")


def check_choice(owner, name, value, choices):
    """:func:`check_param` for a value that must be one of ``choices``."""
    check_param(
        owner,
        name,
        value,
        value in choices,
        " or ".join(map(repr, choices)) if len(choices) <= 2 else f"one of {choices}",
    )


def check_paths(X):
    """Validate a 1-D collection of file paths.

    Parameters
    ----------
    X : array-like of shape (n_songs,) or (n_songs, 1) of str or path-like

    Returns
    -------
    paths : list of str
    """
    if isinstance(X, (str, bytes, os.PathLike)):
        raise ValueError(
            "Expected a list, array or Series of audio file paths, got a single "
            f"path {X!r}; wrap it in a list."
        )
    arr = np.asarray(X, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]  # one column, e.g. from a DataFrame or ColumnTransformer
    if arr.ndim != 1:
        raise ValueError(
            "Expected a 1-D list, array or Series of audio file paths of shape "
            f"(n_songs,), got an array of shape {arr.shape}."
        )
    bad = [p for p in arr if not isinstance(p, (str, os.PathLike))]
    if bad:
        raise ValueError(
            f"Expected audio file paths (str or path-like), got {bad[0]!r} "
            f"of type {type(bad[0]).__name__}."
        )
    return [os.fspath(p) for p in arr]
