"""Learning a library's own genres: genres from tags (load_library), the
threshold, refusals, and ``skgenre library --learn`` end to end."""

import json
import os
import warnings

import numpy as np
import pytest
from _media import make_file
from mutagen.id3 import TCON
from mutagen.wave import WAVE
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils import Bunch
from test_cli import run

import skgenre.library.learn as learn_module
from skgenre.datasets import load_library, make_songs
from skgenre.library import read_genres, write_genres
from skgenre.library.learn import check_learnable, confidence_threshold


def _song(folder, name, genres, artist, fmt="flac"):
    return make_file(
        folder / name, fmt, genres=genres, artist=artist, seconds=0.2, cover=False
    )


def test_genres_from_tags_canonical_split_aliased(tmp_path):
    _song(tmp_path, "a.flac", ["Hip Hop", "jazz"], "A")
    _song(tmp_path, "b.flac", ["hip  hop"], "A")
    _song(tmp_path, "c.mp3", ["HIP HOP; R&B/Soul"], "The B", fmt="mp3-v23")
    _song(tmp_path, "d.flac", ["Jazz | Bossa Nova"], "the  b")
    _song(tmp_path, "e.flac", ["Jazz"], "C")
    _song(tmp_path, "untagged.flac", [], "D")
    (tmp_path / "unreadable.mp3").write_bytes(os.urandom(500))
    ours = _song(tmp_path, "ours.flac", [], "E")
    write_genres(ours, ["Jazz"], provenance={"genres": ["Jazz"], "added": ["Jazz"]})
    with pytest.warns(UserWarning, match=r"dropped: Bossa Nova \(1\), R&B \(1\)"):
        data = load_library(tmp_path, min_songs=2, separators=(";", "|", "/"))
    by_name = {
        os.path.basename(p): g for p, g in zip(data.paths, data.genres, strict=True)
    }
    assert by_name == {
        "a.flac": ["Hip Hop", "Jazz"],  # the most frequent spelling names it
        "b.flac": ["Hip Hop"],
        "c.mp3": ["Hip Hop"],
        "d.flac": ["Jazz"],
        "e.flac": ["Jazz"],
    }
    assert sorted(os.path.basename(p) for p in data.untagged) == [
        "ours.flac",  # skgenre's genres are not the owner's
        "unreadable.mp3",
        "untagged.flac",
    ]
    assert data.genre_names == ["Hip Hop", "Jazz"]
    groups = dict(zip(map(os.path.basename, data.paths), data.groups, strict=True))
    assert groups["c.mp3"] == groups["d.flac"] == "the b"
    # What scikit-learn expects: binarised labels, grouped folds.
    Y = MultiLabelBinarizer().fit_transform(data.genres)
    assert Y.shape == (5, 2)
    assert len(list(StratifiedGroupKFold(2).split(Y, Y[:, 0], data.groups))) == 2
    # Separators that keep "R&B/Soul" one name, and an alias table.
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("from,to\nhip hop,Hip-Hop\nbossa nova,Jazz\nr&b/soul,\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths, genres, _ = load_library(
            tmp_path,
            separators=(";", "|"),
            aliases=aliases,
            min_songs=1,
            return_X_y=True,
        )
    assert sorted({g for song in genres for g in song}) == ["Hip-Hop", "Jazz"]


@pytest.mark.parametrize(
    "genres, dropped, message",
    [
        ([], {}, "no song has a genre of its own; 3 untagged"),
        ([], {"Rock": 1, "Jazz": 1}, "every genre has too few songs (Jazz 1, Rock 1)"),
        ([["Rock"]] * 6, {"Pop": 2}, "one genre only (Rock 6; too few songs: Pop 2)"),
        ([["Rock"]] * 6 + [["Jazz"]] * 4, {}, "Jazz have fewer than 5 songs"),
    ],
)
def test_too_small_to_learn_says_why_with_counts(genres, dropped, message):
    data = Bunch(
        paths=[f"s{k}" for k in range(len(genres))],
        genres=genres,
        groups=np.array([f"s{k}" for k in range(len(genres))], dtype=object),
        untagged=["u1", "u2", "u3"],
        dropped=dropped,
    )
    with pytest.raises(ValueError, match="cannot learn: ") as error:
        check_learnable(data)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_threshold_reaches_the_target_precision():
    confidence = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    right = np.array([1, 1, 1, 1, 1, 0, 1, 0, 0, 0], dtype=float)
    ones = np.ones(10)
    assert confidence_threshold(confidence, right, ones, 0.85) == (0.5, 6 / 7, 0.7)
    assert confidence_threshold(confidence, right, ones, 1.0) == (0.7, 1.0, 0.5)
    threshold, best, coverage = confidence_threshold(confidence, right, ones, 1.0, 6)
    assert threshold == np.inf and best == 6 / 7 and coverage == 0.0


