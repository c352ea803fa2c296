"""SIF suitability model: the card, both models' held-out metrics, the scorecard points table (tables through
``show_table``, axes through ``charts.apply_axis``: headers, numbers and ticks in the UI language)."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from jkn_core import display, fmt, sif
from pages import charts
from pages.common import lang, number, period_label, require, show_table, synthetic_banner, t

require("model_sif")
st.title(t("page_model_sif"))
synthetic_banner()
card = sif.card()
if not card:
    st.warning(t("sif_no_model"))
    st.stop()

kinds = display.MODEL_KINDS
c = st.columns(4)
c[0].metric(t("sif_champion"), display.label("md_model_", card["champion"], lang()))
c[1].metric(t("hdr_roc_auc"), number(card["roc_auc"], 3))
c[2].metric(t("hdr_oracle_roc_auc"), number(card["oracle_roc_auc"], 3) if card.get("oracle_roc_auc") else "–")
c[3].metric(t("hdr_ece"), number(card["ece"], 3))
split = t("sif_loans_split").format(train=number(card["n_train"]), test=number(card["n_test"]),
                                   since=period_label(card["split"]["test_from_period"]))
st.caption(f"{split} · {fmt.datetime(card['trained_at'], lang())}")

ci = card.get("oracle_gap_interval")
if card.get("oracle_gap") is not None and ci:
    st.caption(t("sif_gap_interval").format(gap=number(card["oracle_gap"], 3), low=number(ci["low"], 3),
                                            high=number(ci["high"], 3)))
if card.get("oracle_gap_expected") is not None:
    st.caption(t("sif_gap_expected").format(gap=number(card["oracle_gap_expected"], 3)))
if card.get("oracle_gap_by_block"):  # rolling out-of-time evaluation (issue 16 item 6)
    st.caption(t("sif_book_size").format(book=number(card.get("n_book", 0)), labelled=number(card.get("n_labelled", 0))))
    st.markdown(f"**{t('sif_blocks')}**")
    show_table(pd.DataFrame(card["oracle_gap_by_block"]), "sif_blocks", kinds=kinds)

sel = card.get("selection") or {}
if sel.get("roc_auc"):  # the champion is chosen before the test window (issue 16 item 6)
    st.markdown(f"**{t('sif_selection')}**")
    st.caption(t("sif_selection_window").format(n=number(sel["n"]), defaults=number(sel["defaults"]),
                                                since=period_label(sel["from"]), until=period_label(sel["to"])))
    base = sel["roc_auc"].get("scorecard")
    show_table(pd.DataFrame([{"model": name, "roc_auc": auc, "vs_scorecard": auc - base if base is not None else 0.0}
                             for name, auc in sel["roc_auc"].items()]),
               "sif_selection", kinds={**kinds, "vs_scorecard": "num4"}, codes={"model": "md_model_"},
               headers={"roc_auc": t("sif_selection_auc"), "vs_scorecard": t("sif_vs_scorecard")})
    st.caption(t("sif_selection_rule").format(margin=number(sif.CHAMPION_MARGIN, 3),
                                              champion=display.label("md_model_", card["champion"], lang())))
elif sel:
    st.caption(t("sif_selection_none"))

st.subheader(t("sif_compare"))
rows = [{"model": name, **{k: m.get(k) for k in ("roc_auc", "oracle_roc_auc", "pr_auc", "brier", "ece", "base_rate")}}
        for name, m in card["models"].items()]
show_table(pd.DataFrame(rows), "sif_compare", kinds=kinds, codes={"model": "md_model_"})

cal = pd.DataFrame(card["calibration"])
fig = go.Figure()
fig.add_scatter(x=cal["predicted"], y=cal["observed"], mode="lines+markers", name=t("sif_observed"))
fig.add_scatter(x=[0, cal["predicted"].max()], y=[0, cal["predicted"].max()], mode="lines", name=t("md_ideal"),
                line=dict(dash="dot"))
fig.update_layout(height=320, margin=dict(t=40, b=10, l=10, r=10))
charts.titled(fig, t("sif_calibration"))
charts.apply_axis(fig, [0, *cal["predicted"], *cal["observed"]], "ratio", axis="x", title=t("sif_predicted"))  # ticks in the UI language
charts.apply_axis(fig, [0, *cal["predicted"], *cal["observed"]], "ratio", title=t("sif_observed"))
charts.show(fig, "sif_calibration")

st.subheader(t("sif_scorecard_table"))
sc = card["scorecard"]["scaling"]
st.caption(t("sif_scaling").format(base=int(sc["base_score"]), odds=int(sc["base_odds"]), pdo=int(sc["pdo"])))
chk = card["points_check"]
st.caption(t("sif_points_check").format(diff=number(chk["max_abs_score_diff"], 2), bound=number(chk["rounding_bound"], 1),
                                        pd=number(chk["max_abs_pd_diff"], 4)))
pts = pd.DataFrame(card["scorecard"]["points"])
pts["bin"] = [display.band(f, b, lo, hi, lang()) for f, b, lo, hi in zip(pts["feature"], pts["bin"], pts["low"],
                                                                          pts["high"], strict=True)]
pts["feature"] = [t("feat_" + f) for f in pts["feature"]]
show_table(pts, "sif_points", columns=["feature", "bin", "points"], kinds=kinds, height=420,
           headers={"feature": t("sif_feature"), "bin": t("sif_band"), "points": t("sif_points")})
