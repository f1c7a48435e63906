"""The ``skgenre`` command.

Driven in-process (``main([...])``), as fast as any other test; a handful of
tests start the real command in a subprocess for what only a process shows:
its exit codes, its one-line errors and the absence of framework noise.
"""

import contextlib
import csv
import io
import json
import os
import subprocess
import sys

import pytest
from conftest import damaged_files, write_evil_pickle

from skgenre.cli import main
from skgenre.datasets import make_songs


def run(capsys, *args, code=0):
    """``skgenre ARGS`` in this process: (stdout, stderr), exit code checked."""
    capsys.readouterr()  # drop what came before
    returned = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert returned == code, err[-2000:]
    return out, err


def run_process(*args, tuned=True):
    """``python -m skgenre.cli ARGS`` as a user runs it."""
    env = dict(os.environ)
    if tuned:
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    else:  # as a user's shell has it: TensorFlow's own default
        env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return subprocess.run(
        [sys.executable, "-m", "skgenre.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


# What the module's training run printed: stdout and stderr.
TRAIN_OUTPUT = {}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    make_songs(d / "train", n_per_genre=4, duration=6.0, random_state=0)
    model = d / "model.skgenre"
    args = ["train", d / "train", "--out", model, "--epochs", 2, "--song-length", 6]
    args += ["--n-jobs", 1, "--features", "mfcc", "--window-stats", "--cv", 2]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main([str(a) for a in args]) == 0
    TRAIN_OUTPUT["out"], TRAIN_OUTPUT["err"] = out.getvalue(), err.getvalue()
    return d, model


def test_train_cv_names_its_split(trained):
    out, err = TRAIN_OUTPUT["out"], TRAIN_OUTPUT["err"]
    # Untagged synthetic songs: no artist known, and the figure says so.
    assert "skgenre: warning: No song has an artist in its tags" in err
    assert "Traceback" not in err and "UserWarning" not in err
    assert out.startswith("Cross-validated accuracy, 2 folds, stratified, no artist")
    assert out.rstrip().endswith("(figures flatter songs by new artists)")


def test_train_writes_a_model_file(trained):
    import skgenre

    _, model = trained
    assert model.is_file()
    clf = skgenre.load(model).steps[-1][1]
    assert clf.window_stats and clf.stats_mean_.shape == (26,)
    # Told what its windows hold by the front-end, not guessed.
    assert (clf.features_, clf.n_mels_, clf.bandlimit_) == ("mfcc", 128, 0.25)


def test_predict_json_csv_table(trained, capsys):
    d, model = trained
    new, _ = make_songs(d / "new", n_per_genre=1, duration=6.0, random_state=1)
    out = json.loads(run(capsys, "predict", model, *new, "--format", "json")[0])
    assert [r["path"] for r in out] == list(new)
    for r in out:
        assert set(r["probabilities"]) == {"blues", "metal", "rock"}
        assert r["genre"] == max(r["probabilities"], key=r["probabilities"].get)
        assert abs(sum(r["probabilities"].values()) - 1) < 1e-4
    table = run(capsys, "predict", model, *new, "--format", "csv")[0]
    rows = list(csv.DictReader(table.splitlines()))
    assert len(rows) == 3
    assert set(rows[0]) == {"path", "genre", "blues", "metal", "rock"}
    table = run(capsys, "predict", model, new[0], "--windows")[0]
    assert new[0] in table and " s " in table
    windows = json.loads(
        run(
            capsys, "predict", "--model", model, new[0], "--windows", "--format", "json"
        )[0]
    )
    assert len(windows[0]["windows"]) == 1  # one 5 s window in 6 s
    assert windows[0]["windows"][0]["start"] == 0.0


def test_train_from_csv_and_evaluate_with_plot(trained, tmp_path, capsys):
    d, model = trained
    paths, labels = make_songs(
        tmp_path / "songs", n_per_genre=2, duration=6.0, random_state=2
    )
    with open(tmp_path / "songs.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "genre", "artist"])
        for i, (p, g) in enumerate(zip(paths, labels, strict=True)):
            # Two artists, each playing one song of every genre.
            w.writerow([os.path.relpath(p, tmp_path), g, f"artist {i % 2}"])
    out, _ = run(
        capsys, "evaluate", model, tmp_path / "songs.csv", "--plot", tmp_path / "cm.png"
    )
    assert "Accuracy:" in out and "precision" in out
    assert (tmp_path / "cm.png").stat().st_size > 1000
    out, err = run(
        capsys,
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
        "--cv",
        2,
    )
    assert (tmp_path / "m2.skgenre").is_file()
    assert "Training on 6 songs, genres: blues, metal, rock" in err
    assert "warning" not in err
    assert out.startswith("Cross-validated accuracy, 2 folds, grouped by artist: ")
    # More folds than artists is one clear line.
    _, err = run(
        capsys,
        "train",
        tmp_path / "songs.csv",
        "--out",
        tmp_path / "m3",
        "--cv",
        3,
        code=1,
    )
    _one_line_error(err, "3 folds grouped by artist need at least 3 artists")


def _one_line_error(err, *words):
    lines = err.strip().splitlines()
    assert lines[-1].startswith("skgenre: error:")
    assert "Traceback" not in err
    for w in words:
        assert w in lines[-1]


def test_errors_are_one_line(trained, tmp_path, capsys):
    d, model = trained
    _, err = run(capsys, "predict", tmp_path / "missing.skgenre", "x.wav", code=1)
    _one_line_error(err, "missing.skgenre", "no such file")
    evil = tmp_path / "evil.skgenre"
    target = tmp_path / "created.txt"
    write_evil_pickle(evil, target)
    _one_line_error(run(capsys, "predict", evil, "x.wav", code=1)[1], "not a zip")
    assert not target.exists()
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    _, err = run(capsys, "predict", model, bad, code=1)
    _one_line_error(err, "bad.wav", "not decodable")
    _one_line_error(run(capsys, "predict", model, tmp_path / "gone.wav", code=1)[1])
    _one_line_error(
        run(capsys, "train", tmp_path / "nothing", "--out", tmp_path / "m", code=1)[1]
    )
    with pytest.raises(ValueError, match="bad.wav"):  # --debug: the traceback
        main(["--debug", "predict", str(model), str(bad)])


def test_threshold_needs_a_multilabel_model(trained, capsys):
    d, model = trained
    song = next((d / "train" / "rock").glob("*.wav"))
    _, err = run(capsys, "predict", "--model", model, song, "--threshold", 0.3, code=1)
    _one_line_error(err, "not a multi-label model")


def test_usage_errors(capsys):
    with pytest.raises(SystemExit) as info:
        main(["predict"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("usage: skgenre")


def test_refused_model_files_are_one_line(small_model, tmp_path, capsys):
    good, members = small_model
    for path, words in damaged_files(good, members, tmp_path):
        out, err = run(capsys, "predict", path, "x.wav", code=1)
        assert out == ""
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"skgenre: error: {path}: ")
        for word in words:
            assert word in lines[0]


def test_predict_with_no_model_names_a_genre(real_clip, capsys):
    out = json.loads(run(capsys, "predict", real_clip, "--format", "json")[0])
    assert out[0]["path"] == real_clip and out[0]["genre"] == "jazz"
    genres = set(out[0]["probabilities"])
    assert {"blues", "classical", "hiphop", "metal", "rock", "soul"} <= genres
    msd = json.loads(
        run(
            capsys, "predict", real_clip, "--tagger", "musicnn-msd", "--format", "json"
        )[0]
    )
    assert "classical" not in msd[0]["probabilities"]
    windows = json.loads(
        run(capsys, "predict", real_clip, "--windows", "--format", "json")[0]
    )[0]["windows"]
    assert len(windows) == 3 and windows[1]["start"] == pytest.approx(2.992)


def test_precision_of_the_encoder(real_clip, trained, capsys):
    out = json.loads(
        run(
            capsys, "predict", real_clip, "--precision", "bfloat16", "--format", "json"
        )[0]
    )
    assert out[0]["genre"] == "jazz"
    full = json.loads(run(capsys, "predict", real_clip, "--format", "json")[0])
    assert out[0]["probabilities"] != full[0]["probabilities"]  # computed otherwise
    tags = run(capsys, "tag", real_clip, "--precision", "bfloat16", "--top", "1")[0]
    assert "jazz" in tags
    _, model = trained  # an MFCC model has no encoder to set
    _, err = run(
        capsys,
        "predict",
        real_clip,
        "--model",
        model,
        "--precision",
        "bfloat16",
        code=1,
    )
    _one_line_error(err, "does not use the pretrained encoder")


def test_tag_prints_top_tags_and_draws_the_taggram(real_clip, tmp_path, capsys):
    plot = tmp_path / "taggram.png"
    out, err = run(
        capsys, "tag", real_clip, "--top", "3", "--format", "json", "--plot", plot
    )
    tags = json.loads(out)[0]["tags"]
    assert len(tags) == 3 and next(iter(tags)) == "jazz"
    assert list(tags.values()) == sorted(tags.values(), reverse=True)
    assert plot.stat().st_size > 10_000
    assert err.strip().splitlines() == [f"Saved taggram to {plot}"]
    out, _ = run(
        capsys,
        "tag",
        real_clip,
        "--tagger",
        "musicnn-mtt",
        "--format",
        "csv",
        "--top",
        "2",
    )
    rows = list(csv.reader(out.splitlines()))
    assert rows[0] == ["path", "rank", "tag", "probability"] and len(rows) == 3


def test_train_uses_the_pretrained_encoder_by_default(tmp_path, capsys):
    import skgenre

    paths, _ = make_songs(tmp_path / "train", n_per_genre=3, duration=5.0)
    model = tmp_path / "m.skgenre"
    run(
        capsys,
        "train",
        tmp_path / "train",
        "--out",
        model,
        "--epochs",
        2,
        "--n-jobs",
        1,
    )
    pipe = skgenre.load(model)
    assert type(pipe[0]).__name__ == "WindowEmbedder"
    assert (pipe[-1].window_kind_, pipe[-1].features_) == ("embedding", "embedding")
    out, _ = run(capsys, "predict", paths[0], "--model", model, "--format", "json")
    assert set(json.loads(out)[0]["probabilities"]) == {"blues", "metal", "rock"}


# ------------------------------------------------- the real command, in a process

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


def test_process_exit_codes():
    assert run_process("predict").returncode == 2
    help_ = run_process("--help")
    assert help_.returncode == 0 and help_.stdout.startswith("usage: skgenre")


def test_process_predicts_with_no_framework_lines(trained):
    d, model = trained
    new, _ = make_songs(d / "quiet", n_per_genre=1, duration=6.0, random_state=3)
    proc = run_process("predict", model, *new, "--windows", tuned=False)
    assert proc.returncode == 0, proc.stderr
    assert new[0] in proc.stdout
    noise = [
        line
        for line in proc.stderr.splitlines()
        if any(w in line for w in _FRAMEWORK_WORDS)
    ]
    assert noise == []


def test_process_error_is_exactly_one_line(small_model, tmp_path):
    good, members = small_model
    damaged_files(good, members, tmp_path)
    path = tmp_path / "flipped.skgenre"
    proc = run_process("predict", path, "x.wav", tuned=False)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"skgenre: error: {path}: damaged")
    # --debug lets the exception through, with its traceback.
    from skgenre.persistence import ModelFileError

    with pytest.raises(ModelFileError, match="damaged"):
        main(["--debug", "predict", str(path), "x.wav"])


def test_demo_subcommand_reaches_run(monkeypatch, capsys):
    import skgenre.demo

    calls = []
    monkeypatch.setattr(skgenre.demo, "run", lambda *a, **k: calls.append((a, k)))
    run(capsys, "demo", "--features", "mfcc", "--folds", 2, "--song-length", "none")
    assert calls == [
        (
            (None,),
            {
                "features": "mfcc",
                "folds": 2,
                "epochs": None,
                "song_length": None,
                "random_state": 0,
            },
        )
    ]


def test_process_predicts_with_no_framework_at_all(real_clip):
    # With ONNX Runtime (installed by skgenre[cpu]) and no KERAS_BACKEND, the
    # zero-shot genre imports neither Keras nor TensorFlow: a quick start.
    script = (
        "import sys; from skgenre.cli import main; code = main(sys.argv[1:]); "
        "assert not {'keras', 'tensorflow'} & set(sys.modules), 'imported'; "
        "sys.exit(code)"
    )
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    proc = subprocess.run(
        [sys.executable, "-c", script, "predict", real_clip],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[:2] == [real_clip, "jazz"] and proc.stderr == ""


@pytest.fixture(scope="module")
def multilabel(tmp_path_factory):
    """A CSV of medleys (two genres each) and single songs, and its model."""
    d = tmp_path_factory.mktemp("labels")
    genres = ("rock", "classical", "metal")
    paths, labels = make_songs(
        d, genres=genres, n_per_genre=2, duration=6.0, n_labels=2, random_state=0
    )
    single, single_labels = make_songs(
        d / "single", genres=genres, n_per_genre=1, duration=6.0, random_state=1
    )
    with open(d / "songs.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "genres"])
        for p, song in zip(paths, labels, strict=True):
            w.writerow([p, ";".join(song)])
        for p, genre in zip(single, single_labels, strict=True):
            w.writerow([p, genre])
    model = d / "labels.skgenre"
    args = ["train", d / "songs.csv", "--out", model, "--epochs", 2]
    args += ["--song-length", 6, "--n-jobs", 1]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main([str(a) for a in args]) == 0
    return d, model, list(paths), list(single), err.getvalue()


def test_train_detects_several_labels_per_song(multilabel):
    import skgenre

    _, model, _, _, err = multilabel
    assert "Training on 9 songs, several labels per song (1.67 on average): " in err
    assert "classical, metal, rock" in err
    pipe, names = skgenre.load(model, return_label_names=True)
    assert pipe[-1].multilabel_ and names == ["classical", "metal", "rock"]


def test_predict_prints_labels_above_the_threshold(multilabel, capsys):
    _, model, medleys, _, _ = multilabel
    out, _ = run(capsys, "predict", "--model", model, medleys[0], "--format", "json")
    (row,) = json.loads(out)
    assert set(row["probabilities"]) == {"classical", "metal", "rock"}
    expected = [k for k, p in row["probabilities"].items() if p >= 0.5]
    assert sorted(row["labels"]) == sorted(expected)
    out, _ = run(
        capsys,
        "predict",
        "--model",
        model,
        medleys[0],
        "--format",
        "json",
        "--threshold",
        0,
    )
    assert len(json.loads(out)[0]["labels"]) == 3  # every label at threshold 0
    out, _ = run(capsys, "predict", "--model", model, medleys[0], "--windows")
    lines = out.splitlines()
    assert lines[0].startswith(medleys[0]) and lines[1].lstrip().startswith("0.0 s")
    out, _ = run(capsys, "predict", "--model", model, medleys[0], "--format", "csv")
    assert out.splitlines()[0] == "path,labels,classical,metal,rock"


def test_evaluate_prints_per_label_scores(multilabel, capsys):
    d, model, _, _, _ = multilabel
    out, _ = run(capsys, "evaluate", model, d / "songs.csv")
    assert out.startswith("Micro-F1: ") and "macro-F1: " in out
    for words in ("micro avg", "macro avg", "samples avg", "ROC-AUC per label:"):
        assert words in out
    assert "  rock  " in out.split("ROC-AUC per label:")[1]
