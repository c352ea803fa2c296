"""KPIs of the directors' pages that jkn_core.kpi does not offer (see docs/directors.md).

- :func:`overview_cards`: the headline KPIs, each with its target (``targets`` table via
  :func:`jkn_core.kpi.target`), the change against last month and last year, and a status colour;
- :func:`rehab_pool` and :func:`penalty_exposure`: the Rehab-eligible pool and the estimated 5 %
  inpatient penalty after reactivation (Perpres 64/2020 Pasal 42);
- :func:`branch_league`: a Portfolio-at-risk style league table of branches with traffic lights;
- :func:`over_capacity_facilities`, :func:`regency_capacity`: FKTP above the 1 : 5,000 norm and the
  regencies that need redistribution or new contracts;
- :func:`kbk_attainment`, :func:`capitation_trend`: KBK indicators and capitation paid;
- drill-down helpers: :func:`clean_filters`, :func:`filters_to_params`, :func:`target_level`.

Everything aggregates in SQL through SQLAlchemy Core, applies the user's :class:`Scope` and the
drill-down :class:`~jkn_core.kpi.Filters`, and runs the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, case, func, select

from jkn_core import kpi, months, rules
from jkn_core.kpi import NATION, Filters
from jkn_core.schema import (
    SELF_PAYING_SEGMENTS,
    AggArrears,
    AggCoverage,
    Branch,
    CareEvent,
    Facility,
    FacilityMonth,
    Family,
    Participant,
    Regency,
)
from jkn_core.scope import Scope

GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"
#: A good-when-up KPI within this many percentage points below target is amber (else red).
AMBER_BAND_PTS = 2.0
#: A bad-when-up ratio KPI (participants per doctor) up to this factor above its maximum is amber.
AMBER_BAND_FACTOR = 1.10
#: Arrears changing less than this share month on month count as flat (amber), not rising/falling.
FLAT_CHANGE = 0.005
#: League table: collectability this many points under target is red; arrears rising > this is red.
LEAGUE_RED_PTS = 10.0
LEAGUE_RED_RISE = 0.02
#: How many months of care events give the average inpatient cost.
INPATIENT_COST_MONTHS = 12


# --- periods and drill-down ----------------------------------------------------------------------
shift_period = months.shift


def _held(engine: Engine, period: int | None) -> tuple[int, list[int]]:
    ps = kpi.periods(engine)
    if not ps:
        raise LookupError("the database holds no monthly data yet")
    return (period if period in ps else ps[-1]), ps


def clean_filters(hier: pd.DataFrame, region: str | None = None, branch: str | None = None,
                  regency: str | None = None) -> Filters:
    """Filters from (URL) codes, kept only where the scope's hierarchy holds them and they nest.

    A code the user may not see, or that does not belong to the level above, is dropped, so a link
    from someone with a wider scope opens the widest view this user may have.
    """
    h = hier
    region = region if region and region in set(h["region_code"]) else None
    if region:
        h = h[h["region_code"] == region]
    branch = branch if branch and branch in set(h["branch_code"]) else None
    if branch:
        h = h[h["branch_code"] == branch]
        region = region or str(h["region_code"].iloc[0])
    regency = regency if regency and regency in set(h["regency_code"]) else None
    if regency:
        row = h[h["regency_code"] == regency].iloc[0]
        branch, region = str(row["branch_code"]), str(row["region_code"])
    return Filters(region=region, branch=branch, regency=regency)


def filters_to_params(filters: Filters, period: int | None = None) -> dict[str, str]:
    """The URL query parameters that reopen a view."""
    out = {k: v for k, v in (("region", filters.region), ("branch", filters.branch),
                             ("regency", filters.regency)) if v}
    if period:
        out["period"] = str(period)
    return out


def target_level(scope: Scope, filters: Filters) -> tuple[str, str]:
    """The (level, code) whose target applies to the view (branch > region > national)."""
    branch = filters.branch or scope.branch_code
    if branch:
        return "branch", branch
    region = filters.region or scope.region_code
    if region:
        return "region", region
    return "national", ""


def _target(engine: Engine, kpi_name: str, period: int, scope: Scope, filters: Filters) -> float | None:
    level, code = target_level(scope, filters)
    return kpi.target(engine, kpi_name, period // 100, level, code)


# --- status colours ------------------------------------------------------------------------------
def status_up_good(value: float | None, target: float | None) -> str:
    """Good-when-up KPI (coverage, collectability): green at/above target, amber within
    :data:`AMBER_BAND_PTS` points below, red further below; grey without value or target."""
    if value is None or target is None or _nan(value):
        return GREY
    if value >= target:
        return GREEN
    return AMBER if value >= target - AMBER_BAND_PTS else RED


def status_max(value: float | None, maximum: float | None) -> str:
    """Bad-when-up ratio with a ceiling (participants per doctor): green at/below it, amber up to
    :data:`AMBER_BAND_FACTOR` × the ceiling, red above."""
    if value is None or maximum is None or _nan(value):
        return GREY
    if value <= maximum:
        return GREEN
    return AMBER if value <= maximum * AMBER_BAND_FACTOR else RED


def status_down_good(value: float | None, previous: float | None) -> str:
    """Bad-when-up amount (arrears): red when it rose against last month by more than
    :data:`FLAT_CHANGE`, green when it fell by more than that, amber when flat."""
    if value is None or previous is None or _nan(value) or _nan(previous) or previous == 0:
        return GREY
    change = (value - previous) / abs(previous)
    if change > FLAT_CHANGE:
        return RED
    return GREEN if change < -FLAT_CHANGE else AMBER


def _nan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


# --- the headline KPIs ---------------------------------------------------------------------------
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


def _month_values(engine: Engine, scope: Scope, period: int, filters: Filters) -> dict[str, float | None]:
    cov = kpi.coverage(engine, scope, "nation", period, filters)
    col = kpi.collectability(engine, scope, "month", period, period, filters)
    arr = kpi.arrears_total(engine, scope, period, filters)
    cap = kpi.capacity(engine, scope, "nation", period, filters)
    fac = contracted_facilities(engine, scope, period, filters)
    c = cov.iloc[0] if len(cov) else None
    k = cap.iloc[0] if len(cap) else None
    coll = col.loc[col["period"] == period, "collectability_pct"] if len(col) else pd.Series(dtype=float)
    return {
        "participants": float(c["participants"]) if c is not None else None,
        "coverage_pct": float(c["coverage_pct"]) if c is not None else None,
        "active_pct": float(c["active_pct"]) if c is not None else None,
        "collectability_pct": float(coll.iloc[0]) if len(coll) and not pd.isna(coll.iloc[0]) else None,
        "arrears_rp": float(arr["rp"]),
        "arrears_people": float(arr["people"]),
        "fktp": float(fac["fktp"]),
        "fkrtl": float(fac["fkrtl"]),
        "participants_per_doctor": (float(k["participants_per_doctor"])
                                    if k is not None and not pd.isna(k["participants_per_doctor"]) else None),
    }


#: card key -> (unit, kind of status, target KPI name in the targets table)
CARDS: dict[str, tuple[str, str, str | None]] = {
    "participants": ("people", "info", None),
    "coverage_pct": ("pct", "up_good", "coverage_pct"),
    "active_pct": ("pct", "up_good", "active_pct"),
    "collectability_pct": ("pct", "up_good", "collectability_pct"),
    "arrears_rp": ("rp", "down_good", None),
    "arrears_people": ("people", "down_good", None),
    "fktp": ("count", "info", None),
    "fkrtl": ("count", "info", None),
    "participants_per_doctor": ("ratio", "max", "participants_per_doctor"),
}


def overview_cards(engine: Engine, scope: Scope, period: int | None = None,
                   filters: Filters = NATION) -> pd.DataFrame:
    """One row per headline KPI: value, target, last month, last year, changes and status colour.

    ``target`` for arrears is the yearly reduction target (``arrears_reduction_pct``, % fewer Rupiah
    than a year before); its status still turns red whenever arrears rose against last month.
    """
    period, ps = _held(engine, period)
    now = _month_values(engine, scope, period, filters)
    pm, py = shift_period(period, -1), shift_period(period, -12)
    last_m = _month_values(engine, scope, pm, filters) if pm in ps else {}
    last_y = _month_values(engine, scope, py, filters) if py in ps else {}
    reduction = _target(engine, "arrears_reduction_pct", period, scope, filters)
    rows = []
    for key, (unit, kind, tkpi) in CARDS.items():
        v, m, y = now.get(key), last_m.get(key), last_y.get(key)
        tgt = _target(engine, tkpi, period, scope, filters) if tkpi else None
        if kind == "up_good":
            status = status_up_good(v, tgt)
        elif kind == "max":
            status = status_max(v, tgt)
        elif kind == "down_good":
            status = status_down_good(v, m)
            if status != RED and reduction is not None and y:
                # falling month on month but behind the yearly reduction target: amber
                if (y - v) / y * 100 < reduction:
                    status = AMBER
            tgt = y * (1 - reduction / 100) if (reduction is not None and y) else None
        else:
            status = GREY
        rows.append({"kpi": key, "unit": unit, "value": v, "target": tgt, "last_month": m, "last_year": y,
                     "change_month": (v - m) if v is not None and m is not None else None,
                     "change_year": (v - y) if v is not None and y is not None else None,
                     "status": status, "period": period})
    return pd.DataFrame(rows)


# --- arrears: Rehab pool and the inpatient penalty ------------------------------------------------
def _arrears_by_months(engine: Engine, scope: Scope, period: int, filters: Filters) -> pd.DataFrame:
    """People, families and Rupiah in arrears per number of months in arrears (kpi's definition)."""
    a = kpi._arrears_families(engine, scope, period, filters)
    q = (select(a.c.months, func.sum(a.c.members * a.c.weight).label("people"),
                func.sum(a.c.weight).label("families"), func.sum(a.c.rp * a.c.weight).label("rp"))
         .where(a.c.segment.in_(SELF_PAYING_SEGMENTS)).group_by(a.c.months).order_by(a.c.months))
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(q).mappings().all(), columns=["months", "people", "families", "rp"])
    return df.astype("int64")


