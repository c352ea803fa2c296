"""What an import reports: :class:`Problem` (row, column, reason as the user sees them) and :class:`ImportReport`.

Also the problems as a table (:func:`problems_frame`) and as a CSV download (:func:`problems_csv`).
Nothing here reads files or touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd


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
        if self.changes:
            total = sum(self.changes.values())
            text += f"; {total:,} value{'' if total == 1 else 's'} changed ({self.changes_text()})"
        if self.families_created:
            text += f", {self.families_created} famil{'y' if self.families_created == 1 else 'ies'} created"
        if any(self.moved.values()):
            text += "; moved to their regency's new branch: " + ", ".join(
                f"{n:,} {table}" for table, n in self.moved.items() if n)
        if self.name_warnings:
            text += f"; {len(self.name_warnings)} name warning(s)"
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
    """The problems as a UTF-8 CSV (row, column, reason), for a download button: written like every export
    (formula cells neutralised, fields with a separator quoted)."""
    from jkn_core.exports import to_csv_bytes

    return to_csv_bytes(problems_frame(report))


def sort_problems(problems: list[Problem], columns: Sequence[str]) -> list[Problem]:
    """Problems in the order a user reads a file: file-level first, then by row, then by column of ``columns``."""
    order = {c: k for k, c in enumerate(columns)}
    return sorted(problems, key=lambda p: (p.row or 0, p.row is not None, order.get(p.column or "", -1)))


def plain_number(x: float) -> str:
    """A number as a message shows it: ``3`` for 3.0, ``2.5`` otherwise."""
    return str(int(x)) if float(x).is_integer() else str(x)
