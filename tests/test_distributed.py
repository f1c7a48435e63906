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
