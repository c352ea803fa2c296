"""Import validation without a database (jkn_core.imports.validate / schema): exact messages, one per cell,
row rules skip invalid cells, derived periods, and the vectorised regex agreeing with Python's ``re``."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from jkn_core.imports import schema
from jkn_core.imports.read import read_table
from jkn_core.imports.report import sort_problems
from jkn_core.imports.spec import SPECS, TABLES
from jkn_core.imports.validate import ParsedTable, validate_table

TODAY = dt.date(2025, 6, 15)
PARTICIPANTS = (
    "id,nik,name,family_id,segment,kelas,sex,birth_date,regency_code,branch_code,fktp_code,registered_on,"
    "registered_period,status,weight,auto_debit"
)
GOOD_PARTICIPANT = "1,1671010101900001,Siti,500000001,PBPU,3,P,1990-01-01,16.71,0301,0301F001,2020-03-15,,,,"


def validate(table: str, *lines: str, sep: str = ",") -> ParsedTable:
    raw, problems = read_table(("\n".join(lines) + "\n").encode(), f"{table}.csv", table)
    assert raw is not None and not problems, problems
    return validate_table(SPECS[table], raw, TODAY)


def messages(parsed: ParsedTable) -> list[str]:
    return [str(p) for p in sort_problems(parsed.problems, parsed.spec.columns)]


def test_cell_rules_give_the_old_messages() -> None:
    bad = GOOD_PARTICIPANT.split(",")
    bad[1], bad[2], bad[5], bad[6], bad[7], bad[11], bad[13], bad[14], bad[15] = (
        "16710101", "x" * 81, "0", "X", "1899-12-31", "2025-06-16", "hidup", "٣", "mungkin",
    )  # fmt: skip
    parsed = validate("participants", PARTICIPANTS, ",".join(bad))
    assert messages(parsed) == [
        "row 2, column nik: '16710101' is not valid: exactly 16 digits (format the Excel column as Text)",
        "row 2, column name: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is longer than 80 characters",
        "row 2, column kelas: 0 is below the minimum 1",
        "row 2, column sex: 'X' is not allowed; use one of: L, P",
        "row 2, column birth_date: 1899-12-31 is before 1900-01-01",
        "row 2, column registered_on: 2025-06-16 is in the future (today is 2025-06-15)",
        "row 2, column status: 'hidup' is not allowed; use one of: aktif, nonaktif_tunggakan, nonaktif_lain",
        "row 2, column auto_debit: 'mungkin' is not true/false (use true, false, 1, 0, ya or tidak)",
    ]
    assert parsed.frame["weight"].tolist() == [3]  # Unicode digits are digits, as int() reads them


def test_first_failing_rule_only_and_row_rules_skip_invalid_cells() -> None:
    parsed = validate(
        "contributions",
        "family_id,period,billed,paid,paid_date,paid_period",
        "500000001,202401,-5,35000,2099-01-10,209901",  # paid_date in the future: no mismatch reported
        "500000001,209912,1,0,,",  # period in the future: no duplicate, no paid-before-month check
        "500000001,202402,1,5,,",
        "500000001,202402,1,0,,202402",
    )
    assert messages(parsed) == [
        "row 2, column billed: negative amount -5; amounts must be >= 0",
        "row 2, column paid_date: 2099-01-10 is in the future (today is 2025-06-15)",
        "row 3, column period: 209912 is in the future (the current month is 202506)",
        "row 4, column paid_date: paid is 5 but paid_date is empty",
        "row 5, column family_id, period: duplicate key (family_id=500000001, period=202402): same as row 4",
        "row 5, column paid_period: paid_period 202402 is given but paid_date is empty",
    ]


def test_derived_period_and_python_values() -> None:
    parsed = validate(
        "contributions",
        "family_id,period,billed,paid,paid_date",
        "500000001,202401,35000,35000,2024-01-10",
        "500000001,202402,35000,,",
    )
    assert not parsed.problems
    assert parsed.values["paid_period"] == [202401, None]
    assert parsed.values["paid_date"] == [dt.date(2024, 1, 10), None]
    assert parsed.values["paid"] == [35000, 0]  # the default of an empty optional cell
    assert all(type(v) is int for v in parsed.values["billed"])


def test_decimal_comma_in_semicolon_files() -> None:
    parsed = validate(
        "facility_months",
        "facility_code;period;registered;capitation_paid;contact_rate_pm;rrns_pct;rppt_pct;kbk_pct",
        "0301F001;202401;8500;49725000;162,5;1,4;6,2;100,5",
    )
    assert parsed.values["contact_rate_pm"] == [162.5]
    assert messages(parsed) == ["row 2, column kbk_pct: 100.5 is above the maximum 100"]


@pytest.mark.parametrize("table", TABLES)
def test_every_table_has_pandera_schemas(table: str) -> None:
    cells = schema.cell_schema(table, TODAY)
    assert list(cells.columns) == SPECS[table].columns
    assert sum(len(c.checks) for c in cells.columns.values()) > 0
    rows = schema.row_schema(table)
    assert rows.unique == list(SPECS[table].key)
    assert len(rows.checks) == len(SPECS[table].row_rules)


def test_vectorised_fullmatch_is_pythons() -> None:
    cells = ["12", "+7", "-0", "1.5", "", " 1", "٣", "١٢", "１２", "12a", "a\ufffdb", None, "2024-01-01"]
    text = pd.Series(cells, dtype=schema.DTYPES["text"])
    for pattern in (r"[+-]?\d+", r"\d{4}-\d{2}-\d{2}", r"[a-z][a-z0-9_]*", r"(?<=a)b|\d+"):
        compiled = re.compile(pattern)
        want = [c is not None and compiled.fullmatch(c) is not None for c in cells]
        assert schema.fullmatch(text, compiled).tolist() == want, pattern