def rehab_pool(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> dict[str, int]:
    """PBPU/BP in arrears 4–24 months, who may join the Rehab instalment programme."""
    period, _ = _held(engine, period)
    # the ledger holds only PBPU/BP families, and 4–24 months are exactly the aging buckets 4-6, 7-12, 13-24
    rehab = [label for label, lo, hi in kpi.AGING_BUCKETS if lo >= rules.REHAB_MIN_MONTHS and hi <= rules.REHAB_MAX_MONTHS]
    d = kpi.arrears_aging(engine, scope, period, filters)
    d = d[d["bucket"].isin(rehab)]
    return {"people": int(d["people"].sum()), "families": int(d["families"].sum()), "rp": int(d["rp"].sum())}


def inpatient_stats(engine: Engine, scope: Scope, period: int | None = None,
                    filters: Filters = NATION) -> dict[str, float]:
    """Average inpatient cost (Rp per stay) and inpatient stays per person-month, from
    ``care_events`` of the :data:`INPATIENT_COST_MONTHS` months up to ``period`` (weighted)."""
    period, _ = _held(engine, period)
    start = shift_period(period, -(INPATIENT_COST_MONTHS - 1))
    q = (select(func.sum(Family.weight).label("stays"), func.sum(CareEvent.cost * Family.weight).label("cost"))
         .select_from(CareEvent).join(Family, Family.id == CareEvent.family_id)
         .join(Branch, Branch.code == Family.branch_code)
         .where(CareEvent.kind == "rawat_inap", CareEvent.period.between(start, period),
                scope.clause(Branch.region_code, Branch.code),
                filters.clause(Branch.region_code, Branch.code, Family.regency_code)))
    pq = (select(func.sum(Family.members * Family.weight)).join(Branch, Branch.code == Family.branch_code)
          .where(scope.clause(Branch.region_code, Branch.code),
                 filters.clause(Branch.region_code, Branch.code, Family.regency_code)))
    with engine.connect() as conn:
        row = conn.execute(q).mappings().one()
        people = conn.execute(pq).scalar() or 0
    stays, cost = int(row["stays"] or 0), int(row["cost"] or 0)
    months = len([p for p in kpi.periods(engine) if start <= p <= period]) or 1
    return {"avg_cost": cost / stays if stays else 0.0, "stays": float(stays),
            "rate_per_person_month": stays / (people * months) if people else 0.0}


def penalty_per_stay(months: int, avg_cost: float) -> float:
    """Perpres 64/2020: 5 % × months in arrears (at most 12) × cost, at most Rp 30 juta."""
    return min(rules.PENALTY_RATE * min(months, rules.PENALTY_MAX_MONTHS) * avg_cost, rules.PENALTY_MAX_RP)


def penalty_exposure(engine: Engine, scope: Scope, period: int | None = None,
                     filters: Filters = NATION) -> pd.DataFrame:
    """Estimated 5 % inpatient penalty if everyone in arrears reactivated, per months in arrears.

    expected stays = people × inpatient stays per person-month × 1.5 months (the 45-day window);
    exposure = expected stays × :func:`penalty_per_stay` (average inpatient cost of the scope).
    The last row (``months`` = 0) is the total.
    """
    period, _ = _held(engine, period)
    stats = inpatient_stats(engine, scope, period, filters)
    d = _arrears_by_months(engine, scope, period, filters)
    d["months_counted"] = d["months"].clip(upper=rules.PENALTY_MAX_MONTHS)
    d["penalty_per_stay"] = [penalty_per_stay(int(m), stats["avg_cost"]) for m in d["months"]]
    d["expected_stays"] = d["people"] * stats["rate_per_person_month"] * rules.PENALTY_WINDOW_MONTHS
    d["exposure_rp"] = (d["expected_stays"] * d["penalty_per_stay"]).round(0)
    d = d[["months", "people", "months_counted", "penalty_per_stay", "expected_stays", "exposure_rp"]]
    total = {"months": 0, "people": int(d["people"].sum()), "months_counted": 0,
             "penalty_per_stay": float("nan"), "expected_stays": float(d["expected_stays"].sum()),
             "exposure_rp": float(d["exposure_rp"].sum())}
    d = pd.concat([d, pd.DataFrame([total])], ignore_index=True)
    d.attrs.update(avg_inpatient_cost=stats["avg_cost"], rate_per_person_month=stats["rate_per_person_month"])
    return d


# --- branch league table -------------------------------------------------------------------------
def _fresh(engine: Engine, period: int) -> bool:
    """True when the pre-aggregates are current and hold ``period``."""
    with engine.connect() as conn:
        return kpi._resolve(conn, period)[1]


def _self_paying_people(engine: Engine, scope: Scope, period: int, filters: Filters, pre: bool) -> pd.DataFrame:
    if pre:  # cumulative participants per month × branch × segment (jkn_core.kpi.refresh)
        c = AggCoverage
        q = (select(c.branch_code, func.sum(c.participants).label("self_paying"))
             .where(c.period == period, c.segment.in_(SELF_PAYING_SEGMENTS),
                    kpi._branch_where(scope, filters, c.branch_code, c.regency_code))
             .group_by(c.branch_code))
        with engine.connect() as conn:
            return pd.DataFrame(conn.execute(q).all(), columns=["branch_code", "self_paying"])
    q = (select(Participant.branch_code, func.sum(Participant.weight).label("self_paying"))
         .join(Branch, Branch.code == Participant.branch_code)
         .where(Participant.registered_period <= period, Participant.segment.in_(SELF_PAYING_SEGMENTS),
                scope.clause(Branch.region_code, Branch.code),
                filters.clause(Branch.region_code, Branch.code, Participant.regency_code))
         .group_by(Participant.branch_code))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=["branch_code", "self_paying"])


