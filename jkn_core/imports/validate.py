"""A raw table checked against its spec: header, row shape, text cells parsed to typed columns, pandera rules.

:func:`validate_table` turns a :class:`jkn_core.imports.read.RawTable` into a :class:`ParsedTable` (a typed
frame, the Python values to write, every problem with the row and column a spreadsheet shows) in
vectorised steps: parse the text of each column (whole numbers, decimals with a decimal comma, dates,
months, true/false), run the pandera cell schema, then the row schema (natural-key duplicates and
cross-column rules). :func:`check_database` adds the problems only the database can tell (unknown codes,
a facility that is not an FKTP, a family that is not self-paying). Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from jkn_core import months
from jkn_core.imports import schema
from jkn_core.imports.checks import INVALID, month_of
from jkn_core.imports.lookup import lookup
from jkn_core.imports.read import RawTable
from jkn_core.imports.report import Problem, plain_number, why
from jkn_core.imports.spec import INT64_MAX, Field, TableSpec

_INT_RE = re.compile(r"[+-]?\d+")
_ASCII_INT64_RE = re.compile(r"[+-]?[0-9]{1,18}")
_FLOAT_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_FLOAT_COMMA_RE = re.compile(r"[+-]?\d+,\d+")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ASCII_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TEXT = schema.DTYPES["text"]
_BOOLS = {
    "true": True, "false": False, "1": True, "0": False, "yes": True, "no": False,
    "ya": True, "tidak": False, "y": True, "n": False, "t": True, "f": False,
}  # fmt: skip


def normalise_header(name: str) -> str:
    """A header cell as a column name: trimmed, lower case, spaces and dashes as ``_``."""
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").strip().lower())


def quoted(s: str) -> str:
    """A cell's text as a message quotes it (cut to 40 characters)."""
    return repr(s if len(s) <= 40 else s[:37] + "...")


@dataclass
class ParsedTable:
    """A validated file: typed frame (NA = empty or invalid, ``<field>__invalid`` flags), problems."""

    spec: TableSpec
    frame: pd.DataFrame
    rownums: np.ndarray  # row number of each data row as the user sees it
    problems: list[Problem]
    #: the fields whose values the file gives (see :func:`columns_in_file`); on an update only these
    #: are written, the others keep their stored values
    in_file: frozenset[str] = frozenset()
    _values: dict[str, list[Any]] | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.rownums)

    @property
    def values(self) -> dict[str, list[Any]]:
        """Every field's cells as Python values (int, float, str, bool, ``datetime.date``; None = empty)."""
        if self._values is None:
            self._values = {f.name: python_values(self.frame[f.name], f.kind) for f in self.spec.fields}
        return self._values

    def row(self, i: int) -> dict[str, Any]:
        """The Python values of data row ``i`` (its frame index)."""
        return {name: column[i] for name, column in self.values.items()}


def python_values(column: pd.Series, kind: str) -> list[Any]:
    """A typed column as Python values, None for NA."""
    if kind == "date":
        return column.to_numpy(dtype="datetime64[D]").astype(object).tolist()
    return column.astype(object).where(column.notna(), None).tolist()


def columns_in_file(spec: TableSpec, header: set[str]) -> frozenset[str]:
    """The fields an update writes: those in the file's ``header``, the natural key, a field derived
    from one of them (``paid_period`` from ``paid_date``) and a field that follows one of them
    (``default_period`` with ``defaulted``). Every other field keeps its stored value on an update;
    defaults apply to inserted rows only."""
    out = set(header) | set(spec.key)
    grown = True
    while grown:
        grown = False
        for f in spec.fields:
            if f.name not in out and (f.derived_from in out or f.follows in out):
                out.add(f.name)
                grown = True
    return frozenset(out)


# --- parsing text cells ----------------------------------------------------------------------------
def number_reason(f: Field, s: str, v: float) -> str | None:
    """Why the number ``v`` (written ``s``) breaks the range of ``f``, or None when it does not."""
    if f.min is not None and v < f.min:
        if f.kind == "money" and v < 0:
            return why("negative_amount", value=v)
        return why("below_min", value=s, min=plain_number(f.min))
    if f.max is not None and v > f.max:
        return why("above_max", value=s, max=plain_number(f.max))
    if not -INT64_MAX - 1 <= v <= INT64_MAX and f.kind in ("int", "money"):
        return why("below_min", value=s, min=-INT64_MAX - 1)
    return None


def _cells(text: pd.Series, mask: pd.Series | np.ndarray) -> zip:
    """(index, text) of the cells of ``text`` where ``mask`` holds (few, usually: the failing ones)."""
    chosen = text[mask]
    return zip(chosen.index, chosen.to_numpy(dtype=object), strict=True)


