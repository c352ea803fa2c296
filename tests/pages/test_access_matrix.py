"""Role × page matrix through the real app (Streamlit AppTest on the small world).

For each demo user: the navigation holds exactly the pages ``access.allowed_pages`` allows, a page
outside it cannot be switched to, and running such a page file directly with that user's session shows
only the not-allowed message (no data). Plus: a wrong password fails and
is audited; an idle session times out (sign-out is driven in the browser test: tests/e2e).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from jkn_core import access
from jkn_core.i18n import t
from jkn_core.schema import AuditLog
from tests.apptest import APP, DATA_ELEMENTS, PAGE_FILES, ROOT, nav_keys, sign_in, texts

DEMO = {u.role: u for u in access.DEMO_USERS}


@pytest.fixture(scope="module")
def page_files() -> dict[str, str]:
    """Page key -> file (app.py checks at start-up that every file exists)."""
    return {k: v[0] for k, v in PAGE_FILES.items()}


@pytest.mark.parametrize("role", list(DEMO))
def test_role_sees_exactly_its_pages(app_env, page_files, role: str) -> None:
    demo = DEMO[role]
    at = sign_in(demo.username, demo.password)
    scope = at.session_state["scope"]
    assert scope.role == role and scope.username == demo.username
    assert t("not_allowed") not in texts(at.error)  # the landing page is one the role may open

    expected = set(access.allowed_pages(scope))
    assert expected, f"{role} has no page at all"
    assert nav_keys(at) == expected

    refused = {k: f for k, f in page_files.items() if k not in expected}
    if role == "bank_officer":
        assert "work_queue" not in expected and "overview" in refused  # never participant pages
    for key, file in refused.items():
        # not in the navigation, so it cannot be switched to ...
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(file)
        # ... and the page itself refuses this user when run directly with the session's scope
        page = AppTest.from_file(str(ROOT / file), default_timeout=120)
        page.session_state["scope"] = scope
        page.run()
        assert not page.exception, (key, page.exception)
        assert t("not_allowed") in texts(page.error), key
        for kind in DATA_ELEMENTS:
            assert not page.get(kind), (key, kind)


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


def _signed_in_app(scope, last_activity: dt.datetime) -> AppTest:
    """A fresh app whose session already holds a signed-in user (the first run executes app.py).

    Note: in AppTest 1.67, once a run has finished on a navigation page, later ``at.run()`` calls
    re-run that page only, not app.py; session checks in app.py are therefore tested on first runs.
    """
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["scope"] = scope
    at.session_state["last_activity"] = last_activity
    return at.run()


def test_idle_session_times_out(app_env, sqlite_world) -> None:
    demo = DEMO["kantor_cabang"]
    scope = access.authenticate(sqlite_world.engine, demo.username, demo.password)
    now = dt.datetime.now(dt.UTC)

    active = _signed_in_app(scope, now - dt.timedelta(minutes=access.SESSION_TIMEOUT_MINUTES - 1))
    assert not active.exception, active.exception
    assert "overview" in nav_keys(active) and not active.text_input  # still signed in

    idle = _signed_in_app(scope, now - dt.timedelta(minutes=access.SESSION_TIMEOUT_MINUTES + 1))
    assert not idle.exception, idle.exception
    assert "scope" not in idle.session_state
    assert t("session_expired") in texts(idle.warning)
    assert idle.text_input(key="login_user")  # back on the sign-in form
    assert not nav_keys(idle) & set(PAGE_FILES)


def test_page_registry_covers_every_page_file() -> None:
    """Every page the app knows has an access rule and the reverse (tests/unit/test_app_pages.py: the files)."""
    assert set(PAGE_FILES) == set(access.PAGES)
