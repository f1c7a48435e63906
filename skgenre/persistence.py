"""Model files without pickle: ``save(pipeline, path)`` and ``load(path)``.

A model file is a zip archive holding ``skgenre-model.json`` (format name and
version, package version, each step's class, parameters and fitted state as
JSON) and one ``.keras`` file per Keras model.  ``load`` checks the archive's
format and version before reading anything else, accepts only skgenre's own
classes, and loads Keras models with ``safe_mode=True``; it never unpickles,
so a file from an untrusted source cannot run code.  joblib or pickle still
work for those who want them.
"""

import json
import os
import tempfile
import zipfile

import numpy as np
from sklearn.pipeline import Pipeline

from ._version import __version__
from .transformer import WindowMFCCTransformer

__all__ = ["FORMAT", "FORMAT_VERSION", "ModelFileError", "load", "save"]

FORMAT = "skgenre-model"
FORMAT_VERSION = 1
_MANIFEST = "skgenre-model.json"


class ModelFileError(ValueError):
    """A file is not a model file this version of skgenre can load."""

    def __init__(self, path, reason):
        super().__init__(f"cannot load model file {os.fspath(path)!r}: {reason}")


def _json_params(estimator):
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        if name == "callbacks":
            continue  # training only; not needed to predict
        if name == "memory" and value is not None and not isinstance(value, str):
            value = getattr(value, "location", None)  # a joblib.Memory
        if isinstance(value, np.generic):
            value = value.item()
        try:
            json.dumps(value)
        except TypeError:
            raise ValueError(
                f"cannot save {type(estimator).__name__}: parameter {name}={value!r} "
                "is not a plain value (str, number, bool, None, list or dict); "
                "use joblib.dump for such estimators."
            ) from None
        params[name] = value
    return params


def _steps(estimator):
    if isinstance(estimator, Pipeline):
        return list(estimator.steps)
    return [(type(estimator).__name__.lower(), estimator)]


def save(estimator, path):
    """Save a fitted Pipeline (or a single skgenre estimator) to one file.

    Parameters
    ----------
    estimator : Pipeline or WindowMFCCTransformer or MILSongClassifier
        Typically ``Pipeline([("features", WindowMFCCTransformer()),
        ("clf", MILSongClassifier())])``, fitted.
    path : str or path-like
        Output file (conventionally ``*.skgenre``); overwritten.

    Raises
    ------
    ValueError
        If a step is not a skgenre estimator or has a parameter that is not a
        plain value.
    sklearn.exceptions.NotFittedError
        If the classifier is not fitted.
    """
    from .classifier import MILSongClassifier, export_state

    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skgenre_version": __version__,
        "pipeline": isinstance(estimator, Pipeline),
        "steps": [],
    }
    with (
        tempfile.TemporaryDirectory() as tmp,
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for i, (name, step) in enumerate(_steps(estimator)):
            if not isinstance(step, (WindowMFCCTransformer, MILSongClassifier)):
                raise ValueError(
                    f"cannot save step {name!r} of type {type(step).__name__}: "
                    "only WindowMFCCTransformer and MILSongClassifier are supported."
                )
            entry = {
                "name": name,
                "class": type(step).__name__,
                "params": _json_params(step),
            }
            if isinstance(step, MILSongClassifier):
                entry["state"] = export_state(step)
                entry["keras_model"] = f"step{i}.keras"
                model_path = os.path.join(tmp, entry["keras_model"])
                step.model_.save(model_path)
                archive.write(model_path, entry["keras_model"])
            manifest["steps"].append(entry)
        archive.writestr(_MANIFEST, json.dumps(manifest, indent=2))


def load(path):
    """Load a model file written by :func:`save`.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    estimator : Pipeline or WindowMFCCTransformer or MILSongClassifier
        As saved, fitted, with identical predictions.

    Raises
    ------
    ModelFileError
        If the file is missing, not a zip archive (e.g. a pickle), not a
        skgenre model file, or of another format version.  Nothing in the
        file is executed.
    """
    import keras

    from .classifier import MILSongClassifier, restore_classifier

    classes = {
        "WindowMFCCTransformer": WindowMFCCTransformer,
        "MILSongClassifier": MILSongClassifier,
    }
    if not os.path.isfile(path):
        raise ModelFileError(path, "no such file")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(
            path, "not a skgenre model file (not a zip archive; pickles are refused)"
        )
    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as tmp:
        try:
            manifest = json.loads(archive.read(_MANIFEST))
        except (KeyError, ValueError) as exc:
            raise ModelFileError(path, f"no valid {_MANIFEST} ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ModelFileError(path, f"format is not {FORMAT!r}")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ModelFileError(
                path,
                f"format version {manifest.get('format_version')!r} is not supported "
                f"(this skgenre {__version__} reads version {FORMAT_VERSION})",
            )
        steps = []
        for entry in manifest["steps"]:
            cls = classes.get(entry.get("class"))
            if cls is None:
                raise ModelFileError(path, f"unknown step class {entry.get('class')!r}")
            if cls is MILSongClassifier:
                member = entry.get("keras_model")
                if member not in archive.namelist() or "/" in member:
                    raise ModelFileError(path, f"missing Keras model {member!r}")
                model_path = archive.extract(member, tmp)
                model = keras.saving.load_model(model_path, safe_mode=True)
                step = restore_classifier(entry["params"], entry["state"], model)
            else:
                step = cls(**entry["params"]).fit()
            steps.append((entry["name"], step))
    if manifest.get("pipeline"):
        return Pipeline(steps)
    return steps[0][1]
