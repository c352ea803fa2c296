"""Pre-aggregation: materialised monthly facts the KPI queries read instead of scanning the base tables.

Three small tables (see ``jkn_core.schema``), rebuilt in SQL from the base tables:

- ``agg_collection``: per month × branch × regency × segment, the iuran billed for bills of that month
  and the iuran collected in that month (weighted Rupiah), with row counts;
- ``agg_arrears``: per ledger month × branch × regency × aging bucket, the people, families and Rupiah
  in arrears at the end of the month (the same per-family computation as ``kpi._arrears_families``);
- ``agg_coverage``: per ledger month × regency × branch × segment, participants registered by the end
  of the month and those active (cumulative);
- ``agg_capacity``: per ledger month × regency × branch, FKTP and FKRTL counts, GPs, registered
  participants and capitation paid (the facility table as it is, the month's facility facts).

When they are rebuilt
- after the demo is generated (:func:`refresh` is in ``jkn_core.generator.AFTER_GENERATE_HOOKS``);
- after every successful import of ``contributions``, ``participants``, ``families``, ``facilities`` or
  ``facility_months`` (a hook in
  ``jkn_core.ingest.AFTER_IMPORT_HOOKS``).
Both hooks are registered when this module is imported; ``jkn_core.kpi`` imports it.

When they are used
``kpi`` reads them only when :func:`usable` says they match the data: :func:`refresh` records the
latest ``import`` audit row it has seen, so an import that ran without the hook (a process that never
imported this module) makes the KPI queries fall back to the base tables until the next refresh.
Code that writes the ledger or participants by other means must call :func:`refresh` afterwards.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, case, func, insert, literal, select, union_all
from sqlalchemy.engine import Connection

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

META_KEY = "aggregates_state"
#: Imports of these tables change the aggregates.
SOURCE_TABLES = ("contributions", "participants", "families", "facilities", "facility_months")
AGG_TABLES = (AggCollection.__table__, AggArrears.__table__, AggCoverage.__table__, AggCapacity.__table__,
              AggCoverageRegency.__table__)


def _last_import():  # type: ignore[no-untyped-def]
    return select(func.max(AuditLog.id)).where(AuditLog.action == "import").scalar_subquery()


def _mark(last: int | None) -> str:
    return f"import:{last}" if last is not None else "import:none"


def _import_mark(conn: Connection) -> str:
    """The newest import audit row (or "none"): what the aggregates were built after."""
    return _mark(conn.execute(select(_last_import())).scalar())


def _ledger_periods(conn: Connection) -> list[int]:
    rows = conn.execute(select(Contribution.period).distinct().order_by(Contribution.period)).scalars().all()
    if not rows:
        rows = conn.execute(select(FacilityMonth.period).distinct().order_by(FacilityMonth.period)).scalars().all()
    return [int(r) for r in rows]


def refresh(engine: Engine) -> dict[str, Any]:
    """Rebuild every aggregate from the base tables in one transaction; returns row counts and seconds."""
    from jkn_core import kpi  # the per-family arrears query lives there (one definition)
    from jkn_core.scope import Scope

    t0 = dt.datetime.now()
    Base.metadata.create_all(engine, tables=list(AGG_TABLES))  # databases made before the aggregates existed
    with engine.begin() as conn:
        for table in AGG_TABLES:
            conn.execute(table.delete())
        conn.execute(Meta.__table__.delete().where(Meta.key == META_KEY))
        periods = _ledger_periods(conn)

        # --- collection: billed by bill month, collected by payment month -------------------------
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
        u = union_all(billed, paid).subquery()
        conn.execute(insert(AggCollection).from_select(
            ["period", "branch_code", "regency_code", "segment", "bills", "billed", "payments", "collected"],
            select(u.c.period, u.c.branch_code, u.c.regency_code, u.c.segment, func.sum(u.c.bills),
                   func.sum(u.c.billed), func.sum(u.c.payments), func.sum(u.c.collected))
            .group_by(u.c.period, u.c.branch_code, u.c.regency_code, u.c.segment)))

        # --- coverage: cumulative participants per ledger month ------------------------------------
        if periods:
            first = periods[0]
            rp = case((Participant.registered_period < first, first - 1), else_=Participant.registered_period)
            stage = (select(rp.label("rp"), Participant.regency_code, Participant.branch_code, Participant.segment,
                            func.sum(Participant.weight).label("participants"),
                            func.sum(case((Participant.status == "aktif", Participant.weight), else_=0))
                            .label("active"))
                     .where(Participant.registered_period <= periods[-1])
                     .group_by(rp, Participant.regency_code, Participant.branch_code, Participant.segment)).subquery()
            per = union_all(*[select(literal(p).label("period")) for p in periods]).subquery()
            conn.execute(insert(AggCoverage).from_select(
                ["period", "regency_code", "branch_code", "segment", "participants", "active"],
                select(per.c.period, stage.c.regency_code, stage.c.branch_code, stage.c.segment,
                       func.sum(stage.c.participants), func.sum(stage.c.active))
                .select_from(stage).join(per, stage.c.rp <= per.c.period)
                .group_by(per.c.period, stage.c.regency_code, stage.c.branch_code, stage.c.segment)))

            c = AggCoverage
            conn.execute(insert(AggCoverageRegency).from_select(
                ["period", "regency_code", "participants", "active"],
                select(c.period, c.regency_code, func.sum(c.participants), func.sum(c.active))
                .group_by(c.period, c.regency_code)))

        # --- capacity per ledger month (facilities as they are, panels and capitation of the month) ---
        fm = FacilityMonth.__table__
        is_fktp = Facility.level == "FKTP"
        gp_fktp = is_fktp & (Facility.type != "dokter_gigi")
        for p in periods:
            conn.execute(insert(AggCapacity).from_select(
                ["period", "regency_code", "branch_code", "fktp", "fkrtl", "doctors", "registered", "capitation_paid"],
                select(literal(p), Facility.regency_code, Facility.branch_code,
                       func.sum(case((is_fktp, 1), else_=0)), func.sum(case((Facility.level == "FKRTL", 1), else_=0)),
                       func.sum(case((gp_fktp, Facility.doctors), else_=0)),
                       func.sum(case((gp_fktp, func.coalesce(fm.c.registered, 0)), else_=0)),
                       func.sum(func.coalesce(fm.c.capitation_paid, 0)))
                .select_from(Facility).outerjoin(fm, (fm.c.facility_code == Facility.code) & (fm.c.period == p))
                .group_by(Facility.regency_code, Facility.branch_code)))

        # --- arrears at the end of each ledger month ----------------------------------------------
        ledger = conn.execute(select(Contribution.period).limit(1)).first() is not None
        for p in periods if ledger else []:
            a = kpi._arrears_families(conn, Scope.system(), p, kpi.NATION)
            bucket = case(*[(a.c.months.between(lo, hi), label) for label, lo, hi in kpi.AGING_BUCKETS],
                          else_=">24")
            conn.execute(insert(AggArrears).from_select(
                ["period", "branch_code", "regency_code", "bucket", "people", "families", "rp"],
                select(literal(p), a.c.branch_code, a.c.regency_code, bucket,
                       func.sum(a.c.members * a.c.weight), func.sum(a.c.weight), func.sum(a.c.rp * a.c.weight))
                .group_by(a.c.branch_code, a.c.regency_code, bucket)))

        conn.execute(insert(Meta).values(key=META_KEY,
                                         value=_import_mark(conn) + "|" + ",".join(map(str, periods))))
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in AGG_TABLES}
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for t in AGG_TABLES:
                conn.exec_driver_sql(f"ANALYZE {t.name}")
    return {"counts": counts, "seconds": round((dt.datetime.now() - t0).total_seconds(), 2)}


def usable(conn: Connection) -> bool:
    """True when the aggregates were built and no import has run since without refreshing them."""
    return current_periods(conn) is not None


def current_periods(conn: Connection) -> list[int] | None:
    """The ledger months the aggregates hold, or None when they are missing or stale."""
    row = conn.execute(select(select(Meta.value).where(Meta.key == META_KEY).scalar_subquery(),
                              _last_import())).first()  # one round trip
    state = row[0] if row else None
    if state is None:
        return None
    mark, _, ps = state.partition("|")
    if mark != _mark(row[1]):
        return None
    return [int(p) for p in ps.split(",") if p]


def after_import(engine: Engine, table: str) -> None:
    """Import hook: rebuild when the ledger or the participants changed."""
    if table in SOURCE_TABLES:
        refresh(engine)


def _register() -> None:
    from jkn_core import generator, ingest

    if refresh not in generator.AFTER_GENERATE_HOOKS:
        generator.AFTER_GENERATE_HOOKS.append(refresh)
    if after_import not in ingest.AFTER_IMPORT_HOOKS:
        ingest.AFTER_IMPORT_HOOKS.append(after_import)


_register()
