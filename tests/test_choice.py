"""The encoder's precision and runtime for the work at hand (no network)."""

import json

import pytest

from skgenre.encoders import choice


@pytest.fixture
def cpu(monkeypatch):
    """Pretend to be a CPU with the given flags."""

    def pretend(*flags, model="Test CPU"):
        monkeypatch.setattr(choice, "_cpu", lambda: (model, frozenset(flags)))

    return pretend


def test_auto_precision_is_bfloat16_where_native(cpu):
    cpu("avx2", "amx_bf16")
    assert choice.native_bfloat16() and choice.resolve_precision("auto") == "bfloat16"
    cpu("avx2", "avx512_bf16")
    assert choice.resolve_precision("auto") == "bfloat16"
    cpu("avx2", "avx512f")  # e.g. an AMD EPYC before Zen 4
    assert choice.resolve_precision("auto") == "float32"
    assert choice.resolve_precision("bfloat16") == "bfloat16"


def test_bulk_runtime_is_measured_once_and_kept(cpu, tmp_path, monkeypatch):
    cpu("avx2")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    calls = []

    def measure(runtime, precision):
        calls.append(runtime)
        return {"onnx": 32.0, "keras": 38.0}[runtime]

    assert choice.bulk_runtime("float32", measure=measure) == (
        "keras",
        {"onnx": 32.0, "keras": 38.0},
    )
    assert choice.bulk_runtime("float32", measure=measure)[0] == "keras"
    assert calls == ["onnx", "keras"]  # the second answer came from the file
    kept = json.loads((tmp_path / "skgenre" / "throughput.json").read_text())
    assert list(kept) == [next(iter(kept))] and "Test CPU|float32|" in next(iter(kept))
    # Another CPU is measured anew; bfloat16 has one runtime: unmeasured.
    cpu("avx2", model="Other CPU")
    assert (
        choice.bulk_runtime("float32", measure=lambda r, p: {"onnx": 9}.get(r, 1))[0]
        == "onnx"
    )
    assert choice.bulk_runtime("bfloat16", measure=None) == ("keras", {})


def test_a_few_songs_start_quickest_and_bulk_runs_fastest(cpu, monkeypatch):
    cpu("amx_bf16")
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    few = choice.encoder_choice(3)
    assert few.precision == "float32" and "quickest start" in few.reason
    bulk = choice.encoder_choice(500)
    assert bulk == ("bfloat16", "keras", "native bfloat16 on this CPU")
    assert bulk.line == "bfloat16 on keras (native bfloat16 on this CPU)"
    given = choice.encoder_choice(500, precision="float32", runtime="onnx")
    assert given[:2] == ("float32", "onnx")
