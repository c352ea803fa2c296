"""The one entry point of an import, :func:`import_file`: read, validate, then write in one transaction.

Reading is :mod:`jkn_core.imports.read`, checking :mod:`jkn_core.imports.validate`, writing and the
hooks :mod:`jkn_core.imports.write`; this module only runs them in order and decides the outcome.
Every outcome is audited (action ``import``, ``import_rejected`` or ``import_dry_run``, with ``status``). A database error is
never shown: its details (SQL, values) go to the server log under an incident id, and the report holds
one plain problem naming that id.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from jkn_core.imports.names import name_warnings
from jkn_core.imports.read import LimitExceeded, read_input, read_table
from jkn_core.imports.report import ImportReport, Problem, sort_problems
from jkn_core.imports.spec import spec_for
from jkn_core.imports.validate import check_database, validate_table
from jkn_core.imports.write import audit_import, new_incident, run_hooks, write_rows
from jkn_core.schema_upgrade import ADDED_COLUMNS, OPTIONAL_COLUMNS, ensure_optional_columns
from jkn_core.scope import Scope, ScopeError

logger = logging.getLogger(__name__)


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
    inserted / updated / unchanged rows (and the changed values per column) without writing. On an
    update, a column the file leaves out keeps its stored value. ``progress(done_rows, total_rows)``
    is called after each chunk of ``chunk_rows`` rows.
    """
    if scope.role != "admin":
        raise ScopeError(f"role {scope.role} may not import data; only admin may")
    spec = spec_for(table)
    if table in OPTIONAL_COLUMNS or table in ADDED_COLUMNS:  # an older database is brought up to the schema first
        ensure_optional_columns(engine)
    today = today or dt.date.today()
    try:
        data, filename = read_input(path_or_bytes, filename)
    except (OSError, LimitExceeded) as exc:
        reason = str(exc) if isinstance(exc, LimitExceeded) else f"cannot read the file: {exc}"
        report = ImportReport(
            table=table,
            problems=[Problem(None, None, reason)],
            dry_run=dry_run,
            filename=str(
                filename or (path_or_bytes if isinstance(path_or_bytes, (str, os.PathLike)) else "upload")
            ),
        )
        return _audited(engine, scope, report)
    report = ImportReport(table=table, dry_run=dry_run, filename=filename)

    raw, problems = read_table(data, filename, table)
    del data
    if raw is None:
        report.problems = problems
        return _audited(engine, scope, report)
    report.rows_in_file = len(raw.rows)
    parsed = validate_table(spec, raw, today)
    del raw
    problems += parsed.problems

    try:
        branches = _write(engine, scope, parsed, report, problems, dry_run, progress, chunk_rows)
    except SQLAlchemyError:
        incident = new_incident()
        logger.exception(
            "incident %s: the database refused the import of %s into %s", incident, filename, table
        )
        report = ImportReport(
            table=table,
            rows_in_file=report.rows_in_file,
            dry_run=dry_run,
            filename=filename,
            problems=[
                Problem(
                    None, None, f"the database refused the import (incident {incident}); nothing was written"
                )
            ],
            incident=incident,
        )
        return _audited(engine, scope, report)
    if not report.ok:
        return _audited(engine, scope, report)
    if dry_run:
        return _audited(engine, scope, report)
    run_hooks(engine, report, branches)
    return report


def _write(
    engine: Engine,
    scope: Scope,
    parsed: Any,
    report: ImportReport,
    problems: list[Problem],
    dry_run: bool,
    progress: Callable[[int, int], Any] | None,
    chunk_rows: int,
) -> set[str] | None:
    """The database part: checks against the database, then the upsert (and its audit row) in one
    transaction; rolled back on a problem, on a dry run and on any error."""
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            problems += check_database(conn, parsed)
            report.name_warnings = name_warnings(conn, parsed.spec, parsed.frame, parsed.rownums)
            if problems:
                report.problems = sort_problems(problems, parsed.spec.columns)
                tx.rollback()
                return None
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
    return branches


def _audited(engine: Engine, scope: Scope, report: ImportReport) -> ImportReport:
    """``report`` after its own audit row (a rejected import or a dry run); an audit that fails (the
    database is down) is logged, never raised: the user still gets the report."""
    try:
        audit_import(engine, scope, report)
    except SQLAlchemyError:
        logger.exception(
            "could not audit the %s import of %s into %s", report.status, report.filename, report.table
        )
    return report
