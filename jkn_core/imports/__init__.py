"""Validated imports of CSV and Excel files that lose nothing: ``python -m jkn_core import TABLE FILE``.

One schema per importable table (:data:`SPECS`) drives everything: validation, the template CSVs
(:func:`template_bytes`, ``jkn_core/templates/<table>.csv``) and the tables of ``docs/imports.md``
(:func:`render_docs`). A file is read completely and checked (structure, types, ranges, allowed
values, natural-key duplicates, date order, codes that must exist in the database) before anything is
written; every problem is reported with the row number the user sees (header = row 1). A valid file
is upserted by its natural key in one transaction, so importing the same file twice changes nothing.

Rule for families in a participants file: every ``family_id`` either exists in ``families`` or is
created by the import from its first row in the file (see :func:`_new_families`).

Public API: :func:`import_file`, :class:`ImportReport`, :class:`Problem`, :func:`problems_frame`,
:func:`problems_csv`, :func:`template_bytes`, :data:`TABLES`, :data:`SPECS`,
:func:`render_docs`, :func:`write_docs_and_templates`, :func:`add_commands`.
"""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import io
import json
import logging
import os
import re
import sqlite3
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import BigInteger, Engine, Integer, String, any_, bindparam, select, update
from sqlalchemy.engine import Connection

from jkn_core import hooks, months
from jkn_core.schema import (
    FKRTL_TYPES,
    FKTP_TYPES,
    SEGMENTS,
    SELF_PAYING_SEGMENTS,
    STATUSES,
    AuditLog,
    Base,
)
from jkn_core.scope import Scope, ScopeError

logger = logging.getLogger(__name__)


TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "imports.md"
DOCS_BEGIN = "<!-- BEGIN GENERATED: python -m jkn_core.imports --write-docs -->"
DOCS_END = "<!-- END GENERATED -->"

#: On PostgreSQL, an import writing at least this many rows runs ANALYZE on its table before the hooks.
ANALYZE_AFTER_ROWS = 50_000

_INT32_MAX = 2**31 - 1
_INT64_MAX = 2**63 - 1


