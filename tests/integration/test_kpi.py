"""KPI queries against an independent computation in pandas, on SQLite and PostgreSQL.

The small world's raw tables are read into pandas (fine for a test world of a few thousand rows) and
every KPI is recomputed from the definitions at the top of ``jkn_core/kpi.py`` and in docs/kpi.md:
weighted head counts, coverage = registered ÷ population of the year, collectability = collected in
the month ÷ billed for it, arrears = unpaid bills at the month plus the months owed before the ledger
when the unpaid streak reaches back to its first month, Rupiah owed capped at 24 monthly bills.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from jkn_core import kpi, rules
from jkn_core.demo import calibration as ref
from jkn_core.kpi import Filters
from jkn_core.scope import Scope

SYSTEM = Scope.system()
DIREKSI = Scope.national("direksi")
DEPUTI = Scope(role="deputi_wilayah", username="deputi", region_code="KW03")
CABANG = Scope(role="kantor_cabang", username="cabang", branch_code="0301", region_code="KW03")
SELF = ("PBPU", "BP")
_RAW: dict[str, dict[str, pd.DataFrame]] = {}


# --- raw tables ------------------------------------------------------------------------------------
def _read(engine, table: str, cols: str = "*") -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(text(f"SELECT {cols} FROM {table}"))
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


@pytest.fixture
def raw(world) -> dict[str, pd.DataFrame]:
    """The small world's tables as pandas frames (read once per backend)."""
    if world.backend not in _RAW:
        e = world.engine
        regencies = _read(e, "regencies", "code, name, province_code, branch_code")
        branches = _read(e, "branches", "code, name, region_code, province_code")
        geo = regencies.rename(columns={"code": "regency_code", "name": "regency_name"}).merge(
            branches[["code", "name", "region_code"]].rename(columns={"code": "branch_code", "name": "branch_name"}),
            on="branch_code")
        contributions = _read(e, "contributions", "family_id, period, billed, paid, paid_period")
        contributions["paid_period"] = pd.to_numeric(contributions["paid_period"]).astype("Int64")
        _RAW[world.backend] = {
            "geo": geo,
            "branches": branches,
            "provinces": _read(e, "provinces", "code, name, region_code"),
            "population": _read(e, "population"),
            "participants": _read(e, "participants",
                                  "id, family_id, segment, regency_code, branch_code, registered_period, status, weight"),
            "families": _read(e, "families",
                              "id, segment, members, regency_code, branch_code, arrears_before_months, weight"),
            "contributions": contributions,
            "facilities": _read(e, "facilities", "code, level, type, doctors, regency_code, branch_code"),
            "facility_months": _read(e, "facility_months", "facility_code, period, registered, capitation_paid"),
        }
    return _RAW[world.backend]


def _last(raw: dict) -> int:
    return int(raw["contributions"]["period"].max())


def _level_key(level: str) -> str:
    return {"province": "province_code", "branch": "branch_code", "regency": "regency_code",
            "region": "region_code"}[level]


def _in_scope(frame: pd.DataFrame, raw: dict, scope: Scope, branch_col: str = "branch_code") -> pd.DataFrame:
    """Rows of ``frame`` (with a branch column) the scope may see."""
    b = raw["branches"].set_index("code")["region_code"]
    keep = pd.Series(True, index=frame.index)
    if scope.branch_code:
        keep &= frame[branch_col] == scope.branch_code
    if scope.region_code:
        keep &= frame[branch_col].map(b) == scope.region_code
    return frame[keep]


