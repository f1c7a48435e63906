"""The main job end to end, with no download.

``skgenre demo`` first names the genre and top tags of the five freely
licensed recordings shipped with the package, with no training (the
pretrained musicnn tagger), and tags copies of them in place as a library
(a dry run, a write, then undo).  It then makes synthetic songs of four genres by
three artists each, cross-validates the feature + classifier pipeline over
songs (never windows of one song on both sides) twice, stratified and
grouped by artist, so the size of the artist effect shows, prints the
grouped figures' classification report and confusion matrix, and trains on
all songs to predict songs by new artists with their probabilities.

``skgenre demo --data DIR`` cross-validates and trains on a genre-per-folder
tree of real music instead (artists from the files' tags, where tagged), and
predicts the shipped recordings.
"""

import os
import tempfile
import time

import numpy as np
from sklearn.metrics import classification_report

from .datasets import load_cc_music, load_folder, make_songs
from .evaluation import artists_known, cross_validate_songs
from .pipelines import make_pipeline
from .report import format_confusion, format_predictions, format_tags, prediction_record

DEMO_GENRES = ("rock", "metal", "blues", "classical")
#: Artists per genre of the synthetic songs: 12 artists, so that 5 folds
#: grouped by artist each hold two or three of them out.
DEMO_ARTISTS = 3


def run(
    data=None,
    *,
    features="musicnn",
    folds=5,
    epochs=None,
    song_length=30.0,
    random_state=0,
    workdir=None,
):
    """Run the demo and return the cross-validated accuracy.

    Parameters
    ----------
    data : str or None
        Genre-per-folder tree of real music; ``None`` makes synthetic songs.
    features : {"musicnn", "mfcc", "logmel"}, default="musicnn"
        Front-end of the trained pipeline (:func:`skgenre.pipelines.make_pipeline`).
    folds : int, default=5
        Cross-validation folds over songs: grouped by artist where artists
        are known (and stratified beside it, to compare), else stratified.
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
        The cross-validated accuracy: grouped by artist where artists are
        known, else stratified.
    """
    shipped, shipped_labels = load_cc_music()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = workdir or tmp
        cache = os.path.join(workdir, "cache")
        _zero_shot(shipped, shipped_labels, cache)
        _tag_a_library(shipped, os.path.join(workdir, "library"), cache)
        if data is None:
            duration = 30.0 if song_length is None else song_length
            print(
                f"\nMaking {len(DEMO_GENRES)} x 10 synthetic songs of {duration:g} s, "
                f"{DEMO_ARTISTS} artists per genre"
            )
            paths, labels, groups = make_songs(
                os.path.join(workdir, "songs"),
                genres=DEMO_GENRES,
                n_per_genre=10,
                duration=duration,
                random_state=random_state,
                n_artists=DEMO_ARTISTS,
                return_groups=True,
            )
            new_paths, new_labels = make_songs(
                os.path.join(workdir, "new"),
                genres=DEMO_GENRES,
                n_per_genre=1,
                duration=duration,
                random_state=random_state + 1,
                n_artists=1,
            )
        else:
            paths, labels, groups = load_folder(data, return_groups=True)
            new_paths, new_labels = shipped, shipped_labels
        classes = np.unique(labels)
        n_artists = len(set(groups)) if artists_known(groups) else 0
        print(
            f"{len(paths)} songs, genres: {', '.join(map(str, classes))}; "
            + (f"{n_artists} artists" if n_artists else "no artist tagged")
        )

        pipe = make_pipeline(
            features,
            memory=cache,
            verbose=1,
            feature_params={"song_length": song_length},
            random_state=random_state,
            **({} if epochs is None else {"epochs": epochs}),
        )
        # Grouped folds need an artist to hold out in each.
        splits = [False, True] if n_artists >= folds else [False]
        print(f"\nCross-validation over songs ({features} features) ...")
        start = time.perf_counter()
        scores = [
            cross_validate_songs(
                pipe,
                paths,
                labels,
                groups,
                n_splits=folds,
                grouped=grouped,
                random_state=random_state,
            )
            for grouped in splits
        ]
        print(f"done in {time.perf_counter() - start:.0f} s")
        print(f"\nCross-validated accuracy (chance {1 / len(classes):.3f}):")
        for score in scores:
            print(f"  {score.line}")
        honest = scores[-1]
        if n_artists:
            gap = scores[0].accuracy - honest.accuracy
            print(
                f"The artist effect: {gap:+.3f}. Expect the grouped figure on "
                "songs by artists the model has not heard."
            )
        predicted = honest.predicted
        print(f"\n{honest.description}:")
        print(classification_report(labels, predicted, zero_division=0))
        print("Confusion matrix (rows: true genre, columns: predicted):")
        print(format_confusion(labels, predicted, classes))

        print(f"\nTraining on all {len(paths)} songs, then predicting new songs ...")
        pipe.fit(paths, labels)
        _print_predictions(pipe, pipe.predict_proba(new_paths), new_paths, new_labels)
    return honest.accuracy


def _zero_shot(paths, labels, cache):
    """Genre and top tags of ``paths`` by the pretrained tagger, no training."""
    from .zeroshot import song_tags, zero_shot_pipeline

    print("Genre and top tags of the shipped recordings, with no training:")
    pipe = zero_shot_pipeline(n_jobs=-1, memory=cache)
    taggram = pipe[0].transform(paths)
    _print_predictions(pipe, pipe[-1].predict_proba(taggram), paths, labels)
    names = [os.path.basename(p) for p in paths]
    print(format_tags(names, song_tags(taggram), pipe[0].get_feature_names_out()))


def _tag_a_library(paths, folder, cache):
    """Tag copies of ``paths`` in place: a dry run, a write, then undo."""
    import shutil

    from .library import load_genre_model, read_genres, tag_library, undo
    from .report import format_library

    os.makedirs(folder)
    copies = [shutil.copy(path, folder) for path in paths]
    before = {path: read_genres(path) for path in copies}
    model = load_genre_model(cache=cache)

    def show(entries):
        records = [entry.record() for entry in entries]
        for record in records:
            record["path"] = os.path.basename(record["path"])
        print(format_library(records))

    print(f"\nTagging a library: copies of the recordings in {folder}")
    print("skgenre library (a dry run: nothing changes):")
    show(tag_library([folder], model, progress=False)[0])
    journal = os.path.join(os.path.dirname(folder), "journal.jsonl")
    print("\nskgenre library --write (fill mode: songs with genres keep theirs):")
    show(tag_library([folder], model, write=True, journal=journal, progress=False)[0])
    print("\nskgenre undo:")
    show(undo(journal))
    back = all(read_genres(path) == genres for path, genres in before.items())
    print("Every genre is back as it was." if back else "Undo left a genre changed!")


def _print_predictions(pipe, proba, paths, labels):
    classes = [str(c) for c in pipe.classes_]
    rows = [
        prediction_record(classes, p, path=f"{os.path.basename(path)} [{label}]")
        for path, label, p in zip(paths, labels, proba, strict=True)
    ]
    print(format_predictions(rows, classes))