# =================================================================================================
# Problems and reports
# =================================================================================================
@dataclass(frozen=True)
class Problem:
    """One reason a file is rejected. ``row`` is 1-based as seen in the file (header = row 1)."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where) or 'file'}: {self.reason}"


@dataclass
class ImportReport:
    table: str
    rows_in_file: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    ok: bool = False
    #: families created from a participants file (see the family rule in the docs)
    families_created: int = 0
    filename: str = ""
    #: non-fatal notes after a committed import (e.g. a refresh hook that failed)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.ok:
            return (
                f"{self.table}: {self.filename or 'file'} rejected with {len(self.problems)} problem(s); "
                "nothing was written"
            )
        text = (
            f"{self.table}: {self.rows_in_file} row(s) in {self.filename or 'file'}: "
            f"{self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged"
        )
        if self.families_created:
            text += f", {self.families_created} famil{'y' if self.families_created == 1 else 'ies'} created"
        if self.dry_run:
            text += " (dry run: nothing written)"
        return text

    def problems_frame(self) -> pd.DataFrame:
        return problems_frame(self)


def problems_frame(report: ImportReport | Sequence[Problem]) -> pd.DataFrame:
    """The problems as a DataFrame with columns row, column, reason (row/column may be empty)."""
    problems = report.problems if isinstance(report, ImportReport) else list(report)
    frame = pd.DataFrame(
        {
            "row": pd.array([p.row for p in problems], dtype="Int64"),
            "column": pd.array([p.column for p in problems], dtype=object),
            "reason": pd.array([p.reason for p in problems], dtype=object),
        }
    )
    return frame


def problems_csv(report: ImportReport | Sequence[Problem]) -> bytes:
    """The problems as a UTF-8 CSV (row, column, reason), for a download button."""
    return problems_frame(report).to_csv(index=False).encode("utf-8")


# =================================================================================================
# Table schemas (the one definition of what a file may hold)
# =================================================================================================
KINDS = {
    "text": "text",
    "int": "whole number",
    "money": "Rupiah, whole number",
    "float": "decimal number",
    "date": "date YYYY-MM-DD",
    "period": "month YYYYMM",
    "bool": "true / false",
}


@dataclass(frozen=True)
class Field:
    """One column of an import file."""

    name: str
    kind: str  # a key of KINDS
    description: str
    example: str
    required: bool = True  # column present and every cell filled
    default: Any = None  # value of an empty cell / a missing optional column (None = NULL)
    choices: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None
    max_len: int | None = None  # filled from the database column when None
    pattern: str | None = None
    pattern_hint: str = ""
    not_future: bool = False  # dates: not after today; periods: not after the current month
    min_date: dt.date | None = None
    refs: str | None = None  # "table.column" the value must exist in
    db: bool = True  # False: used by the import but not a column of the target table
    derived_from: str | None = None  # an empty cell is computed from this column (docs label only)

    def type_label(self) -> str:
        label = KINDS[self.kind]
        if self.kind == "text" and self.max_len and not self.choices:
            label += f" (max {self.max_len} chars)"
        return label

    def allowed_label(self) -> str:
        parts: list[str] = []
        if self.choices:
            parts.append("one of " + ", ".join(f"`{c}`" for c in self.choices))
        top = None if self.max in (_INT32_MAX, _INT64_MAX) else self.max
        if self.min is not None and top is not None:
            parts.append(f"{_num(self.min)} to {_num(top)}")
        elif self.min is not None:
            parts.append(f">= {_num(self.min)}")
        elif top is not None:
            parts.append(f"<= {_num(top)}")
        if self.pattern_hint:
            parts.append(self.pattern_hint)
        if self.min_date:
            parts.append(f"from {self.min_date.isoformat()}")
        if self.not_future:
            parts.append("not in the future" if self.kind == "date" else "not after the current month")
        if self.refs:
            parts.append(f"must exist in `{self.refs}`")
        return "; ".join(parts)

    def required_label(self) -> str:
        if self.required:
            return "yes"
        if self.derived_from:
            return f"no (derived from `{self.derived_from}`)"
        if self.default is None:
            return "no (empty = none)"
        shown = str(self.default).lower() if isinstance(self.default, bool) else str(self.default)
        return f"no (default `{shown}`)" if shown != "" else "no (default empty)"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    rules: tuple[str, ...] = ()
    #: row cross-checks: (cols, n) -> [(data_index, column, reason)]; may fill derived columns
    check: Callable[[dict[str, list[Any]], int], list[tuple[int, str, str]]] | None = None
    #: database checks beyond ``refs``: (conn, cols, n) -> [(data_index, column, reason)]
    db_check: Callable[[Connection, dict[str, list[Any]], int], list[tuple[int, str, str]]] | None = None

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def db_columns(self) -> list[str]:
        return [f.name for f in self.fields if f.db]

    def get(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def _finish(spec: TableSpec) -> TableSpec:
    """Take text lengths and integer bounds from the database columns, so nothing gets truncated."""
    table = Base.metadata.tables[spec.name]
    fields = []
    for f in spec.fields:
        if f.db and f.name in table.c:
            coltype = table.c[f.name].type
            if f.kind == "text" and f.max_len is None and isinstance(coltype, String) and coltype.length:
                f = replace(f, max_len=coltype.length)
            if f.kind in ("int", "money") and f.max is None:
                f = replace(f, max=_INT64_MAX if isinstance(coltype, BigInteger) else _INT32_MAX)
            elif (
                f.kind in ("int", "money")
                and isinstance(coltype, Integer)
                and not isinstance(coltype, BigInteger)
            ):
                f = replace(f, max=min(f.max, _INT32_MAX))
        fields.append(f)
    assert set(spec.key) <= {f.name for f in fields}, spec.name
    return replace(spec, fields=tuple(fields))


# --- cross-row checks -----------------------------------------------------------------------------
def _derive_period(
    cols: dict[str, list[Any]], n: int, date_col: str, period_col: str
) -> list[tuple[int, str, str]]:
    """Fill ``period_col`` from ``date_col``; a value given in the file must agree."""
    out = []
    dates, periods = cols[date_col], cols[period_col]
    for i in range(n):
        d, p = dates[i], periods[i]
        if d is _BAD or p is _BAD:
            continue
        if d is None:
            if p is not None:
                out.append((i, period_col, f"{period_col} {p} is given but {date_col} is empty"))
            continue
        want = months.of_date(d)
        if p is not None and p != want:
            out.append(
                (
                    i,
                    period_col,
                    f"{period_col} {p} does not match {date_col} {d.isoformat()} (expected {want})",
                )
            )
        else:
            periods[i] = want
    return out


def _check_participants(cols: dict[str, list[Any]], n: int) -> list[tuple[int, str, str]]:
    # registered_on may precede birth_date: JKN registers unborn babies (and the demo world's members
    # carry their family's registration date), so that order is not checked.
    return _derive_period(cols, n, "registered_on", "registered_period")


def _check_contributions(cols: dict[str, list[Any]], n: int) -> list[tuple[int, str, str]]:
    out = []
    for i in range(n):
        period, paid, paid_date = cols["period"][i], cols["paid"][i], cols["paid_date"][i]
        if _ok(period) and _ok(paid_date):
            first = dt.date(period // 100, period % 100, 1)
            if paid_date < first:
                out.append(
                    (
                        i,
                        "paid_date",
                        f"paid_date {paid_date.isoformat()} is before the first day of the billing month "
                        f"{period} ({first.isoformat()})",
                    )
                )
        if _ok(paid) and paid > 0 and paid_date is None:
            out.append((i, "paid_date", f"paid is {paid} but paid_date is empty"))
    out += _derive_period(cols, n, "paid_date", "paid_period")
    return out


def _check_facilities(cols: dict[str, list[Any]], n: int) -> list[tuple[int, str, str]]:
    out = []
    for i in range(n):
        s, e = cols["contract_start"][i], cols["contract_end"][i]
        if _ok(s) and _ok(e) and e < s:
            out.append(
                (i, "contract_end", f"contract_end {e.isoformat()} is before contract_start {s.isoformat()}")
            )
        level, kind = cols["level"][i], cols["type"][i]
        if _ok(level) and _ok(kind):
            want = "FKTP" if kind in FKTP_TYPES else "FKRTL"
            if level != want:
                out.append((i, "type", f"type '{kind}' belongs to level {want}, but level is {level}"))
    return out


def _check_targets(cols: dict[str, list[Any]], n: int) -> list[tuple[int, str, str]]:
    out = []
    for i in range(n):
        level, code, kpi, target = cols["level"][i], cols["code"][i], cols["kpi"][i], cols["target"][i]
        if _ok(level) and _ok(code):
            if level == "national" and code:
                out.append((i, "code", f"code must be empty for level national, got '{code}'"))
            elif level != "national" and not code:
                out.append((i, "code", f"code is required for level {level} (a {level} code)"))
        if _ok(kpi) and _ok(target) and kpi.endswith("_pct") and target > 100:
            out.append((i, "target", f"{_num(target)} is above 100 for a percentage KPI ({kpi})"))
    return out


def _check_sif_loans(cols: dict[str, list[Any]], n: int) -> list[tuple[int, str, str]]:
    out = []
    for i in range(n):
        defaulted, dp, start = cols["defaulted"][i], cols["default_period"][i], cols["start_period"][i]
        if not _ok(defaulted) or dp is _BAD:
            continue
        if defaulted and dp is None:
            out.append((i, "default_period", "defaulted is true but default_period is empty"))
        elif not defaulted and dp is not None:
            out.append((i, "default_period", f"default_period {dp} is given but defaulted is false"))
        elif dp is not None and _ok(start) and dp < start:
            out.append((i, "default_period", f"default_period {dp} is before start_period {start}"))
    return out


# --- database checks beyond plain references ------------------------------------------------------
def _fktp_only(
    column: str, what: str
) -> Callable[[Connection, dict[str, list[Any]], int], list[tuple[int, str, str]]]:
    def check(conn: Connection, cols: dict[str, list[Any]], n: int) -> list[tuple[int, str, str]]:
        levels = _lookup(conn, "facilities", "code", {v for v in cols[column] if _ok(v)}, ("level",))
        out = []
        for i, v in enumerate(cols[column]):
            if _ok(v) and v in levels and levels[v][0] != "FKTP":
                out.append((i, column, f"facility '{v}' is {levels[v][0]}; {what} must be an FKTP facility"))
        return out

    return check


def _db_check_contributions(
    conn: Connection, cols: dict[str, list[Any]], n: int
) -> list[tuple[int, str, str]]:
    segments = _lookup(conn, "families", "id", {v for v in cols["family_id"] if _ok(v)}, ("segment",))
    out = []
    for i, v in enumerate(cols["family_id"]):
        if _ok(v) and v in segments and segments[v][0] not in SELF_PAYING_SEGMENTS:
            out.append(
                (
                    i,
                    "family_id",
                    f"family {v} is segment {segments[v][0]}; the contributions ledger holds only "
                    f"self-paying families ({', '.join(SELF_PAYING_SEGMENTS)})",
                )
            )
    return out


def _db_check_targets(conn: Connection, cols: dict[str, list[Any]], n: int) -> list[tuple[int, str, str]]:
    out = []
    for level, table in (("region", "regions"), ("branch", "branches")):
        idx = [i for i in range(n) if cols["level"][i] == level and _ok(cols["code"][i]) and cols["code"][i]]
        known = _lookup(conn, table, "code", {cols["code"][i] for i in idx})
        for i in idx:
            if cols["code"][i] not in known:
                out.append((i, "code", f"unknown {level} code '{cols['code'][i]}': not in {table}.code"))
    return out


def _db_check_participants(
    conn: Connection, cols: dict[str, list[Any]], n: int
) -> list[tuple[int, str, str]]:
    return _fktp_only("fktp_code", "fktp_code")(conn, cols, n)


# --- the specs ------------------------------------------------------------------------------------
_REGENCY = Field("regency_code", "text", "Kabupaten/kota code", "16.71", refs="regencies.code")
_BRANCH = Field("branch_code", "text", "Kantor Cabang code", "0301", refs="branches.code")
_FACILITY = Field("facility_code", "text", "facility code", "0301F001", refs="facilities.code")
_SEGMENT = Field("segment", "text", "membership segment", "PBPU", choices=SEGMENTS)
_KELAS = Field("kelas", "int", "care class", "3", min=1, max=3)
_PERIOD_PAST = dict(kind="period", not_future=True)

_SPEC_LIST = [
    TableSpec(
        name="participants",
        description="One row per participant (peserta). Families that do not exist yet are created "
        "from the participant rows (see the family rule).",
        key=("id",),
        fields=(
            Field("id", "int", "participant number (natural key)", "900000001", min=0),
            Field(
                "nik",
                "text",
                "NIK (national identity number)",
                "1671010101900001",
                pattern=r"\d{16}",
                pattern_hint="exactly 16 digits (format the Excel column as Text)",
            ),
            Field("name", "text", "full name", "Siti Aminah"),
            Field(
                "family_id",
                "int",
                "family (Kartu Keluarga) id: an existing family or one created by this file",
                "500000001",
                min=0,
            ),
            _SEGMENT,
            _KELAS,
            Field("sex", "text", "L = laki-laki, P = perempuan", "P", choices=("L", "P")),
            Field(
                "birth_date",
                "date",
                "date of birth",
                "1990-01-01",
                not_future=True,
                min_date=dt.date(1900, 1, 1),
            ),
            _REGENCY,
            _BRANCH,
            Field(
                "fktp_code",
                "text",
                "registered primary-care facility (FKTP)",
                "0301F001",
                refs="facilities.code",
            ),
            Field(
                "registered_on",
                "date",
                "date of registration in JKN",
                "2020-03-15",
                not_future=True,
                min_date=dt.date(1900, 1, 1),
            ),
            Field(
                "registered_period",
                "period",
                "month of registered_on; derived when empty",
                "202003",
                required=False,
                derived_from="registered_on",
            ),
            Field(
                "status",
                "text",
                "status as of the last month",
                "aktif",
                required=False,
                default="aktif",
                choices=STATUSES,
            ),
            Field(
                "weight",
                "int",
                "people this row stands for (real data: 1)",
                "1",
                required=False,
                default=1,
                min=1,
            ),
            Field(
                "auto_debit",
                "bool",
                "family pays by auto-debit; used only when this row creates its family",
                "false",
                required=False,
                default=False,
                db=False,
            ),
        ),
        rules=(
            "`registered_period`, when given, equals the month of `registered_on`; when empty it is derived.",
            "`fktp_code` must be an FKTP facility (level `FKTP`).",
            "Families: see *The family rule* below.",
        ),
        check=_check_participants,
        db_check=_db_check_participants,
    ),
    TableSpec(
        name="contributions",
        description="The monthly iuran ledger of self-paying families (PBPU, BP): one row per family "
        "and billing month. The families must already exist.",
        key=("family_id", "period"),
        fields=(
            Field("family_id", "int", "family id", "500000001", refs="families.id"),
            Field("period", description="billing month", example="202412", **_PERIOD_PAST),
            Field("billed", "money", "amount billed for the month", "35000", min=0),
            Field("paid", "money", "amount paid for the bill", "35000", required=False, default=0, min=0),
            Field(
                "paid_date",
                "date",
                "date of payment; empty when unpaid",
                "2024-12-10",
                required=False,
                not_future=True,
                min_date=dt.date(2000, 1, 1),
            ),
            Field(
                "paid_period",
                "period",
                "month of paid_date; derived when empty",
                "202412",
                required=False,
                derived_from="paid_date",
            ),
        ),
        rules=(
            "The family must exist and be self-paying (segment `PBPU` or `BP`).",
            "`paid_date` is not before the first day of the billing month `period`.",
            "`paid` > 0 needs a `paid_date`.",
            "`paid_period`, when given, equals the month of `paid_date` (and is empty without one); "
            "when empty it is derived.",
        ),
        check=_check_contributions,
        db_check=_db_check_contributions,
    ),
    TableSpec(
        name="facilities",
        description="Health facilities (FKTP and FKRTL) with their contract.",
        key=("code",),
        fields=(
            Field("code", "text", "facility code (natural key)", "0301F001"),
            Field("name", "text", "facility name", "Puskesmas Sukarami"),
            Field("level", "text", "FKTP (primary) or FKRTL (referral)", "FKTP", choices=("FKTP", "FKRTL")),
            Field("type", "text", "facility type", "puskesmas", choices=FKTP_TYPES + FKRTL_TYPES),
            Field("ownership", "text", "owner", "pemerintah", choices=("pemerintah", "swasta", "tni_polri")),
            Field(
                "accreditation",
                "text",
                "accreditation status",
                "utama",
                choices=("paripurna", "utama", "madya", "dasar", "belum"),
            ),
            Field("doctors", "int", "general practitioners", "3", min=0),
            Field("dentists", "int", "dentists", "1", required=False, default=0, min=0),
            _REGENCY,
            _BRANCH,
            Field(
                "contract_start",
                "date",
                "start of the current contract",
                "2024-01-01",
                min_date=dt.date(2000, 1, 1),
            ),
            Field(
                "contract_end",
                "date",
                "end of the current contract (may be in the future)",
                "2024-12-31",
                min_date=dt.date(2000, 1, 1),
            ),
            Field("renewals", "int", "contract renewals so far", "4", required=False, default=0, min=0),
            Field(
                "capitation_rate",
                "money",
                "capitation Rp per participant per month (FKTP)",
                "6000",
                required=False,
                default=0,
                min=0,
                max=100_000,
            ),
        ),
        rules=(
            "`contract_start` <= `contract_end` (both may lie in the future: contracts are signed ahead).",
            "`type` matches `level`: FKTP types are "
            + ", ".join(f"`{t}`" for t in FKTP_TYPES)
            + "; FKRTL types are "
            + ", ".join(f"`{t}`" for t in FKRTL_TYPES)
            + ".",
        ),
        check=_check_facilities,
    ),
    TableSpec(
        name="facility_months",
        description="Monthly facts per FKTP: registered participants, capitation paid, KBK indicators.",
        key=("facility_code", "period"),
        fields=(
            _FACILITY,
            Field("period", description="month", example="202412", **_PERIOD_PAST),
            Field("registered", "int", "participants registered at the FKTP", "8500", min=0),
            Field("capitation_paid", "money", "capitation paid for the month", "49725000", min=0),
            Field(
                "contact_rate_pm", "float", "Angka Kontak, per mil (target >= 150)", "162.5", min=0, max=1000
            ),
            Field(
                "rrns_pct", "float", "non-specialist referral ratio % (target <= 2)", "1.4", min=0, max=100
            ),
            Field("rppt_pct", "float", "controlled Prolanis ratio % (target >= 5)", "6.2", min=0, max=100),
            Field("kbk_pct", "float", "share of capitation paid after KBK %", "97.5", min=0, max=100),
        ),
        rules=("`facility_code` must be an FKTP facility.",),
        db_check=_fktp_only("facility_code", "facility_code"),
    ),
    TableSpec(
        name="population",
        description="Population per regency and year (projections for future years are allowed).",
        key=("regency_code", "year"),
        fields=(
            _REGENCY,
            Field("year", "int", "year", "2024", min=1990, max=2100),
            Field("population", "int", "inhabitants", "1772492", min=0),
        ),
    ),
    TableSpec(
        name="targets",
        description="KPI targets per year, nationally or per region / branch.",
        key=("kpi", "level", "code", "year"),
        fields=(
            Field(
                "kpi",
                "text",
                "KPI name, e.g. coverage_pct, collectability_pct",
                "coverage_pct",
                pattern=r"[a-z][a-z0-9_]*",
                pattern_hint="lower-case letters, digits and _",
            ),
            Field(
                "level",
                "text",
                "national, region or branch",
                "national",
                choices=("national", "region", "branch"),
            ),
            Field(
                "code",
                "text",
                "region code (level region), branch code (level branch), empty (national)",
                "",
                required=False,
                default="",
            ),
            Field("year", "int", "target year (future years allowed)", "2025", min=2014, max=2100),
            Field("target", "float", "target value (percentages in 0..100)", "98", min=0),
        ),
        rules=(
            "`code` is empty for level `national`; for `region` it must exist in `regions.code`, "
            "for `branch` in `branches.code`.",
            "A KPI whose name ends in `_pct` has a target of at most 100.",
        ),
        check=_check_targets,
        db_check=_db_check_targets,
    ),
    TableSpec(
        name="sif_loans",
        description="Booked SIF (Supply Infrastructure Financing) loans to FKTP.",
        key=("loan_ref",),
        fields=(
            Field("loan_ref", "text", "the bank's loan reference (natural key)", "SIF-2023-0001"),
            _FACILITY,
            Field("bank", "text", "lending bank", "Bank Mandiri"),
            Field("start_period", description="first month of the loan", example="202301", **_PERIOD_PAST),
            Field("amount", "money", "principal", "250000000", min=1),
            Field("tenor_months", "int", "tenor in months", "24", min=1, max=120),
            Field("rate_pct", "float", "annual interest rate %", "9.5", min=0, max=50),
            Field("defaulted", "bool", "the loan defaulted", "false", required=False, default=False),
            Field(
                "default_period",
                "period",
                "month of default; empty unless defaulted",
                "",
                required=False,
                not_future=True,
            ),
            Field(
                "days_past_due", "int", "days past due now", "0", required=False, default=0, min=0, max=3650
            ),
        ),
        rules=(
            "`facility_code` must be an FKTP facility.",
            "`defaulted` = true needs a `default_period`, which is not before `start_period`; "
            "`default_period` stays empty when `defaulted` is false.",
        ),
        check=_check_sif_loans,
        db_check=_fktp_only("facility_code", "facility_code"),
    ),
]

SPECS: dict[str, TableSpec] = {s.name: _finish(s) for s in _SPEC_LIST}
TABLES: tuple[str, ...] = tuple(SPECS)


# =================================================================================================
# Templates and docs
# =================================================================================================
def template_bytes(table: str) -> bytes:
    """Template CSV (UTF-8, comma separated): the header and one example row."""
    spec = _spec(table)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(spec.columns)
    writer.writerow([f.example for f in spec.fields])
    return buf.getvalue().encode("utf-8")


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_docs() -> str:
    """The generated part of docs/imports.md: one section per table."""
    lines: list[str] = []
    for spec in SPECS.values():
        lines += [
            f"### `{spec.name}`",
            "",
            spec.description,
            "",
            f"Natural key: {', '.join(f'`{k}`' for k in spec.key)}. "
            f"Template: `jkn_core/templates/{spec.name}.csv`.",
            "",
            "| column | type | required | allowed values / range | meaning | example |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for f in spec.fields:
            lines.append(
                f"| `{f.name}` | {f.type_label()} | {f.required_label()} | {_md(f.allowed_label())} | "
                f"{_md(f.description)} | {('`' + f.example + '`') if f.example else ''} |"
            )
        if spec.rules:
            lines += ["", "Rules:", ""] + [f"- {r}" for r in spec.rules]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_docs_and_templates(docs_path: Path = DOCS_PATH, templates_dir: Path = TEMPLATES_DIR) -> None:
    """Rewrite the templates and the generated section of docs/imports.md from :data:`SPECS`."""
    templates_dir.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        (templates_dir / f"{table}.csv").write_bytes(template_bytes(table))
    text = docs_path.read_text(encoding="utf-8") if docs_path.exists() else f"{DOCS_BEGIN}\n{DOCS_END}\n"
    head, _, rest = text.partition(DOCS_BEGIN)
    _, _, tail = rest.partition(DOCS_END)
    docs_path.write_text(f"{head}{DOCS_BEGIN}\n\n{render_docs()}\n{DOCS_END}{tail}", encoding="utf-8")


# =================================================================================================
# Reading a file into text cells
# =================================================================================================
class _Bad:
    """Marker of a cell that failed validation (distinct from None = empty)."""

    def __repr__(self) -> str:  # pragma: no cover
        return "<bad>"


_BAD: Any = _Bad()


def _ok(v: Any) -> bool:
    return v is not None and v is not _BAD


@dataclass
class _Raw:
    header: list[str]
    header_row: int
    rows: list[list[str]]  # data rows (blank rows dropped), cells stripped
    rownums: list[int]  # row number of each data row as the user sees it
    decimal_comma: bool = False
    mojibake: bool = False  # decoded with replacement characters (file not UTF-8)


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"SQLite format 3\x00", "a SQLite database"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"BM", None),  # too short to trust alone; NUL test below decides
)


def _read_input(path_or_bytes: Any, filename: str | None) -> tuple[bytes, str]:
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(path_or_bytes), filename or "upload"
    if isinstance(path_or_bytes, (str, os.PathLike)):
        path = Path(path_or_bytes)
        return path.read_bytes(), filename or path.name
    if hasattr(path_or_bytes, "getvalue"):  # BytesIO, Streamlit UploadedFile
        return bytes(path_or_bytes.getvalue()), filename or getattr(path_or_bytes, "name", "upload")
    if hasattr(path_or_bytes, "read"):
        return bytes(path_or_bytes.read()), filename or getattr(path_or_bytes, "name", "upload")
    raise TypeError(f"cannot read a file from {type(path_or_bytes).__name__}")


def _read(data: bytes, filename: str, table: str) -> tuple[_Raw | None, list[Problem]]:
    """Bytes -> header and text cells, or the file-level problems that stop reading."""
    suffix = Path(filename).suffix.lower()
    if not data.strip() or data.strip() in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        return None, [Problem(None, None, "the file is empty")]
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return None, [
            Problem(
                None, None, "this is an old Excel 97-2003 (.xls) workbook; save it as .xlsx or as CSV UTF-8"
            )
        ]
    if data.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(data, filename, table)
    for magic, what in _MAGIC:
        if what and data.startswith(magic):
            return None, [Problem(None, None, f"{filename} is not a CSV or Excel (.xlsx) file: it is {what}")]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:2000].count(b"\x00") > 10 and _looks_utf16(data):
        return None, [
            Problem(
                None, None, "the file is UTF-16 text (Excel 'Unicode Text'); save it as 'CSV UTF-8' instead"
            )
        ]
    if b"\x00" in data[:65536]:
        return None, [
            Problem(None, None, f"{filename} is not a CSV or Excel (.xlsx) file: it is binary data")
        ]
    return _read_csv(data)


def _looks_utf16(data: bytes) -> bool:
    head = data[:2000]
    return head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4


def _read_csv(data: bytes) -> tuple[_Raw | None, list[Problem]]:
    problems: list[Problem] = []
    mojibake = False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1]
        row = data[: exc.start].count(b"\n") + 1
        guess = bad.decode("cp1252", errors="replace")
        problems.append(
            Problem(
                row,
                None,
                f"the file is not UTF-8 encoded: byte 0x{bad.hex()} (probably '{guess}' in Windows-1252/Latin-1) "
                "cannot be read; save the file as 'CSV UTF-8' and import it again",
            )
        )
        text = data.decode("utf-8-sig", errors="replace")
        mojibake = True
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    sep = max((";", ",", "\t"), key=lambda s: (first.count(s), s == ","))
    if first.count(sep) == 0:
        sep = ","
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    try:
        for rec in reader:
            records.append([c.strip() for c in rec])
    except csv.Error as exc:
        problems.append(Problem(len(records) + 1, None, f"the file is not valid CSV here: {exc}"))
        return None, problems
    raw, more = _to_raw(records, decimal_comma=(sep == ";"))
    if raw is not None:
        raw.mojibake = mojibake
    return raw, problems + more


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).strip()


def _read_xlsx(data: bytes, filename: str, table: str) -> tuple[_Raw | None, list[Problem]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if "xl/workbook.xml" not in zf.namelist():
                return None, [
                    Problem(None, None, f"{filename} is a ZIP archive but not an Excel (.xlsx) workbook")
                ]
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means "not a readable workbook"
        return None, [Problem(None, None, f"{filename} is not a readable Excel (.xlsx) workbook ({exc})")]
    try:
        ws = wb[table] if table in wb.sheetnames else wb.worksheets[0]
        records = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    return _to_raw(records, decimal_comma=False)


def _to_raw(records: list[list[str]], decimal_comma: bool) -> tuple[_Raw | None, list[Problem]]:
    nonblank = [i for i, rec in enumerate(records) if any(rec)]
    if not nonblank:
        return None, [Problem(None, None, "the file is empty")]
    h = nonblank[0]
    header = list(records[h])
    while header and not header[-1]:
        header.pop()
    rows, rownums = [], []
    for i in nonblank[1:]:
        rows.append(records[i])
        rownums.append(i + 1)
    if not rows:
        return None, [Problem(None, None, "the file has a header row but no data rows")]
    return _Raw(header=header, header_row=h + 1, rows=rows, rownums=rownums, decimal_comma=decimal_comma), []


# =================================================================================================
# Validation
# =================================================================================================
def _norm_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").strip().lower())


def _q(s: str) -> str:
    return repr(s if len(s) <= 40 else s[:37] + "...")


_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_FLOAT_COMMA_RE = re.compile(r"[+-]?\d+,\d+")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BOOLS = {
    "true": True, "false": False, "1": True, "0": False, "yes": True, "no": False,
    "ya": True, "tidak": False, "y": True, "n": False, "t": True, "f": False,
}  # fmt: skip


class _Invalid(ValueError):
    pass


def _converter(f: Field, decimal_comma: bool, today: dt.date) -> Callable[[str], Any]:
    """A function text -> value raising _Invalid(reason) for the field's kind and constraints."""
    pattern = re.compile(f.pattern) if f.pattern else None
    current = months.of_date(today)
    choices = set(f.choices)

    def parse(s: str) -> Any:
        k = f.kind
        if k == "text":
            v: Any = s
        elif k in ("int", "money", "period"):
            if not _INT_RE.fullmatch(s):
                if k == "period":
                    raise _Invalid(f"{_q(s)} is not a valid month; use YYYYMM, e.g. 202412")
                raise _Invalid(
                    f"{_q(s)} is not a whole number (use digits only, no decimals or thousands separators)"
                )
            v = int(s)
            if k == "period" and not (190001 <= v <= 210012 and 1 <= v % 100 <= 12):
                raise _Invalid(f"{_q(s)} is not a valid month; use YYYYMM, e.g. 202412")
        elif k == "float":
            if decimal_comma and _FLOAT_COMMA_RE.fullmatch(s):
                s = s.replace(",", ".")
            if not _FLOAT_RE.fullmatch(s):
                raise _Invalid(f"{_q(s)} is not a number")
            v = float(s)
        elif k == "date":
            if not _DATE_RE.fullmatch(s):
                raise _Invalid(f"{_q(s)} is not a date; use YYYY-MM-DD")
            try:
                v = dt.date.fromisoformat(s)
            except ValueError:
                raise _Invalid(f"{_q(s)} is not a valid calendar date") from None
        elif k == "bool":
            b = _BOOLS.get(s.lower())
            if b is None:
                raise _Invalid(f"{_q(s)} is not true/false (use true, false, 1, 0, ya or tidak)")
            v = b
        else:  # pragma: no cover
            raise AssertionError(k)
        # constraints
        if choices and v not in choices:
            raise _Invalid(f"{_q(s)} is not allowed; use one of: {', '.join(map(str, f.choices))}")
        if f.max_len is not None and isinstance(v, str) and len(v) > f.max_len:
            raise _Invalid(f"{_q(s)} is longer than {f.max_len} characters")
        if pattern is not None and not pattern.fullmatch(v):
            raise _Invalid(f"{_q(s)} is not valid: {f.pattern_hint}")
        if f.min is not None and v < f.min:
            if k == "money" and v < 0:
                raise _Invalid(f"negative amount {v}; amounts must be >= 0")
            raise _Invalid(f"{s} is below the minimum {_num(f.min)}")
        if f.max is not None and v > f.max:
            raise _Invalid(f"{s} is above the maximum {_num(f.max)}")
        if f.min_date is not None and k == "date" and v < f.min_date:
            raise _Invalid(f"{v.isoformat()} is before {f.min_date.isoformat()}")
        if f.not_future:
            if k == "date" and v > today:
                raise _Invalid(f"{v.isoformat()} is in the future (today is {today.isoformat()})")
            if k == "period" and v > current:
                raise _Invalid(f"{v} is in the future (the current month is {current})")
        return v

    return parse


