"""Features written to disk in chunks: equal to transform, resumable."""

import json

import numpy as np
import pytest
import soundfile as sf
from conftest import write_tone

from skgenre import MILSongClassifier, WindowMFCCTransformer
from skgenre.audio import AudioDecodeError


@pytest.fixture
def paths(songs):
    return list(songs[0][:7])


def test_store_equals_transform(paths, tmp_path):
    t = WindowMFCCTransformer(song_length=10.0)
    stored = t.transform_to_store(paths, tmp_path / "store", chunk_size=3)
    assert isinstance(stored, np.memmap) and not stored.flags.writeable
    assert stored.dtype == np.float32 and stored.shape == (7, 3, 13, 216, 1)
    np.testing.assert_array_equal(stored, t.transform(paths))
    # A standard .npy file.
    np.testing.assert_array_equal(np.load(tmp_path / "store" / "features.npy"), stored)


def test_resumes_without_recomputing_finished_songs(
    paths, tmp_path, monkeypatch, count_extractions
):
    import skgenre.frontends.features

    t = WindowMFCCTransformer(song_length=10.0)
    real = skgenre.frontends.features.song_features

    def interrupted(path, settings):
        if len(count_extractions) == 6:
            raise KeyboardInterrupt  # killed during the third chunk
        return real(path, settings)

    monkeypatch.setattr(skgenre.frontends.features, "song_features", interrupted)
    with pytest.raises(KeyboardInterrupt):
        t.transform_to_store(paths, tmp_path / "store", chunk_size=3)
    assert len(count_extractions) == 6
    monkeypatch.setattr(skgenre.frontends.features, "song_features", real)
    stored = t.transform_to_store(paths, tmp_path / "store", chunk_size=3)
    assert len(count_extractions) == 7  # only the last song was left
    np.testing.assert_array_equal(stored, t.transform(paths))


def test_refuses_another_store_and_unsupported_settings(paths, tmp_path):
    WindowMFCCTransformer(song_length=10.0).transform_to_store(paths, tmp_path / "s")
    with pytest.raises(ValueError, match="other paths or settings"):
        WindowMFCCTransformer(song_length=10.0, n_mfcc=20).transform_to_store(
            paths, tmp_path / "s"
        )
    with pytest.raises(ValueError, match="other paths or settings"):
        WindowMFCCTransformer(song_length=None).transform_to_store(
            paths, tmp_path / "s"
        )
    for song_length in (10.0, None):
        with pytest.raises(ValueError, match="on_error"):
            WindowMFCCTransformer(
                song_length=song_length, on_error="skip"
            ).transform_to_store(paths, tmp_path / "k")
    assert not (tmp_path / "k").exists()


def test_classifier_streams_the_memory_mapped_store(songs, tmp_path, monkeypatch):
    from skgenre.mil.batches import WindowBatches

    paths, labels = songs
    stored = WindowMFCCTransformer(song_length=10.0).transform_to_store(
        paths, tmp_path / "store"
    )
    reads = []
    real = WindowBatches.__getitem__

    def spy(self, i):
        batch = real(self, i)
        reads.append(len(batch[0]))
        return batch

    monkeypatch.setattr(WindowBatches, "__getitem__", spy)
    clf = MILSongClassifier(epochs=2, batch_size=5, random_state=0).fit(stored, labels)
    # Every song read once per epoch, in batches of at most 5.
    assert sum(reads) >= 2 * len(paths) and max(reads) <= 5
    assert len(clf.history_["loss"]) == 2
    in_memory = np.array(stored)
    np.testing.assert_allclose(
        clf.predict_proba(stored), clf.predict_proba(in_memory), rtol=1e-5, atol=1e-6
    )
    assert clf.predict_window_proba(stored).shape == (len(paths), 3, 3)


@pytest.fixture(scope="module")
def whole_songs(tmp_path_factory):
    """Songs of 0.6 to 9 s in wav, flac, ogg and mp3 at several sample rates."""
    d = tmp_path_factory.mktemp("whole")
    spec = [
        ("a.wav", 3.0, 22050),
        ("b.flac", 8.2, 44100),
        ("c.ogg", 5.3, 16000),
        ("d.wav", 0.6, 22050),  # shorter than one window
        ("e.ogg", 9.0, 44100),
        ("f.flac", 1.9, 16000),
    ]
    if "MPEG_LAYER_III" in sf.available_subtypes("MP3"):
        spec.append(("g.mp3", 6.4, 44100))
    return [
        write_tone(d / name, seconds=s, sr=sr, freq=300 + 100 * i, seed=i)
        for i, (name, s, sr) in enumerate(spec)
    ]


def _real_windows(X):
    return np.isfinite(X).all(axis=(2, 3, 4)).sum(axis=1)


