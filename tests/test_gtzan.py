"""Tests of load_gtzan and gtzan_split: the shipped fault-filtered GTZAN lists,
and the listing of a GTZAN copy on disk in either layout.

The GTZAN trees are fakes written to tmp_path: 1000 tiny but real audio
files (0.05 s of a tone, written once per format and copied).
"""

import io
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import skgenre
from skgenre.datasets._gtzan import GTZAN_GENRES, gtzan_split, load_gtzan

LIST_DIR = Path(skgenre.__file__).resolve().parent / "data" / "gtzan"
SIZES = {"train": 443, "valid": 197, "test": 290}
LINE = re.compile(r"([a-z]+)/\1\.000\d\d\.wav")


def _audio_bytes(extension):
    """0.05 s of a 440 Hz tone at 22050 Hz, as the bytes of an audio file."""
    t = np.arange(1102) / 22050
    buffer = io.BytesIO()
    fmt = {"au": "AU", "wav": "WAV", "flac": "FLAC"}[extension]
    sf.write(buffer, 0.3 * np.sin(2 * np.pi * 440 * t), 22050, format=fmt)
    return buffer.getvalue()


def _write_tree(genre_root, extension, numbers=range(100)):
    """A GTZAN tree: genre_root/<genre>/<genre>.000NN.<extension>."""
    data = _audio_bytes(extension)
    for genre in GTZAN_GENRES:
        folder = genre_root / genre
        folder.mkdir(parents=True, exist_ok=True)
        for number in numbers:
            (folder / f"{genre}.{number:05d}.{extension}").write_bytes(data)
    return genre_root


def _stems(paths):
    """``genre/genre.000NN`` of each path."""
    return [f"{Path(p).parent.name}/{Path(p).stem}" for p in paths]


def _listed_stems(subset):
    return [name.rpartition(".")[0] for name in gtzan_split(subset)]


@pytest.fixture(scope="module")
def kaggle_root(tmp_path_factory):
    """The Kaggle copy's layout: root/genres_original/<genre>/<genre>.000NN.wav."""
    root = tmp_path_factory.mktemp("kaggle")
    _write_tree(root / "genres_original", "wav")
    return root


# --------------------------------------------------------------------------
# The shipped lists
# --------------------------------------------------------------------------


def test_shipped_lists_sizes_disjoint_and_genres():
    subsets = {subset: gtzan_split(subset) for subset in SIZES}
    assert {subset: len(names) for subset, names in subsets.items()} == SIZES
    for subset, names in subsets.items():
        assert len(set(names)) == len(names), subset
        assert all(LINE.fullmatch(name) for name in names), subset
        assert {name.split("/")[0] for name in names} == set(GTZAN_GENRES), subset
    train, valid, test = (set(subsets[s]) for s in SIZES)
    assert not train & valid and not train & test and not valid & test
    everything = gtzan_split("all")
    assert everything == subsets["train"] + subsets["valid"] + subsets["test"]
    assert len(set(everything)) == 930
    assert {name.split("/")[0] for name in everything} == set(GTZAN_GENRES)


def test_shipped_lists_are_the_files_verbatim():
    for subset in SIZES:
        text = (LIST_DIR / f"{subset}_filtered.txt").read_text(encoding="utf-8")
        assert text.endswith("\n") and "\r" not in text
        assert text.splitlines() == gtzan_split(subset)
    assert gtzan_split("train")[0] == "blues/blues.00029.wav"
    assert gtzan_split("test")[0] == "blues/blues.00012.wav"
    readme = (LIST_DIR / "README.md").read_text(encoding="utf-8")
    assert "Kereliuk" in readme and "NO audio" in readme and "Copyright" in readme


def test_gtzan_split_rejects_unknown_subset():
    with pytest.raises(ValueError, match=r"gtzan_split: invalid subset='training'"):
        gtzan_split("training")


