"""Executive overview: the headline KPIs for the signed-in user's scope."""

import streamlit as st

from jkn_core import kpi
from pages.common import engine, number, pct, require, rupiah, synthetic_banner, t

scope = require("overview")
st.title(t("page_overview"))
synthetic_banner()
s = kpi.summary(engine(), scope)
c = st.columns(4)
c[0].metric(t("participants"), number(s["participants"]))
c[1].metric(t("coverage"), pct(s["coverage_pct"]))
c[2].metric(t("active_participants"), pct(s["active_pct"]))
c[3].metric(t("arrears"), rupiah(s["arrears_rp"]))
