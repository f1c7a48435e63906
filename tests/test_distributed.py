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


def _on_cluster(client, work):
    """Run ``work()`` under the dask joblib backend; return it and the tasks."""
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_backend("dask"):
            result = work()
    assert stream.data
    assert {task["worker"] for task in stream.data} <= set(
        client.scheduler_info()["workers"]
    )
    assert any("extract" in str(task["key"]) for task in stream.data)
    return result


def test_dask_backend_on_local_cluster(songs, client):
    paths, _ = songs
    expected = WindowMFCCTransformer(song_length=10.0).transform(paths[:6])
    t = WindowMFCCTransformer(song_length=10.0, n_jobs=-1)
    out = _on_cluster(client, lambda: t.transform(paths[:6]))
    assert len(client.scheduler_info()["workers"]) == 2
    np.testing.assert_array_equal(out, expected)


def test_store_written_from_a_dask_cluster(songs, client, tmp_path):
    paths, _ = songs
    t = WindowMFCCTransformer(song_length=10.0, n_jobs=-1)
    stored = _on_cluster(
        client, lambda: t.transform_to_store(paths, tmp_path / "store", chunk_size=8)
    )
    np.testing.assert_array_equal(stored, t.set_params(n_jobs=1).transform(paths))
