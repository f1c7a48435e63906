"""Feature extraction distributed on a dask.distributed cluster via joblib."""

import joblib
import numpy as np
import pytest

from skgenre import WindowMFCCTransformer

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _on_cluster(client, work, tasks=("extract",)):
    """Run ``work()`` under the dask joblib backend; return what it returns.

    Asserts that tasks whose names contain each of ``tasks`` ran on workers.
    """
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_backend("dask"):
            result = work()
    assert stream.data
    assert {task["worker"] for task in stream.data} <= set(
        client.scheduler_info()["workers"]
    )
    for name in tasks:
        assert any(name in str(task["key"]) for task in stream.data), name
    return result


def test_dask_backend_on_local_cluster(songs, client):
    paths, _ = songs
    expected = WindowMFCCTransformer(song_length=10.0).transform(paths[:6])
    t = WindowMFCCTransformer(song_length=10.0, n_jobs=-1)
    out = _on_cluster(client, lambda: t.transform(paths[:6]))
    assert len(client.scheduler_info()["workers"]) == 2
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("song_length", [10.0, None])
def test_store_written_from_a_dask_cluster(songs, client, tmp_path, song_length):
    paths, _ = songs
    # None: window counts are also computed on the cluster.
    t = WindowMFCCTransformer(song_length=song_length, n_jobs=-1)
    stored = _on_cluster(
        client,
        lambda: t.transform_to_store(paths, tmp_path / "store", chunk_size=8),
        tasks=("extract",) if song_length else ("extract", "count"),
    )
    np.testing.assert_array_equal(stored, t.set_params(n_jobs=1).transform(paths))


# ------------------------------------------------ the pretrained encoder


@pytest.fixture(scope="module")
def short_songs(tmp_path_factory):
    """Six 4 s songs (one window each) and an undecodable file."""
    from skgenre.datasets import make_songs

    d = tmp_path_factory.mktemp("short")
    paths, _ = make_songs(d, n_per_genre=2, duration=4.0, random_state=0)
    broken = d / "broken.wav"
    broken.write_bytes(b"RIFF but not audio")
    return list(paths), str(broken)


@pytest.fixture(scope="module")
def local_embeddings(short_songs):
    from skgenre import WindowEmbedder

    return WindowEmbedder(n_jobs=1).transform(short_songs[0])


@pytest.fixture
def client_encodes(monkeypatch):
    """Records every network call made in this (the client) process."""
    from skgenre.encoders import musicnn

    calls = []
    real = musicnn.encode

    def counting(*args, **kwargs):
        calls.append(len(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(musicnn, "encode", counting)
    return calls


def test_network_runs_in_the_workers(
    client, short_songs, local_embeddings, client_encodes
):
    from skgenre import WindowEmbedder

    paths, _ = short_songs
    out = _on_cluster(
        client,
        lambda: WindowEmbedder(n_jobs=-1).transform(paths),
        tasks=("extract_and_finish",),
    )
    assert client_encodes == []  # not one patch encoded in the client
    np.testing.assert_allclose(out, local_embeddings, rtol=0, atol=1e-5)
    # Locally the network stays in this process (what measured fastest).
    WindowEmbedder(n_jobs=1).transform(paths[:1])
    assert client_encodes == [1]


def test_embedding_store_written_from_a_dask_cluster(
    client, short_songs, local_embeddings, client_encodes, tmp_path
):
    from skgenre import WindowEmbedder

    paths, _ = short_songs
    embedder = WindowEmbedder(n_jobs=-1)
    stored = _on_cluster(
        client,
        lambda: embedder.transform_to_store(paths, tmp_path / "store", chunk_size=4),
        tasks=("extract_and_finish", "count"),
    )
    assert client_encodes == []
    np.testing.assert_allclose(stored, local_embeddings, rtol=0, atol=1e-5)


@pytest.mark.parametrize("on_error", ["skip", "zeros", "raise"])
def test_on_error_applies_on_every_worker(
    client, short_songs, local_embeddings, on_error
):
    from skgenre import WindowEmbedder
    from skgenre.audio import AudioDecodeError

    paths, broken = short_songs
    mixed = [*paths[:3], broken, *paths[3:]]
    embedder = WindowEmbedder(n_jobs=-1, on_error=on_error)
    if on_error == "raise":
        with pytest.raises(AudioDecodeError, match="broken.wav"):
            _on_cluster(client, lambda: embedder.transform(mixed), tasks=())
        return
    with pytest.warns(UserWarning, match="1 of 7 audio files could not be read"):
        out = _on_cluster(client, lambda: embedder.transform(mixed))
    assert [path for path, _ in embedder.errors_] == [broken]
    if on_error == "skip":
        np.testing.assert_allclose(out, local_embeddings, rtol=0, atol=1e-5)
    else:
        assert out.shape == (7, 1, 200) and not out[3].any()
        good = np.delete(out, 3, axis=0)
        np.testing.assert_allclose(good, local_embeddings, rtol=0, atol=1e-5)


def test_a_killed_worker_loses_nothing(client, short_songs, local_embeddings, tmp_path):
    import dataclasses
    import os

    from skgenre import WindowEmbedder
    from skgenre.frontends.embedder import song_patches

    marker = str(tmp_path / "a worker died")

    def dying_song_patches(path, settings):
        # Pickled by value (a closure): the first song any worker reads
        # kills that worker's process.
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)
        return song_patches(path, settings)

    class DyingEmbedder(WindowEmbedder):
        def _front_end(self, settings):
            front_end = super()._front_end(settings)
            return dataclasses.replace(front_end, compute=dying_song_patches)

    paths, _ = short_songs
    with joblib.parallel_backend("dask"):
        out = DyingEmbedder(n_jobs=-1).transform(paths)
    assert os.path.exists(marker)  # a worker did die, and its task ran again
    np.testing.assert_allclose(out, local_embeddings, rtol=0, atol=1e-5)
    client.wait_for_workers(2, timeout=60)
