"""Feature extraction distributed on a dask.distributed cluster via joblib."""

import joblib
import numpy as np
import pytest

from skgenre import WindowMFCCTransformer

distributed = pytest.importorskip("distributed")


def test_dask_backend_on_local_cluster(songs):
    paths, _ = songs
    expected = WindowMFCCTransformer(song_length=10.0).transform(paths[:6])
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        distributed.get_task_stream(client) as stream,
    ):
        with joblib.parallel_backend("dask"):
            out = WindowMFCCTransformer(song_length=10.0, n_jobs=-1).transform(
                paths[:6]
            )
        addresses = set(client.scheduler_info()["workers"])
    np.testing.assert_array_equal(out, expected)
    # The songs were processed by tasks on the cluster's workers.
    assert len(addresses) == 2
    assert stream.data
    assert {task["worker"] for task in stream.data} <= addresses
    assert any("extract" in str(task["key"]) for task in stream.data)


def test_store_written_from_a_dask_cluster(songs, tmp_path):
    paths, _ = songs
    t = WindowMFCCTransformer(song_length=10.0, n_jobs=-1)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        distributed.get_task_stream(client) as stream,
    ):
        with joblib.parallel_backend("dask"):
            stored = t.transform_to_store(paths, tmp_path / "store", chunk_size=8)
    assert any("extract" in str(task["key"]) for task in stream.data)
    np.testing.assert_array_equal(stored, t.set_params(n_jobs=1).transform(paths))
