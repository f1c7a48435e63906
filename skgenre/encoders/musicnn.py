"""musicnn, a pretrained window encoder: the one place that knows musicnn.

musicnn (Pons & Serra, 2019) tags 3 s log-mel patches with 50 tags.  This
module rebuilds its "7774timbraltemporal" network in Keras 3, loads the
float32 weights shipped in ``skgenre/data/musicnn/`` (converted from the
authors' TensorFlow 1 checkpoints by ``scripts/convert_musicnn.py``) and
reproduces its preprocessing:

    audio (16 kHz mono) -> :func:`musicnn_logmel` -> (n_frames, 96)
    -> :func:`musicnn_patches` -> (n_patches, 187, 96)
    -> :func:`musicnn_encoder` -> (n_patches, n_features)

Preprocessing is numpy only (:mod:`skgenre._mel`, equal to librosa's, without
importing librosa); Keras (and its backend) are imported inside the functions
that build networks, so that importing this module for preprocessing (e.g. in
joblib workers) stays light.
"""

from contextlib import contextmanager
from functools import cache
from pathlib import Path

import numpy as np

from .._mel import melspectrogram
from ..windows import n_frames_for, n_windows_for
from ._onnx import RUNTIMES, choose_runtime, onnx_predict
from .weights import (
    ONNX_FILES,
    ONNX_OUTPUTS,
    ONNX_SHA256,
    WEIGHTS_DIR,
    WEIGHTS_FILES,
    WEIGHTS_SHA256,
    WeightsFileError,
    read_weights,
)

__all__ = [
    "HOP_LENGTH",
    "ENCODERS",
    "LAYERS",
    "MODELS",
    "N_FFT",
    "N_MELS",
    "ONNX_FILES",
    "ONNX_OUTPUTS",
    "ONNX_SHA256",
    "PATCH_FRAMES",
    "PRECISIONS",
    "RUNTIMES",
    "SAMPLE_RATE",
    "TAGS",
    "WEIGHTS_DIR",
    "WEIGHTS_FILES",
    "WEIGHTS_SHA256",
    "WeightsFileError",
    "build_musicnn",
    "encode",
    "load_musicnn",
    "n_patches",
    "musicnn_encoder",
    "musicnn_logmel",
    "musicnn_patches",
    "prepare_encoder",
    "read_weights",
    "resolve_runtime",
]

SAMPLE_RATE = 16000
N_FFT = 512
HOP_LENGTH = 256
N_MELS = 96
PATCH_FRAMES = 187  # 3 s of frames: the length the models were trained on

#: The pretrained networks.
MODELS = ("musicnn-msd", "musicnn-mtt")

#: The encoders built from them (``WindowEmbedder(model=...)``,
#: ``TagGenreClassifier(tagger=...)``) -> the networks whose outputs they
#: concatenate: one network, or both (MSD's then MTT's dimensions).
ENCODERS = {
    **{name: (name,) for name in MODELS},
    "musicnn-msd+mtt": MODELS,
}

# Outputs of the network and their sizes; "taggram" has one value per tag.
LAYERS = {"taggram": 50, "penultimate": 200, "mean_pool": 753, "max_pool": 753}

# From musicnn 0.1.0's configuration.py (MSD_LABELS, MTT_LABELS), in the
# order of the taggram's columns.
TAGS = {
    "musicnn-msd": (
        "rock", "pop", "alternative", "indie", "electronic", "female vocalists",
        "dance", "00s", "alternative rock", "jazz", "beautiful", "metal",
        "chillout", "male vocalists", "classic rock", "soul", "indie rock",
        "Mellow", "electronica", "80s", "folk", "90s", "chill", "instrumental",
        "punk", "oldies", "blues", "hard rock", "ambient", "acoustic",
        "experimental", "female vocalist", "guitar", "Hip-Hop", "70s", "party",
        "country", "easy listening", "sexy", "catchy", "funk", "electro",
        "heavy metal", "Progressive rock", "60s", "rnb", "indie pop", "sad",
        "House", "happy",
    ),
    "musicnn-mtt": (
        "guitar", "classical", "slow", "techno", "strings", "drums",
        "electronic", "rock", "fast", "piano", "ambient", "beat", "violin",
        "vocal", "synth", "female", "indian", "opera", "male", "singing",
        "vocals", "no vocals", "harpsichord", "loud", "quiet", "flute", "woman",
        "male vocal", "no vocal", "pop", "soft", "sitar", "solo", "man",
        "classic", "choir", "voice", "new age", "dance", "male voice",
        "female vocal", "beats", "harp", "cello", "no voice", "weird",
        "country", "metal", "female voice", "choral",
    ),
}  # fmt: skip

