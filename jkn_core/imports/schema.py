"""The pandera schemas of the importable tables, built from their specs, and their failures as plain rows.

:func:`cell_schema` holds each column's rules (type, allowed values, length, pattern, range, earliest
date, not in the future); :func:`row_schema` the natural-key uniqueness and the table's cross-column
rules (:class:`jkn_core.imports.checks.RowRule`). Both validate lazily, so every failing cell is found
in one vectorised pass; :func:`failures` lists them as (frame index, column, rule). The messages a user
reads are written by :mod:`jkn_core.imports.validate`, which also parses the text cells first.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from jkn_core import months
from jkn_core.imports.spec import Field, TableSpec, spec_for

if TYPE_CHECKING:  # pragma: no cover
    import pandera.pandas as pa

# pandera takes about half a second to import: it is imported when a file is validated, not when the
# command line or a page merely starts (both import jkn_core.imports).

#: pandera data type of each field kind (text held by pyarrow: its string checks are vectorised; dates
#: as datetime64[s], so every calendar year fits).
DTYPES = {
    "text": pd.StringDtype("pyarrow"),
    "int": "Int64",
    "money": "Int64",
    "period": "Int64",
    "float": "Float64",
    "date": "datetime64[s]",
    "bool": "boolean",
}

#: Name of the rule that finds natural-key duplicates in :func:`failures`.
KEY_RULE = "key"


def fullmatch(text: pd.Series, pattern: re.Pattern[str]) -> pd.Series:
    """``pattern.fullmatch`` of every cell (False for NA), vectorised with pyarrow's regex engine.

    Cells with non-ASCII characters are matched by Python's ``re`` (its ``\\d`` also matches other
    scripts' digits, RE2's does not), so the result is exactly Python's.
    """
    if isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow":
        values = text.array.__arrow_array__()  # no copy
    else:
        values = pyarrow.array(text.to_numpy(dtype=object, na_value=None), type=pyarrow.string())
    try:
        matched = pc.match_substring_regex(values, f"^(?:{pattern.pattern})$").fill_null(False)
        ok = matched.to_numpy(zero_copy_only=False).copy()
        python = ~pc.string_is_ascii(values).fill_null(True).to_numpy(zero_copy_only=False)
    except pyarrow.ArrowInvalid:  # a pattern RE2 cannot run: Python for every cell
        ok = np.zeros(len(values), dtype=bool)
        python = np.ones(len(values), dtype=bool)
    for i in np.flatnonzero(python):
        cell = text.iat[i]
        ok[i] = isinstance(cell, str) and pattern.fullmatch(cell) is not None
    return pd.Series(ok, index=text.index)


def column_rules(f: Field) -> list[str]:
    """The per-column rules of ``f`` in the order they are reported (a cell reports its first failing rule)."""
    rules = []
    if f.choices:
        rules.append("choices")
    if f.max_len is not None and f.kind == "text":
        rules.append("max_len")
    if f.pattern is not None:
        rules.append("pattern")
    if f.min is not None:
        rules.append("min")
    if f.max is not None:
        rules.append("max")
    if f.min_date is not None and f.kind == "date":
        rules.append("min_date")
    if f.not_future and f.kind in ("date", "period"):
        rules.append("not_future")
    return rules


def _check(f: Field, rule: str, today: dt.date) -> pa.Check:
    import pandera.pandas as pa

    if rule == "choices":
        return pa.Check.isin(list(f.choices))
    if rule == "max_len":
        return pa.Check.str_length(max_value=f.max_len)
    if rule == "pattern":
        pattern = re.compile(f.pattern or "")
        return pa.Check(lambda s: fullmatch(s, pattern), name="pattern")
    if rule == "min":
        return pa.Check.ge(f.min)
    if rule == "max":
        return pa.Check.le(f.max)
    if rule == "min_date":
        return pa.Check.ge(pd.Timestamp(f.min_date))
    if rule == "not_future":
        return pa.Check.le(pd.Timestamp(today) if f.kind == "date" else months.of_date(today))
    raise AssertionError(rule)  # pragma: no cover


@lru_cache(maxsize=64)
def cell_schema(table: str, today: dt.date) -> pa.DataFrameSchema:
    """Each column's own rules; empty and unparsable cells are NA and not checked."""
    import pandera.pandas as pa

    spec = spec_for(table)
    return pa.DataFrameSchema(
        {
            f.name: pa.Column(
                DTYPES[f.kind], [_check(f, rule, today) for rule in column_rules(f)], nullable=True
            )
            for f in spec.fields
        },
        name=f"{table} cells",
    )


@lru_cache(maxsize=16)
def row_schema(table: str) -> pa.DataFrameSchema:
    """Natural-key uniqueness (the first row of a key wins) and the cross-column rules of ``table``."""
    import pandera.pandas as pa

    spec = spec_for(table)
    return pa.DataFrameSchema(
        checks=[pa.Check(rule.ok, name=rule.name, ignore_na=False) for rule in spec.row_rules],
        unique=list(spec.key),
        report_duplicates="exclude_first",
        name=f"{table} rows",
    )


def failures(schema: pa.DataFrameSchema, frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Every failure of ``schema`` on ``frame`` as rows (index, column, rule), sorted, one per cell and rule.

    Cell rules are named as in :func:`column_rules`; natural-key duplicates are :data:`KEY_RULE` (rows
    whose key has an NA cell are left out: their invalid cell is reported already); cross-column rules
    by their ``RowRule.name`` (column: the rule's column).
    """
    import pandera.pandas as pa

    try:
        schema.validate(frame, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return pd.DataFrame({"index": [], "column": [], "rule": []})
    if cases["index"].isna().any():  # a wrong dtype or a missing column: a bug of the parser, not of the file
        raise RuntimeError(f"import schema {schema.name} failed on the whole frame:\n{cases.to_string()}")
    by_name = {rule.name: rule.column for rule in spec.row_rules}
    rule_of = {(f.name, k): rule for f in spec.fields for k, rule in enumerate(column_rules(f))}
    key_label = ", ".join(spec.key)
    checks = cases["check"].astype(str).to_numpy(dtype=object)
    columns = cases["column"].to_numpy(dtype=object)
    numbers = cases["check_number"].to_numpy(dtype=object)
    rows = [
        (key_label, KEY_RULE)
        if "uniqueness" in check
        else (by_name[check], check)
        if check in by_name
        else (column, rule_of[column, int(number)])
        for check, column, number in zip(checks, columns, numbers, strict=True)
    ]
    out = pd.DataFrame(rows, columns=["column", "rule"])
    out.insert(0, "index", cases["index"].to_numpy(dtype=np.int64))
    out = out.drop_duplicates()
    if (out["rule"] == KEY_RULE).any():
        complete = frame[list(spec.key)].notna().all(axis=1)
        out = out[(out["rule"] != KEY_RULE) | out["index"].map(complete)]
    return out.sort_values("index", kind="stable").reset_index(drop=True)
