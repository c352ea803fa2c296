"""Sign-in through the real app (Streamlit AppTest on the small world): a wrong password fails and is
audited; an idle session times out; a session that does not carry its password fingerprint is not trusted.
Sessions against the user row, throttling, default passwords and friendly errors: test_session_app.py. The role × page matrix is tests/pages/test_every_page.py; sign-out is
driven in the browser test (tests/e2e).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from jkn_core import access
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


def _signed_in_app(result: access.SignInResult, last_activity: dt.datetime) -> AppTest:
    """A fresh app whose session already holds a signed-in user (the first run executes app.py).

    Note: in AppTest 1.67, once a run has finished on a navigation page, later ``at.run()`` calls
    re-run that page only, not app.py; session checks in app.py are therefore tested on first runs.
    """
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["scope"] = result.scope
    at.session_state["session_fp"] = result.fingerprint
    at.session_state["auth_method"] = "password"
    at.session_state["last_activity"] = last_activity
    return at.run()


def test_idle_session_times_out(app_env, sqlite_world) -> None:
    demo = DEMO["kantor_cabang"]
    result = access.sign_in(sqlite_world.engine, demo.username, demo.password)
    now = dt.datetime.now(dt.UTC)

    active = _signed_in_app(result, now - dt.timedelta(minutes=access.SESSION_TIMEOUT_MINUTES - 1))
    assert not active.exception, active.exception
    assert "overview" in nav_keys(active) and not active.text_input  # still signed in

    idle = _signed_in_app(result, now - dt.timedelta(minutes=access.SESSION_TIMEOUT_MINUTES + 1))
    assert not idle.exception, idle.exception
    assert "scope" not in idle.session_state
    assert t("session_expired") in texts(idle.warning)
    assert idle.text_input(key="login_user")  # back on the sign-in form
    assert not nav_keys(idle) & set(PAGE_FILES)


def test_a_session_without_its_password_fingerprint_is_signed_out(app_env, sqlite_world) -> None:
    """A scope put in the session by anything but the sign-in (no fingerprint) is not a session."""
    demo = DEMO["deputi_wilayah"]
    result = access.sign_in(sqlite_world.engine, demo.username, demo.password)
    forged = access.SignInResult(scope=result.scope, fingerprint=None)
    at = _signed_in_app(forged, dt.datetime.now(dt.UTC))
    assert not at.exception, at.exception
    assert "scope" not in at.session_state and at.text_input(key="login_user")
    assert not nav_keys(at) & set(PAGE_FILES)
