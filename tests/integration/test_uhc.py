"""UHC status by region (issue 12 item 5) and the Palembang 2017 reference point (item 8).

Each province and regency is judged against the UHC threshold (95 %) or its own imported target, never the
national target; checked against hand computations from the raw tables. The article's figures are data
(``reference_figures``), shown next to the branch's own figures of the month.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jkn_core import kpi, rules
from jkn_core.imports import import_file
from jkn_core.kpi import reference, uhc
from jkn_core.kpi.view import Filters
from jkn_core.scope import Scope
from tests.integration.test_org_imports import hand_arrears, hand_coverage, read

ADMIN = Scope.system()


def expected_status(value: float, reference_pct: float) -> str:
    """The colour rule written out: green at/above, amber up to 2 points below, red further below."""
    if value >= reference_pct:
        return "green"
    return "amber" if value >= reference_pct - 2 else "red"


def test_uhc_status_against_own_target_or_threshold_not_the_national_target(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    engine = writable_sqlite_world.engine
    period = kpi.latest_period(engine)
    year = period // 100
    regencies = read(engine, "SELECT code, province_code FROM regencies ORDER BY code")
    a, b = regencies["code"].iloc[:2]
    part = read(engine, f"SELECT regency_code, SUM(weight) AS n FROM participants WHERE registered_period <= {period} "
                        "GROUP BY regency_code").set_index("regency_code")["n"]
    # a: population such that coverage is 96.5 %: at UHC, under the national target of 98 %
    body = f"regency_code,year,population\n{a},{year},{round(part[a] / 0.965)}\n"
    # b: a population that puts it well below UHC
    body += f"{b},{year},{round(part[b] / 0.80)}\n"
    assert import_file(engine, ADMIN, "population", body.encode(), "pop.csv").ok
    national = kpi.target(engine, "coverage_pct", year)
    assert national is not None and national > 96.5
    # c and one province get their own targets (a past year's target applies to later years)
    prov = regencies["province_code"].iloc[0]
    before = kpi.coverage(engine, ADMIN, "regency", period).set_index("code")["coverage_pct"].drop([a, b])
    c, cov_c = before.idxmin(), float(before.min())  # its own target 1.5 points above: amber, not green
    assert cov_c <= 98.5, "the world needs a regency whose own target can lie above its coverage"
    targets = (f"kpi,level,code,year,target\ncoverage_pct,regency,{c},{year - 1},{min(cov_c + 1.5, 100)}\n"
               f"coverage_pct,province,{prov},{year},100\n")
    assert import_file(engine, ADMIN, "targets", targets.encode(), "t.csv").ok

    got = uhc.uhc_status(engine, ADMIN, "regency", period).set_index("code")
    branch_of = dict(read(engine, "SELECT code, code FROM regencies").values)  # one unit per regency
    hand = hand_coverage(engine, period, branch_of)
    assert got["population"].to_dict() == hand["population"].to_dict()
    assert got["participants"].to_dict() == hand["participants"].to_dict()
    for code, row in got.iterrows():
        cov = round(hand.loc[code, "participants"] / hand.loc[code, "population"] * 100, 2)
        own = min(cov_c + 1.5, 100) if code == c else None
        ref = own if own is not None else rules.UHC_THRESHOLD_PCT
        assert row["coverage_pct"] == pytest.approx(cov)
        assert row["status"] == expected_status(cov, ref), code
        assert row["basis"] == ("target" if own is not None else "uhc")
        assert row["at_uhc"] == (cov >= 95)
        assert row["to_register"] == max(math.ceil(hand.loc[code, "population"] * 0.95) - hand.loc[code, "participants"], 0)
        assert row["active_pct"] == pytest.approx(round(hand.loc[code, "active"] / hand.loc[code, "participants"] * 100, 2))
    assert got.loc[a, "coverage_pct"] == pytest.approx(96.5, abs=0.01)
    assert got.loc[a, "status"] == "green" and kpi.status_up_good(96.5, national) != "green"  # not the 98 %
    assert got.loc[b, "status"] == "red" and got.loc[b, "to_register"] > 0
    assert got.loc[c, "status"] == "amber" and got.loc[c, "target_pct"] == pytest.approx(min(cov_c + 1.5, 100))

    provinces = uhc.uhc_status(engine, ADMIN, "province", period).set_index("code")
    assert provinces.loc[prov, "basis"] == "target" and provinces.loc[prov, "target_pct"] == 100
    assert provinces.loc[prov, "status"] == expected_status(provinces.loc[prov, "coverage_pct"], 100)
    others = provinces.drop(index=prov)
    assert (others["basis"] == "uhc").all() and others["target_pct"].isna().all()
    assert list(others["status"]) == [expected_status(v, 95) for v in others["coverage_pct"]]
    summary = uhc.uhc_summary(got)
    assert summary["units"] == len(got) and summary["at_uhc"] == int((got["coverage_pct"] >= 95).sum())


def test_uhc_status_keeps_to_the_scope(world) -> None:  # type: ignore[no-untyped-def]
    branch = Scope(role="kantor_cabang", username="kc", branch_code="0301")
    mine = uhc.uhc_status(world.engine, branch, "regency")
    hier = read(world.engine, "SELECT code FROM regencies WHERE branch_code = '0301'")
    assert sorted(mine["code"]) == sorted(hier["code"]) and len(mine) > 0


# --- the Palembang 2017 reference point ------------------------------------------------------------
def test_palembang_reference_point_is_data_next_to_the_branch_figures(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    engine = writable_sqlite_world.engine
    period = kpi.latest_period(engine)
    # the shipped figures are a valid import file, and the generated world holds them already
    dry = import_file(engine, ADMIN, "reference_figures", reference.SHIPPED.read_bytes(), "reference_figures.csv",
                      dry_run=True)
    shipped_rows = len(reference.SHIPPED.read_text(encoding="utf-8").strip().splitlines()) - 1
    assert dry.ok and dry.unchanged == shipped_rows and dry.inserted == 0, dry.problems
    got = reference.branch_reference(engine, ADMIN, "0301", period).set_index("metric")
    assert got.loc["participants", "reference"] == 2_477_419
    assert str(got.loc["participants", "as_of"]) == "2017-06-30"
    assert got.loc["arrears_people", "reference"] == 200_000 and got.loc["arrears_rp", "reference"] == 53e9
    assert got.loc["coverage_pct", "reference"] == 60
    assert "beritasebelas.com" in got.loc["participants", "source"]
    # the dashboard's own figures of the branch at the month, by hand
    branch_of = dict(read(engine, "SELECT code, branch_code FROM regencies").values)
    cov = hand_coverage(engine, period, branch_of).loc["0301"]
    arr = hand_arrears(engine, period, branch_of).loc["0301"]
    assert got.loc["participants", "now"] == cov["participants"]
    assert got.loc["coverage_pct", "now"] == pytest.approx(round(cov["participants"] / cov["population"] * 100, 2))
    assert got.loc["arrears_people", "now"] == arr["people"] and got.loc["arrears_rp", "now"] == arr["rp"]
    assert np.allclose(got["change"], got["now"] - got["reference"])

    # an admin corrects a figure by import; a branch outside the user's scope shows nothing
    fix = (reference.SHIPPED.read_text(encoding="utf-8").splitlines()[0] + "\n"
           'branch,0301,coverage_pct,2017-08-22,61,"Koreksi uji",2017-08-22,\n')
    assert import_file(engine, ADMIN, "reference_figures", fix.encode(), "fix.csv").updated == 1
    assert reference.branch_reference(engine, ADMIN, "0301").set_index("metric").loc["coverage_pct", "reference"] == 61
    other = Scope(role="kantor_cabang", username="kc", branch_code="0302")
    assert reference.branch_reference(engine, other, "0301").empty
    assert not reference.branch_reference(engine, Scope(role="kantor_cabang", username="kc",
                                                        branch_code="0301"), "0301").empty
    # no reference figure, no section: another branch
    assert reference.branch_reference(engine, ADMIN, "0302").empty
    bad = import_file(engine, ADMIN, "reference_figures",
                      b"level,code,metric,as_of,value,source,source_date\nbranch,9999,participants,2017-06-30,1,x,"
                      b"2017-08-22\n", "bad.csv")
    assert not bad.ok and "unknown branch code '9999'" in str(bad.problems[0])
    assert kpi.coverage(engine, ADMIN, "nation", period, Filters(branch="0301")).iloc[0]["participants"] == \
        cov["participants"]
    assert isinstance(pd.Timestamp(got.loc["participants", "source_date"]), pd.Timestamp)
