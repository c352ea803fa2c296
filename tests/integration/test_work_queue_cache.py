"""The work queue's cache: the expensive part (features, scores, ranking, reasons) is cached on
``collections.queue_key``; the live part (last outcome, identities masked per scope) is not.

The page caches with ``st.cache_data``, which stores a pickle of the frame under the key's values; the
``Cache`` below does the same with a dict, so the jkn_core tests exercise what the page relies on, and the
AppTest tests check the page itself.
"""

from __future__ import annotations

import datetime as dt
import pickle

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.runtime.scriptrunner import get_script_run_ctx

from jkn_core import collection as col
from jkn_core import display, imports
from jkn_core.collection.work_queue import work_queue
from jkn_core.scope import Scope
from tests.apptest import sign_in
from tests.conftest import ROOT

CABANG = Scope(role="kantor_cabang", username="cabang", branch_code="0301")
ADMIN = Scope.system()
OPEN_DAY = dt.date(2025, 1, 10)


class Cache:
    """What pages/work_queue.py does with st.cache_data, reduced to a dict keyed on the same values."""

    def __init__(self) -> None:
        self.store: dict[tuple, bytes] = {}
        self.builds = 0

    def queue(self, eng, scope, branch=None, limit=None, lang="id"):  # type: ignore[no-untyped-def]
        key = col.queue_key(eng, scope, branch)
        if (key, limit, lang) not in self.store:
            self.builds += 1
            self.store[(key, limit, lang)] = pickle.dumps(col.explain(col.ranked_families(eng, scope, key),
                                                                      limit, lang))
        return col.finish_queue(eng, scope, key, self.cached(key, limit, lang), OPEN_DAY)

    def cached(self, key, limit=None, lang="id") -> pd.DataFrame:  # type: ignore[no-untyped-def]
        return pickle.loads(self.store[(key, limit, lang)])


def _pay_all_open_bills(eng, family_id: int) -> int:  # type: ignore[no-untyped-def]
    """Import (the validated importer) a payment of every open bill of the family in the last ledger month."""
    with eng.connect() as conn:
        last = conn.execute(text("SELECT MAX(period) FROM contributions")).scalar()
        rows = conn.execute(text("SELECT period, billed FROM contributions WHERE family_id = :f "
                                 "AND paid_period IS NULL ORDER BY period"), {"f": family_id}).all()
    assert rows, "the family has no open bill to pay"
    day = f"{str(last)[:4]}-{str(last)[4:]}-05"
    csv = "family_id,period,billed,paid,paid_date,paid_period\n" + "".join(
        f"{family_id},{p},{b},{b},{day},{last}\n" for p, b in rows)
    report = imports.import_file(eng, ADMIN, "contributions", csv.encode(), filename="pay.csv")
    assert report.ok, report.problems[:3]
    return len(rows)


# --- jkn_core: the key and the split ------------------------------------------------------------------
def test_cached_queue_is_identical_to_the_uncached_one(world) -> None:  # type: ignore[no-untyped-def]
    cache = Cache()
    for limit, lang in ((None, "id"), (25, "id"), (25, "en"), (0, "id")):
        fresh = work_queue(world.engine, CABANG, limit=limit, on=OPEN_DAY, lang=lang)
        first = cache.queue(world.engine, CABANG, limit=limit, lang=lang)
        again = cache.queue(world.engine, CABANG, limit=limit, lang=lang)
        pd.testing.assert_frame_equal(first, fresh)
        pd.testing.assert_frame_equal(again, fresh)
    assert cache.builds == 4  # each (limit, language) built once, then served from the cache
    full = cache.queue(world.engine, CABANG)
    assert len(full) > 25 and full["rank"].tolist() == list(range(1, len(full) + 1))
    assert (full["reason_1"] != "").all() and full["name"].notna().all()


