"""Pre-aggregation: materialised monthly facts the KPI queries read instead of scanning the base tables.

Small tables (see ``jkn_core.schema``), rebuilt in SQL from the base tables:

- ``agg_collection``: per month × branch × regency × segment, the iuran billed for bills of that month
  and the iuran collected in that month (weighted Rupiah), with row counts;
- ``agg_arrears``: per ledger month × branch × regency × aging bucket, the people, families and Rupiah
  in arrears at the end of the month (the same per-family computation as ``kpi.arrears_families``, every
  month in one pass: ``kpi.arrears.arrears_family_months``);
- ``agg_coverage``: per ledger month × regency × branch × segment, participants registered by the end
  of the month and those active (cumulative);
- ``agg_capacity``: per ledger month × regency × branch, FKTP and FKRTL counts, GPs, registered
  participants and capitation paid (the facility table as it is, the month's facility facts);
- ``agg_coverage_regency``: ``agg_coverage`` summed per month × regency.

When they are rebuilt
- in full after the demo is generated (:func:`refresh` is in ``jkn_core.hooks.AFTER_GENERATE_HOOKS``);
- after every successful import (:func:`after_import`, a hook in ``jkn_core.hooks.AFTER_IMPORT_HOOKS``),
  incrementally (:func:`refresh_branches`): an import of ``contributions``, ``participants``,
  ``facilities`` or ``facility_months`` rebuilds the rows of the branches it changed, every month
  (arrears at a month depend on earlier bills, coverage is cumulative), and the coverage of their
  regencies; rows are deleted and re-inserted with the same insert-selects as the full rebuild
  (``_insert_*``, given a branch list). Imports of other tables only move the freshness mark. A full
  rebuild is done instead when the import adds a month to the ledger, the aggregates were not current
  before the import, or the hook is not told the branches.
Both hooks are registered in :mod:`jkn_core.hooks`.

When they are used
``kpi`` reads them only when :func:`~jkn_core.kpi.freshness.usable` says they match the data (the mark is
read and checked in :mod:`jkn_core.kpi.freshness`): :func:`refresh` records the latest ``import`` audit
row it has seen, so an import that ran without the hook (a process that never
imported this module) makes the KPI queries fall back to the base tables until the next refresh.
Code that writes the ledger or participants by other means must call :func:`refresh` afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

from sqlalchemy import Engine, case, func, insert, literal, or_, select, union_all
from sqlalchemy.engine import Connection

from jkn_core import rules
from jkn_core.audit import IMPORT_WRITTEN
from jkn_core.kpi.arrears import AGING_BUCKETS, arrears_family_months
from jkn_core.kpi.freshness import META_KEY, last_import_id, state_mark
from jkn_core.kpi.freshness import current_periods as current_periods  # re-exported: the freshness mark
from jkn_core.kpi.freshness import usable as usable  # is read by every KPI, so it lives in kpi.freshness
from jkn_core.kpi.view import NATION
from jkn_core.schema import (
    AggArrears,
    AggCapacity,
    AggCollection,
    AggCoverage,
    AggCoverageRegency,
    AuditLog,
    Base,
    Contribution,
    Facility,
    FacilityMonth,
    Family,
    Meta,
    Participant,
)
from jkn_core.scope import Scope

#: Imports of these tables change the aggregates.
#: (``regencies``: a regency moved to another branch takes its families, participants and facilities along)
SOURCE_TABLES = ("contributions", "participants", "families", "facilities", "facility_months", "regencies")
AGG_TABLES = (AggCollection.__table__, AggArrears.__table__, AggCoverage.__table__, AggCapacity.__table__,
              AggCoverageRegency.__table__)


def _import_mark(conn: Connection) -> str:
    """The newest import audit row (or "none"): what the aggregates were built after."""
    return state_mark(conn.execute(select(last_import_id())).scalar())


def _ledger_periods(conn: Connection) -> list[int]:
    rows = conn.execute(select(Contribution.period).distinct().order_by(Contribution.period)).scalars().all()
    if not rows:
        rows = conn.execute(select(FacilityMonth.period).distinct().order_by(FacilityMonth.period)).scalars().all()
    return [int(r) for r in rows]


class _Branches:
    """A ``kpi.Filters`` look-alike keeping the rows of a set of branches (the incremental refresh)."""

    def __init__(self, branches: Sequence[str]) -> None:
        self.branches = list(branches)

    def clause(self, region_col, branch_col, regency_col=None):  # type: ignore[no-untyped-def]
        return branch_col.in_(self.branches)


def _only(stmt, col, values: Sequence[str] | None):  # type: ignore[no-untyped-def]
    """``stmt`` limited to ``col IN values``; unchanged when ``values`` is None (everything)."""
    return stmt if values is None else stmt.where(col.in_(list(values)))


# --- the definitions: one insert-select per table, for everything or for some branches ------------
#: Columns of each aggregate table, in the order the selects below produce them.
COLLECTION_COLUMNS = ["period", "branch_code", "regency_code", "segment", "bills", "billed", "payments", "collected"]
COVERAGE_COLUMNS = ["period", "regency_code", "branch_code", "segment", "participants", "active"]
COVERAGE_REGENCY_COLUMNS = ["period", "regency_code", "participants", "active"]
CAPACITY_COLUMNS = ["period", "regency_code", "branch_code", "fktp", "fkrtl", "doctors", "registered",
                    "capitation_paid"]
ARREARS_COLUMNS = ["period", "branch_code", "regency_code", "bucket", "people", "families", "rp"]


def _insert_collection(conn: Connection, branches: Sequence[str] | None) -> None:
    """Billed by bill month, collected by payment month (the families' branch)."""
    conn.execute(insert(AggCollection).from_select(COLLECTION_COLUMNS, collection_select(branches)))


# The definitions are public selects (columns ``*_COLUMNS``) so the Spark batch (jkn_batch) runs the very
# same SQL, compiled to text, on Parquet views named like the tables.
def collection_select(branches: Sequence[str] | None = None):  # type: ignore[no-untyped-def]
    """``agg_collection`` rows: billed by bill month, collected by payment month (the families' branch)."""
    fam_cols = (Family.branch_code, Family.regency_code, Family.segment)
    billed = (select(Contribution.period.label("period"), *fam_cols, func.count().label("bills"),
                     func.sum(Contribution.billed * Family.weight).label("billed"),
                     literal(0).label("payments"), literal(0).label("collected"))
              .join(Family, Family.id == Contribution.family_id)
              .group_by(Contribution.period, *fam_cols))
    paid = (select(Contribution.paid_period.label("period"), *fam_cols, literal(0).label("bills"),
                   literal(0).label("billed"), func.count().label("payments"),
                   func.sum(Contribution.paid * Family.weight).label("collected"))
            .join(Family, Family.id == Contribution.family_id)
            .where(Contribution.paid_period.is_not(None))
            .group_by(Contribution.paid_period, *fam_cols))
    u = union_all(_only(billed, Family.branch_code, branches), _only(paid, Family.branch_code, branches)).subquery()
    return (select(u.c.period, u.c.branch_code, u.c.regency_code, u.c.segment, func.sum(u.c.bills).label("bills"),
                   func.sum(u.c.billed).label("billed"), func.sum(u.c.payments).label("payments"),
                   func.sum(u.c.collected).label("collected"))
            .group_by(u.c.period, u.c.branch_code, u.c.regency_code, u.c.segment))


def _insert_coverage(conn: Connection, periods: list[int], branches: Sequence[str] | None) -> None:
    """Cumulative participants per ledger month (the participants' branch)."""
    if not periods:
        return
    conn.execute(insert(AggCoverage).from_select(COVERAGE_COLUMNS, coverage_select(periods, branches)))


def coverage_select(periods: list[int], branches: Sequence[str] | None = None):  # type: ignore[no-untyped-def]
    """``agg_coverage`` rows: cumulative participants per ledger month of ``periods`` (not empty)."""
    first = periods[0]
    rp = case((Participant.registered_period < first, first - 1), else_=Participant.registered_period)
    stage = _only(select(rp.label("rp"), Participant.regency_code, Participant.branch_code, Participant.segment,
                         func.sum(Participant.weight).label("participants"),
                         func.sum(case((Participant.status == "aktif", Participant.weight), else_=0))
                         .label("active"))
                  .where(Participant.registered_period <= periods[-1])
                  .group_by(rp, Participant.regency_code, Participant.branch_code, Participant.segment),
                  Participant.branch_code, branches).subquery()
    per = union_all(*[select(literal(p).label("period")) for p in periods]).subquery()
    return (select(per.c.period, stage.c.regency_code, stage.c.branch_code, stage.c.segment,
                   func.sum(stage.c.participants).label("participants"), func.sum(stage.c.active).label("active"))
            .select_from(stage).join(per, stage.c.rp <= per.c.period)
            .group_by(per.c.period, stage.c.regency_code, stage.c.branch_code, stage.c.segment))


def _insert_coverage_regency(conn: Connection, regencies: Sequence[str] | None) -> None:
    """``agg_coverage`` summed per month × regency (run after :func:`_insert_coverage`)."""
    conn.execute(insert(AggCoverageRegency).from_select(COVERAGE_REGENCY_COLUMNS,
                                                        coverage_regency_select(regencies)))


def coverage_regency_select(regencies: Sequence[str] | None = None):  # type: ignore[no-untyped-def]
    """``agg_coverage_regency`` rows: ``agg_coverage`` summed per month × regency."""
    c = AggCoverage
    return (_only(select(c.period, c.regency_code, func.sum(c.participants).label("participants"),
                         func.sum(c.active).label("active")), c.regency_code, regencies)
            .group_by(c.period, c.regency_code))


def _insert_capacity(conn: Connection, periods: list[int], branches: Sequence[str] | None) -> None:
    """Facilities as they are, panels and capitation of each ledger month (the facilities' branch), every
    month in one insert-select."""
    if periods:
        conn.execute(insert(AggCapacity).from_select(CAPACITY_COLUMNS, capacity_select(periods, branches)))


#: Name of the months list in :func:`capacity_select` (a Spark broadcast hint names it).
CAPACITY_MONTHS_ALIAS = "capacity_months"


def capacity_select(periods: Sequence[int], branches: Sequence[str] | None = None):  # type: ignore[no-untyped-def]
    """``agg_capacity`` rows of the months ``periods`` (not empty), in one pass: facilities as they are
    (every facility × every month), each month's panels and capitation (``facility_months`` of that month)."""
    fm = FacilityMonth.__table__
    per = union_all(*[select(literal(int(p)).label("period")) for p in periods]).subquery(CAPACITY_MONTHS_ALIAS)
    grid = (select(per.c.period, Facility.code, Facility.level, Facility.type, Facility.doctors,
                   Facility.regency_code, Facility.branch_code)
            .select_from(Facility).join(per, literal(True))
            # the months are a broadcast nested loop in Spark (a plain comment for SQLite and PostgreSQL)
            .prefix_with(f"/*+ BROADCAST({CAPACITY_MONTHS_ALIAS}) */"))
    g = _only(grid, Facility.branch_code, branches).subquery("capacity_grid")
    is_fktp = g.c.level == "FKTP"
    gp_fktp = rules.is_gp_fktp(g.c.level, g.c.type)
    return (select(g.c.period, g.c.regency_code, g.c.branch_code,
                   func.sum(case((is_fktp, 1), else_=0)).label("fktp"),
                   func.sum(case((g.c.level == "FKRTL", 1), else_=0)).label("fkrtl"),
                   func.sum(case((gp_fktp, g.c.doctors), else_=0)).label("doctors"),
                   func.sum(case((gp_fktp, func.coalesce(fm.c.registered, 0)), else_=0)).label("registered"),
                   func.sum(func.coalesce(fm.c.capitation_paid, 0)).label("capitation_paid"))
            .select_from(g).outerjoin(fm, (fm.c.facility_code == g.c.code) & (fm.c.period == g.c.period))
            .group_by(g.c.period, g.c.regency_code, g.c.branch_code))


def _insert_arrears(conn: Connection, periods: list[int], branches: Sequence[str] | None) -> None:
    """Arrears at the end of each ledger month (the families' branch), one insert-select for every month
    (:func:`~jkn_core.kpi.arrears.arrears_family_months`)."""
    if not periods or conn.execute(select(Contribution.period).limit(1)).first() is None:
        return
    conn.execute(insert(AggArrears).from_select(ARREARS_COLUMNS, arrears_select(conn, periods, branches)))


def arrears_select(bind: Any, periods: Sequence[int], branches: Sequence[str] | None = None):  # type: ignore[no-untyped-def]
    """``agg_arrears`` rows of the months ``periods`` (not empty), in one pass over the ledger (``bind``:
    what :func:`~jkn_core.kpi.arrears.arrears_family_months` asks the first ledger month)."""
    filters = NATION if branches is None else _Branches(branches)
    a = arrears_family_months(bind, Scope.system(), list(periods), filters)
    bucket = case(*[(a.c.months.between(lo, hi), label) for label, lo, hi in AGING_BUCKETS], else_=">24")
    return (select(a.c.period, a.c.branch_code, a.c.regency_code, bucket.label("bucket"),
                   func.sum(a.c.members * a.c.weight).label("people"), func.sum(a.c.weight).label("families"),
                   func.sum(a.c.rp * a.c.weight).label("rp"))
            .group_by(a.c.period, a.c.branch_code, a.c.regency_code, bucket))


def _ensure_tables(engine: Engine) -> None:
    """Create the aggregate tables, and indexes added since a database was made (create_all skips those)."""
    Base.metadata.create_all(engine, tables=list(AGG_TABLES))
    with engine.begin() as conn:
        for table in AGG_TABLES:
            for index in table.indexes:
                index.create(conn, checkfirst=True)


def _write_state(conn: Connection, mark: str, periods: list[int]) -> None:
    """The freshness mark: the import the aggregates include (read BEFORE the base tables, so an import
    committing meanwhile is never marked as included) and the ledger months."""
    conn.execute(Meta.__table__.delete().where(Meta.key == META_KEY))
    conn.execute(insert(Meta).values(key=META_KEY, value=mark + "|" + ",".join(map(str, periods))))


def mark_current(conn: Connection, periods: list[int]) -> None:
    """Mark the aggregates as current for ``periods`` (the ledger months they hold), inside the caller's
    transaction: what the Spark batch's loader (``jkn_batch load``) calls after writing the tables it
    computed from the same base tables. An import after it makes them stale again, as after :func:`refresh`."""
    _write_state(conn, _import_mark(conn), sorted(int(p) for p in periods))


def rebuild_all(conn: Connection) -> None:
    """Every aggregate from the base tables, inside the caller's transaction."""
    mark = _import_mark(conn)
    for table in AGG_TABLES:
        conn.execute(table.delete())
    periods = _ledger_periods(conn)
    _insert_collection(conn, None)
    _insert_coverage(conn, periods, None)
    _insert_coverage_regency(conn, None)
    _insert_capacity(conn, periods, None)
    _insert_arrears(conn, periods, None)
    _write_state(conn, mark, periods)


def _rebuild_branches(conn: Connection, periods: list[int], branches: list[str]) -> None:
    """The aggregate rows of ``branches`` (all months) and of their regencies, inside the caller's transaction."""
    if not branches:
        return
    cov = AggCoverage.__table__
    regencies = set(conn.execute(select(cov.c.regency_code).distinct()
                                 .where(cov.c.branch_code.in_(branches))).scalars())
    for table in AGG_TABLES:
        if table is not AggCoverageRegency.__table__:
            conn.execute(table.delete().where(table.c.branch_code.in_(branches)))
    _insert_collection(conn, branches)
    _insert_coverage(conn, periods, branches)
    _insert_capacity(conn, periods, branches)
    _insert_arrears(conn, periods, branches)
    regencies |= set(conn.execute(select(cov.c.regency_code).distinct()
                                  .where(cov.c.branch_code.in_(branches))).scalars())
    if regencies:
        reg = sorted(regencies)
        conn.execute(AggCoverageRegency.__table__.delete().where(AggCoverageRegency.regency_code.in_(reg)))
        _insert_coverage_regency(conn, reg)


def refresh(engine: Engine) -> dict[str, Any]:
    """Rebuild every aggregate from the base tables in one transaction; returns row counts and seconds."""
    t0 = dt.datetime.now()
    _ensure_tables(engine)  # databases made before the aggregates (or their indexes) existed
    with engine.begin() as conn:
        rebuild_all(conn)
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in AGG_TABLES}
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for t in AGG_TABLES:
                conn.exec_driver_sql(f"ANALYZE {t.name}")
    return {"counts": counts, "seconds": round((dt.datetime.now() - t0).total_seconds(), 2)}


