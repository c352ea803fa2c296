"""Exit 0 when the database of JKN_DATABASE_URL holds a world, 1 when it is empty, 2 when unreachable.

``run.sh`` calls it to build the demo (``python -m jkn_core demo``) before starting the server.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    from jkn_core.db import get_engine, is_populated

    try:
        return 0 if is_populated(get_engine()) else 1
    except Exception as exc:  # noqa: BLE001 - one sentence, never a traceback
        print(f"run.sh: the database cannot be reached ({type(exc).__name__}); check JKN_DATABASE_URL.",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
