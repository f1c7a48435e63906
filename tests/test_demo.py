"""The demo (``make demo``), run in-process on a small budget."""

import numpy as np

import skgenre.demo
from skgenre.datasets import load_cc_music


def test_demo_names_genres_then_cross_validates_and_predicts(
    monkeypatch, tmp_path, capsys
):
    paths, labels = load_cc_music()
    trumpet = [i for i, p in enumerate(paths) if "trumpet" in p]  # 5 s
    monkeypatch.setattr(
        skgenre.demo,
        "load_cc_music",
        lambda: (np.asarray(paths)[trumpet], np.asarray(labels)[trumpet]),
    )
    accuracy = skgenre.demo.run(
        features="mfcc", folds=2, epochs=1, song_length=3.0, workdir=str(tmp_path)
    )
    out = capsys.readouterr().out
    assert 0.0 <= accuracy <= 1.0
    # Zero-shot genres and tags of the shipped recording, with no training.
    assert "with no training" in out and "solo-trumpet-06.ogg [jazz]" in out
    # Copies tagged in place: a dry run, a write, then undo.
    plan, written, undone = out.split("Tagging a library")[1].split("skgenre ")[1:4]
    assert "write    0.89  Jazz" in plan and "1 file: 1 write" in plan
    assert "1 file: 1 write" in written and "1 file: 1 restored" in undone
    assert "Every genre is back as it was." in out
    assert "Making 4 x 10 synthetic songs of 3 s, 3 artists per genre" in out
    assert "40 songs, genres: blues, classical, metal, rock; 12 artists" in out
    # Both splits side by side, the grouped one last: the figure returned.
    assert "Cross-validated accuracy (chance 0.250):" in out
    stratified, grouped = (
        line.strip() for line in out.splitlines() if line.startswith("  2 folds, ")
    )
    assert stratified.startswith("2 folds, stratified, an artist's songs on both")
    assert stratified.endswith("(figures flatter songs by new artists)")
    assert grouped.startswith(f"2 folds, grouped by artist: {accuracy:.3f} ± ")
    assert "The artist effect: " in out
    assert "Confusion matrix" in out
    # Then trained on all songs, it predicts one new song of each genre.
    for genre in skgenre.demo.DEMO_GENRES:
        assert f"{genre}.000.wav [{genre}]" in out
    assert len(list((tmp_path / "songs").rglob("*.wav"))) == 40