def _incremental_periods(conn: Connection) -> tuple[str, list[int]] | None:
    """The newest import's mark and the ledger months when the aggregates were current just before that
    import (so rebuilding the branches it changed makes them current), else None.

    None (rebuild everything) when: no state, the state is older than the import before the newest one
    (an import ran without the hook, or two imports raced), the months came from ``facility_months``
    (empty ledger), or the ledger now holds a month the aggregates do not (a new month shifts nothing
    back, but the month list itself and every branch's rows for it must be built).
    """
    state = conn.execute(select(Meta.value).where(Meta.key == META_KEY)).scalar()
    if state is None:
        return None
    last = conn.execute(select(last_import_id())).scalar()
    if last is None:
        return None
    prev = conn.execute(select(func.max(AuditLog.id)).where(AuditLog.action == IMPORT_WRITTEN, AuditLog.id < last)).scalar()
    mark, _, ps = state.partition("|")
    periods = [int(p) for p in ps.split(",") if p]
    if mark != state_mark(prev) or not periods:
        return None
    p = Contribution.period  # a month outside the held ones: below, above or between (index probes)
    outside = [p < periods[0], p > periods[-1], *[(p > a) & (p < b) for a, b in pairwise(periods)]]
    if conn.execute(select(p).limit(1)).first() is None:
        return None  # the months came from facility_months
    if conn.execute(select(p).where(or_(*outside)).limit(1)).first() is not None:
        return None
    return state_mark(last), periods


