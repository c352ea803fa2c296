"""``python -m jkn_batch``: see :mod:`jkn_batch.cli`."""

import sys

from jkn_batch.cli import main

sys.exit(main())
