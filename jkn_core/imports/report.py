"""What an import reports: :class:`Problem` (row, column, reason as the user sees them) and :class:`ImportReport`.

A reason is English text; built with :func:`why` it is a :class:`Reason` that also carries a code and
parameters, so the Import page and the command line say it in the user's language (``Problem.text(lang)``,
``problems_frame(report, lang)``, ``ImportReport.summary(lang)``); a plain English reason is translated by the
template it matches (:func:`as_reason`). English stays the default of every function (logs, audit).

Also the problems as a table (:func:`problems_frame`) and as a CSV download (:func:`problems_csv`).
Nothing here reads files or touches the database.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


class Reason(str):
    """Why a row is refused: the English text (what the CLI, the logs and the CSV of problems say) that also
    carries its ``code`` and ``params``, so a page says it in the user's language (``imp_why_<code>`` in
    :mod:`jkn_core.i18n.admin`). Build one with :func:`why`; it is a ``str`` everywhere else."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, /, **params: Any) -> Reason:
        obj = super().__new__(cls, _template(code, "en").format(**_shown(params, "en")))
        obj.code, obj.params = code, params
        return obj

    def __reduce__(self) -> tuple[Any, ...]:  # st.cache_data / pickle: rebuilt from code and params
        return (_reason, (self.code, self.params))

    def text(self, lang: str = "en") -> str:
        """The reason in ``lang``."""
        return _template(self.code, lang).format(**_shown(self.params, lang))


class Count(int):
    """A count or size a reason shows with thousands separators in the reader's language (``1,234`` in English,
    ``1.234`` in Indonesian); an ordinary int (an amount quoted from the file) is shown as it is."""


def _shown(params: dict[str, Any], lang: str) -> dict[str, Any]:
    """The parameters as ``lang`` shows them: a :class:`Count` with its thousands separator, a nested
    :class:`Reason` (what a binary file is) in ``lang``."""
    out = {}
    for k, v in params.items():
        if isinstance(v, Count):
            v = f"{int(v):,}".replace(",", "." if lang != "en" else ",")
        elif isinstance(v, Reason):
            v = v.text(lang)
        out[k] = v
    return out


def _reason(code: str, params: dict[str, Any]) -> Reason:
    return Reason(code, **params)


def why(code: str, /, **params: Any) -> Reason:
    """A :class:`Reason` (``why("not_number", value="'abc'")`` reads "'abc' is not a number")."""
    return Reason(code, **params)


def _template(code: str, lang: str) -> str:
    from jkn_core.i18n import STRINGS, t

    key = f"imp_why_{code}"
    if key not in STRINGS:
        raise KeyError(f"no import reason {key!r} in jkn_core.i18n")
    return t(key, lang)


#: Reasons some readers give as plain English text (no parameters): their codes, so they translate too.
_PLAIN_CODES = {"the file is empty": "file_empty", "the file has a header row but no data rows": "no_data_rows",
                "this is an old Excel 97-2003 (.xls) workbook; save it as .xlsx or as CSV UTF-8": "old_xls",
                "the file is UTF-16 text (Excel 'Unicode Text'); save it as 'CSV UTF-8' instead": "utf16",
                "required column is missing": "required_column", "required value is empty": "required_empty"}


def reason_text(reason: str, lang: str = "en") -> str:
    """``reason`` in ``lang``: a :class:`Reason` by its code; a plain text by the reason template its English
    matches (:func:`as_reason`); any other plain text (a reason no template knows) as it is."""
    if isinstance(reason, Reason):
        return reason.text(lang)
    if lang == "en":
        return str(reason)
    known = as_reason(str(reason))
    return known.text(lang) if known is not None else str(reason)


@functools.lru_cache(maxsize=1)
def _patterns() -> list[tuple[int, str, re.Pattern[str]]]:
    """Each reason template's English text as a pattern (its fields as groups), the most specific first."""
    import string

    from jkn_core.i18n import STRINGS

    out = []
    for key, (_ind, eng) in STRINGS.items():
        if not key.startswith("imp_why_"):
            continue
        regex, literal, seen = [], 0, set()
        for text, name, _spec, _conv in string.Formatter().parse(eng):
            regex.append(re.escape(text))
            literal += len(text)
            if name is not None:
                regex.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
                seen.add(name)
        out.append((literal, key[len("imp_why_"):], re.compile("".join(regex), re.DOTALL)))
    return sorted(out, key=lambda p: -p[0])


@functools.lru_cache(maxsize=8192)
def as_reason(text: str) -> Reason | None:
    """A plain English reason (a module that gives text rather than :func:`why`) as the :class:`Reason` whose
    English template it matches, the most specific template first; ``None`` when no template matches."""
    code = _PLAIN_CODES.get(text)
    if code:
        return Reason(code)
    for _literal, code, pattern in _patterns():
        m = pattern.fullmatch(text)
        if m:
            return Reason(code, **m.groupdict())
    return None


