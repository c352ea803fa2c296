"""The directors' KPIs of jkn_core.kpi (overview cards, arrears, league table, facilities, targets), the
map and the brief, checked against independent pandas computations on the small world, on SQLite and
PostgreSQL."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from jkn_core import indonesia_map, kpi, months, rules
from jkn_core.kpi import Filters, brief
from jkn_core.scope import Scope

NATIONAL = Scope.national()
KW03 = Scope(role="deputi_wilayah", username="deputi", region_code="KW03")


def _read(world, sql: str) -> pd.DataFrame:
    with world.engine.connect() as conn:
        return pd.read_sql_query(sql, conn)


@pytest.fixture(scope="module")
def frames(request):  # type: ignore[no-untyped-def]
    """Small tables of the world read whole (the independent reference), once per backend."""
    cache: dict = {}

    def get(world) -> dict:  # type: ignore[no-untyped-def]
        if world.backend not in cache:
            cache[world.backend] = {
                "branches": _read(world, "SELECT code, region_code, name FROM branches"),
                "families": _read(world, "SELECT id, segment, members, weight, branch_code, regency_code, "
                                         "arrears_before_months FROM families"),
                "contrib": _read(world, "SELECT family_id, period, billed, paid, paid_period FROM contributions"),
                "fac": _read(world, "SELECT code, level, type, doctors, branch_code, regency_code, contract_start, "
                                    "contract_end FROM facilities"),
                "fm": _read(world, "SELECT * FROM facility_months"),
                "care": _read(world, "SELECT family_id, period, kind, cost FROM care_events"),
            }
        return cache[world.backend]

    return get


def _in_scope(df: pd.DataFrame, branches: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    d = df.merge(branches[["code", "region_code"]].rename(columns={"code": "branch_code"}), on="branch_code")
    if scope.region_code:
        d = d[d["region_code"] == scope.region_code]
    return d


def _arrears_months(fr: dict, period: int, scope: Scope) -> pd.DataFrame:
    """Months in arrears per family at ``period`` (kpi's documented definition), in pandas."""
    c = fr["contrib"]
    first = c["period"].min()
    unpaid = c[(c["period"] <= period) & (c["paid_period"].isna() | (c["paid_period"] > period))]
    g = unpaid.groupby("family_id").agg(n=("period", "size"), first_p=("period", "min"),
                                        owed=("billed", "sum"), paid=("paid", "sum"), bill=("billed", "max"))
    fam = _in_scope(fr["families"], fr["branches"], scope).set_index("id")
    g = g.join(fam, how="inner")
    before = g["arrears_before_months"].where(g["first_p"] == first, 0)
    g["months"] = g["n"] + before
    capped = before.where(before <= rules.MAX_ARREARS_MONTHS_BILLED - g["n"], rules.MAX_ARREARS_MONTHS_BILLED - g["n"])
    g["rp"] = g["owed"] - g["paid"] + capped * g["bill"]
    g["people"] = g["members"] * g["weight"]
    return g


@pytest.mark.parametrize("scope", [NATIONAL, KW03], ids=["national", "KW03"])
def test_rehab_pool_matches_pandas(world, frames, scope) -> None:
    fr = frames(world)
    period = kpi.latest_period(world.engine)
    g = _arrears_months(fr, period, scope)
    pool = g[g["months"].between(4, 24) & g["segment"].isin(["PBPU", "BP"])]
    got = kpi.rehab_pool(world.engine, scope, period)
    assert got["people"] == int(pool["people"].sum()) > 0
    assert got["families"] == int(pool["weight"].sum())
    assert got["rp"] == int((pool["rp"] * pool["weight"]).sum())
    # the same pool as kpi.arrears_by_branch's Rehab columns (all ledger families are PBPU/BP)
    assert got["people"] == int(kpi.arrears_by_branch(world.engine, scope, period)["rehab_people"].sum())


def test_penalty_exposure_matches_pandas(world, frames) -> None:
    fr = frames(world)
    period = kpi.latest_period(world.engine)
    pen = kpi.penalty_exposure(world.engine, NATIONAL, period)
    fam = fr["families"].set_index("id")
    inp = fr["care"][(fr["care"]["kind"] == "rawat_inap") & fr["care"]["period"].between(period - 100 + 1, period)]
    w = inp["family_id"].map(fam["weight"])
    avg_cost = (inp["cost"] * w).sum() / w.sum()
    assert pen.attrs["avg_inpatient_cost"] == pytest.approx(avg_cost)
    g = _arrears_months(fr, period, NATIONAL)
    self_paying = fam[fam["segment"].isin(["PBPU", "BP"])]  # the people whose care events are recorded
    rate = w.sum() / ((self_paying["members"] * self_paying["weight"]).sum() * 12)
    # the generator's inpatient rate is 0.0045 stays per person-month: the measured rate must be near it
    assert pen.attrs["rate_per_person_month"] == pytest.approx(rate)
    assert 0.003 < rate < 0.006
    expected = sum(p * rate * 1.5 * min(0.05 * min(m, 12) * avg_cost, 30_000_000)
                   for m, p in g.groupby("months")["people"].sum().items())
    assert float(pen["exposure_rp"].iloc[-1]) == pytest.approx(expected, rel=1e-6)
    assert int(pen["people"].iloc[-1]) == int(g["people"].sum())


def test_penalty_rule_perpres_64_2020() -> None:
    assert kpi.penalty_per_stay(3, 1_000_000) == pytest.approx(150_000)  # 5 % x 3 months
    assert kpi.penalty_per_stay(20, 1_000_000) == pytest.approx(600_000)  # at most 12 months
    assert kpi.penalty_per_stay(12, 100_000_000) == 30_000_000  # at most Rp 30 juta


@pytest.mark.parametrize("scope", [NATIONAL, KW03], ids=["national", "KW03"])
def test_branch_league_matches_pandas(world, frames, scope) -> None:
    fr = frames(world)
    period = kpi.latest_period(world.engine)
    league = kpi.branch_league(world.engine, scope, period).set_index("branch_code")
    g = _arrears_months(fr, period, scope)
    par = g[g["months"] > 3].groupby("branch_code")["people"].sum()
    parts = _read(world, f"SELECT branch_code, SUM(weight) AS w FROM participants WHERE segment IN ('PBPU','BP') "
                         f"AND registered_period <= {period} GROUP BY branch_code").set_index("branch_code")["w"]
    for code, row in league.iterrows():
        assert row["par_people"] == int(par.get(code, 0))
        assert row["par3_pct"] == pytest.approx(round(par.get(code, 0) / parts[code] * 100, 2))
    c = fr["contrib"].merge(fr["families"], left_on="family_id", right_on="id")
    c = _in_scope(c, fr["branches"], scope)
    billed = (c[c["period"] == period].assign(x=lambda d: d["billed"] * d["weight"]).groupby("branch_code")["x"].sum())
    coll = (c[c["paid_period"] == period].assign(x=lambda d: d["paid"] * d["weight"]).groupby("branch_code")["x"].sum())
    for code in billed.index:
        assert league.loc[code, "collectability_pct"] == pytest.approx(round(coll.get(code, 0) / billed[code] * 100, 2))
    assert set(league.index) == set(billed.index)
    assert set(league["status"]) <= {"green", "amber", "red", "grey"}
    assert list(league["par3_pct"]) == sorted(league["par3_pct"], reverse=True)
    if scope.region_code:
        assert set(league.index) <= set(fr["branches"].loc[fr["branches"]["region_code"] == "KW03", "code"])


@pytest.mark.parametrize("scope", [NATIONAL, KW03], ids=["national", "KW03"])
def test_capacity_functions_match_pandas(world, frames, scope) -> None:
    fr = frames(world)
    period = kpi.latest_period(world.engine)
    fac = _in_scope(fr["fac"], fr["branches"], scope)
    fm = fr["fm"][fr["fm"]["period"] == period].merge(fac, left_on="facility_code", right_on="code")
    gp = fm[(fm["level"] == "FKTP") & (fm["type"] != "dokter_gigi")]
    over = gp[((gp["doctors"] > 0) & (gp["registered"] > gp["doctors"] * 5000))
              | ((gp["doctors"] == 0) & (gp["registered"] > 0))]
    got = kpi.over_capacity_facilities(world.engine, scope, period)
    assert set(got["facility_code"]) == set(over["facility_code"])
    assert (got["participants_per_doctor"].dropna() > 5000).all()

    reg = kpi.regency_capacity(world.engine, scope, period).set_index("regency_code")
    exp = gp.groupby("regency_code").agg(fktp=("code", "size"), doctors=("doctors", "sum"),
                                         registered=("registered", "sum"))
    assert reg[["fktp", "doctors", "registered"]].sort_index().equals(exp.sort_index().astype("int64"))
    n_over = over.groupby("regency_code").size()
    for code, row in reg.iterrows():
        short = max(0, math.ceil(row["registered"] / 5000) - row["doctors"])
        assert row["doctors_short"] == short
        assert row["action"] == ("new_contracts" if short else "redistribute" if n_over.get(code, 0) else "ok")

    kbk = kpi.kbk_attainment(world.engine, scope, "branch", period).set_index("code")
    fktp = fm[fm["level"] == "FKTP"]
    for code, d in fktp.groupby("branch_code"):
        assert kbk.loc[code, "fktp"] == len(d)
        assert kbk.loc[code, "contact_ok_pct"] == pytest.approx(round((d["contact_rate_pm"] >= 150).mean() * 100, 2))
        ok = (d["contact_rate_pm"] >= 150) & (d["rrns_pct"] <= 2) & (d["rppt_pct"] >= 5)
        assert kbk.loc[code, "all_ok_pct"] == pytest.approx(round(ok.mean() * 100, 2))
        assert kbk.loc[code, "capitation_paid"] == d["capitation_paid"].sum()

    trend = kpi.capitation_trend(world.engine, scope).set_index("period")
    allfm = fr["fm"].merge(fac, left_on="facility_code", right_on="code")
    assert trend["capitation_paid"].to_dict() == allfm.groupby("period")["capitation_paid"].sum().to_dict()


@pytest.mark.parametrize("scope", [NATIONAL, KW03], ids=["national", "KW03"])
def test_overview_cards(world, frames, scope) -> None:
    fr = frames(world)
    ps = kpi.periods(world.engine)
    period = ps[-1]
    cards = kpi.overview_cards(world.engine, scope, period).set_index("kpi")
    cov = kpi.coverage(world.engine, scope, "nation", period).iloc[0]
    prev = kpi.coverage(world.engine, scope, "nation", ps[-2]).iloc[0]
    assert cards.loc["coverage_pct", "value"] == pytest.approx(cov["coverage_pct"])
    assert cards.loc["coverage_pct", "change_month"] == pytest.approx(cov["coverage_pct"] - prev["coverage_pct"])
    assert cards.loc["coverage_pct", "target"] == kpi.target(world.engine, "coverage_pct", period // 100)
    arr = kpi.arrears_total(world.engine, scope, period)
    arr_prev = kpi.arrears_total(world.engine, scope, ps[-2])
    assert cards.loc["arrears_rp", "value"] == arr["rp"]
    if arr["rp"] > arr_prev["rp"] * 1.005:
        assert cards.loc["arrears_rp", "status"] == "red"  # a bad-when-up KPI that rose is red
    # contracted facilities from the contract dates, in pandas
    fac = _in_scope(fr["fac"], fr["branches"], scope)
    start, end = pd.to_datetime(fac["contract_start"]), pd.to_datetime(fac["contract_end"])
    live = fac[(start <= pd.Timestamp(period // 100, period % 100, 1) + pd.offsets.MonthEnd(0))
               & (end >= pd.Timestamp(period // 100, period % 100, 1))]
    assert cards.loc["fktp", "value"] == (live["level"] == "FKTP").sum()
    assert cards.loc["fkrtl", "value"] == (live["level"] == "FKRTL").sum()
    if scope.region_code:
        national = kpi.overview_cards(world.engine, NATIONAL, period).set_index("kpi")
        assert cards.loc["participants", "value"] < national.loc["participants", "value"]


def test_status_thresholds() -> None:
    assert kpi.status_up_good(98.5, 98.0) == "green"
    assert kpi.status_up_good(96.5, 98.0) == "amber"
    assert kpi.status_up_good(90.0, 98.0) == "red"
    assert kpi.status_down_good(110, 100) == "red"  # arrears rising
    assert kpi.status_down_good(90, 100) == "green"
    assert kpi.status_down_good(100.1, 100) == "amber"
    assert kpi.status_max(4000, 5000) == "green"
    assert kpi.status_max(5400, 5000) == "amber"
    assert kpi.status_max(7000, 5000) == "red"
    assert kpi.league_light(70, 65, -0.01) == "green"
    assert kpi.league_light(50, 65, 0.0) == "red"
    assert kpi.league_light(60, 65, 0.0) == "amber"
    assert kpi.league_light(70, 65, 0.05) == "red"


def test_clean_filters_respects_scope(sqlite_world) -> None:
    h = kpi.hierarchy(sqlite_world.engine, KW03)
    assert set(h["region_code"]) == {"KW03"}
    assert kpi.clean_filters(h, region="KW05") == Filters()  # outside the scope: dropped
    branch = h["branch_code"].iloc[0]
    regency = h["regency_code"].iloc[0]
    f = kpi.clean_filters(h, regency=regency)
    assert f == Filters(region="KW03", branch=branch, regency=regency)
    assert kpi.filters_to_params(f, 202412) == {"region": "KW03", "branch": branch, "regency": regency,
                                                       "period": "202412"}
    assert kpi.target_level(KW03, Filters()) == ("region", "KW03")
    assert months.shift(202401, -1) == 202312 and months.shift(202412, -12) == 202312


def test_province_map_file() -> None:
    gj = indonesia_map.load_geojson()
    assert len(gj["features"]) == 33
    ids = {f["id"] for f in gj["features"]}
    assert {"ID-JK", "ID-PA", "ID-KI", "ID-SS"} <= ids and "ID-KU" not in ids
    for f in gj["features"]:  # exterior rings clockwise (negative shoelace area) for plotly geo
        ring = f["geometry"]["coordinates"][0][0]
        area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))
        assert area < 0, f["id"]
    # every province of the reference folds into a map province
    assert {indonesia_map.FOLD.get(iso, iso) for iso in indonesia_map.ISO_BY_PROVINCE.values()} == ids


def test_fold_sums_before_rates(sqlite_world) -> None:
    df = pd.DataFrame({"code": ["64", "65", "91", "93", "94", "95", "31"],
                       "population": [100, 50, 10, 10, 10, 10, 1000], "participants": [90, 50, 10, 9, 8, 7, 990]})
    out = indonesia_map.fold_provinces(df, ["population", "participants"]).set_index("iso")
    assert out.loc["ID-KI", "population"] == 150 and out.loc["ID-KI", "participants"] == 140
    assert out.loc["ID-PA", "participants"] == 34 and len(out) == 3
    fig = indonesia_map.province_figure(out.reset_index().assign(rate=lambda d: d["participants"] / d["population"]),
                                        "rate", "t", "c", bubble_col="population")
    assert fig.layout.geo.visible is False and len(fig.data) == 3
    # provinces without data stay on the map in grey, and only they are drawn twice
    grey, data = fig.data[0], fig.data[1]
    assert set(grey.locations) == set(indonesia_map.centroids()["iso"]) - {"ID-KI", "ID-PA", "ID-JK"}
    assert {f["id"] for f in grey.geojson["features"]} == set(grey.locations)
    assert set(data.locations) == {"ID-KI", "ID-PA", "ID-JK"}
    full = indonesia_map.fold_provinces(pd.DataFrame({"code": sorted(indonesia_map.ISO_BY_PROVINCE),
                                                      "population": 10, "participants": 9}),
                                        ["population", "participants"]).assign(rate=0.9)
    assert len(indonesia_map.province_figure(full, "rate", "t", "c").data) == 1


def test_brief_html(sqlite_world) -> None:
    period = kpi.latest_period(sqlite_world.engine)
    cards = kpi.overview_cards(sqlite_world.engine, KW03, period)
    table = pd.DataFrame({"branch_name": ["Palembang"], "arrears_rp": [1_500_000_000]})
    html = brief.make_brief(cards, "KW03", period, [("Liga", table)], "id").decode()
    cov = cards.set_index("kpi").loc["coverage_pct", "value"]
    assert brief.format_value("pct", cov, "id") in html
    # the table speaks people: translated header, Rupiah the Indonesian way
    assert "Palembang" in html and "Rp 1,5 miliar" in html and "Kantor cabang" in html and "@page" in html
    assert "branch_name" not in html and "arrears_rp" not in html
    assert brief.format_value("pct", 0.28, "id", True) == "+0,28 poin"
    assert brief.format_value("rp", 25_200_000_000_000, "id") == "Rp 25,2 triliun"
