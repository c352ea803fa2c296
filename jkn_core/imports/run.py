"""The one entry point of an import, :func:`import_file`: read, validate, then write in one transaction.

Reading is :mod:`jkn_core.imports.read`, checking :mod:`jkn_core.imports.validate`, writing and the
hooks :mod:`jkn_core.imports.write`; this module only runs them in order and decides the outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from jkn_core.imports.read import read_input, read_table
from jkn_core.imports.report import ImportReport, Problem, sort_problems
from jkn_core.imports.spec import spec_for
from jkn_core.imports.validate import check_database, validate_table
from jkn_core.imports.write import run_hooks, write_rows
from jkn_core.scope import Scope, ScopeError


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
    spec = spec_for(table)
    today = today or dt.date.today()
    try:
        data, filename = read_input(path_or_bytes, filename)
    except OSError as exc:
        return ImportReport(
            table=table,
            problems=[Problem(None, None, f"cannot read the file: {exc}")],
            dry_run=dry_run,
            filename=str(filename or path_or_bytes),
        )
    report = ImportReport(table=table, dry_run=dry_run, filename=filename)

    raw, problems = read_table(data, filename, table)
    if raw is None:
        report.problems = problems
        return report
    report.rows_in_file = len(raw.rows)
    parsed = validate_table(spec, raw, today)
    problems += parsed.problems

    with engine.connect() as conn:
        tx = conn.begin()
        try:
            problems += check_database(conn, parsed)
            if problems:
                report.problems = sort_problems(problems, spec.columns)
                tx.rollback()
                return report
            branches = write_rows(conn, scope, parsed, report, dry_run, progress, chunk_rows)
            if dry_run:
                tx.rollback()
            else:
                tx.commit()
        except BaseException:
            if tx.is_active:
                tx.rollback()
            raise
    report.ok = True
    if not dry_run:
        run_hooks(engine, report, branches)
    return report
