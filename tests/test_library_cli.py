"""``skgenre library`` and ``skgenre undo``: the real zero-shot tagger once,
a stand-in model elsewhere (no network), and the run-stopping errors."""

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from _library_fakes import FakeModel
from _media import make_file
from test_cli import run

import skgenre.library
from skgenre.library import read_genres

COLUMNS = ["path", "action", "current", "genres", "confidence", "reason"]


def _tree(root):
    return {p: p.read_bytes() for p in sorted(Path(root).rglob("*")) if p.is_file()}


def test_dry_run_with_the_zero_shot_tagger(real_clip, tmp_path, capsys):
    root = tmp_path / "Music"
    (root / "jazz").mkdir(parents=True)
    shutil.copy(real_clip, root / "jazz" / "clip.wav")
    make_file(root / "tagged.flac", "flac", genres=["Post-Rock"], seconds=0.5)
    make_file(root / "clip.au", "au", seconds=0.3)
    broken = make_file(root / "broken.flac", "flac", seconds=0.5)
    data = bytearray(broken.read_bytes())  # tags intact, audio frames zeroed
    data[len(data) // 2 :] = bytes(len(data) - len(data) // 2)
    broken.write_bytes(data)
    before = _tree(root)
    out, err = run(capsys, "library", root, "--format", "json", "--n-jobs", 1)
    assert _tree(root) == before  # a dry run: not a byte, no new file
    assert "Dry run (zero-shot musicnn-msd+mtt, fill mode)" in err
    records = {Path(r["path"]).name: r for r in json.loads(out)}
    assert set(records) == {"clip.wav", "tagged.flac", "clip.au", "broken.flac"}
    assert records["broken.flac"]["action"] == "error"
    assert records["broken.flac"]["reason"].startswith("audio: not decodable")
    for record in records.values():
        assert list(record) == COLUMNS
    clip = records["clip.wav"]
    assert clip["action"] == "write" and clip["genres"] == ["Jazz"]
    assert clip["confidence"] > 0.5 and clip["reason"] == ""
    assert records["tagged.flac"]["action"] == "keep"
    assert records["tagged.flac"]["current"] == ["Post-Rock"]
    assert records["clip.au"]["action"] == "skip"
    assert records["clip.au"]["confidence"] is None
    # The same plan as CSV, lists joined by "; "; and predict walks folders.
    out, _ = run(capsys, "library", root, "--format", "csv", "--mode", "add")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == COLUMNS
    tagged = next(r for r in rows if r["path"].endswith("tagged.flac"))
    assert tagged["current"] == "Post-Rock"
    assert tagged["genres"] == "" or tagged["genres"].startswith("Post-Rock; ")
    out, _ = run(capsys, "predict", root / "jazz", "--format", "json")
    assert [Path(r["path"]).name for r in json.loads(out)] == ["clip.wav"]
    # A window budget: one window of the clip's three, and every window.
    assert "Windows: at most 10 per song, spread evenly" in err
    out, err = run(capsys, "library", root / "jazz", "--max-windows", "1")
    assert "Windows: at most 1 per song" in err and "(Jazz)" in out
    _, err = run(capsys, "library", root / "jazz", "--max-windows", "all")
    assert "Windows: every window per song" in err
    with pytest.raises(SystemExit):
        run(capsys, "library", root / "jazz", "--max-windows", "0")


@pytest.fixture
def fake(monkeypatch):
    model = FakeModel()
    monkeypatch.setattr(skgenre.library, "load_genre_model", lambda *a, **k: model)
    return model


def test_write_then_undo(fake, tmp_path, capsys, monkeypatch):
    root = tmp_path / "lib"
    root.mkdir()
    make_file(root / "jazz.mp3", "mp3", seconds=0.3)
    make_file(root / "unsure.flac", "flac", seconds=0.3)
    make_file(root / "rock v23.mp3", "mp3-v23", seconds=0.3)
    monkeypatch.chdir(tmp_path)  # where the default journal goes
    out, err = run(capsys, "library", root, "--write", "--separator", " / ")
    (journal,) = tmp_path.glob("skgenre-journal-*.jsonl")
    assert f"Journal: {journal.name} (undo with: skgenre undo {journal.name})" in err
    assert out.splitlines()[-1] == "3 files: 2 write, 1 unsure"
    assert read_genres(root / "jazz.mp3") == ["Jazz"]
    out, _ = run(capsys, "undo", journal, "--format", "json")
    assert sorted(r["action"] for r in json.loads(out)) == ["restored"] * 2
    assert read_genres(root / "jazz.mp3") == []
    # --journal names it; albums and add mode reach the plan.
    out, _ = run(
        capsys,
        "library",
        root / "jazz.mp3",
        "--write",
        "--journal",
        "j.jsonl",
        "--by",
        "album",
        "--mode",
        "add",
        "--min-confidence",
        "0.9",
    )
    assert "unsure" in out and (tmp_path / "j.jsonl").exists()


def test_errors_that_stop_the_run_are_one_line(fake, tmp_path, capsys):
    song = make_file(tmp_path / "jazz.flac", "flac", seconds=0.3)
    before = song.read_bytes()
    _, err = run(capsys, "library", tmp_path / "missing", code=1)
    assert err == f"skgenre: error: no such file or folder: '{tmp_path / 'missing'}'\n"
    bad = tmp_path / "no-such-folder" / "j.jsonl"
    _, err = run(capsys, "library", song, "--write", "--journal", bad, code=1)
    assert err.startswith("skgenre: error: cannot write the journal") and (
        err.count("\n") == 1
    )
    assert song.read_bytes() == before and fake.calls == 0
    _, err = run(capsys, "undo", tmp_path / "nothing.jsonl", code=1)
    assert err.startswith("skgenre: error: ") and err.count("\n") == 1
    with pytest.raises(SystemExit):
        run(capsys, "library", song, "--min-confidence", "2")
    assert "a probability in [0, 1], got 2" in capsys.readouterr().err


def test_a_bad_model_file_stops_the_run(tmp_path, capsys):
    song = make_file(tmp_path / "jazz.flac", "flac", seconds=0.3)
    bad_model = tmp_path / "bad.skgenre"
    bad_model.write_bytes(b"not a model")
    _, err = run(capsys, "library", song, "--model", bad_model, code=1)
    assert err.startswith("skgenre: error: ") and "bad.skgenre" in err
    assert err.count("\n") == 1
