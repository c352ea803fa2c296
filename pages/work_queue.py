"""Collections work queue for a branch: ranked families, reasons, actions, outcomes, rates."""

import pandas as pd
import streamlit as st

from jkn_core import collection as col
from jkn_core import display, modeling
from jkn_core.collection import model as delinquency
from jkn_core.text import plain
from pages.common import (
    download_buttons,
    engine,
    lang,
    number,
    require,
    rupiah,
    show_table,
    synthetic_banner,
    t,
)

_TTL = 3600  # the key already changes with the data; the time limit only bounds memory and unaudited writes


@st.cache_data(ttl=_TTL, max_entries=8, show_spinner=f"{t('wq_queue')}…")  # ~20 s for a full-size branch
def _ranked(key: col.QueueKey, _eng, _scope):  # type: ignore[no-untyped-def]
    """Every queued family of the branch with features and risk (large: one entry per branch)."""
    return col.ranked_families(_eng, _scope, key)


@st.cache_data(ttl=_TTL, max_entries=64, show_spinner=False)
def _explained(key: col.QueueKey, limit: int, lang_: str, _eng, _scope):  # type: ignore[no-untyped-def]
    """The first ``limit`` families with reasons (small); a new capacity only re-explains."""
    return col.explain(_ranked(key, _eng, _scope), limit, lang_)


@st.cache_data(ttl=_TTL, max_entries=64, show_spinner=False)
def _rates(key: col.QueueKey, last_action: int, _eng, _scope):  # type: ignore[no-untyped-def]
    """Contact and cure rates of the branch (a scan of all its actions: ~0.6 s for a full-size branch);
    ``last_action`` moves with every recorded outcome, so a new outcome counts at once."""
    return col.outcome_rates(_eng, _scope, key.branch)


def _save(eng, scope) -> None:  # type: ignore[no-untyped-def]
    """Record the outcome before the page re-runs, so the queue drawn in that run already shows it."""
    ss = st.session_state
    col.record_outcome(eng, scope, ss["wq_family"], ss["wq_action"], ss["wq_outcome"], ss.get("wq_note"))
    ss["wq_saved_flag"] = True


scope = require("work_queue")
st.title(t("page_work_queue"))
synthetic_banner()
eng = engine()

# scores: the stored champion scores (``python -m jkn_core score delinquency``) when present; otherwise the
# families of the branch shown are scored live with the same model (``col.ranked_families``, cached per
# branch): a first visit never waits for the whole country to be scored.
if not delinquency.scores_present(eng) and not (modeling.model_dir(delinquency.MODEL_NAME) / "model.skops").exists():
    st.error(t("wq_no_model"))
    st.stop()

if scope.branch_code:
    branch = scope.branch_code
else:
    branches = col.branches_with_families(eng, scope)
    names = dict(zip(branches["branch_code"], branches["branch_name"], strict=True))
    branch = st.selectbox(t("wq_branch"), list(names), format_func=lambda c: f"{c} {names[c]}", key="wq_branch")

st.subheader(t("wq_capacity"))
c = st.columns(4)
collectors = c[0].number_input(t("wq_collectors"), 1, 500, 3, key="wq_collectors")
per_day = c[1].number_input(t("wq_contacts_per_day"), 1, 200, 20, key="wq_per_day")
days = c[2].number_input(t("wq_days"), 1, 7, 5, key="wq_days")
limit = col.capacity(collectors, per_day, days)
c[3].metric(t("wq_contacts"), number(limit))

# The expensive part (features, scores, ranking, reasons) is cached on col.queue_key: database, branch,
# scoring month, model version and the data's import mark, so an import, a new ledger month or a new model
# rebuilds it, and a re-run only reads the key (one query). It holds no names or NIK; the live part
# (today's action, identities masked for this user's scope, last recorded outcome) is read on every run.
key = col.queue_key(eng, scope, branch)
queue = col.finish_queue(eng, scope, key, _explained(key, limit, lang(), eng, scope))
if queue.empty:
    st.info(t("wq_empty"))
    st.stop()

