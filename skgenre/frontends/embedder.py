"""``WindowEmbedder``: audio file paths -> pretrained window embeddings."""

import functools
from typing import NamedTuple

import numpy as np

from .._errors import StateError
from .._validation import check_choice, check_param, is_int, is_real
from ..audio import AudioReader, decoded_length, load_audio
from ..encoders import musicnn
from ..windows import kept_window_count, kept_window_indices, kept_windows
from ._base import BaseWindowTransformer, fill_doc
from ._extraction import FrontEnd

__all__ = [
    "EmbedderSettings",
    "WindowEmbedder",
    "embed_patches",
    "prepare_encoders",
    "song_n_windows",
    "song_patches",
]


def output_names(model, layer):
    """Names of the embedding dimensions of ``model`` at ``layer``.

    Tag names for the taggram (prefixed ``msd:`` / ``mtt:`` when both
    networks are used), else ``"<layer>_<i>"``.

    Returns
    -------
    names : list of str
    """
    networks = musicnn.ENCODERS[model]
    names = []
    for network in networks:
        prefix = network.removeprefix("musicnn-") + ":" if len(networks) > 1 else ""
        if layer == "taggram":
            names += [prefix + tag for tag in musicnn.TAGS[network]]
        else:
            names += [f"{prefix}{layer}_{i}" for i in range(musicnn.LAYERS[layer])]
    return names


class EmbedderSettings(NamedTuple):
    """Every parameter that changes a song's embeddings (lengths in samples).

    Built by :meth:`WindowEmbedder.feature_settings`; with the file's
    identity it is also the cache key of a song's embeddings.  It owns the
    window arithmetic: windows are musicnn's 187-frame log-mel patches,
    ``hop_frames`` apart, of which at most ``max_windows`` are kept
    (:func:`skgenre.windows.select_windows`).
    """

    model: str
    layer: str
    offset: float
    song_samples: int | None
    hop_frames: int
    weights_sha256: str
    precision: str = "float32"
    max_windows: int | None = None

    sample_rate = musicnn.SAMPLE_RATE

    @property
    def n_features(self):
        """Dimensions of one window's embedding."""
        return musicnn.LAYERS[self.layer] * len(musicnn.ENCODERS[self.model])

    @property
    def window_shape(self):
        """``(n_features,)`` of one window."""
        return (self.n_features,)

    @property
    def window_duration(self):
        """Window length in seconds (187 frames: 2.99 s)."""
        return musicnn.PATCH_FRAMES * musicnn.HOP_LENGTH / self.sample_rate

    @property
    def song_windows(self):
        """None: every song has its own number of windows."""
        return None

    def n_all_windows(self, n_samples):
        """Windows of a decoded song of ``n_samples`` before ``max_windows``
        keeps some (at least one)."""
        if self.song_samples is not None:
            n_samples = min(n_samples, self.song_samples)
        return musicnn.n_patches(n_samples, self.hop_frames)

    # Shared by every front-end's settings (see skgenre.audio).
    window_indices = kept_window_indices
    n_windows = kept_window_count

    def window_starts(self, n_windows, song_windows=None):
        """Start time in seconds (in the file) of each of ``n_windows`` windows.

        Parameters
        ----------
        n_windows : int
            Windows kept of a song (as many as ``transform`` gives it, or as
            the longest song of its output): the first ``n_windows``.
        song_windows : int or None, default=None
            The song's windows before ``max_windows`` keeps some
            (:meth:`n_all_windows`).  Needed with ``max_windows`` when
            ``n_windows >= max_windows``: which windows a song keeps then
            depends on its length.

        Returns
        -------
        starts : ndarray of shape (n_windows,)

        Raises
        ------
        ValueError
            If ``song_windows`` is needed and not given.
        """
        index = kept_windows(
            n_windows, max_windows=self.max_windows, song_windows=song_windows
        )
        hop = self.hop_frames * musicnn.HOP_LENGTH / self.sample_rate
        return self.offset + index * hop