def _par_people(engine: Engine, scope: Scope, period: int, filters: Filters, pre: bool) -> pd.DataFrame:
    if pre:  # more than 3 months = every aging bucket above 1-3
        g = AggArrears
        over3 = [label for label, lo, _hi in kpi.AGING_BUCKETS if lo > 3]
        q = (select(g.branch_code, func.sum(case((g.bucket.in_(over3), g.people), else_=0)).label("par_people"))
             .where(g.period == period, kpi._branch_where(scope, filters, g.branch_code, g.regency_code))
             .group_by(g.branch_code))
        with engine.connect() as conn:
            return pd.DataFrame(conn.execute(q).all(), columns=["branch_code", "par_people"])
    a = kpi._arrears_families(engine, scope, period, filters)
    q = (select(a.c.branch_code, func.sum(case((a.c.months > 3, a.c.members * a.c.weight), else_=0))
                .label("par_people")).group_by(a.c.branch_code))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=["branch_code", "par_people"])


def league_light(collectability: float | None, target: float | None, arrears_change: float | None) -> str:
    """Red: collectability more than :data:`LEAGUE_RED_PTS` under target, or arrears up by more
    than :data:`LEAGUE_RED_RISE`; green: at/above target and arrears not rising; amber otherwise."""
    if collectability is None or _nan(collectability):
        return GREY
    rising = arrears_change is not None and not _nan(arrears_change) and arrears_change > LEAGUE_RED_RISE
    if rising or (target is not None and collectability < target - LEAGUE_RED_PTS):
        return RED
    if (target is None or collectability >= target) and not (
            arrears_change is not None and not _nan(arrears_change) and arrears_change > 0):
        return GREEN
    return AMBER


