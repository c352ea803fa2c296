"""JKN Decision Dashboard — entry point: first-start database, sign-in, language, navigation by role.

Sessions live in the database (``jkn_core.access.web_sessions``); the cookie ``jkn_session`` (set by
``serve.py``, read through ``st.context.cookies``) lets a reload, a new tab or another server process
resume them, on the page and view of its address. Every run (every interaction) re-checks the session
and user rows (``access.check_web_session``): sign-out elsewhere, idleness, a deactivated user, a
changed password or role ends the session, a changed region/branch/bank takes effect at once. A default (demo or temporary) password must be changed first
when ``access.must_change_password`` says so. No exception text reaches the browser: an unexpected error
shows an incident code (details in the server log), a database outage a "retrying" notice.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import streamlit as st

from jkn_core import access, kpi
from jkn_core.access import web_sessions
from jkn_core.scope import Scope
from jkn_core.text import plain
from pages.common import (
    check_page_files,
    client_address,
    cookie_beacon,
    database_ready,
    engine,
    ensure_database,
    lang,
    session_cookie,
    session_id,
    set_lang,
    t,
)

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
    "programmes_rehab": ("pages/programmes_rehab.py", "group_branch", ":material/event_repeat:"),  # #13
    "programmes_partners": ("pages/programmes_partners.py", "group_branch", ":material/handshake:"),  # #13
    "programmes_effect": ("pages/programmes_effect.py", "group_directors", ":material/science:"),  # #13
    "csr": ("pages/csr.py", "group_directors", ":material/volunteer_activism:"),  # #13
    "model_delinquency": ("pages/model_delinquency.py", "group_branch", ":material/model_training:"),
    "sif_officer": ("pages/sif_officer.py", "group_bank", ":material/request_quote:"),
    "sif_portfolio": ("pages/sif_portfolio.py", "group_bank", ":material/account_balance:"),
    "model_sif": ("pages/model_sif.py", "group_bank", ":material/insights:"),
    "claims": ("pages/claims.py", "group_directors", ":material/receipt_long:"),  # #14
    "scf_officer": ("pages/scf_officer.py", "group_bank", ":material/local_hospital:"),  # #14
    "scf_portfolio": ("pages/scf_portfolio.py", "group_bank", ":material/account_tree:"),  # #14
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
    set_lang(new)  # the session's language, and this run's (pages.common.lang remembers it per run)
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


#: The role's own heading comes first and its first page is where the role lands after signing in.
ROLE_HOME_GROUP = {
    "direksi": "group_directors",
    "deputi_wilayah": "group_directors",
    "kantor_cabang": "group_branch",
    "bank_officer": "group_bank",
    "admin": "group_directors",
}
#: Pages a role finds under another heading than PAGE_FILES gives (the bank's facility capacity is
#: part of its SIF work, not a directors' page).
ROLE_GROUP_OVERRIDES = {"bank_officer": {"capacity": "group_bank"}}


def nav_layout(role: str, keys: list[str]) -> list[tuple[str, list[str]]]:
    """(heading key, page keys) in the order the navigation shows them for ``role``.

    The role's home heading first (its first page is the landing page), the account last, the rest in
    ``PAGE_FILES`` order.
    """
    overrides = ROLE_GROUP_OVERRIDES.get(role, {})
    groups: dict[str, list[str]] = {}
    for key in sorted(PAGE_FILES, key=lambda k: k in overrides):  # moved pages after the heading's own
        if key in keys:
            groups.setdefault(overrides.get(key, PAGE_FILES[key][1]), []).append(key)
    home = ROLE_HOME_GROUP.get(role)
    order = sorted(groups, key=lambda g: (g != home, g == "group_account"))
    return [(g, groups[g]) for g in order]


def _where() -> dict[str, str | None]:
    return {"client": client_address(), "session": access.session_tag(session_id())}


#: What survives a sign-out in this browser tab: the language, and which cookie was already tried.
_KEEP_ON_END = ("lang", "cookie_tried")


def _reset_state() -> None:
    keep = {k: st.session_state[k] for k in _KEEP_ON_END if k in st.session_state}
    st.session_state.clear()  # nothing of a previous session survives
    st.session_state.update(keep)


def _start_session(scope: Scope, web_session: int, method: str, handoff: str | None = None) -> None:
    _reset_state()
    st.session_state["scope"] = scope
    st.session_state["web_session"] = web_session
    st.session_state["auth_method"] = method
    if handoff:  # the browser trades it for the cookie on the next run (pages.common.cookie_beacon)
        st.session_state["cookie_handoff"] = handoff


def _open_session(scope: Scope, fingerprint: str | None, method: str) -> None:
    """A new server-side session for a user who just signed in; the cookie follows on the next run."""
    opened = web_sessions.open_session(engine(), scope.username, fingerprint or "", method, client=client_address())
    _start_session(scope, opened.id, method, opened.handoff_code)


def _end_session(reason: str) -> None:
    """Sign out of this tab, keeping only the language and why (shown on the sign-in page); the
    sign-in page then has the browser drop the cookie."""
    _reset_state()
    st.session_state["ended"] = reason
    st.session_state["cookie_clear"] = True


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
    _open_session(scope, access.session_fingerprint(engine(), scope.username), "oidc")
    st.rerun()


def _submit_sign_in() -> None:
    """The sign-in form's callback. Streamlit runs it before the script, so a successful sign-in draws
    the landing page (or the linked page, with its query parameters: the same URL) in this very run,
    with no second run. A refusal is left for the form to show (``sign_in_refused``: minutes locked, 0
    for a wrong username or password); an error is raised again by the script (:func:`_run`)."""
    try:
        result = access.sign_in(engine(), st.session_state.get("login_user", ""),
                                st.session_state.get("login_password", ""), client=client_address(),
                                session_id=session_id(), session_method="password")  # one commit
        if result.ok and result.session is not None:
            _start_session(result.scope, result.session.id, "password", result.session.handoff_code)
            st.session_state["fresh_sign_in"] = (result.default_password,)  # checked just now: see _session_alive
        else:
            st.session_state["sign_in_refused"] = result.locked_minutes() if result.locked_until is not None else 0
    except Exception as exc:  # noqa: BLE001 - handled like any error of the run (incident code, outage)
        st.session_state["sign_in_error"] = exc


def _sign_in_form() -> None:
    st.title(t("app_title"))
    if st.session_state.pop("cookie_clear", False):
        cookie_beacon("clear")
    ended = st.session_state.pop("ended", None)
    if ended:
        st.warning(t("session_expired" if ended == "expired" else f"session_ended_{ended}"))
    elif _asked_page():
        st.info(t("sign_in_to_open"))
    if _oidc_configured():
        _oidc_sign_in()
        return
    with st.form("sign_in"):
        st.text_input(t("username"), key="login_user")
        st.text_input(t("password"), type="password", key="login_password")
        st.form_submit_button(t("sign_in"), type="primary", on_click=_submit_sign_in)
    refused = st.session_state.pop("sign_in_refused", None)
    if refused is not None:  # the same words whether or not the user exists
        st.error(t("sign_in_locked").format(minutes=refused) if refused else t("sign_in_failed"))
    if kpi.is_synthetic(engine()):
        shown = access.demo_passwords_to_show(engine())  # never the admin; only unchanged defaults
        if shown:
            with st.expander(t("demo_users")):
                st.table([{"user": u.username, "password": u.password, "role": u.role,  # fixed demo values
                           "scope": u.branch_code or u.region_code or "nasional"} for u in shown])
                st.caption(t("demo_users_hint"))
        st.caption(t("synthetic_notice"))


def _asked_page() -> bool:
    """True when the address names a page (a deep link), not the bare start page."""
    try:
        url = st.context.url or ""
    except Exception:  # noqa: BLE001 - no client context
        return False
    path = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return path in PAGE_FILES


def _resume_from_cookie() -> bool:
    """A new Streamlit session (reload, new tab, another server process): resume from the cookie."""
    token = session_cookie()
    if not token:
        return False
    tried = web_sessions.token_hash(token)
    if st.session_state.get("cookie_tried") == tried:  # each cookie once per tab (it may have ended since)
        return False
    st.session_state["cookie_tried"] = tried
    resumed = access.resume_web_session(engine(), token, client=client_address(),  # audited: session_resumed
                                        session_tag=access.session_tag(session_id()))
    if resumed.ok and resumed.auth_method == "oidc" and (
            not st.user.get("is_logged_in", False)
            or access.normalise_username(str(st.user.get("email") or "")) != resumed.scope.username):
        resumed = access.ResumedSession("no_session", resumed.session_id)  # the provider's sign-in is gone
    if not resumed.ok:  # ended, expired or unknown: say why (unless unknown) and drop the stale cookie
        if resumed.session_id is not None and resumed.ended != "no_session":
            web_sessions.end_session(engine(), resumed.session_id, str(resumed.ended))
        _end_session(str(resumed.ended))
        if resumed.ended == "no_session":
            st.session_state.pop("ended", None)
        return False
    _start_session(resumed.scope, resumed.session_id, resumed.auth_method or "password")
    return True


def _session_alive() -> bool:
    """True while the session may go on; re-checks the session and user rows at every run (no Argon2).

    Except in the run of the sign-in itself: its callback has just checked the user row (password,
    active, scope, default password) and opened the session in one transaction (``access.sign_in``),
    so the same check again would only cost a query on the path every user takes."""
    fresh = st.session_state.pop("fresh_sign_in", None)
    if fresh is not None and st.session_state.get("web_session") is not None:
        st.session_state["default_password"] = fresh[0]
        return True
    if st.session_state.get("web_session") is None and not _resume_from_cookie():
        if "scope" in st.session_state:  # a scope put in the state by anything but a sign-in
            _reset_state()
        return False
    scope = st.session_state.get("scope")
    sid = st.session_state["web_session"]
    check = access.check_web_session(engine(), sid, scope)
    if not check.ok:
        if web_sessions.end_session(engine(), sid, str(check.ended)) or check.ended not in ("signed_out",):
            access.audit(engine(), scope, "session_ended", {"reason": check.ended, **_where()})
        _end_session(str(check.ended))
        return False
    if check.scope_changed:  # an admin moved this user: the new scope applies from this run on
        access.audit(engine(), check.scope, "session_scope_changed",
                     {"from": scope.describe(), "to": check.scope.describe(), **_where()})
        st.session_state["scope"] = check.scope
        st.session_state["scope_notice"] = True
    if check.last_seen is not None:
        web_sessions.touch(engine(), sid, check.last_seen)
    if not check.cookie_pending:
        st.session_state.pop("cookie_handoff", None)
    st.session_state["default_password"] = check.default_password
    return True


def _not_allowed() -> None:
    st.error(t("not_allowed"))


def _signed_in_navigation() -> None:
    scope = st.session_state["scope"]
    synthetic = kpi.is_synthetic(engine())
    kind = st.session_state.get("default_password") if st.session_state.get("auth_method") != "oidc" else None
    must_change = access.must_change_password(kind, synthetic)
    keys = ["account"] if must_change else access.allowed_pages(scope)
    groups: dict[str, list[st.Page]] = {}
    for n, (group, group_keys) in enumerate(nav_layout(scope.role, keys)):
        for i, key in enumerate(group_keys):  # every page has a file: checked above at start-up
            path, _group, icon = PAGE_FILES[key]
            groups.setdefault(t(group), []).append(
                st.Page(path, title=t(f"page_{key}"), icon=icon, url_path=key, default=(n == 0 and i == 0)))
    # a known address this role may not open says so, in the user's language (not "Page not found")
    hidden = [st.Page(_not_allowed, title=t(f"page_{key}"), url_path=key, visibility="hidden")
              for key in PAGE_FILES if key not in keys]
    if hidden:
        groups.setdefault(t("group_account"), []).extend(hidden)
    with st.sidebar:
        st.caption(f"{t('signed_in_as')} **{plain(scope.username)}** · "
                   f"{plain(access.describe_scope(engine(), scope, lang()))}")
        if st.button(t("sign_out"), key="sign_out"):
            web_sessions.end_session(engine(), st.session_state["web_session"], "signed_out")
            access.audit(engine(), scope, "sign_out", _where())
            _end_session("signed_out")
            st.session_state.pop("ended", None)
            st.rerun()
        if synthetic:
            st.caption(f"⚠️ {t('synthetic_notice')}")
        handoff = st.session_state.get("cookie_handoff")
        if handoff:  # until the browser has its cookie (a reload then keeps the session)
            cookie_beacon("adopt", handoff)
    if st.session_state.pop("scope_notice", False):
        st.info(t("scope_changed").format(scope=access.describe_scope(engine(), scope, lang())))
    if must_change:
        st.warning(t("must_change_password"))
    elif kind == "demo":
        st.warning(t("demo_password_warning"))
    st.navigation(groups, expanded=True).run()


def _signed_out_navigation() -> None:
    """Every known address renders the sign-in form (never "Page not found"); after signing in, the
    same address opens its page with its query parameters."""
    pages = [st.Page(_sign_in_form, title=t("sign_in"), url_path="login", default=True)]
    pages += [st.Page(_sign_in_form, title=t(f"page_{key}"), url_path=key) for key in PAGE_FILES]
    st.navigation(pages, position="hidden").run()


def _first_start_navigation() -> None:
    """While the demo is built on an empty database, the build is the only page (at every address)."""
    def build() -> None:
        st.title(t("app_title"))
        ensure_database()
        st.rerun()

    pages = [st.Page(build, title=t("app_title"), url_path="setup", default=True)]
    pages += [st.Page(build, title=t(f"page_{key}"), url_path=key) for key in PAGE_FILES]
    st.navigation(pages, position="hidden").run()


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
    failed = st.session_state.pop("sign_in_error", None)
    if failed is not None:  # raised in the sign-in callback (_submit_sign_in)
        raise failed
    _language_switch()
    if not database_ready():
        _first_start_navigation()
        return
    web_sessions.ensure_table(engine())
    if not _session_alive():
        _signed_out_navigation()
        return
    _signed_in_navigation()


def run() -> None:
    # an emoji favicon is drawn from a data: URL; a ":material/...:" one is fetched from fonts.gstatic.com
    # (blocked by the proxy's Content-Security-Policy, and nothing may leave the machine)
    st.set_page_config(page_title="JKN Decision Dashboard", page_icon="🏥",
                       layout="wide")
    try:
        _run()
    except Exception as exc:  # st.stop / st.rerun / st.switch_page raise BaseException: they pass through
        if access.is_database_outage(exc):
            _database_unreachable(exc)
        else:
            _incident(exc)


run()
