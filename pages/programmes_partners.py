"""Partners and assignments: a branch assigns families (typed or picked from the work queue) to an LPD, a Kader
JKN, a CSR sponsor or an action, records outcomes and keeps its partners; everyone in scope sees each partner's
performance (assigned, contacted, paid, fee owed)."""

import streamlit as st

from jkn_core import collection as col
from jkn_core.collection import model as delinquency
from jkn_core.programmes import evaluation
from jkn_core.programmes import partners as prt
from jkn_core.schema import ASSIGNMENT_STATUSES, FEE_RULES, PARTNER_KINDS
from jkn_core.scope import ScopeError
from jkn_core.text import plain
from pages.common import engine, number, pct, require, rupiah, show_table, synthetic_banner, t

ASSIGN_COLUMNS = ["assignment_id", "family_id", "programme", "partner_name", "period", "holdout", "status",
                  "collected_rp", "fee_rp", "assigned_by", "assigned_at"]
PERF_COLUMNS = ["programme", "partner_name", "kind", "assigned", "contacted", "paid", "reactivated", "collected_rp",
                "fee_rp"]
PARTNER_COLUMNS = ["code", "name", "kind", "territory", "capacity", "fee_rule", "fee_rate", "fee_per_success_rp",
                   "budget_rp", "active"]
KINDS = {"assignment_id": "plain", "family_id": "plain", "period": "period", "holdout": "bool",
         "collected_rp": "rp_full", "fee_rp": "rp_full", "assigned_at": "datetime", "assigned": "int",
         "contacted": "int", "paid": "int", "reactivated": "int", "capacity": "int", "fee_rate": "share",
         "fee_per_success_rp": "rp_full", "budget_rp": "rp", "active": "bool"}
CODES = {"programme": "ptn_programme_", "status": "ptn_status_", "kind": "ptn_kind_", "fee_rule": "ptn_fee_"}


def _headers(columns: list[str]) -> dict[str, str]:
    return {c: t(f"ptn_col_{c}") for c in columns}


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def _queue(key: col.QueueKey, _eng, _scope):  # type: ignore[no-untyped-def]
    """The first 100 families of the branch's work queue (no identities: the live part adds them)."""
    return col.explain(col.ranked_families(_eng, _scope, key), 100, "id")


scope = require("programmes_partners")
st.title(t("page_programmes_partners"))
synthetic_banner()
st.caption(t("ptn_intro"))
eng = engine()

if scope.sees_participants:
    if scope.branch_code:
        branch = scope.branch_code
    else:
        branches = col.branches_with_families(eng, scope)
        names = dict(zip(branches["branch_code"], branches["branch_name"], strict=True))
        branch = st.selectbox(t("rhb_branch"), list(names), format_func=lambda c: f"{c} {names[c]}", key="ptn_branch")

    if st.session_state.pop("ptn_saved_flag", False):
        st.success(t("ptn_saved"))
    # --- assign -------------------------------------------------------------------------------------------
    st.subheader(t("ptn_assign"))
    programme = st.selectbox(t("ptn_programme"), list(prt.PROGRAMMES), format_func=lambda p: t(f"ptn_programme_{p}"),
                             key="ptn_programme")
    need = prt.PROGRAMMES[programme]
    partner_id = None
    if need is not None:
        options = prt.partners(eng, scope, kind=need, active_only=True)
        if options.empty:
            st.caption(t("ptn_no_partner"))
        else:
            labels = {int(r.id): f"{r.code} · {r.name}" for r in options.itertuples()}
            partner_id = st.selectbox(t("ptn_partner"), list(labels), format_func=lambda p: labels[p],
                                      key="ptn_partner")
    typed = st.text_input(t("ptn_families"), key="ptn_families")
    picked: list[int] = []
    with st.expander(t("ptn_from_queue")):
        if delinquency.scores_present(eng) and st.toggle(t("ptn_from_queue"), key="ptn_queue_on"):
            key = col.queue_key(eng, scope, branch)
            queue = col.finish_queue(eng, scope, key, _queue(key, eng, scope))
            qlabels = {int(r.family_id): f"#{r.rank} · {r.family_id} · {r.name} · {t('action_' + r.action)}"
                       for r in queue.itertuples()}
            picked = st.multiselect(t("ptn_families"), list(qlabels), format_func=lambda f: qlabels[f],
                                    key="ptn_queue_pick")
    st.caption(t("ptn_holdout_note").format(share=pct(100 * evaluation.holdout_share(eng, branch, programme), 0)))
    if st.button(t("ptn_assign_button"), type="primary", key="ptn_assign_button"):
        try:
            ids = [int(x) for x in typed.replace(";", ",").split(",") if x.strip()] + [int(f) for f in picked]
        except ValueError:
            st.error(t("ptn_bad_ids"))
            ids = []
        if ids:
            try:
                new = prt.assign(eng, scope, sorted(set(ids)), programme, partner_id)
                st.success(t("ptn_assigned").format(n=number(len(new))))
                st.info(t("ptn_held_out").format(n=number(prt.held_out(eng, new))))
            except prt.AssignmentRefused as exc:
                st.error(t("ptn_refused").format(reason=t(f"ptn_refuse_{exc.reason}")))
            except ScopeError:
                st.error(t("rhb_not_in_scope"))

    # --- outcomes and the branch's assignments ------------------------------------------------------------
    listed = prt.assignments(eng, scope, branch)
    if not listed.empty:
        st.subheader(t("ptn_outcome"))
        alabels = {int(r.assignment_id): f"#{r.assignment_id} · {r.family_id} · {t('ptn_programme_' + r.programme)}"
                   for r in listed.itertuples()}
        with st.form("ptn_outcome_form"):
            c = st.columns(3)
            aid = c[0].selectbox(t("ptn_assignment"), list(alabels), format_func=lambda a: alabels[a],
                                 key="ptn_assignment")
            status = c[1].selectbox(t("ptn_status"), list(ASSIGNMENT_STATUSES), format_func=lambda s: t(f"ptn_status_{s}"),
                                    key="ptn_status")
            collected = c[2].number_input(t("ptn_collected"), min_value=0, step=1000, value=0, key="ptn_collected")
            save = st.form_submit_button(t("ptn_outcome_button"), type="primary")
        if save:
            try:
                prt.record_outcome(eng, scope, int(aid), status, int(collected))
                st.success(t("ptn_outcome_saved"))
                listed = prt.assignments(eng, scope, branch)
            except (ScopeError, ValueError):
                st.error(t("rhb_not_in_scope"))
    st.subheader(t("ptn_list"))
    if listed.empty:
        st.info(t("ptn_none"))
    else:
        show_table(listed, "ptn_assignments", columns=ASSIGN_COLUMNS, headers=_headers(ASSIGN_COLUMNS), kinds=KINDS,
                   codes=CODES)

