"""Issue 18, finding 4: a re-import never invents values. On an update, a column the file leaves out keeps
its stored value (defaults apply to inserted rows only), and the report and its audit row say how many
values changed per column. Runs on SQLite and PostgreSQL (a fresh seeded database each), and once on a
private copy of the generated world.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from jkn_core.hooks import AFTER_IMPORT_HOOKS
from jkn_core.imports import import_file
from jkn_core.scope import Scope
from tests.integration.test_imports import PARTICIPANT_HEADER, csv_bytes, seeded_engine

ADMIN = Scope.system()
LOAN_REQUIRED = "loan_ref,facility_code,bank,start_period,amount,tenor_months,rate_pct"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    eng = seeded_engine(request, tmp_path / "keep.db")
    saved = list(AFTER_IMPORT_HOOKS)
    AFTER_IMPORT_HOOKS.clear()
    yield eng
    AFTER_IMPORT_HOOKS[:] = saved
    eng.dispose()


def person(pid: int, name: str = "Siti Aminah", extra: str = "") -> str:
    return f"{pid},16710101019{pid:05d},{name},500000001,PBPU,3,P,1990-01-01,16.71,0301,0301F001,2020-03-15{extra}"


def one(engine: Engine, sql: str) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(text(sql)).one())


def last_audit(engine: Engine) -> dict:
    with engine.connect() as conn:
        detail = conn.execute(
            text("SELECT detail FROM audit_log WHERE action LIKE 'import%' ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    return json.loads(detail)


def test_participants_without_status_and_weight_keep_them(engine: Engine) -> None:
    full = csv_bytes(PARTICIPANT_HEADER + ",status,weight", person(2979, extra=",nonaktif_tunggakan,2388"))
    assert import_file(engine, ADMIN, "participants", full, "full.csv").inserted == 1

    # the same person again, without status and weight: nothing to change (it used to be "1 updated")
    same = import_file(engine, ADMIN, "participants", csv_bytes(PARTICIPANT_HEADER, person(2979)), "p.csv")
    assert (same.inserted, same.updated, same.unchanged, same.changes) == (0, 0, 1, {})
    assert one(engine, "SELECT status, weight FROM participants WHERE id = 2979") == (
        "nonaktif_tunggakan",
        2388,
    )

    # a new name for 2979 and a new person 2980: the name changes, status and weight stay; 2980 gets defaults
    partial = csv_bytes(PARTICIPANT_HEADER, person(2979, "Siti Aminah Putri"), person(2980))
    report = import_file(engine, ADMIN, "participants", partial, "p.csv")
    assert report.ok and (report.inserted, report.updated, report.unchanged) == (1, 1, 0)
    assert report.changes == {"name": 1}
    assert "1 updated" in report.summary() and "1 value changed (name 1)" in report.summary()
    assert one(engine, "SELECT name, status, weight FROM participants WHERE id = 2979") == (
        "Siti Aminah Putri",
        "nonaktif_tunggakan",
        2388,
    )
    assert one(engine, "SELECT status, weight FROM participants WHERE id = 2980") == ("aktif", 1)
    audited = last_audit(engine)
    assert (audited["status"], audited["updated"], audited["changes"]) == ("ok", 1, {"name": 1})

    # a file that does give status and weight changes them, and says so per column (dry run first)
    both = csv_bytes(PARTICIPANT_HEADER + ",status,weight", person(2979, "Siti Aminah Putri", ",aktif,1"))
    dry = import_file(engine, ADMIN, "participants", both, "p.csv", dry_run=True)
    assert dry.ok and dry.changes == {"status": 1, "weight": 1}
    assert last_audit(engine)["changes"] == {"status": 1, "weight": 1}
    assert last_audit(engine)["status"] == "dry_run"
    assert one(engine, "SELECT status, weight FROM participants WHERE id = 2979") == (
        "nonaktif_tunggakan",
        2388,
    )
    done = import_file(engine, ADMIN, "participants", both, "p.csv")
    assert done.changes == {"status": 1, "weight": 1}
    assert "2 values changed (status 1, weight 1)" in done.summary()
    assert one(engine, "SELECT status, weight FROM participants WHERE id = 2979") == ("aktif", 1)


def test_sif_loan_with_only_required_columns_stays_defaulted(engine: Engine) -> None:
    loan = "SIF-2023-0001,0301F001,Bank Mandiri,202301,250000000,24,9.5"
    full = csv_bytes(LOAN_REQUIRED + ",defaulted,default_period,days_past_due", loan + ",true,202305,259")
    assert import_file(engine, ADMIN, "sif_loans", full, "full.csv").inserted == 1

    report = import_file(engine, ADMIN, "sif_loans", csv_bytes(LOAN_REQUIRED, loan), "s.csv")
    assert report.ok and (report.updated, report.unchanged) == (0, 1)
    row = "SELECT defaulted, default_period, days_past_due FROM sif_loans WHERE loan_ref = 'SIF-2023-0001'"
    assert one(engine, row) == (True, 202305, 259)

    # a new rate: only rate_pct changes
    report = import_file(engine, ADMIN, "sif_loans", csv_bytes(LOAN_REQUIRED, loan[:-3] + "8.75"), "s.csv")
    assert (report.updated, report.changes) == (1, {"rate_pct": 1})
    assert one(engine, row) == (True, 202305, 259)

    # default_period belongs with defaulted: a file that clears defaulted clears the period with it
    cured = csv_bytes(LOAN_REQUIRED + ",defaulted", loan[:-3] + "8.75,false")
    report = import_file(engine, ADMIN, "sif_loans", cured, "s.csv")
    assert report.ok and report.changes == {"defaulted": 1, "default_period": 1}
    assert one(engine, row) == (False, None, 259)


def test_contribution_without_paid_columns_keeps_the_payment(engine: Engine) -> None:
    full = csv_bytes("family_id,period,billed,paid,paid_date", "500000001,202401,35000,35000,2024-01-10")
    assert import_file(engine, ADMIN, "contributions", full, "c.csv").inserted == 1
    report = import_file(
        engine,
        ADMIN,
        "contributions",
        csv_bytes("family_id,period,billed", "500000001,202401,36000"),
        "c.csv",
    )
    assert report.ok and report.changes == {"billed": 1}
    billed, paid, paid_date, paid_period = one(
        engine, "SELECT billed, paid, paid_date, paid_period FROM contributions"
    )
    assert (billed, paid, str(paid_date)[:10], paid_period) == (36000, 35000, "2024-01-10", 202401)


def test_generated_world_partial_reimport_changes_nothing(writable_sqlite_world: object) -> None:
    """A real participant with a non-default status and weight, re-imported without those columns."""
    engine = writable_sqlite_world.engine  # type: ignore[attr-defined]
    cols = PARTICIPANT_HEADER.split(",")
    with engine.connect() as conn:
        row = conn.execute(
            text(
                f"SELECT {', '.join(cols)}, status, weight FROM participants "
                "WHERE status <> 'aktif' AND weight <> 1 ORDER BY id LIMIT 1"
            )
        ).one()
    values = ["" if v is None else str(v) for v in row[: len(cols)]]
    report = import_file(
        engine, ADMIN, "participants", csv_bytes(PARTICIPANT_HEADER, ",".join(values)), "p.csv"
    )
    assert report.ok and (report.updated, report.unchanged, report.changes) == (0, 1, {}), report.problems
    after = one(engine, f"SELECT status, weight FROM participants WHERE id = {row.id}")
    assert after == (row.status, row.weight)
