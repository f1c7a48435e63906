"""What every transformer from audio paths to window features shares.

A front-end subclasses :class:`BaseWindowTransformer`, stores its parameters
in ``__init__``, and defines ``feature_settings()`` (validated parameters,
with the window arithmetic), ``_front_end(settings)`` (a
:class:`~skgenre.frontends._extraction.FrontEnd`: what the extraction engine runs per
song) and ``classifier_params()`` (what its windows hold, for the
classifier); it is made available by name in :mod:`skgenre.frontends.registry`.
``transform``, ``transform_to_store``, ``fit_transform``, the model-file
hooks and the tags come from here; the shared parameters are documented once
in :data:`SHARED_PARAMETERS`.
"""

import os

from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import check_choice, check_param, check_paths, is_int, is_real
from ._extraction import ON_ERROR, Extraction
from .store import write_store

__all__ = ["SHARED_PARAMETERS", "BaseWindowTransformer", "fill_doc"]

#: numpydoc entries of the parameters every window transformer has, inserted
#: into class docstrings by :func:`fill_doc` as ``%(name)s``.
SHARED_PARAMETERS = {
    "song_length": """song_length : float or None, default=60.0
        Seconds of each song used; shorter songs are zero-padded at the end,
        longer ones cut.  ``None`` keeps every window of every song: songs
        with fewer windows than the longest of the call are padded with
        windows of NaN, which :class:`MILSongClassifier` masks out (they
        never influence pooling, loss or prediction).  A song shorter than
        one window gives one window.""",
    "offset": """offset : float, default=0.0
        Seconds skipped at the start of each file.""",
    "max_windows": """max_windows : int or None, default=None
        At most this many windows per song, spread evenly over it: windows
        ``round(linspace(0, n - 1, max_windows))`` of the song's ``n`` (the
        first and the last included; deterministic); a song with fewer
        keeps all of them, and ``None`` keeps every window.  Only the audio
        of the kept windows is decoded where the format seeks
        sample-accurately (WAV, FLAC, Opus, MP3 with a Xing/LAME header...;
        see :class:`~skgenre.audio.AudioReader`), other files are decoded
        whole; the windows are the same either way, to float32 rounding.  A
        hyper-parameter like any other (``GridSearchCV`` can tune it), part
        of the cache key.""",
    "n_jobs": """n_jobs : int or None, default=None
        Songs decoded in parallel with joblib (processes by default; ``-1``
        means all cores).  Honours ``joblib.parallel_backend``, e.g. dask.""",
    "memory": """memory : str, path-like, joblib.Memory or None, default=None
        Cache of each song's features, keyed by the file's path, size and
        modification time and by every parameter that changes features.""",
    "verbose": """verbose : int, default=0
        If positive, show a progress bar over songs.""",
    "on_error": """on_error : {"raise", "skip", "zeros"}, default="raise"
        What a file that cannot be decoded does: raise
        :class:`~skgenre.audio.AudioDecodeError` naming it, leave its row out
        of the output, or give it all-zero features.  With "skip" or "zeros"
        the other songs are kept, failures are listed in ``errors_`` and a
        warning says how many failed.  "skip" changes the number of rows, so
        it is refused where labels must stay aligned (``fit_transform`` with
        ``y``, i.e. inside ``Pipeline.fit``): use "zeros" there, or clean the
        file list first with a "skip" transform and ``errors_``.""",
    "errors_": """errors_ : list of (str, str)
        Set by ``transform``: path and reason of each file that failed
        (``on_error`` "skip" or "zeros"); empty if none did.""",
}


def fill_doc(cls):
    """Class decorator: substitute ``%(name)s`` of :data:`SHARED_PARAMETERS`."""
    cls.__doc__ = cls.__doc__ % SHARED_PARAMETERS
    return cls


