"""SIF suitability model: the card, both models' held-out metrics, the scorecard points table."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from jkn_core import sif
from pages import charts
from pages.common import number, require, synthetic_banner, t

require("model_sif")
st.title(t("page_model_sif"))
synthetic_banner()
card = sif.card()
if not card:
    st.warning(t("sif_no_model"))
    st.stop()

c = st.columns(4)
c[0].metric(t("sif_champion"), card["champion"])
c[1].metric("ROC AUC", number(card["roc_auc"], 3))
c[2].metric("Oracle ROC AUC", number(card["oracle_roc_auc"], 3) if card.get("oracle_roc_auc") else "–")
c[3].metric("ECE", number(card["ece"], 3))
st.caption(f"{card['n_train']} / {card['n_test']} loans (train / test, test from {card['split']['test_from_period']})"
           f" · {card['trained_at']} · {card['champion_rule']}")

ci = card.get("oracle_gap_interval")
if card.get("oracle_gap") is not None and ci:
    st.caption(t("sif_gap_interval").format(gap=number(card["oracle_gap"], 3), low=number(ci["low"], 3),
                                            high=number(ci["high"], 3)))
if card.get("oracle_gap_by_block"):  # rolling out-of-time evaluation (issue 16 item 6)
    st.caption(t("sif_book_size").format(book=number(card.get("n_book", 0)), labelled=number(card.get("n_labelled", 0))))
    st.markdown(f"**{t('sif_blocks')}**")
    st.dataframe(pd.DataFrame(card["oracle_gap_by_block"]), hide_index=True, width="stretch")

st.subheader(t("sif_compare"))
rows = []
for name, m in card["models"].items():
    rows.append({"model": name, "roc_auc": m["roc_auc"], "oracle_roc_auc": m["oracle_roc_auc"], "pr_auc": m["pr_auc"],
                 "brier": m["brier"], "ece": m["ece"], "calibration": m["calibration"]})
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

cal = pd.DataFrame(card["calibration"])
fig = go.Figure()
fig.add_scatter(x=cal["predicted"], y=cal["observed"], mode="lines+markers", name=t("sif_observed"))
fig.add_scatter(x=[0, cal["predicted"].max()], y=[0, cal["predicted"].max()], mode="lines", name="y = x",
                line=dict(dash="dot"))
fig.update_layout(title=t("sif_calibration"), xaxis_title=t("sif_predicted"), yaxis_title=t("sif_observed"),
                  height=320, margin=dict(t=40, b=10, l=10, r=10))
charts.apply_axis(fig, [0, *cal["predicted"], *cal["observed"]], "ratio", axis="x", title=t("sif_predicted"))  # ticks in the UI language
charts.apply_axis(fig, [0, *cal["predicted"], *cal["observed"]], "ratio", title=t("sif_observed"))
st.plotly_chart(fig, width="stretch")

st.subheader(t("sif_scorecard_table"))
sc = card["scorecard"]["scaling"]
st.caption(t("sif_scaling").format(base=int(sc["base_score"]), odds=int(sc["base_odds"]), pdo=int(sc["pdo"])))
chk = card["points_check"]
st.caption(t("sif_points_check").format(diff=number(chk["max_abs_score_diff"], 2), bound=number(chk["rounding_bound"], 1),
                                        pd=number(chk["max_abs_pd_diff"], 4)))
pts = pd.DataFrame(card["scorecard"]["points"])
pts.insert(0, t("sif_feature"), [t("feat_" + f) for f in pts["feature"]])
st.dataframe(pts[[t("sif_feature"), "feature", "bin", "points"]].rename(columns={"bin": t("sif_band"),
                                                                                   "points": t("sif_points")}),
             hide_index=True, width="stretch", height=420)
