"""Bank-to-bank isolation in SIF (issue 18, finding 3): two banks in ONE province.

In a private copy of the small world, with a bank-markets file that gives Bank bjb and Bank Mandiri the same
market (Jawa Barat, province 32), Bank bjb's demo officer (``bank``) and a second officer of Bank Mandiri
(``mandiri``) each save an application with a confidential note at one Jawa Barat facility, and Bank Mandiri
gets a booked loan there. Applications carry the bank that made them (``sif_applications.bank``). Every public sif function that returns bank-owned rows (applications, booked loans, loan features) must
give each officer only their own bank's rows; national roles see both banks. Functions that return BPJS
facility data shared by the region (search, profile, capitation, market, stored scores, stability, an
assessment) must give both officers the same answer, holding nothing of either bank. A completeness test
fails when sif grows a public function that takes the engine or a scope and is not listed here.
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from jkn_core import access, sif
from jkn_core.schema import AuditLog, SifApplication, SifLoan, User
from jkn_core.scope import Scope
from jkn_core.sif import policy as credit

BJB = Scope("bank_officer", "bank", region_code="KW05", bank="Bank bjb")
MANDIRI = Scope("bank_officer", "mandiri", region_code="KW05", bank="Bank Mandiri")
ADMIN = Scope("admin", "admin")
DIREKSI = Scope.national("direksi")
SECRET = {"Bank bjb": "RAHASIA-BJB-plafon-khusus", "Bank Mandiri": "RAHASIA-MANDIRI-nego-bunga"}
MANDIRI_LOAN = "MANDIRI-LOAN-0001"
MANDIRI_AMOUNT = 777_000_000

#: sif functions that return rows owned by a bank -> call(engine, scope, world) -> frame
BANK_ROWS: dict[str, Callable[[Any, Scope, dict], pd.DataFrame]] = {
    "applications": lambda e, s, w: sif.applications(e, s),
    "applications(code)": lambda e, s, w: sif.applications(e, s, w["code"]),
    "booked_loans": lambda e, s, w: sif.booked_loans(e, s),
    "loan_features": lambda e, s, w: sif.loan_features(e, s),
}

#: sif functions returning BPJS facility data shared by every bank of the region -> call(engine, scope, world)
SHARED: dict[str, Callable[[Any, Scope, dict], Any]] = {
    "search_facilities": lambda e, s, w: sif.search_facilities(e, s, ""),
    "capitation_history": lambda e, s, w: sif.capitation_history(e, s, w["code"]),
    "facility_profile": lambda e, s, w: sif.facility_profile(e, s, w["code"]),
    "facility_features": lambda e, s, w: sif.facility_features(e, s),
    "market": lambda e, s, w: sif.market(e, s),
    "stored_scores": lambda e, s, w: sif.stored_scores(e, s),
    "score_stability": lambda e, s, w: sif.score_stability(e, s),
    "assess_application": lambda e, s, w: {
        k: v for k, v in sif.assess_application(e, s, w["code"], 20_000_000, 12, 11.0).items()
        if k in ("facility_code", "pd", "score", "grade", "decision", "reasons", "as_of")},
}

#: public sif functions taking the engine or a scope that return no bank-owned rows, and why
NOT_ROWS = {
    "save_application": "writes one application (checked: the other bank never reads it back; audited with the bank)",
    "export_memo": "the memo of the caller's own assessment (no query)",
    "train": "trains on all banks' loan history under the system scope (a national model; its card holds aggregates)",
    "score": "writes facility scores (BPJS data shared by every bank)",
    "latest_period": "the latest month held (no rows)",
    "region_name": "a region's name",
    "load_policy": "the credit policy file / table (no rows of a bank)",
    "portfolio_key": "a cache key of the portfolio (data version, policy, scores, model card): no rows",
    "ensure_application_bank": "adds sif_applications.bank to an older database (no rows returned)",
}


def _sif_modules() -> list[Any]:
    import jkn_core.sif as package

    names = ("applications", "features", "model", "portfolio", "memo", "policy", "scorecard", "evaluation",
             "upgrade")
    return [importlib.import_module(f"{package.__name__}.{m}") for m in names]


def test_every_public_sif_function_is_checked() -> None:
    """A new public sif function that reads the database or takes a scope must be listed (and so tested)."""
    public: set[str] = set()
    for mod in _sif_modules():
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ != mod.__name__ or name.startswith("_"):
                continue
            params = inspect.signature(fn).parameters
            if "engine" in params or "scope" in params:
                public.add(name)
    listed = {k.split("(")[0] for k in BANK_ROWS} | set(SHARED) | set(NOT_ROWS)
    unchecked = public - listed
    assert not unchecked, f"new public sif functions without a bank-isolation check: {sorted(unchecked)}"
    assert not listed - public, f"listed but gone: {sorted(listed - public)}"
    for name in {k.split("(")[0] for k in BANK_ROWS} | set(SHARED):
        fn = getattr(sif, name)
        assert "scope" in inspect.signature(fn).parameters, name


ONE_PROVINCE = "bank,province_code,province_name,basis\nBank bjb,32,Jawa Barat,test\nBank Mandiri,32,Jawa Barat,test\n"


@pytest.fixture
def two_banks(writable_sqlite_world, tmp_path, monkeypatch) -> dict:
    """The second bank's officer, an application of each bank at one Jawa Barat facility, a Bank Mandiri loan;
    both banks' market is Jawa Barat alone."""
    markets = tmp_path / "markets.csv"
    markets.write_text(ONE_PROVINCE)
    monkeypatch.setenv("JKN_BANK_MARKETS", str(markets))
    assert BJB.market == MANDIRI.market == ("32",)
    eng = writable_sqlite_world.engine
    access.create_user(eng, "mandiri", "mandiri-test-pass", "bank_officer", region_code="KW05",
                       bank="Bank Mandiri", actor="test")
    policy = credit.load_policy(eng)
    m = sif.market(eng, BJB)
    code = str(m[m["eligible"] & (m["max_loan"] >= 20_000_000)].iloc[0]["facility_code"])
    ids = {}
    for scope, amount in ((BJB, 20_000_000), (MANDIRI, 25_000_000)):
        result = sif.assess_application(eng, scope, code, amount, 12, policy.bank_rate_pct)
        ids[scope.bank] = sif.save_application(eng, scope, result, SECRET[str(scope.bank)])
    s = SifLoan.__table__
    with eng.begin() as conn:
        start = conn.execute(select(func.max(s.c.start_period)).where(s.c.facility_code.in_(
            m["facility_code"].tolist()))).scalar()
        new_id = conn.execute(select(func.max(s.c.id))).scalar() + 1
        conn.execute(insert(s).values(id=new_id, loan_ref=MANDIRI_LOAN, facility_code=code, bank="Bank Mandiri",
                                      start_period=int(start), amount=MANDIRI_AMOUNT, tenor_months=24,
                                      rate_pct=11.0, defaulted=False, days_past_due=0))
        bank_of_loan = dict(conn.execute(select(s.c.loan_ref, s.c.bank)).all())
        bank_of_user = dict(conn.execute(select(User.username, User.bank)).all())
    assert set(bank_of_loan.values()) >= {"Bank bjb", "Bank Mandiri"}
    return {"engine": eng, "code": code, "ids": ids, "bank_of_loan": bank_of_loan, "bank_of_user": bank_of_user}


