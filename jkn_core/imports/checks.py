"""The rules of an import that span columns or need the database, each with its message.

:class:`RowRule` is a cross-column rule of one table (e.g. ``contract_end`` not before ``contract_start``),
run by pandera as a dataframe check; :class:`DbRule` checks codes against the database (e.g. a facility
must be an FKTP). Both work on the *typed frame* of a file (see :mod:`jkn_core.imports.validate`): one
column per field, NA for an empty or invalid cell, and a boolean column ``<field>`` + :data:`INVALID`
that is True where the cell was invalid. Rules skip invalid cells (their problem is already reported).
Plain per-column rules (types, ranges, allowed values) are not here: see :mod:`jkn_core.imports.schema`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from jkn_core import months
from jkn_core.imports.lookup import lookup
from jkn_core.imports.report import plain_number, why
from jkn_core.schema import FKTP_TYPES, SELF_PAYING_SEGMENTS

#: Suffix of the frame column telling which cells of a field were invalid.
INVALID = "__invalid"


@dataclass(frozen=True)
class RowRule:
    """A cross-column rule: ``ok(frame)`` is False on the rows that break it, ``reason(row)`` says why.

    ``row`` maps every field to its Python value (``datetime.date`` for dates, None when empty).
    """

    name: str
    column: str
    ok: Callable[[pd.DataFrame], pd.Series]
    reason: Callable[[Mapping[str, Any]], str]


#: A database check: (connection, typed frame) -> [(frame index, column, reason)].
DbRule = Callable[[Connection, pd.DataFrame], list[tuple[int, str, str]]]


def invalid(frame: pd.DataFrame, column: str) -> pd.Series:
    """True where ``column``'s cell was invalid."""
    return frame[column + INVALID]


def empty(frame: pd.DataFrame, column: str) -> pd.Series:
    """True where ``column``'s cell was empty (and valid: no value, no default)."""
    return frame[column].isna() & ~frame[column + INVALID]


def given(frame: pd.DataFrame, column: str) -> pd.Series:
    """True where ``column`` holds a valid value."""
    return frame[column].notna()


def _true(mask: pd.Series) -> pd.Series:
    return mask.astype("boolean").fillna(False).astype(bool)


def month_of(dates: pd.Series) -> pd.Series:
    """YYYYMM of a datetime column (NA stays NA)."""
    return (dates.dt.year * 100 + dates.dt.month).astype("Int64")


# --- cross-column rules ---------------------------------------------------------------------------
def derived_period(date_col: str, period_col: str) -> tuple[RowRule, RowRule]:
    """``period_col``, when given, is the month of ``date_col`` (it is derived when empty)."""
    return (
        RowRule(
            f"{period_col}_without_{date_col}",
            period_col,
            lambda f: ~_true(empty(f, date_col) & given(f, period_col)),
            lambda r: why("period_without_date", period_col=period_col, period=r[period_col], date_col=date_col),
        ),
        RowRule(
            f"{period_col}_is_month_of_{date_col}",
            period_col,
            lambda f: ~_true(f[period_col] != month_of(f[date_col])),
            lambda r: why("period_not_month_of_date", period_col=period_col, period=r[period_col], date_col=date_col,
                          date=r[date_col].isoformat(), expected=months.of_date(r[date_col])),
        ),
    )