@dataclass(frozen=True)
class Problem:
    """One reason a file is rejected. ``row`` is 1-based as seen in the file (header = row 1).

    ``reason`` is English text; a :class:`Reason` also carries its code and parameters (``code``,
    ``params``), and :meth:`text` says the whole problem in the user's language."""

    row: int | None
    column: str | None
    reason: str

    @property
    def code(self) -> str:
        """The reason's code (``imp_why_<code>``; a plain text's by its template), or "" when none matches."""
        reason = self.reason if isinstance(self.reason, Reason) else as_reason(str(self.reason))
        return reason.code if reason is not None else ""

    @property
    def params(self) -> dict[str, Any]:
        """The reason's parameters (value, limits, other columns), with the problem's row and column."""
        reason = self.reason if isinstance(self.reason, Reason) else as_reason(str(self.reason))
        return {**(reason.params if reason is not None else {}), "row": self.row, "column": self.column}

    def where(self, lang: str = "en") -> str:
        """"row 3, column nik" / "baris 3, kolom nik"; "file" for the whole file."""
        from jkn_core.i18n import t

        parts = []
        if self.row is not None:
            parts.append(t("imp_where_row", lang).format(row=self.row))
        if self.column is not None:
            parts.append(t("imp_where_column", lang).format(column=self.column))
        return ", ".join(parts) or t("imp_where_file", lang)

    def text(self, lang: str = "en") -> str:
        """The problem in ``lang``: where, then why."""
        return f"{self.where(lang)}: {reason_text(self.reason, lang)}"

    def __str__(self) -> str:
        return self.text("en")


@dataclass
class ImportReport:
    """The outcome of one import: counts, every problem (nothing written when there is one), warnings."""

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
    #: values changed per column in the updated rows, e.g. ``{"status": 1, "weight": 1}``
    changes: dict[str, int] = field(default_factory=dict)
    #: the server-log incident of a database error (the import was refused, nothing written)
    incident: str = ""
    #: rows whose name column disagrees with the code's name in the database (accepted, but listed:
    #: see :mod:`jkn_core.imports.names`), with row and column like problems
    name_warnings: list[Problem] = field(default_factory=list)
    #: rows given a new branch because their regency moved (regencies imports): {table: rows}
    moved: dict[str, int] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``ok``, ``dry_run`` or ``rejected`` (as the audit row says)."""
        if not self.ok:
            return "rejected"
        return "dry_run" if self.dry_run else "ok"

    def changes_text(self) -> str:
        """The changed values per column in words: ``status 1, weight 1`` (empty when none)."""
        return ", ".join(f"{column} {n:,}" for column, n in self.changes.items())

    def summary(self, lang: str = "en") -> str:
        """The outcome in one line, in ``lang`` (English by default, as the logs say it)."""
        from jkn_core.i18n import t

        def n(x: int) -> str:
            return str(_shown({"x": Count(x)}, lang)["x"])

        file = self.filename or t("imp_sum_file", lang)
        if not self.ok:
            return t("imp_sum_rejected", lang).format(table=self.table, file=file, n=len(self.problems))
        text = t("imp_sum_counts", lang).format(table=self.table, rows=self.rows_in_file, file=file,
                                                inserted=self.inserted, updated=self.updated,
                                                unchanged=self.unchanged)
        if self.changes:
            total = sum(self.changes.values())
            columns = ", ".join(f"{column} {n(k)}" for column, k in self.changes.items())
            text += t("imp_sum_changes", lang).format(n=n(total), s="" if total == 1 else "s", columns=columns)
        if self.families_created:
            families = "family" if self.families_created == 1 else "families"
            text += t("imp_sum_families", lang).format(n=self.families_created, families=families)
        if any(self.moved.values()):
            rows = ", ".join(f"{n(k)} {_table_word(table, lang)}" for table, k in self.moved.items() if k)
            text += t("imp_sum_moved", lang).format(rows=rows)
        if self.name_warnings:
            text += t("imp_sum_name_warnings", lang).format(n=len(self.name_warnings))
        if self.dry_run:
            text += t("imp_sum_dry_run", lang)
        return text

    def problems_frame(self) -> pd.DataFrame:
        return problems_frame(self)


def _table_word(table: str, lang: str) -> str:
    """What the rows of ``table`` are called in ``lang`` ("families" / "keluarga"), else the table's name."""
    from jkn_core.i18n import STRINGS, t

    key = f"imp_sum_table_{table}"
    return t(key, lang) if key in STRINGS else table


def problems_frame(report: ImportReport | Sequence[Problem], lang: str = "en") -> pd.DataFrame:
    """The problems as a DataFrame with columns row, column, reason (row/column may be empty), the reasons
    in ``lang`` (default English, as the CLI says them)."""
    problems = report.problems if isinstance(report, ImportReport) else list(report)
    frame = pd.DataFrame(
        {
            "row": pd.array([p.row for p in problems], dtype="Int64"),
            "column": pd.array([p.column for p in problems], dtype=object),
            "reason": pd.array([reason_text(p.reason, lang) for p in problems], dtype=object),
        }
    )
    return frame


def problems_csv(report: ImportReport | Sequence[Problem], lang: str = "en") -> bytes:
    """The problems as a UTF-8 CSV (row, column, reason in ``lang``), for a download button: written like every
    export (formula cells neutralised, fields with a separator quoted)."""
    from jkn_core.exports import to_csv_bytes

    return to_csv_bytes(problems_frame(report, lang))


def sort_problems(problems: list[Problem], columns: Sequence[str]) -> list[Problem]:
    """Problems in the order a user reads a file: file-level first, then by row, then by column of ``columns``."""
    order = {c: k for k, c in enumerate(columns)}
    return sorted(problems, key=lambda p: (p.row or 0, p.row is not None, order.get(p.column or "", -1)))


def plain_number(x: float) -> str:
    """A number as a message shows it: ``3`` for 3.0, ``2.5`` otherwise."""
    return str(int(x)) if float(x).is_integer() else str(x)
