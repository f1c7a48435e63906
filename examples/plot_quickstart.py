"""
Quickstart: a genre classifier on synthetic songs
=================================================

Make songs of three genres, cross-validate the pipeline over songs, then plot
the genre timeline of one song.
"""

import tempfile

from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from skgenre import MILSongClassifier, WindowMFCCTransformer
from skgenre.datasets import make_songs
from skgenre.plotting import plot_window_timeline

folder = tempfile.mkdtemp()
paths, genres = make_songs(folder, n_per_genre=6, duration=10.0, random_state=0)

pipe = Pipeline(
    [
        ("features", WindowMFCCTransformer(song_length=10.0)),
        ("clf", MILSongClassifier(features="mfcc", epochs=10, random_state=0)),
    ]
)
cv = StratifiedKFold(3, shuffle=True, random_state=0)
scores = cross_val_score(pipe, paths, genres, cv=cv)
print(f"accuracy per fold: {scores.round(2)}, chance is 0.33")

# %%
# Train on all songs and look at one song window by window.
pipe.fit(paths, genres)
ax = plot_window_timeline(pipe, paths[0])