@dataclass
class _Parsed:
    spec: TableSpec
    cols: dict[str, list[Any]]  # every spec column; None = empty, _BAD = invalid
    rownums: list[int]
    problems: list[Problem]

    @property
    def n(self) -> int:
        return len(self.rownums)


def _validate_file(spec: TableSpec, raw: _Raw, today: dt.date) -> _Parsed:
    problems: list[Problem] = []
    n = len(raw.rows)
    hr = raw.header_row
    known = set(spec.columns)

    # --- header
    index: dict[str, int] = {}
    for j, name in enumerate(raw.header):
        norm = _norm_header(name)
        if not norm:
            if any(j < len(r) and r[j] for r in raw.rows):
                problems.append(
                    Problem(hr, f"#{j + 1}", f"column {j + 1} has values but no name in the header")
                )
            continue
        if norm not in known:
            problems.append(
                Problem(
                    hr,
                    name,
                    f"unknown column {name!r}; the columns of {spec.name} are: {', '.join(spec.columns)}",
                )
            )
            index.setdefault(norm, -1)
            continue
        if norm in index:
            problems.append(Problem(hr, norm, f"column {norm!r} appears more than once in the header"))
            continue
        index[norm] = j
    for f in spec.fields:
        if f.required and index.get(f.name, -1) < 0:
            problems.append(Problem(hr, f.name, "required column is missing"))

    # --- row shape
    width = len(raw.header)
    bad_rows: set[int] = set()
    for i, rec in enumerate(raw.rows):
        used = len(rec)
        while used > width and not rec[used - 1]:
            used -= 1  # empty trailing cells (e.g. Excel formatting) are harmless
        if used != width:
            problems.append(
                Problem(raw.rownums[i], None, f"the row has {used} values but the header has {width} columns")
            )
            bad_rows.add(i)

    # --- cells
    cols: dict[str, list[Any]] = {}
    for f in spec.fields:
        j = index.get(f.name, -1)
        if j < 0:
            cols[f.name] = [_BAD if f.required else f.default] * n
            continue
        conv = _converter(f, raw.decimal_comma, today)
        values: list[Any] = [None] * n
        for i, rec in enumerate(raw.rows):
            if i in bad_rows:
                values[i] = _BAD
                continue
            s = rec[j] if j < len(rec) else ""
            if raw.mojibake and "\ufffd" in s:
                problems.append(
                    Problem(raw.rownums[i], f.name, "contains characters that are not UTF-8 (file encoding)")
                )
                values[i] = _BAD
                continue
            if s == "":
                if f.required:
                    problems.append(Problem(raw.rownums[i], f.name, "required value is empty"))
                    values[i] = _BAD
                else:
                    values[i] = f.default
                continue
            try:
                values[i] = conv(s)
            except _Invalid as exc:
                problems.append(Problem(raw.rownums[i], f.name, str(exc)))
                values[i] = _BAD
        cols[f.name] = values

    # --- duplicates on the natural key
    key_label = ", ".join(spec.key)
    first_seen: dict[tuple[Any, ...], int] = {}
    key_cols = [cols[k] for k in spec.key]
    for i in range(n):
        key = tuple(c[i] for c in key_cols)
        if any(v is _BAD for v in key):
            continue
        if key in first_seen:
            shown = ", ".join(
                f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in zip(spec.key, key, strict=True)
            )
            problems.append(
                Problem(
                    raw.rownums[i],
                    key_label,
                    f"duplicate key ({shown}): same as row {raw.rownums[first_seen[key]]}",
                )
            )
        else:
            first_seen[key] = i

    # --- cross-field checks
    if spec.check is not None:
        for i, col, reason in spec.check(cols, n):
            problems.append(Problem(raw.rownums[i], col, reason))
    return _Parsed(spec=spec, cols=cols, rownums=raw.rownums, problems=problems)