# --------------------------------------------------------------------------
# Layouts and roots
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "layout, extension",
    [("genres", "au"), ("genres_original", "wav"), ("", "flac")],
    ids=["tarball-au", "kaggle-wav", "genre-folders-flac"],
)
def test_layouts_and_subsets(tmp_path, layout, extension):
    genre_root = _write_tree(tmp_path / layout if layout else tmp_path, extension)
    for subset in ("train", "valid", "test", "all"):
        paths, genres = load_gtzan(tmp_path, subset)
        n = 930 if subset == "all" else SIZES[subset]
        assert paths.shape == genres.shape == (n,)
        assert paths.dtype == object and genres.dtype == object
        assert _stems(paths) == _listed_stems(subset)  # the list's order
        assert genres.tolist() == [name.split("/")[0] for name in gtzan_split(subset)]
        assert all(Path(p).parent.parent == genre_root for p in paths)
        assert all(p.endswith("." + extension) for p in paths)
    assert sf.info(paths[0]).duration == pytest.approx(0.05, abs=1e-3)


def test_root_or_its_parent(kaggle_root):
    from_parent = load_gtzan(kaggle_root, "test")
    from_genre_root = load_gtzan(kaggle_root / "genres_original", "test")
    np.testing.assert_array_equal(from_parent[0], from_genre_root[0])
    np.testing.assert_array_equal(from_parent[1], from_genre_root[1])
    assert from_parent[0][0] == str(
        kaggle_root / "genres_original" / "blues" / "blues.00012.wav"
    )
    # a str root works as a path does
    assert load_gtzan(str(kaggle_root), "test")[0].tolist() == from_parent[0].tolist()


def test_tarball_layout_preferred_when_both(tmp_path):
    _write_tree(tmp_path / "genres", "au")
    _write_tree(tmp_path / "genres_original", "wav")
    paths, _ = load_gtzan(tmp_path, "valid")
    assert all(Path(p).parent.parent.name == "genres" for p in paths)


def test_matches_by_stem_any_case_any_extension(tmp_path):
    wav = _audio_bytes("wav")
    for genre in GTZAN_GENRES:
        (tmp_path / genre).mkdir()
    names = gtzan_split("test")
    extensions = [".WAV", ".Au", ".mp3", ".flac", ".ogg"]
    for i, name in enumerate(names):
        genre, stem = name.rpartition(".")[0].split("/")
        (tmp_path / genre / (stem + extensions[i % len(extensions)])).write_bytes(wav)
    # not audio, hidden, or another clip's near-name: never matched
    (tmp_path / "blues" / "blues.00012.txt").write_text("notes")
    (tmp_path / "blues" / ".blues.00013.wav").write_bytes(wav)
    paths, _ = load_gtzan(tmp_path, "test")
    assert _stems(paths) == _listed_stems("test")
    assert [Path(p).suffix for p in paths[:5]] == extensions


def test_listed_extension_preferred_among_same_stem(tmp_path):
    _write_tree(tmp_path, "au")
    _write_tree(tmp_path, "wav")
    paths, _ = load_gtzan(tmp_path, "train")
    assert all(p.endswith(".wav") for p in paths)
    no_split, _ = load_gtzan(tmp_path, split=None)  # no listed extension: by name
    assert len(no_split) == 1000 and all(p.endswith(".au") for p in no_split)


# --------------------------------------------------------------------------
# Missing clips
# --------------------------------------------------------------------------


def _tree_without(tmp_path, n_removed):
    """A Kaggle tree without the first ``n_removed`` train clips; their stems."""
    _write_tree(tmp_path / "genres_original", "wav")
    removed = _listed_stems("train")[:n_removed]
    for stem in removed:
        (tmp_path / "genres_original" / f"{stem}.wav").unlink()
    return removed


