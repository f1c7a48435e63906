"""Writing a library safely: journal, checked copies, kills, links, undo,
and every per-file failure (a stand-in model: no network)."""

import errno
import hashlib
import json
import os
import signal
from pathlib import Path
from types import SimpleNamespace

import pytest
from _library_fakes import FakeModel
from _media import audio_view, make_file, tag_view

from skgenre.library import apply as apply_module
from skgenre.library import (
    open_tags,
    read_genres,
    read_journal,
    scan,
    tag_library,
    undo,
)
from skgenre.library.formats import PROVENANCE
from skgenre.library.scan import TEMP_SUFFIX


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _tree(root):
    """Every file under root: relative path -> SHA-256."""
    return {
        str(p.relative_to(root)): _sha(p)
        for p in sorted(Path(root).rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _others(path):
    """Every tag but genre and provenance."""
    drop = {"tcon", "genre", "\xa9gen", "wm/genre", PROVENANCE, f"txxx:{PROVENANCE}"}
    drop |= {f"----:com.apple.iTunes:{PROVENANCE.upper()}".lower()}
    return {k: v for k, v in tag_view(path).items() if str(k).lower() not in drop}


@pytest.fixture
def library(tmp_path):
    """A small library: untagged songs the fake model is sure of, one it
    is unsure of, one tagged by its owner, one that cannot hold tags."""
    root = tmp_path / "Music"
    (root / "Album").mkdir(parents=True)
    make_file(root / "Album" / "01 jazz.flac", "flac", seconds=0.3)
    make_file(root / "Album" / "02 rock.mp3", "mp3", seconds=0.3)
    make_file(root / "blues.ogg", "ogg", seconds=0.3)
    make_file(root / "unsure.wav", "wav", seconds=0.3)
    make_file(root / "owner jazz.m4a", "m4a", genres=["Post-Rock"], seconds=0.3)
    make_file(root / "clip rock.au", "au", seconds=0.3)
    (root / "cover.jpg").write_bytes(b"not audio")
    return root


def _run(root, journal=None, **kwargs):
    kwargs.setdefault("progress", False)
    return tag_library(
        [root], kwargs.pop("model", FakeModel()), journal=journal, **kwargs
    )


def test_dry_run_changes_nothing_and_write_does_what_it_planned(library, tmp_path):
    before = _tree(library)
    planned, _ = _run(library)
    assert _tree(library) == before  # not one byte, and no new file
    actions = {Path(e.file.path).name: e.action for e in planned}
    assert actions == {
        "01 jazz.flac": "write",
        "02 rock.mp3": "write",
        "blues.ogg": "write",
        "unsure.wav": "unsure",
        "owner jazz.m4a": "keep",
        "clip rock.au": "skip",
    }
    others = {e.file.path: _others(e.file.path) for e in planned}
    audio = {e.file.path: audio_view(e.file.path) for e in planned if e.genres}
    journal = tmp_path / "journal.jsonl"
    written, leftovers = _run(library, journal, write=True)
    assert [e.record() for e in written] == [e.record() for e in planned]
    assert leftovers == []
    for entry in written:
        path = entry.file.path
        assert _others(path) == others[path]
        if entry.action == "write":
            assert read_genres(path) == entry.genres
            provenance = open_tags(path).provenance()
            assert provenance["model"] == "fake model"
            assert provenance["genres"] == entry.genres
            assert (audio_view(path) == audio[path]).all()
    assert not [p for p in library.rglob("*") if p.name.endswith(TEMP_SUFFIX)]
    events = [r["event"] for r in read_journal(journal)]
    assert events == ["run", *["begin", "done"] * 3, "end"]
    # Written files are not written again: same model, same genres.
    again, _ = _run(library, journal, write=True)
    assert [e.action for e in again].count("write") == 0
    # Undo puts every genre back, and skgenre's provenance field goes.
    tags_before = {p: _others(p) for p in others}
    restored = undo(journal)
    assert sorted(e.action for e in restored) == ["restored"] * 3
    for path in audio:
        assert _others(path) == tags_before[path]
        assert open_tags(path).provenance() is None
    assert read_genres(library / "owner jazz.m4a") == ["Post-Rock"]
    assert read_genres(library / "blues.ogg") == []
    assert [e.action for e in undo(journal)] == []  # nothing twice


def test_undo_leaves_a_file_changed_since_alone(library, tmp_path):
    journal = tmp_path / "j.jsonl"
    _run(library, journal, write=True)
    changed = library / "blues.ogg"
    tags = open_tags(changed)
    tags.set_genres(["Blues", "Delta Blues"])
    tags.save()
    results = {Path(e.path).name: e for e in undo(journal)}
    assert results["blues.ogg"].action == "changed"
    assert read_genres(changed) == ["Blues", "Delta Blues"]
    assert results["01 jazz.flac"].action == "restored"


def test_modes_on_files(library, tmp_path):
    entries, _ = _run(library, tmp_path / "j", write=True, mode="add")
    owner = next(e for e in entries if "owner" in e.file.path)
    assert owner.action == "write"
    assert read_genres(owner.file.path) == ["Post-Rock", "Jazz"]
    entries, _ = _run(library, tmp_path / "j", write=True, mode="replace")
    assert read_genres(owner.file.path) == ["Jazz"]
    # Replaced genres are skgenre's alone: fill may rewrite them later.
    assert open_tags(owner.file.path).provenance()["added"] == ["Jazz"]


def test_albums_get_one_decision(tmp_path):
    for k, name in enumerate(["jazz 1", "jazz 2", "rock 3"]):
        make_file(tmp_path / f"{name}.flac", "flac", album="A", seconds=0.3, seed=k)
    make_file(tmp_path / "rock alone.flac", "flac", seconds=0.3)
    entries, _ = _run(tmp_path, by="album")
    genres = {Path(e.file.path).stem: e.genres for e in entries}
    assert genres == {
        "jazz 1": ["Jazz"],
        "jazz 2": ["Jazz"],
        "rock 3": ["Jazz"],
        "rock alone": ["Rock"],
    }


def test_symlinks_are_written_once_and_stay_links(tmp_path):
    song = make_file(tmp_path / "jazz.flac", "flac", seconds=0.3)
    (tmp_path / "links").mkdir()
    link = tmp_path / "links" / "alias rock.flac"
    link.symlink_to(song)
    (tmp_path / "links" / "loop").symlink_to(tmp_path)  # a folder link: not walked
    entries, _ = _run(tmp_path, tmp_path / "j.jsonl", write=True)
    assert [(Path(e.file.path).name, e.action) for e in entries] == [
        ("jazz.flac", "write"),
        ("alias rock.flac", "skip"),
    ]
    assert "same file as" in entries[1].reason
    assert link.is_symlink() and read_genres(link) == ["Jazz"]
    # A link first in walk order writes its target instead (once).
    entries, _ = _run(link, tmp_path / "j.jsonl", write=True, mode="replace")
    assert link.is_symlink() and read_genres(song) == ["Rock"]


def test_permissions_kept_and_mtime_updated_unless_preserved(tmp_path):
    kept = make_file(tmp_path / "a jazz.flac", "flac", seconds=0.3)
    updated = make_file(tmp_path / "b jazz.flac", "flac", seconds=0.3)
    for path in (kept, updated):
        path.chmod(0o640)
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    entries, _ = _run(tmp_path)
    from skgenre.library import apply_plan

    apply_plan(entries[:1], tmp_path / "j.jsonl", preserve_mtime=True)
    apply_plan(entries[1:], tmp_path / "j.jsonl")
    assert [e.action for e in entries] == ["write", "write"]
    assert os.stat(kept).st_mtime_ns == 1_000_000_000
    assert os.stat(updated).st_mtime_ns > 1_000_000_000
    assert {os.stat(p).st_mode & 0o7777 for p in (kept, updated)} == {0o640}


def test_hard_links_and_changed_files_are_refused(tmp_path):
    linked = make_file(tmp_path / "jazz.flac", "flac", seconds=0.3)
    os.link(linked, tmp_path / "other name")
    changed = make_file(tmp_path / "rock.flac", "flac", seconds=0.3)
    entries, _ = _run(tmp_path)
    assert entries[0].action == "skip" and "hard links" in entries[0].reason
    # Changed between the scan and the write: size or mtime tell.
    with open(changed, "ab") as f:
        f.write(b"\0")
    from skgenre.library import apply_plan

    apply_plan(entries, tmp_path / "j.jsonl")
    assert entries[1].action == "skip"
    assert "changed since it was scanned" in entries[1].reason
    assert read_genres(changed) == []


@pytest.mark.parametrize(
    "failure",
    ["no space", "permission", "vanished", "save fails"],
)
def test_a_failed_write_leaves_the_original_and_the_run_goes_on(
    tmp_path, monkeypatch, failure
):
    first = make_file(tmp_path / "a jazz.flac", "flac", seconds=0.3)
    second = make_file(tmp_path / "b rock.flac", "flac", seconds=0.3)
    original = first.read_bytes()
    entries, _ = _run(tmp_path)
    if failure == "no space":
        real = apply_module._copy

        def copy(source, dest):
            real(source, dest)
            if "a jazz" in source:
                raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(apply_module, "_copy", copy)
    elif failure == "permission":
        first.chmod(0o444)
    elif failure == "vanished":
        first.unlink()
    else:
        from skgenre.library.formats import TagFile

        real_save = TagFile.save

        def save(self, path=None):
            if "a jazz" in self.path:
                raise apply_module.TagError(self.path, "mutagen cannot write")
            return real_save(self, path)

        monkeypatch.setattr(TagFile, "save", save)
    journal = tmp_path / "j.jsonl"
    from skgenre.library import apply_plan

    apply_plan(entries, journal)
    monkeypatch.undo()
    assert entries[0].action in ("error", "skip") and entries[0].reason
    assert entries[1].action == "write" and read_genres(second) == ["Rock"]
    if failure != "vanished":
        assert first.read_bytes() == original
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]
    events = {(r["event"], Path(r["path"]).name) for r in read_journal(journal)[1:-1]}
    assert ("failed", "a jazz.flac") in events and ("done", "b rock.flac") in events


def test_unreadable_tags_undecodable_audio_and_odd_names(tmp_path):
    (tmp_path / "garbage rock.mp3").write_bytes(os.urandom(2000))
    make_file(tmp_path / "broken jazz.flac", "flac", seconds=0.3)
    odd = os.path.join(os.fsencode(tmp_path), b"caf\xe9 rock.flac")  # Latin-1
    os.rename(make_file(tmp_path / "odd.flac", "flac", seconds=0.3), odd)
    journal = tmp_path / "j.jsonl"
    entries, _ = _run(tmp_path, journal, write=True)
    by_name = {Path(e.file.path).name: e for e in entries}
    assert by_name["garbage rock.mp3"].action == "error"
    assert "tags cannot be read" in by_name["garbage rock.mp3"].reason
    assert by_name["broken jazz.flac"].action == "error"
    (odd_entry,) = [e for e in entries if "caf" in e.file.path]
    assert odd_entry.action == "write"
    assert read_genres(os.fsdecode(odd)) == ["Rock"]
    json.dumps([e.record() for e in entries])  # printable, any name
    assert "caf\ufffd rock.flac" in odd_entry.record()["path"]


def _killed(point, n, root, journal):
    """Apply a plan in a forked child process that SIGKILLs itself at one
    point: ``("record", n)`` before the n-th journal record is written,
    ``("after", n)`` once the n-th copy's tags are saved (before its checks),
    ``("replace", n)`` before the n-th replacement.  Returns the status."""
    from skgenre.library import formats
    from skgenre.library import journal as journal_module

    pid = os.fork()
    if pid:
        return os.waitpid(pid, 0)[1]
    try:  # the child: patched in its own memory only, and never returns
        count = [0]

        def killer(real, after=False):
            def call(*args, **kwargs):
                count[0] += 1
                if count[0] == n and not after:
                    os.kill(os.getpid(), signal.SIGKILL)
                result = real(*args, **kwargs)
                if count[0] == n:
                    os.kill(os.getpid(), signal.SIGKILL)
                return result

            return call

        if point == "record":
            journal_module.Journal.write = killer(journal_module.Journal.write)
        elif point == "after":
            formats.TagFile.save = killer(formats.TagFile.save, after=True)
        else:
            apply_module.os = SimpleNamespace(
                **{**vars(os), "replace": killer(os.replace)}
            )
        _run(root, journal, write=True)
    finally:
        os._exit(0)


@pytest.mark.parametrize(
    "point, n, n_left, n_written",
    [
        ("record", 2, 0, 0),  # before the first begin: nothing touched
        ("after", 1, 1, 0),  # a copy saved, the original intact
        ("record", 3, 0, 1),  # replaced, its done record never written
        ("replace", 2, 1, 1),  # one file done, the next one's copy checked
        ("record", 5, 0, 2),
    ],
)
def test_a_kill_at_any_point_leaves_each_file_whole(
    tmp_path, point, n, n_left, n_written
):
    root = tmp_path / "lib"
    root.mkdir()
    files = [
        make_file(root / "a jazz.flac", "flac", seconds=0.3),
        make_file(root / "b rock.mp3", "mp3", seconds=0.3),
        make_file(root / "c blues.ogg", "ogg", seconds=0.3),
    ]
    planned = {
        str(f): g for f, g in zip(files, [["Jazz"], ["Rock"], ["Blues"]], strict=True)
    }
    before = {str(f): (f.read_bytes(), _others(f), audio_view(f)) for f in files}
    journal = tmp_path / "j.jsonl"
    status = _killed(point, n, root, journal)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    left = [f for f in root.iterdir() if f.name.endswith(TEMP_SUFFIX)]
    assert len(left) == n_left
    written = 0
    for path, (data, others, audio) in before.items():
        if Path(path).read_bytes() != data:  # then exactly as planned
            written += 1
            assert read_genres(path) == planned[path]
            assert _others(path) == others
            assert (audio_view(path) == audio).all()
    assert written == n_written
    # The next run removes the leftovers and goes on.
    entries, leftovers = _run(root, journal, write=True)
    assert [f.name for f in root.iterdir() if f.name.endswith(TEMP_SUFFIX)] == []
    assert {e.action for e in entries} <= {"write", "keep"}
    for path, genres in planned.items():
        assert read_genres(path) == genres
    undo(journal)
    for path, (_, others, _) in before.items():
        assert read_genres(path) == [] and _others(path) == others
        assert open_tags(path).provenance() is None


def test_scan_reads_what_files_hold(tmp_path):
    make_file(tmp_path / "x.flac", "flac", genres=["Jazz"], album="B", artist="Z")
    (file,) = scan([tmp_path])
    assert file.genres == ["Jazz"] and file.album == ("z", "b")
    assert file.problem is None and file.provenance is None
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        scan([tmp_path / "missing"])


def test_the_written_vocabulary_is_the_owners(tmp_path):
    make_file(tmp_path / "jazz.flac", "flac", seconds=0.3)
    make_file(tmp_path / "rock.flac", "flac", seconds=0.3)
    names = tmp_path / "names.csv"
    names.write_text("from,to\njazz,Jazz & Swing\nROCK,\n")
    entries, _ = _run(tmp_path, tmp_path / "j.jsonl", write=True, genre_names=names)
    by_name = {Path(e.file.path).name: e for e in entries}
    assert read_genres(tmp_path / "jazz.flac") == ["Jazz & Swing"]
    assert by_name["rock.flac"].action == "keep"
    assert "left out of the written names" in by_name["rock.flac"].reason
    assert read_genres(tmp_path / "rock.flac") == []
    names.write_text("one column\n")
    with pytest.raises(ValueError, match="two columns"):
        _run(tmp_path, genre_names=names)
