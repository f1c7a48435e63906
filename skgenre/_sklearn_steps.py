"""scikit-learn steps in model files: skops.io archives of trusted types.

A model file stores every step that is not one of skgenre's own estimators
(a scaler, ``PCA``, ``LogisticRegression``, ``HistGradientBoostingClassifier``,
``CalibratedClassifierCV(...)``, a nested ``Pipeline``...) with
:mod:`skops.io`, scikit-learn's persistence without pickle: an archive of
JSON and ``.npy`` arrays that names the type of every object it would
construct.  skops trusts Python's plain values and containers, numpy's and
scipy's types and scikit-learn's public estimators; :data:`TRUSTED_TYPES`
lists the few more that skgenre trusts.  A step that names any other type
(a function such as ``builtins.eval``, a class of another package) is
refused, by :func:`dump_step` and by :func:`load_step`, and the refusal
names the type.

skops checks types, not contents.  The node arrays of scikit-learn's trees
(``sklearn.tree._tree.Tree``, ``HistGradientBoosting``'s ``TreePredictor``,
the ``KDTree`` and ``BallTree`` of nearest neighbours) hold indices that
scikit-learn follows without bounds checks when it predicts, so a crafted
file could make it read outside its memory (which is why skops does not
trust ``Tree`` and ``TreePredictor`` by default).  :func:`load_step`
therefore checks every such index of a loaded step (:func:`check_indices`)
and refuses a step where one is out of range.

skops is imported when a model file needs it (it takes seconds to import).
"""

import numpy as np

from ._errors import StateError

__all__ = ["TRUSTED_TYPES", "check_indices", "dump_step", "load_step"]

#: The types, by fully qualified name, that skgenre trusts in the scikit-learn
#: steps of a model file beyond those skops trusts by default.  None of them
#: holds or calls code; the trees among them are checked by
#: :func:`check_indices` when a file is loaded.
TRUSTED_TYPES = (
    # CalibratedClassifierCV: a calibrated classifier per fold, and its
    # calibrators (sigmoid, temperature; isotonic is a public estimator).
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
    # DecisionTreeClassifier, RandomForestClassifier, ExtraTreesClassifier:
    # the nodes of each tree.
    "sklearn.tree._tree.Tree",
    # HistGradientBoostingClassifier: the nodes of each tree.
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    # KNeighborsClassifier: its search tree and the default (Euclidean) metric.
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    # VotingClassifier, StackingClassifier: named_estimators_, a dict.
    "sklearn.utils._bunch.Bunch",
)

_NOT_TRUSTED = (
    "which skgenre does not trust (skops' defaults and "
    "skgenre.persistence.TRUSTED_TYPES are trusted)"
)


def _types(names):
    quoted = ", ".join(repr(name) for name in names)
    return f"type {quoted}" if len(names) == 1 else f"types {quoted}"


def dump_step(name, step):
    """A fitted step as a skops archive, if it holds trusted types only.

    Parameters
    ----------
    name : str
        The step's name in the pipeline, for messages.
    step : object
        Typically a fitted scikit-learn estimator.

    Returns
    -------
    data : bytes
        What :func:`skops.io.dumps` returned.

    Raises
    ------
    ValueError
        If skops cannot store the step, or it holds a type that is not
        trusted (the message names it).
    sklearn.exceptions.NotFittedError
        If the step is an estimator that is not fitted.
    """
    import skops.io
    from sklearn.utils.validation import check_is_fitted

    if hasattr(step, "fit"):
        check_is_fitted(step)
    try:
        data = skops.io.dumps(step)
    except Exception as exc:
        raise ValueError(
            f"cannot save step {name!r} of type {type(step).__name__}: skops "
            f"cannot store it ({type(exc).__name__}: {exc}); use joblib.dump "
            "for such estimators."
        ) from exc
    refused = [t for t in skops.io.get_untrusted_types(data=data) if not _trusted(t)]
    if refused:
        raise ValueError(
            f"cannot save step {name!r} of type {type(step).__name__}: it holds "
            f"{_types(refused)}, {_NOT_TRUSTED}; use joblib.dump for such "
            "estimators."
        )
    return data