@dataclass
class _Column:
    """One field parsed: typed values of the parsed cells and the reasons of the cells that failed."""

    values: pd.Series
    failed: dict[int, str]


def _parse_whole(f: Field, text: pd.Series) -> _Column:
    ok = schema.fullmatch(text, _INT_RE)
    if f.kind == "period":
        failed = {i: why("not_month", value=quoted(s)) for i, s in _cells(text, ~ok)}
    else:
        failed = {i: why("not_whole", value=quoted(s)) for i, s in _cells(text, ~ok)}
    good = text[ok]
    fast = schema.fullmatch(good, _ASCII_INT64_RE)
    values = pd.Series(pd.NA, index=good.index, dtype="Int64")
    values[fast] = good[fast].astype(np.int64)
    for i, s in _cells(good, ~fast):  # Unicode digits or more than 18 digits: rare, exact in Python
        v = int(s)
        reason = number_reason(f, s, v) if f.kind != "period" else None
        if reason is not None:
            failed[i] = reason
        elif f.kind == "period" and not -INT64_MAX - 1 <= v <= INT64_MAX:
            failed[i] = why("not_month", value=quoted(s))
        else:
            values[i] = v
    if f.kind == "period":
        bad = ~(values.between(190001, 210012) & (values % 100).between(1, 12)).fillna(False).astype(bool)
        bad &= values.notna()
        failed.update({i: why("not_month", value=quoted(text[i])) for i in bad[bad].index})
        values[bad] = pd.NA
    return _Column(values[values.notna()], failed)


def _parse_float(text: pd.Series) -> _Column:
    ok = schema.fullmatch(text, _FLOAT_RE)
    failed = {i: why("not_number", value=quoted(s)) for i, s in _cells(text, ~ok)}
    return _Column(text[ok].astype(object).astype(float).astype("Float64"), failed)  # Python's float()


def _parse_date(text: pd.Series) -> _Column:
    shaped = schema.fullmatch(text, _DATE_RE)
    failed = {i: why("not_date", value=quoted(s)) for i, s in _cells(text, ~shaped)}
    good = text[shaped]
    ascii_ = schema.fullmatch(good, _ASCII_DATE_RE)
    year = good.str.slice(0, 4).where(ascii_, "0").astype(np.int64)
    month = good.str.slice(5, 7).where(ascii_, "0").astype(np.int64)
    day = good.str.slice(8, 10).where(ascii_, "0").astype(np.int64)
    month_ok = month.between(1, 12)
    first = ((year - 1970) * 12 + month.where(month_ok, 1) - 1).to_numpy().astype("datetime64[M]")
    days_in_month = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
    valid = (ascii_ & (year >= 1) & month_ok & (day >= 1) & (day <= days_in_month)).to_numpy()
    failed.update({i: why("not_calendar_date", value=quoted(s)) for i, s in _cells(good, ~valid)})
    dates = first[valid].astype("datetime64[D]") + (day.to_numpy()[valid] - 1)
    return _Column(pd.Series(dates.astype("datetime64[s]"), index=good.index[valid]), failed)


def _parse_bool(text: pd.Series) -> _Column:
    values = text.astype(object).str.lower().map(_BOOLS)
    bad = values.isna()
    failed = {i: why("not_bool", value=quoted(s)) for i, s in _cells(text, bad)}
    return _Column(values[~bad].astype("boolean"), failed)


def _parse(f: Field, text: pd.Series) -> _Column:
    if f.kind == "text":
        return _Column(text, {})
    if f.kind in ("int", "money", "period"):
        return _parse_whole(f, text)
    if f.kind == "float":
        return _parse_float(text)
    if f.kind == "date":
        return _parse_date(text)
    if f.kind == "bool":
        return _parse_bool(text)
    raise AssertionError(f.kind)  # pragma: no cover


def _typed(f: Field, n: int, fill: Any) -> pd.Series:
    """A column of ``n`` cells of ``f``'s type, all ``fill`` (None = NA)."""
    return pd.Series(fill, index=range(n), dtype=schema.DTYPES[f.kind])


# --- the file --------------------------------------------------------------------------------------
def _header(spec: TableSpec, raw: RawTable) -> tuple[dict[str, int], list[Problem]]:
    """Column positions by field name (-1: unknown or missing) and the header's problems."""
    problems: list[Problem] = []
    hr = raw.header_row
    known = set(spec.columns)
    index: dict[str, int] = {}
    for j, name in enumerate(raw.header):
        norm = normalise_header(name)
        if not norm:
            if any(j < len(r) and r[j] for r in raw.rows):
                problems.append(Problem(hr, f"#{j + 1}", why("no_header_name", n=j + 1)))
            continue
        if norm not in known:
            problems.append(
                Problem(hr, name, why("unknown_column", name=repr(name), table=spec.name,
                                      columns=", ".join(spec.columns)))
            )
            index.setdefault(norm, -1)
            continue
        if norm in index:
            problems.append(Problem(hr, norm, why("duplicate_column", name=repr(norm))))
            continue
        index[norm] = j
    for f in spec.fields:
        if f.required and index.get(f.name, -1) < 0:
            problems.append(Problem(hr, f.name, why("required_column")))
    return index, problems