# =================================================================================================
# Database access
# =================================================================================================
def _max_params(conn: Connection) -> int:
    if conn.dialect.name == "sqlite":
        return 30_000 if sqlite3.sqlite_version_info >= (3, 32) else 900
    return 30_000


def _in(conn: Connection, column: Any, values: list[Any]) -> Any:
    """``column IN values``: one array parameter on PostgreSQL (``= ANY``), a plain IN elsewhere."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def _lookup(
    conn: Connection, table: str, column: str, values: set[Any] | list[Any], extra: Sequence[str] = ()
) -> dict[Any, tuple[Any, ...]]:
    """Rows of ``table`` whose ``column`` is in ``values``: {value: (extra columns...)}."""
    t = Base.metadata.tables[table]
    values = sorted(values)
    per = _max_params(conn)
    out: dict[Any, tuple[Any, ...]] = {}
    for start in range(0, len(values), per):
        chunk = values[start : start + per]
        stmt = select(t.c[column], *[t.c[c] for c in extra]).where(_in(conn, t.c[column], chunk))
        for row in conn.execute(stmt):
            out[row[0]] = tuple(row[1:])
    return out


def _db_checks(conn: Connection, parsed: _Parsed) -> list[Problem]:
    spec, cols = parsed.spec, parsed.cols
    found: list[tuple[int, str, str]] = []
    for f in spec.fields:
        if not f.refs:
            continue
        table, column = f.refs.split(".")
        known = _lookup(conn, table, column, {v for v in cols[f.name] if _ok(v)})
        for i, v in enumerate(cols[f.name]):
            if _ok(v) and v not in known:
                shown = repr(v) if isinstance(v, str) else str(v)
                found.append((i, f.name, f"unknown {f.name} {shown}: it does not exist in {f.refs}"))
    if spec.db_check is not None:
        found += spec.db_check(conn, cols, parsed.n)
    return [Problem(parsed.rownums[i], col, reason) for i, col, reason in found]


def _existing_rows(
    conn: Connection, table: str, key: Sequence[str], columns: Sequence[str], keys: list[tuple[Any, ...]]
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Existing rows by natural key: {key: (columns...)} for the keys present in the database.

    A composite key is matched per column (``a IN (...) AND b IN (...)``, a superset filtered here):
    portable, index-friendly, and free of huge row-value lists that PostgreSQL's parser rejects.
    """
    t = Base.metadata.tables[table]
    kcols = [t.c[k] for k in key]
    per = max(1, _max_params(conn) // len(key))
    wanted = set(keys)
    out: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for start in range(0, len(keys), per):
        chunk = keys[start : start + per]
        conds = [_in(conn, col, sorted({k[j] for k in chunk})) for j, col in enumerate(kcols)]
        for row in conn.execute(select(*kcols, *[t.c[c] for c in columns]).where(*conds)):
            k = tuple(row[: len(key)])
            if k in wanted:
                out[k] = tuple(row[len(key) :])
    return out


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return float(a) == float(b)
    if isinstance(a, dt.datetime) and not isinstance(b, dt.datetime):
        a = a.date()
    return a == b


def _writer(
    conn: Connection, table: str, key: Sequence[str], columns: Sequence[str]
) -> Callable[[list[dict]], None]:
    """An upsert of rows (dicts) by natural key: INSERT ... ON CONFLICT (key) DO UPDATE."""
    t = Base.metadata.tables[table]
    dialect = conn.dialect.name
    update_cols = [c for c in columns if c not in key]
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(t)
        if update_cols:
            stmt = stmt.on_conflict_do_update(
                index_elements=list(key), set_={c: stmt.excluded[c] for c in update_cols}
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(key))

        def write(rows: list[dict]) -> None:
            if rows:
                conn.execute(stmt, rows)

        return write

    # other databases: the rows are already classified, so insert the new ones and update the rest
    upd = (
        update(t)
        .where(*[t.c[k] == bindparam(f"k_{k}") for k in key])
        .values({c: bindparam(f"v_{c}") for c in update_cols})
    )

    def write_generic(rows: list[dict]) -> None:  # pragma: no cover - only non SQLite/PostgreSQL
        if not rows:
            return
        found = _existing_rows(conn, table, key, [], [tuple(r[k] for k in key) for r in rows])
        new = [r for r in rows if tuple(r[k] for k in key) not in found]
        old = [r for r in rows if tuple(r[k] for k in key) in found]
        if new:
            conn.execute(t.insert(), new)
        if old and update_cols:
            conn.execute(
                upd, [{**{f"k_{k}": r[k] for k in key}, **{f"v_{c}": r[c] for c in update_cols}} for r in old]
            )

    return write_generic


# =================================================================================================
# The family rule (participants)
# =================================================================================================
def _new_families(conn: Connection, parsed: _Parsed) -> list[dict[str, Any]]:
    """Families referenced by a participants file that do not exist yet, built from their rows.

    The first row of a family in the file (its head) gives segment, kelas, regency_code,
    branch_code, weight, auto_debit and head_birth_year (year of birth_date); registered_on is the
    earliest registered_on of its rows; members is the number of its rows; arrears_before_months is 0.
    Existing families are never changed by a participants import.
    """
    cols = parsed.cols
    ids = cols["family_id"]
    existing = _lookup(conn, "families", "id", set(ids))
    fams: dict[int, dict[str, Any]] = {}
    for i, fid in enumerate(ids):
        if fid in existing:
            continue
        fam = fams.get(fid)
        if fam is None:
            fams[fid] = {
                "id": fid,
                "segment": cols["segment"][i],
                "kelas": cols["kelas"][i],
                "members": 1,
                "regency_code": cols["regency_code"][i],
                "branch_code": cols["branch_code"][i],
                "registered_on": cols["registered_on"][i],
                "auto_debit": bool(cols["auto_debit"][i]),
                "head_birth_year": cols["birth_date"][i].year,
                "arrears_before_months": 0,
                "weight": cols["weight"][i],
            }
        else:
            fam["members"] += 1
            fam["registered_on"] = min(fam["registered_on"], cols["registered_on"][i])
    return list(fams.values())


# =================================================================================================
# Import
# =================================================================================================
def _spec(table: str) -> TableSpec:
    try:
        return SPECS[table]
    except KeyError:
        raise ValueError(f"unknown import table {table!r}; expected one of {', '.join(TABLES)}") from None


def _sorted(problems: list[Problem], spec: TableSpec) -> list[Problem]:
    order = {c: k for k, c in enumerate(spec.columns)}
    return sorted(problems, key=lambda p: (p.row or 0, p.row is not None, order.get(p.column or "", -1)))


def import_file(
    engine: Engine,
    scope: Scope,
    table: str,
    path_or_bytes: Any,
    filename: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], Any] | None = None,
    chunk_rows: int = 50_000,
    today: dt.date | None = None,
) -> ImportReport:
    """Validate a CSV/Excel file and upsert it into ``table`` by natural key, in one transaction.

    ``path_or_bytes``: a path, bytes, or a file-like object (e.g. a Streamlit ``UploadedFile``);
    ``filename`` tells the format when bytes are given (``.xlsx`` or anything else for CSV; the
    content is sniffed too). Only the ``admin`` role may import (``ScopeError`` otherwise). With any
    problem nothing is written and ``report.ok`` is False. ``dry_run`` validates and counts
    inserted / updated / unchanged rows without writing. ``progress(done_rows, total_rows)`` is
    called after each chunk of ``chunk_rows`` rows.
    """
    if scope.role != "admin":
        raise ScopeError(f"role {scope.role} may not import data; only admin may")
    spec = _spec(table)
    today = today or dt.date.today()
    try:
        data, filename = _read_input(path_or_bytes, filename)
    except OSError as exc:
        return ImportReport(
            table=table,
            problems=[Problem(None, None, f"cannot read the file: {exc}")],
            dry_run=dry_run,
            filename=str(filename or path_or_bytes),
        )
    report = ImportReport(table=table, dry_run=dry_run, filename=filename)

    raw, problems = _read(data, filename, table)
    if raw is None:
        report.problems = problems
        return report
    report.rows_in_file = len(raw.rows)
    parsed = _validate_file(spec, raw, today)
    problems += parsed.problems

    n = parsed.n
    total = n
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            problems += _db_checks(conn, parsed)
            if problems:
                report.problems = _sorted(problems, spec)
                tx.rollback()
                return report

            families = _new_families(conn, parsed) if table == "participants" else []
            report.families_created = len(families)
            if families and not dry_run:
                fam_cols = list(families[0])
                write_fam = _writer(conn, "families", ("id",), fam_cols)
                for start in range(0, len(families), chunk_rows):
                    write_fam(families[start : start + chunk_rows])

            columns = spec.db_columns
            key = spec.key
            compare = [c for c in columns if c not in key]
            write = _writer(conn, table, key, columns)
            touched: set[Any] = set()  # what locates the changed rows' branches (see _touched_branches)
            if progress:
                progress(0, total)
            for start in range(0, n, chunk_rows):
                stop = min(start + chunk_rows, n)
                rows = [{c: parsed.cols[c][i] for c in columns} for i in range(start, stop)]
                keys = [tuple(r[k] for k in key) for r in rows]
                existing = _existing_rows(conn, table, key, compare, keys)
                changed = []
                for r, k in zip(rows, keys, strict=True):
                    old = existing.get(k)
                    if old is None:
                        report.inserted += 1
                        changed.append(r)
                    elif all(_same(r[c], o) for c, o in zip(compare, old, strict=True)):
                        report.unchanged += 1
                    else:
                        report.updated += 1
                        changed.append(r)
                if not dry_run:
                    write(changed)
                    touched |= _touched(table, compare, changed, [existing.get(tuple(r[k] for k in key))
                                                                  for r in changed])
                if progress:
                    progress(stop, total)
            if dry_run:
                tx.rollback()
            else:
                branches = _touched_branches(conn, table, touched)
                _audit(conn, scope, report)  # in the same transaction: data and audit row land together
                tx.commit()
        except BaseException:
            if tx.is_active:
                tx.rollback()
            raise
    report.ok = True
    if not dry_run and engine.dialect.name == "postgresql" and report.inserted + report.updated >= ANALYZE_AFTER_ROWS:
        # fresh planner statistics before the refresh hooks query the table (autovacuum may be minutes away)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"ANALYZE {table}")
    if not dry_run:
        for hook in list(hooks.AFTER_IMPORT_HOOKS):  # a failing hook is logged and reported
            try:
                if _takes_branches(hook):
                    hook(engine, table, branches)
                else:
                    hook(engine, table)
            except Exception as exc:  # noqa: BLE001 - the import is committed; report, don't fail
                logger.exception("after-import hook %r failed", hook)
                report.warnings.append(f"refresh hook {getattr(hook, '__name__', hook)!s} failed: {exc}")
    return report


