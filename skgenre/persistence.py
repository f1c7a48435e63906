"""Model files without pickle: ``save(pipeline, path)`` and ``load(path)``.

A model file is a zip archive holding ``skgenre-model.json`` (format name and
version, package version, each step's class, parameters and fitted state as
JSON) and one ``.keras`` file per Keras model.  ``load`` checks the archive's
format and version before reading anything else, accepts only skgenre's own
classes, and loads Keras models with ``safe_mode=True``; it never unpickles,
so a file from an untrusted source cannot run code.  joblib or pickle still
work for those who want them.
"""

import hashlib
import json
import os
import tempfile
import zipfile
import zlib

import numpy as np
from sklearn.pipeline import Pipeline

from ._errors import FileError, StateError
from ._sklearn_state import export_state, restore_state, sklearn_classes
from ._version import __version__
from .frontends.registry import transformer_classes
from .song_pooling import SongPooling
from .zeroshot import TagGenreClassifier

__all__ = ["FORMAT", "FORMAT_VERSION", "ModelFileError", "load", "save"]

FORMAT = "skgenre-model"
FORMAT_VERSION = 1
_MANIFEST = "skgenre-model.json"


class ModelFileError(FileError):
    """A file that this version of skgenre refuses to load as a model.

    Every refusal of :func:`load` raises this one type, whatever is wrong:
    missing, empty, not a zip archive (e.g. a pickle), cut short, damaged
    (a checksum error, a member missing or altered), holding members or
    classes skgenre does not write, or made by an incompatible version.

    Parameters
    ----------
    path : str or path-like
        The file as the caller named it.
    reason : str
        What is wrong, one line.

    Attributes
    ----------
    path : str
    reason : str

    Notes
    -----
    ``str(error)`` is ``"<path>: <reason>"``, e.g.
    ``model.skgenre: damaged (checksum error in step1.keras)``.
    """

    message = "{path}: {reason}"

    def __init__(self, path, reason):
        super().__init__(path, " ".join(str(reason).split()))  # always one line


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