def test_a_recorded_outcome_shows_in_a_queue_built_before(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    eng = writable_sqlite_world.engine
    cache = Cache()
    before = cache.queue(eng, CABANG, limit=10)
    fam = int(before["family_id"].iloc[2])
    key = col.queue_key(eng, CABANG)
    col.record_outcome(eng, CABANG, fam, "telecollecting", "promised", "janji bayar")
    assert col.queue_key(eng, CABANG) == key  # an outcome does not invalidate the expensive part ...
    after = cache.queue(eng, CABANG, limit=10)
    assert cache.builds == 1  # ... which came from the cache
    row = after.set_index("family_id").loc[fam]
    assert (row["last_action"], row["last_outcome"]) == ("telecollecting", "promised")  # ... yet it shows
    pd.testing.assert_frame_equal(after, work_queue(eng, CABANG, limit=10, on=OPEN_DAY))
    # the ranking itself is unchanged: outcomes of the scoring month are not features of that month
    assert after["family_id"].tolist() == before["family_id"].tolist()


def test_an_import_moves_the_key_and_the_queue_follows(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    eng = writable_sqlite_world.engine
    cache = Cache()
    before = cache.queue(eng, CABANG, limit=10)
    top = before.iloc[0]
    assert top["arrears_months"] >= 1
    key = col.queue_key(eng, CABANG)
    _pay_all_open_bills(eng, int(top["family_id"]))
    assert col.queue_key(eng, CABANG) != key
    after = cache.queue(eng, CABANG, limit=10)
    assert cache.builds == 2  # rebuilt, not served stale
    pd.testing.assert_frame_equal(after, work_queue(eng, CABANG, limit=10, on=OPEN_DAY))
    paid = after[after["family_id"] == top["family_id"]]
    assert paid.empty or int(paid["arrears_months"].iloc[0]) == 0  # no longer shown as in arrears


def test_the_cache_holds_no_identity_and_masking_follows_the_reader(sqlite_world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    eng = sqlite_world.engine
    cache = Cache()
    shown = cache.queue(eng, ADMIN, "0301", limit=15)  # built by a user who sees identities
    key = col.queue_key(eng, ADMIN, "0301")
    assert col.queue_key(eng, CABANG) == key  # one entry for every user of the branch
    stored = cache.cached(key, 15)
    assert not {"name", "nik"} & set(stored.columns)
    blob = cache.store[(key, 15, "id")]
    for name, nik in zip(shown["name"], shown["nik"], strict=True):
        assert name.encode() not in blob and nik.encode() not in blob
    ranked = col.ranked_families(eng, ADMIN, key)
    assert not {"name", "nik"} & set(ranked.columns)
    # a reader without identity rights, served from the same entry, sees masked names and NIKs
    monkeypatch.setattr(Scope, "sees_identity", property(lambda self: self.role == "admin"))
    masked = cache.queue(eng, CABANG, limit=15)
    assert cache.builds == 1
    assert masked["nik"].str.contains(r"\*{6}").all() and masked["name"].str.contains(r"\*\*\*").all()
    assert masked["family_id"].tolist() == shown["family_id"].tolist()
    assert not masked["nik"].isin(shown["nik"]).any()
    assert cache.queue(eng, ADMIN, "0301", limit=15)["nik"].tolist() == shown["nik"].tolist()


def test_the_key_checks_the_scope(sqlite_world) -> None:  # type: ignore[no-untyped-def]
    from jkn_core.scope import ScopeError

    with pytest.raises(ScopeError):
        col.queue_key(sqlite_world.engine, Scope.national("direksi"), "0301")
    with pytest.raises(ScopeError):
        col.queue_key(sqlite_world.engine, CABANG, "3101")
    key = col.queue_key(sqlite_world.engine, CABANG)
    with pytest.raises(ScopeError):  # a key of another branch does not open it either
        col.ranked_families(sqlite_world.engine, Scope(role="kantor_cabang", branch_code="3101"), key)


def test_the_key_reads_the_aggregates_mark_under_its_real_name(sqlite_world) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from jkn_core.kpi import refresh as aggregates
    from jkn_core.schema import Meta

    with sqlite_world.engine.connect() as conn:
        state = conn.execute(select(Meta.value).where(Meta.key == aggregates.META_KEY)).scalar()
    assert state  # the world has current aggregates, so the key must carry their mark
    assert f"agg:{state.partition('|')[0]}|" in col.queue_key(sqlite_world.engine, CABANG).data


# --- the page -------------------------------------------------------------------------------------------
@pytest.fixture
def counted_app(monkeypatch, writable_sqlite_world):  # type: ignore[no-untyped-def]
    """The app on a private database, with a count of the expensive builds the page asks for."""
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    st.cache_data.clear()
    builds: list[str] = []
    real = col.ranked_families

    def counting(engine, scope, key):  # type: ignore[no-untyped-def]
        if get_script_run_ctx() is not None:  # a page run, not the test's own uncached call
            builds.append(key.branch)
        return real(engine, scope, key)

    monkeypatch.setattr(col, "ranked_families", counting)
    yield writable_sqlite_world, builds
    st.cache_data.clear()


def _table(at) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The queue's details table (identity, risk, reasons, last outcome), its headers read back as codes."""
    assert not at.exception, [e.value for e in at.exception]
    shown = at.dataframe[1].value
    back = {display.header(c, "id"): c for c in display.QUEUE_DETAILS}
    assert set(shown.columns) == set(back), shown.columns
    return shown.rename(columns=back)


def _main(at) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The queue's main table (what a collector reads first), headers read back as codes."""
    shown = at.dataframe[0].value
    return shown.rename(columns={display.header(c, "id"): c for c in display.QUEUE_MAIN})


def _contacts(at) -> int:  # type: ignore[no-untyped-def]
    """Contacts counted in the action-rates table (the page's last table)."""
    return int(at.dataframe[-1].value[display.header("contacts", "id")].sum())


def test_page_rerun_comes_from_the_cache_and_shows_outcomes_at_once(counted_app) -> None:  # type: ignore[no-untyped-def]
    world, builds = counted_app
    at = sign_in("cabang")
    at.switch_page("pages/work_queue.py").run()
    first = _table(at)
    assert builds == ["0301"] and len(first) > 20
    at.run()
    pd.testing.assert_frame_equal(_table(at), first)
    assert builds == ["0301"]  # the re-run did not rebuild
    # the page shows what the uncached queue says
    fresh = work_queue(world.engine, CABANG, limit=300, on=dt.date.today())
    assert first["family_id"].tolist() == fresh["family_id"].tolist()
    assert first["risk"].round(6).tolist() == fresh["risk"].round(6).tolist()
    assert first["reasons"].iloc[0].startswith(fresh["reason_1"].iloc[0])
    main = _main(at)
    assert main["arrears_months"].tolist() == fresh["arrears_months"].tolist()
    assert main["family"].iloc[0].startswith(str(fresh["family_id"].iloc[0]))
    rates_before = _contacts(at)
    # an outcome recorded elsewhere (another collector) shows on the next re-run, without a rebuild
    fam = int(first["family_id"].iloc[4])
    col.record_outcome(world.engine, CABANG, fam, "sms", "unreachable")
    at.run()
    assert _table(at).set_index("family_id").loc[fam, "last_outcome"] == display.label("outcome_", "unreachable", "id")
    # an outcome saved on the page shows in the queue of the same run
    fam2 = int(first["family_id"].iloc[1])
    at.selectbox(key="wq_family").set_value(fam2)
    at.selectbox(key="wq_outcome").set_value("paid")
    at.button(key="wq_save").click().run()
    assert at.success[0].value == "Hasil tersimpan."
    assert _table(at).set_index("family_id").loc[fam2, "last_outcome"] == display.label("outcome_", "paid", "id")
    assert builds == ["0301"]
    assert _contacts(at) > rates_before  # the rates count both new outcomes
    # an import invalidates: the paid family's row is rebuilt from the new ledger
    top = int(first["family_id"].iloc[0])
    _pay_all_open_bills(world.engine, top)
    at.run()
    after, after_main = _table(at), _main(at)
    assert builds == ["0301", "0301"]
    row = after_main[(after["family_id"] == top).to_numpy()]
    assert row.empty or int(row["arrears_months"].iloc[0]) == 0


def test_page_cache_is_shared_between_users_and_still_masks(counted_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _world, builds = counted_app
    admin = sign_in("admin")
    admin.switch_page("pages/work_queue.py").run()
    admin.selectbox(key="wq_branch").set_value("0301").run()
    seen = _table(admin)
    assert "0301" in builds and not seen["nik"].str.contains(r"\*").any()
    n = len(builds)
    monkeypatch.setattr(Scope, "sees_identity", property(lambda self: self.role == "admin"))
    at = sign_in("cabang")
    at.switch_page("pages/work_queue.py").run()
    masked = _table(at)
    assert len(builds) == n  # served from the admin's entry ...
    assert masked["family_id"].tolist() == seen["family_id"].tolist()
    assert masked["nik"].str.contains(r"\*{6}").all() and masked["name"].str.contains(r"\*\*\*").all()
    assert not masked["nik"].isin(seen["nik"]).any()  # ... yet no unmasked NIK reaches this user
