"""Ready-made pipelines: what the command line and the demo train."""

from sklearn.pipeline import Pipeline

from .embedder import WindowEmbedder
from .transformer import WindowMFCCTransformer

__all__ = ["FRONT_ENDS", "make_pipeline"]

#: Feature front-ends of :func:`make_pipeline`: the pretrained encoder, or
#: the reference model's MFCCs (or log-mel) learned from scratch.
FRONT_ENDS = ("musicnn", "mfcc", "logmel")


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

    Parameters
    ----------
    features : {"musicnn", "mfcc", "logmel"}, default="musicnn"
        ``"musicnn"``: embeddings of the pretrained encoder
        (:class:`~skgenre.WindowEmbedder`) with a dense window head, the
        recommended model for songs by artists the model has not heard;
        ``"mfcc"`` / ``"logmel"``: the reference window CNN on
        :class:`~skgenre.WindowMFCCTransformer` features, learned from
        scratch.
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
    from .classifier import MILSongClassifier

    if features not in FRONT_ENDS:
        raise ValueError(
            f"make_pipeline: invalid features={features!r}; expected one of "
            f"{FRONT_ENDS}."
        )
    common = {"n_jobs": n_jobs, "memory": memory, "verbose": verbose}
    if features == "musicnn":
        front_end = WindowEmbedder(**common, **(feature_params or {}))
        clf = MILSongClassifier(**classifier_params)
    else:
        front_end = WindowMFCCTransformer(
            features=features, **common, **(feature_params or {})
        )
        # Told what the features are and how many mel bands they use.
        n_mels = front_end.feature_settings().n_mels
        clf = MILSongClassifier(features=features, n_mels=n_mels, **classifier_params)
    return Pipeline([("features", front_end), ("clf", clf)])