def refresh_branches(engine: Engine, branches: Iterable[str]) -> dict[str, Any]:
    """After an import: rebuild only the rows of ``branches`` (all months) and of their regencies.

    ``branches`` are those whose base rows the import changed (old and new branch of a moved row). The
    rows are deleted and re-inserted with the same definitions as :func:`refresh`, and the freshness
    mark moves to the newest import, in one transaction. Falls back to a full rebuild (same
    transaction) when the aggregates were not current before the import, the ledger months changed, or
    the branches are all the branches there are. Returns ``{"mode": "branches" | "full", "branches": [...], "seconds": ...}``.
    """
    t0 = dt.datetime.now()
    todo = sorted(set(branches))
    _ensure_tables(engine)
    with engine.begin() as conn:
        current = _incremental_periods(conn)
        if current is not None and _covers_every_branch(conn, todo):
            current = None  # every branch with data changed: plain full inserts beat per-branch deletes
        if current is None:
            rebuild_all(conn)
        else:
            mark, periods = current
            _rebuild_branches(conn, periods, todo)
            _write_state(conn, mark, periods)
    if current is None and engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for t in AGG_TABLES:
                conn.exec_driver_sql(f"ANALYZE {t.name}")
    return {"mode": "full" if current is None else "branches", "branches": todo,
            "seconds": round((dt.datetime.now() - t0).total_seconds(), 2)}


