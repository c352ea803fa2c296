"""Rehab programme: a branch enrols families, records stage payments and follows its plans (due, paid, late,
cancelled); directors see enrolments, completion, reactivated people, Rupiah recovered and the cash forecast."""

import streamlit as st

from jkn_core.collection import branches_with_families
from jkn_core.programmes import rehab, rehab_kpi
from jkn_core.scope import ScopeError
from pages import charts
from pages.common import (
    engine,
    number,
    pct,
    period_label,
    require,
    rupiah,
    show_table,
    synthetic_banner,
    t,
)

PLAN_COLUMNS = ["plan_id", "family_id", "enrolled_on", "arrears_months", "debt_rp", "stages", "stages_paid",
                "stage_amount_rp", "next_period", "next_amount_rp", "remaining_rp", "state", "ended_period"]
PLAN_KINDS = {"plan_id": "plain", "family_id": "plain", "enrolled_on": "date", "arrears_months": "int",
              "debt_rp": "rp_full", "stages": "int", "stages_paid": "int", "stage_amount_rp": "rp_full",
              "next_period": "period", "next_amount_rp": "rp_full", "remaining_rp": "rp_full", "ended_period": "period"}


def _headers(columns: list[str]) -> dict[str, str]:
    return {c: t(f"rhb_col_{c}") for c in columns}


def _refusal(exc: rehab.RehabRefused) -> str:
    return t("rhb_refused").format(reason=t(f"rhb_refuse_{exc.reason}"))


scope = require("programmes_rehab")
st.title(t("page_programmes_rehab"))
synthetic_banner()
st.caption(t("rhb_intro"))
eng = engine()

# --- branch work: enrol, pay, follow the plans ----------------------------------------------------------
if scope.sees_participants:
    if scope.branch_code:
        branch = scope.branch_code
    else:
        branches = branches_with_families(eng, scope)
        names = dict(zip(branches["branch_code"], branches["branch_name"], strict=True))
        branch = st.selectbox(t("rhb_branch"), list(names), format_func=lambda c: f"{c} {names[c]}", key="rhb_branch")
    today = rehab.default_day(eng)
    # a stage unpaid after its month ends the plan: shown here, cancelled only by an explicit (audited) step
    if st.session_state.get("rhb_cancelled_flag") is not None:
        st.success(t("rhb_cancelled_now").format(n=number(st.session_state.pop("rhb_cancelled_flag"))))
    overdue = rehab.overdue_count(eng, scope, branch_code=branch)
    if overdue:
        st.warning(t("rhb_overdue").format(n=number(overdue)))
        if st.button(t("rhb_cancel_overdue").format(n=number(overdue)), key="rhb_cancel_overdue"):
            st.session_state["rhb_cancelled_flag"] = rehab.cancel_missed(eng, scope, branch_code=branch)
            st.rerun()

    st.subheader(t("rhb_enrol"))
    with st.form("rhb_enrol_form"):
        c = st.columns(3)
        family = c[0].number_input(t("rhb_family"), min_value=0, step=1, value=0, key="rhb_family")
        stages = c[1].number_input(t("rhb_stages"), min_value=1, max_value=12, step=1, value=6, key="rhb_stages")
        day = c[2].date_input(t("rhb_enrol_date"), value=today, key="rhb_enrol_date", format="YYYY-MM-DD")
        b = st.columns(2)
        check = b[0].form_submit_button(t("rhb_check"))
        enrol = b[1].form_submit_button(t("rhb_enrol_button"), type="primary")
    if (check or enrol) and family:
        try:
            reason, info = rehab.check_enrolment(eng, scope, int(family), int(stages), day)
            if reason:
                st.error(t("rhb_refused").format(reason=t(f"rhb_refuse_{reason}")))
            elif check:
                amount = info["arrears_rp"] // int(stages)
                st.info(t("rhb_eligible").format(months=number(info["arrears_months"]), debt=rupiah(info["arrears_rp"]),
                                                 amount=rupiah(amount), bill=rupiah(info["bill_rp"])))
            else:
                plan_id = rehab.enrol(eng, scope, int(family), int(stages), day)
                plan = rehab.plans(eng, scope, branch, today).set_index("plan_id").loc[plan_id]
                st.success(t("rhb_enrolled").format(family=int(family), stages=int(stages),
                                                    amount=rupiah(plan["stage_amount_rp"])))
        except rehab.RehabRefused as exc:
            st.error(_refusal(exc))
        except ScopeError:
            st.error(t("rhb_not_in_scope"))

    plans = rehab.plans(eng, scope, branch, today)
    st.subheader(t("rhb_pay"))
    active = plans[plans["status"] == "active"]
    if active.empty:
        st.caption(t("rhb_no_active"))
    else:
        labels = {int(r.plan_id): f"#{r.plan_id} · {r.family_id} · {r.stages_paid}/{r.stages}"
                  for r in active.itertuples()}
        with st.form("rhb_pay_form"):
            c = st.columns(3)
            plan_id = c[0].selectbox(t("rhb_plan"), list(labels), format_func=lambda p: labels[p], key="rhb_plan")
            paid_on = c[1].date_input(t("rhb_paid_on"), value=today, key="rhb_paid_on", format="YYYY-MM-DD")
            channel = c[2].selectbox(t("rhb_channel"), list(rehab.CHANNELS), format_func=lambda x: t(f"rhb_channel_{x}"),
                                     key="rhb_channel")
            pay = st.form_submit_button(t("rhb_pay_button"), type="primary")
        if pay:
            try:
                done = rehab.record_stage_payment(eng, scope, int(plan_id), paid_on, channel)
                st.success(t("rhb_paid_saved").format(stage=done["stage_no"]))
                if done["completed"]:
                    st.success(t("rhb_completed").format(n=number(done["reactivated"])))
            except rehab.RehabRefused as exc:
                st.error(_refusal(exc))
            except ScopeError:
                st.error(t("rhb_not_in_scope"))
            plans = rehab.plans(eng, scope, branch, today)

    st.subheader(t("rhb_counts"))
    counts = rehab_kpi.branch_counts(eng, scope, branch, today)
    m = st.columns(len(rehab.STATES))
    for col_, state in zip(m, rehab.STATES, strict=True):
        col_.metric(t(f"rhb_state_{state}"), number(counts[state]))

    st.subheader(t("rhb_list"))
    if plans.empty:
        st.info(t("rhb_none"))
    else:
        pick = st.multiselect(t("rhb_filter"), list(rehab.STATES), default=["due", "paid", "late", "cancelled"],
                              format_func=lambda s: t(f"rhb_state_{s}"), key="rhb_states")
        shown = plans[plans["state"].isin(pick)] if pick else plans
        show_table(shown, "rhb_plans", columns=PLAN_COLUMNS, headers=_headers(PLAN_COLUMNS), kinds=PLAN_KINDS,
                   codes={"state": "rhb_state_"})

