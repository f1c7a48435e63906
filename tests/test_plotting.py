import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from skgenre import MILSongClassifier, WindowMFCCTransformer

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from skgenre.plotting import (  # noqa: E402
    plot_confusion_matrix,
    plot_window_timeline,
    window_times,
)


def test_window_timeline_in_seconds(songs, tmp_path):
    paths, labels = songs
    t = WindowMFCCTransformer(song_length=None, window_length=2.0)
    pipe = Pipeline(
        [("features", t), ("clf", MILSongClassifier(epochs=1, random_state=0))]
    )
    pipe.fit(paths, labels)
    ax = plot_window_timeline(pipe, paths[0])
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == list(pipe.classes_)
    x = lines[0].get_xdata()
    np.testing.assert_allclose(x, 1.0 + np.arange(len(x)) * 1.0)  # centres, 1 s hop
    assert len(x) == 9  # 10 s song, 2 s windows, 50 % overlap
    assert ax.get_xlabel().startswith("time (s")
    ax.figure.savefig(tmp_path / "t.png")


def test_window_times_follow_offset_and_overlap():
    t = WindowMFCCTransformer(window_length=4.0, window_overlap=0.75, offset=2.0)
    np.testing.assert_allclose(window_times(t, 3), [2.0, 3.0, 4.0])


def test_confusion_matrix_display():
    display = plot_confusion_matrix(["a", "b", "a"], ["a", "a", "a"])
    np.testing.assert_array_equal(display.confusion_matrix, [[2, 0], [1, 0]])
