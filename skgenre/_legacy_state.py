"""Reads the scikit-learn steps of model files written before skops.

Until skgenre stored scikit-learn steps with :mod:`skops.io`
(:mod:`skgenre._sklearn_steps`), a model file held the fitted state of the
classes of :data:`LEGACY_STEPS` as JSON: every attribute that is not a
parameter, each array with its dtype and shape.  :func:`restore_state`
reads such a state back; only those classes and only plain values are
accepted, so loading never runs code.  Nothing writes this state any more.
"""

import importlib
import warnings

import numpy as np
import sklearn

from ._errors import StateError

__all__ = ["LEGACY_STEPS", "legacy_classes", "restore_state"]

#: The scikit-learn estimators whose JSON state old model files hold, by
#: module.  Their fitted attributes are arrays and plain values only.
LEGACY_STEPS = {
    "sklearn.preprocessing": ("StandardScaler", "MinMaxScaler", "Normalizer"),
    "sklearn.decomposition": ("PCA",),
    "sklearn.linear_model": ("LogisticRegression", "RidgeClassifier"),
    "sklearn.svm": ("SVC", "LinearSVC"),
}

_ARRAY = "__ndarray__"
# Object arrays hold str class labels only (e.g. classes_ of genre names).
_STR_OBJECT = "str-object"


def legacy_classes():
    """The classes of :data:`LEGACY_STEPS` by name.

    Returns
    -------
    classes : dict of str to type
    """
    return {
        name: getattr(importlib.import_module(module), name)
        for module, names in LEGACY_STEPS.items()
        for name in names
    }


def restore_state(cls, params, state):
    """The fitted scikit-learn step of an old model file.

    Parameters
    ----------
    cls : type
        One of :func:`legacy_classes`.
    params : dict
        Its parameters.
    state : dict
        ``{"sklearn_version": str, "attributes": {name: value}}``, as old
        versions of skgenre wrote it.

    Returns
    -------
    estimator : cls, fitted

    Raises
    ------
    StateError
        If the state is damaged.

    Warns
    -----
    UserWarning
        If the state was saved with another scikit-learn version.
    """
    try:
        attributes = {k: _decode(v) for k, v in state["attributes"].items()}
        version = state["sklearn_version"]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateError(f"{cls.__name__} state is damaged ({exc!r})") from exc
    if version != sklearn.__version__:
        # As scikit-learn's own InconsistentVersionWarning for pickles.
        warnings.warn(
            f"{cls.__name__} was saved with scikit-learn {version} and is loaded "
            f"with {sklearn.__version__}; predictions may differ.",
            UserWarning,
            stacklevel=3,
        )
    estimator = cls(**params)
    for name, value in attributes.items():
        setattr(estimator, name, value)
    return estimator


def _decode(data):
    """A fitted attribute from its JSON data: arrays of numbers or str, plain values."""
    if isinstance(data, dict) and data.get(_ARRAY):
        if data["dtype"] == _STR_OBJECT:
            array = np.array(data["data"], dtype=object).reshape(data["shape"])
            if not all(isinstance(v, str) for v in array.flat):
                raise ValueError("object array of non-str values")
            return array
        dtype = np.dtype(data["dtype"])
        if dtype.kind not in "biufU":
            raise ValueError(f"unexpected dtype {dtype}")
        if data["shape"] is None:
            return dtype.type(data["data"])
        return np.array(data["data"], dtype=dtype).reshape(data["shape"])
    if isinstance(data, dict) and "items" in data:
        items = [_decode(v) for v in data["items"]]
        return tuple(items) if data.get("__tuple__") else items
    if data is None or isinstance(data, bool | int | float | str):
        return data
    raise ValueError(f"unexpected value {data!r}")
