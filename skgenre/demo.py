"""The main job end to end, with no download.

``python -m skgenre.demo`` makes synthetic songs of four genres,
cross-validates the feature + classifier pipeline over songs (never windows of
one song on both sides), prints accuracy, a classification report and the
confusion matrix, then trains on all songs and predicts new ones with their
probabilities.

``python -m skgenre.demo --data DIR`` does the same on a genre-per-folder
tree of real music, and predicts the freely licensed recordings shipped with
the package.
"""

import argparse
import os
import tempfile
import time

import numpy as np
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from .datasets import load_cc_music, load_folder, make_songs
from .transformer import WindowMFCCTransformer

DEMO_GENRES = ("rock", "metal", "blues", "classical")


def make_pipeline(song_length, epochs, random_state, memory=None, verbose=0):
    """The reference pipeline: window MFCCs -> MIL CNN."""
    from .classifier import MILSongClassifier

    return Pipeline(
        [
            (
                "features",
                WindowMFCCTransformer(
                    song_length=song_length, n_jobs=-1, memory=memory, verbose=verbose
                ),
            ),
            ("clf", MILSongClassifier(epochs=epochs, random_state=random_state)),
        ]
    )


def format_confusion(y_true, y_pred, labels):
    """Confusion matrix as text: rows are true genres, columns predicted."""
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    width = max(6, *(len(str(label)) for label in labels))
    lines = [" " * width + " " + " ".join(f"{str(c)[:width]:>{width}}" for c in labels)]
    for label, row in zip(labels, cm, strict=True):
        lines.append(
            f"{str(label):>{width}} " + " ".join(f"{v:>{width}d}" for v in row)
        )
    return "\n".join(lines)


def format_probabilities(names, proba, classes):
    """One line per song: top genre, then every class probability."""
    lines = []
    for name, p in zip(names, proba, strict=True):
        ranked = ", ".join(f"{classes[k]} {p[k]:.2f}" for k in np.argsort(-p))
        lines.append(f"  {name}: {classes[np.argmax(p)]}  ({ranked})")
    return "\n".join(lines)


def run(
    data=None, *, folds=5, epochs=None, song_length=None, random_state=0, workdir=None
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
    song_length : float or None
        Seconds per song; ``None`` means 30 (the length of the synthetic and
        of GTZAN clips).
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
    song_length = 30.0 if song_length is None else song_length
    with tempfile.TemporaryDirectory() as tmp:
        workdir = workdir or tmp
        if data is None:
            print(
                f"Making {len(DEMO_GENRES)} x 10 synthetic songs "
                f"of {song_length:g} s ..."
            )
            paths, labels = make_songs(
                os.path.join(workdir, "songs"),
                genres=DEMO_GENRES,
                n_per_genre=10,
                duration=song_length,
                random_state=random_state,
            )
            new_paths, new_labels = make_songs(
                os.path.join(workdir, "new"),
                genres=DEMO_GENRES,
                n_per_genre=1,
                duration=song_length,
                random_state=random_state + 1,
            )
        else:
            paths, labels = load_folder(data)
            new_paths, new_labels = load_cc_music()
        classes = np.unique(labels)
        print(f"{len(paths)} songs, genres: {', '.join(map(str, classes))}")

        pipe = make_pipeline(
            song_length,
            epochs,
            random_state,
            memory=os.path.join(workdir, "cache"),
            verbose=1,
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
        names = [
            f"{os.path.basename(p)} [{label}]"
            for p, label in zip(new_paths, new_labels, strict=True)
        ]
        print(format_probabilities(names, proba, pipe.classes_))
    return accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m skgenre.demo", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", help="genre-per-folder tree of real music")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--song-length", type=float, default=None)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    run(
        args.data or None,
        folds=args.folds,
        epochs=args.epochs,
        song_length=args.song_length,
        random_state=args.random_state,
    )


if __name__ == "__main__":
    main()
