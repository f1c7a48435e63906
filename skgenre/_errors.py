"""The one shape of skgenre's errors about a file: its path and what is wrong."""

import os

__all__ = ["FileError", "StateError"]


class FileError(ValueError):
    """A file that cannot be used, with its path and the reason.

    Subclasses :class:`ValueError` so ``except ValueError`` also catches it,
    and pickles intact, so it crosses joblib worker boundaries.  Subclasses
    set ``message``, a format string of ``path`` and ``reason``.

    Parameters
    ----------
    path : str or path-like
        The offending file.
    reason : str
        What is wrong with it.
    """

    message = "{path!r}: {reason}"

    def __init__(self, path, reason):
        self.path = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
        self.reason = str(reason)
        super().__init__(self.message.format(path=self.path, reason=self.reason))

    def __reduce__(self):
        return type(self), (self.path, self.reason)


class StateError(ValueError):
    """Fitted state from a model file that this skgenre cannot restore.

    Raised by an estimator's ``_restore_state``; :func:`skgenre.load` turns
    it into a :class:`~skgenre.persistence.ModelFileError` naming the file.

    Parameters
    ----------
    reason : str
        What is wrong, one line.
    """

    def __init__(self, reason):
        self.reason = str(reason)
        super().__init__(self.reason)
