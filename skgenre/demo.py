"""The main job end to end, with no download.

``skgenre demo`` makes synthetic songs of four genres,
cross-validates the feature + classifier pipeline over songs (never windows of
one song on both sides), prints accuracy, a classification report and the
confusion matrix, then trains on all songs and predicts new ones with their
probabilities.

``skgenre demo --data DIR`` does the same on a genre-per-folder
tree of real music, and predicts the freely licensed recordings shipped with
the package.
"""

import os
import tempfile
import time

import numpy as np
from sklearn.metrics import accuracy_score, classification_report
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from .datasets import load_cc_music, load_folder, make_songs
from .pipelines import make_pipeline
from .report import format_confusion, format_predictions, prediction_record

DEMO_GENRES = ("rock", "metal", "blues", "classical")


def run(
    data=None, *, folds=5, epochs=None, song_length=30.0, random_state=0, workdir=None
):
    """Run the demo and return the cross-validated accuracy.

    Parameters
    ----------
    data : str or None
        Genre-per-folder tree of real music; ``None`` makes synthetic songs.
    folds : int, default=5
        Stratified cross-validation folds over songs.
    epochs : int or None
        Training epochs; ``None`` uses the classifier's default.
    song_length : float or None, default=30.0
        Seconds per song (30: the length of the synthetic and of GTZAN
        clips); ``None`` keeps whole songs.
    random_state : int, default=0
        Seed of the songs, the folds and the network.
    workdir : str or None
        Where synthetic songs and the feature cache go; a temporary folder
        by default.

    Returns
    -------
    accuracy : float
    """
    from .classifier import MILSongClassifier

    epochs = MILSongClassifier().epochs if epochs is None else epochs
    duration = 30.0 if song_length is None else song_length
    with tempfile.TemporaryDirectory() as tmp:
        workdir = workdir or tmp
        if data is None:
            print(
                f"Making {len(DEMO_GENRES)} x 10 synthetic songs of {duration:g} s ..."
            )
            paths, labels = make_songs(
                os.path.join(workdir, "songs"),
                genres=DEMO_GENRES,
                n_per_genre=10,
                duration=duration,
                random_state=random_state,
            )
            new_paths, new_labels = make_songs(
                os.path.join(workdir, "new"),
                genres=DEMO_GENRES,
                n_per_genre=1,
                duration=duration,
                random_state=random_state + 1,
            )
        else:
            paths, labels = load_folder(data)
            new_paths, new_labels = load_cc_music()
        classes = np.unique(labels)
        print(f"{len(paths)} songs, genres: {', '.join(map(str, classes))}")

        pipe = make_pipeline(
            song_length=song_length,
            memory=os.path.join(workdir, "cache"),
            verbose=1,
            epochs=epochs,
            random_state=random_state,
        )
        cv = StratifiedKFold(folds, shuffle=True, random_state=random_state)
        print(
            f"\n{folds}-fold cross-validation over songs ({epochs} epochs per fold) ..."
        )
        start = time.perf_counter()
        predicted = cross_val_predict(pipe, paths, labels, cv=cv)
        accuracy = accuracy_score(labels, predicted)
        print(f"done in {time.perf_counter() - start:.0f} s")
        print(
            f"\nCross-validated accuracy: {accuracy:.3f} "
            f"(chance {1 / len(classes):.3f})"
        )
        print(classification_report(labels, predicted, zero_division=0))
        print("Confusion matrix (rows: true genre, columns: predicted):")
        print(format_confusion(labels, predicted, classes))

        print(f"\nTraining on all {len(paths)} songs, then predicting new songs ...")
        pipe.fit(paths, labels)
        proba = pipe.predict_proba(new_paths)
        classes = [str(c) for c in pipe.classes_]
        rows = [
            prediction_record(classes, p, path=f"{os.path.basename(path)} [{label}]")
            for path, label, p in zip(new_paths, new_labels, proba, strict=True)
        ]
        print(format_predictions(rows, classes))
    return accuracy
