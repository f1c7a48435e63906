"""Features written to disk in chunks: equal to transform, resumable."""

import numpy as np
import pytest

from skgenre import WindowMFCCTransformer


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
    t = WindowMFCCTransformer(song_length=10.0)
    real = WindowMFCCTransformer.transform
    calls = {"n": 0}

    def interrupted(self, X):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # killed during the third chunk
        return real(self, X)

    monkeypatch.setattr(WindowMFCCTransformer, "transform", interrupted)
    with pytest.raises(KeyboardInterrupt):
        t.transform_to_store(paths, tmp_path / "store", chunk_size=3)
    assert len(count_extractions) == 6
    monkeypatch.setattr(WindowMFCCTransformer, "transform", real)
    stored = t.transform_to_store(paths, tmp_path / "store", chunk_size=3)
    assert len(count_extractions) == 7  # only the last song was left
    np.testing.assert_array_equal(stored, t.transform(paths))


def test_refuses_another_store_and_unsupported_settings(paths, tmp_path):
    WindowMFCCTransformer(song_length=10.0).transform_to_store(paths, tmp_path / "s")
    with pytest.raises(ValueError, match="other paths or settings"):
        WindowMFCCTransformer(song_length=10.0, n_mfcc=20).transform_to_store(
            paths, tmp_path / "s"
        )
    with pytest.raises(ValueError, match="fixed number of windows"):
        WindowMFCCTransformer(song_length=None).transform_to_store(
            paths, tmp_path / "n"
        )
    with pytest.raises(ValueError, match="on_error"):
        WindowMFCCTransformer(on_error="skip").transform_to_store(paths, tmp_path / "k")


def test_classifier_streams_the_memory_mapped_store(songs, tmp_path, monkeypatch):
    from skgenre import MILSongClassifier
    from skgenre.batches import WindowBatches

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