# --- independent computations ----------------------------------------------------------------------
def expected_coverage(raw: dict, level: str, period: int, scope: Scope = SYSTEM) -> pd.DataFrame:
    year = period // 100
    pop = raw["population"]
    pop = pop[pop["year"] == pop.loc[pop["year"] <= year, "year"].max()]
    part = raw["participants"]
    part = part[part["registered_period"] <= period].assign(
        active=lambda d: d["weight"].where(d["status"] == "aktif", 0))
    per_reg = part.groupby("regency_code").agg(participants=("weight", "sum"), active=("active", "sum"))
    geo = _in_scope(raw["geo"], raw, scope).set_index("regency_code")
    geo = geo.join(pop.set_index("regency_code")["population"]).join(per_reg).fillna(
        {"population": 0, "participants": 0, "active": 0})
    key = _level_key(level)
    out = geo.reset_index().groupby(key)[["population", "participants", "active"]].sum().astype("int64")
    out["coverage_pct"] = (out["participants"] / out["population"] * 100).round(2)
    out["active_pct"] = (out["active"] / out["participants"] * 100).round(2)
    return out.sort_index()


def expected_collectability(raw: dict, by: str, scope: Scope = SYSTEM, segment: str | None = None,
                            period_from: int | None = None, period_to: int | None = None) -> pd.DataFrame:
    c = raw["contributions"].merge(raw["families"].rename(columns={"id": "family_id"}), on="family_id")
    c = _in_scope(c, raw, scope)
    if segment:
        c = c[c["segment"] == segment]
    lo = period_from or int(raw["contributions"]["period"].min())
    hi = period_to or _last(raw)
    c = c.assign(billed_w=c["billed"] * c["weight"], paid_w=c["paid"] * c["weight"])
    key_b = {"month": "period", "branch": "branch_code", "segment": "segment"}[by]
    key_c = {"month": "paid_period", "branch": "branch_code", "segment": "segment"}[by]
    billed = c[c["period"].between(lo, hi)].groupby(key_b)["billed_w"].sum()
    paid_in = c[c["paid_period"].notna() & c["paid_period"].between(lo, hi)]
    collected = paid_in.groupby(paid_in[key_c].astype(billed.index.dtype))["paid_w"].sum()
    out = pd.DataFrame({"billed": billed}).join(collected.rename("collected")).fillna({"collected": 0})
    out = out.astype("int64")
    out["collectability_pct"] = (out["collected"] / out["billed"] * 100).round(2)
    return out.sort_index()


def expected_arrears_families(raw: dict, period: int, scope: Scope = SYSTEM) -> pd.DataFrame:
    """Per family in arrears at ``period``: months in arrears, Rupiah owed, members, weight, branch."""
    c = raw["contributions"]
    first = int(c["period"].min())
    unpaid = c[(c["period"] <= period) & (c["paid_period"].isna() | (c["paid_period"] > period))]
    per = unpaid.groupby("family_id").agg(n=("period", "size"), first_p=("period", "min"),
                                          unpaid_rp=("billed", "sum"))
    # the monthly bill of each family (every ledger row of a family bills the same amount)
    bill = c.groupby("family_id")["billed"].agg(["min", "max"])
    assert (bill["min"] == bill["max"]).all(), "a family's monthly bill is constant"
    fam = raw["families"].set_index("id")
    per = per.join(fam[["members", "weight", "branch_code", "arrears_before_months"]]).join(bill["max"].rename("bill"))
    before = per["arrears_before_months"].where(per["first_p"] == first, 0)
    per["months"] = per["n"] + before
    per["rp"] = per["unpaid_rp"] + (per["months"].clip(upper=rules.MAX_ARREARS_MONTHS_BILLED) - per["n"]) * per["bill"]
    return _in_scope(per.reset_index(), raw, scope)


def expected_aging(raw: dict, period: int, scope: Scope = SYSTEM) -> pd.DataFrame:
    a = expected_arrears_families(raw, period, scope)
    bins = [0, 3, 6, 12, 24, 10**9]
    labels = ["1-3", "4-6", "7-12", "13-24", ">24"]
    a = a.assign(bucket=pd.cut(a["months"], bins=bins, labels=labels), people=a["members"] * a["weight"],
                 families=a["weight"], rp_w=a["rp"] * a["weight"])
    out = a.groupby("bucket", observed=False)[["people", "families", "rp_w"]].sum().reindex(labels).fillna(0)
    return out.rename(columns={"rp_w": "rp"}).astype("int64")


