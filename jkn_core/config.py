"""Settings read from the environment, with the embedded defaults."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_SQLITE_PATH = DATA_DIR / "jkn.db"

#: Last month of the demo history: December 2024, the last month with published national figures.
DEFAULT_END_PERIOD = 202412
#: Months of history the demo world holds.
DEFAULT_MONTHS = 24


def database_url() -> str:
    """``JKN_DATABASE_URL`` (a SQLAlchemy URL) or the embedded SQLite file under ``data/``."""
    url = os.environ.get("JKN_DATABASE_URL", "").strip()
    return url or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def models_dir() -> Path:
    """``JKN_MODELS_DIR`` or ``models/`` in the project."""
    return Path(os.environ.get("JKN_MODELS_DIR", "").strip() or PROJECT_ROOT / "models")
