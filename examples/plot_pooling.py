"""
Pooling choices and attention weights
=====================================

Whole songs of different lengths (``song_length=None``), attention pooling,
and the weight each window gets in the song's decision.
"""

import tempfile

import matplotlib.pyplot as plt
import numpy as np

from skgenre import MILSongClassifier, WindowMFCCTransformer
from skgenre.datasets import make_songs

folder = tempfile.mkdtemp()
paths, genres = make_songs(folder, n_per_genre=5, duration=8.0, random_state=1)
X = WindowMFCCTransformer(song_length=None, window_length=2.0).transform(paths)

clf = MILSongClassifier(
    features="mfcc", pooling="attention", epochs=10, random_state=0
).fit(X, genres)
proba, weights = clf.predict_window_proba(X, return_weights=True)
print("song probabilities of the first song:", clf.predict_proba(X[:1]).round(2))

fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(np.arange(weights.shape[1]), weights[0])
ax.set(xlabel="window", ylabel="attention weight", title=f"{genres[0]} song")
