"""SIF portfolio: the bank's market in the officer's region ranked by score, and booked loans' monitoring."""

from dataclasses import replace

import streamlit as st

from jkn_core import sif
from jkn_core.scope import Scope
from jkn_core.sif import portfolio
from pages.common import (
    download_buttons,
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


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _cached(what: str, url: str, key: str, shared: Scope):  # type: ignore[no-untyped-def]
    """``sif.market`` / ``sif.booked_loans`` for ``shared`` (the scope without its username), shared by
    every session of the process and keyed on ``portfolio.portfolio_key`` (data version, policy, stored
    scores, model): an import, a scoring run or a new model recomputes it at the next page run."""
    return (sif.market if what == "market" else sif.booked_loans)(engine(), shared)


scope = require("sif_portfolio")
st.title(t("page_sif_portfolio"))
synthetic_banner()
if not sif.model_available():
    st.warning(t("sif_no_model"))
    st.stop()
eng = engine()

_url, _key, _shared = eng.url.render_as_string(hide_password=True), portfolio.portfolio_key(eng), replace(scope, username="")
mk = _cached("market", _url, _key, _shared)
if mk.empty:
    st.info(t("no_data"))
    st.stop()
c = st.columns(3)
c[0].metric(t("sif_facilities"), number(len(mk)))
c[1].metric(t("sif_eligible"), number(int(mk["eligible"].sum())))
c[2].metric(t("sif_total_max_loan"), rupiah(int(mk["max_loan"].sum())))
st.subheader(t("sif_market"))
market_cols = ["facility_name", "branch_name", "score", "grade", "pd", "eligible", "max_loan", "max_tenor_months",
               "capitation_income", "registered", "participants_per_doctor", "contract_end",
               "contract_months_remaining", "type", "facility_code", "score_source"]
show_table(mk, "sif_market_table", height=380, columns=market_cols)
download_buttons(mk, "sif_market", "sif_market", title=t("sif_market"), columns=market_cols)

st.subheader(t("sif_booked"))
loans = _cached("loans", _url, _key, _shared)
if loans.empty:
    st.info(t("no_data"))
else:
    k = st.columns(3)
    k[0].metric(t("sif_loans_count"), number(len(loans)))
    k[1].metric(t("sif_outstanding"), rupiah(int(loans["outstanding"].sum())))
    k[2].metric(t("sif_npl"), pct(100 * sif.npl_share(loans), 1))
    cols = ["loan_ref", "facility_name", "branch_name", "kol", "days_past_due", "outstanding", "amount",
            "start_period", "tenor_months", "months_remaining", "rate_pct", "capitation_trend_6m", "capitation_falling",
            "contract_end", "contract_end_soon", "facility_code"]  # what a loan officer reads first, first
    show_table(loans, "sif_loans_table", height=380, columns=cols, kinds={"amount": "rp_full", "outstanding": "rp_full",
                                                                         "rate_pct": "num2"},
               totals={"outstanding": rupiah(int(loans["outstanding"].sum())), "amount": rupiah(int(loans["amount"].sum()))})
    download_buttons(loans, "sif_loans", "sif_loans", title=t("sif_booked"), columns=cols)

st.subheader(t("sif_psi"))
stab = sif.score_stability(eng, scope, mk["score"],
                           mk["region_code"].iloc[0] if mk["region_code"].nunique() == 1 else None)
if stab:
    st.metric("PSI", number(stab["psi"], 3), delta=t(f"psi_{stab['status']}"), delta_color="off")
    st.caption(t("sif_psi_note").format(asof=period_label(int(stab["reference_as_of"]))))
