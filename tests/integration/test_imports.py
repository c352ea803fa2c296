"""Validated imports (jkn_core.imports): broken files are rejected whole with every problem listed at the
row and column the user sees; valid files upsert idempotently; dry runs write nothing; CLI and Excel.

Each database test runs on a fresh SQLite file and on a fresh PostgreSQL database (conftest's
``empty_engine("postgresql")`` on the ``pg_url`` server), with a few reference rows inserted here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select, text

from jkn_core import db, imports
from jkn_core.db import create_schema, make_engine
from jkn_core.hooks import AFTER_IMPORT_HOOKS
from jkn_core.imports import SPECS, TABLES, ImportReport, Problem, import_file
from jkn_core.schema import Base
from jkn_core.scope import Scope, ScopeError

ADMIN = Scope.system()
ROOT = Path(__file__).resolve().parents[2]
COUNTED = (*TABLES, "families", "audit_log")

PARTICIPANT_HEADER = (
    "id,nik,name,family_id,segment,kelas,sex,birth_date,regency_code,branch_code,fktp_code,registered_on"
)


# --- fixtures --------------------------------------------------------------------------------------
def seeded_engine(request: pytest.FixtureRequest, sqlite_file: Path) -> Engine:
    """A fresh database holding :func:`seed_reference`'s rows: a SQLite file when the fixture's param is
    ``"sqlite"``, else an empty database on the throwaway PostgreSQL server (skipped on a foreign server)."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{sqlite_file}")
        create_schema(eng)
    else:
        request.getfixturevalue("pg_url")
        try:
            eng = request.getfixturevalue("empty_engine")("postgresql")
        except RuntimeError as exc:  # JKN_TEST_PG_URL points at a foreign server
            pytest.skip(str(exc))
    seed_reference(eng)
    return eng


def seed_reference(engine: Engine) -> None:
    t = Base.metadata.tables
    with engine.begin() as conn:
        conn.execute(t["regions"].insert(), [{"code": "KW03", "name": "Sumatera Selatan dan sekitarnya"}])
        conn.execute(
            t["provinces"].insert(),
            [
                {
                    "code": "16",
                    "bps_code": "16",
                    "name": "Sumatera Selatan",
                    "iso_code": "ID-SS",
                    "region_code": "KW03",
                }
            ],
        )
        conn.execute(
            t["branches"].insert(),
            [{"code": "0301", "name": "Palembang", "region_code": "KW03", "province_code": "16"}],
        )
        conn.execute(
            t["regencies"].insert(),
            [
                {
                    "code": "16.71",
                    "name": "Kota Palembang",
                    "is_city": True,
                    "province_code": "16",
                    "branch_code": "0301",
                    "income_index": 1.1,
                },
                # the templates' FKTP and family live here (jkn_core.imports.docs.DEMO_EXAMPLES)
                {"code": "16.07", "name": "Kabupaten Banyuasin", "is_city": False, "province_code": "16",
                 "branch_code": "0301", "income_index": 0.9},
            ],
        )
        facility = {
            "ownership": "pemerintah",
            "accreditation": "utama",
            "doctors": 3,
            "dentists": 1,
            "regency_code": "16.71",
            "branch_code": "0301",
            "contract_start": dt.date(2024, 1, 1),
            "contract_end": dt.date(2024, 12, 31),
            "renewals": 2,
            "capitation_rate": 6000,
        }
        conn.execute(
            t["facilities"].insert(),
            [
                {
                    **facility,
                    "code": "0301F001",
                    "name": "Puskesmas Sukarami",
                    "level": "FKTP",
                    "type": "puskesmas",
                },
                {
                    **facility,
                    "code": "0301R001",
                    "name": "RSUD Palembang",
                    "level": "FKRTL",
                    "type": "rumah_sakit",
                },
            ],
        )
        family = {
            "kelas": 3,
            "members": 2,
            "regency_code": "16.71",
            "branch_code": "0301",
            "registered_on": dt.date(2019, 5, 1),
            "auto_debit": False,
            "head_birth_year": 1980,
            "arrears_before_months": 0,
            "weight": 1,
        }
        conn.execute(
            t["families"].insert(),
            [{**family, "id": 500000001, "segment": "PBPU"}, {**family, "id": 500000002, "segment": "PPU"}],
        )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'imports.db'}")
        create_schema(eng)
    else:
        request.getfixturevalue("pg_url")  # the throwaway server (errors if it cannot start)
        try:
            factory = request.getfixturevalue("empty_engine")
            eng = factory("postgresql")  # a new database on that server: the shared world is not touched
        except RuntimeError as exc:  # JKN_TEST_PG_URL points at a foreign server
            pytest.skip(str(exc))
    seed_reference(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    eng = make_engine(url)
    create_schema(eng)
    seed_reference(eng)
    yield eng, url
    eng.dispose()


@pytest.fixture(autouse=True)
def _no_hooks() -> Iterator[None]:
    saved = list(AFTER_IMPORT_HOOKS)
    AFTER_IMPORT_HOOKS.clear()
    yield
    AFTER_IMPORT_HOOKS[:] = saved


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(select(func.count()).select_from(Base.metadata.tables[t])).scalar_one()
            for t in COUNTED
        }


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def find(report: ImportReport, row: int | None, column: str | None, pattern: str) -> Problem:
    for p in report.problems:
        if p.row == row and p.column == column and re.search(pattern, p.reason, re.IGNORECASE):
            return p
    raise AssertionError(
        f"no problem at row {row}, column {column} matching {pattern!r}; got:\n"
        + "\n".join(str(p) for p in report.problems)
    )


