"""The ``skgenre`` command, driven as a user would: in a subprocess."""

import csv
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from conftest import write_evil_pickle

from skgenre.datasets import make_songs


def run(*args, check=True):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, "-m", "skgenre.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr[-2000:]}")
    return proc


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    make_songs(d / "train", n_per_genre=4, duration=6.0, random_state=0)
    model = d / "model.skgenre"
    run(
        "train",
        d / "train",
        "--out",
        model,
        "--epochs",
        2,
        "--song-length",
        6,
        "--n-jobs",
        1,
        "--features",
        "mfcc",
        "--window-stats",
    )
    return d, model


def test_train_writes_a_model_file(trained):
    import skgenre

    _, model = trained
    assert model.is_file()
    clf = skgenre.load(model).steps[-1][1]
    assert clf.window_stats and clf.stats_mean_.shape == (26,)


def test_predict_json_csv_table(trained):
    d, model = trained
    new, _ = make_songs(d / "new", n_per_genre=1, duration=6.0, random_state=1)
    out = json.loads(run("predict", model, *new, "--format", "json").stdout)
    assert [r["path"] for r in out] == list(new)
    for r in out:
        assert set(r["probabilities"]) == {"blues", "metal", "rock"}
        assert r["genre"] == max(r["probabilities"], key=r["probabilities"].get)
        assert abs(sum(r["probabilities"].values()) - 1) < 1e-4
    rows = list(
        csv.DictReader(
            run("predict", model, *new, "--format", "csv").stdout.splitlines()
        )
    )
    assert len(rows) == 3 and set(rows[0]) == {
        "path",
        "genre",
        "blues",
        "metal",
        "rock",
    }
    table = run("predict", model, new[0], "--windows").stdout
    assert new[0] in table and " s " in table
    windows = json.loads(
        run("predict", model, new[0], "--windows", "--format", "json").stdout
    )
    assert len(windows[0]["windows"]) == 1  # one 5 s window in 6 s
    assert windows[0]["windows"][0]["start"] == 0.0


