"""Fitted scikit-learn steps in model files, without pickle.

A song-level pipeline ends in plain scikit-learn estimators
(``StandardScaler``, ``PCA``, ``LogisticRegression``, ``SVC``...).  Their
fitted state is a handful of attributes (arrays, numbers, strings), so
:mod:`skgenre.persistence` stores it as JSON: every attribute that is not a
parameter, each array with its dtype and shape.  Only the classes of
:data:`SKLEARN_STEPS` are accepted, and only such plain values, so loading
a file never runs code.
"""

import importlib
import warnings

import numpy as np
import sklearn

from ._errors import StateError

__all__ = ["SKLEARN_STEPS", "export_state", "restore_state", "sklearn_classes"]

#: The scikit-learn estimators a model file may hold, by module.  Their fitted
#: attributes are arrays and plain values only.
SKLEARN_STEPS = {
    "sklearn.preprocessing": ("StandardScaler", "MinMaxScaler", "Normalizer"),
    "sklearn.decomposition": ("PCA",),
    "sklearn.linear_model": ("LogisticRegression", "RidgeClassifier"),
    "sklearn.svm": ("SVC", "LinearSVC"),
}

_ARRAY = "__ndarray__"
# Object arrays hold str class labels only (e.g. classes_ of genre names).
_STR_OBJECT = "str-object"


def sklearn_classes():
    """The accepted scikit-learn classes by name.

    Returns
    -------
    classes : dict of str to type
    """
    return {
        name: getattr(importlib.import_module(module), name)
        for module, names in SKLEARN_STEPS.items()
        for name in names
    }


def export_state(estimator):
    """Fitted state of a scikit-learn step as JSON data.

    Parameters
    ----------
    estimator : one of :func:`sklearn_classes`, fitted

    Returns
    -------
    state : dict
        ``{"sklearn_version": str, "attributes": {name: value}}``, every
        value JSON-serialisable.

    Raises
    ------
    ValueError
        If an attribute is not an array or a plain value.
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    params = estimator.get_params(deep=False)
    attributes = {}
    for name, value in vars(estimator).items():
        if name in params:
            continue
        try:
            attributes[name] = _encode(value)
        except TypeError:
            raise ValueError(
                f"cannot save {type(estimator).__name__}: fitted attribute {name} "
                f"of type {type(value).__name__} is not an array or a plain value; "
                "use joblib.dump for such estimators."
            ) from None
    return {"sklearn_version": sklearn.__version__, "attributes": attributes}


def restore_state(cls, params, state):
    """The fitted scikit-learn step of a model file.

    Parameters
    ----------
    cls : type
        One of :func:`sklearn_classes`.
    params : dict
        Its parameters.
    state : dict
        What :func:`export_state` returned.

    Returns
    -------
    estimator : cls, fitted

    Raises
    ------
    StateError
        If the state is damaged.
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


def _encode(value):
    """A fitted attribute as JSON data; TypeError if it is not plain."""
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            if not all(isinstance(v, str) for v in value.flat):
                raise TypeError("object array of non-str values")
            dtype, data = _STR_OBJECT, value.tolist()
        elif value.dtype.kind in "biufU":
            dtype, data = value.dtype.str, value.tolist()
        else:
            raise TypeError(f"array of dtype {value.dtype}")
        return {_ARRAY: True, "dtype": dtype, "shape": list(value.shape), "data": data}
    if isinstance(value, np.generic):
        return {
            _ARRAY: True,
            "dtype": value.dtype.str,
            "shape": None,
            "data": value.item(),
        }
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return {
            "__tuple__": isinstance(value, tuple),
            "items": [_encode(v) for v in value],
        }
    raise TypeError(type(value).__name__)


def _decode(data):
    """The inverse of :func:`_encode`."""
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
