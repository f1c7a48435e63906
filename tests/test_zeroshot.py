"""A genre with no training: tags of the pretrained tagger grouped into genres."""

import numpy as np
import pytest

from skgenre.encoders import musicnn as mn
from skgenre.frontends.embedder import output_names
from skgenre.zeroshot import (
    GENRE_TAGS,
    TagGenreClassifier,
    song_tags,
    zero_shot_pipeline,
)


def test_every_genre_tag_is_a_tag_of_its_tagger():
    for tagger, groups in GENRE_TAGS.items():
        for genre, tags in groups.items():
            assert genre == genre.lower()
            assert set(tags) <= set(output_names(tagger, "taggram")), genre
    msd = set(GENRE_TAGS["musicnn-msd"])
    required = {"blues", "country", "hiphop", "jazz", "metal", "pop", "rock"}
    assert required | {"electronic", "folk", "punk", "soul"} <= msd


def test_genre_scores_are_the_best_tag_averaged_over_real_windows():
    clf = TagGenreClassifier("musicnn-msd").fit()
    tags = list(mn.TAGS["musicnn-msd"])
    X = np.full((2, 3, 50), 0.01)
    X[0, :, tags.index("heavy metal")] = [0.9, 0.6, 0.3]  # mean 0.6
    X[0, :, tags.index("jazz")] = 0.5
    X[1, 2] = np.nan  # a padded window
    X[1, :2, tags.index("Hip-Hop")] = 0.7
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(clf.predict(X)) == ["metal", "hiphop"]
    metal, jazz = (list(clf.classes_).index(g) for g in ("metal", "jazz"))
    assert proba[0, metal] / proba[0, jazz] == pytest.approx(0.6 / 0.5)
    np.testing.assert_allclose(song_tags(X)[1, tags.index("Hip-Hop")], 0.7)
    windows = clf.predict_window_proba(X)
    assert windows.shape == (2, 3, len(clf.classes_))
    assert np.isnan(windows[1, 2]).all() and np.isfinite(windows[0]).all()


def test_refuses_other_input():
    with pytest.raises(ValueError, match="taggram embeddings"):
        TagGenreClassifier().fit().predict(np.zeros((2, 3, 50)))
    with pytest.raises(ValueError, match="invalid tagger="):
        TagGenreClassifier("vgg").fit()


def test_both_taggers_add_classical_to_the_msd_genres():
    clf = TagGenreClassifier().fit()  # "musicnn-msd+mtt"
    assert set(clf.classes_) == set(GENRE_TAGS["musicnn-msd"]) | {"classical"}
    X = np.full((1, 2, 100), 0.01)
    X[0, :, 50 + list(mn.TAGS["musicnn-mtt"]).index("classical")] = 0.9
    X[0, :, list(mn.TAGS["musicnn-msd"]).index("jazz")] = 0.4
    assert clf.predict(X)[0] == "classical"


def test_real_music_with_no_training(real_clip):
    from skgenre.datasets import load_cc_music

    pipe = zero_shot_pipeline(song_length=30.0)
    assert pipe.predict([real_clip])[0] == "jazz"
    paths, labels = load_cc_music()
    classical = [
        p for p, label in zip(paths, labels, strict=True) if label == "classical"
    ]
    assert list(pipe.predict(classical)) == ["classical"] * len(classical)
    mtt = zero_shot_pipeline("musicnn-mtt", song_length=6.0)
    assert "classical" in mtt.classes_
    assert mtt.predict_proba([real_clip]).shape == (1, len(mtt.classes_))
