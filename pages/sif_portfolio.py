"""SIF portfolio: the bank's market in the officer's region ranked by score, and booked loans' monitoring."""

import streamlit as st

from jkn_core import sif
from pages.common import (
    download_buttons,
    engine,
    number,
    pct,
    period_label,
    require,
    rupiah,
    synthetic_banner,
    t,
)

scope = require("sif_portfolio")
st.title(t("page_sif_portfolio"))
synthetic_banner()
if not sif.model_available():
    st.warning(t("sif_no_model"))
    st.stop()
eng = engine()

mk = sif.market(eng, scope)
if mk.empty:
    st.info(t("no_data"))
    st.stop()
c = st.columns(3)
c[0].metric(t("sif_facilities"), number(len(mk)))
c[1].metric(t("sif_eligible"), number(int(mk["eligible"].sum())))
c[2].metric(t("sif_total_max_loan"), rupiah(int(mk["max_loan"].sum())))
st.subheader(t("sif_market"))
show = mk.drop(columns=["region_code"]).assign(pd=lambda d: (100 * d["pd"]).round(2))
st.dataframe(show, hide_index=True, width="stretch", height=380)
download_buttons(show, "sif_market", "sif_market")

st.subheader(t("sif_booked"))
loans = sif.booked_loans(eng, scope)
if loans.empty:
    st.info(t("no_data"))
else:
    k = st.columns(3)
    k[0].metric(t("sif_loans_count"), number(len(loans)))
    k[1].metric(t("sif_outstanding"), rupiah(int(loans["outstanding"].sum())))
    k[2].metric(t("sif_npl"), pct(100 * sif.npl_share(loans), 1))
    cols = ["loan_ref", "facility_code", "facility_name", "branch_name", "start_period", "amount", "tenor_months",
            "rate_pct", "months_remaining", "outstanding", "days_past_due", "kol", "capitation_trend_6m",
            "capitation_falling", "contract_end", "contract_end_soon"]
    st.dataframe(loans[cols], hide_index=True, width="stretch", height=380)
    download_buttons(loans[cols], "sif_loans", "sif_loans")

st.subheader(t("sif_psi"))
stab = sif.score_stability(eng, scope, mk["score"],
                           mk["region_code"].iloc[0] if mk["region_code"].nunique() == 1 else None)
if stab:
    st.metric("PSI", number(stab["psi"], 3), delta=t(f"psi_{stab['status']}"), delta_color="off")
    st.caption(t("sif_psi_note").format(asof=period_label(int(stab["reference_as_of"]))))
