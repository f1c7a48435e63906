"""WindowEmbedder: pretrained musicnn embeddings of song windows."""

import joblib
import numpy as np
import pytest
import soundfile as sf
from conftest import write_tone
from sklearn.base import clone

from skgenre import WindowEmbedder
from skgenre.audio import load_audio
from skgenre.encoders import musicnn as mn


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Songs of 10, 4 and 1.5 s: 3, 1 and 1 (repeat-padded) windows."""
    d = tmp_path_factory.mktemp("clips")
    return [
        write_tone(d / "a.wav", seconds=10.0, freq=220.0),
        write_tone(d / "b.wav", seconds=4.0, sr=44100, channels=2, freq=660.0),
        write_tone(d / "c.wav", seconds=1.5, freq=330.0),
    ]


def _reference(path, layer="penultimate", model="musicnn-msd", hop=mn.PATCH_FRAMES):
    """musicnn's own recipe: one log-mel of the whole song cut into patches."""
    y = load_audio(path, sample_rate=mn.SAMPLE_RATE)
    patches = mn.musicnn_patches(mn.musicnn_logmel(y), hop=hop)
    return mn.musicnn_encoder(model, layer).predict(patches, verbose=0)


def test_embeddings_are_musicnn_patches_through_the_network(clips):
    X = WindowEmbedder().fit_transform(clips)
    assert X.dtype == np.float32 and X.shape == (3, 3, 200)
    for i, path in enumerate(clips):
        ref = _reference(path)
        np.testing.assert_allclose(X[i, : len(ref)], ref, atol=1e-5)
        assert np.isnan(X[i, len(ref) :]).all()  # padding rows
    assert [len(_reference(p)) for p in clips] == [3, 1, 1]


@pytest.mark.parametrize("layer", ["taggram", "mean_pool", "max_pool"])
def test_layers_and_models(clips, layer):
    X = WindowEmbedder(model="musicnn-mtt", layer=layer).transform(clips[:1])
    assert X.shape == (1, 3, mn.LAYERS[layer])
    np.testing.assert_allclose(
        X[0], _reference(clips[0], layer, "musicnn-mtt"), rtol=1e-5, atol=1e-4
    )


def test_window_hop_song_length_offset_and_window_arithmetic(clips):
    e = WindowEmbedder(window_hop=1.0)
    s = e.feature_settings()
    assert s.hop_frames == 62  # 1 s of 16 ms frames
    X = e.transform(clips[:1])
    ref = _reference(clips[0], hop=62)
    assert X.shape[1] == len(ref) == s.n_windows(160000) == 8
    np.testing.assert_allclose(X[0], ref, atol=1e-5)
    np.testing.assert_allclose(s.window_starts(3), [0.0, 0.992, 1.984])
    short = WindowEmbedder(song_length=6.5, offset=1.0)
    assert short.transform(clips[:1]).shape[1] == 2  # 6.5 s from 1 s: 2 windows
    assert short.feature_settings().window_starts(2)[0] == 1.0


def test_memory_computes_no_embedding_twice(clips, tmp_path, monkeypatch):
    import skgenre.frontends.embedder

    calls = []
    real = skgenre.frontends.embedder.embed_patches

    def counting(songs, settings, batch_size=64, runtime="auto"):
        calls.append(len(songs))
        return real(songs, settings, batch_size, runtime)

    monkeypatch.setattr(skgenre.frontends.embedder, "embed_patches", counting)
    e = WindowEmbedder(memory=tmp_path / "cache")
    first = e.transform(clips)
    assert calls == [3]  # the three songs went through the network together
    np.testing.assert_array_equal(clone(e).transform(clips), first)
    assert calls == [3]
    WindowEmbedder(memory=joblib.Memory(tmp_path / "cache"), layer="taggram").transform(
        clips[:1]
    )
    assert calls == [3, 1]  # other settings: computed
    WindowEmbedder(memory=tmp_path / "cache", precision="bfloat16").transform(clips)
    assert calls == [3, 1, 3]  # another precision: computed, not the cached