def expected_capacity(raw: dict, level: str, period: int, scope: Scope = SYSTEM) -> pd.DataFrame:
    fac = _in_scope(raw["facilities"], raw, scope)
    fm = raw["facility_months"]
    fm = fm[fm["period"] == period].set_index("facility_code")
    fac = fac.join(fm[["registered", "capitation_paid"]], on="code").fillna({"registered": 0, "capitation_paid": 0})
    fac = fac.merge(raw["geo"][["regency_code", "province_code", "region_code"]], on="regency_code")
    gp = (fac["level"] == "FKTP") & (fac["type"] != "dokter_gigi")
    fac = fac.assign(fktp=(fac["level"] == "FKTP").astype(int), fkrtl=(fac["level"] == "FKRTL").astype(int),
                     gp_doctors=fac["doctors"].where(gp, 0), panel=fac["registered"].where(gp, 0))
    out = fac.groupby(_level_key(level)).agg(fktp=("fktp", "sum"), fkrtl=("fkrtl", "sum"),
                                             doctors=("gp_doctors", "sum"), registered=("panel", "sum"),
                                             capitation_paid=("capitation_paid", "sum")).astype("int64")
    out["participants_per_doctor"] = (out["registered"] / out["doctors"]).round(0)
    return out.sort_index()


def _frame_equal(got: pd.DataFrame, want: pd.DataFrame, cols: list[str]) -> None:
    assert list(got.index) == list(want.index)
    for col in cols:
        g, w = got[col].astype(float).to_numpy(), want[col].astype(float).to_numpy()
        assert g == pytest.approx(w, abs=0.011, nan_ok=True), col


# --- coverage --------------------------------------------------------------------------------------
@pytest.mark.parametrize("level", ["province", "branch", "regency", "region"])
def test_coverage_by_level(world, raw, level) -> None:
    got = kpi.coverage(world.engine, SYSTEM, level).set_index("code")
    want = expected_coverage(raw, level, _last(raw))
    _frame_equal(got, want, ["population", "participants", "active", "coverage_pct", "active_pct"])
    # a unit's uninsured are its regencies' gaps: an over-registered regency does not cancel another's (issue 17)
    regs = kpi.coverage(world.engine, SYSTEM, "regency")
    assert (regs["uninsured"] == (regs["population"] - regs["participants"]).clip(lower=0)).all()
    assert got["uninsured"].sum() == regs["uninsured"].sum()
    assert (got["uninsured"] >= (got["population"] - got["participants"]).clip(lower=0)).all()
    assert got["unit"].notna().all()


def test_coverage_at_an_earlier_period(world, raw) -> None:
    got = kpi.coverage(world.engine, SYSTEM, "province", 202306).set_index("code")
    want = expected_coverage(raw, "province", 202306)
    _frame_equal(got, want, ["population", "participants", "active", "coverage_pct"])
    later = kpi.coverage(world.engine, SYSTEM, "province").set_index("code")
    assert (got["participants"] <= later["participants"]).all(), "registrations only accumulate"
    assert (got["population"] < later["population"]).all(), "2023 population is taken for a 2023 month"


def test_coverage_nation_and_trend(world, raw) -> None:
    nation = kpi.coverage(world.engine, SYSTEM, "nation").iloc[0]
    want = expected_coverage(raw, "province", _last(raw))[["population", "participants"]].sum()
    assert int(nation["population"]) == want["population"]
    assert int(nation["participants"]) == want["participants"]
    trend = kpi.coverage_trend(world.engine, SYSTEM)
    assert list(trend["period"]) == kpi.periods(world.engine)
    assert trend["participants"].is_monotonic_increasing