def save(estimator, path, *, label_names=None):
    """Save a fitted Pipeline (or a single skgenre estimator) to one file.

    Parameters
    ----------
    estimator : Pipeline or a skgenre estimator
        Typically ``Pipeline([("features", WindowEmbedder()),
        ("clf", MILSongClassifier())])``, fitted; the steps may be the
        front-ends of :data:`skgenre.frontends.registry.FRONT_ENDS`
        (:class:`WindowEmbedder`, :class:`WindowMFCCTransformer`),
        :class:`SongPooling`, :class:`MILSongClassifier`,
        :class:`~skgenre.zeroshot.TagGenreClassifier` and the scikit-learn
        steps of :data:`skgenre._sklearn_state.SKLEARN_STEPS`
        (``StandardScaler``, ``PCA``, ``LogisticRegression``, ``SVC``...),
        so that ``Pipeline([WindowEmbedder(), SongPooling(),
        StandardScaler(), LogisticRegression()])`` is saved too.  The pretrained
        encoder's weights are not copied: the file names them by checksum.
    path : str or path-like
        Output file (conventionally ``*.skgenre``); overwritten.
    label_names : sequence of str or None, default=None
        Names of the columns of a multi-label ``y`` (e.g.
        ``MultiLabelBinarizer().classes_``), kept in the file:
        ``load(path, return_label_names=True)`` gives them back.

    Raises
    ------
    ValueError
        If a step is not a skgenre estimator or has a parameter that is not a
        plain value, or ``label_names`` are not str.
    sklearn.exceptions.NotFittedError
        If the classifier is not fitted.
    """
    classes = _classes()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skgenre_version": __version__,
        "pipeline": isinstance(estimator, Pipeline),
        "steps": [],
        "sha256": {},  # of every other member, checked by load
    }
    if label_names is not None:
        names = list(label_names)
        if not all(isinstance(name, str) for name in names):
            raise ValueError(f"label_names must be str, got {names!r}")
        manifest["label_names"] = names
    # Every step is checked before the file is written: a refusal leaves none.
    for name, step in _steps(estimator):
        if classes.get(type(step).__name__) is not type(step):
            raise ValueError(
                f"cannot save step {name!r} of type {type(step).__name__}: "
                f"only {', '.join(classes)} are supported."
            )
    with (
        tempfile.TemporaryDirectory() as tmp,
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for i, (name, step) in enumerate(_steps(estimator)):
            entry = {
                "name": name,
                "class": type(step).__name__,
                "params": _json_params(step),
            }
            state, model = _export(step)
            if state:
                entry["state"] = state
            if model is not None:
                entry["keras_model"] = f"step{i}.keras"
                model_path = os.path.join(tmp, entry["keras_model"])
                model.save(model_path)
                archive.write(model_path, entry["keras_model"])
                with open(model_path, "rb") as f:
                    manifest["sha256"][entry["keras_model"]] = _sha256(f.read())
            manifest["steps"].append(entry)
        archive.writestr(_MANIFEST, json.dumps(manifest, indent=2))


def load(path, *, return_label_names=False):
    """Load a model file written by :func:`save`.

    Parameters
    ----------
    path : str or path-like
    return_label_names : bool, default=False
        Also return the names of a multi-label model's labels given to
        :func:`save`.

    Returns
    -------
    estimator : Pipeline or a skgenre estimator
        As saved (a Pipeline, or the single estimator that was saved),
        fitted, with identical predictions.
    label_names : list of str or None
        Only if ``return_label_names``; None if the file has none.

    Raises
    ------
    ModelFileError
        If the file cannot be loaded, for any reason: missing or empty, not
        a zip archive (e.g. a pickle), cut short, damaged (a checksum error,
        a member missing or altered), holding members or classes skgenre
        does not write, or made by an incompatible version.  ``path`` and
        ``reason`` are attributes of the error.  Nothing in the file is
        executed: it is never unpickled, and Keras models are loaded with
        ``safe_mode=True``.
    """
    members = _read_members(path)
    manifest = _check_manifest(path, members)
    try:
        estimator = _build(path, manifest, members)
        if return_label_names:
            names = manifest.get("label_names")
            return estimator, None if names is None else [str(n) for n in names]
        return estimator
    except ModelFileError:
        raise
    except Exception as exc:  # a manifest skgenre did not write
        raise ModelFileError(
            path, f"damaged or incompatible manifest ({_first_line(exc)})"
        ) from exc


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _read_members(path):
    """Every member of the archive, read and checksummed; name -> bytes."""
    if not os.path.exists(path):
        raise ModelFileError(path, "no such file")
    if not os.path.isfile(path):
        raise ModelFileError(path, "not a file")
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise ModelFileError(path, f"cannot be read ({exc.strerror})") from exc
    if not head:
        raise ModelFileError(path, "empty file, not a skgenre model file")
    if head != b"PK\x03\x04":
        raise ModelFileError(
            path, "not a skgenre model file (not a zip archive; pickles are refused)"
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ModelFileError(
            path, f"damaged or cut short (not a complete zip archive: {exc})"
        ) from exc
    members = {}
    with archive:
        for name in archive.namelist():
            try:  # a full read checks the member's CRC-32
                members[name] = archive.read(name)
            except zipfile.BadZipFile as exc:
                what = "checksum error" if "CRC" in str(exc) else _first_line(exc)
                raise ModelFileError(path, f"damaged ({what} in {name})") from exc
            except (zlib.error, EOFError, OSError, ValueError) as exc:
                raise ModelFileError(
                    path, f"damaged (cannot read {name}: {_first_line(exc)})"
                ) from exc
            except NotImplementedError as exc:  # compression skgenre never writes
                raise ModelFileError(
                    path, f"not a skgenre model file ({_first_line(exc)})"
                ) from exc
    return members


def _check_manifest(path, members):
    """The manifest, once the file is known to be one skgenre wrote."""
    if _MANIFEST not in members:
        raise ModelFileError(path, f"not a skgenre model file (no {_MANIFEST})")
    try:
        manifest = json.loads(members[_MANIFEST])
    except ValueError as exc:
        raise ModelFileError(
            path, f"damaged ({_MANIFEST} is not valid JSON: {exc})"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFileError(
            path, f"not a skgenre model file (format is not {FORMAT!r})"
        )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            path,
            "made by an incompatible version (skgenre "
            f"{manifest.get('skgenre_version')!s}, format version "
            f"{manifest.get('format_version')!r}; this skgenre {__version__} "
            f"reads format version {FORMAT_VERSION})",
        )
    checksums = manifest.get("sha256", {})  # absent in files of skgenre 0.1.0
    if not isinstance(checksums, dict):
        raise ModelFileError(path, "damaged (sha256 is not a mapping)")
    for name in members:
        if name != _MANIFEST and name not in checksums:
            raise ModelFileError(
                path, f"not a skgenre model file (unexpected member {name!r})"
            )
    for name, digest in checksums.items():
        if name not in members:
            raise ModelFileError(path, f"damaged (member {name!r} is missing)")
        if _sha256(members[name]) != digest:
            raise ModelFileError(
                path, f"damaged ({name} was altered: its sha256 does not match)"
            )
    return manifest


def _classes():
    """The estimator classes a model file may hold, by name.

    The registered front-ends, :class:`~skgenre.SongPooling` and skgenre's
    classifiers, each of which exports and restores its own fitted state
    (``_export_state``, ``_restore_state``); and the scikit-learn steps of
    :data:`skgenre._sklearn_state.SKLEARN_STEPS`, whose state
    :mod:`skgenre._sklearn_state` stores.
    """
    from .mil.classifier import MILSongClassifier

    return {
        **sklearn_classes(),
        **transformer_classes(),
        "SongPooling": SongPooling,
        "MILSongClassifier": MILSongClassifier,
        "TagGenreClassifier": TagGenreClassifier,
    }


def _export(step):
    """``(JSON state, Keras model or None)`` of a fitted step."""
    if hasattr(step, "_export_state"):
        return step._export_state()
    return export_state(step), None


def _restore(cls, params, state, model):
    """The fitted step of class ``cls`` from its model-file entry."""
    if hasattr(cls, "_restore_state"):
        return cls._restore_state(params, state, model)
    if model is not None:
        raise StateError(f"{cls.__name__} holds no Keras model")
    return restore_state(cls, params, state)


def _load_keras_model(path, member, members, tmp):
    """The Keras model stored as ``member``, loaded with ``safe_mode=True``."""
    import keras

    if member not in members or "/" in member or "\\" in member:
        raise ModelFileError(path, f"damaged (missing Keras model {member!r})")
    model_path = os.path.join(tmp, member)
    with open(model_path, "wb") as f:
        f.write(members[member])
    try:
        return keras.saving.load_model(model_path, safe_mode=True)
    except Exception as exc:
        raise ModelFileError(
            path,
            f"damaged or incompatible Keras model {member} ({_first_line(exc)})",
        ) from exc


def _build(path, manifest, members):
    classes = _classes()
    steps = []
    with tempfile.TemporaryDirectory() as tmp:
        for entry in manifest["steps"]:
            cls = classes.get(entry.get("class"))
            if cls is None:
                raise ModelFileError(
                    path,
                    f"not a skgenre model file (unknown step class "
                    f"{entry.get('class')!r})",
                )
            model = None
            if "keras_model" in entry:
                model = _load_keras_model(path, entry["keras_model"], members, tmp)
            try:
                step = _restore(cls, entry["params"], entry.get("state") or {}, model)
            except StateError as exc:
                raise ModelFileError(path, exc.reason) from exc
            steps.append((entry["name"], step))
    if manifest.get("pipeline"):
        return Pipeline(steps)
    if len(steps) != 1:
        raise ModelFileError(path, "damaged (several steps but no pipeline)")
    return steps[0][1]