def song_patches(path, settings):
    """Decode one song and cut its log-mel spectrogram into musicnn patches.

    With ``settings.max_windows`` and a song of more windows, only the
    audio of the kept windows is decoded where the format allows (see
    :class:`skgenre.audio.AudioReader`), and each patch is computed from its
    own audio: equal to the same patch of the whole song, to float32
    rounding of the resampled samples.

    Parameters
    ----------
    path : str
        Audio file.
    settings : EmbedderSettings

    Returns
    -------
    patches : ndarray of shape (n_windows, 187, 96), float32

    Raises
    ------
    skgenre.audio.AudioDecodeError
        If the file cannot be decoded.
    """
    s = settings
    duration = None if s.song_samples is None else s.song_samples / s.sample_rate
    if s.max_windows is None:
        y = load_audio(
            path, sample_rate=s.sample_rate, offset=s.offset, duration=duration
        )
    else:
        audio = AudioReader(
            path, sample_rate=s.sample_rate, offset=s.offset, duration=duration
        )
        kept = s.window_indices(audio.n_samples)
        if len(kept) < s.n_all_windows(audio.n_samples):
            return _kept_patches(audio, kept * s.hop_frames)
        y = audio.read()
    if y.size == 0:
        y = np.zeros(1, dtype=np.float32)  # a file with no samples: silence
    return musicnn.musicnn_patches(musicnn.musicnn_logmel(y), hop=s.hop_frames)


def _kept_patches(audio, first_frames):
    """The patches starting at log-mel frames ``first_frames``, each from its
    own part of the song.

    Frame ``j`` of the song's centred STFT is centred on sample ``256 j``
    and spans ``[256 (j - 1), 256 (j + 1))``, zero outside the song.  A
    part from one frame before the patch to one frame after it therefore
    holds all its frames' samples, and starts on the frame grid: its own
    frames ``1..187`` are the patch's.
    """
    hop, size = musicnn.HOP_LENGTH, musicnn.PATCH_FRAMES
    spans = [((first - 1) * hop, (first + size) * hop) for first in first_frames]
    parts = audio.read_parts(spans)
    return np.stack([musicnn.musicnn_logmel(part)[1 : 1 + size] for part in parts])


def song_n_windows(path, settings):
    """Windows :func:`song_patches` gives a song, read from its header."""
    return settings.n_windows(
        decoded_length(path, sample_rate=settings.sample_rate, offset=settings.offset)
    )


def embed_patches(songs, settings, batch_size=64, runtime="auto"):
    """The encoder's output for the patches of several songs, batched across songs.

    Parameters
    ----------
    songs : list of ndarray of shape (n_windows_i, 187, 96)
    settings : EmbedderSettings
    batch_size : int, default=64
        Patches per network call.
    runtime : {"auto", "keras", "onnx"}, default="auto"
        What runs the network, see :func:`skgenre.encoders.musicnn.resolve_runtime`.

    Returns
    -------
    embeddings : list of ndarray of shape (n_windows_i, n_features), float32
    """
    patches = np.concatenate(songs)
    out = np.concatenate(
        [
            musicnn.encode(
                network,
                settings.layer,
                patches,
                batch_size=batch_size,
                precision=settings.precision,
                runtime=runtime,
            )
            for network in musicnn.ENCODERS[settings.model]
        ],
        axis=1,
    )
    return np.split(out, np.cumsum([len(s) for s in songs])[:-1])


def prepare_encoders(settings, batch_size=64, runtime="auto"):
    """Open the ONNX Runtime sessions :func:`embed_patches` will run.

    Run by the extraction engine while the first songs are decoded.  Only
    ONNX Runtime's sessions are opened ahead (0.05 s each, once per
    process); a Keras network is built on first use, as before, so that a
    song that fails to decode is reported without waiting for a framework
    to be imported.

    Parameters
    ----------
    settings : EmbedderSettings
    batch_size : int, default=64
    runtime : {"auto", "keras", "onnx"}, default="auto"
        As :func:`embed_patches`'.
    """
    if musicnn.resolve_runtime(runtime, settings.precision) != "onnx":
        return
    for network in musicnn.ENCODERS[settings.model]:
        musicnn.prepare_encoder(
            network,
            settings.layer,
            batch_size=batch_size,
            precision=settings.precision,
            runtime=runtime,
        )