#: Compute precision -> Keras dtype policy of the network.  With bfloat16 the
#: weights stay float32 ("mixed"); every output is returned as float32.
PRECISIONS = {"float32": "float32", "bfloat16": "mixed_bfloat16"}

_BN_EPSILON = 1e-3  # tf.compat.v1.layers.batch_normalization's default


def _check_name(name):
    if name not in MODELS:
        raise ValueError(f"unknown musicnn model {name!r}; expected one of {MODELS}")


def _check_precision(precision):
    if precision not in PRECISIONS:
        raise ValueError(
            f"unknown precision {precision!r}; expected one of {tuple(PRECISIONS)}"
        )


def _check_layer(layer):
    if layer not in LAYERS:
        raise ValueError(
            f"unknown musicnn layer {layer!r}; expected one of {tuple(LAYERS)}"
        )


# --------------------------------------------------------------- preprocessing


def musicnn_logmel(y):
    """Log-compressed mel spectrogram of a song, as musicnn computes it.

    ``librosa.feature.melspectrogram(y=y, sr=16000, n_fft=512, hop_length=256,
    n_mels=96)`` (power 2, centred Hann frames, Slaney mel scale; computed by
    :func:`skgenre._mel.melspectrogram`, equal to it), transposed,
    quantised to float16 as the original does, then ``log10(10000 * S + 1)``
    in float32.  The original's float16 product would overflow to ``inf``
    for a mel power above 6.55 under numpy 2; the float32 log never does.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Mono audio at :data:`SAMPLE_RATE` (16 kHz), floats in [-1, 1].

    Returns
    -------
    logmel : ndarray of shape (n_frames, 96), float32
        ``n_frames = 1 + n_samples // 256``.
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"y must be mono audio of shape (n_samples,), got {y.shape}")
    power = melspectrogram(
        y, sr=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS
    ).T
    power = power.astype(np.float16).astype(np.float32)
    return np.log10(np.float32(10000) * power + np.float32(1))


def n_patches(n_samples, hop=PATCH_FRAMES):
    """Patches :func:`musicnn_patches` cuts from ``n_samples`` of 16 kHz audio.

    The one place this count is computed: ``WindowEmbedder`` reads a song's
    number of windows from here without decoding it.

    Parameters
    ----------
    n_samples : int
        Samples of the song at :data:`SAMPLE_RATE`.
    hop : int, default=187
        Frames between patch starts.

    Returns
    -------
    n_patches : int
        ``1 + (n_frames - 187) // hop``, at least 1 (a short song is
        repeat-padded to one patch); ``n_frames = 1 + n_samples // 256``.
    """
    return n_windows_for(n_frames_for(n_samples, HOP_LENGTH), PATCH_FRAMES, hop)


def musicnn_patches(logmel, *, hop=PATCH_FRAMES):
    """Cut a log-mel spectrogram into 187-frame patches.

    Patches start every ``hop`` frames; an incomplete tail is dropped, as in
    musicnn's ``batch_data``.  A song shorter than one patch is tiled (its
    frames repeated from the start) up to 187 frames, musicnn's
    ``repeat-pad`` training rule, and gives one patch.

    Parameters
    ----------
    logmel : array-like of shape (n_frames, 96)
        Output of :func:`musicnn_logmel`.
    hop : int, default=187
        Frames between the starts of consecutive patches (187: no overlap).

    Returns
    -------
    patches : ndarray of shape (n_patches, 187, 96), float32
        ``n_patches = 1 + (n_frames - 187) // hop``, or 1 for a short song.
    """
    logmel = np.asarray(logmel, dtype=np.float32)
    if logmel.ndim != 2 or logmel.shape[1] != N_MELS or logmel.shape[0] == 0:
        raise ValueError(
            f"logmel must have shape (n_frames >= 1, {N_MELS}), got {logmel.shape}"
        )
    if isinstance(hop, bool) or not isinstance(hop, int | np.integer) or hop < 1:
        raise ValueError(f"hop must be a positive number of frames, got {hop!r}")
    if logmel.shape[0] < PATCH_FRAMES:
        logmel = logmel[np.arange(PATCH_FRAMES) % logmel.shape[0]]
    count = n_windows_for(logmel.shape[0], PATCH_FRAMES, hop)
    windows = np.lib.stride_tricks.sliding_window_view(logmel, PATCH_FRAMES, axis=0)
    # (n, 96, 187) views -> contiguous (n, 187, 96) patches.
    return np.ascontiguousarray(windows[: count * hop : hop].transpose(0, 2, 1))


# --------------------------------------------------------------------- network


def _frequency_max_block(x, filters, kernel_size, padding, name):
    """Conv2D + ReLU, batch-norm, then the maximum over all frequencies.

    Input ``(batch, time, freq, 1)``; output ``(batch, 187, filters)``.
    """
    from keras import layers

    x = layers.Conv2D(
        filters, kernel_size, padding=padding, activation="relu", name=name
    )(x)
    x = layers.BatchNormalization(epsilon=_BN_EPSILON, name=f"{name}_bn")(x)
    x = layers.MaxPooling2D((1, x.shape[2]), name=f"{name}_pool")(x)
    return layers.Reshape((PATCH_FRAMES, filters), name=f"{name}_squeeze")(x)


def _midend_block(x, name):
    """Conv1D(64, 7) + ReLU over all channels, then batch-norm.

    The original pads 3 frames each side and convolves with a (7, channels)
    kernel: "same" padding of a width-7 kernel is exactly that.
    """
    from keras import layers

    x = layers.Conv1D(64, 7, padding="same", activation="relu", name=name)(x)
    return layers.BatchNormalization(epsilon=_BN_EPSILON, name=f"{name}_bn")(x)


def build_musicnn(n_tags=50):
    """musicnn's "7774timbraltemporal" network in Keras 3, without weights.

    Front-end on the batch-normalised log-mel: two timbral blocks (7x38 and
    7x67 filters, 204 each, on the input zero-padded by 3 frames each side)
    and three temporal blocks (128, 64 and 32 frames x 1 band, 51 each,
    "same" padding), each Conv + ReLU, batch-norm, max over frequency: 561
    channels.  Mid-end: three Conv1D(64, 7) blocks, the second and third
    with residual additions.  Back-end: max and mean over time of the 753
    front- and mid-end channels, interleaved per channel (max_0, mean_0,
    max_1, ...) as the original's weights expect, batch-norm, dropout,
    Dense(200, relu) + batch-norm (the penultimate layer), dropout,
    Dense(n_tags) + sigmoid.

    Parameters
    ----------
    n_tags : int, default=50
        Units of the output layer.

    Returns
    -------
    model : keras.Model
        Maps ``(batch, 187, 96)`` log-mel patches (time, mel) to a dict of
        ``taggram`` ``(batch, n_tags)``, ``penultimate`` ``(batch, 200)``,
        ``mean_pool`` ``(batch, 753)`` and ``max_pool`` ``(batch, 753)``.
        Dropout is active only when called with ``training=True``.
    """
    import keras
    from keras import layers

    inputs = keras.Input((PATCH_FRAMES, N_MELS), name="logmel")
    x = layers.Reshape((PATCH_FRAMES, N_MELS, 1), name="channel")(inputs)
    x = layers.BatchNormalization(epsilon=_BN_EPSILON, name="input_bn")(x)
    # Padding only time gives the valid timbral convolutions "same" length.
    padded = layers.ZeroPadding2D(((3, 3), (0, 0)), name="time_pad")(x)
    frontend = layers.Concatenate(name="frontend")(
        [
            _frequency_max_block(padded, 204, (7, 38), "valid", "timbral_7x38"),
            _frequency_max_block(padded, 204, (7, 67), "valid", "timbral_7x67"),
            _frequency_max_block(x, 51, (128, 1), "same", "temporal_128"),
            _frequency_max_block(x, 51, (64, 1), "same", "temporal_64"),
            _frequency_max_block(x, 51, (32, 1), "same", "temporal_32"),
        ]
    )
    mid1 = _midend_block(frontend, "midend_1")
    mid2 = layers.Add(name="midend_2_residual")([_midend_block(mid1, "midend_2"), mid1])
    mid3 = layers.Add(name="midend_3_residual")([_midend_block(mid2, "midend_3"), mid2])
    features = layers.Concatenate(name="features")([frontend, mid1, mid2, mid3])

    max_pool = layers.GlobalMaxPooling1D(name="max_pool")(features)
    mean_pool = layers.GlobalAveragePooling1D(name="mean_pool")(features)
    n_channels = features.shape[-1]
    pooled = layers.Concatenate(name="interleave")(
        [
            layers.Reshape((n_channels, 1), name="max_pool_column")(max_pool),
            layers.Reshape((n_channels, 1), name="mean_pool_column")(mean_pool),
        ]
    )
    x = layers.Flatten(name="pooled")(pooled)
    x = layers.BatchNormalization(epsilon=_BN_EPSILON, name="pooled_bn")(x)
    x = layers.Dropout(0.5, name="pooled_dropout")(x)
    x = layers.Dense(200, activation="relu", name="penultimate_dense")(x)
    penultimate = layers.BatchNormalization(epsilon=_BN_EPSILON, name="penultimate")(x)
    x = layers.Dropout(0.5, name="penultimate_dropout")(penultimate)
    logits = layers.Dense(n_tags, name="logits")(x)
    taggram = layers.Activation("sigmoid", name="taggram")(logits)
    outputs = {
        "taggram": taggram,
        "penultimate": penultimate,
        "mean_pool": mean_pool,
        "max_pool": max_pool,
    }
    return keras.Model(inputs, outputs, name="musicnn")


# --------------------------------------------------------------------- weights


def _set_weights(model, weights, path):
    """Assign every model variable from ``weights``, each key used once."""
    expected = {v.path: v for v in model.weights}
    missing = sorted(set(expected) - set(weights))
    unknown = sorted(set(weights) - set(expected))
    if missing or unknown:
        raise WeightsFileError(
            path, f"variables missing {missing[:3]}, unknown {unknown[:3]}"
        )
    for key, variable in expected.items():
        value = weights[key]
        if tuple(value.shape) != tuple(variable.shape) or value.dtype != np.float32:
            raise WeightsFileError(
                path,
                f"{key} is {value.dtype}{value.shape}, expected "
                f"float32{tuple(variable.shape)}",
            )
        variable.assign(value)


@cache
def load_musicnn(name, *, weights_dir=None, precision="float32"):
    """The pretrained network, built once per process.

    Parameters
    ----------
    name : {"musicnn-msd", "musicnn-mtt"}
        ``musicnn-msd``: trained on the Million Song Dataset (50 last.fm
        tags); ``musicnn-mtt``: trained on MagnaTagATune (50 tags).
    weights_dir : str or Path, default=None
        Directory holding ``MSD_musicnn.npz`` / ``MTT_musicnn.npz``; the
        shipped :data:`WEIGHTS_DIR` by default.  The file must match the
        recorded checksum :data:`WEIGHTS_SHA256` wherever it lives.
    precision : {"float32", "bfloat16"}, default="float32"
        The network's compute precision (:data:`PRECISIONS`); the weights
        stay float32.

    Returns
    -------
    model : keras.Model
        :func:`build_musicnn` with the weights; outputs a dict of
        :data:`LAYERS`.  Cached: callers share it, so do not train it.

    Raises
    ------
    WeightsFileError
        If the weights file is missing, damaged or not the recorded one.
    """
    _check_name(name)
    _check_precision(precision)
    path = Path(WEIGHTS_DIR if weights_dir is None else weights_dir)
    path = path / WEIGHTS_FILES[name]
    weights = read_weights(path, WEIGHTS_SHA256[name])
    with _dtype_policy(PRECISIONS[precision]):
        model = build_musicnn(n_tags=len(TAGS[name]))
    _set_weights(model, weights, path)
    return model


@contextmanager
def _dtype_policy(policy):
    """Keras layers made inside compute with ``policy`` (e.g. mixed_bfloat16)."""
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


@cache
def musicnn_encoder(name, layer, *, weights_dir=None, precision="float32"):
    """The pretrained network cut at one output, built once per process.

    Layers after ``layer`` are not computed: the pooled outputs skip the
    dense back-end.

    Parameters
    ----------
    name : {"musicnn-msd", "musicnn-mtt"}
        See :func:`load_musicnn`.
    layer : {"taggram", "penultimate", "mean_pool", "max_pool"}
        The output: tag probabilities (50), the penultimate dense layer after
        batch-norm (200), or the mean or maximum over time of the 753 front-
        and mid-end channels.
    weights_dir : str or Path, default=None
        See :func:`load_musicnn`.
    precision : {"float32", "bfloat16"}, default="float32"
        See :func:`load_musicnn`.

    Returns
    -------
    encoder : keras.Model
        Maps ``(batch, 187, 96)`` patches (:func:`musicnn_patches`) to
        ``(batch, LAYERS[layer])``, e.g. with ``encoder.predict_on_batch``.
    """
    import keras

    _check_name(name)
    _check_layer(layer)
    model = load_musicnn(name, weights_dir=weights_dir, precision=precision)
    return keras.Model(model.input, model.output[layer], name=f"{name}-{layer}")


def resolve_runtime(runtime="auto", precision="float32"):
    """The runtime that will run the networks: "keras" or "onnx".

    ``"auto"`` is ONNX Runtime when it is installed (``skgenre[cpu]``
    installs it), the precision is float32 and no Keras backend was chosen
    (``KERAS_BACKEND`` unset): a CPU-only setting, where it computes the same
    embeddings as TensorFlow (to 1e-5) without importing any framework.
    Otherwise the Keras backend, which can use a GPU.

    Raises
    ------
    ValueError
        For ``runtime="onnx"`` with bfloat16, or an unknown runtime.
    ImportError
        For ``runtime="onnx"`` without onnxruntime installed.
    """
    _check_precision(precision)
    return choose_runtime(runtime, precision)


@cache
def _encode_function(
    name, layer, weights_dir, batch_size, precision="float32", runtime="keras"
):
    """:func:`musicnn_encoder` compiled once per process for batches of at most
    ``batch_size`` patches, on the Keras backend in use
    (:mod:`skgenre.encoders.backends`), or ONNX Runtime's session
    (``runtime="onnx"``)."""
    if runtime == "onnx":
        _check_name(name)
        _check_layer(layer)
        return onnx_predict(name, layer, weights_dir)
    from .backends import check_precision, predict_function

    check_precision(precision)
    encoder = musicnn_encoder(name, layer, weights_dir=weights_dir, precision=precision)
    return predict_function(encoder, (PATCH_FRAMES, N_MELS), batch_size)


def prepare_encoder(
    name,
    layer,
    *,
    batch_size=64,
    weights_dir=None,
    precision="float32",
    runtime="auto",
):
    """Load (once per process) what :func:`encode` will run with these arguments.

    Reading and checking the weights and building the network or ONNX
    Runtime's session take a tenth of a second or more: done ahead, e.g. in
    a thread while the first songs are decoded, :func:`encode` finds them
    ready.

    Parameters
    ----------
    name : {"musicnn-msd", "musicnn-mtt"}
    layer : {"taggram", "penultimate", "mean_pool", "max_pool"}
    batch_size : int, default=64
    weights_dir : str or Path, default=None
    precision : {"float32", "bfloat16"}, default="float32"
    runtime : {"auto", "keras", "onnx"}, default="auto"
        As :func:`encode`'s.
    """
    runtime = resolve_runtime(runtime, precision)
    _encode_function(name, layer, weights_dir, batch_size, precision, runtime)


def encode(
    name,
    layer,
    patches,
    *,
    batch_size=64,
    weights_dir=None,
    precision="float32",
    runtime="auto",
):
    """Embeddings of patches by the pretrained network, in batches.

    Parameters
    ----------
    name : {"musicnn-msd", "musicnn-mtt"}
    layer : {"taggram", "penultimate", "mean_pool", "max_pool"}
    patches : ndarray of shape (n_patches, 187, 96)
        :func:`musicnn_patches` output, of one or many songs.
    batch_size : int, default=64
        Patches per network call.
    weights_dir : str or Path, default=None
        See :func:`load_musicnn`.
    precision : {"float32", "bfloat16"}, default="float32"
        The network's compute precision; the embeddings are float32 either
        way.  See :func:`load_musicnn`.
    runtime : {"auto", "keras", "onnx"}, default="auto"
        What runs the network: see :func:`resolve_runtime`.

    Returns
    -------
    embeddings : ndarray of shape (n_patches, LAYERS[layer]), float32
    """
    runtime = resolve_runtime(runtime, precision)
    function = _encode_function(
        name, layer, weights_dir, batch_size, precision, runtime
    )
    patches = np.asarray(patches, dtype=np.float32)
    out = np.empty((len(patches), LAYERS[layer]), dtype=np.float32)
    for start in range(0, len(patches), batch_size):
        out[start : start + batch_size] = function(patches[start : start + batch_size])
    return out