# --- directors: KPIs and the cash forecast --------------------------------------------------------------
if scope.sees_kpis:
    st.subheader(t("rhb_directors"))
    k = rehab_kpi.director_kpis(eng, scope)
    m = st.columns(5)
    m[0].metric(t("rhb_enrolments"), number(k["enrolled"]))
    m[1].metric(t("rhb_completion"), pct(None if k["completion_rate"] is None else 100 * k["completion_rate"], 1),
                help=t("rhb_completion_help"))
    m[2].metric(t("rhb_reactivated"), number(k["reactivated_people"]))
    m[3].metric(t("rhb_recovered"), rupiah(k["recovered_rp"]))
    m[4].metric(t("rhb_to_come"), rupiah(k["to_come_rp"]))
    st.caption(t("rhb_weight_note"))
    fc = rehab_kpi.cash_forecast(eng, scope)
    if fc.empty:
        st.caption(t("rhb_forecast_none"))
    else:
        fig = charts.bars([period_label(int(p)) for p in fc["period"]], fc["scheduled_rp"].tolist(), "rp",
                          title=t("rhb_forecast"), subtitle=t("rhb_forecast_sub"), colour="#0d9488")
        charts.show(fig, "rhb_forecast")
        show_table(fc, "rhb_forecast_table", headers=_headers(list(fc.columns)),
                   kinds={"period": "period", "plans": "int", "scheduled_rp": "rp_full"})
    if not scope.branch_code:
        by = rehab_kpi.by_branch(eng, scope)
        if not by.empty:
            st.subheader(t("rhb_by_branch"))
            cols = ["branch_code", "branch_name", "enrolled", "completed", "cancelled", "completion_rate",
                    "recovered_rp"]
            show_table(by, "rhb_by_branch", columns=cols, headers=_headers(cols),
                       kinds={"enrolled": "int", "completed": "int", "cancelled": "int", "completion_rate": "share",
                              "recovered_rp": "rp"})
