"""Ready-made pipelines: what the command line and the demo train."""

from sklearn.pipeline import Pipeline

from ._validation import check_choice
from .frontends.registry import FRONT_ENDS, make_front_end

__all__ = ["make_pipeline"]


def make_pipeline(
    features="musicnn",
    *,
    n_jobs=-1,
    memory=None,
    verbose=0,
    feature_params=None,
    **classifier_params,
):
    """A feature front-end and the MIL classifier in one Pipeline.

    The classifier is told what the front-end's windows hold
    (``features``, ``n_mels``: the transformer's ``classifier_params()``), so
    nothing is guessed from the data.

    Parameters
    ----------
    features : str, default="musicnn"
        A front-end of :data:`skgenre.frontends.registry.FRONT_ENDS`: ``"musicnn"``,
        embeddings of the pretrained encoder (:class:`~skgenre.WindowEmbedder`)
        with a dense window head, the recommended model for songs by artists
        the model has not heard; ``"mfcc"`` / ``"logmel"``: the reference
        window CNN on :class:`~skgenre.WindowMFCCTransformer` features,
        learned from scratch.
    n_jobs : int or None, default=-1
        Songs decoded in parallel.
    memory : str or None, default=None
        Feature cache directory.
    verbose : int, default=0
        Progress bar over songs during feature extraction.
    feature_params : dict or None, default=None
        Further parameters of the front-end (``song_length``, ``fmax``,
        ``layer``...).
    **classifier_params
        Parameters of :class:`~skgenre.MILSongClassifier` (``epochs``,
        ``pooling``, ``random_state``, ``verbose``...).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``"features"`` and ``"clf"``, unfitted.
    """
    from .mil.classifier import MILSongClassifier

    check_choice("make_pipeline", "features", features, tuple(FRONT_ENDS))
    front_end = make_front_end(
        features,
        n_jobs=n_jobs,
        memory=memory,
        verbose=verbose,
        **(feature_params or {}),
    )
    clf = MILSongClassifier(**{**front_end.classifier_params(), **classifier_params})
    return Pipeline([("features", front_end), ("clf", clf)])