def test_batches_of_any_size_give_the_same_embeddings(clips):
    a = WindowEmbedder(batch_size=1).transform(clips)
    b = WindowEmbedder(batch_size=64).transform(clips)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_bad_files_follow_on_error(clips, tmp_path):
    from skgenre.audio import AudioDecodeError

    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    paths = [clips[0], str(bad), clips[1]]
    with pytest.raises(AudioDecodeError, match="bad.wav"):
        WindowEmbedder().transform(paths)
    with pytest.warns(UserWarning, match="1 of 3"):
        e = WindowEmbedder(on_error="zeros")
        X = e.transform(paths)
    assert X.shape == (3, 3, 200) and (X[1, 0] == 0).all()
    assert e.errors_[0][0] == str(bad)
    with pytest.warns(UserWarning):
        assert WindowEmbedder(on_error="skip").transform(paths).shape[0] == 2


def test_store_equals_transform(clips, tmp_path):
    e = WindowEmbedder()
    stored = e.transform_to_store(clips, tmp_path / "store", chunk_size=2)
    # Chunks batch the network differently: equal up to float rounding.
    np.testing.assert_allclose(stored, e.transform(clips), atol=1e-5)
    assert np.isnan(stored[1:, 1:]).all() and np.isfinite(stored[:, 0]).all()


def test_silent_file_and_parameters(tmp_path):
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0), 16000)
    X = WindowEmbedder().transform([str(empty)])
    assert X.shape == (1, 1, 200) and np.isfinite(X).all()
    for params, name in [
        ({"model": "vgg"}, "model"),
        ({"layer": "logits"}, "layer"),
        ({"window_hop": 0.0}, "window_hop"),
        ({"batch_size": 0}, "batch_size"),
        ({"precision": "float16"}, "precision"),
        ({"runtime": "tflite"}, "runtime"),
        ({"runtime": "onnx", "precision": "bfloat16"}, "runtime"),
        ({"song_length": -1}, "song_length"),
    ]:
        with pytest.raises(ValueError, match=f"invalid {name}="):
            WindowEmbedder(**params).fit()


def test_feature_names():
    assert list(WindowEmbedder(layer="taggram").get_feature_names_out()[:2]) == [
        "rock",
        "pop",
    ]
    names = WindowEmbedder(layer="mean_pool").get_feature_names_out()
    assert len(names) == 753 and names[0] == "mean_pool_0"
    assert WindowEmbedder().fit().n_features_out_ == 200


def test_both_networks_concatenated(clips):
    both = WindowEmbedder(model="musicnn-msd+mtt", layer="taggram")
    X = both.transform(clips[:1])
    assert X.shape == (1, 3, 100)
    np.testing.assert_allclose(X[0, :, :50], _reference(clips[0], "taggram"), atol=1e-5)
    np.testing.assert_allclose(
        X[0, :, 50:], _reference(clips[0], "taggram", "musicnn-mtt"), atol=1e-5
    )
    names = both.get_feature_names_out()
    assert names[0] == "msd:rock" and names[50] == "mtt:guitar"
    settings = both.feature_settings()
    assert settings.weights_sha256 == "+".join(
        mn.WEIGHTS_SHA256[m] for m in ("musicnn-msd", "musicnn-mtt")
    )
    assert WindowEmbedder(model="musicnn-msd+mtt").fit().n_features_out_ == 400


def test_bfloat16_computes_faster_numbers_close_to_float32(clips):
    full = WindowEmbedder().transform(clips)
    half = WindowEmbedder(precision="bfloat16").transform(clips)
    assert half.dtype == np.float32 and half.shape == full.shape
    real = np.isfinite(full)
    np.testing.assert_array_equal(np.isfinite(half), real)  # same padding
    relative = np.linalg.norm(half[real] - full[real]) / np.linalg.norm(full[real])
    assert 1e-4 < relative < 0.05  # rounded, not something else
    settings = WindowEmbedder(precision="bfloat16").feature_settings()
    assert settings.precision == "bfloat16"
    assert settings != WindowEmbedder().feature_settings()  # another cache key


def test_onnx_runtime_and_keras_give_the_same_embeddings(clips):
    keras_port = WindowEmbedder(runtime="keras").transform(clips)
    onnx = WindowEmbedder(runtime="onnx").transform(clips)
    np.testing.assert_allclose(onnx, keras_port, rtol=0, atol=1e-5)
    assert WindowEmbedder(runtime="onnx").feature_settings() == (
        WindowEmbedder(runtime="keras").feature_settings()  # one cache entry
    )
