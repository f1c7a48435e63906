"""What differs between Keras 3 backends, in one place.

skgenre's layers and models use ``keras.ops`` only, so they run on every
Keras 3 backend (``KERAS_BACKEND=tensorflow``, the default, ``jax`` or
``torch``).  What cannot be written once lives here, behind functions that
switch on ``keras.backend.backend()``:

* :func:`predict_function`: a model's inference compiled once (a
  ``tf.function`` with a free batch axis; a ``jax.jit``, on batches padded
  to one size for the encoder; PyTorch's eager mode under
  ``torch.inference_mode``), in full float32 (TensorFloat-32 is never used
  silently on GPUs), or computing exactly as ``model.predict``.
* :func:`save_random_state`, :func:`seed_random_state` and
  :func:`restore_random_state`: the framework's random state for
  :func:`skgenre.mil._seeding.seeded`.

Nothing here imports TensorFlow unless the backend is TensorFlow or
TensorFlow is already imported (scikeras imports it when it is installed).
"""

import contextlib
import functools
import importlib.util
import json
import os
import sys

import numpy as np

__all__ = [
    "BACKENDS",
    "backend",
    "check_installed",
    "check_precision",
    "configured_backend",
    "device_name",
    "limit_threads",
    "predict_function",
    "restore_random_state",
    "save_random_state",
    "seed_random_state",
]

#: The Keras 3 backends skgenre runs on.
BACKENDS = ("tensorflow", "jax", "torch")

# TensorFlow reads this variable once, lazily; see skgenre.mil._seeding.
_TF_DETERMINISM_ENV = "TF_DETERMINISTIC_OPS"


def configured_backend():
    """The backend Keras uses or will use, without importing Keras.

    ``KERAS_BACKEND``, else the ``"backend"`` of Keras' configuration file
    (``$KERAS_HOME/keras.json``, by default ``~/.keras/keras.json``), else
    TensorFlow, as Keras decides; Keras' own answer once it is imported.

    Returns
    -------
    name : str
    """
    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    name = os.environ.get("KERAS_BACKEND")
    if not name:
        home = os.environ.get("KERAS_HOME") or os.path.join(
            os.path.expanduser("~"), ".keras"
        )
        try:
            with open(os.path.join(home, "keras.json")) as f:
                name = json.load(f).get("backend")
        except (OSError, ValueError, AttributeError):
            name = None
    return name or "tensorflow"


def check_installed():
    """Raise a clear ImportError if Keras' backend is not installed.

    skgenre's dependencies do not include a backend (a second TensorFlow
    build beside a GPU one breaks both): ``pip install "skgenre[tensorflow]"``
    or ``"skgenre[cpu]"`` adds TensorFlow, or an installed JAX or PyTorch is
    used with ``KERAS_BACKEND``.  Imports nothing.

    Raises
    ------
    ImportError
        If the configured backend (one of :data:`BACKENDS`) is not installed.
    """
    name = configured_backend()
    if name in BACKENDS and importlib.util.find_spec(name) is None:
        raise ImportError(
            f"skgenre needs a Keras backend, and Keras is set to use {name!r}, "
            "which is not installed. Install TensorFlow with "
            "pip install 'skgenre[tensorflow]' (or 'skgenre[cpu]', the smaller "
            "CPU-only build), or set KERAS_BACKEND=jax or torch to use an "
            "installed JAX or PyTorch."
        )


def backend():
    """The Keras backend of this process (``KERAS_BACKEND``).

    Returns
    -------
    name : {"tensorflow", "jax", "torch"}

    Raises
    ------
    ValueError
        For another backend (e.g. "numpy", which cannot run the networks
        fast enough to be useful, or "openvino").
    """
    import keras

    name = keras.backend.backend()
    if name not in BACKENDS:
        raise ValueError(
            f"skgenre runs on the Keras backends {BACKENDS}; this process uses "
            f"{name!r} (set KERAS_BACKEND before Python starts)."
        )
    return name


def device_name():
    """The device the backend computes on, in words (e.g. "NVIDIA H200").

    Returns
    -------
    name : str
        The first accelerator's name, or "CPU".
    """
    kind = backend()
    if kind == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return details.get("device_name", gpus[0].name)
        return "CPU"
    if kind == "jax":
        import jax

        device = jax.devices()[0]
        return "CPU" if device.platform == "cpu" else device.device_kind
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"


def check_precision(precision):
    """Refuse a compute precision the backend in use cannot run.

    Parameters
    ----------
    precision : {"float32", "bfloat16"}

    Raises
    ------
    ValueError
        Naming the backend and what it supports.
    """
    supported = _PRECISIONS[backend()]
    if precision not in supported:
        raise ValueError(
            f"precision={precision!r} is not supported on the Keras backend "
            f"{backend()!r}; it supports {supported}."
        )


