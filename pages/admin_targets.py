"""Admin: the KPI targets as data; edited by importing the `targets` table, downloadable as CSV/Excel."""

import streamlit as st

from jkn_core import kpi
from pages.common import download_buttons, engine, require, show_table, t

scope = require("admin_targets")
st.title(t("page_admin_targets"))
st.caption(t("adm_targets_intro"))
st.page_link("pages/admin_import.py", label=t("adm_targets_edit"), icon=":material/upload_file:",
             query_params={"table": "targets"})

targets = kpi.targets_table(engine())  # the (small, national) targets table as it is

if targets.empty:
    st.info(t("adm_targets_empty"))
else:
    target_opts = {"headers": {"kpi": t("adm_kpi"), "level": t("adm_level"), "code": t("adm_code"),
                               "year": t("adm_year"), "target": t("target")}}
    show_table(targets, "targets_table", **target_opts)
    download_buttons(targets, "targets", "targets", title=t("page_admin_targets"), **target_opts)
