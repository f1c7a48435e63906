"""The Keras port of musicnn: parity with the original, weights, preprocessing."""

import hashlib
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import librosa
import numpy as np
import pytest

from skgenre.encoders import musicnn

pytestmark = pytest.mark.librosa  # librosa is the reference

FIXTURE = Path(__file__).resolve().parent / "data" / "musicnn_fixture.npz"


@pytest.fixture(scope="module")
def original():
    """4 log-mel patches of shipped recordings and the ORIGINAL TF1 graph's
    outputs for them (written by scripts/convert_musicnn.py)."""
    with np.load(FIXTURE, allow_pickle=False) as archive:
        return dict(archive)


@pytest.fixture(scope="module", params=musicnn.MODELS)
def name_and_model(request):
    return request.param, musicnn.load_musicnn(request.param)


def test_matches_original_graph(name_and_model, original):
    name, model = name_and_model
    prefix = musicnn.WEIGHTS_FILES[name].split("_")[0].lower()
    out = model.predict_on_batch(original["logmel"])
    taggram = original[f"{prefix}_taggram"]
    assert out["taggram"].shape == taggram.shape == (4, 50)
    np.testing.assert_allclose(out["taggram"], taggram, rtol=0, atol=1e-5)
    np.testing.assert_allclose(
        out["penultimate"], original[f"{prefix}_penultimate"], rtol=0, atol=1e-4
    )
    # Not a trivial match: the patches are tagged differently.
    assert np.ptp(taggram, axis=0).max() > 0.1


def test_parameter_count(name_and_model):
    _, model = name_and_model
    assert model.count_params() == 792_079  # as many values as the checkpoint
    trainable = sum(int(np.prod(v.shape)) for v in model.trainable_weights)
    assert trainable == 787_159  # the rest: batch-norm moving statistics


@pytest.mark.parametrize("name", musicnn.MODELS)
def test_shipped_weights_checksum(name):
    path = musicnn.WEIGHTS_DIR / musicnn.WEIGHTS_FILES[name]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == musicnn.WEIGHTS_SHA256[name]
    weights = musicnn.read_weights(path, musicnn.WEIGHTS_SHA256[name])
    assert all(value.dtype == np.float32 for value in weights.values())
    assert sum(value.size for value in weights.values()) == 792_079


def test_licence_is_shipped():
    text = (musicnn.WEIGHTS_DIR / "LICENSE.md").read_text(encoding="utf-8")
    assert "Copyright (c) Music Technology Group, Universitat Pompeu Fabra" in text
    assert "Million Song Dataset" in text and "MagnaTagATune" in text


@pytest.fixture
def weights_copy(tmp_path):
    """A copy of the MSD weights in a directory of its own."""
    name = "musicnn-msd"
    path = tmp_path / musicnn.WEIGHTS_FILES[name]
    shutil.copyfile(musicnn.WEIGHTS_DIR / musicnn.WEIGHTS_FILES[name], path)
    return name, path


def _refused(name, path):
    with pytest.raises(musicnn.WeightsFileError) as info:
        musicnn.load_musicnn(name, weights_dir=path.parent)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    return info.value


def test_intact_copy_is_accepted(weights_copy):
    name, path = weights_copy
    model = musicnn.load_musicnn(name, weights_dir=path.parent)
    assert model is not musicnn.load_musicnn(name)
    assert model is musicnn.load_musicnn(name, weights_dir=path.parent)  # cached


def test_flipped_byte_is_refused(weights_copy):
    name, path = weights_copy
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # inside an array: np.load alone would not notice
    path.write_bytes(bytes(data))
    assert "sha256" in _refused(name, path).reason


def test_truncated_file_is_refused(weights_copy):
    name, path = weights_copy
    path.write_bytes(path.read_bytes()[:100_000])
    _refused(name, path)
    # Even with a matching checksum, an unreadable archive is refused.
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(musicnn.WeightsFileError, match="not a readable"):
        musicnn.read_weights(path, digest)


def test_altered_weights_are_refused(weights_copy):
    name, path = weights_copy
    weights = musicnn.read_weights(path, musicnn.WEIGHTS_SHA256[name])
    weights["logits/bias"] = weights["logits/bias"] + np.float32(0.1)
    np.savez(path, **weights)  # a valid archive, but not the shipped values
    assert "sha256" in _refused(name, path).reason


def test_missing_file_is_refused(tmp_path):
    path = tmp_path / musicnn.WEIGHTS_FILES["musicnn-mtt"]
    assert "cannot read" in _refused("musicnn-mtt", path).reason