# --- segment mix -----------------------------------------------------------------------------------
def test_segment_mix(world, raw) -> None:
    got = kpi.segment_mix(world.engine, SYSTEM).set_index("segment")
    p = raw["participants"].assign(active=lambda d: d["weight"].where(d["status"] == "aktif", 0))
    want = p.groupby("segment").agg(participants=("weight", "sum"), active=("active", "sum"))
    want["share_pct"] = (want["participants"] / want["participants"].sum() * 100).round(2)
    assert list(got.index) == [s for s in ref.SEGMENT_MIX_2024 if s in want.index], "reference order"
    _frame_equal(got.sort_index(), want.sort_index(), ["participants", "active", "share_pct"])
    assert got["share_pct"].sum() == pytest.approx(100, abs=0.05)


# --- collectability --------------------------------------------------------------------------------
@pytest.mark.parametrize("by", ["month", "branch", "segment"])
def test_collectability(world, raw, by) -> None:
    got = kpi.collectability(world.engine, SYSTEM, by)
    key = {"month": "period", "branch": "branch_code", "segment": "segment"}[by]
    got = got.set_index(key).sort_index()
    want = expected_collectability(raw, by)
    _frame_equal(got, want, ["billed", "collected", "collectability_pct"])
    if by == "branch":
        names = raw["branches"].set_index("code")["name"]
        assert (got["branch_name"] == names.reindex(got.index)).all()


def test_collectability_for_one_segment_and_a_window(world, raw) -> None:
    got = kpi.collectability(world.engine, SYSTEM, "month", period_from=202401, period_to=202406,
                             segment="PBPU").set_index("period")
    want = expected_collectability(raw, "month", segment="PBPU", period_from=202401, period_to=202406)
    assert list(got.index) == [202401, 202402, 202403, 202404, 202405, 202406]
    _frame_equal(got, want, ["billed", "collected", "collectability_pct"])


# --- arrears ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["last", "earlier"])
def test_arrears_aging(world, raw, which) -> None:
    period = _last(raw) if which == "last" else 202312
    got = kpi.arrears_aging(world.engine, SYSTEM, period).set_index("bucket")
    want = expected_aging(raw, period)
    assert list(got.index) == ["1-3", "4-6", "7-12", "13-24", ">24"]
    _frame_equal(got, want, ["people", "families", "rp"])
    assert got["people"].sum() > 0 and got["rp"].sum() > 0
    total = kpi.arrears_total(world.engine, SYSTEM, period)
    assert total == {"people": int(want["people"].sum()), "families": int(want["families"].sum()),
                     "rp": int(want["rp"].sum())}


def test_arrears_by_branch(world, raw) -> None:
    period = _last(raw)
    got = kpi.arrears_by_branch(world.engine, SYSTEM, period).set_index("branch_code")
    a = expected_arrears_families(raw, period)
    a = a.assign(people=a["members"] * a["weight"], rp_w=a["rp"] * a["weight"],
                 rehab=a["months"].between(4, 24))
    want = pd.DataFrame({
        "people": a.groupby("branch_code")["people"].sum(),
        "rp": a.groupby("branch_code")["rp_w"].sum(),
        "rehab_people": a[a["rehab"]].groupby("branch_code")["people"].sum(),
        "rehab_rp": a[a["rehab"]].groupby("branch_code")["rp_w"].sum(),
    }).fillna(0).astype("int64").sort_index()
    _frame_equal(got, want, ["people", "rp", "rehab_people", "rehab_rp"])
    assert (got["rehab_people"] <= got["people"]).all()


# --- capacity --------------------------------------------------------------------------------------
@pytest.mark.parametrize("level", ["branch", "province", "regency"])
def test_capacity(world, raw, level) -> None:
    got = kpi.capacity(world.engine, SYSTEM, level).set_index("code")
    want = expected_capacity(raw, level, _last(raw))
    _frame_equal(got, want, ["fktp", "fkrtl", "doctors", "registered", "capitation_paid", "participants_per_doctor"])
    assert (got["over_norm"] == (got["participants_per_doctor"] > rules.PARTICIPANTS_PER_DOCTOR_NORM)).all()


