"""Facility KPIs: FKTP and FKRTL counts, participants per doctor against the 1 : 5,000 norm,
over-capacity FKTP, regencies that need redistribution or new contracts, contracted facilities,
KBK attainment and capitation paid. (Named ``facilities`` so that ``kpi.capacity`` stays the function.)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, func, select

from jkn_core import months, rules
from jkn_core.kpi.view import (
    NATION,
    Filters,
    level_columns,
    period_or_latest,
    reader,
    resolve_period,
    small_frame,
)
from jkn_core.schema import AggCapacity, Branch, Facility, FacilityMonth, Province, Regency, Region
from jkn_core.scope import Scope


def capacity(engine: Engine, scope: Scope, level: str = "branch", period: int | None = None,
             filters: Filters = NATION) -> pd.DataFrame:
    """FKTP and FKRTL counts, doctors, registered participants and participants per doctor per unit."""
    code_col, name_col = level_columns(level)
    with reader(engine).connect() as conn:
        period, pre = resolve_period(conn, period)
        if pre:  # per regency × branch facts of the month (jkn_core.kpi.refresh)
            c = AggCapacity
            q = (select(code_col.label("code"), name_col.label("unit"), func.sum(c.fktp).label("fktp"),
                        func.sum(c.fkrtl).label("fkrtl"), func.sum(c.doctors).label("doctors"),
                        func.sum(c.registered).label("registered"),
                        func.sum(c.capitation_paid).label("capitation_paid"))
                 .select_from(c).join(Branch, Branch.code == c.branch_code))
            # only the joins the level's names need (the aggregate carries branch and regency codes)
            if level in ("regency", "province"):
                q = q.join(Regency, Regency.code == c.regency_code)
            if level == "province":
                q = q.join(Province, Province.code == Regency.province_code)
            if level == "region":
                q = q.join(Region, Region.code == Branch.region_code)
            q = (q.where(c.period == period, scope.clause(Branch.region_code, Branch.code),
                         filters.clause(Branch.region_code, Branch.code, c.regency_code))
                 .group_by(code_col, name_col).order_by(code_col))
        else:
            fm = FacilityMonth.__table__  # joined on its primary key (facility_code, period): no subquery to build
            is_fktp = Facility.level == "FKTP"
            gp = case((rules.is_gp_fktp(Facility.level, Facility.type), Facility.doctors), else_=0)
            panel = case((rules.is_gp_fktp(Facility.level, Facility.type), func.coalesce(fm.c.registered, 0)), else_=0)
            q = (select(code_col.label("code"), name_col.label("unit"),
                        func.sum(case((is_fktp, 1), else_=0)).label("fktp"),
                        func.sum(case((Facility.level == "FKRTL", 1), else_=0)).label("fkrtl"),
                        func.sum(gp).label("doctors"), func.sum(panel).label("registered"),
                        func.sum(func.coalesce(fm.c.capitation_paid, 0)).label("capitation_paid"))
                 .select_from(Facility).join(Regency, Regency.code == Facility.regency_code)
                 .join(Branch, Branch.code == Facility.branch_code).join(Region, Region.code == Branch.region_code)
                 .join(Province, Province.code == Regency.province_code)
                 .outerjoin(fm, and_(fm.c.facility_code == Facility.code, fm.c.period == period))
                 .where(scope.clause(Branch.region_code, Branch.code),
                        filters.clause(Branch.region_code, Branch.code, Regency.code))
                 .group_by(code_col, name_col).order_by(code_col))
        rows = conn.execute(q).all()
    df = small_frame(rows, ["code", "unit", "fktp", "fkrtl", "doctors", "registered", "capitation_paid"],
                     ints=("fktp", "fkrtl", "doctors", "registered", "capitation_paid"))
    reg, docs = df["registered"].to_numpy(), df["doctors"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ppd = np.round(np.where(docs > 0, reg / np.where(docs > 0, docs, 1), np.nan), 0)
    df["participants_per_doctor"] = ppd
    df["over_norm"] = ppd > rules.PARTICIPANTS_PER_DOCTOR_NORM
    return df


def contracted_facilities(engine: Engine, scope: Scope, period: int, filters: Filters = NATION) -> dict[str, int]:
    """FKTP and FKRTL whose contract runs in month ``period`` (start ≤ month end, end ≥ month start)."""
    first, last = months.first_day(period), months.last_day(period)
    q = (select(func.sum(case((Facility.level == "FKTP", 1), else_=0)).label("fktp"),
                func.sum(case((Facility.level == "FKRTL", 1), else_=0)).label("fkrtl"))
         .join(Branch, Branch.code == Facility.branch_code)
         .where(Facility.contract_start <= last, Facility.contract_end >= first,
                scope.clause(Branch.region_code, Branch.code),
                filters.clause(Branch.region_code, Branch.code, Facility.regency_code)))
    with engine.connect() as conn:
        row = conn.execute(q).mappings().one()
    return {"fktp": int(row["fktp"] or 0), "fkrtl": int(row["fkrtl"] or 0)}


def _is_gp():  # type: ignore[no-untyped-def]
    """FKTP with general practitioners (dentist practices have no doctor panel)."""
    return rules.is_gp_fktp(Facility.level, Facility.type)


def over_capacity_facilities(engine: Engine, scope: Scope, period: int | None = None,
                             filters: Filters = NATION, norm: int = rules.PARTICIPANTS_PER_DOCTOR_NORM) -> pd.DataFrame:
    """FKTP whose registered participants per doctor exceed ``norm`` (or that have none), worst first."""
    period, _ = period_or_latest(engine, period)
    per_doc = FacilityMonth.registered / func.nullif(Facility.doctors, 0)
    q = (select(Facility.code.label("facility_code"), Facility.name.label("facility_name"), Facility.type,
                Branch.name.label("branch_name"), Regency.name.label("regency_name"), Facility.doctors,
                FacilityMonth.registered)
         .join(FacilityMonth, and_(FacilityMonth.facility_code == Facility.code, FacilityMonth.period == period))
         .join(Branch, Branch.code == Facility.branch_code).join(Regency, Regency.code == Facility.regency_code)
         .where(_is_gp(), scope.clause(Branch.region_code, Branch.code),
                filters.clause(Branch.region_code, Branch.code, Facility.regency_code),
                ((Facility.doctors > 0) & (FacilityMonth.registered > Facility.doctors * norm))
                | ((Facility.doctors == 0) & (FacilityMonth.registered > 0)))
         .order_by(per_doc.desc(), Facility.code))
    cols = ["facility_code", "facility_name", "type", "branch_name", "regency_name", "doctors", "registered"]
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(q).mappings().all(), columns=cols)
    df[["doctors", "registered"]] = df[["doctors", "registered"]].astype("int64")
    df["participants_per_doctor"] = (df["registered"] / df["doctors"].where(df["doctors"] > 0)).round(0)
    df["doctors_needed"] = [max(0, math.ceil(r / norm) - d) for r, d in zip(df["registered"], df["doctors"], strict=True)]
    return df


def regency_capacity(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION,
                     norm: int = rules.PARTICIPANTS_PER_DOCTOR_NORM) -> pd.DataFrame:
    """Per regency: FKTP, doctors, registered, participants per doctor, people in over-capacity FKTP,
    doctors short, and the action: ``new_contracts`` when the regency as a whole is over the norm,
    ``redistribute`` when it has room but some FKTP are over it, ``ok`` otherwise."""
    period, _ = period_or_latest(engine, period)
    gp = _is_gp()
    over = (Facility.doctors > 0) & (FacilityMonth.registered > Facility.doctors * norm) | (
        (Facility.doctors == 0) & (FacilityMonth.registered > 0))
    q = (select(Regency.code.label("regency_code"), Regency.name.label("regency_name"),
                Branch.name.label("branch_name"),
                func.count().label("fktp"), func.sum(Facility.doctors).label("doctors"),
                func.sum(FacilityMonth.registered).label("registered"),
                func.sum(case((over, 1), else_=0)).label("over_capacity_fktp"),
                func.sum(case((over, FacilityMonth.registered), else_=0)).label("registered_in_over"))
         .select_from(Facility)
         .join(FacilityMonth, and_(FacilityMonth.facility_code == Facility.code, FacilityMonth.period == period))
         .join(Branch, Branch.code == Facility.branch_code).join(Regency, Regency.code == Facility.regency_code)
         .where(gp, scope.clause(Branch.region_code, Branch.code),
                filters.clause(Branch.region_code, Branch.code, Facility.regency_code))
         .group_by(Regency.code, Regency.name, Branch.name).order_by(Regency.code))
    cols = ["regency_code", "regency_name", "branch_name", "fktp", "doctors", "registered", "over_capacity_fktp",
            "registered_in_over"]
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(q).mappings().all(), columns=cols)
    for c in cols[3:]:
        df[c] = df[c].astype("int64")
    df["participants_per_doctor"] = (df["registered"] / df["doctors"].where(df["doctors"] > 0)).round(0)
    df["doctors_short"] = [max(0, math.ceil(r / norm) - d) for r, d in zip(df["registered"], df["doctors"], strict=True)]
    df["action"] = ["new_contracts" if s > 0 else ("redistribute" if o > 0 else "ok")
                    for s, o in zip(df["doctors_short"], df["over_capacity_fktp"], strict=True)]
    return df


def kbk_attainment(engine: Engine, scope: Scope, level: str = "branch", period: int | None = None,
                   filters: Filters = NATION) -> pd.DataFrame:
    """Per unit: FKTP reporting, % meeting each KBK target (contact rate ≥ 150 ‰, non-specialist
    referrals ≤ 2 %, controlled Prolanis ≥ 5 %), % meeting all three, mean KBK payment %, and
    capitation paid in the month."""
    period, _ = period_or_latest(engine, period)
    code_col, name_col = level_columns(level)
    t = rules.KBK_TARGETS
    ak = FacilityMonth.contact_rate_pm >= t["contact_rate_pm"]
    rr = FacilityMonth.rrns_pct <= t["rrns_pct"]
    rp = FacilityMonth.rppt_pct >= t["rppt_pct"]
    q = (select(code_col.label("code"), name_col.label("unit"), func.count().label("fktp"),
                func.sum(case((ak, 1), else_=0)).label("n_contact"), func.sum(case((rr, 1), else_=0)).label("n_rrns"),
                func.sum(case((rp, 1), else_=0)).label("n_rppt"),
                func.sum(case((ak & rr & rp, 1), else_=0)).label("n_all"),
                func.avg(FacilityMonth.kbk_pct).label("kbk_payment_pct"),
                func.sum(FacilityMonth.capitation_paid).label("capitation_paid"))
         .select_from(Facility)
         .join(FacilityMonth, and_(FacilityMonth.facility_code == Facility.code, FacilityMonth.period == period))
         .join(Regency, Regency.code == Facility.regency_code).join(Branch, Branch.code == Facility.branch_code)
         .join(Region, Region.code == Branch.region_code).join(Province, Province.code == Regency.province_code)
         .where(Facility.level == "FKTP", scope.clause(Branch.region_code, Branch.code),
                filters.clause(Branch.region_code, Branch.code, Facility.regency_code))
         .group_by(code_col, name_col).order_by(code_col))
    cols = ["code", "unit", "fktp", "n_contact", "n_rrns", "n_rppt", "n_all", "kbk_payment_pct", "capitation_paid"]
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(q).mappings().all(), columns=cols)
    for c in ("fktp", "n_contact", "n_rrns", "n_rppt", "n_all", "capitation_paid"):
        df[c] = df[c].astype("int64")
    for n, out in (("n_contact", "contact_ok_pct"), ("n_rrns", "rrns_ok_pct"), ("n_rppt", "rppt_ok_pct"),
                   ("n_all", "all_ok_pct")):
        df[out] = (df[n] / df["fktp"].where(df["fktp"] > 0) * 100).round(2)
    df["kbk_payment_pct"] = df["kbk_payment_pct"].astype(float).round(2)
    return df.drop(columns=["n_contact", "n_rrns", "n_rppt", "n_all"])


def capitation_trend(engine: Engine, scope: Scope, filters: Filters = NATION) -> pd.DataFrame:
    """Capitation paid and registered participants of FKTP per month."""
    q = (select(FacilityMonth.period, func.sum(FacilityMonth.capitation_paid).label("capitation_paid"),
                func.sum(FacilityMonth.registered).label("registered"))
         .join(Facility, Facility.code == FacilityMonth.facility_code)
         .join(Branch, Branch.code == Facility.branch_code)
         .where(scope.clause(Branch.region_code, Branch.code),
                filters.clause(Branch.region_code, Branch.code, Facility.regency_code))
         .group_by(FacilityMonth.period).order_by(FacilityMonth.period))
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(q).mappings().all(), columns=["period", "capitation_paid", "registered"])
    return df.astype("int64")