def test_wrong_variables_are_refused(weights_copy, monkeypatch):
    name, path = weights_copy
    weights = musicnn.read_weights(path, musicnn.WEIGHTS_SHA256[name])
    del weights["logits/bias"]
    np.savez(path, **weights)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setitem(musicnn.WEIGHTS_SHA256, name, digest)
    assert "logits/bias" in _refused(name, path).reason


def test_error_is_picklable():
    error = musicnn.WeightsFileError("/x/MSD_musicnn.npz", "damaged")
    again = pickle.loads(pickle.dumps(error))
    assert (again.path, again.reason, str(again)) == (
        "/x/MSD_musicnn.npz",
        "damaged",
        str(error),
    )


def test_encoder_outputs():
    model = musicnn.load_musicnn("musicnn-msd")
    patches = np.random.default_rng(0).uniform(0, 3, (3, 187, 96)).astype(np.float32)
    full = model.predict_on_batch(patches)
    for layer, size in musicnn.LAYERS.items():
        encoder = musicnn.musicnn_encoder("musicnn-msd", layer)
        assert encoder is musicnn.musicnn_encoder("musicnn-msd", layer)
        out = encoder.predict_on_batch(patches)
        assert out.shape == (3, size)
        np.testing.assert_allclose(out, full[layer], rtol=1e-6, atol=1e-6)
    assert np.all(full["max_pool"] >= full["mean_pool"] - 1e-5)


def test_unknown_name_or_layer():
    with pytest.raises(ValueError, match="musicnn-msd"):
        musicnn.load_musicnn("musicnn")
    with pytest.raises(ValueError, match="penultimate"):
        musicnn.musicnn_encoder("musicnn-msd", "cnn3")


def test_tags():
    for name in musicnn.MODELS:
        tags = musicnn.TAGS[name]
        assert len(tags) == len(set(tags)) == musicnn.LAYERS["taggram"]
    assert musicnn.TAGS["musicnn-msd"][:3] == ("rock", "pop", "alternative")
    assert "classical" in musicnn.TAGS["musicnn-mtt"]


def _reference_logmel(y):
    """The original formula in float64 after the original float16 quantisation."""
    power = librosa.feature.melspectrogram(
        y=y, sr=16000, n_fft=512, hop_length=256, n_mels=96
    ).T
    return power, np.log10(10000 * power.astype(np.float16).astype(np.float64) + 1)