def test_missing_clips_raise_with_count_and_names(tmp_path):
    removed = _tree_without(tmp_path, 7)
    with pytest.raises(FileNotFoundError) as info:
        load_gtzan(tmp_path, "train")
    message = str(info.value)
    assert "load_gtzan: 7 of the 443 listed clips" in message
    assert "'train' subset" in message and str(tmp_path / "genres_original") in message
    assert ", ".join(removed[:5]) + " and 2 more" in message
    assert removed[5] not in message and "missing='skip'" in message
    # the other subsets are complete
    assert len(load_gtzan(tmp_path, "test")[0]) == 290
    with pytest.raises(FileNotFoundError, match="7 of the 930 listed clips"):
        load_gtzan(tmp_path, "all")


def test_missing_skip_warns_once_and_returns_the_rest(tmp_path):
    removed = _tree_without(tmp_path, 7)
    with pytest.warns(UserWarning, match=r"7 of the 443 listed .* other 436") as rec:
        paths, genres = load_gtzan(tmp_path, "train", missing="skip")
    assert len([w for w in rec if "load_gtzan" in str(w.message)]) == 1
    expected = [s for s in _listed_stems("train") if s not in removed]
    assert _stems(paths) == expected and len(genres) == 436


def test_all_missing_raises_even_with_skip(tmp_path):
    for genre in GTZAN_GENRES:
        (tmp_path / "genres" / genre).mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="290 of the 290 listed"):
        load_gtzan(tmp_path, "test", missing="skip")


# --------------------------------------------------------------------------
# split=None: the whole collection on disk
# --------------------------------------------------------------------------


def test_split_none_lists_every_clip_on_disk(kaggle_root):
    paths, genres = load_gtzan(kaggle_root, split=None)
    assert len(paths) == 1000
    assert _stems(paths) == [
        f"{g}/{g}.{n:05d}" for g in GTZAN_GENRES for n in range(100)
    ]
    assert genres.tolist() == [g for g in GTZAN_GENRES for _ in range(100)]


def test_split_none_skips_other_files(tmp_path):
    _write_tree(tmp_path, "wav", numbers=[3, 1])
    wav = _audio_bytes("wav")
    (tmp_path / "blues" / "notes.wav").write_bytes(wav)
    (tmp_path / "blues" / "rock.00001.wav").write_bytes(wav)
    (tmp_path / "blues" / "blues.1.wav").write_bytes(wav)
    (tmp_path / "blues" / "blues.00002.txt").write_text("not audio")
    (tmp_path / "electronic").mkdir()
    (tmp_path / "electronic" / "electronic.00001.wav").write_bytes(wav)
    paths, genres = load_gtzan(tmp_path, "all", split=None)
    assert _stems(paths) == [f"{g}/{g}.{n:05d}" for g in GTZAN_GENRES for n in (1, 3)]


def test_split_none_needs_subset_all(kaggle_root):
    with pytest.raises(ValueError, match=r"subset='train' needs a split.*'all'"):
        load_gtzan(kaggle_root, "train", split=None)


def test_split_none_without_clips_raises(tmp_path):
    (tmp_path / "rock").mkdir()
    with pytest.raises(FileNotFoundError, match="no GTZAN clip"):
        load_gtzan(tmp_path, split=None)


# --------------------------------------------------------------------------
# Bad arguments and roots
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"subset": "training"}, r"load_gtzan: invalid subset='training'"),
        ({"split": "filtered"}, r"load_gtzan: invalid split='filtered'"),
        ({"split": "stratified"}, r"load_gtzan: invalid split='stratified'"),
        ({"missing": "ignore"}, r"load_gtzan: invalid missing='ignore'"),
    ],
)
def test_bad_arguments(kaggle_root, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_gtzan(kaggle_root, **kwargs)


def test_bad_roots(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_gtzan(tmp_path / "nowhere")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(NotADirectoryError, match="is not a directory"):
        load_gtzan(tmp_path / "file.txt")
    (tmp_path / "Data" / "other").mkdir(parents=True)
    with pytest.raises(FileNotFoundError) as info:
        load_gtzan(tmp_path / "Data")
    message = str(info.value)
    assert str(tmp_path / "Data") in message
    assert "genres/" in message and "genres_original/" in message
    assert "blues" in message and "rock" in message
