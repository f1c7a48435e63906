"""``python -m skgenre``: the ``skgenre`` command."""

from .cli import console

if __name__ == "__main__":
    console()
