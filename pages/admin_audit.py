"""Admin: the append-only audit log (who, when, what, scope), filtered by action, downloadable."""

import streamlit as st

from jkn_core import access
from pages.common import download_buttons, engine, number, require, t

#: Actions written by jkn_core and the app; actions found in the log are added to the filter too.
KNOWN_ACTIONS = (
    "sign_in", "sign_in_failed", "sign_in_locked", "sign_out", "session_ended", "session_scope_changed",
    "password_changed", "password_change_failed", "password_reset", "user_created", "user_updated",
    "user_activated", "user_deactivated", "import", "import_rejected", "import_dry_run", "export",
    "export_refused", "model_trained", "score_run",
    "demo_built", "database_initialised", "collection_outcome", "sif_application_saved",
)

scope = require("admin_audit")
st.title(t("page_admin_audit"))
st.caption(t("adm_audit_intro"))

recent = access.read_audit(engine(), scope, limit=5000)
actions = sorted(set(KNOWN_ACTIONS) | set(recent["action"].dropna()))
c1, c2 = st.columns([2, 1])
action = c1.selectbox(t("adm_action"), [None, *actions], key="audit_action",
                      format_func=lambda a: t("adm_all_actions") if a is None else a)
limit = c2.number_input(t("adm_limit"), min_value=10, max_value=100_000, value=500, step=100, key="audit_limit")

log = access.read_audit(engine(), scope, limit=int(limit), action=action)
st.caption(t("adm_audit_count").format(n=number(len(log))))
st.dataframe(
    log,
    hide_index=True,
    width="stretch",
    key="audit_table",
    column_config={
        "id": None,
        "at": st.column_config.DatetimeColumn(t("adm_col_at"), format="YYYY-MM-DD HH:mm:ss"),
        "username": t("adm_col_user"),
        "action": t("adm_action"),
        "scope": t("adm_col_scope"),
        "detail": t("adm_col_detail"),
    },
)
download_buttons(log, f"audit_{action or 'all'}", "audit")
