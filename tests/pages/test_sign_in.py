"""Sign-in through the real app (Streamlit AppTest on the small world): a wrong password fails and is
audited; an idle server-side session times out; a scope without a session row is not trusted.
Sessions against the user row, throttling, default passwords and friendly errors: test_session_app.py. The role × page matrix is tests/pages/test_every_page.py; sign-out is
driven in the browser test (tests/e2e).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from jkn_core import access
from jkn_core.access import web_sessions
from jkn_core.i18n import t
from jkn_core.schema import AuditLog
from tests.apptest import APP, PAGE_FILES, nav_keys, sign_in, texts

DEMO = {u.role: u for u in access.DEMO_USERS}


def test_wrong_password_fails_and_is_audited(app_env, sqlite_world) -> None:
    def failed() -> int:
        with sqlite_world.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(AuditLog).where(
                AuditLog.username == "deputi", AuditLog.action == "sign_in_failed",
                AuditLog.detail.contains("wrong password"))).scalar()

    before = failed()
    at = sign_in("deputi", "not-the-password")
    assert t("sign_in_failed") in texts(at.error)
    assert "scope" not in at.session_state
    assert at.text_input(key="login_user")  # still on the sign-in form
    assert not nav_keys(at) & set(access.PAGES)
    assert failed() == before + 1


def _signed_in_app(engine, result: access.SignInResult, opened_at: dt.datetime) -> AppTest:  # type: ignore[no-untyped-def]
    """A fresh app whose session already holds a signed-in user (the first run executes app.py).

    The server-side session is opened at ``opened_at`` (its last activity). Note: in AppTest 1.67, once
    a run has finished on a navigation page, later ``at.run()`` calls re-run that page only, not app.py;
    session checks in app.py are therefore tested on first runs.
    """
    opened = web_sessions.open_session(engine, result.scope.username, result.fingerprint, "password",
                                       now=opened_at)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["scope"] = result.scope
    at.session_state["web_session"] = opened.id
    at.session_state["auth_method"] = "password"
    return at.run()


def test_idle_session_times_out(app_env, sqlite_world) -> None:
    demo = DEMO["kantor_cabang"]
    result = access.sign_in(sqlite_world.engine, demo.username, demo.password)
    now = dt.datetime.now(dt.UTC)

    active = _signed_in_app(sqlite_world.engine, result, now - dt.timedelta(minutes=access.SESSION_TIMEOUT_MINUTES - 1))
    assert not active.exception, active.exception
    assert "overview" in nav_keys(active)  # still signed in: no sign-in form
    assert not [w for w in active.text_input if w.key in ("login_user", "login_password")]

    idle = _signed_in_app(sqlite_world.engine, result, now - dt.timedelta(minutes=access.SESSION_TIMEOUT_MINUTES + 1))
    assert not idle.exception, idle.exception
    assert "scope" not in idle.session_state
    assert t("session_expired") in texts(idle.warning)
    assert idle.text_input(key="login_user")  # back on the sign-in form
    assert not nav_keys(idle) & set(PAGE_FILES)


def test_a_scope_without_a_server_side_session_is_signed_out(app_env, sqlite_world) -> None:
    """A scope put in the session by anything but the sign-in (no session row) is not a session."""
    demo = DEMO["deputi_wilayah"]
    result = access.sign_in(sqlite_world.engine, demo.username, demo.password)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["scope"] = result.scope
    at.run()
    assert not at.exception, at.exception
    assert "scope" not in at.session_state and at.text_input(key="login_user")
    assert not nav_keys(at) & set(PAGE_FILES)
    # nor is a session row of another user
    other = access.sign_in(sqlite_world.engine, "direksi", "direksi-demo")
    forged = access.SignInResult(scope=result.scope, fingerprint=other.fingerprint)
    opened = web_sessions.open_session(sqlite_world.engine, "direksi", other.fingerprint, "password")
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["scope"] = forged.scope
    at.session_state["web_session"] = opened.id
    at.run()
    assert "scope" not in at.session_state and at.text_input(key="login_user")
