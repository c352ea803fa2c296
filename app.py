"""JKN Decision Dashboard — entry point: first-start database, sign-in, language, navigation by role."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from jkn_core import access, kpi
from pages.common import check_page_files, engine, ensure_database, lang, t

#: page key -> (file, group, icon), one per page of jkn_core.access.PAGES (which decides who sees it).
PAGE_FILES: dict[str, tuple[str, str, str]] = {
    "overview": ("pages/overview.py", "group_directors", ":material/dashboard:"),
    "coverage": ("pages/coverage.py", "group_directors", ":material/map:"),
    "arrears": ("pages/arrears.py", "group_directors", ":material/account_balance_wallet:"),
    "capacity": ("pages/capacity.py", "group_directors", ":material/local_hospital:"),
    "work_queue": ("pages/work_queue.py", "group_branch", ":material/checklist:"),
    "model_delinquency": ("pages/model_delinquency.py", "group_branch", ":material/model_training:"),
    "sif_officer": ("pages/sif_officer.py", "group_bank", ":material/request_quote:"),
    "sif_portfolio": ("pages/sif_portfolio.py", "group_bank", ":material/account_balance:"),
    "model_sif": ("pages/model_sif.py", "group_bank", ":material/insights:"),
    "admin_users": ("pages/admin_users.py", "group_admin", ":material/group:"),
    "admin_import": ("pages/admin_import.py", "group_admin", ":material/upload_file:"),
    "admin_targets": ("pages/admin_targets.py", "group_admin", ":material/flag:"),
    "admin_audit": ("pages/admin_audit.py", "group_admin", ":material/policy:"),
}
check_page_files(PAGE_FILES, Path(__file__).parent)  # a page without a file (or a file gone) stops the app


def _language_switch() -> None:
    current = lang()
    choice = st.sidebar.segmented_control(
        t("language"), ["id", "en"], default=current, format_func=lambda x: {"id": "Bahasa Indonesia",
                                                                              "en": "English"}[x], key="lang_pick")
    new = choice or current
    st.session_state["lang"] = new
    if new != "id":
        st.query_params["lang"] = new
    elif "lang" in st.query_params:
        del st.query_params["lang"]


def _oidc_configured() -> bool:
    """An OIDC provider is configured when secrets.toml has an [auth] section (docs/access.md)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _oidc_sign_in() -> None:
    """Sign in through the provider (st.login); the user table still decides the scope."""
    if not st.user.get("is_logged_in", False):
        st.button(t("sign_in"), on_click=st.login, type="primary", key="oidc_login")
        return
    email = str(st.user.get("email") or "")
    try:
        scope = access.scope_for(engine(), email)
    except access.ScopeError:
        access.audit(engine(), email or "anonymous", "sign_in_failed", {"method": "oidc", "reason": "no user"})
        st.error(t("sign_in_failed"))
        st.button(t("sign_out"), on_click=st.logout, key="oidc_logout")
        return
    access.audit(engine(), scope, "sign_in", {"method": "oidc"})
    st.session_state["scope"] = scope
    st.session_state["last_activity"] = dt.datetime.now(dt.UTC)
    st.rerun()


def _sign_in_form() -> None:
    st.title(t("app_title"))
    if st.session_state.pop("expired", False):
        st.warning(t("session_expired"))
    if _oidc_configured():
        _oidc_sign_in()
        return
    with st.form("sign_in"):
        user = st.text_input(t("username"), key="login_user")
        password = st.text_input(t("password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("sign_in"), type="primary")
    if submitted:
        scope = access.authenticate(engine(), user, password)
        if scope is None:
            st.error(t("sign_in_failed"))
        else:
            st.session_state["scope"] = scope
            st.session_state["last_activity"] = dt.datetime.now(dt.UTC)
            st.rerun()
    if kpi.is_synthetic(engine()):
        with st.expander(t("demo_users")):
            st.table([{"user": u.username, "password": u.password, "role": u.role,
                       "scope": u.branch_code or u.region_code or "nasional"} for u in access.DEMO_USERS])
        st.caption(t("synthetic_notice"))


def _session_alive() -> bool:
    last = st.session_state.get("last_activity")
    if st.session_state.get("scope") is not None and last is not None and access.session_expired(last):
        st.session_state.clear()
        st.session_state["expired"] = True
        return False
    return st.session_state.get("scope") is not None


def run() -> None:
    st.set_page_config(page_title="JKN Decision Dashboard", page_icon=":material/health_and_safety:",
                       layout="wide")
    _language_switch()
    ensure_database()
    if not _session_alive():
        st.navigation([st.Page(_sign_in_form, title=t("sign_in"), url_path="login")], position="hidden").run()
        return
    scope = st.session_state["scope"]
    st.session_state["last_activity"] = dt.datetime.now(dt.UTC)
    groups: dict[str, list[st.Page]] = {}
    for key in access.allowed_pages(scope):  # every page has a file: checked above at start-up
        path, group, icon = PAGE_FILES[key]
        groups.setdefault(t(group), []).append(st.Page(path, title=t(f"page_{key}"), icon=icon, url_path=key))
    with st.sidebar:
        st.caption(f"{t('signed_in_as')} **{scope.username}** · {scope.describe()}")
        if st.button(t("sign_out"), key="sign_out"):
            access.audit(engine(), scope, "sign_out", None)
            st.session_state.clear()
            st.rerun()
        if kpi.is_synthetic(engine()):
            st.caption(f"⚠️ {t('synthetic_notice')}")
    st.navigation(groups).run()


run()
