"""The shared small demo world: how it is built and copied (used by tests/conftest.py and e2e)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

#: The one small world every test shares (see the generator contract in docs / the lead's brief).
WORLD_ARGS: dict[str, Any] = {"scale": "small", "seed": 7, "provinces": ("16", "31", "32", "36", "51")}


@dataclass
class World:
    engine: Engine
    url: str
    backend: str  # "sqlite" | "postgresql"
    summary: dict = field(default_factory=dict)


def build_world(url: str) -> dict:
    """Build the small demo world into the (empty) database at ``url``; return ``generate``'s summary."""
    from jkn_core.db import drop_schema, make_engine
    from jkn_core.demo.generator import generate

    engine = make_engine(url)
    try:
        drop_schema(engine)  # a no-op on a fresh database; clears a reused JKN_TEST_PG_URL database
        return generate(engine, progress=None, **WORLD_ARGS) or {}
    finally:
        engine.dispose()


def sqlite_copy(src: Path, dst: Path) -> None:
    """Copy a SQLite database (WAL included) with the backup API."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def without_aggregates(engine: Engine, fn):  # type: ignore[no-untyped-def]
    """Run ``fn`` with the aggregates switched off (kpi reads the base tables), then restore them."""
    from sqlalchemy import delete, insert, select

    from jkn_core.kpi import refresh as aggregates
    from jkn_core.schema import Meta

    with engine.begin() as conn:
        state = conn.execute(select(Meta.value).where(Meta.key == aggregates.META_KEY)).scalar()
        conn.execute(delete(Meta).where(Meta.key == aggregates.META_KEY))
    try:
        return fn()
    finally:
        with engine.begin() as conn:
            conn.execute(insert(Meta).values(key=aggregates.META_KEY, value=state))
