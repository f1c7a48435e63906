"""The journal: what a write is about to do, durable before it does it.

As SQLite's rollback journal and git's ``lockfile.c`` do it: before a file
is touched, a ``begin`` record (the file, the copy about to be made, the
genre fields it holds) is written and fsynced; after the copy has replaced
it, a ``done`` record (the new file's size, time and SHA-256).  The journal
is JSON Lines, one record per line, appended to by every run and undo, so it
is the history of what skgenre did to a library.  A kill at any moment
leaves a truncated last line at worst, which reading ignores.
"""

import contextlib
import datetime
import json
import os
import uuid

__all__ = ["Journal", "default_journal_path", "fsync_folder", "read_journal"]


def default_journal_path(directory=None):
    """``skgenre-journal-YYYYmmdd-HHMMSS.jsonl``, in ``directory`` if given
    (else the current folder)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"skgenre-journal-{stamp}.jsonl"
    return os.path.join(directory, name) if directory else name


def read_journal(path):
    """The records of a journal, in order.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    records : list of dict
        A last line cut short by a kill is left out.

    Raises
    ------
    OSError
        If the journal cannot be read.
    ValueError
        If a line other than the last is not a JSON record.
    """
    with open(path, encoding="utf-8") as f:
        lines = [(n, line) for n, line in enumerate(f, 1) if line.strip()]
    records = []
    for k, (number, line) in enumerate(lines):
        try:
            records.append(json.loads(line))
        except ValueError:
            if k < len(lines) - 1:  # only the last line can be cut short
                raise ValueError(
                    f"{os.fspath(path)!r} line {number} is not a journal record"
                ) from None
    return records


class Journal:
    """An append-only, fsynced JSON Lines journal of one run.

    Parameters
    ----------
    path : str or path-like
        Created if absent (its folder is fsynced so the file survives a
        power cut), appended to otherwise.  Opening it first is how a run
        learns that its journal can be written; a journal it created and
        never wrote to is removed on :meth:`close` (a run stopped before
        touching a file leaves none).
    op : {"write", "undo"}
        What the run does; every record says it.

    Attributes
    ----------
    run : str
        This run's identity, in every record and in the provenance of the
        files it writes.

    Raises
    ------
    OSError
        If the journal cannot be created or written.
    """

    def __init__(self, path, op="write"):
        self.path = os.fspath(path)
        self.op = op
        self.run = uuid.uuid4().hex[:12]
        self._created = not os.path.exists(self.path)
        self._written = False
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
        if self._created:
            fsync_folder(os.path.dirname(os.path.abspath(self.path)))

    def write(self, event, **fields):
        """Append one record and fsync it: durable when this returns."""
        record = {"event": event, "op": self.op, "run": self.run, **fields}
        self._file.write(json.dumps(record, ensure_ascii=True) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self._written = True

    def close(self):
        self._file.close()
        if self._created and not self._written:
            with contextlib.suppress(OSError):
                os.remove(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False


def fsync_folder(folder):
    """fsync a folder, so that a name just made or replaced in it lasts."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
