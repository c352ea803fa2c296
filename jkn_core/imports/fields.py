"""The building blocks of an import spec: :class:`Field` (one column of a file) and :class:`TableSpec` (one
importable table), with the value kinds :data:`KINDS`.

The specs themselves are in :mod:`jkn_core.imports.spec` (the data tables) and
:mod:`jkn_core.imports.orgspec` (the reference tables: organisation, reference figures).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jkn_core.imports.checks import DbRule, RowRule
from jkn_core.imports.report import plain_number

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
#: The words of :meth:`Field.allowed_label` in English (jkn_core.imports.docs has the Indonesian ones).
ALLOWED_WORDS_EN = {"one_of": "one of", "to": "to", "from": "from", "not_future_date": "not in the future",
                    "not_future_month": "not after the current month", "must_exist": "must exist in `{refs}`"}

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
    #: on an update, when the file gives this column but leaves this field out, the field takes its
    #: default instead of keeping its stored value (it belongs with that column, e.g. default_period)
    follows: str | None = None
    #: a name column (not stored): the code column whose name in the database it must match, else the
    #: import warns (see :mod:`jkn_core.imports.names`)
    names: str | None = None
    #: computes an empty cell from the typed frame (a Series); ``derived_from`` names its source column
    derive: Any = None

    def type_label(self) -> str:
        label = KINDS[self.kind]
        if self.kind == "text" and self.max_len and not self.choices:
            label += f" (max {self.max_len} chars)"
        return label

    def allowed_label(self, words: Mapping[str, str] | None = None,
                      hint: Callable[[str], str] | None = None) -> str:
        """The values the column allows, with ``words`` (:data:`ALLOWED_WORDS_EN` by default; the import docs
        pass the Indonesian ones) and ``hint`` translating a pattern hint."""
        w = words or ALLOWED_WORDS_EN
        parts: list[str] = []
        if self.choices:
            parts.append(w["one_of"] + " " + ", ".join(f"`{c}`" for c in self.choices))
        top = None if self.max in (INT32_MAX, INT64_MAX) else self.max
        if self.min is not None and top is not None:
            parts.append(f"{plain_number(self.min)} {w['to']} {plain_number(top)}")
        elif self.min is not None:
            parts.append(f">= {plain_number(self.min)}")
        elif top is not None:
            parts.append(f"<= {plain_number(top)}")
        if self.pattern_hint:
            parts.append(hint(self.pattern_hint) if hint else self.pattern_hint)
        if self.min_date:
            parts.append(f"{w['from']} {self.min_date.isoformat()}")
        if self.not_future:
            parts.append(w["not_future_date"] if self.kind == "date" else w["not_future_month"])
        if self.refs:
            parts.append(w["must_exist"].format(refs=self.refs))
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


@dataclass(frozen=True)
class TableSpec:
    """One importable table: its columns, natural key, documented rules and the checks behind them."""

    name: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    rules: tuple[str, ...] = ()
    #: cross-column rules, checked once every cell is valid on its own
    row_rules: tuple[RowRule, ...] = ()
    #: database checks beyond the ``refs`` of single fields
    db_rules: tuple[DbRule, ...] = ()

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