def _touched(
    table: str, compare: Sequence[str], changed: list[dict[str, Any]], old: list[tuple[Any, ...] | None]
) -> set[Any]:
    """What locates the branches of a chunk's changed rows (inserted or updated; ``old``: their previous
    values of ``compare``, None for new rows): branch codes for participants and facilities (an updated
    row's old branch too, should it have moved), family ids for contributions, facility codes for
    facility_months; nothing for the other tables."""
    if table in ("participants", "facilities"):
        i = list(compare).index("branch_code")
        return {r["branch_code"] for r in changed} | {o[i] for o in old if o is not None}
    if table == "contributions":
        return {r["family_id"] for r in changed}
    if table == "facility_months":
        return {r["facility_code"] for r in changed}
    return set()


def _touched_branches(conn: Connection, table: str, touched: set[Any]) -> set[str] | None:
    """Branch codes whose rows an import changed, for the refresh hooks; None for tables without a branch.

    contributions: the families' branch; facility_months: the facilities' branch.
    """
    if table in ("participants", "facilities"):
        return set(touched)
    if table == "contributions":
        return {b for (b,) in _lookup(conn, "families", "id", touched, ("branch_code",)).values()}
    if table == "facility_months":
        return {b for (b,) in _lookup(conn, "facilities", "code", touched, ("branch_code",)).values()}
    return None