def load_step(name, data, member):
    """The step stored by :func:`dump_step`, if it holds trusted types only.

    Parameters
    ----------
    name : str
        The step's name in the pipeline, for messages.
    data : bytes
        The skops archive.
    member : str
        Its name in the model file, for messages.

    Returns
    -------
    step : object

    Raises
    ------
    StateError
        If the archive names a type that is not trusted (``"refused: ..."``,
        naming it; nothing is constructed), cannot be read, or holds a tree
        with an index out of range (``"damaged (...)"``).
    """
    import skops.io

    if not data:
        raise StateError(f"damaged ({member} is empty)")
    try:
        untrusted = skops.io.get_untrusted_types(data=data)
    except Exception as exc:
        raise StateError(
            f"damaged ({member} is not a readable skops archive: {_first_line(exc)})"
        ) from exc
    refused = [t for t in untrusted if not _trusted(t)]
    if refused:
        raise StateError(
            f"refused: step {name!r} holds {_types(refused)}, {_NOT_TRUSTED}"
        )
    try:
        step = skops.io.loads(data, trusted=untrusted)
    except Exception as exc:
        raise StateError(
            f"damaged ({member} cannot be loaded: {_first_line(exc)})"
        ) from exc
    try:
        check_indices(step)
    except Exception as exc:  # a ValueError saying what, or a crafted object
        what = str(exc) if type(exc) is ValueError else _first_line(exc)
        raise StateError(f"damaged (step {name!r}: {what})") from exc
    return step


def _trusted(type_name):
    return type_name in TRUSTED_TYPES


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def check_indices(step):
    """Check that every tree a step holds indexes only within itself.

    The node indices and feature indices of each ``Tree``,
    ``TreePredictor``, ``KDTree`` and ``BallTree`` that ``step`` holds,
    however deep, are in range, each tree is a tree (every node has one
    parent, before it), and no tree uses more features than the estimator
    that calls it checks ``X`` for; that is what scikit-learn's compiled
    code assumes, unchecked, when it predicts.  Categorical splits of
    ``HistGradientBoosting*`` are refused (their models need a function,
    which is not trusted, anyway).

    Parameters
    ----------
    step : object

    Raises
    ------
    ValueError
        If not, saying which tree and what is wrong.
    """
    from sklearn.ensemble._gb import BaseGradientBoosting
    from sklearn.ensemble._hist_gradient_boosting.gradient_boosting import (
        BaseHistGradientBoosting,
    )
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.neighbors import BallTree, KDTree
    from sklearn.tree._tree import Tree

    seen, todo = set(), [step]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or obj is None or isinstance(obj, str | bytes | int | float):
            continue
        seen.add(id(obj))
        if isinstance(obj, Tree):
            _check_tree(obj)
        elif isinstance(obj, TreePredictor):
            _check_predictor(obj)
        elif isinstance(obj, KDTree | BallTree):
            _check_binary_tree(obj, 2 if isinstance(obj, KDTree) else 1)
        if isinstance(obj, dict):
            todo.extend(obj.values())
            continue
        if isinstance(obj, list | tuple | set | frozenset):
            todo.extend(obj)
            continue
        if isinstance(obj, np.ndarray):
            if obj.dtype == object:
                todo.extend(obj.flat)
            continue
        attributes = getattr(obj, "__dict__", None)
        if not isinstance(attributes, dict):
            continue
        todo.extend(attributes.values())
        # The estimator that checks X's width before a tree indexes its columns:
        if isinstance(attributes.get("tree_"), Tree):  # a decision tree
            _check_width(obj, [attributes["tree_"].n_features])
        if isinstance(obj, BaseHistGradientBoosting):  # calls its predictors
            if attributes.get("_preprocessor") is not None:
                raise ValueError(f"{type(obj).__name__} with a preprocessor")
            _check_width(
                obj,
                [
                    _predictor_features(p)
                    for iteration in attributes.get("_predictors", [])
                    for p in iteration
                    if isinstance(p, TreePredictor)
                ],
            )
        if isinstance(obj, BaseGradientBoosting):  # calls its trees' nodes
            estimators = np.asarray(attributes.get("estimators_", []), dtype=object)
            _check_width(
                obj,
                [
                    e.tree_.n_features
                    for e in estimators.flat
                    if isinstance(getattr(e, "tree_", None), Tree)
                ],
            )


