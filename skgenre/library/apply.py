"""Writing tags without ever damaging a file: apply a plan, undo it.

Every write (:func:`replace_tags`) goes the same way:

1. the file is checked unchanged since it was scanned (size and
   modification time) and to have one link;
2. a ``begin`` record is fsynced into the journal;
3. the file is copied beside itself (``.NAME.RUN.skgenre.tmp``), the tags
   are saved on the copy, and the copy is checked: its tags read back as
   planned, every other tag is as it was, and its audio stream is byte for
   byte the original's;
4. permissions (and ownership where permitted) are copied, the copy is
   fsynced, and :func:`os.replace` puts it over the original in one step;
5. a ``done`` record is fsynced.

A kill at any moment leaves the original, or the planned file: never a
mixture.  A copy left by a kill is removed by the next run (its name is
skgenre's alone).  Any failure of one file (no space, permission denied, a
file that vanished, tags mutagen cannot write) removes the copy, leaves the
original untouched, is journalled and reported, and the run goes on.
"""

import errno
import os
import shutil
from dataclasses import dataclass

from .formats import TagError, open_tags, same_genres
from .journal import Journal, fsync_folder, read_journal
from .scan import TEMP_SUFFIX, file_sha256, is_leftover, printable, scan_file

__all__ = ["UndoEntry", "apply_plan", "remove_leftovers", "undo", "write_genres"]


class _Refused(Exception):
    """A file not written, for a reason that is no failure of skgenre's."""


def _temp_path(target, run):
    folder, name = os.path.split(target)
    return os.path.join(folder, f".{name}.{run}{TEMP_SUFFIX}")