# Compute precisions of the pretrained encoder, per backend (all run
# bfloat16 on CPUs and GPUs through Keras' mixed_bfloat16 policy).
_PRECISIONS = {
    "tensorflow": ("float32", "bfloat16"),
    "jax": ("float32", "bfloat16"),
    "torch": ("float32", "bfloat16"),
}


# ------------------------------------------------------------------ inference


def predict_function(
    model, input_shape, batch_size=None, *, match_keras=False, eager=False
):
    """``model(x, training=False)`` compiled once, from numpy to numpy.

    Parameters
    ----------
    model : keras.Model
        Kept by the function; a ``weakref.proxy`` of it lets the model be
        freed (a cache of one function per model).
    input_shape : tuple of int or None
        Shape of one input row (without the batch axis); ``None`` for an
        axis of any length, e.g. the windows of a song: TensorFlow traces
        once for every length, JAX compiles once per length.
    batch_size : int or None, default=None
        The largest batch the function is called with.  JAX compiles for one
        shape: shorter batches are padded to it, so any number of rows up to
        ``batch_size`` reuses one compiled function.  ``None``: no padding,
        one compilation per batch size, as in ``model.predict``.
    match_keras : bool, default=False
        Compute as ``model.predict`` does: with the process's
        TensorFloat-32 settings and, on TensorFlow, XLA where the model's
        ``jit_compile`` asks for it.  By default, full float32 without XLA.

    eager : bool, default=False
        Call the model step by step, nothing compiled, as Keras' predict
        does for a model compiled with ``run_eagerly=True`` (and with the
        process's precision settings, as ``match_keras``).

    Returns
    -------
    predict : callable
        ``predict(x)`` with ``x`` a float32 array of shape ``(n, *input_shape)``
        (``n <= batch_size``) returns the model's outputs as float32 numpy
        arrays, in the model's output structure.  ``predict.compilations()``
        tells how many times it was traced or compiled (always 0 with
        PyTorch, which runs eagerly).
    """
    kind = backend()
    if kind == "torch":  # eager anyway
        return _torch_predict(model, match_keras)
    if eager:
        return _eager_predict(model)
    if kind == "tensorflow":
        return _tensorflow_predict(model, input_shape, match_keras)
    return _jax_predict(model, batch_size, match_keras)


def _numpy(outputs, n=None):
    """A model's outputs (a tensor, or a list of them) as numpy arrays, of
    their first ``n`` rows if given."""
    import keras

    return keras.tree.map_structure(
        lambda out: keras.ops.convert_to_numpy(out)[:n], outputs
    )


def _inference(model, x):
    return model(x, training=False)


def _eager_predict(model):
    def predict(x):
        return _numpy(_inference(model, x))

    predict.compilations = lambda: 0
    return predict


def _tensorflow_predict(model, input_shape, match_keras):
    import tensorflow as tf

    if not match_keras:
        # TensorFlow has only a process-wide switch; it is on by default for
        # Ampere and newer GPUs, where float32 matmuls and convolutions would
        # silently run in TF32 (10-bit mantissa).
        tf.config.experimental.enable_tensor_float_32_execution(False)
    # A free batch axis: batches of any size reuse one trace (Keras' own
    # predict functions retrace for new batch sizes).
    spec = tf.TensorSpec((None, *input_shape), tf.float32)
    # A partial, not a lambda: TensorFlow's "triggered tf.function
    # retracing" warning counts the traces of every function made from one
    # code object, so each new model's single trace would add up to it over
    # fits; a partial is counted alone.
    function = tf.function(
        functools.partial(_inference, model),
        input_signature=[spec],
        autograph=False,  # as Keras' predict: a model's call needs none
        jit_compile=model.jit_compile if match_keras else None,
    )

    def predict(x):
        return _numpy(function(x))

    predict.compilations = function.experimental_get_tracing_count
    return predict


def _jax_predict(model, batch_size, match_keras):
    import jax

    def call(trainable, non_trainable, x):
        outputs, _ = model.stateless_call(trainable, non_trainable, x, training=False)
        return outputs

    compiled = jax.jit(call)

    def precision():
        if match_keras:
            return contextlib.nullcontext()
        # JAX's default on GPUs is TF32 ("tensorfloat32"); read when tracing.
        return jax.default_matmul_precision("highest")

    def predict(x):
        n = len(x)
        if batch_size is not None and n < batch_size:  # one compiled shape
            x = np.concatenate([x, np.zeros((batch_size - n, *x.shape[1:]), x.dtype)])
        # The weights as they are now: the model may have trained since.
        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        with precision():
            outputs = compiled(trainable, non_trainable, x)
        return _numpy(outputs, n)

    predict.compilations = compiled._cache_size
    return predict


