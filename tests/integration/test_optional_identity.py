"""A modelling extract without identities (issue 16 item 4): ``nik``, ``name``, ``birth_date`` and
``fktp_code`` may be left out of a participants file (a birth year alone goes in ``birth_year``), the
family head's birth year may be empty, an older database whose columns are still NOT NULL is upgraded in
place, and the work queue, its details and its downloads show "—" where a name or NIK is missing.

SQLite and PostgreSQL (the throwaway server of conftest).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import MetaData, inspect, select, text

from jkn_core import schema_upgrade
from jkn_core.collection import features
from jkn_core.db import make_engine
from jkn_core.imports import import_file
from jkn_core.schema import Base, Family, Participant
from jkn_core.scope import Scope
from tests.integration.test_imports import seed_reference, seeded_engine

ADMIN = Scope.system()
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

#: A modelling extract: no NIK, no name, no full birth date, no FKTP.
EXTRACT = (
    "id,family_id,segment,kelas,sex,birth_year,regency_code,branch_code,registered_on\n"
    "910000001,510000001,PBPU,3,P,1984,16.71,0301,2019-05-02\n"
    "910000002,510000001,PBPU,3,L,,16.71,0301,2019-05-02\n"
    "910000003,510000002,PBPU,2,L,,16.71,0301,2021-01-10\n"
)


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    eng = seeded_engine(request, tmp_path / "optional.db")
    yield eng
    eng.dispose()


def test_participants_import_without_identities(engine) -> None:
    report = import_file(engine, ADMIN, "participants", EXTRACT.encode(), "extract.csv")
    assert report.ok, [p.reason for p in report.problems]
    assert report.inserted == 3
    with engine.connect() as conn:
        people = conn.execute(select(Participant.id, Participant.nik, Participant.name, Participant.birth_date,
                                     Participant.fktp_code).order_by(Participant.id)).all()
        fams = dict(conn.execute(select(Family.id, Family.head_birth_year).where(Family.id >= 510000000)).all())
    assert [tuple(r[1:]) for r in people] == [(None, None, None, None)] * 3
    # the head's birth year from birth_year; unknown stays unknown (never 0 or a guessed year)
    assert fams == {510000001: 1984, 510000002: None}
    # the features read an unknown birth year as a missing age, not as an age of 2024 years
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO contributions (family_id, period, billed, paid, paid_date, paid_period) "
                          "VALUES (510000002, 202401, 100000, 100000, '2024-01-05', 202401), "
                          "(510000002, 202402, 100000, 0, NULL, NULL)"))
    frame = features.build(engine, [202402])
    age = frame.set_index("family_id")["head_age"]
    assert pd.isna(age.loc[510000002])


def test_birth_year_and_birth_date_must_agree(engine) -> None:
    bad = ("id,family_id,segment,kelas,sex,birth_date,birth_year,regency_code,branch_code,registered_on\n"
           "910000001,510000001,PBPU,3,P,1984-02-01,1985,16.71,0301,2019-05-02\n")
    report = import_file(engine, ADMIN, "participants", bad.encode(), "bad.csv")
    assert not report.ok
    assert [(p.row, p.column) for p in report.problems] == [(2, "birth_year")]
    assert "does not match birth_date 1984-02-01" in report.problems[0].reason
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM participants")).scalar() == 0


def test_families_import_without_head_birth_year(engine) -> None:
    rows = ("id,segment,kelas,regency_code,branch_code,registered_on,arrears_before_months\n"
            "520000001,PBPU,3,16.71,0301,2018-01-01,4\n")
    report = import_file(engine, ADMIN, "families", rows.encode(), "families.csv")
    assert report.ok, [p.reason for p in report.problems]
    with engine.connect() as conn:
        assert conn.execute(select(Family.head_birth_year, Family.arrears_before_months)
                            .where(Family.id == 520000001)).one() == (None, 4)


@pytest.fixture(params=BACKENDS)
def old_engine(request, tmp_path):
    """A database made before the identity columns became optional: they are NOT NULL."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        old = MetaData()
        for table in Base.metadata.sorted_tables:
            table.to_metadata(old)
        for table, cols in schema_upgrade.OPTIONAL_COLUMNS.items():
            for col in cols:
                old.tables[table].c[col].nullable = False
        old.create_all(eng)
    else:
        request.getfixturevalue("pg_url")
        try:
            eng = request.getfixturevalue("empty_engine")("postgresql")
        except RuntimeError as exc:  # JKN_TEST_PG_URL points at a foreign server
            pytest.skip(str(exc))
        with eng.begin() as conn:
            for table, cols in schema_upgrade.OPTIONAL_COLUMNS.items():
                for col in cols:
                    conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {col} SET NOT NULL")
    seed_reference(eng)
    schema_upgrade.forget()
    yield eng
    schema_upgrade.forget()
    eng.dispose()


def _nullable(engine, table: str) -> dict[str, bool]:
    return {c["name"]: c["nullable"] for c in inspect(engine).get_columns(table)}


def test_an_older_database_is_upgraded_in_place(old_engine) -> None:
    eng = old_engine
    full = ("id,nik,name,family_id,segment,kelas,sex,birth_date,regency_code,branch_code,fktp_code,registered_on\n"
            "900000001,1671010101900001,Siti Aminah,500000001,PBPU,3,P,1990-01-01,16.71,0301,0301F001,2020-03-15\n")
    assert _nullable(eng, "participants")["nik"] is False
    assert schema_upgrade.ensure_optional_columns(eng) is True
    for table, cols in schema_upgrade.OPTIONAL_COLUMNS.items():
        assert all(_nullable(eng, table)[c] for c in cols), table
    assert _nullable(eng, "participants")["family_id"] is False  # only those columns changed
    schema_upgrade.forget()
    assert schema_upgrade.ensure_optional_columns(eng) is False  # idempotent: nothing left to do
    # the stored rows are untouched; a full file and the extract both import
    assert import_file(eng, ADMIN, "participants", full.encode(), "full.csv").ok
    report = import_file(eng, ADMIN, "participants", EXTRACT.encode(), "extract.csv")
    assert report.ok, [p.reason for p in report.problems]
    with eng.connect() as conn:
        assert conn.execute(select(Family.head_birth_year).where(Family.id == 500000001)).scalar() == 1980
        assert conn.execute(select(Participant.nik, Participant.name, Participant.birth_date)
                            .where(Participant.id == 900000001)).one() == (
            "1671010101900001", "Siti Aminah", dt.date(1990, 1, 1))
        assert conn.execute(text("SELECT COUNT(*) FROM participants WHERE nik IS NULL")).scalar() == 3
        if eng.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_an_import_upgrades_an_older_database_first(old_engine) -> None:
    report = import_file(old_engine, ADMIN, "participants", EXTRACT.encode(), "extract.csv")
    assert report.ok, [p.reason for p in report.problems]
    assert _nullable(old_engine, "participants")["name"] is True


def test_cli_imports_an_extract_without_identities(engine, tmp_path, monkeypatch, capsys) -> None:
    from jkn_core.cli import main

    monkeypatch.setenv("JKN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("JKN_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("JKN_LANG", "en")  # the English report lines (Indonesian by default)
    path = tmp_path / "extract.csv"
    path.write_text(EXTRACT, encoding="utf-8")
    assert main(["import", "participants", str(path)]) == 0
    out = capsys.readouterr()
    assert "3 inserted" in out.out and "Traceback" not in out.err
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM participants WHERE name IS NULL AND nik IS NULL")).scalar() == 3
