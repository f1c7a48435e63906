"""``WindowMFCCTransformer``: audio file paths -> 5-D window feature tensor."""

from sklearn.base import BaseEstimator, TransformerMixin

from . import features
from ._extraction import ON_ERROR, Extraction
from ._validation import check_choice, check_param, check_paths, is_int, is_real
from .features import FEATURE_KINDS, FeatureSettings
from .store import write_store

__all__ = ["WindowMFCCTransformer"]


class WindowMFCCTransformer(TransformerMixin, BaseEstimator):
    """Turn audio files into MFCC (or log-mel) matrices of overlapping windows.

    Each song is decoded, mixed to mono, resampled to ``sample_rate``, cut or
    zero-padded to ``song_length`` seconds from ``offset``, and split into
    windows of ``window_length`` seconds overlapping by ``window_overlap``.
    Each window gives a ``(n_bands, n_frames)`` matrix computed exactly as
    ``librosa.feature.mfcc`` (or a log-mel spectrogram) on that window alone.

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
    song_length : float or None, default=60.0
        Seconds of each song used; shorter songs are zero-padded at the end,
        longer ones cut.  ``None`` keeps every window of every song: songs
        with fewer windows than the longest of the call are padded with
        windows of NaN, which :class:`MILSongClassifier` masks out (they
        never influence pooling, loss or prediction).  A song shorter than
        one window gives one zero-padded window.
    offset : float, default=0.0
        Seconds skipped at the start of each file.
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
    n_jobs : int or None, default=None
        Songs decoded in parallel with joblib (processes by default; ``-1``
        means all cores).  Honours ``joblib.parallel_backend``, e.g. dask.
    memory : str, path-like, joblib.Memory or None, default=None
        Cache of each song's features, keyed by the file's path, size and
        modification time and by every parameter that changes features.
    verbose : int, default=0
        If positive, show a progress bar over songs.
    on_error : {"raise", "skip", "zeros"}, default="raise"
        What a file that cannot be decoded does: raise
        :class:`~skgenre.audio.AudioDecodeError` naming it, leave its row out
        of the output, or give it all-zero features.  With "skip" or "zeros"
        the other songs are kept, failures are listed in ``errors_`` and a
        warning says how many failed.  "skip" changes the number of rows, so
        it is refused where labels must stay aligned (``fit_transform`` with
        ``y``, i.e. inside ``Pipeline.fit``): use "zeros" there, or clean the
        file list first with a "skip" transform and ``errors_``.

    Attributes
    ----------
    n_windows_ : int or None
        Windows per song; ``None`` when ``song_length=None`` (it depends on
        the songs).
    n_bands_ : int
        MFCCs or mel bands per frame.
    n_frames_ : int
        STFT frames per window.
    settings_ : FeatureSettings
        The validated settings in samples.
    errors_ : list of (str, str)
        Set by ``transform``: path and reason of each file that failed
        (``on_error`` "skip" or "zeros"); empty if none did.

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
        check(
            "song_length",
            p["song_length"] is None
            or (is_real(p["song_length"]) and p["song_length"] > 0),
            "None or a number of seconds > 0",
        )
        check(
            "offset",
            is_real(p["offset"]) and p["offset"] >= 0,
            "a number of seconds >= 0",
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
        check(
            "verbose", is_int(p["verbose"]) or p["verbose"] in (True, False), "an int"
        )
        check_choice(self, "on_error", self.on_error, ON_ERROR)

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
        )

    def _extraction(self):
        """The work of ``transform``, for the extraction engine."""
        settings = self.feature_settings()
        return Extraction(
            compute=_window_tensor,
            count=_song_n_windows,
            settings=settings,
            window_shape=(*settings.window_shape, 1),
            n_windows=settings.song_windows,
            n_jobs=self.n_jobs,
            memory=self.memory,
            verbose=self.verbose,
            on_error=self.on_error,
        )

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

    def transform(self, X):
        """Compute the window features of each song.

        Parameters
        ----------
        X : array-like of shape (n_songs,) of str or path-like
            Audio file paths (list, array, pandas Series...).

        Returns
        -------
        features : ndarray of shape (n_songs, n_windows, n_bands, n_frames, 1)
            float32; ``n_bands`` is ``n_mfcc`` for MFCCs, ``n_mels`` for
            log-mel.  Defaults give ``(n_songs, 23, 13, 216, 1)``.

        Raises
        ------
        skgenre.audio.AudioDecodeError
            If a file is missing, empty or not decodable; the message names
            the file and the reason.
        """
        features, self.errors_ = self._extraction().run(check_paths(X))
        return features

    def transform_to_store(self, X, directory, chunk_size=256):
        """Write the features of many songs to disk in chunks; resumable.

        Writes ``directory/features.npy`` (a standard ``.npy`` file, float32,
        5-D, equal to ``transform(X)``) and ``directory/index.json`` (the
        paths, the feature settings, the shape, each song's number of real
        windows and how many songs are done), see :mod:`skgenre.store`.  Only
        one chunk is in memory at a time, so peak memory does not grow with
        the number of songs.  Run again after an interruption, the same call
        continues after the last finished chunk.

        With ``song_length=None`` every song's number of windows is needed
        before the file is allocated: it is computed from each file's header
        (its frame count, sample rate and ``offset``) without decoding, except
        for formats whose header count is not exact, such as MP3, which are
        decoded once to count their samples.  Songs with fewer windows than
        the longest are padded with NaN windows, as ``transform`` pads them.

        Parameters
        ----------
        X : array-like of shape (n_songs,) of str
            Audio file paths.
        directory : str or path-like
            Created if needed.  A store of other paths or settings there is
            refused rather than overwritten.
        chunk_size : int, default=256
            Songs per chunk.

        Returns
        -------
        features : numpy.memmap of shape (n_songs, n_windows, n_bands, n_frames, 1)
            The file opened read-only with ``np.load(..., mmap_mode="r")``.
            ``index.json``'s ``"n_windows"`` lists the real (non-NaN) windows
            of each song, in the order of ``X``.

        Raises
        ------
        ValueError
            With ``on_error="skip"`` (rows must match paths); if ``directory``
            holds a store of other paths or settings; or, on resuming, if a
            song now has more windows than the store was allocated for (its
            file changed).
        skgenre.audio.AudioDecodeError
            With ``on_error="raise"``, for a file that cannot be read; with
            ``song_length=None`` a file whose header cannot be read is
            reported before anything is written.

        Notes
        -----
        A damaged file whose header announces more samples than it decodes
        to keeps its true window count in the index, but the file's window
        axis was sized from the header.  If it was the longest song, the store
        has more (all-NaN) windows than ``transform(X)``.
        """
        features, self.errors_ = write_store(
            self._extraction(), check_paths(X), directory, chunk_size
        )
        return features

    def fit_transform(self, X, y=None):
        """Fit (validate parameters) and transform; see :meth:`transform`.

        Raises
        ------
        ValueError
            With ``on_error="skip"`` and labels ``y``: skipped songs would
            shift labels onto the wrong songs.
        """
        if self.on_error == "skip" and y is not None:
            raise ValueError(
                "on_error='skip' drops unreadable songs, which would misalign the "
                "labels y passed with them (as in Pipeline.fit); use "
                "on_error='zeros' there, or transform the paths alone first and "
                "remove the failed ones (errors_) from both paths and labels."
            )
        return self.fit(X, y).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []
        return tags


def _window_tensor(path, settings):
    """One song's features with a channel axis: (n_windows, n_bands, n_frames, 1)."""
    # Looked up at call time, so tests can count real computations.
    return features.song_features(path, settings)[..., None]


def _song_n_windows(path, settings):
    return features.song_n_windows(path, settings)