def _first_of_month(period: int) -> dt.date:
    return dt.date(period // 100, period % 100, 1)


PARTICIPANT_RULES = derived_period("registered_on", "registered_period")
# registered_on may precede birth_date: JKN registers unborn babies (and the demo world's members
# carry their family's registration date), so that order is not checked.

CONTRIBUTION_RULES = (
    RowRule(
        "paid_in_billing_month_or_later",
        "paid_date",
        lambda f: ~_true(month_of(f["paid_date"]) < f["period"]),
        lambda r: why("paid_before_billing_month", date=r["paid_date"].isoformat(), period=r["period"],
                      first=_first_of_month(r["period"]).isoformat()),
    ),
    RowRule(
        "paid_needs_paid_date",
        "paid_date",
        lambda f: ~_true((f["paid"] > 0) & empty(f, "paid_date")),
        lambda r: why("paid_without_date", paid=r["paid"]),
    ),
    *derived_period("paid_date", "paid_period"),
)


def _level_of_type(kinds: pd.Series) -> pd.Series:
    return kinds.isin(FKTP_TYPES).map({True: "FKTP", False: "FKRTL"})


FACILITY_RULES = (
    RowRule(
        "contract_end_not_before_start",
        "contract_end",
        lambda f: ~_true(f["contract_end"] < f["contract_start"]),
        lambda r: why("contract_end_before_start", end=r["contract_end"].isoformat(),
                      start=r["contract_start"].isoformat()),
    ),
    RowRule(
        "type_matches_level",
        "type",
        lambda f: ~_true(given(f, "type") & given(f, "level") & (f["level"] != _level_of_type(f["type"]))),
        lambda r: why("type_level", type=r["type"], expected="FKTP" if r["type"] in FKTP_TYPES else "FKRTL",
                      level=r["level"]),
    ),
)

TARGET_RULES = (
    RowRule(
        "no_code_for_national",
        "code",
        lambda f: ~_true((f["level"] == "national") & given(f, "code") & (f["code"] != "")),
        lambda r: why("code_for_national", code=r["code"]),
    ),
    RowRule(
        "code_for_other_levels",
        "code",
        lambda f: ~_true(given(f, "level") & (f["level"] != "national") & (f["code"] == "")),
        lambda r: why("code_required", level=r["level"]),
    ),
    RowRule(
        "percentage_at_most_100",
        "target",
        lambda f: ~_true(f["kpi"].str.endswith("_pct") & (f["target"] > 100)),
        lambda r: why("pct_above_100", target=plain_number(r["target"]), kpi=r["kpi"]),
    ),
)


def _defaulted(f: pd.DataFrame) -> pd.Series:
    return _true(f["defaulted"])


SIF_LOAN_RULES = (
    RowRule(
        "default_needs_period",
        "default_period",
        lambda f: ~_true(_defaulted(f) & empty(f, "default_period")),
        lambda r: why("default_needs_period"),
    ),
    RowRule(
        "no_period_without_default",
        "default_period",
        lambda f: ~_true((f["defaulted"] == False) & given(f, "default_period")),  # noqa: E712 - NA-aware
        lambda r: why("period_without_default", period=r["default_period"]),
    ),
    RowRule(
        "default_not_before_start",
        "default_period",
        lambda f: ~_true(_defaulted(f) & (f["default_period"] < f["start_period"])),
        lambda r: why("default_before_start", period=r["default_period"], start=r["start_period"]),
    ),
)


# --- checks against the database beyond plain references ------------------------------------------
def _failing(frame: pd.DataFrame, column: str, bad: pd.Series, reason: Callable[[Any], str]) -> list:
    return [(i, column, reason(v)) for i, v in frame.loc[_true(bad), column].items()]


def fktp_only(column: str) -> DbRule:
    """The facility in ``column`` must be an FKTP (primary care) facility."""

    def check(conn: Connection, frame: pd.DataFrame) -> list[tuple[int, str, str]]:
        values = frame[column].dropna()
        levels = {k: v[0] for k, v in lookup(conn, "facilities", "code", set(values), ("level",)).items()}
        level = frame[column].map(levels)
        return _failing(
            frame,
            column,
            level.notna() & (level != "FKTP"),
            lambda v: why("not_fktp", value=v, level=levels[v], column=column),
        )

    return check


def self_paying_families(conn: Connection, frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    """The contributions ledger holds only families of a self-paying segment."""
    ids = frame["family_id"].dropna()
    segments = {k: v[0] for k, v in lookup(conn, "families", "id", set(ids.tolist()), ("segment",)).items()}
    segment = frame["family_id"].map(segments)
    return _failing(
        frame,
        "family_id",
        segment.notna() & ~segment.isin(SELF_PAYING_SEGMENTS),
        lambda v: why("not_self_paying", value=v, segment=segments[v], segments=", ".join(SELF_PAYING_SEGMENTS)),
    )


def target_codes_exist(conn: Connection, frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    """A region target names a region, a branch target a branch (a province, a regency likewise)."""
    out = []
    for level, table in (("region", "regions"), ("branch", "branches"), ("province", "provinces"),
                         ("regency", "regencies")):
        rows = frame[_true((frame["level"] == level) & given(frame, "code") & (frame["code"] != ""))]
        known = lookup(conn, table, "code", set(rows["code"]))
        for i, code in rows.loc[~rows["code"].isin(list(known)), "code"].items():
            out.append((i, "code", why("unknown_target_code", level=level, value=code, table=table)))
    return out
