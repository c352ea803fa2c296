"""Writing a validated file: upsert by natural key (all rows or none), new families, audit row, hooks.

:func:`write_rows` runs inside the import's transaction (so data, new families and the audit row land
together, or nothing on a dry run); :func:`run_hooks` calls :data:`jkn_core.hooks.AFTER_IMPORT_HOOKS`
after the commit with the branches the import touched. Validation is not here
(:mod:`jkn_core.imports.validate`).
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, bindparam, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from jkn_core import hooks
from jkn_core.audit import IMPORT_WRITTEN, audit
from jkn_core.imports import orgspec
from jkn_core.imports.lookup import existing_rows, lookup
from jkn_core.imports.report import ImportReport
from jkn_core.imports.validate import ParsedTable
from jkn_core.schema import Base
from jkn_core.scope import Scope

logger = logging.getLogger(__name__)

#: On PostgreSQL, an import writing at least this many rows runs ANALYZE on its table before the hooks.
ANALYZE_AFTER_ROWS = 50_000


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return float(a) == float(b)
    if isinstance(a, dt.datetime) and not isinstance(b, dt.datetime):
        a = a.date()
    return a == b


def upsert(
    conn: Connection,
    table: str,
    key: Sequence[str],
    columns: Sequence[str],
    update_columns: Sequence[str] | None = None,
) -> Callable[[list[dict]], None]:
    """An upsert of rows (dicts) by natural key: INSERT ... ON CONFLICT (key) DO UPDATE.

    A new row is inserted with every one of ``columns``; an existing row gets only ``update_columns``
    (default: every non-key column), so a column the file left out keeps its stored value.
    """
    t = Base.metadata.tables[table]
    dialect = conn.dialect.name
    wanted = columns if update_columns is None else update_columns
    update_cols = [c for c in wanted if c not in key]
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
        found = existing_rows(conn, table, key, [], [tuple(r[k] for k in key) for r in rows])
        new = [r for r in rows if tuple(r[k] for k in key) not in found]
        old = [r for r in rows if tuple(r[k] for k in key) in found]
        if new:
            conn.execute(t.insert(), new)
        if old and update_cols:
            conn.execute(
                upd, [{**{f"k_{k}": r[k] for k in key}, **{f"v_{c}": r[c] for c in update_cols}} for r in old]
            )

    return write_generic


def new_families(conn: Connection, parsed: ParsedTable) -> list[dict[str, Any]]:
    """Families referenced by a participants file that do not exist yet, built from their rows.

    The first row of a family in the file (its head) gives segment, kelas, regency_code,
    branch_code, weight, auto_debit and head_birth_year (birth_year, i.e. the year of birth_date, or empty
    when the file gives neither); registered_on is the
    earliest registered_on of its rows; members is the number of its rows; arrears_before_months is 0.
    Existing families are never changed by a participants import.
    """
    cols = parsed.values
    ids = cols["family_id"]
    existing = lookup(conn, "families", "id", set(ids))
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
                "head_birth_year": cols["birth_year"][i],
                "arrears_before_months": 0,
                "weight": cols["weight"][i],
            }
        else:
            fam["members"] += 1
            fam["registered_on"] = min(fam["registered_on"], cols["registered_on"][i])
    return list(fams.values())


def write_rows(
    conn: Connection,
    scope: Scope,
    parsed: ParsedTable,
    report: ImportReport,
    dry_run: bool,
    progress: Callable[[int, int], Any] | None,
    chunk_rows: int,
) -> set[str] | None:
    """Upsert a problem-free file in the caller's transaction, counting inserted / updated / unchanged rows.

    Creates the new families of a participants file first. Not on a dry run: writes nothing but counts.
    Otherwise writes the audit row too and returns the branches touched (see :func:`touched_branches`).
    """
    spec, table, n = parsed.spec, parsed.spec.name, parsed.n
    families = new_families(conn, parsed) if table == "participants" else []
    report.families_created = len(families)
    if families and not dry_run:
        write_families = upsert(conn, "families", ("id",), list(families[0]))
        for start in range(0, len(families), chunk_rows):
            write_families(families[start : start + chunk_rows])

    columns = spec.db_columns
    key = spec.key
    stored = [c for c in columns if c not in key]  # read back: compared, and the old branch of a row
    compare = [c for c in stored if c in parsed.in_file]  # what an update may change
    where = [stored.index(c) for c in compare]
    write = upsert(conn, table, key, columns, compare)
    changes = dict.fromkeys(compare, 0)
    values = parsed.values
    touched: set[Any] = set()  # what locates the changed rows' branches (see touched_branches)
    moved: dict[str, tuple[str, str]] = {}  # regencies imports: {regency: (old branch, new branch)}
    if progress:
        progress(0, n)
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        rows = [{c: values[c][i] for c in columns} for i in range(start, stop)]
        keys = [tuple(r[k] for k in key) for r in rows]
        existing = existing_rows(conn, table, key, stored, keys)
        changed = []
        for r, k in zip(rows, keys, strict=True):
            old = existing.get(k)
            if old is None:
                report.inserted += 1
                changed.append(r)
                continue
            differ = [c for c, j in zip(compare, where, strict=True) if not _same(r[c], old[j])]
            if not differ:
                report.unchanged += 1
                continue
            report.updated += 1
            # the columns the file left out keep their stored values (also keeps NOT NULL columns filled
            # for the INSERT half of the upsert: a map file may hold only code and branch_code)
            changed.append({**r, **{c: old[j] for j, c in enumerate(stored) if c not in parsed.in_file}})
            for c in differ:
                changes[c] += 1
        if table == "regencies":
            moved |= orgspec.moved_regencies(
                changed, [existing.get(tuple(r[k] for k in key)) for r in changed], stored
            )
        if not dry_run:
            write(changed)
            touched |= _touched(
                table, stored, changed, [existing.get(tuple(r[k] for k in key)) for r in changed]
            )
        if progress:
            progress(stop, n)
    report.changes = {c: k for c, k in changes.items() if k}
    if moved:  # the rows that carry a copy of a moved regency's branch follow it (same transaction)
        report.moved = orgspec.move_regency_rows(conn, moved, dry_run)
        touched |= {b for pair in moved.values() for b in pair}
    if dry_run:
        return None
    branches = touched_branches(conn, table, touched)
    report.ok = True  # written: the audit row says "ok" (a failing commit replaces the report)
    audit_import(conn, scope, report)  # in the same transaction: data and audit row land together
    return branches


def run_hooks(engine: Engine, report: ImportReport, branches: set[str] | None) -> None:
    """After a committed import: fresh planner statistics for a big one, then every after-import hook.

    A failing hook is logged and reported in ``report.warnings``; the import stays committed.
    """
    table = report.table
    if engine.dialect.name == "postgresql" and report.inserted + report.updated >= ANALYZE_AFTER_ROWS:
        # fresh planner statistics before the refresh hooks query the table (autovacuum may be minutes away)
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"ANALYZE {table}")
        except SQLAlchemyError:
            incident = new_incident()
            logger.exception("incident %s: ANALYZE %s after an import failed", incident, table)
            report.warnings.append(f"ANALYZE {table} failed: the database refused it (incident {incident})")
    for hook in list(hooks.AFTER_IMPORT_HOOKS):
        try:
            if _takes_branches(hook):
                hook(engine, table, branches)
            else:
                hook(engine, table)
        except SQLAlchemyError:  # never echo SQL or values: the details go to the server log only
            incident = new_incident()
            logger.exception("incident %s: after-import hook %r failed", incident, hook)
            report.warnings.append(
                f"refresh hook {getattr(hook, '__name__', hook)!s} failed: the database refused it "
                f"(incident {incident})"
            )
        except Exception as exc:  # noqa: BLE001 - the import is committed; report, don't fail
            logger.exception("after-import hook %r failed", hook)
            report.warnings.append(f"refresh hook {getattr(hook, '__name__', hook)!s} failed: {exc}")


def _touched(
    table: str, compare: Sequence[str], changed: list[dict[str, Any]], old: list[tuple[Any, ...] | None]
) -> set[Any]:
    """What locates the branches of a chunk's changed rows (inserted or updated; ``old``: their previous
    values of ``compare``, None for new rows): branch codes for participants, families and facilities (an updated
    row's old branch too, should it have moved), family ids for contributions, facility codes for
    facility_months; nothing for the other tables."""
    if table in ("participants", "facilities", "families"):
        i = list(compare).index("branch_code")
        return {r["branch_code"] for r in changed} | {o[i] for o in old if o is not None}
    if table == "contributions":
        return {r["family_id"] for r in changed}
    if table == "facility_months":
        return {r["facility_code"] for r in changed}
    return set()


def touched_branches(conn: Connection, table: str, touched: set[Any]) -> set[str] | None:
    """Branch codes whose rows an import changed, for the refresh hooks; None for tables without a branch.

    contributions: the families' branch; facility_months: the facilities' branch; regencies: the old and
    new branch of every moved regency.
    """
    if table in ("participants", "facilities", "families", "regencies"):
        return set(touched)
    if table == "contributions":
        return {b for (b,) in lookup(conn, "families", "id", touched, ("branch_code",)).values()}
    if table == "facility_months":
        return {b for (b,) in lookup(conn, "facilities", "code", touched, ("branch_code",)).values()}
    return None


def _takes_branches(hook: Callable[..., Any]) -> bool:
    """True when ``hook`` accepts ``(engine, table, branches)``; older hooks take ``(engine, table)``."""
    try:
        inspect.signature(hook).bind(None, None, None)
    except (TypeError, ValueError):
        return False
    return True


def new_incident() -> str:
    """A short id that ties what a user is told to the details in the server log."""
    return secrets.token_hex(4).upper()


#: Audit action per outcome: only a written import is :data:`jkn_core.audit.IMPORT_WRITTEN` (the freshness
#: mark of the pre-aggregates follows it; a dry run or a rejection must not move it).
AUDIT_ACTIONS = {"ok": IMPORT_WRITTEN, "rejected": "import_rejected", "dry_run": "import_dry_run"}


def audit_import(conn: Engine | Connection, scope: Scope, report: ImportReport) -> None:
    """One ``audit_log`` row (:data:`AUDIT_ACTIONS`): inside the import's transaction for a written import,
    on its own for a rejected import or a dry run. Counts, never the file's values."""
    detail = {
        "status": report.status,
        "table": report.table,
        "file": report.filename,
        "rows": report.rows_in_file,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "changes": dict(report.changes),
        "families_created": report.families_created,
        "problems": len(report.problems),
        "name_warnings": len(report.name_warnings),
    }
    if any(report.moved.values()):
        detail["moved"] = dict(report.moved)
    if report.incident:
        detail["incident"] = report.incident
    audit(conn, scope, AUDIT_ACTIONS[report.status], detail)
