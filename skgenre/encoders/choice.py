"""How the pretrained encoder runs here: precision and runtime, in one place.

Two decisions depend on the machine, and no fixed answer is right on every
CPU (measured in this project: on an Intel Xeon with AMX, Keras/TensorFlow
in bfloat16 ran 54 patches/s, in float32 38, ONNX Runtime float32 32; on an
AMD EPYC, ONNX Runtime float32 was the fastest and bfloat16 slower):

* :func:`resolve_precision` turns ``precision="auto"`` into bfloat16 where
  the CPU computes it natively (AVX512-BF16 or AMX-BF16), float32 elsewhere.
* :func:`bulk_runtime` chooses the runtime for bulk work (a library, many
  songs) by the throughput measured on this machine, once: each candidate
  encodes the same patches, the faster wins, and the answer is kept in a
  small file of the user's cache folder, keyed by the CPU, the precision
  and the runtimes' versions.  A quick first song keeps ONNX Runtime
  (:func:`skgenre.encoders.musicnn.resolve_runtime`): it starts in a
  fraction of the time a framework takes to import.

:func:`encoder_choice` applies both for a number of songs, and says what it
chose and why.
"""

import functools
import importlib.util
import json
import os
import platform
import time
from typing import NamedTuple

import numpy as np

__all__ = [
    "BULK_SONGS",
    "EncoderChoice",
    "bulk_runtime",
    "encoder_choice",
    "measure_throughput",
    "native_bfloat16",
    "resolve_precision",
]

#: From this many songs, work is bulk: its runtime is chosen by throughput.
BULK_SONGS = 16
#: CPU flags (Linux ``/proc/cpuinfo``) of a native bfloat16 dot product.
BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@functools.cache
def _cpu():
    """``(model name, flags)`` of this machine's CPU; empty where unknown."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return platform.processor() or platform.machine(), frozenset()
    model, flags = "", frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and not model:
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = frozenset(value.split())
    return model or platform.machine(), flags


def native_bfloat16():
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX-BF16).

    Returns
    -------
    native : bool
        False where the CPU's flags cannot be read (not Linux).
    """
    return any(flag in _cpu()[1] for flag in BF16_FLAGS)


def resolve_precision(precision):
    """The encoder's precision: ``"auto"`` resolved for this CPU.

    Parameters
    ----------
    precision : {"auto", "float32", "bfloat16"}

    Returns
    -------
    precision : {"float32", "bfloat16"}
        ``"auto"``: bfloat16 where :func:`native_bfloat16`, else float32
        (emulated bfloat16 is slower than float32).  Others unchanged.
    """
    if precision != "auto":
        return precision
    return "bfloat16" if native_bfloat16() else "float32"


def _candidates(precision):
    """The runtimes that compute ``precision`` here."""
    onnx = importlib.util.find_spec("onnxruntime") is not None
    if precision == "float32" and onnx and "KERAS_BACKEND" not in os.environ:
        return ("onnx", "keras")
    return ("keras",)


def measure_throughput(runtime, precision, *, model="musicnn-msd", n_patches=64):
    """Patches per second of one network on this machine.

    Parameters
    ----------
    runtime : {"onnx", "keras"}
    precision : {"float32", "bfloat16"}
    model : str, default="musicnn-msd"
    n_patches : int, default=64
        Encoded once to warm up (build, compile), then timed.

    Returns
    -------
    patches_per_second : float
    """
    from . import musicnn

    patches = np.random.default_rng(0).random(
        (n_patches, musicnn.PATCH_FRAMES, musicnn.N_MELS), dtype=np.float32
    )

    def run():
        musicnn.encode(model, "taggram", patches, precision=precision, runtime=runtime)

    run()
    start = time.perf_counter()
    run()
    return n_patches / (time.perf_counter() - start)


def _cache_file():
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(root, "skgenre", "throughput.json")


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in (
        "onnxruntime",
        "keras",
        "tensorflow",
        "tensorflow-cpu",
        "jax",
        "torch",
    ):
        try:
            found.append(f"{package}={version(package)}")
        except PackageNotFoundError:
            pass
    return ",".join(found)