CONTRIB_OK = (
    "family_id,period,billed,paid,paid_date",
    "500000001,202401,35000,35000,2024-01-10",
    "500000001,202402,35000,0,",
    "500000001,202403,35000,35000,2024-03-05",
)


def _participant(pid: int, family: int, name: str = "Siti Aminah", **over: str) -> str:
    row = {
        "id": str(pid),
        "nik": f"16710101019{pid:05d}",
        "name": name,
        "family_id": str(family),
        "segment": "PBPU",
        "kelas": "3",
        "sex": "P",
        "birth_date": "1990-01-01",
        "regency_code": "16.71",
        "branch_code": "0301",
        "fktp_code": "0301F001",
        "registered_on": "2020-03-15",
    }
    row.update(over)
    return ",".join(row[c] for c in PARTICIPANT_HEADER.split(","))


# --- broken files: rejected whole, the right row and column, nothing written ----------------------
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)

BROKEN = {
    "wrong_type": (
        "contributions",
        csv_bytes(*CONTRIB_OK[:2], "500000001,202402,abc,0,"),
        "c.csv",
        [(3, "billed", r"'abc' is not a whole number")],
    ),
    "thousands_separator": (
        "contributions",
        csv_bytes(CONTRIB_OK[0], "500000001,202401,35.000,0,"),
        "c.csv",
        [(2, "billed", r"not a whole number")],
    ),
    "unknown_branch": (
        "facilities",
        csv_bytes(
            "code,name,level,type,ownership,accreditation,doctors,regency_code,branch_code,contract_start,contract_end",
            "0301F002,Klinik A,FKTP,klinik_pratama,swasta,dasar,2,16.71,0301,2024-01-01,2025-12-31",
            "0301F003,Klinik B,FKTP,klinik_pratama,swasta,dasar,2,16.71,9999,2024-01-01,2025-12-31",
        ),
        "f.csv",
        [(3, "branch_code", r"unknown branch_code '9999'.*branches\.code")],
    ),
    "unknown_regency": (
        "population",
        csv_bytes("regency_code,year,population", "16.71,2024,1772492", "99.99,2024,100"),
        "p.csv",
        [(3, "regency_code", r"unknown regency_code '99\.99'")],
    ),
    "duplicate_key": (
        "contributions",
        csv_bytes(*CONTRIB_OK, "500000001,202402,36000,0,"),
        "c.csv",
        [(5, "family_id, period", r"duplicate key \(family_id=500000001, period=202402\): same as row 3")],
    ),
    "future_date": (
        "contributions",
        csv_bytes(CONTRIB_OK[0], CONTRIB_OK[1], "500000001,202402,35000,35000,2099-02-03"),
        "c.csv",
        [(3, "paid_date", r"2099-02-03 is in the future")],
    ),
    "future_period": (
        "facility_months",
        csv_bytes(
            "facility_code,period,registered,capitation_paid,contact_rate_pm,rrns_pct,rppt_pct,kbk_pct",
            "0301F001,209901,8500,49725000,162.5,1.4,6.2,97.5",
        ),
        "fm.csv",
        [(2, "period", r"209901 is in the future")],
    ),
    "negative_amount": (
        "contributions",
        csv_bytes(CONTRIB_OK[0], "500000001,202401,-35000,0,"),
        "c.csv",
        [(2, "billed", r"negative amount -35000")],
    ),
    "wrong_encoding": (
        "participants",
        (
            PARTICIPANT_HEADER
            + "\n"
            + _participant(1, 500000001)
            + "\n"
            + _participant(2, 500000001, "José")
            + "\n"
        ).encode("latin-1"),
        "p.csv",
        [(3, None, r"not UTF-8 encoded: byte 0xe9.*'é'.*CSV UTF-8"), (3, "name", r"not UTF-8")],
    ),
    "empty_file": ("contributions", b"", "c.csv", [(None, None, r"the file is empty")]),
    "blank_lines_only": ("contributions", b"\n \r\n;;\n", "c.csv", [(None, None, r"the file is empty")]),
    "header_only": ("contributions", csv_bytes(CONTRIB_OK[0]), "c.csv", [(None, None, r"no data rows")]),
    "png_named_csv": (
        "contributions",
        PNG,
        "contributions.csv",
        [(None, None, r"not a CSV or Excel .*PNG image")],
    ),
    "binary": (
        "population",
        b"\x01\x02\x00\x00\x03garbage\x00" * 20,
        "p.csv",
        [(None, None, r"binary data")],
    ),
    "text_named_xlsx": (
        "population",
        csv_bytes("regency_code,year,population"),
        "p.xlsx",
        [(None, None, r"Excel")],
    ),
    "old_xls": (
        "population",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
        "p.xls",
        [(None, None, r"\.xls")],
    ),
    "bad_row_in_middle": (
        "contributions",
        csv_bytes(
            CONTRIB_OK[0],
            "500000001,202401,35000,35000,2024-01-10",
            "500000001,202402,35000,35000,2024-02-10",
            "500000001,202403,35000,35000,2024-13-10",
            "500000001,202404,35000,35000,2024-04-10",
            "500000001,202405,35000,35000,2024-05-10",
        ),
        "c.csv",
        [(4, "paid_date", r"'2024-13-10' is not a valid calendar date")],
    ),
    "missing_and_unknown_column": (
        "population",
        csv_bytes("regency_code,tahun,population", "16.71,2024,10"),
        "p.csv",
        [(1, "year", r"required column is missing"), (1, "tahun", r"unknown column 'tahun'")],
    ),
    "paid_before_billing_month": (
        "contributions",
        csv_bytes(CONTRIB_OK[0], "500000001,202403,35000,35000,2024-02-28"),
        "c.csv",
        [(2, "paid_date", r"before the first day of the billing month 202403 \(2024-03-01\)")],
    ),
    "contract_end_before_start": (
        "facilities",
        csv_bytes(
            "code,name,level,type,ownership,accreditation,doctors,regency_code,branch_code,contract_start,contract_end",
            "0301F002,Klinik A,FKTP,klinik_pratama,swasta,dasar,2,16.71,0301,2024-06-01,2024-05-31",
        ),
        "f.csv",
        [(2, "contract_end", r"contract_end 2024-05-31 is before contract_start 2024-06-01")],
    ),
    "segment_kelas_period_rate": (
        "participants",
        csv_bytes(PARTICIPANT_HEADER, _participant(1, 7, segment="MANDIRI", kelas="4")),
        "p.csv",
        [
            (2, "segment", r"'MANDIRI' is not allowed; use one of: PBI_APBN"),
            (2, "kelas", r"4 is above the maximum 3"),
        ],
    ),
    "rates_out_of_bounds": (
        "sif_loans",
        csv_bytes(
            "loan_ref,facility_code,bank,start_period,amount,tenor_months,rate_pct",
            "SIF-1,0301F001,Bank Mandiri,202301,250000000,24,95",
            "SIF-2,0301F001,Bank Mandiri,202313,250000000,24,9.5",
        ),
        "s.csv",
        [
            (2, "rate_pct", r"95 is above the maximum 50"),
            (3, "start_period", r"'202313' is not a valid month"),
        ],
    ),
    "facility_months_on_fkrtl": (
        "facility_months",
        csv_bytes(
            "facility_code,period,registered,capitation_paid,contact_rate_pm,rrns_pct,rppt_pct,kbk_pct",
            "0301R001,202401,8500,49725000,162.5,1.4,6.2,97.5",
        ),
        "fm.csv",
        [(2, "facility_code", r"is FKRTL; facility_code must be an FKTP facility")],
    ),
    "contributions_of_ppu_family": (
        "contributions",
        csv_bytes(CONTRIB_OK[0], "500000002,202401,35000,0,", "12345,202401,35000,0,"),
        "c.csv",
        [(2, "family_id", r"segment PPU.*self-paying"), (3, "family_id", r"unknown family_id 12345")],
    ),
    "target_codes": (
        "targets",
        csv_bytes(
            "kpi,level,code,year,target",
            "coverage_pct,national,KW03,2025,98",
            "coverage_pct,region,KW99,2025,98",
            "coverage_pct,branch,0301,2025,120",
        ),
        "t.csv",
        [
            (2, "code", r"must be empty for level national"),
            (3, "code", r"unknown region code 'KW99'"),
            (4, "target", r"above 100 for a percentage KPI"),
        ],
    ),
    "ragged_row": (
        "population",
        csv_bytes("regency_code,year,population", "16.71,2024,10,99"),
        "p.csv",
        [(2, None, r"the row has 4 values but the header has 3 columns")],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_is_rejected_whole(engine: Engine, case: str) -> None:
    table, data, filename, expected = BROKEN[case]
    before = counts(engine)
    report = import_file(engine, ADMIN, table, data, filename)
    assert not report.ok
    assert report.inserted == report.updated == report.unchanged == 0
    for row, column, pattern in expected:
        find(report, row, column, pattern)
    after = counts(engine)
    assert {**after, "audit_log": 0} == {**before, "audit_log": 0}  # nothing written but the audit row
    assert after["audit_log"] == before["audit_log"] + 1
    detail = last_import_audit(engine)
    assert detail["status"] == "rejected" and detail["table"] == table
    assert detail["problems"] == len(report.problems) and detail["inserted"] == 0


def last_import_audit(engine: Engine) -> dict:
    """The detail of the newest import audit row, whatever its outcome (import, import_rejected, import_dry_run)."""
    import json

    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT detail FROM audit_log WHERE action LIKE 'import%' ORDER BY id DESC LIMIT 1")
        ).one()
    return json.loads(row.detail)


def test_every_problem_is_listed_in_row_order(engine: Engine) -> None:
    data = csv_bytes(
        CONTRIB_OK[0],
        "500000001,202401,-1,0,",  # row 2
        "500000001,202402,35000,0,",
        "x,202403,35000,0,",  # row 4
        "500000001,2024-04,35000,0,",  # row 5
        "500000001,202406,35000,35000,",  # row 6
    )
    report = import_file(engine, ADMIN, "contributions", data, "c.csv")
    got = [(p.row, p.column) for p in report.problems]
    assert got == [(2, "billed"), (4, "family_id"), (5, "period"), (6, "paid_date")], got
    assert "paid is 35000 but paid_date is empty" in report.problems[-1].reason


def test_problems_csv_downloadable(engine: Engine) -> None:
    report = import_file(engine, ADMIN, "contributions", BROKEN["wrong_type"][1], "c.csv")
    frame = pd.read_csv(io.BytesIO(imports.problems_csv(report)))
    assert list(frame.columns) == ["row", "column", "reason"]
    assert frame.iloc[0]["row"] == 3 and frame.iloc[0]["column"] == "billed"
    assert len(imports.problems_frame(report)) == len(report.problems)
    assert str(report.problems[0]).startswith("row 3, column billed: ")


# --- valid imports ---------------------------------------------------------------------------------
def _value(engine: Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_import_is_idempotent_and_updates(engine: Engine) -> None:
    calls: list[tuple[int, int]] = []
    report = import_file(
        engine,
        ADMIN,
        "contributions",
        csv_bytes(*CONTRIB_OK),
        "c.csv",
        progress=lambda d, t: calls.append((d, t)),
    )
    assert report.ok, report.problems
    assert (report.rows_in_file, report.inserted, report.updated, report.unchanged) == (3, 3, 0, 0)
    assert calls[-1] == (3, 3)
    after_first = counts(engine)
    assert after_first["contributions"] == 3
    assert _value(engine, "SELECT paid_period FROM contributions WHERE period = 202403") == 202403  # derived

    again = import_file(engine, ADMIN, "contributions", csv_bytes(*CONTRIB_OK), "c.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert counts(engine)["contributions"] == 3

    changed = list(CONTRIB_OK)
    changed[2] = "500000001,202402,35000,35000,2024-02-20"
    third = import_file(engine, ADMIN, "contributions", csv_bytes(*changed), "c.csv")
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 2)
    assert _value(engine, "SELECT paid FROM contributions WHERE period = 202402") == 35000
    assert str(_value(engine, "SELECT paid_date FROM contributions WHERE period = 202402")).startswith(
        "2024-02-20"
    )
    assert counts(engine)["contributions"] == 3
    assert counts(engine)["audit_log"] == after_first["audit_log"] + 2  # one audit row per real import


def test_dry_run_writes_nothing(engine: Engine) -> None:
    before = counts(engine)
    report = import_file(engine, ADMIN, "contributions", csv_bytes(*CONTRIB_OK), "c.csv", dry_run=True)
    assert report.ok and report.dry_run
    assert (report.inserted, report.updated, report.unchanged) == (3, 0, 0)
    assert "dry run" in report.summary()
    after = counts(engine)
    assert {**after, "audit_log": 0} == {**before, "audit_log": 0}  # no data, only the audit row
    assert after["audit_log"] == before["audit_log"] + 1
    detail = last_import_audit(engine)
    assert (detail["status"], detail["inserted"], detail["problems"]) == ("dry_run", 3, 0)


def test_upsert_on_unique_natural_keys(engine: Engine) -> None:
    """targets and sif_loans have surrogate ids: the natural key (unique constraint) decides."""
    targets = [
        "kpi,level,code,year,target",
        "coverage_pct,national,,2025,98",
        "coverage_pct,branch,0301,2025,97.5",
    ]
    assert import_file(engine, ADMIN, "targets", csv_bytes(*targets), "t.csv").inserted == 2
    targets[2] = "coverage_pct,branch,0301,2025,99"
    report = import_file(engine, ADMIN, "targets", csv_bytes(*targets), "t.csv")
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    assert _value(engine, "SELECT target FROM targets WHERE level = 'branch'") == 99

    loans = [
        "loan_ref,facility_code,bank,start_period,amount,tenor_months,rate_pct,defaulted,default_period",
        "SIF-1,0301F001,Bank Mandiri,202301,250000000,24,9.5,false,",
        "SIF-2,0301F001,Bank BRI,202302,100000000,12,10,ya,202310",
    ]
    assert import_file(engine, ADMIN, "sif_loans", csv_bytes(*loans), "s.csv").inserted == 2
    again = import_file(engine, ADMIN, "sif_loans", csv_bytes(*loans), "s.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert _value(engine, "SELECT COUNT(*) FROM sif_loans WHERE defaulted") == 1


def test_semicolon_csv_with_bom_and_decimal_comma(engine: Engine) -> None:
    data = (
        "\ufefffacility_code;period;registered;capitation_paid;contact_rate_pm;rrns_pct;rppt_pct;kbk_pct\r\n"
        "0301F001;202401;8500;49725000;162,5;1,4;6,2;97,5\r\n"
        "\r\n"
        "0301F001;202402;8510;49785000;150;1.2;6;100\r\n"
    ).encode("utf-8")
    report = import_file(engine, ADMIN, "facility_months", data, "fm.csv")
    assert report.ok, report.problems
    assert report.inserted == 2
    assert _value(engine, "SELECT contact_rate_pm FROM facility_months WHERE period = 202401") == 162.5
    # the blank line still counts as a row the user sees: an error on the last row says row 4
    bad = data.replace(b"202402;8510", b"202402;-5")
    find(
        import_file(engine, ADMIN, "facility_months", bad, "fm.csv"), 4, "registered", r"below the minimum 0"
    )


def test_participants_create_missing_families(engine: Engine) -> None:
    data = csv_bytes(
        PARTICIPANT_HEADER + ",auto_debit",
        _participant(1, 500000001) + ",",  # existing family: untouched
        _participant(2, 600000001, "Budi", segment="BP", kelas="2", birth_date="1975-06-30",
                     registered_on="2021-02-01") + ",ya",  # first row of a new family: its head
        _participant(3, 600000001, "Ani", segment="BP", kelas="1", birth_date="2001-01-01",
                     registered_on="2019-07-01") + ",",
    )  # fmt: skip
    dry = import_file(engine, ADMIN, "participants", data, "p.csv", dry_run=True)
    assert dry.ok and dry.families_created == 1 and counts(engine)["families"] == 2

    report = import_file(engine, ADMIN, "participants", data, "p.csv")
    assert report.ok, report.problems
    assert (report.inserted, report.families_created) == (3, 1)
    with engine.connect() as conn:
        fam = conn.execute(text("SELECT * FROM families WHERE id = 600000001")).mappings().one()
        old = conn.execute(text("SELECT members, segment FROM families WHERE id = 500000001")).one()
        part = conn.execute(
            text("SELECT registered_period, status, weight FROM participants WHERE id = 2")
        ).one()
    assert (fam["segment"], fam["kelas"], fam["members"], fam["head_birth_year"]) == ("BP", 2, 2, 1975)
    assert bool(fam["auto_debit"]) is True and str(fam["registered_on"]).startswith("2019-07-01")
    assert (fam["regency_code"], fam["branch_code"], fam["weight"]) == ("16.71", "0301", 1)
    assert tuple(old) == (2, "PBPU")
    assert tuple(part) == (202102, "aktif", 1)

    again = import_file(engine, ADMIN, "participants", data, "p.csv")
    assert (again.inserted, again.updated, again.unchanged, again.families_created) == (0, 0, 3, 0)


def test_excel_import(engine: Engine) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "participants"
    ws.append(PARTICIPANT_HEADER.split(","))
    ws.append([10, "1671010101900010", "Rina", 500000001, "PBPU", 3, "P", dt.datetime(1988, 2, 29), "16.71", "0301",
               "0301F001", dt.date(2020, 1, 6)])  # fmt: skip
    ws.append([11, "1671010101900011", "Dodi", 500000001, "PBPU", 3.0, "L", "1990-05-05", "16.71", "0301",
               "0301F001", "2020-01-06"])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    report = import_file(engine, ADMIN, "participants", buf.getvalue(), "peserta.xlsx")
    assert report.ok, report.problems
    assert report.inserted == 2
    assert str(_value(engine, "SELECT birth_date FROM participants WHERE id = 10")).startswith("1988-02-29")

    ws.append([12, 1671010101900012, "Eko", 500000001, "PBPU", 3, "L", dt.date(2099, 1, 1), "16.71", "0301",
               "0301F001", dt.date(2020, 1, 6)])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    bad = import_file(engine, ADMIN, "participants", io.BytesIO(buf.getvalue()), "peserta.xlsx")
    assert not bad.ok
    find(bad, 4, "birth_date", r"in the future")
    assert counts(engine)["participants"] == 2


# --- permissions, audit, hooks ---------------------------------------------------------------------
def test_only_admin_may_import(engine: Engine) -> None:
    before = counts(engine)
    for scope in (Scope.national(), Scope(role="kantor_cabang", username="kc", branch_code="0301")):
        with pytest.raises(ScopeError):
            import_file(engine, scope, "contributions", csv_bytes(*CONTRIB_OK), "c.csv")
    assert counts(engine) == before


def test_audit_row_and_refresh_hooks(engine: Engine) -> None:
    seen: list[tuple[Engine, str]] = []
    AFTER_IMPORT_HOOKS.append(lambda eng, table: seen.append((eng, table)))

    def broken_hook(eng: Engine, table: str) -> None:
        raise RuntimeError("refresh failed")

    AFTER_IMPORT_HOOKS.append(broken_hook)
    import_file(engine, ADMIN, "contributions", csv_bytes(*CONTRIB_OK), "c.csv", dry_run=True)
    assert seen == []  # no hooks on a dry run
    report = import_file(engine, ADMIN, "contributions", csv_bytes(*CONTRIB_OK), "c.csv")
    assert report.ok and seen == [(engine, "contributions")]
    assert any("refresh failed" in w for w in report.warnings)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT username, action, detail FROM audit_log ORDER BY id")).all()
    assert [r.action for r in rows] == ["import_dry_run", "import"]  # the dry run is audited too
    dry, row = rows
    assert '"status": "dry_run"' in dry.detail and '"inserted": 3' in dry.detail
    assert row.username == "system" and row.action == "import" and '"status": "ok"' in row.detail
    assert '"contributions"' in row.detail and '"inserted": 3' in row.detail


# --- CLI -------------------------------------------------------------------------------------------
def _run_cli(argv: list[str]) -> int:
    from jkn_core.cli import main

    return main(argv)


def test_cli(sqlite_engine: tuple[Engine, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    engine, url = sqlite_engine
    monkeypatch.setenv("JKN_DATABASE_URL", url)
    monkeypatch.setenv("JKN_LANG", "en")  # the English report lines (Indonesian by default)
    getattr(db.get_engine, "cache_clear", lambda: None)()  # older db.py cached get_engine itself
    assert str(db.get_engine().url) == url
    try:
        broken = tmp_path / "iuran.csv"
        broken.write_bytes(csv_bytes(CONTRIB_OK[0], "500000001,202401,35000,0,", "500000001,202402,-5,0,x"))
        assert _run_cli(["import", "contributions", str(broken)]) == 1
        err = capsys.readouterr().err
        assert "rejected with 2 problem(s); nothing was written" in err
        assert "row 3, column billed: negative amount -5" in err
        assert "row 3, column paid_date: 'x' is not a date" in err
        assert counts(engine)["contributions"] == 0

        good = tmp_path / "ok.csv"
        good.write_bytes(csv_bytes(*CONTRIB_OK))
        assert _run_cli(["import", "contributions", str(good), "--dry-run"]) == 0
        assert "3 inserted" in capsys.readouterr().out and counts(engine)["contributions"] == 0
        assert _run_cli(["import", "contributions", str(good)]) == 0
        assert "3 inserted, 0 updated, 0 unchanged" in capsys.readouterr().out
        assert counts(engine)["contributions"] == 3
        assert _run_cli(["import", "contributions", str(tmp_path / "missing.csv")]) == 1
        assert "cannot read the file" in capsys.readouterr().err
    finally:
        db.get_engine().dispose()
        getattr(db.get_engine, "cache_clear", lambda: None)()


# --- schema, templates and docs --------------------------------------------------------------------
def test_templates_and_docs_are_rendered_from_the_schema() -> None:
    for table in TABLES:
        body = imports.template_bytes(table)
        assert body.decode().splitlines()[0].split(",") == SPECS[table].columns
        assert (ROOT / "jkn_core" / "imports" / "templates" / f"{table}.csv").read_bytes() == body, (
            "templates out of date: run .venv/bin/python -m jkn_core.imports --write-docs"
        )
    doc = (ROOT / "docs" / "imports.md").read_text(encoding="utf-8")
    generated = doc.split(imports.DOCS_BEGIN, 1)[1].split(imports.DOCS_END, 1)[0]
    assert generated.strip() == imports.render_docs().strip(), (
        "docs/imports.md out of date: run .venv/bin/python -m jkn_core.imports --write-docs"
    )


def test_template_examples_import(engine: Engine) -> None:
    """Every template's example row is valid against the reference rows (facilities first: FK)."""
    for table in ("facilities", *[t for t in TABLES if t != "facilities"]):
        if table == "claims":  # a claim is a hospital's: the facilities template row made the example hospital
            import_file(engine, ADMIN, "facilities", _example_hospital(), "hospital.csv")
        report = import_file(engine, ADMIN, table, imports.template_bytes(table), f"{table}.csv")
        assert report.ok, (table, report.problems)


def _example_hospital() -> bytes:
    """The facilities template's row turned into the claims template's hospital (FKRTL)."""
    frame = pd.read_csv(io.BytesIO(imports.template_bytes("facilities")), dtype=str, keep_default_na=False)
    claim = pd.read_csv(io.BytesIO(imports.template_bytes("claims")), dtype=str, keep_default_na=False).iloc[0]
    frame = frame.assign(code=claim["facility_code"], name=claim["facility_name"], level="FKRTL", type="rumah_sakit",
                         capitation_rate="")
    return frame.to_csv(index=False).encode()


def test_demo_world_round_trips_unchanged(world: object) -> None:
    """Every importable table of the generated world, exported as CSV, validates and is all 'unchanged'."""
    engine = world.engine  # type: ignore[attr-defined]
    for table in TABLES:
        spec = SPECS[table]
        with engine.connect() as conn:
            frame = pd.read_sql(text(f"SELECT {', '.join(spec.db_columns)} FROM {table}"), conn)
        for col in frame.columns:
            if spec.get(col).kind in ("int", "money", "period") and frame[col].dtype.kind == "f":
                frame[col] = frame[col].astype("Int64")
        report = import_file(
            engine, ADMIN, table, frame.to_csv(index=False).encode(), f"{table}.csv", dry_run=True
        )
        assert report.ok, (table, report.problems[:5])
        assert report.unchanged == len(frame) and report.inserted == report.updated == 0, table
