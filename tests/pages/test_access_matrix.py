"""Role × page matrix through the real app (Streamlit AppTest on the small world).

For each demo user: the navigation holds exactly the pages ``access.allowed_pages`` allows (among the
page files that exist), a page outside it cannot be switched to, and running such a page file directly
with that user's session shows only the not-allowed message (no data). Plus: a wrong password fails and
is audited; an idle session times out (sign-out is driven in the browser test: tests/e2e).
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from jkn_core import access
from jkn_core.i18n import t
from jkn_core.schema import AuditLog
from tests.apptest import sign_in
from tests.conftest import ROOT

DEMO = {u.role: u for u in access.DEMO_USERS}


def _app_page_files() -> dict[str, tuple[str, str, str]]:
    """``app.PAGE_FILES``, read from app.py without running it (importing app.py would run the app)."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(x, ast.Name) and x.id == "PAGE_FILES" for x in targets):
                return ast.literal_eval(node.value)
    raise AssertionError("app.py has no PAGE_FILES")


PAGE_FILES = _app_page_files()
DATA_ELEMENTS = ("dataframe", "table", "metric", "plotly_chart", "download_button")


def _page_files() -> dict[str, str]:
    """Page key -> file, for the page files that exist now (others are still being written)."""
    return {k: v[0] for k, v in PAGE_FILES.items() if (ROOT / v[0]).exists()}


_sign_in = sign_in


def _nav_keys(at: AppTest) -> set[str]:
    """Page keys of the file pages st.navigation registered in the last run (the sign-in form is a function)."""
    by_file = {(ROOT / f).resolve(): k for k, (f, _g, _i) in PAGE_FILES.items()}
    pages = at._registered_pages  # AppTest 1.67 keeps st.navigation's registry here
    paths = [Path(str(info["script_path"])).resolve() for info in pages.values() if info.get("script_path")]
    return {by_file.get(p, str(p)) for p in paths if p != (ROOT / "app.py").resolve()}


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


@pytest.fixture(scope="module")
def page_files() -> dict[str, str]:
    return _page_files()


@pytest.mark.parametrize("role", list(DEMO))
def test_role_sees_exactly_its_pages(app_env, page_files, role: str) -> None:
    demo = DEMO[role]
    at = _sign_in(demo.username, demo.password)
    scope = at.session_state["scope"]
    assert scope.role == role and scope.username == demo.username
    assert t("not_allowed") not in _texts(at.error)  # the landing page is one the role may open

    expected = {k for k in access.allowed_pages(scope) if k in page_files}
    assert expected, f"{role} has no page at all"
    assert _nav_keys(at) == expected

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
        assert t("not_allowed") in _texts(page.error), key
        for kind in DATA_ELEMENTS:
            assert not page.get(kind), (key, kind)


def test_wrong_password_fails_and_is_audited(app_env, sqlite_world) -> None:
    def failed() -> int:
        with sqlite_world.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(AuditLog).where(
                AuditLog.username == "deputi", AuditLog.action == "sign_in_failed",
                AuditLog.detail.contains("wrong password"))).scalar()

    before = failed()
    at = _sign_in("deputi", "not-the-password")
    assert t("sign_in_failed") in _texts(at.error)
    assert "scope" not in at.session_state
    assert at.text_input(key="login_user")  # still on the sign-in form
    assert not _nav_keys(at) & set(access.PAGES)
    assert failed() == before + 1


def _signed_in_app(scope, last_activity: dt.datetime) -> AppTest:
    """A fresh app whose session already holds a signed-in user (the first run executes app.py).

    Note: in AppTest 1.67, once a run has finished on a navigation page, later ``at.run()`` calls
    re-run that page only, not app.py; session checks in app.py are therefore tested on first runs.
    """
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["scope"] = scope
    at.session_state["last_activity"] = last_activity
    return at.run()


def test_idle_session_times_out(app_env, sqlite_world) -> None:
    demo = DEMO["kantor_cabang"]
    scope = access.authenticate(sqlite_world.engine, demo.username, demo.password)
    now = dt.datetime.now(dt.UTC)

    active = _signed_in_app(scope, now - dt.timedelta(minutes=access.SESSION_TIMEOUT_MINUTES - 1))
    assert not active.exception, active.exception
    assert "overview" in _nav_keys(active) and not active.text_input  # still signed in

    idle = _signed_in_app(scope, now - dt.timedelta(minutes=access.SESSION_TIMEOUT_MINUTES + 1))
    assert not idle.exception, idle.exception
    assert "scope" not in idle.session_state
    assert t("session_expired") in _texts(idle.warning)
    assert idle.text_input(key="login_user")  # back on the sign-in form
    assert not _nav_keys(idle) & set(PAGE_FILES)


def test_page_registry_covers_every_page_file() -> None:
    """Every page the app knows has an access rule (the page files themselves are checked above)."""
    assert set(PAGE_FILES) <= set(access.PAGES)
