"""``WindowMFCCTransformer``: audio file paths -> 5-D window feature tensor."""

from .._validation import check_choice, check_param, is_int, is_real
from . import features
from ._base import BaseWindowTransformer, fill_doc
from ._extraction import FrontEnd
from .features import FEATURE_KINDS, FeatureSettings

__all__ = ["WindowMFCCTransformer"]


@fill_doc
class WindowMFCCTransformer(BaseWindowTransformer):
    """Turn audio files into MFCC (or log-mel) matrices of overlapping windows.

    Each song is decoded, mixed to mono, resampled to ``sample_rate``, cut or
    zero-padded to ``song_length`` seconds from ``offset``, and split into
    windows of ``window_length`` seconds overlapping by ``window_overlap``.
    Each window gives a ``(n_bands, n_frames)`` matrix computed exactly as
    ``librosa.feature.mfcc`` (or a log-mel spectrogram) on that window alone.
    ``transform`` returns a float32 array of shape ``(n_songs, n_windows,
    n_bands, n_frames, 1)``: ``(n_songs, 23, 13, 216, 1)`` with the defaults.

    Parameters
    ----------
    sample_rate : int, default=22050
        Sample rate in Hz the audio is resampled to.
    n_mfcc : int, default=13
        Number of MFCCs per frame (``features="mfcc"``).
    hop_length : int, default=512
        Hop between STFT frames in samples.
    n_fft : int or None, default=None
        FFT length in samples; ``None`` means ``2 * hop_length``.
    window_length : float, default=5.0
        Window length in seconds.
    window_overlap : float, default=0.5
        Fraction of a window shared with the next one, in ``[0, 1)``.
    %(song_length)s
    %(offset)s
    %(max_windows)s
    features : {"mfcc", "logmel"}, default="mfcc"
        MFCCs, or the log-mel spectrogram in dB.
    n_mels : int or None, default=None
        Mel bands; ``None`` means 128 for ``"mfcc"`` (librosa's default) and
        64 for ``"logmel"``.
    fmin : float, default=0.0
        Lowest mel filterbank frequency in Hz.
    fmax : float or None, default=None
        Highest mel filterbank frequency in Hz; ``None`` means
        ``sample_rate / 2``.  A shared value such as 8000 makes files of
        different bandwidths comparable.
    %(n_jobs)s
    %(memory)s
    %(verbose)s
    %(on_error)s

    Attributes
    ----------
    n_windows_ : int or None
        Windows per song (at most ``max_windows``); ``None`` when
        ``song_length=None`` (it depends on the songs).
    n_bands_ : int
        MFCCs or mel bands per frame.
    n_frames_ : int
        STFT frames per window.
    settings_ : FeatureSettings
        The validated settings in samples.
    %(errors_)s

    Examples
    --------
    >>> from skgenre import WindowMFCCTransformer
    >>> WindowMFCCTransformer().fit([]).n_windows_
    23
    """

    def __init__(
        self,
        sample_rate=22050,
        n_mfcc=13,
        hop_length=512,
        n_fft=None,
        window_length=5.0,
        window_overlap=0.5,
        song_length=60.0,
        offset=0.0,
        max_windows=None,
        features="mfcc",
        n_mels=None,
        fmin=0.0,
        fmax=None,
        n_jobs=None,
        memory=None,
        verbose=0,
        on_error="raise",
    ):
        self.sample_rate = sample_rate
        self.n_mfcc = n_mfcc
        self.hop_length = hop_length
        self.n_fft = n_fft
        self.window_length = window_length
        self.window_overlap = window_overlap
        self.song_length = song_length
        self.offset = offset
        self.max_windows = max_windows
        self.features = features
        self.n_mels = n_mels
        self.fmin = fmin
        self.fmax = fmax
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose
        self.on_error = on_error

    def feature_settings(self):
        """Validate the parameters and convert them to samples.

        Changes nothing: ``transform`` and the plotting helpers call it.

        Returns
        -------
        settings : FeatureSettings
            Every parameter that changes the features, with the window
            arithmetic (``n_frames``, ``n_windows(n_samples)``,
            ``window_starts(n)``...).
        """
        p = self.get_params()

        def check(name, ok, accepted):
            check_param(self, name, p[name], ok, accepted)

        check(
            "sample_rate",
            is_int(p["sample_rate"]) and p["sample_rate"] >= 1000,
            "an int >= 1000 (Hz)",
        )
        check(
            "hop_length",
            is_int(p["hop_length"]) and p["hop_length"] >= 1,
            "an int >= 1 (samples)",
        )
        check(
            "n_fft",
            p["n_fft"] is None or (is_int(p["n_fft"]) and p["n_fft"] >= 2),
            "None or an int >= 2 (samples)",
        )
        check_choice(self, "features", self.features, FEATURE_KINDS)
        check(
            "n_mels",
            p["n_mels"] is None or (is_int(p["n_mels"]) and p["n_mels"] >= 1),
            "None or an int >= 1",
        )
        n_mels = p["n_mels"] or (128 if p["features"] == "mfcc" else 64)
        check(
            "n_mfcc",
            is_int(p["n_mfcc"]) and 1 <= p["n_mfcc"] <= n_mels,
            f"an int in [1, n_mels={n_mels}]",
        )
        check(
            "window_length",
            is_real(p["window_length"]) and p["window_length"] > 0,
            "a number of seconds > 0",
        )
        check(
            "window_overlap",
            is_real(p["window_overlap"]) and 0 <= p["window_overlap"] < 1,
            "a fraction in [0, 1)",
        )
        nyquist = p["sample_rate"] / 2
        check(
            "fmin",
            is_real(p["fmin"]) and 0 <= p["fmin"] < nyquist,
            f"a frequency in [0, sample_rate / 2 = {nyquist}) Hz",
        )
        check(
            "fmax",
            p["fmax"] is None
            or (is_real(p["fmax"]) and p["fmin"] < p["fmax"] <= nyquist),
            f"None or a frequency in (fmin, sample_rate / 2 = {nyquist}] Hz",
        )
        self._check_shared_params()

        n_fft = p["n_fft"] if p["n_fft"] is not None else 2 * p["hop_length"]
        window_samples = int(round(p["window_length"] * p["sample_rate"]))
        check(
            "window_length",
            window_samples >= n_fft // 2 + 1,
            f"at least n_fft / 2 + 1 = {n_fft // 2 + 1} samples",
        )
        overlap = 1 - p["window_overlap"]
        return FeatureSettings(
            sample_rate=int(p["sample_rate"]),
            offset=float(p["offset"]),
            song_samples=None
            if p["song_length"] is None
            else int(round(p["song_length"] * p["sample_rate"])),
            window_samples=window_samples,
            hop_samples=max(1, int(round(window_samples * overlap))),
            kind=p["features"],
            n_mfcc=int(p["n_mfcc"]),
            n_mels=int(n_mels),
            n_fft=int(n_fft),
            hop_length=int(p["hop_length"]),
            fmin=float(p["fmin"]),
            fmax=None if p["fmax"] is None else float(p["fmax"]),
            max_windows=None if p["max_windows"] is None else int(p["max_windows"]),
        )

    def _front_end(self, settings):
        """What the extraction engine runs per song."""
        return FrontEnd(
            compute=_window_tensor,
            count=_song_n_windows,
            window_shape=(*settings.window_shape, 1),
            n_windows=settings.song_windows,
        )

    def classifier_params(self):
        """What this transformer's windows hold, as classifier parameters.

        Returns
        -------
        params : dict
            ``{"features": "mfcc" or "logmel", "n_mels": int}`` for
            :class:`~skgenre.MILSongClassifier`, which needs them for
            ``bandlimit`` and cannot tell MFCCs from log-mel bands by itself.
        """
        s = self.feature_settings()
        return {"features": s.kind, "n_mels": s.n_mels}

    def fit(self, X=None, y=None):
        """Validate the parameters and record the output shape.

        No audio is read: the transformer is stateless.

        Parameters
        ----------
        X : array-like of shape (n_songs,) of str, default=None
            Audio file paths (ignored).
        y : None
            Ignored.

        Returns
        -------
        self : WindowMFCCTransformer
        """
        s = self.settings_ = self.feature_settings()
        self.n_windows_ = s.song_windows
        self.n_bands_, self.n_frames_ = s.window_shape
        return self


def _window_tensor(path, settings):
    """One song's features with a channel axis: (n_windows, n_bands, n_frames, 1)."""
    # Looked up at call time, so tests can count real computations.
    return features.song_features(path, settings)[..., None]


def _song_n_windows(path, settings):
    return features.song_n_windows(path, settings)