def _shape(cells: pd.DataFrame, lengths: np.ndarray, width: int) -> np.ndarray:
    """Values per row, not counting empty cells beyond the header's width (e.g. Excel formatting)."""
    used = lengths.copy()
    if cells.shape[1] > width:
        extra = cells.iloc[:, width:].to_numpy()
        filled = (extra != "") & pd.notna(extra)
        last = extra.shape[1] - np.argmax(filled[:, ::-1], axis=1)  # 1 + last filled position
        used = np.where(lengths > width, np.where(filled.any(axis=1), width + last, width), lengths)
    return used


def _parse_column(
    f: Field, text: pd.Series, skip: np.ndarray, raw: RawTable
) -> tuple[pd.Series, pd.Series, np.ndarray, dict[int, str]]:
    """One column's text cells parsed: typed values, the text messages quote, invalid cells, reasons.

    ``skip``: cells not to read (rows of the wrong shape); they count as invalid without a reason.
    """
    bad = skip.copy()
    reasons: dict[int, str] = {}
    if raw.mojibake:
        moj = text.str.contains("\ufffd", regex=False).to_numpy(dtype=bool) & ~bad
        reasons.update(
            {i: why("not_utf8_cell") for i in np.flatnonzero(moj)}
        )
        bad |= moj
    blank = (text == "").to_numpy(dtype=bool) & ~bad
    if f.required:
        reasons.update({i: why("required_empty") for i in np.flatnonzero(blank)})
        bad |= blank
    todo = ~bad & ~blank
    if f.kind == "float" and raw.decimal_comma:
        text = text.where(~schema.fullmatch(text, _FLOAT_COMMA_RE), text.str.replace(",", ".", regex=False))
    parsed = _parse(f, text[todo])
    reasons.update(parsed.failed)
    if f.kind == "text":
        column = text.where(todo, None)
    else:
        column = parsed.values.astype(schema.DTYPES[f.kind]).reindex(range(len(text)))
    if not f.required and f.default is not None:
        column = column.where(~blank, f.default)
    bad[np.fromiter(parsed.failed, dtype=np.int64, count=len(parsed.failed))] = True
    return column, text, bad, reasons


def _cell_rule_problems(
    spec: TableSpec, frame: pd.DataFrame, shown: dict[str, pd.Series], rownums: np.ndarray, today: dt.date
) -> tuple[list[Problem], dict[str, np.ndarray]]:
    """Each column's own rules (pandera cell schema): a problem per failing cell, and the failing cells."""
    problems: list[Problem] = []
    failing: dict[str, np.ndarray] = {}
    current = months.of_date(today)
    found = schema.failures(schema.cell_schema(spec.name, today), frame, spec)
    first = found.drop_duplicates(["index", "column"])  # a cell reports its first failing rule
    for (name, rule), group in first.groupby(["column", "rule"], sort=False):
        f = spec.get(name)
        rows = group["index"].to_numpy(dtype=np.int64)
        texts = shown[name].take(rows).to_numpy(dtype=object)
        values = python_values(frame[name].take(rows), f.kind)
        problems += [
            Problem(int(rownums[i]), name, _cell_reason(f, rule, s, v, today, current))
            for i, s, v in zip(rows, texts, values, strict=True)
        ]
        failing[name] = np.concatenate([failing.get(name, np.empty(0, dtype=np.int64)), rows])
    return problems, failing


def _row_rule_problems(parsed: ParsedTable) -> list[Problem]:
    """Natural-key duplicates and cross-column rules (pandera row schema), on cells valid on their own."""
    spec, frame, rownums = parsed.spec, parsed.frame, parsed.rownums
    problems: list[Problem] = []
    found = schema.failures(schema.row_schema(spec.name), frame, spec)
    duplicates = found["index"][found["rule"] == schema.KEY_RULE]
    if len(duplicates):
        key = list(spec.key)
        first_row = frame[key].reset_index().groupby(key, dropna=True)["index"].transform("min")
        for i in duplicates:
            values = [parsed.values[k][i] for k in key]
            shown = ", ".join(
                f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in zip(key, values, strict=True)
            )
            problems.append(
                Problem(
                    int(rownums[i]),
                    ", ".join(key),
                    why("duplicate_key", key=shown, first=rownums[int(first_row[i])]),
                )
            )
    rules = {rule.name: rule for rule in spec.row_rules}
    for i, name, rule in zip(found["index"], found["column"], found["rule"], strict=True):
        if rule != schema.KEY_RULE:
            problems.append(Problem(int(rownums[i]), name, rules[rule].reason(parsed.row(i))))
    return problems