def bulk_runtime(precision, *, measure=measure_throughput):
    """The fastest runtime for many songs at ``precision`` on this machine.

    Measured once per CPU, precision and runtime versions (a few seconds),
    then read from ``$XDG_CACHE_HOME/skgenre/throughput.json`` (default
    ``~/.cache``).  Where one runtime only computes ``precision`` (bfloat16:
    Keras; a chosen ``KERAS_BACKEND``; no ONNX Runtime), it is that one,
    unmeasured.

    Parameters
    ----------
    precision : {"float32", "bfloat16"}
    measure : callable, default=measure_throughput
        ``measure(runtime, precision)`` gives patches per second.

    Returns
    -------
    runtime : {"onnx", "keras"}
    throughput : dict of str to float
        Each candidate's patches per second (empty if unmeasured).
    """
    candidates = _candidates(precision)
    if len(candidates) == 1:
        return candidates[0], {}
    key = f"{_cpu()[0]}|{precision}|{_versions()}"
    path = _cache_file()
    try:
        with open(path, encoding="utf-8") as f:
            known = json.load(f)
    except (OSError, ValueError):
        known = {}
    speeds = known.get(key)
    if not isinstance(speeds, dict) or set(speeds) != set(candidates):
        speeds = {runtime: measure(runtime, precision) for runtime in candidates}
        known[key] = speeds
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            temp = f"{path}.{os.getpid()}.tmp"
            with open(temp, "w", encoding="utf-8") as f:
                json.dump(known, f, indent=1)
            os.replace(temp, path)
        except OSError:
            pass  # measured again next time
    return max(speeds, key=speeds.get), speeds


class EncoderChoice(NamedTuple):
    """How the encoder runs for a piece of work, and why (one line)."""

    precision: str
    runtime: str
    reason: str

    @property
    def line(self):
        """``"<precision> on <runtime> (<reason>)"``."""
        return f"{self.precision} on {self.runtime} ({self.reason})"


def encoder_choice(n_songs, precision="auto", runtime="auto"):
    """Precision and runtime for encoding ``n_songs`` songs here.

    Parameters
    ----------
    n_songs : int
        At least :data:`BULK_SONGS`: bulk work, whose runtime is the fastest
        measured (:func:`bulk_runtime`); fewer: the quickest to start
        (:func:`skgenre.encoders.musicnn.resolve_runtime`).
    precision : {"auto", "float32", "bfloat16"}, default="auto"
        ``"auto"`` (:func:`resolve_precision`) applies to bulk work; a few
        songs run in float32, which ONNX Runtime starts quickest.
    runtime : {"auto", "keras", "onnx"}, default="auto"
        A runtime given is kept.

    Returns
    -------
    choice : EncoderChoice
        ``reason`` says why, in words; :attr:`EncoderChoice.line` says it
        all: ``"bfloat16 on keras (native bfloat16 on this CPU)"``.
    """
    from .musicnn import resolve_runtime

    bulk = n_songs >= BULK_SONGS
    if precision == "auto":
        precision = resolve_precision("auto") if bulk else "float32"
        if not bulk:
            why = f"fewer than {BULK_SONGS} songs: the quickest start"
        elif precision == "bfloat16":
            why = "native bfloat16 on this CPU"
        else:
            why = "no native bfloat16 on this CPU"
    else:
        why = "as asked"
    if runtime != "auto":
        return EncoderChoice(precision, resolve_runtime(runtime, precision), why)
    if not bulk:
        return EncoderChoice(precision, resolve_runtime("auto", precision), why)
    chosen, speeds = bulk_runtime(precision)
    if speeds:
        measured = ", ".join(f"{r} {s:.0f}" for r, s in speeds.items())
        why += f"; {chosen}, the fastest measured here ({measured} patches/s)"
    return EncoderChoice(precision, chosen, why)
