"""What decides a library's genres: the zero-shot tagger or a model file.

:func:`load_genre_model` gives a :class:`GenreModel`, whose
:meth:`~GenreModel.predict_proba` runs over any number of files in chunks,
with one progress bar: memory stays flat, a file that cannot be decoded is
reported and the others go on.
"""

import os
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..frontends._extraction import FAILURES_MESSAGE
from .scan import file_sha256

__all__ = ["ZERO_SHOT_NAMES", "GenreModel", "load_genre_model"]

#: The genre names the zero-shot tagger writes, as tags usually spell them.
ZERO_SHOT_NAMES = {"hiphop": "Hip-Hop", "rnb": "R&B"}


@dataclass
class GenreModel:
    """A fitted pipeline from audio paths to genre probabilities.

    Attributes
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Its first step turns paths into window features.
    names : list of str
        The genre each probability column names, as written into tags.
    identity : str
        What the provenance field records as the model: the zero-shot
        tagger's name, or a model file's name and SHA-256.
    multilabel : bool
        Whether the model gives several genres per song.
    threshold : float or None
        Multi-label models: the probability a genre needs.
    settings : dict
        What else changes the predictions (precision...), for provenance.
    encoder : str or None
        ``"auto"``: the pretrained encoder's precision and runtime are
        chosen for the number of songs each :meth:`predict_proba` call is
        given (:func:`skgenre.encoders.choice.encoder_choice`); None keeps
        the pipeline's.
    encoder_reason : str
        What the last call chose and why (empty until then).
    """

    pipeline: object
    names: list
    identity: str
    multilabel: bool = False
    threshold: float | None = None
    settings: dict = field(default_factory=dict)
    encoder: str | None = None
    encoder_reason: str = ""

    def _choose_encoder(self, n_songs):
        """Precision and runtime of the encoder for ``n_songs`` songs."""
        from ..encoders.choice import encoder_choice

        choice = encoder_choice(n_songs, precision=self.encoder)
        self.pipeline[0].set_params(precision=choice.precision, runtime=choice.runtime)
        self.settings["precision"] = choice.precision
        self.encoder_reason = choice.line

    def predict_proba(self, paths, chunk_size=32, progress=True):
        """Genre probabilities of each file, chunk by chunk.

        Parameters
        ----------
        paths : list of str
        chunk_size : int, default=32
            Files per chunk: only one chunk's features are in memory.
        progress : bool, default=True
            One progress bar over all files, with an ETA.

        Returns
        -------
        proba : ndarray of shape (n_files, n_genres)
            NaN rows for the files that failed.
        errors : dict of str to str
            The reason of each file that could not be decoded.
        """
        if self.encoder is not None and len(paths):
            self._choose_encoder(len(paths))
        transformer, rest = self.pipeline[0], self.pipeline[1:]
        transformer.set_params(on_error="zeros", verbose=0)
        proba = np.full((len(paths), len(self.names)), np.nan)
        errors = {}
        with _bar(len(paths), progress) as bar, warnings.catch_warnings():
            # Each failure is returned (a row of the plan), not warned about.
            warnings.filterwarnings("ignore", FAILURES_MESSAGE, UserWarning)
            for start in range(0, len(paths), chunk_size):
                chunk = list(paths[start : start + chunk_size])
                X = transformer.transform(chunk)
                failed = dict(transformer.errors_)
                errors.update(failed)
                good = [k for k, p in enumerate(chunk) if p not in failed]
                if good:
                    proba[start + np.asarray(good)] = rest.predict_proba(X[good])
                bar.update(len(chunk))
        return proba, errors


def _bar(total, shown):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="Predicting", unit="song", disable=not shown)


def load_genre_model(
    model=None,
    *,
    tagger="musicnn-msd+mtt",
    precision=None,
    n_jobs=-1,
    cache=None,
    threshold=None,
    max_windows=None,
):
    """The pretrained zero-shot tagger, or a trained model file.

    Parameters
    ----------
    model : str or path-like or None, default=None
        A model file (``skgenre train``, :func:`skgenre.save`); None for the
        zero-shot genres of ``tagger``.
    tagger : str, default="musicnn-msd+mtt"
        See :class:`skgenre.zeroshot.TagGenreClassifier`.
    precision : {"auto", "float32", "bfloat16"} or None, default=None
        The pretrained encoder's; None keeps the model's (float32).
        ``"auto"``: chosen with its runtime for the number of songs
        (bfloat16 for many songs where the CPU computes it natively, the
        runtime measured fastest; see :mod:`skgenre.encoders.choice`).
    n_jobs : int, default=-1
        Decoding workers.
    cache : str or None, default=None
        Folder caching each song's window features: a second run costs no
        network time.
    threshold : float or None, default=None
        Multi-label models: overrides the model's threshold.
    max_windows : int or None, default=None
        At most this many windows per song, spread evenly over it (only
        their audio is decoded); None: the model's (every window).

    Returns
    -------
    model : GenreModel

    Raises
    ------
    skgenre.persistence.ModelFileError
        If the model file cannot be loaded.
    ValueError
        If an option does not apply to the model.
    """
    settings = {}
    if precision is not None:
        settings["precision"] = precision
    if max_windows is not None:
        settings["max_windows"] = max_windows
    if model is None:
        from ..zeroshot import zero_shot_pipeline

        if threshold is not None:
            raise ValueError("a threshold is for multi-label models (a model file)")
        fixed = precision if precision in (None, "float32", "bfloat16") else None
        pipe = zero_shot_pipeline(
            tagger,
            n_jobs=n_jobs,
            memory=cache,
            precision=fixed or "float32",
            max_windows=max_windows,
        )
        names = [ZERO_SHOT_NAMES.get(c, str(c).title()) for c in pipe[-1].classes_]
        return GenreModel(
            pipe,
            names,
            f"zero-shot {tagger}",
            settings=settings,
            encoder="auto" if precision == "auto" else None,
        )
    from ..persistence import load

    pipe, names = load(model, return_label_names=True)
    names = names or [str(c) for c in pipe[-1].classes_]
    clf = pipe[-1]
    if hasattr(clf, "verbose"):
        clf.set_params(verbose=0)
    pipe[0].set_params(n_jobs=n_jobs, memory=cache)
    if max_windows is not None:
        pipe[0].set_params(max_windows=max_windows)
    encoder = None
    if precision is not None:
        if "precision" not in pipe[0].get_params():
            raise ValueError(f"{model} does not use the pretrained encoder (precision)")
        if precision == "auto":
            encoder = "auto"
        else:
            pipe[0].set_params(precision=precision)
    multilabel = bool(getattr(clf, "multilabel_", False))
    if threshold is not None:
        if not multilabel:
            raise ValueError(f"{model} is not a multi-label model (threshold)")
        settings["threshold"] = threshold
    elif multilabel:
        threshold = float(clf.threshold)
    identity = f"{os.path.basename(model)} sha256:{file_sha256(model)[:16]}"
    return GenreModel(
        pipe, names, identity, multilabel, threshold, settings, encoder=encoder
    )
