"""Pre-aggregates (jkn_core.kpi.refresh): equal to the base tables on both databases, refreshed by imports.

The KPI screens read the aggregates; a stale aggregate would show a director yesterday's arrears. Each
test recomputes from the base tables (pandas over the raw rows, or kpi's own base-table path) and
compares to the last Rupiah.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from jkn_core import hooks, imports, kpi
from jkn_core.kpi import refresh as aggregates
from jkn_core.scope import Scope
from tests.worlds import without_aggregates

NATIONAL = Scope.national("test")
PALEMBANG = Scope(role="kantor_cabang", username="test", branch_code="0301")


def _raw(engine, sql: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return pd.read_sql_query(text(sql), conn)


def test_refresh_hooks_are_registered_in_one_place() -> None:
    """Generation and imports refresh the aggregates in any process, whatever it imported before."""
    assert aggregates.refresh in hooks.AFTER_GENERATE_HOOKS
    assert aggregates.after_import in hooks.AFTER_IMPORT_HOOKS


def test_generated_world_has_current_aggregates(world) -> None:  # type: ignore[no-untyped-def]
    with world.engine.connect() as conn:
        held = aggregates.current_periods(conn)
    ledger = _raw(world.engine, "SELECT DISTINCT period FROM contributions ORDER BY period")["period"].tolist()
    assert held == ledger and len(held) == 24
    assert kpi.periods(world.engine) == ledger


def test_collection_aggregate_equals_the_ledger(world) -> None:  # type: ignore[no-untyped-def]
    led = _raw(world.engine, "SELECT c.period, c.billed, c.paid, c.paid_period, f.weight, f.branch_code "
                             "FROM contributions c JOIN families f ON f.id = c.family_id")
    billed = (led["billed"] * led["weight"]).groupby(led["period"]).sum()
    paid = led[led["paid_period"].notna()]
    collected = (paid["paid"] * paid["weight"]).groupby(paid["paid_period"].astype(int)).sum()
    got = kpi.collectability(world.engine, NATIONAL, "month").set_index("period")
    assert got["billed"].to_dict() == {int(k): int(v) for k, v in billed.items()}
    assert got["collected"].to_dict() == {int(k): int(collected.get(k, 0)) for k in billed.index}
    one = led[led["branch_code"] == "0301"]
    by_branch = kpi.collectability(world.engine, PALEMBANG, "branch")
    assert by_branch["branch_code"].tolist() == ["0301"]
    assert int(by_branch["billed"].iloc[0]) == int((one["billed"] * one["weight"]).sum())


def test_every_kpi_equals_the_base_table_computation(world) -> None:  # type: ignore[no-untyped-def]
    e = world.engine
    ps = kpi.periods(e)
    calls = {
        "coverage": lambda: kpi.coverage(e, NATIONAL, "regency", ps[5]),
        "coverage_branch": lambda: kpi.coverage(e, PALEMBANG, "branch"),
        "trend": lambda: kpi.coverage_trend(e, NATIONAL),
        "mix": lambda: kpi.segment_mix(e, PALEMBANG, ps[3]),
        "coll_segment": lambda: kpi.collectability(e, NATIONAL, "segment", ps[2], ps[20], segment="PBPU"),
        "coll_filtered": lambda: kpi.collectability(e, NATIONAL, "month", filters=kpi.Filters(regency="16.71")),
        "aging": lambda: kpi.arrears_aging(e, NATIONAL, ps[10]),
        "by_branch": lambda: kpi.arrears_by_branch(e, NATIONAL),
        "capacity": lambda: kpi.capacity(e, NATIONAL, "province"),
        "capacity_branch": lambda: kpi.capacity(e, PALEMBANG, "regency", ps[7]),
    }
    fast = {k: f() for k, f in calls.items()}
    slow = without_aggregates(e, lambda: {k: f() for k, f in calls.items()})
    for k in calls:
        pd.testing.assert_frame_equal(fast[k], slow[k], check_exact=True, obj=k)
    assert kpi.arrears_total(e, NATIONAL)["people"] > 0


def test_arrears_aggregate_equals_a_family_by_family_count(world) -> None:  # type: ignore[no-untyped-def]
    """Families in arrears at the last month, counted in pandas from the raw ledger."""
    e = world.engine
    last = kpi.periods(e)[-1]
    led = _raw(e, "SELECT c.family_id, c.period, c.paid_period, f.weight FROM contributions c "
                  f"JOIN families f ON f.id = c.family_id WHERE c.period <= {last}")
    unpaid = led[led["paid_period"].isna() | (led["paid_period"] > last)]
    families = int(unpaid.drop_duplicates("family_id")["weight"].sum())
    assert int(kpi.arrears_aging(e, NATIONAL)["families"].sum()) == families


def test_an_import_refreshes_the_aggregates(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    """Paying five families' only open bill through an import moves collectability and arrears at once."""
    e = writable_sqlite_world.engine
    last = kpi.periods(e)[-1]
    open_bills = _raw(e, "SELECT c.family_id, c.period, c.billed, c.paid, f.weight FROM contributions c "
                         "JOIN families f ON f.id = c.family_id WHERE c.paid_period IS NULL "
                         f"AND c.period = {last} AND NOT EXISTS (SELECT 1 FROM contributions o WHERE "
                         f"o.family_id = c.family_id AND o.paid_period IS NULL AND o.period < {last}) "
                         "ORDER BY c.family_id LIMIT 5")
    assert len(open_bills) == 5
    before = kpi.collectability(e, NATIONAL, "month").set_index("period").loc[last, "collected"]
    fams_before = kpi.arrears_total(e, NATIONAL)["families"]
    csv = "family_id,period,billed,paid,paid_date,paid_period\n" + "".join(
        f"{r.family_id},{r.period},{r.billed},{r.billed},{str(last)[:4]}-{str(last)[4:]}-20,{last}\n"
        for r in open_bills.itertuples())
    report = imports.import_file(e, Scope.system(), "contributions", csv.encode(), filename="pay.csv")
    assert report.ok and report.updated == 5 and not report.warnings
    with e.connect() as conn:
        assert aggregates.usable(conn)
    after = kpi.collectability(e, NATIONAL, "month").set_index("period").loc[last, "collected"]
    assert int(after - before) == int((open_bills["billed"] * open_bills["weight"]).sum())
    assert kpi.arrears_total(e, NATIONAL)["families"] < fams_before
    slow = without_aggregates(e, lambda: kpi.arrears_total(e, NATIONAL))
    assert kpi.arrears_total(e, NATIONAL) == slow


