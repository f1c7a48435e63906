"""``python -m skgenre``: the ``skgenre`` command."""

import sys

from .cli import main

sys.exit(main())