def _check_width(estimator, n_features):
    """Each tree's ``n_features`` at most ``estimator.n_features_in_``."""
    if not n_features:
        return
    width = getattr(estimator, "n_features_in_", None)
    if not isinstance(width, int | np.integer) or isinstance(width, bool):
        raise ValueError(f"{type(estimator).__name__} has no n_features_in_")
    if max(n_features) > width:
        raise ValueError(
            f"{type(estimator).__name__} has {width} features but a tree "
            f"uses {max(n_features)}"
        )


def _check_nodes(what, left, right, internal, feature, n_features):
    """Children in range, after their parent, each node a child once."""
    n_nodes = len(left)
    index = np.arange(n_nodes)
    parents = np.concatenate([index[internal], index[internal]])
    children = np.concatenate([left[internal], right[internal]]).astype(np.int64)
    if not (
        np.all(children > parents)
        and np.all(children < n_nodes)
        and len(np.unique(children)) == len(children)
    ):
        raise ValueError(f"{what} has a child node index out of range")
    features = feature[internal].astype(np.int64)
    if not np.all((features >= 0) & (features < n_features)):
        raise ValueError(f"{what} has a feature index out of range")


def _check_tree(tree):
    n_nodes = tree.node_count
    if not 0 < n_nodes <= tree.capacity or tree.n_features < 1:
        raise ValueError("a decision tree has an inconsistent node count")
    nodes = tree.__getstate__()["nodes"]  # node_count nodes
    left = nodes["left_child"]
    _check_nodes(
        "a decision tree",
        left,
        nodes["right_child"],
        left != -1,  # what Tree.apply follows
        nodes["feature"],
        tree.n_features,
    )


def _predictor_features(predictor):
    """The number of features the predictor's tree may index (checked)."""
    nodes = predictor.nodes
    internal = nodes["is_leaf"] == 0
    return int(nodes["feature_idx"][internal].max(initial=-1)) + 1


def _check_predictor(predictor):
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

    nodes = predictor.nodes
    if (
        not isinstance(nodes, np.ndarray)
        or nodes.dtype != PREDICTOR_RECORD_DTYPE
        or nodes.ndim != 1
        or len(nodes) == 0
    ):
        raise ValueError("a gradient-boosted tree has no nodes of the expected type")
    internal = nodes["is_leaf"] == 0
    if np.any(nodes["is_categorical"][internal]):
        raise ValueError("a gradient-boosted tree has categorical splits")
    # Features are bounded by the estimator's width (_predictor_features).
    _check_nodes(
        "a gradient-boosted tree",
        nodes["left"],
        nodes["right"],
        internal,
        nodes["feature_idx"],
        np.iinfo(np.int64).max,
    )


def _check_binary_tree(tree, n_bounds):
    state = tree.__getstate__()
    data, index, node_data, bounds, _, n_levels, n_nodes = state[:7]
    sample_weight = state[12]
    data, index = np.asarray(data), np.asarray(index)
    node_data, bounds = np.asarray(node_data), np.asarray(bounds)
    n_samples, n_features = data.shape
    name = type(tree).__name__
    if not (
        np.array_equal(np.sort(index), np.arange(n_samples))
        and n_nodes == len(node_data) == 2**n_levels - 1
        and bounds.shape == (n_bounds, n_nodes, n_features)
        and (sample_weight is None or np.shape(sample_weight) == (n_samples,))
    ):
        raise ValueError(f"a {name} has inconsistent arrays")
    start, end = node_data["idx_start"], node_data["idx_end"]
    internal = np.flatnonzero(node_data["is_leaf"] == 0)
    if not (
        np.all((0 <= start) & (start <= end) & (end <= n_samples))
        and np.all(2 * internal + 2 < n_nodes)
    ):
        raise ValueError(f"a {name} has a node index out of range")
