"""JKN Decision Dashboard — entry point: first-start database, sign-in, language, navigation by role.

Every run (every interaction) re-checks the signed-in session against the user row
(``access.check_session``): a deactivated user, a changed password or role ends the session, a changed
region/branch/bank takes effect at once. A default (demo or temporary) password must be changed first
when ``access.must_change_password`` says so. No exception text reaches the browser: an unexpected error
shows an incident code (details in the server log), a database outage a "retrying" notice.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from pathlib import Path

import streamlit as st

from jkn_core import access, kpi
from jkn_core.scope import Scope
from jkn_core.text import plain
from pages.common import check_page_files, client_address, engine, ensure_database, lang, session_id, t

LOG = logging.getLogger("jkn.app")
#: Seconds between two connection attempts while the database cannot be reached.
DB_RETRY_SECONDS = 5

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
    "account": ("pages/account.py", "group_account", ":material/person:"),
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


def _where() -> dict[str, str | None]:
    return {"client": client_address(), "session": access.session_tag(session_id())}


def _start_session(scope: Scope, fingerprint: str | None, method: str) -> None:
    keep = st.session_state.get("lang")
    st.session_state.clear()  # nothing of a previous session survives a sign-in
    if keep:
        st.session_state["lang"] = keep
    st.session_state["scope"] = scope
    st.session_state["session_fp"] = fingerprint
    st.session_state["auth_method"] = method
    st.session_state["last_activity"] = dt.datetime.now(dt.UTC)


def _end_session(reason: str) -> None:
    """Sign out, keeping only the language and why (shown on the sign-in page)."""
    keep = st.session_state.get("lang")
    st.session_state.clear()
    if keep:
        st.session_state["lang"] = keep
    st.session_state["ended"] = reason


def _oidc_sign_in() -> None:
    """Sign in through the provider (st.login); the user table still decides the scope."""
    if not st.user.get("is_logged_in", False):
        st.button(t("sign_in"), on_click=st.login, type="primary", key="oidc_login")
        return
    email = str(st.user.get("email") or "")
    try:
        scope = access.scope_for(engine(), email)
    except access.ScopeError:
        access.audit(engine(), email or "anonymous", "sign_in_failed",
                     {"method": "oidc", "reason": "no user", **_where()})
        st.error(t("sign_in_failed"))
        st.button(t("sign_out"), on_click=st.logout, key="oidc_logout")
        return
    access.audit(engine(), scope, "sign_in", {"method": "oidc", **_where()})
    _start_session(scope, access.session_fingerprint(engine(), scope.username), "oidc")
    st.rerun()


def _sign_in_form() -> None:
    st.title(t("app_title"))
    ended = st.session_state.pop("ended", None)
    if ended:
        st.warning(t("session_expired" if ended == "expired" else f"session_ended_{ended}"))
    if _oidc_configured():
        _oidc_sign_in()
        return
    with st.form("sign_in"):
        user = st.text_input(t("username"), key="login_user")
        password = st.text_input(t("password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("sign_in"), type="primary")
    if submitted:
        result = access.sign_in(engine(), user, password, client=client_address(), session_id=session_id())
        if result.locked_until is not None:  # the same words whether or not the user exists
            st.error(t("sign_in_locked").format(minutes=result.locked_minutes()))
        elif not result.ok:
            st.error(t("sign_in_failed"))
        else:
            _start_session(result.scope, result.fingerprint, "password")
            st.rerun()
    if kpi.is_synthetic(engine()):
        shown = access.demo_passwords_to_show(engine())  # never the admin; only unchanged defaults
        if shown:
            with st.expander(t("demo_users")):
                st.table([{"user": u.username, "password": u.password, "role": u.role,  # fixed demo values
                           "scope": u.branch_code or u.region_code or "nasional"} for u in shown])
                st.caption(t("demo_users_hint"))
        st.caption(t("synthetic_notice"))


def _session_alive() -> bool:
    """True while the session may go on; re-checks the user row at every run (cheap, no Argon2)."""
    scope = st.session_state.get("scope")
    if scope is None:
        return False
    last = st.session_state.get("last_activity")
    if last is not None and access.session_expired(last):
        _end_session("expired")
        return False
    check = access.check_session(engine(), scope, st.session_state.get("session_fp"))
    if not check.ok:
        access.audit(engine(), scope, "session_ended", {"reason": check.ended, **_where()})
        _end_session(str(check.ended))
        return False
    if check.scope_changed:  # an admin moved this user: the new scope applies from this run on
        access.audit(engine(), check.scope, "session_scope_changed",
                     {"from": scope.describe(), "to": check.scope.describe(), **_where()})
        st.session_state["scope"] = check.scope
        st.session_state["scope_notice"] = True
    st.session_state["default_password"] = check.default_password
    return True


def _signed_in_navigation() -> None:
    scope = st.session_state["scope"]
    st.session_state["last_activity"] = dt.datetime.now(dt.UTC)
    synthetic = kpi.is_synthetic(engine())
    kind = st.session_state.get("default_password") if st.session_state.get("auth_method") != "oidc" else None
    must_change = access.must_change_password(kind, synthetic)
    keys = ["account"] if must_change else access.allowed_pages(scope)
    groups: dict[str, list[st.Page]] = {}
    for key in keys:  # every page has a file: checked above at start-up
        path, group, icon = PAGE_FILES[key]
        groups.setdefault(t(group), []).append(st.Page(path, title=t(f"page_{key}"), icon=icon, url_path=key))
    with st.sidebar:
        st.caption(f"{t('signed_in_as')} **{plain(scope.username)}** · {scope.describe()}")
        if st.button(t("sign_out"), key="sign_out"):
            access.audit(engine(), scope, "sign_out", _where())
            _end_session("signed_out")
            st.session_state.pop("ended", None)
            st.rerun()
        if synthetic:
            st.caption(f"⚠️ {t('synthetic_notice')}")
    if st.session_state.pop("scope_notice", False):
        st.info(t("scope_changed").format(scope=scope.describe()))
    if must_change:
        st.warning(t("must_change_password"))
    elif kind == "demo":
        st.warning(t("demo_password_warning"))
    st.navigation(groups).run()


def _database_unreachable(exc: BaseException) -> None:
    """A clear "retrying" state during an outage; polls the database and reloads once it answers."""
    LOG.warning("database unreachable (%s); the app retries every %s s", type(exc).__name__, DB_RETRY_SECONDS,
                exc_info=exc)
    st.warning(t("db_unreachable"))

    @st.fragment(run_every=DB_RETRY_SECONDS)
    def _poll() -> None:
        if access.database_reachable(engine()):
            st.rerun(scope="app")

    _poll()
    st.button(t("retry"), key="db_retry")


def _incident(exc: BaseException) -> None:
    """A friendly message with an incident code; the details go to the server log only."""
    incident = secrets.token_hex(4).upper()
    LOG.error("incident %s: unexpected error in the dashboard", incident, exc_info=exc)
    st.error(t("error_incident").format(id=incident))


def _run() -> None:
    _language_switch()
    ensure_database()
    if not _session_alive():
        st.navigation([st.Page(_sign_in_form, title=t("sign_in"), url_path="login")], position="hidden").run()
        return
    _signed_in_navigation()


def run() -> None:
    st.set_page_config(page_title="JKN Decision Dashboard", page_icon=":material/health_and_safety:",
                       layout="wide")
    try:
        _run()
    except Exception as exc:  # st.stop / st.rerun / st.switch_page raise BaseException: they pass through
        if access.is_database_outage(exc):
            _database_unreachable(exc)
        else:
            _incident(exc)


run()