def validate_table(spec: TableSpec, raw: RawTable, today: dt.date) -> ParsedTable:
    """Every problem of ``raw`` against ``spec`` (without the database), and its typed values.

    Problems come in the order header, row shape, cells, duplicates, cross-column rules (the caller
    sorts them by row and column); a cell with a problem is NA in the frame and flagged invalid.
    """
    n = len(raw.rows)
    rownums = np.asarray(raw.rownums, dtype=np.int64)
    index, problems = _header(spec, raw)

    # --- row shape
    width = len(raw.header)
    cells = pd.DataFrame(raw.rows, dtype=object)
    used = _shape(cells, np.fromiter(map(len, raw.rows), dtype=np.int64, count=n), width)
    ragged = used != width
    problems += [
        Problem(int(rownums[i]), None, why("ragged_row", used=used[i], width=width))
        for i in np.flatnonzero(ragged)
    ]

    # --- cells: empty, not UTF-8, unparsable
    columns: dict[str, pd.Series] = {}
    shown: dict[str, pd.Series] = {}
    invalid: dict[str, np.ndarray] = {}
    for f in spec.fields:
        j = index.get(f.name, -1)
        if j < 0:  # a missing column: all invalid when required (reported once, in the header)
            columns[f.name] = _typed(f, n, None if f.required else f.default)
            invalid[f.name] = np.full(n, f.required)
            continue
        text = (cells[j].fillna("") if j < cells.shape[1] else pd.Series("", index=range(n))).astype(TEXT)
        columns[f.name], shown[f.name], invalid[f.name], reasons = _parse_column(f, text, ragged, raw)
        problems += [Problem(int(rownums[i]), f.name, reasons[i]) for i in sorted(reasons)]
    frame = pd.DataFrame(columns)

    # --- each column's own rules, then the rows' rules on the cells still valid
    more, failing = _cell_rule_problems(spec, frame, shown, rownums, today)
    problems += more
    for name, rows in failing.items():
        invalid[name][rows] = True
    for name, bad in invalid.items():
        frame.loc[bad, name] = None
        frame[name + INVALID] = bad
    parsed = ParsedTable(spec=spec, frame=frame, rownums=rownums, problems=problems)
    problems += _row_rule_problems(parsed)

    # --- columns derived from another (e.g. paid_period from paid_date) when empty
    for f in spec.fields:
        if f.derived_from:
            fill = frame[f.name].isna() & ~frame[f.name + INVALID] & frame[f.derived_from].notna()
            frame.loc[fill, f.name] = (f.derive or month_of)(frame[f.derived_from])[fill]
    in_file = columns_in_file(spec, {name for name, j in index.items() if j >= 0})
    return ParsedTable(spec=spec, frame=frame, rownums=rownums, problems=problems, in_file=in_file)


def _cell_reason(f: Field, rule: str, s: str, v: Any, today: dt.date, current: int) -> str:
    if rule == "choices":
        return why("not_allowed", value=quoted(s), choices=", ".join(map(str, f.choices)))
    if rule == "max_len":
        return why("too_long", value=quoted(s), max_len=f.max_len)
    if rule == "pattern":
        return why("pattern", value=quoted(s), hint=f.pattern_hint)
    if rule in ("min", "max"):
        return number_reason(f, s, v) or ""
    if rule == "min_date":
        return why("before_min_date", value=v.isoformat(), min=f.min_date.isoformat())  # type: ignore[union-attr]
    if f.kind == "date":
        return why("future_date", value=v.isoformat(), today=today.isoformat())
    return why("future_month", value=v, current=current)


# --- the database ----------------------------------------------------------------------------------
def check_database(conn: Connection, parsed: ParsedTable) -> list[Problem]:
    """Codes that must exist in the database (``Field.refs``) and the table's database rules."""
    spec, frame = parsed.spec, parsed.frame
    found: list[tuple[int, str, str]] = []
    for f in spec.fields:
        if not f.refs:
            continue
        table, column = f.refs.split(".")
        values = frame[f.name].dropna()
        known = lookup(conn, table, column, set(values.tolist()))
        for i, v in values[~values.isin(list(known))].items():
            shown = repr(v) if isinstance(v, str) else str(v)
            found.append((i, f.name, why("unknown_ref", column=f.name, value=shown, ref=f.refs)))
    for rule in spec.db_rules:
        found += rule(conn, frame)
    return [Problem(int(parsed.rownums[i]), col, reason) for i, col, reason in found]
