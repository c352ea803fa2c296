"""The test infrastructure itself: the throwaway PostgreSQL server and bulk loading on both backends."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    select,
    text,
)

from jkn_core.db import bulk_insert, make_engine

N_ROWS = 1_000


def _rows() -> list[tuple]:
    start = dt.date(2023, 1, 1)
    rows = []
    for i in range(N_ROWS):
        rows.append(
            (
                i,
                f"name-{i}" if i % 7 else None,  # every 7th name is NULL
                (i * 1_000_003) if i % 5 else None,  # every 5th amount is NULL; values beyond 2**31
                start + dt.timedelta(days=i) if i % 11 else None,  # every 11th date is NULL
                i / 4 if i % 13 else None,
            )
        )
    return rows


def _expected(rows: list[tuple]) -> dict:
    return {
        "count": len(rows),
        "names": sum(r[1] is not None for r in rows),
        "amount_sum": sum(r[2] for r in rows if r[2] is not None),
        "amount_nulls": sum(r[2] is None for r in rows),
        "date_min": min(r[3] for r in rows if r[3] is not None),
        "date_max": max(r[3] for r in rows if r[3] is not None),
        "date_nulls": sum(r[3] is None for r in rows),
        "score_sum": sum(r[4] for r in rows if r[4] is not None),
    }


@pytest.mark.postgres
def test_pg_fixture_is_a_real_postgresql(pg_url: str) -> None:
    assert pg_url.startswith("postgresql+psycopg://")
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(text("select version()")).scalar_one()
            db = conn.execute(text("select current_database()")).scalar_one()
            assert conn.execute(text("select 1 + 1")).scalar_one() == 2
    finally:
        engine.dispose()
    assert version.startswith("PostgreSQL ")
    assert db


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_bulk_insert_round_trip(backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    engine = make_engine(url)
    table_name = f"tmp_bulk_{uuid.uuid4().hex[:10]}"
    md = MetaData()
    table = Table(
        table_name,
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String(40)),
        Column("amount", BigInteger),
        Column("day", Date),
        Column("score", Float),
    )
    rows = _rows()
    expected = _expected(rows)
    try:
        md.create_all(engine)
        with engine.begin() as conn:
            n = bulk_insert(conn, table_name, ["id", "name", "amount", "day", "score"], iter(rows))
        assert n == N_ROWS

        with engine.connect() as conn:
            got = conn.execute(
                select(
                    func.count(),
                    func.count(table.c.name),
                    func.sum(table.c.amount),
                    func.count().filter(table.c.amount.is_(None)),
                    func.min(table.c.day),
                    func.max(table.c.day),
                    func.count().filter(table.c.day.is_(None)),
                    func.sum(table.c.score),
                )
            ).one()
            back = conn.execute(select(table).order_by(table.c.id)).all()

        assert got[0] == expected["count"]
        assert got[1] == expected["names"]
        assert int(got[2]) == expected["amount_sum"]
        assert got[3] == expected["amount_nulls"]
        assert got[4] == expected["date_min"]
        assert got[5] == expected["date_max"]
        assert got[6] == expected["date_nulls"]
        assert got[7] == pytest.approx(expected["score_sum"])
        # and row by row, types included (dates come back as dates, NULLs as None)
        assert [tuple(r) for r in back] == rows
    finally:
        md.drop_all(engine)
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_bulk_insert_is_transactional(backend: str, request: pytest.FixtureRequest) -> None:
    """A failing bulk insert leaves nothing behind (it runs inside the caller's transaction)."""
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    engine = make_engine(url)
    table_name = f"tmp_bulk_{uuid.uuid4().hex[:10]}"
    md = MetaData()
    table = Table(table_name, md, Column("id", Integer, primary_key=True), Column("v", Integer))
    try:
        md.create_all(engine)
        rows = [(i, i) for i in range(100)] + [(5, 5)]  # duplicate primary key at the end
        with pytest.raises(Exception):  # noqa: B017 - sqlite3 / psycopg raise different classes
            with engine.begin() as conn:
                bulk_insert(conn, table_name, ["id", "v"], rows)
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
    finally:
        md.drop_all(engine)
        engine.dispose()


def test_empty_engine_has_schema(empty_engine) -> None:
    from jkn_core.db import is_populated
    from jkn_core.schema import Base

    engine = empty_engine()
    with engine.connect() as conn:
        names = set(engine.dialect.get_table_names(conn))
    assert set(Base.metadata.tables) <= names
    assert not is_populated(engine)


@pytest.mark.postgres
def test_empty_engine_on_postgresql(empty_engine) -> None:
    from jkn_core.schema import Base

    a, b = empty_engine("postgresql"), empty_engine("postgresql")
    assert a.url.database != b.url.database
    with a.connect() as conn:
        assert set(Base.metadata.tables) <= set(a.dialect.get_table_names(conn))
