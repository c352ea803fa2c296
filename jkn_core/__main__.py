"""``python -m jkn_core``: runs :func:`jkn_core.cli.main`."""

import sys

from jkn_core.cli import main

sys.exit(main())
