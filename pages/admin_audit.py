"""Admin: the append-only audit log (who, when, what, scope), filtered by action, downloadable."""

import streamlit as st

from jkn_core import access, display
from pages.common import download_buttons, engine, lang, number, require, show_table, t

#: Actions written by jkn_core and the app; actions found in the log are added to the filter too.
KNOWN_ACTIONS = (
    "sign_in", "sign_in_failed", "sign_in_locked", "sign_out", "session_ended", "session_scope_changed",
    "password_changed", "password_change_failed", "password_reset", "user_created", "user_updated",
    "user_activated", "user_deactivated", "import", "import_rejected", "import_dry_run", "export",
    "export_refused", "model_trained", "score_run",
    "demo_built", "database_initialised", "collection_outcome", "sif_application_saved",
    "session_resumed", "scf_application_saved",
    "rehab_enrol", "rehab_stage_paid", "rehab_cancel", "partner_save", "programme_assign", "programme_outcome",
    "programme_holdout_set", "programmes_report", "csr_payment", "export_parquet", "batch_load",
)

scope = require("admin_audit")
st.title(t("page_admin_audit"))
st.caption(t("adm_audit_intro"))

recent = access.read_audit(engine(), scope, limit=5000)
actions = sorted(set(KNOWN_ACTIONS) | set(recent["action"].dropna()))
c1, c2 = st.columns([2, 1])
action = c1.selectbox(t("adm_action"), [None, *actions], key="audit_action",
                      format_func=lambda a: t("adm_all_actions") if a is None else display.label("audit_", a, lang()))
limit = c2.number_input(t("adm_limit"), min_value=10, max_value=100_000, value=500, step=100, key="audit_limit")

log = access.read_audit(engine(), scope, limit=int(limit), action=action)
st.caption(t("adm_audit_count").format(n=number(len(log))))
# what happened in words, the scope in words, times in WIB; the detail is the recorded data, verbatim
shown = log.assign(scope=[display.scope_text(s, lang()) for s in log["scope"]])
audit_opts = {"columns": ["at", "username", "action", "scope", "detail"], "codes": {"action": "audit_"},
              "headers": {"at": t("hdr_at"), "username": t("adm_col_user"), "action": t("adm_action"),
                          "scope": t("adm_col_scope"), "detail": t("adm_col_detail")}}
show_table(shown, "audit_table", **audit_opts)
download_buttons(shown, f"audit_{action or 'all'}", "audit", title=t("page_admin_audit"),
                 filters=((t("adm_action"), display.label("audit_", action, lang()) if action else t("adm_all_actions")),),
                 **audit_opts)