def _banks_of(name: str, df: pd.DataFrame, w: dict) -> set[str]:
    """The banks owning the rows of a BANK_ROWS result."""
    if df is None or df.empty:
        return set()
    if name.startswith("applications"):
        return {str(w["bank_of_user"].get(o)) for o in df["officer"]}
    if name == "booked_loans":
        assert (df["loan_ref"].map(w["bank_of_loan"]) == df["bank"]).all()
        return set(df["bank"])
    return {w["bank_of_loan"][k] for k in df["key"]}  # loan_features: one row per loan


def _text(result: Any) -> str:
    if isinstance(result, pd.DataFrame):
        return result.to_csv(index=False)
    if isinstance(result, pd.Series):
        return result.to_string()
    return json.dumps(result, default=str)


@pytest.mark.parametrize("query", sorted(BANK_ROWS))
def test_bank_officer_sees_only_own_bank_rows_in_a_shared_region(two_banks, query: str) -> None:
    w, call = two_banks, BANK_ROWS[query]
    eng = w["engine"]
    for me, other in ((BJB, MANDIRI), (MANDIRI, BJB)):
        got = call(eng, me, w)
        assert _banks_of(query, got, w) == {me.bank}, f"{query} as {me.username}: {_banks_of(query, got, w)}"
        text = _text(got)
        assert SECRET[str(other.bank)] not in text and str(other.bank) not in text, f"{query} leaks {other.bank}"
        if query == "booked_loans" or query == "loan_features":
            assert (MANDIRI_LOAN in text) == (me is MANDIRI)
    # national roles see both banks: the check above is not vacuous
    for national in (ADMIN, DIREKSI):
        assert _banks_of(query, call(eng, national, w), w) >= {"Bank bjb", "Bank Mandiri"}, national.role