@pytest.mark.parametrize("offset", [0.0, 1.3])
def test_whole_songs_store_equals_transform(
    whole_songs, tmp_path, offset, count_extractions
):
    t = WindowMFCCTransformer(song_length=None, window_length=2.0, offset=offset)
    stored = t.transform_to_store(whole_songs, tmp_path / "store", chunk_size=3)
    # Window counts come from the headers: each song is decoded only once.
    assert sorted(count_extractions) == sorted(whole_songs)
    expected = t.transform(whole_songs)
    counts = _real_windows(expected)
    assert len(set(counts)) >= 4 and counts.min() == 1
    assert stored.shape == expected.shape
    # NaN padding in the same places: assert_array_equal treats NaN == NaN.
    np.testing.assert_array_equal(stored, expected)
    index = json.loads((tmp_path / "store" / "index.json").read_text())
    assert index["n_windows"] == counts.tolist()
    assert index["shape"] == list(expected.shape) and index["done"] == len(stored)


def test_whole_songs_store_resumes_without_recounting(
    whole_songs, tmp_path, monkeypatch, count_extractions
):
    import skgenre.frontends.features

    t = WindowMFCCTransformer(song_length=None, window_length=2.0)
    real = skgenre.frontends.features.song_features

    def interrupted(path, settings):
        if len(count_extractions) >= 3:
            raise KeyboardInterrupt  # killed at the start of the second chunk
        return real(path, settings)

    monkeypatch.setattr(skgenre.frontends.features, "song_features", interrupted)
    with pytest.raises(KeyboardInterrupt):
        t.transform_to_store(whole_songs, tmp_path / "store", chunk_size=3)
    assert len(count_extractions) == 3
    monkeypatch.setattr(skgenre.frontends.features, "song_features", real)
    counted = []
    monkeypatch.setattr(
        skgenre.frontends.features, "song_n_windows", lambda *a: counted.append(a) or 1
    )
    stored = t.transform_to_store(whole_songs, tmp_path / "store", chunk_size=3)
    assert counted == []  # window counts kept in index.json
    assert len(count_extractions) == len(whole_songs)
    np.testing.assert_array_equal(stored, t.transform(whole_songs))


def test_whole_songs_store_with_unreadable_files(whole_songs, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    paths = [*whole_songs[:2], str(bad), whole_songs[2]]
    t = WindowMFCCTransformer(song_length=None, window_length=2.0)
    # Found while counting windows: nothing is written.
    with pytest.raises(AudioDecodeError, match="bad.wav"):
        t.transform_to_store(paths, tmp_path / "raise")
    assert not (tmp_path / "raise").exists()
    t.set_params(on_error="zeros")
    with pytest.warns(UserWarning, match="could not be read"):
        stored = t.transform_to_store(paths, tmp_path / "zeros", chunk_size=2)
    assert [p for p, _ in t.errors_] == [str(bad)]
    with pytest.warns(UserWarning):
        expected = t.transform(paths)
    np.testing.assert_array_equal(stored, expected)
    assert (stored[2, 0] == 0).all() and np.isnan(stored[2, 1:]).all()


def test_store_warns_once_for_failures_of_all_chunks(paths, tmp_path):
    bad = [tmp_path / "a.wav", tmp_path / "b.wav"]
    for path in bad:
        path.write_bytes(b"not audio")
    mixed = [paths[0], str(bad[0]), paths[1], paths[2], str(bad[1])]
    t = WindowMFCCTransformer(song_length=10.0, on_error="zeros")
    with pytest.warns(UserWarning) as caught:
        t.transform_to_store(mixed, tmp_path / "store", chunk_size=2)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and messages[0].startswith("2 of 5 audio files")
    assert [p for p, _ in t.errors_] == [str(b) for b in bad]


def test_classifier_on_a_whole_song_store_equals_in_memory(whole_songs, tmp_path):
    t = WindowMFCCTransformer(song_length=None, window_length=2.0)
    stored = t.transform_to_store(whole_songs, tmp_path / "store", chunk_size=3)
    in_memory = np.array(stored)
    labels = np.array(["low", "high"] * 4)[: len(whole_songs)]
    # Without shuffling, streamed batches and Keras' in-memory batches hold
    # the same songs in the same order, so training is identical.
    params = dict(epochs=1, batch_size=3, shuffle=False, random_state=0)
    from_disk = MILSongClassifier(**params).fit(stored, labels)
    from_memory = MILSongClassifier(**params).fit(in_memory, labels)
    np.testing.assert_allclose(
        from_disk.history_["loss"], from_memory.history_["loss"], rtol=1e-6
    )
    proba = from_memory.predict_proba(in_memory)
    np.testing.assert_allclose(from_disk.predict_proba(stored), proba, rtol=1e-6)
    np.testing.assert_allclose(from_disk.predict_proba(in_memory), proba, rtol=1e-6)


def test_open_store_reopens_read_only(paths, tmp_path):
    from skgenre.frontends.store import open_store

    t = WindowMFCCTransformer(song_length=10.0)
    stored = t.transform_to_store(paths, tmp_path / "store")
    features, index = open_store(tmp_path / "store")
    assert not features.flags.writeable
    np.testing.assert_array_equal(features, stored)
    assert index["paths"] == list(paths) and index["done"] == len(paths)
