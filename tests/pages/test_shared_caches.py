"""Caches shared by every session of a server process follow the data: an import moves the data version,
and the next page run shows the new figures (no time-to-live to wait for).

- the directors' figures (``pages/directors_view.py``) are cached on the function, the database URL, the
  data version and the scope *without the username*: two directors share one computation, and an import
  of the ledger changes the overview's cards at the next run;
- the SIF portfolio (``pages/sif_portfolio.py``) is cached on ``portfolio_key``: an import, a scoring run
  or a new policy moves the key;
- the database's "synthetic" mark (read several times per click) is remembered a few seconds, and a
  ``set_meta`` in the process forgets it at once.
"""

from __future__ import annotations

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.runtime.scriptrunner import get_script_run_ctx

from jkn_core import access, imports, kpi
from jkn_core.db import set_meta
from jkn_core.scope import Scope
from jkn_core.sif import policy as credit
from jkn_core.sif import portfolio
from jkn_core.sif.features import facts_of
from tests.apptest import sign_in
from tests.conftest import ROOT

ADMIN = Scope.system()


def _pay_open_bills(eng, n_families: int = 40) -> int:  # type: ignore[no-untyped-def]
    """Import (the validated importer) payments of every open bill of ``n_families`` families in arrears."""
    with eng.connect() as conn:
        last = conn.execute(text("SELECT MAX(period) FROM contributions")).scalar()
        fams = [r[0] for r in conn.execute(text(
            "SELECT family_id FROM contributions WHERE paid_period IS NULL GROUP BY family_id "
            "ORDER BY COUNT(*) DESC, family_id LIMIT :n"), {"n": n_families})]
        rows = conn.execute(text("SELECT family_id, period, billed FROM contributions WHERE paid_period IS NULL "
                                 f"AND family_id IN ({','.join(str(int(f)) for f in fams)})")).all()
    assert rows, "the world has no open bill"
    day = f"{str(last)[:4]}-{str(last)[4:]}-05"
    csv = "family_id,period,billed,paid,paid_date,paid_period\n" + "".join(
        f"{f},{p},{b},{b},{day},{last}\n" for f, p, b in rows)
    report = imports.import_file(eng, ADMIN, "contributions", csv.encode(), filename="pay.csv")
    assert report.ok, report.problems[:3]
    return len(rows)


@pytest.fixture
def counted_app(monkeypatch, writable_sqlite_world):  # type: ignore[no-untyped-def]
    """The app on a private database, counting the page runs' calls of ``kpi.overview_cards``."""
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    st.cache_data.clear()
    calls: list[str] = []
    real = kpi.overview_cards

    def counting(engine, scope, *args, **kwargs):  # type: ignore[no-untyped-def]
        if get_script_run_ctx() is not None:
            calls.append(scope.username)
        return real(engine, scope, *args, **kwargs)

    monkeypatch.setattr(kpi, "overview_cards", counting)
    yield writable_sqlite_world, calls
    st.cache_data.clear()


def _cards(at) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]
    return [(m.label, m.value) for m in at.metric]


def test_directors_share_the_overview_and_it_follows_an_import(counted_app) -> None:  # type: ignore[no-untyped-def]
    world, calls = counted_app
    access.create_user(world.engine, "direksi2", "Kedua-direksi-2024!", "direksi", actor="test", replace=True)
    first = sign_in("direksi")
    before = _cards(first)
    assert len(before) >= 6 and len(calls) == 1
    second = sign_in("direksi2", "Kedua-direksi-2024!")
    assert _cards(second) == before
    assert len(calls) == 1, "a second director with the same view is served the first one's figures"
    first.run()
    assert _cards(first) == before and len(calls) == 1  # a re-run reads the cache

    _pay_open_bills(world.engine)
    first.run()
    after = _cards(first)
    assert len(calls) == 2, "the import moved the data version: the figures were recomputed"
    assert after != before, "the overview still shows the figures from before the import"
    second.run()
    assert _cards(second) == after and len(calls) == 2


def test_the_data_version_moves_with_an_import_and_a_rebuild(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    eng = writable_sqlite_world.engine
    v0 = kpi.view.data_version(eng)
    assert kpi.view.data_version(eng) == v0  # stable while nothing changes
    _pay_open_bills(eng, 2)
    v1 = kpi.view.data_version(eng)
    assert v1 != v0
    with eng.begin() as conn:  # a rebuilt demo writes a new generated_at
        set_meta(conn, {"generated_at": "2099-01-01T00:00:00+00:00"})
    assert kpi.view.data_version(eng) not in (v0, v1)


def test_the_portfolio_key_moves_with_imports_scores_and_policy(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    eng = writable_sqlite_world.engine
    k0 = portfolio.portfolio_key(eng)
    assert portfolio.portfolio_key(eng) == k0
    _pay_open_bills(eng, 2)
    k1 = portfolio.portfolio_key(eng)
    assert k1 != k0
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO model_scores (model, entity_id, period, score, model_version, scored_at) "
                          "VALUES ('sif', 'X-TEST', 202412, 0.1, 'v-test', '2099-01-01 00:00:00')"))
    k2 = portfolio.portfolio_key(eng)
    assert k2 not in (k0, k1)
    with eng.begin() as conn:
        set_meta(conn, {credit.META_KEY: '{"bank_rate_pct": 13.5}'})
    assert portfolio.portfolio_key(eng) not in (k0, k1, k2)


def test_the_market_sizes_every_facility_by_the_policy(sqlite_world) -> None:  # type: ignore[no-untyped-def]
    """The market's maximum tenor and loan (now computed on plain rows) are the policy's, row by row."""
    eng = sqlite_world.engine
    mk = portfolio.market(eng, ADMIN)
    assert len(mk) > 20
    policy = credit.load_policy(eng)
    feats = portfolio.facility_features(eng, ADMIN, policy=policy).set_index("facility_code")
    for row in mk.head(60).itertuples():
        facts = facts_of(feats.loc[row.facility_code])
        tenor = credit.max_tenor(facts, policy)
        assert row.max_tenor_months == tenor
        if row.eligible:
            assert row.max_loan == credit.max_loan(facts, min(policy.reference_tenor_months, tenor),
                                                   policy.bank_rate_pct, policy)


def test_the_synthetic_mark_is_remembered_but_a_write_is_seen_at_once(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    eng = writable_sqlite_world.engine
    assert kpi.is_synthetic(eng) is True
    with eng.connect() as conn:  # remembered: a second read asks nothing of the database
        reads: list[str] = []
        from sqlalchemy import event

        def count(*_a):  # type: ignore[no-untyped-def]
            reads.append("q")

        event.listen(eng, "before_cursor_execute", count)
        try:
            assert kpi.is_synthetic(eng) is True
            assert reads == []
        finally:
            event.remove(eng, "before_cursor_execute", count)
        conn.rollback()
    with eng.begin() as conn:
        set_meta(conn, {"synthetic": "0"})
    assert kpi.is_synthetic(eng) is False