# --- summary ---------------------------------------------------------------------------------------
def test_summary(world, raw) -> None:
    s = kpi.summary(world.engine, SYSTEM)
    last = _last(raw)
    cov = expected_coverage(raw, "province", last).sum()
    cap = expected_capacity(raw, "province", last).sum()
    aging = expected_aging(raw, last).sum()
    assert s["period"] == last
    assert s["population"] == cov["population"]
    assert s["participants"] == cov["participants"]
    assert s["active_participants"] == cov["active"]
    assert s["coverage_pct"] == pytest.approx(round(cov["participants"] / cov["population"] * 100, 2))
    assert s["fktp"] == cap["fktp"] and s["fkrtl"] == cap["fkrtl"] and s["doctors"] == cap["doctors"]
    assert s["provinces"] == len(raw["provinces"]) == 5
    assert s["branches"] == len(raw["branches"])
    assert s["regencies"] == len(raw["geo"])
    assert s["arrears_people"] == aging["people"] and s["arrears_rp"] == aging["rp"]
    assert s["months"] == raw["contributions"]["period"].nunique() >= 24
    assert s == kpi.summary(world.engine, DIREKSI), "direksi sees the nation as the system does"


# --- scope: a deputi or a branch sees only its own units -------------------------------------------
@pytest.mark.parametrize("scope", [DEPUTI, CABANG], ids=["deputi_wilayah", "kantor_cabang"])
def test_scope_limits_every_kpi(world, raw, scope) -> None:
    e, last = world.engine, _last(raw)
    own = _in_scope(raw["branches"], raw, scope, branch_col="code")["code"]
    assert len(own) >= 1 and len(own) < len(raw["branches"])
    own_regencies = raw["geo"][raw["geo"]["branch_code"].isin(own)]

    cov = kpi.coverage(e, scope, "branch").set_index("code")
    assert set(cov.index) == set(own)
    _frame_equal(cov, expected_coverage(raw, "branch", last, scope), ["population", "participants", "active"])
    reg = kpi.coverage(e, scope, "regency")
    assert set(reg["code"]) == set(own_regencies["regency_code"])

    mix = kpi.segment_mix(e, scope).set_index("segment")
    p = _in_scope(raw["participants"], raw, scope)
    assert mix["participants"].sum() == p["weight"].sum()

    col = kpi.collectability(e, scope, "branch").set_index("branch_code")
    assert set(col.index) <= set(own)
    _frame_equal(col, expected_collectability(raw, "branch", scope), ["billed", "collected"])
    month = kpi.collectability(e, scope, "month").set_index("period")
    _frame_equal(month, expected_collectability(raw, "month", scope), ["billed", "collected"])

    aging = kpi.arrears_aging(e, scope).set_index("bucket")
    _frame_equal(aging, expected_aging(raw, last, scope), ["people", "families", "rp"])
    arr = kpi.arrears_by_branch(e, scope)
    assert set(arr["branch_code"]) <= set(own)

    cap = kpi.capacity(e, scope, "branch").set_index("code")
    assert set(cap.index) == set(own)
    _frame_equal(cap, expected_capacity(raw, "branch", last, scope), ["fktp", "fkrtl", "doctors", "registered"])

    s = kpi.summary(e, scope)
    assert s["branches"] == len(own)
    assert s["regencies"] == len(own_regencies)
    assert s["participants"] == int(cov["participants"].sum())
    assert s["arrears_rp"] == int(aging["rp"].sum())
    national = kpi.summary(e, SYSTEM)
    assert s["participants"] < national["participants"]

    h = kpi.hierarchy(e, scope)
    assert set(h["branch_code"]) == set(own)


def test_drill_down_filter_equals_the_branch_scope(world) -> None:
    e = world.engine
    by_filter = kpi.summary(e, SYSTEM, filters=Filters(region="KW03", branch="0301"))
    by_scope = kpi.summary(e, CABANG)
    assert by_filter == by_scope
    one = kpi.coverage(e, SYSTEM, "regency", filters=Filters(regency="16.71"))
    assert list(one["code"]) == ["16.71"]
