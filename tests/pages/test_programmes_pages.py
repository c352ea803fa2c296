"""The Rehab and partner pages in the real app (AppTest on a private copy of the small world): a branch enrols a
family, records a stage payment, adds an LPD partner and assigns a family to it; a director sees the KPIs only."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, text

from jkn_core import months
from jkn_core.collection import features
from jkn_core.i18n import t
from jkn_core.programmes import evaluation, rehab, rehab_rules
from jkn_core.schema import AuditLog
from jkn_core.scope import Scope
from tests.apptest import sign_in, texts
from tests.conftest import ROOT


@pytest.fixture
def writable_app(monkeypatch, writable_sqlite_world):
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    return writable_sqlite_world


def eligible_family(engine) -> tuple[int, int, dt.date]:
    """A family of branch 0301 that may enrol (4-24 months, PBPU/BP, no plan), its debt and an open day."""
    month = features.scoring_month(engine)
    frame = features.build(engine, [month], branch_code="0301")
    ok = frame[rehab_rules.eligible(frame["segment"].to_numpy(), frame["arrears_months"].to_numpy())
               & (frame["arrears_rp"] >= 12)]
    with engine.connect() as conn:
        planned = {int(r[0]) for r in conn.execute(text("SELECT family_id FROM rehab_plans"))}
    row = ok[~ok["family_id"].isin(planned)].iloc[0]
    return int(row["family_id"]), int(row["arrears_rp"]), months.first_day(month) + dt.timedelta(days=14)


def button(at, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def audit_rows(engine, action: str) -> list[dict]:
    with engine.connect() as conn:
        return [json.loads(d) for d in conn.execute(select(AuditLog.detail).where(AuditLog.action == action)).scalars()]


def test_branch_enrols_a_family_and_records_a_stage_payment(writable_app) -> None:
    eng = writable_app.engine
    family, debt, day = eligible_family(eng)
    at = sign_in("cabang", "cabang-demo")
    at.switch_page("pages/programmes_rehab.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Program Rehab"
    at.number_input(key="rhb_family").set_value(family)
    at.number_input(key="rhb_stages").set_value(3)
    at.date_input(key="rhb_enrol_date").set_value(day)
    button(at, t("rhb_enrol_button")).click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == t("rhb_enrolled").format(family=family, stages=3,
                                                         amount=f"Rp {debt // 3:,}".replace(",", "."))
    plans = at.dataframe[0].value
    mine = plans[plans[t("rhb_col_family_id")] == family]
    assert mine[t("rhb_col_state")].tolist() == [t("rhb_state_due" if day.day <= 10 else "rhb_state_late")]
    # a stage payment
    at.date_input(key="rhb_paid_on").set_value(day)
    at.selectbox(key="rhb_channel").set_value("mobile_jkn")
    button(at, t("rhb_pay_button")).click().run()
    assert not at.exception, at.exception
    assert t("rhb_paid_saved").format(stage=1) in texts(at.success)
    plans = at.dataframe[0].value
    mine = plans[plans[t("rhb_col_family_id")] == family]
    assert mine[t("rhb_col_stages_paid")].tolist() == [1]
    assert mine[t("rhb_col_state")].tolist() == [t("rhb_state_paid")]
    with eng.connect() as conn:
        paid = conn.execute(text("SELECT p.stage_no, p.channel FROM rehab_payments p JOIN rehab_plans r "
                                 "ON r.id = p.plan_id WHERE r.family_id = :f AND p.paid_on IS NOT NULL"),
                            {"f": family}).all()
    assert [tuple(r) for r in paid] == [(1, "mobile_jkn")]
    assert audit_rows(eng, "rehab_enrol")[0]["family_id"] == family
    assert audit_rows(eng, "rehab_stage_paid")[0]["stage_no"] == 1


def test_overdue_plans_are_shown_and_cancelled_only_by_the_button(writable_app) -> None:
    """Visiting the Rehab page writes nothing: it says how many plans missed a stage; the button cancels them
    (audited)."""
    eng = writable_app.engine
    family, _debt, day = eligible_family(eng)
    last_month = day.replace(day=10) - dt.timedelta(days=31)  # the month before the data's month
    scope = Scope(role="kantor_cabang", username="cabang", branch_code="0301")
    plan = rehab.enrol(eng, scope, family, 3, last_month)  # its first stage (last month) is unpaid: overdue
    n = rehab.overdue_count(eng, scope)
    assert n >= 1
    at = sign_in("cabang", "cabang-demo")
    at.switch_page("pages/programmes_rehab.py").run()
    assert not at.exception, at.exception
    assert t("rhb_overdue").format(n=n) in [w.value for w in at.warning]
    at.run()  # a second visit: still nothing cancelled
    assert rehab.overdue_count(eng, scope) == n and audit_rows(eng, "rehab_cancel") == []
    with eng.connect() as conn:
        assert conn.execute(text("SELECT status FROM rehab_plans WHERE id = :i"), {"i": plan}).scalar() == "active"
    at.button(key="rhb_cancel_overdue").click().run()
    assert not at.exception, at.exception
    assert t("rhb_cancelled_now").format(n=n) in texts(at.success)
    assert rehab.overdue_count(eng, scope) == 0
    assert audit_rows(eng, "rehab_cancel")[0]["plans"] == n
    with eng.connect() as conn:
        assert conn.execute(text("SELECT status FROM rehab_plans WHERE id = :i"), {"i": plan}).scalar() == "cancelled"


def test_a_refused_enrolment_says_why(writable_app) -> None:
    eng = writable_app.engine
    family, _debt, day = eligible_family(eng)
    at = sign_in("cabang", "cabang-demo")
    at.switch_page("pages/programmes_rehab.py").run()
    at.number_input(key="rhb_family").set_value(family)
    at.number_input(key="rhb_stages").set_value(3)
    at.date_input(key="rhb_enrol_date").set_value(day.replace(day=29))
    button(at, t("rhb_enrol_button")).click().run()
    assert not at.exception, at.exception
    assert texts(at.error) == "Ditolak: pendaftaran hanya tanggal 1–28 (Februari 1–27)."
    with eng.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM rehab_plans WHERE enrolled_by IS NOT NULL")).scalar() == 0


def test_branch_adds_an_lpd_and_assigns_a_family(writable_app) -> None:
    eng = writable_app.engine
    family, _debt, _day = eligible_family(eng)
    at = sign_in("cabang", "cabang-demo")
    at.switch_page("pages/programmes_partners.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="ptn_kind").set_value("lpd")
    at.text_input(key="ptn_code").input("LPD-SUKARAMI")
    at.text_input(key="ptn_name").input("LPD Desa Adat <b>Sukarami</b>")
    at.selectbox(key="ptn_fee_rule").set_value("share_of_collected")
    at.number_input(key="ptn_fee_rate").set_value(0.05)
    button(at, t("ptn_save")).click().run()
    assert not at.exception, at.exception
    assert t("ptn_saved") in texts(at.success)
    # the branch's holdout share of LPD set to 0 so this one family is surely treated (the random draw: tests/
    # integration/test_programmes.py::test_a_branch_assignment_keeps_a_random_holdout)
    evaluation.set_holdout_share(eng, Scope.system(), "0301", "lpd", 0.0)  # eligible_family: branch 0301
    at.selectbox(key="ptn_programme").set_value("lpd").run()
    at.text_input(key="ptn_families").input(str(family))
    at.button(key="ptn_assign_button").click().run()
    assert not at.exception, at.exception
    assert t("ptn_assigned").format(n=1) in texts(at.success)
    assert t("ptn_held_out").format(n=0) in texts(at.info)
    listed = at.dataframe[0].value  # newest first
    assert listed[t("ptn_col_family_id")].tolist()[0] == family
    assert listed[t("ptn_col_partner_name")].tolist()[0] == "LPD Desa Adat <b>Sukarami</b>"  # text, not markup
    perf = at.dataframe[1].value
    mine = perf[perf[t("ptn_col_partner_name")] == "LPD Desa Adat <b>Sukarami</b>"]
    assert mine[t("ptn_col_assigned")].tolist() == [1]
    assert audit_rows(eng, "programme_assign")[0]["family_ids"] == [family]
    assert audit_rows(eng, "partner_save")[0]["code"] == "LPD-SUKARAMI"


def test_a_family_of_another_branch_is_refused(writable_app) -> None:
    eng = writable_app.engine
    with eng.connect() as conn:
        other = conn.execute(text("SELECT id FROM families WHERE branch_code <> '0301' LIMIT 1")).scalar()
    at = sign_in("cabang", "cabang-demo")
    at.switch_page("pages/programmes_partners.py").run()
    at.selectbox(key="ptn_programme").set_value("call").run()
    at.text_input(key="ptn_families").input(str(other))
    at.button(key="ptn_assign_button").click().run()
    assert not at.exception, at.exception
    assert texts(at.error) == t("rhb_not_in_scope")
    with eng.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM partner_assignments WHERE assigned_by = 'cabang'")).scalar() == 0


def test_directors_see_the_kpis_and_no_family_form(app_env) -> None:
    at = sign_in("direksi", "direksi-demo")
    at.switch_page("pages/programmes_rehab.py").run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric][:5] == [t("rhb_enrolments"), t("rhb_completion"), t("rhb_reactivated"),
                                                t("rhb_recovered"), t("rhb_to_come")]
    assert not [n for n in at.number_input if n.key == "rhb_family"]
    at.switch_page("pages/programmes_partners.py").run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "ptn_assign_button"]