def test_an_import_without_the_hook_falls_back_to_the_base_tables(writable_sqlite_world,  # type: ignore[no-untyped-def]
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that imported without the refresh hook must not show stale aggregates."""
    e = writable_sqlite_world.engine
    last = kpi.periods(e)[-1]
    row = _raw(e, f"SELECT family_id, billed FROM contributions WHERE paid_period IS NULL AND period = {last} "
                  "ORDER BY family_id LIMIT 1").iloc[0]
    before = kpi.collectability(e, NATIONAL, "month").set_index("period").loc[last, "collected"]
    monkeypatch.setattr(hooks, "AFTER_IMPORT_HOOKS", [])
    csv = (f"family_id,period,billed,paid,paid_date,paid_period\n{row.family_id},{last},{row.billed},{row.billed},"
           f"{str(last)[:4]}-{str(last)[4:]}-21,{last}\n")
    assert imports.import_file(e, Scope.system(), "contributions", csv.encode(), filename="pay.csv").ok
    with e.connect() as conn:
        assert not aggregates.usable(conn)
    after = kpi.collectability(e, NATIONAL, "month").set_index("period").loc[last, "collected"]
    assert after > before
    aggregates.refresh(e)
    with e.connect() as conn:
        assert aggregates.usable(conn)
    assert kpi.collectability(e, NATIONAL, "month").set_index("period").loc[last, "collected"] == after


def test_directors_views_read_the_aggregates_with_the_same_numbers(world) -> None:  # type: ignore[no-untyped-def]
    """Rehab pool, PAR 3 and the league table come from the aggregates when current, and match the
    family-by-family computation exactly."""
    e = world.engine
    ps = kpi.periods(e)
    kw = Scope(role="deputi_wilayah", username="kw", region_code="KW03")
    calls = {
        "league": lambda: kpi.branch_league(e, NATIONAL),
        "league_kw": lambda: kpi.branch_league(e, kw, ps[12]),
        "rehab": lambda: pd.DataFrame([kpi.rehab_pool(e, NATIONAL)]),
        "rehab_branch": lambda: pd.DataFrame([kpi.rehab_pool(e, NATIONAL, ps[8], kpi.Filters(branch="0301"))]),
    }
    fast = {k: f() for k, f in calls.items()}
    slow = without_aggregates(e, lambda: {k: f() for k, f in calls.items()})
    for k in calls:
        pd.testing.assert_frame_equal(fast[k], slow[k], check_exact=True, obj=k)
    months = kpi.arrears_by_months(e, NATIONAL, ps[-1], kpi.NATION)
    m = months[months["months"].between(4, 24)]
    assert fast["rehab"].iloc[0].to_dict() == {"people": int(m["people"].sum()), "families": int(m["families"].sum()),
                                               "rp": int(m["rp"].sum())}
    assert fast["rehab"].iloc[0]["people"] > 0 and fast["league"]["par_people"].sum() > 0