def test_application_note_and_amount_of_the_other_bank_never_reach_an_officer(two_banks) -> None:
    """The attack of the finding: the bjb officer lists the facility's applications (what the page shows and
    downloads) and gets only bjb's; Mandiri's amount and confidential note are not among them."""
    w = two_banks
    eng = w["engine"]
    bjb = sif.applications(eng, BJB, w["code"])
    assert list(bjb["id"]) == [w["ids"]["Bank bjb"]] and set(bjb["note"]) == {SECRET["Bank bjb"]}
    assert 25_000_000 not in set(bjb["amount"])
    mandiri = sif.applications(eng, MANDIRI, w["code"])
    assert list(mandiri["id"]) == [w["ids"]["Bank Mandiri"]] and set(mandiri["note"]) == {SECRET["Bank Mandiri"]}
    both = sif.applications(eng, ADMIN, w["code"])
    assert set(both["id"]) == set(w["ids"].values())
    # the save is audited with the officer's bank
    with eng.connect() as conn:
        details = [json.loads(d) for d in conn.execute(select(AuditLog.detail).where(
            AuditLog.action == "sif_application_saved")).scalars()]
    assert {(d["application_id"], d["bank"]) for d in details} >= {(i, b) for b, i in w["ids"].items()}


def test_bank_officer_without_a_bank_sees_no_bank_rows(two_banks) -> None:
    """A bank officer whose user row names no bank fails closed: no application, loan or loan feature."""
    w = two_banks
    nobank = Scope("bank_officer", "nobank", region_code="KW05")
    for query, call in BANK_ROWS.items():
        got = call(w["engine"], nobank, w)
        assert got is None or got.empty, query


def test_a_bank_without_a_market_keeps_its_officers_region(two_banks) -> None:
    """A bank the markets file does not list falls back to the officer's region: a KW03 officer of such a bank
    sees neither bank's KW05 applications and only KW03 facilities."""
    kw03 = Scope("bank_officer", "bank3", region_code="KW03", bank="Bank Uji")
    assert kw03.market == ()
    assert sif.applications(two_banks["engine"], kw03).empty
    assert set(sif.facility_features(two_banks["engine"], kw03)["region_code"]) == {"KW03"}


def test_each_application_carries_the_bank_that_made_it_and_keeps_it(two_banks) -> None:
    """The bank is stamped on save: moving the Mandiri officer to Bank bjb afterwards neither shows Mandiri's
    application to bjb nor hides it from Mandiri's other officers."""
    w = two_banks
    eng = w["engine"]
    with eng.connect() as conn:
        stored = dict(conn.execute(select(SifApplication.id, SifApplication.bank)).all())
    assert {stored[i] for i in w["ids"].values()} == {"Bank bjb", "Bank Mandiri"}
    assert stored[w["ids"]["Bank Mandiri"]] == "Bank Mandiri"
    access.create_user(eng, "mandiri", "mandiri-test-pass", "bank_officer", region_code="KW05", bank="Bank bjb",
                       actor="test", replace=True)
    assert set(sif.applications(eng, BJB, w["code"])["bank"]) == {"Bank bjb"}
    other_mandiri = Scope("bank_officer", "mandiri2", region_code="KW05", bank="Bank Mandiri")
    assert list(sif.applications(eng, other_mandiri, w["code"])["id"]) == [w["ids"]["Bank Mandiri"]]


def test_an_older_database_gets_the_bank_column_filled_from_the_officers(two_banks) -> None:
    """A database made before ``sif_applications.bank`` existed: the first SIF read adds the column and gives
    every existing application its officer's bank, so isolation holds from the first page view."""
    from jkn_core.sif import upgrade

    w = two_banks
    eng = w["engine"]
    with eng.begin() as conn:
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_sif_applications_bank")
        conn.exec_driver_sql("ALTER TABLE sif_applications DROP COLUMN bank")
    upgrade.forget()
    got = sif.applications(eng, MANDIRI, w["code"])
    assert list(got["id"]) == [w["ids"]["Bank Mandiri"]] and set(got["bank"]) == {"Bank Mandiri"}
    with eng.connect() as conn:
        stored = dict(conn.execute(select(SifApplication.id, SifApplication.bank)).all())
    assert stored == {i: b for b, i in w["ids"].items()}
    assert upgrade.ensure_application_bank(eng) is False  # done once


@pytest.mark.parametrize("query", sorted(SHARED))
def test_shared_facility_data_is_the_same_for_both_banks_and_holds_no_bank_rows(two_banks, query: str) -> None:
    w, call = two_banks, SHARED[query]
    eng = w["engine"]
    a, b = call(eng, BJB, w), call(eng, MANDIRI, w)
    assert _text(a) == _text(b), f"{query} differs between two banks of one province"
    text = _text(a)
    assert text.strip() and text not in ("null", "{}")
    for bank in ("Bank bjb", "Bank Mandiri"):
        assert bank not in text and SECRET[bank] not in text, f"{query} shows {bank}'s data"
    assert MANDIRI_LOAN not in text and "officer" not in text