def _covers_every_branch(conn: Connection, branches: list[str]) -> bool:
    """True when ``branches`` include every branch the aggregates hold rows for."""
    held = set(conn.execute(select(AggCoverage.branch_code).distinct()).scalars())
    held |= set(conn.execute(select(AggCollection.branch_code).distinct()).scalars())
    return bool(held) and held <= set(branches)


def after_import(engine: Engine, table: str, branches: Iterable[str] | None = None) -> None:
    """Import hook: bring the aggregates up to date with the import just committed.

    ``branches``: the branches whose base rows the import changed, or None when unknown (then everything
    is rebuilt). Tables the aggregates do not read (population, targets, ...) touch no branch: only the
    freshness mark moves (:func:`refresh_branches` with no branch; a full rebuild if they were stale).
    """
    if table not in SOURCE_TABLES:
        refresh_branches(engine, ())
    elif branches is None:
        refresh(engine)
    else:
        refresh_branches(engine, branches)




def refresh_after_write(engine: Engine, branches: Iterable[str]) -> dict[str, Any]:
    """After a write to the ledger or the participants that is not an import (a Rehab stage payment, #13):
    rebuild the aggregate rows of ``branches`` (all months, the same insert-selects) in one transaction when
    the aggregates are current; the freshness mark stays. When they are stale nothing is done: the KPIs
    already read the base tables until the next refresh. Returns ``{"mode": "branches" | "none", ...}``."""
    t0 = dt.datetime.now()
    todo = sorted(set(branches))
    _ensure_tables(engine)
    with engine.begin() as conn:
        periods = current_periods(conn)
        if not todo or not periods:
            return {"mode": "none", "branches": todo, "seconds": 0.0}
        _rebuild_branches(conn, list(periods), todo)
    return {"mode": "branches", "branches": todo, "seconds": round((dt.datetime.now() - t0).total_seconds(), 2)}