class BaseWindowTransformer(TransformerMixin, BaseEstimator):
    """Base of the transformers from audio file paths to window features.

    Subclasses set the parameters ``song_length``, ``offset``,
    ``max_windows``, ``n_jobs``, ``memory``, ``verbose`` and ``on_error``
    (see :data:`SHARED_PARAMETERS`)
    and define ``feature_settings()``, ``_front_end(settings)`` and
    ``classifier_params()``.
    """

    def _export_state(self):
        """Fitted state for a model file: ``(JSON data, Keras model or None)``.

        A transformer learns nothing: its parameters are all it needs.
        """
        return {}, None

    @classmethod
    def _restore_state(cls, params, state, model):
        """The fitted transformer of a model file (see :mod:`skgenre.persistence`).

        Raises
        ------
        skgenre._errors.StateError
            If ``state`` cannot be restored by this skgenre.
        """
        return cls(**params).fit()

    def _check_shared_params(self):
        """Validate the parameters every window transformer has."""
        check_param(
            self,
            "song_length",
            self.song_length,
            self.song_length is None
            or (is_real(self.song_length) and self.song_length > 0),
            "None or a number of seconds > 0",
        )
        check_param(
            self,
            "offset",
            self.offset,
            is_real(self.offset) and self.offset >= 0,
            "a number of seconds >= 0",
        )
        check_param(
            self,
            "max_windows",
            self.max_windows,
            self.max_windows is None
            or (is_int(self.max_windows) and self.max_windows >= 1),
            "None or an int >= 1",
        )
        check_param(
            self,
            "verbose",
            self.verbose,
            is_int(self.verbose) or self.verbose in (True, False),
            "an int",
        )
        check_choice(self, "on_error", self.on_error, ON_ERROR)

    def song_window_starts(self, path):
        """Start time in seconds (in the file) of each window ``transform``
        gives a song.

        With ``max_windows``, the kept windows' starts, which depend on the
        song's length: read from the file's header (decoded to count it
        where the header's count is not exact, see
        :func:`skgenre.audio.decoded_length`).

        Parameters
        ----------
        path : str or path-like
            Audio file.

        Returns
        -------
        starts : ndarray of shape (n_windows,)
            ``n_windows`` is the song's number of real (non-padded) windows
            in ``transform([path])``.

        Raises
        ------
        skgenre.audio.AudioDecodeError
            If the file cannot be read.
        """
        settings = self.feature_settings()
        count = self._front_end(settings).count
        n = count(os.fspath(path), settings._replace(max_windows=None))
        kept = min(n, settings.max_windows or n)
        return settings.window_starts(kept, song_windows=n)

    def _extraction(self):
        """The work of ``transform``, for the extraction engine."""
        settings = self.feature_settings()
        return Extraction(
            front_end=self._front_end(settings),
            settings=settings,
            n_jobs=self.n_jobs,
            memory=self.memory,
            verbose=self.verbose,
            on_error=self.on_error,
        )

    def transform(self, X):
        """Compute the window features of each song.

        Parameters
        ----------
        X : array-like of shape (n_songs,) of str or path-like
            Audio file paths (list, array, pandas Series...).

        Returns
        -------
        features : ndarray of shape (n_songs, n_windows, ...), float32
            One row per song, one entry per window; the shape of a window's
            features is given in the class description.

        Raises
        ------
        skgenre.audio.AudioDecodeError
            If a file is missing, empty or not decodable (``on_error="raise"``);
            the message names the file and the reason.
        """
        features, self.errors_ = self._extraction().run(check_paths(X))
        return features

    def transform_to_store(self, X, directory, chunk_size=256):
        """Write the features of many songs to disk in chunks; resumable.

        Writes ``directory/features.npy`` (a standard ``.npy`` file, float32,
        equal to ``transform(X)``) and ``directory/index.json`` (the paths,
        the feature settings, the shape, each song's number of real windows
        and how many songs are done), see :mod:`skgenre.frontends.store`.  Only one
        chunk is in memory at a time, so peak memory does not grow with the
        number of songs.  Run again after an interruption, the same call
        continues after the last finished chunk.

        With ``song_length=None`` every song's number of windows is needed
        before the file is allocated: it is computed from each file's header
        (its frame count, sample rate and ``offset``) without decoding, except
        for formats whose header count is not exact, such as AAC and MP3
        without a Xing/LAME header, which are decoded once to count their
        samples.  Songs with fewer windows than
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
        features : numpy.memmap of shape (n_songs, n_windows, ...)
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
