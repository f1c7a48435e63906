"""Parameter and input checks shared by the estimators.

Every message names the owner, the parameter, the value and what is
accepted: ``"WindowMFCCTransformer: invalid hop_length=0; expected an int >= 1
(samples)."``
"""

import math
import numbers
import os
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

__all__ = [
    "BOOLEAN",
    "NONE",
    "Constraint",
    "check_choice",
    "check_constraints",
    "check_param",
    "check_paths",
    "integers",
    "is_int",
    "is_real",
    "options",
    "reals",
]


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


class Constraint(NamedTuple):
    """What a parameter accepts: a test of its value, and the same in words.

    ``a | b`` accepts what either accepts.  The test never raises, whatever
    the value's type.
    """

    accepts: Callable[[object], bool]
    description: str

    def __or__(self, other):
        return Constraint(
            lambda value: self.accepts(value) or other.accepts(value),
            f"{self.description} or {other.description}",
        )


def integers(low, high=None):
    """:class:`Constraint`: an int (not a bool) in ``[low, high]``."""
    if high is None:
        return Constraint(lambda v: is_int(v) and v >= low, f"an int >= {low}")
    return Constraint(
        lambda v: is_int(v) and low <= v <= high, f"an int in [{low}, {high}]"
    )


def reals(low, high=math.inf, *, closed="both"):
    """:class:`Constraint`: a finite real number (not a bool) between bounds.

    Parameters
    ----------
    low, high : float
    closed : {"both", "left", "right", "neither"}, default="both"
        Which bounds belong to the interval.
    """
    left = closed in ("both", "left")
    right = closed in ("both", "right") and high != math.inf

    def accepts(v):
        if not is_real(v) or not math.isfinite(v):
            return False
        return (v >= low if left else v > low) and (v <= high if right else v < high)

    if high == math.inf:
        return Constraint(accepts, f"a number {'>=' if left else '>'} {low}")
    interval = f"{'[' if left else '('}{low}, {high}{']' if right else ')'}"
    return Constraint(accepts, f"a number in {interval}")


def options(*choices):
    """:class:`Constraint`: one of ``choices``, of the same type."""

    def accepts(value):
        try:
            return any(isinstance(value, type(c)) and bool(value == c) for c in choices)
        except (TypeError, ValueError):  # e.g. an array
            return False

    words = (
        " or ".join(map(repr, choices)) if len(choices) <= 2 else f"one of {choices}"
    )
    return Constraint(accepts, words)


#: :class:`Constraint`: True or False.
BOOLEAN = Constraint(lambda v: isinstance(v, bool | np.bool_), "True or False")
#: :class:`Constraint`: None.
NONE = Constraint(lambda v: v is None, "None")


def check_constraints(owner, params, constraints):
    """:func:`check_param` for every parameter with a :class:`Constraint`.

    Parameters
    ----------
    owner : object or str
    params : dict
        Parameter values by name.
    constraints : dict of str to Constraint or None
        ``None``: checked elsewhere (e.g. by Keras).
    """
    for name, constraint in constraints.items():
        if constraint is not None:
            value = params[name]
            check_param(
                owner, name, value, constraint.accepts(value), constraint.description
            )


def check_choice(owner, name, value, choices):
    """:func:`check_param` for a value that must be one of ``choices``."""
    constraint = options(*choices)
    check_param(owner, name, value, constraint.accepts(value), constraint.description)


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
