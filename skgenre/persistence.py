"""Model files without pickle: ``save(pipeline, path)`` and ``load(path)``.

A model file is a zip archive holding ``skgenre-model.json`` (format name and
version, package version, each of skgenre's own steps with its class,
parameters and fitted state as JSON), one ``.keras`` file per Keras model and
one ``.skops`` archive (:mod:`skops.io`) per other step, e.g. a scikit-learn
classifier.  ``load`` checks the archive's format and version before reading
anything else, accepts only skgenre's own classes and, in the skops members,
the types that skops and :data:`TRUSTED_TYPES` trust, refusing any other
type by its name before constructing anything; it loads Keras models with
``safe_mode=True``.  It never unpickles, so a file from an untrusted source
cannot run code.  joblib or pickle still work for those who want them.
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
from ._legacy_state import legacy_classes, restore_state
from ._sklearn_steps import TRUSTED_TYPES, dump_step, load_step
from ._version import __version__
from .frontends.registry import transformer_classes
from .song_pooling import SongPooling
from .zeroshot import TagGenreClassifier

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "TRUSTED_TYPES",
    "ModelFileError",
    "load",
    "save",
]

FORMAT = "skgenre-model"
#: The newest format version, which ``load`` reads with every earlier one.
#: 2: scikit-learn steps are skops members (``"skops": "step2.skops"``).
#: 1: skgenre's own steps, and in files written before skops the
#: scikit-learn steps' state as JSON (:mod:`skgenre._legacy_state`).
#: ``save`` writes the lowest version that holds the file, so a file without
#: other steps is still read by older skgenre.
FORMAT_VERSION = 2
_SKOPS_VERSION = 2
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
        :class:`~skgenre.zeroshot.TagGenreClassifier`, which store their own
        state, and any scikit-learn estimator made of the types that skops
        and :data:`TRUSTED_TYPES` trust, stored with :mod:`skops.io`
        (``StandardScaler``, ``PCA``, ``LogisticRegression``,
        ``HistGradientBoostingClassifier``, ``RandomForestClassifier``,
        ``CalibratedClassifierCV(...)``...), so that
        ``Pipeline([WindowEmbedder(), SongPooling(),
        HistGradientBoostingClassifier()])`` is saved too.  The pretrained
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
        If a skgenre step has a parameter that is not a plain value, another
        step holds a type that is not trusted (the message names it) or
        skops cannot store it, or ``label_names`` are not str.
    sklearn.exceptions.NotFittedError
        If a step is not fitted.
    """
    own = _own_classes()
    manifest = {
        "format": FORMAT,
        "format_version": 1,
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
    # Other steps are stored, and checked, before the file is written: a
    # refusal leaves none.
    skops_steps = {
        i: dump_step(name, step)
        for i, (name, step) in enumerate(_steps(estimator))
        if own.get(type(step).__name__) is not type(step)
    }
    if skops_steps:
        manifest["format_version"] = _SKOPS_VERSION
    with (
        tempfile.TemporaryDirectory() as tmp,
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for i, (name, step) in enumerate(_steps(estimator)):
            if i in skops_steps:
                member = f"step{i}.skops"
                archive.writestr(member, skops_steps[i])
                manifest["sha256"][member] = _sha256(skops_steps[i])
                entry = {"name": name, "class": type(step).__name__, "skops": member}
                manifest["steps"].append(entry)
                continue
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
        does not write, naming a type that is not trusted (``"refused: step
        'clf' holds type 'builtins.eval', ..."``), or made by an
        incompatible version.  ``path`` and ``reason`` are attributes of the
        error.  Nothing in the file is executed: it is never unpickled, skops
        members construct trusted types only, and Keras models are loaded
        with ``safe_mode=True``.

    Warns
    -----
    UserWarning or sklearn.exceptions.InconsistentVersionWarning
        If a scikit-learn step was saved with another scikit-learn version.
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
    version = manifest.get("format_version")
    if isinstance(version, bool) or version not in range(1, FORMAT_VERSION + 1):
        raise ModelFileError(
            path,
            "made by an incompatible version (skgenre "
            f"{manifest.get('skgenre_version')!s}, format version "
            f"{version!r}; this skgenre {__version__} reads format versions "
            f"1 to {FORMAT_VERSION})",
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


def _own_classes():
    """skgenre's estimator classes, which store their own state, by name.

    The registered front-ends, :class:`~skgenre.SongPooling` and skgenre's
    classifiers, each of which exports and restores its own fitted state
    (``_export_state``, ``_restore_state``).  Other steps are skops members.
    """
    from .mil.classifier import MILSongClassifier

    return {
        **transformer_classes(),
        "SongPooling": SongPooling,
        "MILSongClassifier": MILSongClassifier,
        "TagGenreClassifier": TagGenreClassifier,
    }


def _classes():
    """The classes a step's ``"class"`` may name when it has no skops member.

    skgenre's own (:func:`_own_classes`) and the scikit-learn steps of files
    written before skops, with their JSON state (:mod:`skgenre._legacy_state`).
    """
    return {**legacy_classes(), **_own_classes()}


def _export(step):
    """``(JSON state, Keras model or None)`` of one of skgenre's steps."""
    return step._export_state()


def _restore(cls, params, state, model):
    """The fitted step of class ``cls`` from its JSON model-file entry."""
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


def _load_skops_step(path, entry, members):
    """The step stored as a skops member, if it holds trusted types only."""
    member = entry["skops"]
    if not isinstance(member, str) or member not in members or member == _MANIFEST:
        raise ModelFileError(path, f"damaged (missing skops member {member!r})")
    try:
        return load_step(entry["name"], members[member], member)
    except StateError as exc:
        raise ModelFileError(path, exc.reason) from exc


def _build(path, manifest, members):
    classes = _classes()
    steps = []
    with tempfile.TemporaryDirectory() as tmp:
        for entry in manifest["steps"]:
            if "skops" in entry:
                steps.append((entry["name"], _load_skops_step(path, entry, members)))
                continue
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