@fill_doc
class WindowEmbedder(BaseWindowTransformer):
    """Turn audio files into pretrained embeddings of 3 s windows (musicnn).

    Each song is decoded, mixed to mono, resampled to 16 kHz, and its
    log-mel spectrogram (musicnn's: 96 bands, hop 16 ms) is cut into
    187-frame (2.99 s) patches every ``window_hop`` seconds; each patch goes
    through the pretrained musicnn network (:mod:`skgenre.encoders.musicnn`, the
    weights shipped with the package), whose ``layer`` output is the
    window's embedding.  Patches of several songs go through the network
    together.  ``transform`` returns a float32 array of shape ``(n_songs,
    n_windows, n_features)``; songs with fewer windows than the longest get
    rows of NaN, which :class:`MILSongClassifier` masks out.  A song shorter
    than one window is repeat-padded to one (musicnn's training rule).

    Parameters
    ----------
    model : {"musicnn-msd", "musicnn-mtt", "musicnn-msd+mtt"}, \
default="musicnn-msd"
        The network: trained on the Million Song Dataset's 50 most common
        last.fm tags, or on MagnaTagATune's 50 tags; or both, their outputs
        concatenated (twice the dimensions and the cost).
    layer : {"penultimate", "mean_pool", "max_pool", "taggram"}, \
default="penultimate"
        The embedding: the 200-d penultimate layer, the mean or maximum over
        time of the 753 front- and mid-end channels, or the 50 tag
        probabilities.
    window_hop : float or None, default=None
        Seconds between window starts, rounded to log-mel frames; ``None``
        means 187 frames (2.99 s): windows are exactly musicnn's patches.
    song_length : float or None, default=None
        At most this many seconds of each song are used (from ``offset``);
        ``None`` uses whole songs.  Shorter songs are not padded: they have
        fewer windows.
    %(offset)s
    %(max_windows)s
    batch_size : int, default=64
        Windows per network call (across songs).  ONNX Runtime takes them
        4 at a time, which keeps its memory (~26 MB a window) in cache.
    precision : {"float32", "bfloat16"}, default="float32"
        The network's compute precision.  bfloat16 (Keras' mixed_bfloat16
        policy, weights kept in float32) is 1.4x faster on CPUs with
        AVX512-BF16 under TensorFlow, and changes the embeddings by about
        1.6 %% (relative L2) and tag probabilities by at most 0.007; the
        embeddings are float32 either way.  Part of the cache key.  See
        ``benchmarks/README.md`` for its effect on accuracy.
    runtime : {"auto", "keras", "onnx"}, default="auto"
        What runs the network: the Keras backend in use (TensorFlow, JAX or
        PyTorch, on any device), or ONNX Runtime on the CPU, which imports
        no framework, so the first song of a process is ready in a third of
        the time (float32 only; equal to the Keras port to 1e-5).  "auto"
        takes ONNX Runtime when it is installed (``skgenre[cpu]`` installs
        it), the precision is float32 and ``KERAS_BACKEND`` is unset, and
        the Keras backend otherwise.  Not part of the cache key: both give
        the same embeddings.
    %(n_jobs)s
    %(memory)s
    %(verbose)s
    %(on_error)s

    Attributes
    ----------
    settings_ : EmbedderSettings
        The validated settings.
    n_features_out_ : int
        Dimensions of each window's embedding.
    %(errors_)s

    Examples
    --------
    >>> from skgenre import WindowEmbedder
    >>> WindowEmbedder().fit([]).n_features_out_
    200
    """

    def __init__(
        self,
        model="musicnn-msd",
        layer="penultimate",
        window_hop=None,
        song_length=None,
        offset=0.0,
        max_windows=None,
        batch_size=64,
        precision="float32",
        runtime="auto",
        n_jobs=None,
        memory=None,
        verbose=0,
        on_error="raise",
    ):
        self.model = model
        self.layer = layer
        self.window_hop = window_hop
        self.song_length = song_length
        self.offset = offset
        self.max_windows = max_windows
        self.batch_size = batch_size
        self.precision = precision
        self.runtime = runtime
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose
        self.on_error = on_error

    def feature_settings(self):
        """Validate the parameters and convert them to samples and frames.

        Changes nothing.

        Returns
        -------
        settings : EmbedderSettings
        """
        check_choice(self, "model", self.model, tuple(musicnn.ENCODERS))
        check_choice(self, "layer", self.layer, tuple(musicnn.LAYERS))
        check_choice(self, "precision", self.precision, tuple(musicnn.PRECISIONS))
        check_choice(self, "runtime", self.runtime, musicnn.RUNTIMES)
        check_param(
            self,
            "runtime",
            self.runtime,
            self.runtime != "onnx" or self.precision == "float32",
            "'auto' or 'keras' with precision='bfloat16' (ONNX Runtime computes "
            "in float32)",
        )
        frame = musicnn.HOP_LENGTH / musicnn.SAMPLE_RATE
        check_param(
            self,
            "window_hop",
            self.window_hop,
            self.window_hop is None
            or (is_real(self.window_hop) and self.window_hop >= frame),
            f"None or a number of seconds >= one frame ({frame} s)",
        )
        check_param(
            self,
            "batch_size",
            self.batch_size,
            is_int(self.batch_size) and self.batch_size >= 1,
            "an int >= 1",
        )
        self._check_shared_params()
        hop = (
            musicnn.PATCH_FRAMES
            if self.window_hop is None
            else int(round(self.window_hop / frame))
        )
        rate = musicnn.SAMPLE_RATE
        return EmbedderSettings(
            model=self.model,
            layer=self.layer,
            offset=float(self.offset),
            song_samples=None
            if self.song_length is None
            else int(round(self.song_length * rate)),
            hop_frames=hop,
            weights_sha256="+".join(
                musicnn.WEIGHTS_SHA256[network]
                for network in musicnn.ENCODERS[self.model]
            ),
            precision=self.precision,
            max_windows=None if self.max_windows is None else int(self.max_windows),
        )

    def _front_end(self, settings):
        """What the extraction engine runs: patches per song, the network batched."""
        return FrontEnd(
            compute=song_patches,
            count=song_n_windows,
            finish=functools.partial(
                embed_patches, batch_size=self.batch_size, runtime=self.runtime
            ),
            prepare=functools.partial(
                prepare_encoders, batch_size=self.batch_size, runtime=self.runtime
            ),
            window_shape=settings.window_shape,
            desc=f"Embedding ({settings.model})",
        )

    def classifier_params(self):
        """What this transformer's windows hold, as classifier parameters.

        Returns
        -------
        params : dict
            ``{"features": "embedding"}`` for :class:`~skgenre.MILSongClassifier`.
        """
        self.feature_settings()  # validates
        return {"features": "embedding"}

    def fit(self, X=None, y=None):
        """Validate the parameters; no audio is read, nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_songs,) of str, default=None
            Audio file paths (ignored).
        y : None
            Ignored.

        Returns
        -------
        self : WindowEmbedder
        """
        self.settings_ = self.feature_settings()
        self.n_features_out_ = self.settings_.n_features
        return self

    def _export_state(self):
        # The encoder's weights ship with the package: named by their
        # checksum, not copied.
        return {"weights_sha256": self.feature_settings().weights_sha256}, None

    @classmethod
    def _restore_state(cls, params, state, model):
        embedder = super()._restore_state(params, state, model)
        saved, shipped = state.get("weights_sha256"), embedder.settings_.weights_sha256
        if saved != shipped:
            raise StateError(
                f"made with other {embedder.model} weights (sha256 "
                f"{str(saved)[:12]}...) than this skgenre ships ({shipped[:12]}...)"
            )
        return embedder

    def get_feature_names_out(self, input_features=None):
        """Names of the embedding dimensions (the last axis of ``transform``).

        Returns
        -------
        names : ndarray of shape (n_features,) of str
            The tag names for ``layer="taggram"``, else ``"<layer>_<i>"``;
            prefixed ``msd:`` / ``mtt:`` for ``model="musicnn-msd+mtt"``.
        """
        s = self.feature_settings()
        names = output_names(s.model, s.layer)
        return np.asarray(names, dtype=object)