@pytest.fixture(scope="module")
def tagged_library(tmp_path_factory):
    """Synthetic songs of three genres by five artists each: the owner
    tagged all but one song of each genre.  Read only (dry runs)."""
    tmp_path = tmp_path_factory.mktemp("learn")
    paths, genres = make_songs(
        tmp_path / "lib",
        genres=("rock", "classical", "jazz"),
        n_per_genre=6,
        duration=3.0,
        n_artists=5,
        random_state=0,
    )
    untagged = []
    for k, (path, genre) in enumerate(zip(paths, genres, strict=True)):
        if k % 6 == 5:
            untagged.append(path)
            continue
        tags = WAVE(path)
        tags.tags.add(TCON(encoding=3, text=[genre.title()]))
        tags.save()
    return tmp_path, untagged


def _logistic(C):
    def factory(multilabel, random_state):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        from skgenre import SongPooling

        return Pipeline([("pool", SongPooling()), ("clf", LogisticRegression(C=C))])

    return factory


def test_learn_plans_the_untagged_songs(tagged_library, capsys, monkeypatch):
    tmp_path, untagged = tagged_library
    # Two quick candidates: the command's flow (the MIL head: below).
    candidates = {"strong": _logistic(1e-3), "weak": _logistic(1.0)}
    monkeypatch.setattr(learn_module, "CANDIDATES", candidates)
    model = tmp_path / "mine.skgenre"
    args = ["library", tmp_path / "lib", "--learn", "--save", model]
    # float32 on ONNX Runtime: the quickest here (auto: bfloat16 on Keras,
    # on CPUs with native bfloat16, for these 18 songs).
    args += [
        "--cache",
        tmp_path / "cache",
        "--format",
        "json",
        "--precision",
        "float32",
    ]
    out, err = run(capsys, *args, "--target-precision", "0.8")
    assert "Learning from 15 tagged songs; 3 untagged songs to plan" in err
    assert "Learned from 15 tagged songs by " in err and "(one genre per song)" in err
    assert "strong: 5 folds, grouped by artist: " in err and "<- chosen" in err
    assert "Classical" in err and "on the held-out songs" in err
    assert f"Saved model to {model}" in err
    plan = {r["path"]: r for r in json.loads(out)}
    assert {plan[p]["action"] for p in untagged} <= {"write", "unsure"}
    assert {r["action"] for p, r in plan.items() if p not in untagged} == {"keep"}
    written = [p for p in untagged if plan[p]["action"] == "write"]
    assert written and all(
        plan[p]["genres"][0].lower() in os.path.basename(p) for p in written
    )
    # The saved model decides the same way, as any model file.
    out, _ = run(
        capsys,
        "library",
        *untagged,
        "--model",
        model,
        "--format",
        "json",
        "--min-confidence",
        "0",
    )
    again = {r["path"]: r for r in json.loads(out)}
    for path in written:
        assert again[path]["genres"] == plan[path]["genres"]
        assert again[path]["confidence"] == pytest.approx(plan[path]["confidence"])
    assert all(read_genres(p) == [] for p in untagged)  # a dry run


def test_the_mil_head_against_song_pooling(tagged_library, monkeypatch):
    from skgenre.library import learn_genres

    tmp_path, untagged = tagged_library
    quick = learn_module._mil
    monkeypatch.setattr(learn_module, "_mil", lambda *a: quick(*a).set_params(epochs=2))
    monkeypatch.setitem(learn_module.CANDIDATES, "MIL head", learn_module._mil)
    data = load_library(tmp_path / "lib")
    model, report = learn_genres(
        data, n_splits=2, cache=str(tmp_path / "cache"), progress=False
    )
    assert set(report.scores) == {"MIL head", "SongPooling + LogisticRegression"}
    assert report.chosen in report.scores and model.names == report.names
    assert report.names == ["Classical", "Jazz", "Rock"] and not report.multilabel
    proba, errors = model.predict_proba(untagged, progress=False)
    assert proba.shape == (3, 3) and not errors
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def test_the_report_warns_of_genres_by_few_artists():
    from skgenre.library import LearnReport

    report = LearnReport(
        ["Jazz", "Rock"],
        12,
        5,
        False,
        {},
        "MIL head",
        "",
        np.inf,
        0.9,
        0.7,
        0.0,
        few_artists={"Jazz": 2},
    )
    assert "Warning: genres by fewer than 3 artists: Jazz (2)" in report.text
    assert "No confidence threshold reaches precision 0.9" in report.text
    assert "(at best 0.700)" in report.text and not report.reached