def test_train_from_csv_and_evaluate_with_plot(trained, tmp_path):
    d, model = trained
    paths, labels = make_songs(
        tmp_path / "songs", n_per_genre=2, duration=6.0, random_state=2
    )
    with open(tmp_path / "songs.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "genre"])
        for p, g in zip(paths, labels, strict=True):
            w.writerow([os.path.relpath(p, tmp_path), g])
    out = run("evaluate", model, tmp_path / "songs.csv", "--plot", tmp_path / "cm.png")
    assert "Accuracy:" in out.stdout and "precision" in out.stdout
    assert (tmp_path / "cm.png").stat().st_size > 1000
    run(
        "train",
        tmp_path / "songs.csv",
        "--out",
        tmp_path / "m2.skgenre",
        "--epochs",
        1,
        "--song-length",
        6,
        "--n-jobs",
        1,
    )
    assert (tmp_path / "m2.skgenre").is_file()


def _one_line_error(proc, *words):
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("skgenre: error:")
    assert "Traceback" not in proc.stderr
    for w in words:
        assert w in lines[-1]


def test_errors_are_one_line(trained, tmp_path):
    d, model = trained
    _one_line_error(
        run("predict", tmp_path / "missing.skgenre", "x.wav", check=False),
        "missing.skgenre",
        "no such file",
    )
    evil = tmp_path / "evil.skgenre"
    target = tmp_path / "created.txt"
    write_evil_pickle(evil, target)
    _one_line_error(run("predict", evil, "x.wav", check=False), "not a zip archive")
    assert not target.exists()
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    _one_line_error(run("predict", model, bad, check=False), "bad.wav", "not decodable")
    _one_line_error(
        run("predict", model, tmp_path / "gone.wav", check=False), "gone.wav"
    )
    _one_line_error(
        run("train", tmp_path / "nothing", "--out", tmp_path / "m", check=False)
    )
    debug = run("--debug", "predict", model, bad, check=False)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_usage_error_exit_code():
    assert run("predict", check=False).returncode == 2
    assert run("--help").stdout.startswith("usage: skgenre")


def _run_untuned(*args):
    """The command as a user runs it: TF_CPP_MIN_LOG_LEVEL not set."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(
        [sys.executable, "-m", "skgenre.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


_FRAMEWORK_WORDS = (
    "absl",
    "oneDNN",
    "tensorflow",
    "TensorFlow",
    "cpu_feature_guard",
    "retracing",
    "I0000",
    "W0000",
    "E0000",
    "Warning",
    "WARNING",
)


def test_predict_prints_no_framework_lines(trained):
    d, model = trained
    new, _ = make_songs(d / "quiet", n_per_genre=1, duration=6.0, random_state=3)
    proc = _run_untuned("predict", model, *new, "--windows")
    assert proc.returncode == 0, proc.stderr
    assert new[0] in proc.stdout
    noise = [
        line
        for line in proc.stderr.splitlines()
        if any(w in line for w in _FRAMEWORK_WORDS)
    ]
    assert noise == []


def test_refused_model_file_is_exactly_one_line(tmp_path):
    from test_persistence import damaged_files

    import skgenre

    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 2, 13, 20, 1)).astype("float32")
    good = tmp_path / "good.skgenre"
    skgenre.save(
        skgenre.MILSongClassifier(epochs=1, random_state=0).fit(X, ["a", "b"] * 2),
        good,
    )
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    cases = dict(damaged_files(good, members, tmp_path))
    for name in ("flipped.skgenre", "cut.skgenre", "empty.skgenre"):
        path = tmp_path / name
        proc = _run_untuned("predict", path, "x.wav")
        assert proc.returncode == 1
        assert proc.stdout == ""
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, proc.stderr
        assert lines[0].startswith(f"skgenre: error: {path}: ")
        for word in cases[path]:
            assert word in lines[0]


def test_predict_with_no_model_names_a_genre(real_song):
    out = json.loads(run("predict", real_song, "--format", "json").stdout)
    assert out[0]["path"] == real_song and out[0]["genre"] == "jazz"
    genres = set(out[0]["probabilities"])
    assert {"blues", "classical", "hiphop", "metal", "rock", "soul"} <= genres
    msd = json.loads(
        run("predict", real_song, "--tagger", "musicnn-msd", "--format", "json").stdout
    )
    assert "classical" not in msd[0]["probabilities"]
    windows = json.loads(
        run("predict", real_song, "--windows", "--format", "json").stdout
    )[0]["windows"]
    assert len(windows) == 20 and windows[1]["start"] == pytest.approx(2.992)


def test_tag_prints_top_tags_and_draws_the_taggram(real_song, tmp_path):
    proc = run(
        "tag",
        real_song,
        "--top",
        "3",
        "--format",
        "json",
        "--plot",
        tmp_path / "taggram.png",
    )
    tags = json.loads(proc.stdout)[0]["tags"]
    assert len(tags) == 3 and next(iter(tags)) == "jazz"
    assert list(tags.values()) == sorted(tags.values(), reverse=True)
    assert (tmp_path / "taggram.png").stat().st_size > 10_000
    assert proc.stderr.strip().splitlines() == [
        f"Saved taggram to {tmp_path / 'taggram.png'}"
    ]
    rows = list(
        csv.reader(
            run(
                "tag",
                real_song,
                "--tagger",
                "musicnn-mtt",
                "--format",
                "csv",
                "--top",
                "2",
            ).stdout.splitlines()
        )
    )
    assert rows[0] == ["path", "rank", "tag", "probability"] and len(rows) == 3


def test_train_uses_the_pretrained_encoder_by_default(tmp_path):
    import skgenre

    paths, _ = make_songs(tmp_path / "train", n_per_genre=3, duration=5.0)
    model = tmp_path / "m.skgenre"
    run("train", tmp_path / "train", "--out", model, "--epochs", 2, "--n-jobs", 1)
    pipe = skgenre.load(model)
    assert type(pipe[0]).__name__ == "WindowEmbedder"
    assert pipe[-1].features_ == "embedding"
    out = json.loads(
        run("predict", paths[0], "--model", model, "--format", "json").stdout
    )
    assert set(out[0]["probabilities"]) == {"blues", "metal", "rock"}