def _copy(source, dest):
    """Copy a file's bytes into a new file (never over an existing one)."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def _check_unchanged(file):
    st = os.stat(file.target)
    if (st.st_size, st.st_mtime_ns) != (file.size, file.mtime_ns):
        raise _Refused("changed since it was scanned; scan again to tag it")
    if not st.st_mode & 0o222 or not os.access(file.target, os.W_OK):
        raise PermissionError(errno.EACCES, "read-only: permission denied")
    if st.st_nlink > 1:
        raise _Refused(f"has {st.st_nlink} hard links: replacing it would split them")
    return st


def replace_tags(file, change, journal, *, preserve_mtime=False, **record):
    """Change a file's tags through a checked copy; journalled.

    Parameters
    ----------
    file : LibraryFile
        The file as scanned (its target is written).
    change : callable
        ``change(tags)`` sets the new fields on a :class:`TagFile` of the
        copy; the copy must then read back with those fields exactly.
    journal : Journal
    preserve_mtime : bool, default=False
        Keep the file's modification time (else it is the time of writing).
    **record
        Added to the ``begin`` record (what undo needs).

    Raises
    ------
    _Refused, OSError, TagError
        The file was not written; the original is untouched and the copy
        removed.
    """
    st = _check_unchanged(file)
    temp = _temp_path(file.target, journal.run)
    journal.write(
        "begin",
        path=file.target,
        temp=temp,
        before={"size": st.st_size, "mtime_ns": st.st_mtime_ns, "fields": file.fields},
        **record,
    )
    try:
        original = open_tags(file.target)
        _copy(file.target, temp)
        tags = open_tags(temp)
        change(tags)
        tags.save()
        _verify(original, temp, tags.fields())
        shutil.copystat(file.target, temp)  # mode, times, extended attributes
        if (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
            try:
                os.chown(temp, st.st_uid, st.st_gid)
            except PermissionError:
                pass  # only root may give a file away
        if not preserve_mtime:
            os.utime(temp)
        with open(temp, "rb+") as f:
            os.fsync(f.fileno())
        _check_unchanged(file)
        os.replace(temp, file.target)
    except BaseException:
        _remove(temp)
        raise
    fsync_folder(os.path.dirname(file.target))
    after = os.stat(file.target)
    journal.write(
        "done",
        path=file.target,
        after={
            "size": after.st_size,
            "mtime_ns": after.st_mtime_ns,
            "sha256": file_sha256(file.target),
        },
    )


def _verify(original, temp, fields):
    """The copy holds the planned fields, every other tag and the audio."""
    copy = open_tags(temp)
    if copy.fields() != fields:
        raise TagError(temp, f"tags read back as {copy.fields()}, not {fields}")
    if copy.others() != original.others():
        raise TagError(temp, "other tags read back changed; nothing was written")
    from .formats import audio_digest

    if audio_digest(temp, copy) != audio_digest(original.path, original):
        raise TagError(temp, "its audio stream changed; nothing was written")


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _reason(exc):
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return getattr(exc, "reason", None) or str(exc)


def remove_leftovers(paths):
    """Remove the copies interrupted writes left behind.

    Parameters
    ----------
    paths : list of str
        Files named ``.NAME.RUN.skgenre.tmp`` (only skgenre makes them; the
        original beside such a copy is always intact).

    Returns
    -------
    removed : list of str
    """
    removed = []
    for path in paths:
        if is_leftover(os.path.basename(path)) and os.path.isfile(path):
            _remove(path)
            removed.append(path)
    return removed


def apply_plan(
    entries, journal, *, separator="; ", preserve_mtime=False, progress=False
):
    """Write the ``write`` entries of a plan; journalled, one file at a time.

    Parameters
    ----------
    entries : list of PlanEntry
        :func:`skgenre.library.plan.plan`; changed in place: an entry whose
        write failed becomes ``error`` (or ``skip`` if the file changed
        since it was scanned), with the reason.
    journal : Journal or str
        A journal, or its path (appended to if it exists).
    separator : str, default="; "
        Joins genres in formats that hold one value (ID3v2.3).
    preserve_mtime : bool, default=False
    progress : bool, default=False
        A progress bar over the files written.

    Returns
    -------
    entries : list of PlanEntry
    """
    own = not isinstance(journal, Journal)
    if own:
        journal = Journal(journal)
    try:
        todo = [e for e in entries if e.action == "write"]
        journal.write("run", files=len(todo))
        from tqdm.auto import tqdm

        for entry in tqdm(todo, desc="Writing", unit="file", disable=not progress):
            provenance = {**entry.provenance, "run": journal.run}

            def change(tags, entry=entry, provenance=provenance):
                tags.set_genres(entry.genres, provenance, separator)

            try:
                replace_tags(
                    entry.file,
                    change,
                    journal,
                    preserve_mtime=preserve_mtime,
                    genres=entry.genres,
                )
            except (_Refused, OSError, TagError) as exc:
                journal.write("failed", path=entry.file.target, reason=_reason(exc))
                entry.action = "skip" if isinstance(exc, _Refused) else "error"
                entry.reason = f"not written: {_reason(exc)}"
        journal.write("end")
    finally:
        if own:
            journal.close()
    return entries


# --------------------------------------------------------------------------
# Undo.


@dataclass
class UndoEntry:
    """What undo did to one file.

    Attributes
    ----------
    path : str
    action : {"restored", "changed", "missing", "error", "already undone"}
    reason : str
        One line, for every action but "restored".
    """

    path: str
    action: str
    reason: str = ""

    def record(self):
        """JSON-able: path, action, reason."""
        return {
            "path": printable(self.path),
            "action": self.action,
            "reason": self.reason,
        }


def _written(records):
    """Per file, what the journal's writes did since the last undo.

    Returns ``{path: (before_fields, after, run, genres)}``: the fields
    before the first of those writes, and the state after the last (its
    ``done`` record's, or None where a kill came between the replacement
    and the ``done`` record).
    """
    history = {}
    for record in records:
        path = record.get("path")
        if path is None:
            continue
        if record["op"] == "undo" and record["event"] == "done":
            history.pop(path, None)
        elif record["op"] == "write" and record["event"] == "begin":
            first = history.setdefault(path, {"before": record["before"]["fields"]})
            first.update(run=record["run"], genres=record.get("genres"), after=None)
        elif record["op"] == "write" and record["event"] == "done" and path in history:
            history[path]["after"] = record["after"]
    return history


def undo(journal_path, *, preserve_mtime=False, progress=False):
    """Put back the genres every file held before the journal's writes.

    Parameters
    ----------
    journal_path : str or path-like
        The journal of ``skgenre library --write`` (or of
        :func:`apply_plan`).  Undo appends its own records to it, so undoing
        twice restores nothing twice.
    preserve_mtime : bool, default=False
    progress : bool, default=False

    Returns
    -------
    entries : list of UndoEntry
        A file changed since skgenre wrote it is left alone ("changed").

    Raises
    ------
    OSError, ValueError
        If the journal cannot be read or written.
    """
    records = read_journal(journal_path)
    history = _written(records)
    remove_leftovers([r["temp"] for r in records if r.get("event") == "begin"])
    results = []
    from tqdm.auto import tqdm

    with Journal(journal_path, op="undo") as journal:
        journal.write("run", files=len(history))
        for path, state in tqdm(
            history.items(), desc="Undoing", unit="file", disable=not progress
        ):
            results.append(_undo_one(path, state, journal, preserve_mtime))
        journal.write("end")
    return results


def _undo_one(path, state, journal, preserve_mtime):
    file = scan_file(path)
    if file.problem is not None and not file.problem[1].startswith("has "):
        return UndoEntry(path, "missing", file.problem[1])
    prov = file.provenance or {}
    if state["after"] is None:  # killed after the replacement: is it ours?
        if prov.get("run") != state["run"]:
            return UndoEntry(path, "already undone", "the write never took place")
        unchanged = same_genres(file.genres, state["genres"] or [])
    else:
        unchanged = file_sha256(file.target) == state["after"]["sha256"]
    if not unchanged:
        return UndoEntry(path, "changed", "changed since skgenre wrote it: left alone")
    before = state["before"]

    def change(tags):
        keys = (tags.style.genre_key, tags.style.provenance_key)
        tags.set_fields({key: before.get(key) for key in keys})

    try:
        replace_tags(file, change, journal, preserve_mtime=preserve_mtime)
    except (_Refused, OSError, TagError) as exc:
        journal.write("failed", path=file.target, reason=_reason(exc))
        return UndoEntry(path, "error", _reason(exc))
    return UndoEntry(path, "restored")


def write_genres(path, genres, *, journal=None, separator="; ", provenance=None):
    """Write a file's genres safely: through a checked copy, journalled.

    Parameters
    ----------
    path : str or path-like
    genres : list of str
        The whole genre field (empty removes it).
    journal : str or None
        Journal to append to, so that :func:`undo` can put the genres back;
        None journals in a temporary file, discarded after the write.
    separator : str, default="; "
    provenance : dict or None
        Recorded in skgenre's provenance field (None removes it).

    Raises
    ------
    TagError, OSError
        If the file cannot be written; it is then untouched.
    """
    file = scan_file(os.fspath(path), separator)
    if file.problem is not None:
        raise TagError(file.path, file.problem[1])

    def change(tags):
        tags.set_genres(list(genres), provenance, separator)

    import tempfile

    with (
        tempfile.TemporaryDirectory() as scratch,
        Journal(journal or os.path.join(scratch, "journal.jsonl")) as log,
    ):
        try:
            replace_tags(file, change, log, genres=list(genres))
        except _Refused as exc:
            raise TagError(file.path, str(exc)) from exc
