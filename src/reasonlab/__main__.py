"""``python -m reasonlab``: the ``reasonlab`` command (how an experiment starts its jobs)."""

import sys

from .cli import main

sys.exit(main())