def _torch_predict(model, match_keras):
    import torch

    full_float32 = contextlib.nullcontext if match_keras else _torch_full_float32

    def predict(x):
        with torch.inference_mode(), full_float32():
            return _numpy(model(x, training=False))

    predict.compilations = lambda: 0
    return predict


@contextlib.contextmanager
def _torch_full_float32():
    """No TF32 in matmuls and convolutions while inside; restored after."""
    import torch

    matmul, cudnn = torch.backends.cuda.matmul, torch.backends.cudnn
    saved = matmul.allow_tf32, cudnn.allow_tf32
    matmul.allow_tf32 = cudnn.allow_tf32 = False
    try:
        yield
    finally:
        matmul.allow_tf32, cudnn.allow_tf32 = saved


def limit_threads(n_threads):
    """Size the framework's CPU thread pools to ``n_threads``, if still possible.

    For a worker process that owns ``n_threads`` cores (a dask worker's
    ``nthreads``): by default each framework uses every core of the machine,
    so several workers on one machine would oversubscribe it.  TensorFlow's
    pools can only be sized before TensorFlow starts, JAX's before JAX is
    imported; later calls change nothing.  PyTorch's can be sized any time.

    Parameters
    ----------
    n_threads : int
    """
    kind = backend()
    if kind == "tensorflow":
        import tensorflow as tf

        with contextlib.suppress(RuntimeError):  # already started
            tf.config.threading.set_intra_op_parallelism_threads(n_threads)
            tf.config.threading.set_inter_op_parallelism_threads(n_threads)
    elif kind == "jax":
        if "jax" not in sys.modules:
            flags = os.environ.get("XLA_FLAGS", "")
            os.environ["XLA_FLAGS"] = (
                f"{flags} --xla_cpu_multi_thread_eigen={n_threads > 1} "
                f"intra_op_parallelism_threads={n_threads}"
            ).strip()
    else:
        import torch

        torch.set_num_threads(n_threads)


# ------------------------------------------------------------ random state


def _tensorflow_involved():
    """Whether TensorFlow's state must be seeded or kept: it is the backend,
    or something (scikeras) imported it, and may seed it."""
    return backend() == "tensorflow" or "tensorflow" in sys.modules


def save_random_state():
    """The framework's random state and determinism settings, to restore.

    Returns
    -------
    state : dict
        Opaque; give it to :func:`restore_random_state`.
    """
    state = {}
    if _tensorflow_involved():
        from tensorflow.python.eager import context
        from tensorflow.python.framework import config

        tf_context = context.context()
        # Asked first, before anything touches TF_DETERMINISTIC_OPS.
        state["tf_determinism"] = config.is_op_determinism_enabled()
        state["tf_env"] = os.environ.get(_TF_DETERMINISM_ENV)
        state["tf_seed"] = tf_context._seed
        state["tf_op_seeds"] = getattr(tf_context, "_rng", None)
    if backend() == "torch":
        import torch

        state["torch"] = torch.random.get_rng_state()
        if torch.cuda.is_available():
            state["torch_cuda"] = torch.cuda.get_rng_state_all()
    return state


def seed_random_state(seed):
    """Seed the framework: TensorFlow's global seed and op determinism, or
    PyTorch's generators.  JAX needs nothing: Keras draws its keys from its
    own seeded generator.

    Parameters
    ----------
    seed : int
    """
    kind = backend()
    if kind == "tensorflow":
        import tensorflow as tf
        from tensorflow.python.framework import config

        tf.random.set_seed(seed)
        config.enable_op_determinism()
    elif kind == "torch":
        import torch

        torch.manual_seed(seed)


def restore_random_state(state):
    """Put back what :func:`save_random_state` saved."""
    if "tf_determinism" in state:
        from tensorflow.python.eager import context
        from tensorflow.python.framework import config

        if not state["tf_determinism"]:
            config.disable_op_determinism()
        if state["tf_env"] is None:
            os.environ.pop(_TF_DETERMINISM_ENV, None)
        else:
            os.environ[_TF_DETERMINISM_ENV] = state["tf_env"]
        context.set_global_seed(state["tf_seed"])
        # set_global_seed restarts the op-seed sequence; continue it.
        context.context()._rng = state["tf_op_seeds"]
    if "torch" in state:
        import torch

        torch.random.set_rng_state(state["torch"])
        if "torch_cuda" in state:
            torch.cuda.set_rng_state_all(state["torch_cuda"])
