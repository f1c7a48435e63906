"""The plan: every mode, confidence, several genres, albums (no files)."""

import json

import numpy as np
import pytest

from skgenre.library.plan import decide, needs_prediction, plan
from skgenre.library.scan import LibraryFile

NAMES = ["Blues", "Jazz", "Rock"]


def _file(name, genres=(), provenance=None, album=None, problem=None):
    return LibraryFile(
        name,
        name,
        genres=list(genres),
        provenance=provenance,
        album=album,
        problem=problem,
    )


def _plan(files, proba, **kwargs):
    return plan(files, np.asarray(proba, dtype=float), NAMES, model="m", **kwargs)


JAZZ = [0.1, 0.8, 0.1]


def test_fill_writes_only_files_without_genres_of_their_own():
    ours = {"genres": ["Blues"], "added": ["Blues"], "model": "m"}
    files = [
        _file("empty"),
        _file("user", ["Rock"]),
        _file("ours", ["Blues"], provenance=ours),
        _file("ours-edited", ["Blues", "Pop"], provenance=ours),
    ]
    assert [needs_prediction(f, "fill") for f in files] == [True, False, True, False]
    entries = _plan(files, [JAZZ] * 4)
    assert [e.action for e in entries] == ["write", "keep", "write", "keep"]
    assert entries[0].genres == ["Jazz"] and entries[2].genres == ["Jazz"]
    assert "fill mode keeps" in entries[1].reason
    record = entries[0].record()
    assert list(record) == [
        "path",
        "action",
        "current",
        "genres",
        "confidence",
        "reason",
    ]
    assert record["confidence"] == 0.8 and entries[0].provenance["added"] == ["Jazz"]
    json.dumps([e.record() for e in entries])


def test_add_merges_without_duplicates_whatever_the_case():
    files = [_file("a", ["Rock", "JAZZ "]), _file("b", ["Rock"]), _file("c")]
    entries = _plan(files, [JAZZ] * 3, mode="add")
    assert [e.action for e in entries] == ["keep", "write", "write"]
    assert entries[1].genres == ["Rock", "Jazz"]
    assert entries[1].provenance["added"] == ["Jazz"]
    assert "already holds" in entries[0].reason
    # Genres added to a user's are not skgenre's alone: fill keeps them later.
    written = _file("b", ["Rock", "Jazz"], provenance=entries[1].provenance)
    assert not needs_prediction(written, "fill")


def test_replace_overwrites_and_keeps_what_is_already_there():
    files = [_file("a", ["Rock", "Pop"]), _file("b", ["jazz"])]
    entries = _plan(files, [JAZZ] * 2, mode="replace")
    assert [e.action for e in entries] == ["write", "keep"]
    assert entries[0].genres == ["Jazz"]


def test_below_min_confidence_is_unsure_and_nothing_is_written():
    entries = _plan([_file("a"), _file("b")], [[0.4, 0.35, 0.25], JAZZ])
    assert [e.action for e in entries] == ["unsure", "write"]
    assert entries[0].genres == [] and entries[0].record()["genres"] == []
    assert "0.4" in entries[0].reason and "Blues" in entries[0].reason
    assert _plan([_file("a")], [[0.4, 0.35, 0.25]], min_confidence=0.3)[0].action == (
        "write"
    )


def test_problems_and_decoding_errors_are_reported_not_predicted():
    files = [
        _file("x.au", problem=("skip", "its format holds no tags")),
        _file("bad.mp3", problem=("error", "tags cannot be read: sync")),
        _file("broken.flac"),
    ]
    assert [needs_prediction(f, "replace") for f in files] == [False, False, True]
    entries = _plan(files, [[np.nan] * 3] * 3, errors={"broken.flac": "cannot decode"})
    assert [e.action for e in entries] == ["skip", "error", "error"]
    assert entries[2].reason == "audio: cannot decode"
    assert all(e.confidence is None for e in entries)


def test_several_genres_per_song_at_most_k():
    p = [0.9, 0.6, 0.55]
    assert decide(np.array(p), NAMES, multilabel=True, threshold=0.5) == (
        ["Blues", "Jazz", "Rock"],
        0.9,
    )
    entries = _plan(
        [_file("a"), _file("b")],
        [p, [0.45, 0.4, 0.1]],
        multilabel=True,
        threshold=0.5,
        max_genres=2,
        min_confidence=0.3,
    )
    assert entries[0].genres == ["Blues", "Jazz"]
    assert entries[0].provenance["settings"]["max_genres"] == 2
    assert entries[1].action == "unsure" and "threshold" in entries[1].reason


def test_albums_share_one_decision_from_their_mean_vote():
    album = ("artist", "album")
    files = [
        _file("t1", album=album),
        _file("t2", album=album),
        _file("t3", album=album),
        _file("single"),
    ]
    proba = [[0.1, 0.8, 0.1], [0.1, 0.7, 0.2], [0.6, 0.1, 0.3], [0.6, 0.1, 0.3]]
    by_song = _plan(files, proba)
    assert [e.genres for e in by_song] == [["Jazz"], ["Jazz"], ["Blues"], ["Blues"]]
    by_album = _plan(files, proba, by="album")
    assert [e.genres for e in by_album] == [["Jazz"]] * 3 + [["Blues"]]
    assert by_album[0].confidence == pytest.approx(1.6 / 3)
    assert by_album[0].provenance["settings"]["by"] == "album"
