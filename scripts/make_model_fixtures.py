"""Model files of skgenre's main on 2026-12-01 (before the subpackage layout)."""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import skgenre
from skgenre import MILSongClassifier, SongPooling

# Run from the repository root: python scripts/make_model_fixtures.py
out = "tests/data/main-2026-12-01"
rng = np.random.default_rng(0)
# Embedding windows: a multi-label attention model and a song-level pipeline.
E = rng.normal(size=(12, 4, 200)).astype("float32")
E[::3, 3] = np.nan
Y = rng.integers(0, 2, size=(12, 3))
Y[:3] = np.eye(3, dtype=int)
labels = MILSongClassifier(pooling="attention", epochs=3, random_state=0).fit(E, Y)
skgenre.save(
    labels, f"{out}/multilabel_attention.skgenre", label_names=["blues", "jazz", "rock"]
)
y = np.array(["blues", "jazz", "rock"] * 4, dtype=object)
songs = Pipeline(
    [
        ("pool", SongPooling()),
        ("scale", StandardScaler()),
        ("clf", LogisticRegression(max_iter=500)),
    ]
).fit(E, y)
skgenre.save(songs, f"{out}/song_pooling_logreg.skgenre")
# Spectrogram windows: the reference CNN, single-label, default pooling.
X = rng.normal(size=(6, 3, 13, 24, 1)).astype("float32")
X[0, 2] = np.nan
yx = np.array(["rock", "metal"] * 3)
ref = MILSongClassifier(features="mfcc", epochs=2, random_state=0).fit(X, yx)
skgenre.save(ref, f"{out}/mfcc_reference.skgenre")
np.savez(
    f"{out}/expected.npz",
    E=E,
    X=X,
    labels_proba=labels.predict_proba(E),
    labels_windows=labels.predict_window_proba(E),
    songs_proba=songs.predict_proba(E),
    ref_proba=ref.predict_proba(X),
    ref_windows=ref.predict_window_proba(X),
)
