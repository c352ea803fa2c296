import sys

from jkn_core.cli import main

sys.exit(main())