totals = col.queue_totals(queue)
m = st.columns(3)
m[0].metric(t("wq_in_queue"), number(totals["families"]))
m[1].metric(t("wq_arrears_total"), rupiah(totals["arrears_rp"]))
m[2].metric(t("wq_expected"), rupiah(totals["expected_recovery"]))

st.subheader(t("wq_queue"))
st.caption(t("wq_ranking_note"))
# what a collector acts on, without scrolling sideways at 1440 px: rank, family, months and Rupiah owed,
# expected recovery, the action and the main reason; the rest (NIK, regency, segment, risk, all reasons,
# last outcome) in the details below. A family owing nothing yet is labelled prevention (auto-debit).
people = display.queue_frame(queue, lang())
money = {"arrears_rp": "rp_full", "expected_recovery": "rp_full"}
show_table(people, "wq_table", columns=display.QUEUE_MAIN, kinds=money,
           widths={"rank": 50, "family": 170, "arrears_months": 100, "arrears_rp": 120,  # ≤ 975 px: the
                   "expected_recovery": 140, "action": 180, "reason": 210},  # main area at 1440 px
           totals={"arrears_rp": rupiah(totals["arrears_rp"]), "expected_recovery": rupiah(totals["expected_recovery"])})
if people["prevention"].any():
    st.caption(t("wq_prevention_note"))
with st.expander(t("wq_details")):
    show_table(people, "wq_details_table", columns=display.QUEUE_DETAILS, kinds=money)
download_buttons(people, "antrean_penagihan", "wq", title=t("page_work_queue"), unit=f"{t('branch')} {branch}",
                 columns=[*display.QUEUE_MAIN[:2], "family_id", "name", "nik", *display.QUEUE_MAIN[2:],
                          *display.QUEUE_DETAILS[4:]], kinds=money)

# --- record an outcome ------------------------------------------------------------------------------
st.subheader(t("wq_record"))
labels = {int(r.family_id): " · ".join([f"#{r.rank}", str(r.family_id)] + ([str(r.name)] if pd.notna(r.name) else []))
          for r in queue.itertuples()}  # a modelling extract may carry no names
r1 = st.columns(3)
family = r1[0].selectbox(t("wq_family"), list(labels), format_func=lambda f: labels[f], key="wq_family")
default_action = queue.loc[queue["family_id"] == family, "action"].iloc[0]
action = r1[1].selectbox(t("wq_action"), list(col.ACTIONS), index=list(col.ACTIONS).index(default_action),
                         format_func=lambda a: t(f"action_{a}"), key="wq_action")
outcome = r1[2].selectbox(t("wq_outcome"), list(col.OUTCOMES), format_func=lambda o: t(f"outcome_{o}"),
                          key="wq_outcome")
note = st.text_input(t("wq_note"), key="wq_note")
st.button(t("wq_save"), key="wq_save", type="primary", on_click=_save, args=(eng, scope))
if st.session_state.pop("wq_saved_flag", False):
    st.success(t("wq_saved"))

# --- history of the selected family -----------------------------------------------------------------
st.subheader(f"{t('wq_history')}: {plain(labels[family])}")  # names are data: never Markdown
hist = col.family_history(eng, scope, family)
h = st.columns(2)
h[0].caption(t("wq_actions_hist"))
with h[0]:
    show_table(hist["actions"], "wq_hist_actions")
h[1].caption(t("wq_ledger"))
with h[1]:
    show_table(hist["ledger"], "wq_hist_ledger", kinds={"billed": "rp_full", "paid": "rp_full"})

# --- contact and cure rates ---------------------------------------------------------------------------
st.subheader(t("wq_rates"))
rates = _rates(key, col.last_action_id(eng), eng, scope)
show_table(rates, "wq_rates")
