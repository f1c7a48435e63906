"""Multiple-instance behaviour end to end: poolings, whole songs, window output."""

import keras
import numpy as np
import pytest
from conftest import write_tone

from skgenre import MILSongClassifier, WindowMFCCTransformer
from skgenre.mil.pooling import POOLINGS


def _fast(**kw):
    """A quick classifier; told that X holds MFCCs, as make_pipeline does."""
    return MILSongClassifier(
        **{"epochs": 2, "batch_size": 4, "random_state": 0, "features": "mfcc", **kw}
    )


def test_whole_songs_are_padded_with_nan_windows(tmp_path):
    paths = [
        write_tone(tmp_path / "a.wav", seconds=7.0),
        write_tone(tmp_path / "b.wav", seconds=3.0),
        write_tone(tmp_path / "c.wav", seconds=0.5),
    ]
    t = WindowMFCCTransformer(song_length=None, window_length=2.0)
    X = t.fit_transform(paths)
    assert t.n_windows_ is None
    assert X.shape == (3, 6, 13, 87, 1)  # 1 + (7 - 2) // 1 windows for 7 s
    real = np.isfinite(X).all(axis=(2, 3, 4))
    np.testing.assert_array_equal(real.sum(axis=1), [6, 2, 1])
    assert np.isnan(X[~real]).all()
    # Alone, a song gets exactly its own windows.
    np.testing.assert_array_equal(t.transform(paths[1:2])[0], X[1, :2])


@pytest.fixture(scope="module")
def varied_songs(tmp_path_factory):
    """Tones of 3 to 9 s (2 to 8 windows of 2 s), two classes: paths, labels."""
    d = tmp_path_factory.mktemp("varied")
    spec = [(3, 200), (8, 220), (5, 900), (9, 1000), (4, 210), (6, 950)]
    paths = [
        write_tone(d / f"{i}.wav", seconds=s, freq=f, seed=i)
        for i, (s, f) in enumerate(spec)
    ]
    return paths, np.array(["low", "low", "high", "high", "low", "high"])


@pytest.fixture(scope="module")
def varied_lengths(varied_songs):
    paths, labels = varied_songs
    t = WindowMFCCTransformer(song_length=None, window_length=2.0)
    return t.transform(paths), labels


@pytest.mark.parametrize("pooling", sorted(POOLINGS))
@pytest.mark.parametrize("features", ["mfcc", "logmel"])
def test_prediction_does_not_depend_on_longer_songs(varied_songs, pooling, features):
    paths, labels = varied_songs
    t = WindowMFCCTransformer(
        song_length=None, window_length=2.0, features=features, n_mels=32
    )
    X = t.transform(paths)
    clf = _fast(pooling=pooling).fit(X, labels)
    alone = t.transform(paths[:1])  # the shortest song
    assert alone.shape[1] < X.shape[1]
    np.testing.assert_allclose(
        clf.predict_proba(alone), clf.predict_proba(X)[:1], atol=1e-6
    )
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "pooling, window_stats", [("mean", False), ("attention", False), ("mean", True)]
)
def test_padding_never_influences_training(varied_lengths, pooling, window_stats):
    X, y = varied_lengths
    # Same songs with extra padding windows: identical model after training.
    padded = np.concatenate([X, np.full_like(X[:, :3], np.nan)], axis=1)
    # Random augmentations draw per window, so their streams depend on the
    # padded shape: compare without them.
    no_aug = {
        "pooling": pooling,
        "window_stats": window_stats,
        "freq_mask": 0,
        "time_mask": 0,
        "window_dropout": 0,
    }
    a = _fast(**no_aug).fit(X, y)
    b = _fast(**no_aug).fit(padded, y)
    for wa, wb in zip(a.model_.get_weights(), b.model_.get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pooling", ["mean", "max", "attention"])
def test_predict_window_proba(varied_lengths, pooling):
    X, y = varied_lengths
    clf = _fast(pooling=pooling).fit(X, y)
    proba, weights = clf.predict_window_proba(X, return_weights=True)
    real = np.isfinite(X).all(axis=(2, 3, 4))
    assert proba.shape == (*X.shape[:2], 2)
    assert np.isnan(proba[~real]).all() and np.isfinite(proba[real]).all()
    np.testing.assert_allclose(proba[real].sum(axis=-1), 1.0, rtol=1e-5)
    assert (weights[~real] == 0).all() and (weights >= 0).all()
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
    if pooling == "mean":  # the song is the mean of its windows
        np.testing.assert_allclose(
            np.nanmean(proba, axis=1), clf.predict_proba(X), rtol=1e-4, atol=1e-5
        )


def test_predict_window_proba_multiclass(small_features):
    X, y = small_features
    clf = _fast().fit(X, y)
    proba = clf.predict_window_proba(X[:2])
    assert proba.shape == (2, X.shape[1], 3)


@pytest.mark.graph  # tens of epochs: quicker traced
@pytest.mark.parametrize("memory_mapped", [False, True])
def test_early_stopping_restores_best_weights(small_features, memory_mapped, tmp_path):
    X, y = small_features
    if memory_mapped:  # validation songs streamed from the file
        np.save(tmp_path / "X.npy", X)
        X = np.load(tmp_path / "X.npy", mmap_mode="r")
    clf = _fast(epochs=40, patience=2, validation_split=0.25, learning_rate=0.05)
    clf.fit(X, y)
    losses = clf.history_["val_loss"]
    assert len(losses) < 40
    best = int(np.argmin(losses))
    assert len(losses) == best + 1 + 2  # stopped `patience` epochs after the best


def test_user_callbacks_run(small_features):
    X, y = small_features
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(epoch)

    _fast(epochs=2, callbacks=[Record()]).fit(X, y)
    assert seen == [0, 1]


def test_invalid_pooling(small_features):
    X, y = small_features
    with pytest.raises(ValueError, match="invalid pooling='median'"):
        _fast(pooling="median").fit(X, y)


def test_windows_of_another_shape_are_refused(small_features):
    X, y = small_features
    clf = _fast(epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="windows of shape"):
        clf.predict(X[:, :, :10])