def branch_league(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> pd.DataFrame:
    """Per branch: collectability of the month vs target, arrears (people, Rp, change vs last month),
    PAR 3 (% of PBPU/BP participants in families more than 3 months in arrears), Rehab pool, and a
    traffic light (:func:`league_light`). Sorted worst first (highest PAR 3)."""
    period, ps = _held(engine, period)
    f = Filters(region=filters.region, branch=filters.branch)  # branches are whole units
    col = kpi.collectability(engine, scope, "branch", period, period, f)
    arr = kpi.arrears_by_branch(engine, scope, period, f)
    pm = shift_period(period, -1)
    prev = (kpi.arrears_by_branch(engine, scope, pm, f)[["branch_code", "rp"]].rename(columns={"rp": "rp_prev"})
            if pm in ps else pd.DataFrame(columns=["branch_code", "rp_prev"]))
    pre = _fresh(engine, period)  # both head counts read the aggregates when they are current
    sp = _self_paying_people(engine, scope, period, f, pre)
    par = _par_people(engine, scope, period, f, pre)
    df = (col[["branch_code", "branch_name", "billed", "collected", "collectability_pct"]]
          .merge(arr.drop(columns=["branch_name"]), on="branch_code", how="outer")
          .merge(prev, on="branch_code", how="left").merge(sp, on="branch_code", how="left")
          .merge(par, on="branch_code", how="left"))
    if df["branch_name"].isna().any():
        with engine.connect() as conn:
            names = dict(conn.execute(select(Branch.code, Branch.name)).all())
        df["branch_name"] = df["branch_name"].fillna(df["branch_code"].map(names))
    for c in ("billed", "collected", "people", "rp", "rehab_people", "rehab_rp", "self_paying", "par_people"):
        df[c] = df[c].fillna(0).astype("int64")
    df["target_pct"] = [kpi.target(engine, "collectability_pct", period // 100, "branch", b) for b in df["branch_code"]]
    df["arrears_change_pct"] = ((df["rp"] - df["rp_prev"]) / df["rp_prev"].where(df["rp_prev"] > 0) * 100).round(2)
    df["par3_pct"] = (df["par_people"] / df["self_paying"].where(df["self_paying"] > 0) * 100).round(2)
    df["status"] = [league_light(None if pd.isna(c) else float(c), t, None if pd.isna(a) else a / 100)
                    for c, t, a in zip(df["collectability_pct"], df["target_pct"], df["arrears_change_pct"],
                                       strict=True)]
    df = df.drop(columns=["rp_prev"]).rename(columns={"people": "arrears_people", "rp": "arrears_rp"})
    cols = ["branch_code", "branch_name", "status", "collectability_pct", "target_pct", "billed", "collected",
            "self_paying", "arrears_people", "arrears_rp", "arrears_change_pct", "par_people", "par3_pct",
            "rehab_people", "rehab_rp"]
    return df[cols].sort_values(["par3_pct", "branch_code"], ascending=[False, True],
                                na_position="last").reset_index(drop=True)


# --- facility capacity ---------------------------------------------------------------------------
def _is_gp():  # type: ignore[no-untyped-def]
    """FKTP with general practitioners (dentist practices have no doctor panel)."""
    return rules.is_gp_fktp(Facility.level, Facility.type)


def over_capacity_facilities(engine: Engine, scope: Scope, period: int | None = None,
                             filters: Filters = NATION, norm: int = rules.PARTICIPANTS_PER_DOCTOR_NORM) -> pd.DataFrame:
    """FKTP whose registered participants per doctor exceed ``norm`` (or that have none), worst first."""
    period, _ = _held(engine, period)
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
    period, _ = _held(engine, period)
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
    period, _ = _held(engine, period)
    code_col, name_col = kpi._level_cols(level)
    from jkn_core.schema import Province, Region

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


def coverage_target_path(engine: Engine, scope: Scope, filters: Filters = NATION) -> pd.DataFrame:
    """Coverage target per year held (for the trend-to-UHC chart)."""
    years = sorted({p // 100 for p in kpi.periods(engine)})
    return pd.DataFrame({"year": years,
                         "target_pct": [_target(engine, "coverage_pct", y * 100 + 12, scope, filters) for y in years]})


def params_get(params: Mapping[str, Any], key: str) -> str | None:
    """A single query-parameter value (Streamlit returns the last one for repeated keys)."""
    v = params.get(key)
    if isinstance(v, list):
        v = v[-1] if v else None
    return str(v) if v not in (None, "") else None
