"""Delinquency model card: held-out metrics vs the oracle, per payment-history segment (current, behind 1-3
months: where a collector's decision matters) and per month, calibration curve, importance, breakdowns.

The per-branch table comes from ``delinquency.branch_metrics``: the user's own branch (or region) and the
national figure only.
"""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from jkn_core import display, modeling
from jkn_core.collection import model as delinquency
from jkn_core.collection.model import MODEL_NAME
from jkn_core.i18n import STRINGS
from pages import charts
from pages.common import (
    download_buttons,
    engine,
    lang,
    number,
    require,
    show_table,
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
fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name=t("md_ideal"), line={"dash": "dot", "color": "grey"}))
if not cal.empty:
    fig.add_trace(go.Scatter(x=cal["predicted"], y=cal["observed"], mode="lines+markers", name=t("md_observed")))
fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 40, "b": 10})
charts.titled(fig, t("md_calibration"))
axis_values = [0, 1, *cal.get("predicted", []), *cal.get("observed", [])]
charts.apply_axis(fig, axis_values, "ratio", axis="x", title=t("md_predicted"))  # ticks in the UI language
charts.apply_axis(fig, axis_values, "ratio", title=t("md_observed"))
charts.show(fig, "md_calibration", container=left)

imp = pd.DataFrame(card.get("importance", []))
if not imp.empty:
    labels = {f["name"]: f["en" if lang() == "en" else "id"] for f in card.get("features", [])}
    imp = imp.head(15).iloc[::-1]
    fig2 = go.Figure(go.Bar(x=imp["importance"], y=imp["feature"].map(lambda f: labels.get(f, f)), orientation="h",
                            error_x={"type": "data", "array": imp["std"]}))
    fig2.update_layout(height=380, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    charts.titled(fig2, t("md_importance"))
    charts.apply_axis(fig2, [0, *(imp["importance"] + imp["std"].fillna(0))], "ratio", axis="x")
    charts.show(fig2, "md_importance", container=right)

kinds = display.MODEL_KINDS
# the headers of the metric cards above, so a table and a card name a figure alike
heads = {"segment": t("md_col_segment"), "n": t("md_col_rows"), "observed": t("md_col_observed"),
         "predicted": t("md_col_predicted"), "roc_auc": t("md_roc_auc"), "oracle_roc_auc": t("md_oracle"),
         "auc_gap_to_oracle": t("md_col_gap"), "ece": t("md_ece"), "period": t("md_col_period"),
         "part": t("md_col_part")}
segments = card.get("segments") or {}
if segments:
    st.subheader(t("md_segments"))
    st.caption(t("md_segments_help"))
    seg_rows = pd.DataFrame([{"segment": t(f"md_seg_{name}"), **m} for name, m in segments.items()])
    show_table(seg_rows, "md_segments", kinds=kinds, codes={"segment": None}, headers=heads,
               columns=["segment", "n", "observed", "predicted", "roc_auc", "oracle_roc_auc", "auc_gap_to_oracle",
                        "ece"])

by_month = pd.DataFrame(card.get("by_month") or [])
if not by_month.empty:
    st.subheader(t("md_by_month"))
    by_month["part"] = by_month["part"].map(lambda p: t(f"md_part_{p}"))
    show_table(by_month, "md_by_month", kinds=kinds, headers=heads,
               columns=["period", "part", "n", "observed", "predicted", "roc_auc", "ece"])

st.subheader(t("md_candidates"))
candidates = pd.DataFrame(card.get("candidates", {})).T.rename_axis("model").reset_index()
show_table(candidates, "md_candidates", kinds=kinds, codes={"model": "md_model_"})

st.subheader(t("md_by_segment"))
seg = pd.DataFrame(card.get("by_segment", []))
if "status" in seg:  # the rows by payment status (the membership segments have no status)
    seg["segment"] = seg["segment"].where(seg["status"].isna(), seg["status"].map(
        lambda s: t(f"md_status_{s}") if f"md_status_{s}" in STRINGS else display.label("status_", s, lang())))
show_table(seg, "md_by_segment", kinds=kinds, headers={**heads, "segment": t("hdr_segment")}, columns=["segment", "n", "observed", "predicted", "roc_auc",
                                                        "oracle_roc_auc"])

st.subheader(t("md_by_branch"))
by_branch = delinquency.branch_metrics(engine(), scope, card)
show_table(by_branch, "md_by_branch", kinds=kinds, headers=heads)
download_buttons(by_branch, "metrik_model_per_cabang", "md_branch", title=t("md_by_branch"), kinds=kinds,
                 headers=heads)

with st.expander(t("md_versions")):
    st.json(card.get("versions", {}))
