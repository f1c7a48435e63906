"""Ready-made pipelines: what the command line and the demo train."""

from sklearn.pipeline import Pipeline

from .transformer import WindowMFCCTransformer

__all__ = ["make_pipeline"]


def make_pipeline(
    features="mfcc",
    *,
    song_length=60.0,
    fmax=None,
    n_jobs=-1,
    memory=None,
    verbose=0,
    **classifier_params,
):
    """The feature transformer and the MIL classifier in one Pipeline.

    Parameters
    ----------
    features : {"mfcc", "logmel"}, default="mfcc"
        Window features (:class:`~skgenre.WindowMFCCTransformer`); the
        classifier is told what they are and how many mel bands they use.
    song_length : float or None, default=60.0
        Seconds per song, ``None`` for whole songs.
    fmax : float or None, default=None
        Top of the mel filterbank in Hz.
    n_jobs : int or None, default=-1
        Songs decoded in parallel.
    memory : str or None, default=None
        Feature cache directory.
    verbose : int, default=0
        Progress bar over songs during feature extraction.
    **classifier_params
        Parameters of :class:`~skgenre.MILSongClassifier` (``epochs``,
        ``pooling``, ``random_state``, ``verbose``...).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``"features"`` and ``"clf"``, unfitted.
    """
    from .classifier import MILSongClassifier

    transformer = WindowMFCCTransformer(
        song_length=song_length,
        features=features,
        fmax=fmax,
        n_jobs=n_jobs,
        memory=memory,
        verbose=verbose,
    )
    clf = MILSongClassifier(
        features=features,
        n_mels=transformer.feature_settings().n_mels,
        **classifier_params,
    )
    return Pipeline([("features", transformer), ("clf", clf)])
