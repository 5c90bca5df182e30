"""``python -m reasonlab.cli``: the ``reasonlab`` command, as the experiment runner starts its
jobs (the interpreter that runs the experiment, whatever is on PATH)."""

import sys

from . import main

sys.exit(main())