def test_logmel_loud_input_is_finite():
    t = np.arange(2 * 16000) / 16000
    square = np.sign(np.sin(2 * np.pi * 440 * t)).astype(np.float32)  # full scale
    power, reference = _reference_logmel(square)
    with np.errstate(over="ignore"):
        # The original's float16 product overflows under numpy 2 ...
        assert np.isinf(10000 * power.astype(np.float16)).any()
    logmel = musicnn.musicnn_logmel(square)
    # ... the port's does not, and equals the intended values.
    assert logmel.dtype == np.float32 and logmel.shape == (1 + square.size // 256, 96)
    assert np.isfinite(logmel).all()
    np.testing.assert_allclose(logmel, reference, rtol=1e-6, atol=1e-6)


def test_logmel_matches_reference_on_music(real_song):
    y, _ = librosa.load(real_song, sr=16000, duration=10.0)
    _, reference = _reference_logmel(y)
    np.testing.assert_allclose(musicnn.musicnn_logmel(y), reference, atol=1e-6)
    with pytest.raises(ValueError, match="mono"):
        musicnn.musicnn_logmel(np.zeros((2, 16000), dtype=np.float32))


def _numbered(n_frames):
    """A log-mel whose frame i holds the value i everywhere."""
    return np.repeat(np.arange(n_frames, dtype=np.float32)[:, None], 96, axis=1)


def test_patches_hop_and_tail():
    logmel = _numbered(1000)
    patches = musicnn.musicnn_patches(logmel)
    assert patches.shape == (5, 187, 96) and patches.flags.c_contiguous
    for i, patch in enumerate(patches):
        np.testing.assert_array_equal(patch, logmel[187 * i : 187 * (i + 1)])
    overlapping = musicnn.musicnn_patches(logmel, hop=50)
    assert overlapping.shape == (17, 187, 96)  # starts 0, 50, ..., 800
    assert overlapping[-1, 0, 0] == 800 and overlapping[-1, -1, 0] == 986
    assert musicnn.musicnn_patches(_numbered(187)).shape == (1, 187, 96)
    assert musicnn.musicnn_patches(_numbered(373)).shape == (1, 187, 96)


@pytest.mark.parametrize("hop", [1, 50, 186, 187, 300])
def test_patch_count_is_computed_in_one_place(hop):
    # What WindowEmbedder reads from a file's header without decoding it.
    for n_samples in (0, 1, 255, 256, 47_616, 47_872, 48_000, 160_000):
        n_frames = musicnn.musicnn_logmel(np.zeros(n_samples)).shape[0]
        patches = musicnn.musicnn_patches(_numbered(n_frames), hop=hop)
        assert len(patches) == musicnn.n_patches(n_samples, hop), n_samples


def test_short_song_is_repeat_padded():
    patches = musicnn.musicnn_patches(_numbered(100))
    assert patches.shape == (1, 187, 96)
    expected = np.concatenate([np.arange(100), np.arange(87)])
    np.testing.assert_array_equal(patches[0, :, 0], expected)
    one = musicnn.musicnn_patches(_numbered(1) + 5)
    np.testing.assert_array_equal(one, np.full((1, 187, 96), 5, np.float32))


@pytest.mark.parametrize(
    "logmel, hop",
    [(np.zeros((0, 96)), 187), (np.zeros((200, 40)), 187), (np.zeros((200, 96)), 0)],
)
def test_patches_bad_input(logmel, hop):
    with pytest.raises(ValueError):
        musicnn.musicnn_patches(logmel, hop=hop)


def test_preprocessing_does_not_import_tensorflow():
    code = (
        "import sys, numpy as np; from skgenre.encoders import musicnn; "
        "musicnn.musicnn_patches(musicnn.musicnn_logmel(np.zeros(16000))); "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, "
        "sorted(m for m in sys.modules if 'tensorflow' in m or 'keras' in m)[:5]"
    )
    # The skgenre under test, wherever it is imported from.
    root = str(Path(musicnn.__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_bfloat16_stays_close_to_the_original_graph(original):
    taggram = musicnn.encode(
        "musicnn-msd", "taggram", original["logmel"], precision="bfloat16"
    )
    assert taggram.dtype == np.float32
    np.testing.assert_allclose(taggram, original["msd_taggram"], rtol=0, atol=0.02)
    assert np.abs(taggram - original["msd_taggram"]).max() > 1e-5  # not float32
    with pytest.raises(ValueError, match="unknown precision 'float16'"):
        musicnn.load_musicnn("musicnn-msd", precision="float16")


def test_a_backend_without_a_precision_is_named(monkeypatch):
    from skgenre.encoders import backends as _backend

    monkeypatch.setitem(_backend._PRECISIONS, "tensorflow", ("float32",))
    with pytest.raises(
        ValueError, match="not supported on the Keras backend 'tensorflow'"
    ):
        _backend.check_precision("bfloat16")
    _backend.check_precision("float32")


@pytest.mark.parametrize("name", musicnn.MODELS)
def test_onnx_export_matches_the_original_graph(name, original):
    prefix = musicnn.WEIGHTS_FILES[name].split("_")[0].lower()
    for layer in ("taggram", "penultimate"):
        out = musicnn.encode(name, layer, original["logmel"], runtime="onnx")
        np.testing.assert_allclose(
            out, original[f"{prefix}_{layer}"], rtol=0, atol=1e-5
        )
    path = musicnn.WEIGHTS_DIR / musicnn.ONNX_FILES[name]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == musicnn.ONNX_SHA256[name]


def test_damaged_onnx_file_is_refused(tmp_path):
    for name in ("MSD_musicnn.onnx", "MSD_musicnn.npz"):
        shutil.copy(musicnn.WEIGHTS_DIR / name, tmp_path / name)
    data = bytearray((tmp_path / "MSD_musicnn.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "MSD_musicnn.onnx").write_bytes(bytes(data))
    with pytest.raises(musicnn.WeightsFileError, match="sha256 .* differs"):
        musicnn.encode(
            "musicnn-msd",
            "taggram",
            np.zeros((1, 187, 96), np.float32),
            weights_dir=tmp_path,
            runtime="onnx",
        )


def test_runtime_is_resolved_from_what_is_installed_and_chosen(monkeypatch):
    import importlib.util

    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert musicnn.resolve_runtime() == "onnx"  # installed by the test extras
    assert musicnn.resolve_runtime("auto", "bfloat16") == "keras"
    assert musicnn.resolve_runtime("keras") == "keras"
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")  # a backend was chosen
    assert musicnn.resolve_runtime() == "keras"
    with pytest.raises(ValueError, match="bfloat16 needs runtime='keras'"):
        musicnn.resolve_runtime("onnx", "bfloat16")
    with pytest.raises(ValueError, match="unknown runtime 'tflite'"):
        musicnn.resolve_runtime("tflite")
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "onnxruntime" else real(name, *a),
    )
    assert musicnn.resolve_runtime() == "keras"
    with pytest.raises(ImportError, match="pip install onnxruntime"):
        musicnn.resolve_runtime("onnx")
