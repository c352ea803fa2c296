"""Delinquency model card: held-out metrics vs the oracle, per payment-history segment (current, behind 1-3
months: where a collector's decision matters) and per month, calibration curve, importance, breakdowns.

The per-branch table comes from ``delinquency.branch_metrics``: the user's own branch (or region) and the
national figure only.
"""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from jkn_core import modeling
from jkn_core.collection import model as delinquency
from jkn_core.collection.model import MODEL_NAME
from pages.common import (
    download_buttons,
    engine,
    lang,
    number,
    pct,
    period_label,
    require,
    segment_label,
    synthetic_banner,
    t,
)

scope = require("model_delinquency")
st.title(t("page_model_delinquency"))
synthetic_banner()
card = modeling.read_card(MODEL_NAME)
if not card:
    st.info(t("md_no_model"))
    st.stop()


def _f(x: float | None, d: int = 4) -> str:
    return "–" if x is None else number(x, d)


st.subheader(t("md_title_card"))
st.caption(f"{t('wq_model_version')}: `{card.get('model_version')}` · {t('md_champion')}: {card.get('champion')} · "
           f"{t('md_target')}: {card.get('target')}")
c = st.columns(5)
c[0].metric(t("md_roc_auc"), _f(card["roc_auc"]))
c[1].metric(t("md_oracle"), _f(card["oracle_roc_auc"]))
c[2].metric(t("md_pr_auc"), _f(card["pr_auc"]))
c[3].metric(t("md_brier"), _f(card["brier"]))
c[4].metric(t("md_ece"), _f(card["ece"]))
if card["oracle_roc_auc"] is None:
    st.info(t("md_oracle_na"))
c = st.columns(2)
c[0].metric(t("md_rows"), f"{number(card['n_train'])} / {number(card['n_test'])}")
c[1].metric(t("md_range"), f"{card['data_from']} – {card['data_to']}")

left, right = st.columns(2)
cal = pd.DataFrame(card.get("calibration", []))
fig = go.Figure()
fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="ideal", line={"dash": "dot", "color": "grey"}))
if not cal.empty:
    fig.add_trace(go.Scatter(x=cal["predicted"], y=cal["observed"], mode="lines+markers", name=t("md_observed")))
fig.update_layout(title=t("md_calibration"), xaxis_title=t("md_predicted"), yaxis_title=t("md_observed"),
                  height=380, margin={"l": 10, "r": 10, "t": 40, "b": 10})
left.plotly_chart(fig, key="md_calibration")

imp = pd.DataFrame(card.get("importance", []))
if not imp.empty:
    labels = {f["name"]: f["en" if lang() == "en" else "id"] for f in card.get("features", [])}
    imp = imp.head(15).iloc[::-1]
    fig2 = go.Figure(go.Bar(x=imp["importance"], y=imp["feature"].map(lambda f: labels.get(f, f)), orientation="h",
                            error_x={"type": "data", "array": imp["std"]}))
    fig2.update_layout(title=t("md_importance"), height=380, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    right.plotly_chart(fig2, key="md_importance")

segments = card.get("segments") or {}
if segments:
    st.subheader(t("md_segments"))
    st.caption(t("md_segments_help"))
    seg_rows = pd.DataFrame([{
        t("md_col_segment"): t(f"md_seg_{name}"), t("md_col_rows"): number(m.get("n")),
        t("md_col_observed"): pct(100 * m["observed"], 1), t("md_col_predicted"): pct(100 * m["predicted"], 1),
        t("md_roc_auc"): _f(m.get("roc_auc")), t("md_oracle"): _f(m.get("oracle_roc_auc")),
        t("md_col_gap"): _f(m.get("auc_gap_to_oracle")), t("md_ece"): _f(m.get("ece"))}
        for name, m in segments.items()])
    st.dataframe(seg_rows, hide_index=True, key="md_segments")

by_month = pd.DataFrame(card.get("by_month") or [])
if not by_month.empty:
    st.subheader(t("md_by_month"))
    shown = pd.DataFrame({
        t("md_col_period"): by_month["period"].map(period_label),
        t("md_col_part"): by_month["part"].map(lambda p: t(f"md_part_{p}")),
        t("md_col_rows"): by_month["n"].map(number),
        t("md_col_observed"): by_month["observed"].map(lambda x: pct(100 * x, 1)),
        t("md_col_predicted"): by_month["predicted"].map(lambda x: pct(100 * x, 1)),
        t("md_roc_auc"): by_month["roc_auc"].map(_f), t("md_ece"): by_month["ece"].map(_f)})
    st.dataframe(shown, hide_index=True, key="md_by_month")

st.subheader(t("md_candidates"))
st.dataframe(pd.DataFrame(card.get("candidates", {})).T.rename_axis("model").reset_index(), hide_index=True,
             key="md_candidates")

st.subheader(t("md_by_segment"))
seg = pd.DataFrame(card.get("by_segment", []))
if "segment" in seg:  # membership segments by their labels (the rows by status have no segment)
    seg["segment"] = seg["segment"].map(lambda s: segment_label(s) if isinstance(s, str) else s)
st.dataframe(seg, hide_index=True, key="md_by_segment")

st.subheader(t("md_by_branch"))
by_branch = delinquency.branch_metrics(engine(), scope, card)
by_branch["level"] = by_branch["level"].map({"national": t("nation"), "branch": t("branch")})
st.dataframe(by_branch, hide_index=True, key="md_by_branch")
download_buttons(by_branch, "metrik_model_per_cabang", "md_branch")

with st.expander(t("md_versions")):
    st.json(card.get("versions", {}))
