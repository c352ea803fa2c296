"""Incremental refresh of the aggregates after an import (jkn_core.kpi.refresh.refresh_branches).

An import of one branch's ledger rebuilds only that branch's aggregate rows (all months) and its
regencies' coverage. A director must not see a different number than a full rebuild would give: every
test compares every aggregate row after the import's own refresh with a full ``refresh`` of the same data,
on SQLite and PostgreSQL, and checks that the refresh really took the path under test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, select, text

from jkn_core import hooks, imports, kpi
from jkn_core.kpi import refresh as aggregates
from jkn_core.schema import Meta
from jkn_core.scope import Scope
from tests.worlds import World, build_world, without_aggregates

NATIONAL = Scope.national("test")
SYSTEM = Scope.system()


# --- fixtures ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def _pg_writable_world(pg_server_handle: Any) -> Iterator[World]:
    """A private small world in a new database on the test server (the shared ``world`` stays untouched).

    Shared by this module's PostgreSQL tests: each one compares against a full refresh of whatever the
    data is by then, so their order does not matter.
    """
    from jkn_core.db import make_engine

    if isinstance(pg_server_handle, str):
        pytest.skip("JKN_TEST_PG_URL points at a foreign server: no private database for writing")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = pg_server_handle.create_database(f"jkn_agg_incr_{worker}_{uuid.uuid4().hex[:8]}")
    summary = build_world(url)
    engine = make_engine(url)
    yield World(engine=engine, url=url, backend="postgresql", summary=summary)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def wworld(request: pytest.FixtureRequest) -> World:
    """A small world the test may write: a private SQLite copy, or the module's private PostgreSQL world."""
    if request.param == "sqlite":
        return request.getfixturevalue("writable_sqlite_world")
    return request.getfixturevalue("_pg_writable_world")


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Records which refresh the import hook ran: ``branches`` (the incremental calls' branch sets and
    results) and ``full`` (every full rebuild, whichever function asked for it)."""
    seen: dict[str, list[Any]] = {"branches": [], "full": []}
    incremental, rebuild_all = aggregates.refresh_branches, aggregates.rebuild_all

    def spy_incremental(engine: Engine, branches: Any) -> dict[str, Any]:
        got = incremental(engine, branches)
        seen["branches"].append(got)
        return got

    def spy_rebuild_all(conn: Any) -> None:
        seen["full"].append(True)
        rebuild_all(conn)

    monkeypatch.setattr(aggregates, "refresh_branches", spy_incremental)
    monkeypatch.setattr(aggregates, "rebuild_all", spy_rebuild_all)
    return seen


# --- helpers ----------------------------------------------------------------------------------------
def _raw(engine: Engine, sql: str, **params: Any) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(text(sql), conn, params=params)


def _snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every aggregate table (and the freshness mark), in primary-key order."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for t in aggregates.AGG_TABLES:
            rows = conn.execute(select(t).order_by(*t.primary_key.columns)).all()
            out[t.name] = [tuple(int(v) if isinstance(v, int) else v for v in r) for r in rows]
        out["state"] = [(conn.execute(select(Meta.value).where(Meta.key == aggregates.META_KEY)).scalar(),)]
    return out


def _assert_equals_full_refresh(engine: Engine) -> dict[str, list[tuple]]:
    """The aggregates as the import left them must be exactly those a full rebuild produces."""
    after_import = _snapshot(engine)
    assert all(after_import[t.name] for t in aggregates.AGG_TABLES)
    aggregates.refresh(engine)
    full = _snapshot(engine)
    for name in full:
        assert after_import[name] == full[name], f"{name} differs from a full refresh"
    return full


def _largest_branch(engine: Engine) -> str:
    return str(_raw(engine, "SELECT f.branch_code, COUNT(*) AS n FROM contributions c JOIN families f "
                            "ON f.id = c.family_id GROUP BY f.branch_code ORDER BY n DESC, f.branch_code")
               .iloc[0]["branch_code"])


def _ledger_of(engine: Engine, branch: str) -> pd.DataFrame:
    return _raw(engine, "SELECT c.family_id, c.period, c.billed, c.paid, c.paid_date, c.paid_period, f.weight "
                        "FROM contributions c JOIN families f ON f.id = c.family_id WHERE f.branch_code = :b "
                        "ORDER BY c.family_id, c.period", b=branch)


def _csv(df: pd.DataFrame, columns: list[str]) -> bytes:
    out = df[columns].copy()
    for c in ("paid_period", "registered_period"):
        if c in out:
            out[c] = out[c].astype("Int64")
    return out.to_csv(index=False).encode()


def _import(engine: Engine, table: str, data: bytes) -> imports.ImportReport:
    report = imports.import_file(engine, SYSTEM, table, data, filename=f"{table}.csv")
    assert report.ok, [str(p) for p in report.problems[:5]]
    assert not report.warnings  # the refresh hook ran without failing
    with engine.connect() as conn:
        assert aggregates.usable(conn)
    return report


LEDGER = ["family_id", "period", "billed", "paid", "paid_date", "paid_period"]


# --- tests ------------------------------------------------------------------------------------------
def test_a_branch_ledger_import_refreshes_that_branch_to_the_full_result(wworld: World, paths) -> None:  # type: ignore[no-untyped-def]
    """The branch's whole ledger re-imported with bills paid and a tariff corrected: only that branch is
    rebuilt, and every aggregate row equals a full rebuild; arrears and collectability move at once."""
    e = wworld.engine
    ps = kpi.periods(e)
    last, mid = ps[-1], ps[len(ps) // 2]
    branch = _largest_branch(e)
    led = _ledger_of(e, branch)
    # pay 8 open bills of the last month, and 6 open bills of an earlier month in that month (owed no
    # more from then on: the arrears of every later month change too)
    pay_last = led.index[led["paid_period"].isna() & (led["period"] == last)][:8]
    pay_mid = led.index[led["paid_period"].isna() & (led["period"] == mid)][:6]
    assert len(pay_last) == 8 and len(pay_mid) == 6
    collected = {}
    for rows, p in ((pay_last, last), (pay_mid, mid)):
        collected[p] = int((led.loc[rows, "billed"] * led.loc[rows, "weight"]).sum())
        led.loc[rows, "paid"] = led.loc[rows, "billed"]
        led.loc[rows, "paid_date"] = f"{str(p)[:4]}-{str(p)[4:]}-20"
        led.loc[rows, "paid_period"] = p
    # a corrected tariff on 5 bills of the first month
    fix = led.index[led["period"] == ps[0]][:5]
    led.loc[fix, "billed"] = led.loc[fix, "billed"] + 1000
    coll_before = kpi.collectability(e, NATIONAL, "month").set_index("period")
    arrears_before = {p: kpi.arrears_total(e, NATIONAL, p) for p in (mid, last)}

    report = _import(e, "contributions", _csv(led, LEDGER))

    assert report.updated == len(pay_last) + len(pay_mid) + len(fix)
    assert report.unchanged == len(led) - report.updated
    assert [r["mode"] for r in paths["branches"]] == ["branches"]
    assert paths["branches"][0]["branches"] == [branch]
    assert paths["full"] == []  # no full rebuild behind the scenes
    coll = kpi.collectability(e, NATIONAL, "month").set_index("period")
    for p in (mid, last):
        assert int(coll.loc[p, "collected"] - coll_before.loc[p, "collected"]) == collected[p]
    assert int(coll.loc[ps[0], "billed"] - coll_before.loc[ps[0], "billed"]) == int(
        (1000 * led.loc[fix, "weight"]).sum())
    for p in (mid, last):
        now = kpi.arrears_total(e, NATIONAL, p)
        assert now != arrears_before[p]  # the import shows at once ...
        assert now == without_aggregates(e, lambda p=p: kpi.arrears_total(e, NATIONAL, p))  # ... and right
    _assert_equals_full_refresh(e)


def test_a_participant_moving_branch_rebuilds_the_old_and_the_new_branch(wworld: World, paths) -> None:  # type: ignore[no-untyped-def]
    """Coverage of the branch (and regency) a participant left and of the one they joined."""
    e = wworld.engine
    p = _raw(e, "SELECT id, nik, name, family_id, segment, kelas, sex, birth_date, regency_code, branch_code, "
                "fktp_code, registered_on, registered_period, status, weight FROM participants "
                "ORDER BY id LIMIT 1")
    old_branch, old_regency = str(p.iloc[0]["branch_code"]), str(p.iloc[0]["regency_code"])
    dest = _raw(e, "SELECT code, branch_code FROM regencies WHERE branch_code <> :b ORDER BY code LIMIT 1",
                b=old_branch).iloc[0]
    p["branch_code"], p["regency_code"] = dest["branch_code"], dest["code"]
    p["status"] = "aktif"
    coverage_before = kpi.coverage(e, NATIONAL, "regency").set_index("code")

    report = _import(e, "participants", _csv(p, list(p.columns)))

    assert report.updated == 1
    assert [r["mode"] for r in paths["branches"]] == ["branches"] and paths["full"] == []
    assert paths["branches"][0]["branches"] == sorted({old_branch, str(dest["branch_code"])})
    coverage = kpi.coverage(e, NATIONAL, "regency").set_index("code")
    weight = int(p.iloc[0]["weight"])
    for code, delta in ((old_regency, -weight), (str(dest["code"]), weight)):
        assert int(coverage.loc[code, "participants"] - coverage_before.loc[code, "participants"]) == delta
    _assert_equals_full_refresh(e)


def test_a_facility_month_import_rebuilds_the_facility_branch(wworld: World, paths) -> None:  # type: ignore[no-untyped-def]
    e = wworld.engine
    last = kpi.periods(e)[-1]
    fm = _raw(e, "SELECT m.facility_code, m.period, m.registered, m.capitation_paid, m.contact_rate_pm, "
                 "m.rrns_pct, m.rppt_pct, m.kbk_pct, f.branch_code FROM facility_months m JOIN facilities f "
                 "ON f.code = m.facility_code WHERE m.period = :p ORDER BY m.facility_code LIMIT 1", p=last)
    fm["capitation_paid"] = fm["capitation_paid"] + 12_345
    before = kpi.capacity(e, NATIONAL, "branch", last).set_index("code")

    _import(e, "facility_months", _csv(fm, [c for c in fm.columns if c != "branch_code"]))

    branch = str(fm.iloc[0]["branch_code"])
    assert paths["branches"][0]["branches"] == [branch] and paths["full"] == []
    after = kpi.capacity(e, NATIONAL, "branch", last).set_index("code")
    assert int(after.loc[branch, "capitation_paid"] - before.loc[branch, "capitation_paid"]) == 12_345
    _assert_equals_full_refresh(e)


def test_an_import_adding_a_month_rebuilds_everything(wworld: World, paths) -> None:  # type: ignore[no-untyped-def]
    """Bills of a month the ledger did not hold: the month list changes, so the whole set is rebuilt."""
    e = wworld.engine
    ps = kpi.periods(e)
    new = ps[-1] + 1 if ps[-1] % 100 < 12 else (ps[-1] // 100 + 1) * 100 + 1
    branch = _largest_branch(e)
    led = _ledger_of(e, branch)
    rows = led[led["period"] == ps[-1]].head(10).copy()
    rows["period"], rows["paid"], rows["paid_date"], rows["paid_period"] = new, 0, None, None

    _import(e, "contributions", _csv(rows, LEDGER))

    assert [r["mode"] for r in paths["branches"]] == ["full"] and paths["full"] == [True]
    assert kpi.periods(e) == [*ps, new]
    assert kpi.arrears_total(e, NATIONAL, new) == without_aggregates(e, lambda: kpi.arrears_total(e, NATIONAL, new))
    _assert_equals_full_refresh(e)


def test_stale_aggregates_are_rebuilt_in_full(writable_sqlite_world: World, paths,  # type: ignore[no-untyped-def]
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """After an import that ran without the hook, the next import cannot patch one branch: full rebuild."""
    e = writable_sqlite_world.engine
    last = kpi.periods(e)[-1]
    open_bills = _raw(e, "SELECT c.family_id, c.period, c.billed, c.paid, c.paid_date, c.paid_period, "
                         "f.branch_code FROM contributions c JOIN families f ON f.id = c.family_id "
                         f"WHERE c.paid_period IS NULL AND c.period = {last} ORDER BY f.branch_code, c.family_id")
    first_branch = open_bills[open_bills["branch_code"] == open_bills["branch_code"].iloc[0]].head(2)
    other_branch = open_bills[open_bills["branch_code"] != open_bills["branch_code"].iloc[0]].head(2)
    for df in (first_branch, other_branch):
        df["paid"], df["paid_date"], df["paid_period"] = df["billed"], f"{str(last)[:4]}-{str(last)[4:]}-21", last
    with monkeypatch.context() as m:
        m.setattr(hooks, "AFTER_IMPORT_HOOKS", [])
        assert imports.import_file(e, SYSTEM, "contributions", _csv(first_branch, LEDGER), filename="a.csv").ok
    with e.connect() as conn:
        assert not aggregates.usable(conn)

    _import(e, "contributions", _csv(other_branch, LEDGER))

    assert [r["mode"] for r in paths["branches"]] == ["full"]
    _assert_equals_full_refresh(e)


def test_an_import_of_a_table_the_aggregates_do_not_read_keeps_them_usable(writable_sqlite_world: World,  # type: ignore[no-untyped-def]
                                                                           paths) -> None:
    e = writable_sqlite_world.engine
    before = _snapshot(e)
    pop = _raw(e, "SELECT regency_code, year, population FROM population ORDER BY regency_code, year LIMIT 1")
    pop["population"] = pop["population"] + 1

    _import(e, "population", _csv(pop, list(pop.columns)))  # asserts the aggregates are still usable

    assert paths["branches"][0]["mode"] == "branches" and paths["branches"][0]["branches"] == []
    after = _snapshot(e)
    assert {k: v for k, v in after.items() if k != "state"} == {k: v for k, v in before.items() if k != "state"}
    _assert_equals_full_refresh(e)


def test_hooks_written_for_two_arguments_still_run(writable_sqlite_world: World,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    e = writable_sqlite_world.engine
    seen: list[tuple] = []
    monkeypatch.setattr(hooks, "AFTER_IMPORT_HOOKS", [lambda eng, table: seen.append((table,)),
                                                       lambda eng, table, branches: seen.append((table, branches))])
    fm = _raw(e, "SELECT m.facility_code, m.period, m.registered, m.capitation_paid, m.contact_rate_pm, m.rrns_pct, "
                 "m.rppt_pct, m.kbk_pct, f.branch_code FROM facility_months m JOIN facilities f "
                 "ON f.code = m.facility_code ORDER BY m.facility_code, m.period LIMIT 1")
    fm["registered"] = fm["registered"] + 1
    report = imports.import_file(e, SYSTEM, "facility_months",
                                _csv(fm, [c for c in fm.columns if c != "branch_code"]), filename="fm.csv")
    assert report.ok and not report.warnings
    assert seen == [("facility_months",), ("facility_months", {str(fm.iloc[0]["branch_code"])})]


def test_an_import_touching_every_branch_rebuilds_in_full(writable_sqlite_world: World, paths) -> None:  # type: ignore[no-untyped-def]
    """A ledger import that changes every branch (a whole national re-load): one plain full rebuild, not a
    delete-and-insert per branch."""
    e = writable_sqlite_world.engine
    last = kpi.periods(e)[-1]
    open_bills = _raw(e, "SELECT c.family_id, c.period, c.billed, c.paid, c.paid_date, c.paid_period, "
                         "f.branch_code FROM contributions c JOIN families f ON f.id = c.family_id "
                         f"WHERE c.paid_period IS NULL AND c.period = {last} ORDER BY f.branch_code, c.family_id")
    one_each = open_bills.groupby("branch_code").head(1).copy()
    held = set(_raw(e, "SELECT DISTINCT branch_code FROM agg_coverage")["branch_code"])
    assert set(one_each["branch_code"]) == held and len(held) > 1
    one_each["paid"], one_each["paid_period"] = one_each["billed"], last
    one_each["paid_date"] = f"{str(last)[:4]}-{str(last)[4:]}-22"

    _import(e, "contributions", _csv(one_each, LEDGER))

    assert [r["mode"] for r in paths["branches"]] == ["full"] and paths["full"] == [True]
    assert paths["branches"][0]["branches"] == sorted(held)
    _assert_equals_full_refresh(e)