def _takes_branches(hook: Callable[..., Any]) -> bool:
    """True when ``hook`` accepts ``(engine, table, branches)``; older hooks take ``(engine, table)``."""
    try:
        inspect.signature(hook).bind(None, None, None)
    except (TypeError, ValueError):
        return False
    return True


def _audit(conn: Connection, scope: Scope, report: ImportReport) -> None:
    """One ``audit_log`` row (action ``import``) inside the import's transaction.

    Uses ``jkn_core.access.audit`` when it can be imported, else inserts the row directly.
    """
    detail = {
        "table": report.table,
        "file": report.filename,
        "rows": report.rows_in_file,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "families_created": report.families_created,
    }
    try:
        from jkn_core.audit import audit
    except ImportError:
        audit = None
    if audit is not None:
        audit(conn, scope, "import", detail)
        return
    conn.execute(
        AuditLog.__table__.insert().values(
            at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            username=scope.username,
            action="import",
            scope=scope.describe(),
            detail=json.dumps(detail),
        )
    )


if __name__ == "__main__":  # pragma: no cover
    if "--write-docs" in sys.argv[1:]:
        write_docs_and_templates()
        print(f"wrote {DOCS_PATH} and {TEMPLATES_DIR}/*.csv")
    else:
        print("usage: python -m jkn_core.imports --write-docs   (imports: python -m jkn_core import ...)")