# --- performance (every role in scope) ----------------------------------------------------------------
st.subheader(t("ptn_performance"))
perf = prt.performance(eng, scope)
if perf.empty:
    st.info(t("ptn_none"))
else:
    show_table(perf, "ptn_performance", columns=PERF_COLUMNS, headers=_headers(PERF_COLUMNS), kinds=KINDS,
               codes=CODES, totals={"fee_rp": rupiah(int(perf["fee_rp"].sum())),
                                    "collected_rp": rupiah(int(perf["collected_rp"].sum()))})
    st.caption(t("ptn_perf_note"))

# --- partners -----------------------------------------------------------------------------------------
st.subheader(t("ptn_partners"))
known = prt.partners(eng, scope)
if not known.empty:
    show_table(known, "ptn_partner_list", columns=PARTNER_COLUMNS, headers=_headers(PARTNER_COLUMNS), kinds=KINDS,
               codes=CODES)
if scope.sees_participants:
    with st.expander(t("ptn_add")), st.form("ptn_partner_form"):
        c = st.columns(3)
        kind = c[0].selectbox(t("ptn_kind"), list(PARTNER_KINDS), format_func=lambda k: t(f"ptn_kind_{k}"), key="ptn_kind")
        code = c[1].text_input(t("ptn_code"), key="ptn_code")
        name = c[2].text_input(t("ptn_name"), key="ptn_name")
        c = st.columns(3)
        territory = c[0].text_input(t("ptn_territory"), key="ptn_territory")
        capacity = c[1].number_input(t("ptn_capacity"), min_value=0, step=1, value=0, key="ptn_capacity")
        fee_rule = c[2].selectbox(t("ptn_fee_rule"), list(FEE_RULES), format_func=lambda f: t(f"ptn_fee_{f}"),
                                  key="ptn_fee_rule")
        c = st.columns(3)
        fee_rate = c[0].number_input(t("ptn_fee_rate"), min_value=0.0, max_value=1.0, step=0.01, value=0.0,
                                     key="ptn_fee_rate")
        per_success = c[1].number_input(t("ptn_fee_per_success_input"), min_value=0, step=1000, value=0, key="ptn_per_success")
        budget = c[2].number_input(t("ptn_budget"), min_value=0, step=1_000_000, value=0, key="ptn_budget")
        if st.form_submit_button(t("ptn_save"), type="primary"):
            row = {"kind": kind, "code": code, "name": name, "territory": territory or None,
                   "capacity": int(capacity) or None, "fee_rule": fee_rule,
                   "fee_rate": float(fee_rate) if fee_rule == "share_of_collected" else None,
                   "fee_per_success_rp": int(per_success) if fee_rule == "per_success" else None,
                   "budget_rp": int(budget) or None, "branch_code": branch}
            try:
                prt.save_partner(eng, scope, row)
                st.session_state["ptn_saved_flag"] = True
                st.rerun()  # the assignment form above offers the new partner at once
            except ScopeError:
                st.error(t("rhb_not_in_scope"))
            except ValueError as exc:
                st.error(t("ptn_invalid").format(reason=plain(str(exc))))

