"""The app obeys the user table at every interaction; default passwords; account page; friendly errors.

Streamlit AppTest through app.py on a private copy of the SQLite small world (these tests change users).
Issue 18, findings 1, 2 (sign-in page), 8 (app part) and 9.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from jkn_core import access
from jkn_core.access import throttle
from jkn_core.i18n import t
from jkn_core.schema import AuditLog
from tests.apptest import APP, DATA_ELEMENTS, ROOT, nav_keys, sign_in, texts

PW = "a-long-secret-1"


@pytest.fixture
def world(writable_sqlite_world, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    return writable_sqlite_world


#: what app.py keeps in a signed-in session (the rest is widget state)
SESSION_KEYS = ("scope", "web_session", "auth_method", "lang", "cookie_tried")


def _next_interaction(at: AppTest) -> AppTest:
    """The same session's next run of app.py.

    In AppTest 1.67, once a run finished on a navigation page, ``at.run()`` re-runs that page only, not
    app.py (in a real server every interaction runs app.py: tests/e2e/test_access_e2e.py drives that);
    so the next interaction is a fresh AppTest holding this session's state.
    """
    nxt = AppTest.from_file(str(APP), default_timeout=120)
    for key in SESSION_KEYS:
        if key in at.session_state:
            nxt.session_state[key] = at.session_state[key]
    return nxt.run()


def _main_text(at: AppTest) -> str:
    return "\n".join(texts(getattr(at, kind)) for kind in ("title", "markdown", "caption", "warning", "info"))


def test_deactivation_signs_the_open_session_out_at_the_next_run(world) -> None:
    access.create_user(world.engine, "rina", PW, "kantor_cabang", branch_code="0301")
    at = sign_in("rina", PW)
    assert at.session_state["scope"].branch_code == "0301" and "work_queue" in nav_keys(at)
    access.set_user_active(world.engine, "rina", False, actor="admin")
    at = _next_interaction(at)
    assert not at.exception, [e.value for e in at.exception]
    assert "scope" not in at.session_state
    assert at.text_input(key="login_user")  # back on the sign-in form
    assert t("session_ended_deactivated") in texts(at.warning)
    assert not nav_keys(at) & set(access.PAGES)
    for kind in DATA_ELEMENTS:  # no data; the only table is the sign-in page's list of demo users
        assert not at.get(kind) or (kind == "table" and all("password" in tb.value.columns for tb in at.table)), kind
    with world.engine.connect() as conn:
        ended = conn.execute(select(AuditLog.detail).where(AuditLog.action == "session_ended",
                                                           AuditLog.username == "rina")).scalars().all()
    assert len(ended) == 1 and "deactivated" in ended[0]


def test_a_branch_change_takes_effect_at_the_next_run(world) -> None:
    access.create_user(world.engine, "rina", PW, "kantor_cabang", branch_code="0301")
    at = sign_in("rina", PW)
    assert at.session_state["scope"].branch_code == "0301"
    access.create_user(world.engine, "rina", PW, "kantor_cabang", branch_code="0302", replace=True)
    at = _next_interaction(at)
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["scope"].branch_code == "0302"
    assert "Kantor Cabang" in texts(at.info) and "(0302)" in texts(at.info) and "work_queue" in nav_keys(at)
    assert "branch=0302" not in texts(at.info)  # the scope in words, never the audit string


def test_a_password_reset_signs_the_open_session_out_and_forces_a_change(world) -> None:
    access.create_user(world.engine, "rina", PW, "kantor_cabang", branch_code="0301")
    at = sign_in("rina", PW)
    access.reset_password(world.engine, "rina", "temporary-pass-9", actor="admin")
    at = _next_interaction(at)
    assert "scope" not in at.session_state
    assert t("session_ended_password_changed") in texts(at.warning)
    # signing in with the temporary password opens only the account page until it is changed
    at = sign_in("rina", "temporary-pass-9")
    assert nav_keys(at) == {"account"}
    assert t("must_change_password") in texts(at.warning)
    assert t("page_account") in texts(at.title)
    at.text_input(key="acc_current").input("temporary-pass-9")
    at.text_input(key="acc_new").input("rina-own-pass-2")
    at.text_input(key="acc_repeat").input("rina-own-pass-2")
    at.button(key="FormSubmitter:change_password_form-" + t("acc_change")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("acc_changed") in texts(at.success)
    at = _next_interaction(at)
    assert "overview" in nav_keys(at) and "work_queue" in nav_keys(at)  # the whole app again
    assert at.session_state["scope"].username == "rina"


def test_account_page_refuses_bad_passwords(world) -> None:
    access.create_user(world.engine, "rina", PW, "kantor_cabang", branch_code="0301")
    at = sign_in("rina", PW)
    at.switch_page("pages/account.py").run()
    for new, code in (("rina", "too_short"), ("cabang-demo", "demo_password"), ("rina-long-x", "mismatch")):
        at.text_input(key="acc_current").input(PW)
        at.text_input(key="acc_new").input(new)
        at.text_input(key="acc_repeat").input(new if code != "mismatch" else "something-else")
        at.button(key="FormSubmitter:change_password_form-" + t("acc_change")).click().run()
        assert t(f"pw_rule_{code}").format(n=access.MIN_PASSWORD_LENGTH) in texts(at.error)
    assert access.authenticate(world.engine, "rina", PW) is not None  # unchanged


def test_sign_in_page_shows_demo_passwords_only_while_unchanged_and_never_the_admins(world) -> None:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    table = str([tb.value for tb in at.table])
    assert "deputi-demo" in table and "cabang-demo" in table
    assert "admin-demo" not in table and "admin" not in table
    scope = access.authenticate(world.engine, "deputi", "deputi-demo")
    access.change_password(world.engine, scope, "deputi-demo", "deputi-private-1")
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    table = str([tb.value for tb in at.table])
    assert "deputi" not in table and "cabang-demo" in table


def test_demo_password_on_a_demo_database_warns(world) -> None:
    at = sign_in("cabang")
    assert t("demo_password_warning") in texts(at.warning)
    assert "overview" in nav_keys(at)  # a public demo is not locked by its first visitor


def test_demo_password_on_a_real_database_forces_a_change(world) -> None:
    from jkn_core.db import set_meta

    with world.engine.begin() as conn:
        set_meta(conn, {"synthetic": "0"})  # real data was loaded on top of the demo build
    at = sign_in("cabang")
    assert nav_keys(at) == {"account"} and t("must_change_password") in texts(at.warning)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.table  # a real database never lists demo users


def test_repeated_failures_lock_the_sign_in_form(world) -> None:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    for _ in range(throttle.USER_MAX_FAILURES):
        access.sign_in(world.engine, "cabang", "wrong-password", sleep=lambda _s: None)
    at.text_input(key="login_user").input("cabang")
    at.text_input(key="login_password").input("cabang-demo")  # the right password
    at.button[0].click().run()
    assert "scope" not in at.session_state
    locked = texts(at.error)
    assert t("sign_in_locked").split("{")[0] in locked and "15" in locked


def test_invalid_language_parameter_is_ignored(world) -> None:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["lang"] = "xx"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("sign_in", "id") in texts(at.title) + texts(at.button) + _main_text(at) or at.text_input(
        key="login_user")
    assert at.text_input(key="login_user").label == t("username", "id")


def test_unreachable_database_shows_a_retrying_state(monkeypatch) -> None:
    monkeypatch.setenv("JKN_DATABASE_URL", "postgresql+psycopg://jkn:secret@127.0.0.1:9/nowhere")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = _main_text(at) + texts(at.error)
    assert t("db_unreachable") in texts(at.warning)
    for leak in ("127.0.0.1", "psycopg", "OperationalError", "secret", "Traceback"):
        assert leak not in shown, leak


def test_an_unexpected_error_shows_an_incident_code(world, monkeypatch, caplog) -> None:
    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internal detail /srv/jkn/app.py")

    monkeypatch.setattr(access, "demo_passwords_to_show", boom)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    message = texts(at.error)
    assert t("error_incident").split("{")[0] in message
    assert "secret internal detail" not in message + _main_text(at)
    code = message.split(": ")[1].split(".")[0]
    assert any(code in r.getMessage() and r.exc_info for r in caplog.records)  # logged with the details


@pytest.mark.parametrize("failure", ["bug", "outage"])
def test_an_error_while_signing_in_is_shown_like_any_other(world, monkeypatch, caplog, failure: str) -> None:
    """The password is checked in the form's callback (so that a sign-in draws its landing page in one
    script run); an error there still ends as an incident code or the retrying state, never its text."""
    from sqlalchemy.exc import OperationalError

    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        if failure == "outage":
            raise OperationalError("SELECT secret FROM users", {}, Exception("host 10.9.9.9 refused"))
        raise RuntimeError("secret internal detail /srv/jkn/app.py")

    at = AppTest.from_file(str(APP), default_timeout=120).run()
    monkeypatch.setattr(access, "sign_in", boom)
    monkeypatch.setattr(access, "database_reachable", lambda _engine: failure != "outage")  # still down
    at.text_input(key="login_user").input("direksi")
    at.text_input(key="login_password").input("direksi-demo")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = _main_text(at) + texts(at.error)
    if failure == "outage":
        assert t("db_unreachable") in texts(at.warning)
    else:
        code = texts(at.error).split(": ")[1].split(".")[0]
        assert any(code in r.getMessage() and r.exc_info for r in caplog.records)  # logged with the details
    for leak in ("secret", "10.9.9.9", "Traceback", "OperationalError", "RuntimeError"):
        assert leak not in shown, leak
    assert "scope" not in at.session_state


def test_admin_resets_a_password_on_the_users_page(world) -> None:
    access.create_user(world.engine, "rina", PW, "kantor_cabang", branch_code="0301")
    at = sign_in("admin", "admin-demo")
    at.switch_page("pages/admin_users.py").run()
    at.selectbox(key="reset_user").select("rina")
    at.text_input(key="reset_password").input("temporary-pass-9")
    at.text_input(key="reset_repeat").input("temporary-pass-9")
    at.button(key="FormSubmitter:reset_password_form-" + t("adm_reset_button")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("adm_reset_done").format(user="rina") in texts(at.success)
    with world.engine.connect() as conn:
        rows = conn.execute(select(AuditLog.username, AuditLog.detail)
                            .where(AuditLog.action == "password_reset")).all()
    assert [(r.username, '"user": "rina"' in r.detail) for r in rows] == [("admin", True)]
    assert access.authenticate(world.engine, "rina", PW) is None
    assert nav_keys(sign_in("rina", "temporary-pass-9")) == {"account"}  # must choose their own


# --- server-side sessions, the cookie, navigation by role (issue 17 items 1 and 6) -----------------------
def _cookie(monkeypatch, token: str | None) -> None:  # type: ignore[no-untyped-def]
    """The browser sends ``token`` as the jkn_session cookie (AppTest cannot send cookies)."""
    import pages.common

    monkeypatch.setattr(pages.common, "session_cookie", lambda: token)


def _browser_takes_the_cookie(world, at: AppTest) -> str:  # type: ignore[no-untyped-def]
    """What serve.py does when the hidden image fetches /_jkn/session/adopt: the cookie's token."""
    from jkn_core.access import web_sessions

    code = at.session_state["cookie_handoff"]
    beacons = [str(h.proto.body) for h in at.get("html")]
    assert any(f"/_jkn/session/adopt?code={code}" in b for b in beacons), beacons  # the app asked for it
    token, _max_age = web_sessions.adopt_handoff(world.engine, code)
    return token


def test_a_reload_resumes_the_session_from_the_cookie(world, monkeypatch) -> None:
    from jkn_core.access import web_sessions

    access.create_user(world.engine, "rina", PW, "kantor_cabang", branch_code="0301")
    at = sign_in("rina", PW)
    token = _browser_takes_the_cookie(world, at)
    _cookie(monkeypatch, token)
    reloaded = AppTest.from_file(str(APP), default_timeout=120).run()  # a new Streamlit session: F5
    assert not reloaded.exception, [e.value for e in reloaded.exception]
    assert reloaded.session_state["scope"].username == "rina"
    assert reloaded.session_state["web_session"] == at.session_state["web_session"]
    assert "work_queue" in nav_keys(reloaded)  # signed in, no sign-in form
    assert not [w for w in reloaded.text_input if w.key in ("login_user", "login_password")]
    assert "cookie_handoff" not in reloaded.session_state  # the browser has its cookie: no beacon
    with world.engine.connect() as conn:  # the resume is audited: which session, from where, which tab
        resumed = conn.execute(select(AuditLog.username, AuditLog.detail)
                               .where(AuditLog.action == "session_resumed")).all()
    assert [r.username for r in resumed] == ["rina"], resumed
    detail = json.loads(resumed[0].detail)
    assert detail["web_session"] == at.session_state["web_session"] and detail["client"] == "unknown"
    assert detail["session"] and detail["method"] == "password" and token not in resumed[0].detail

    # signed out in another tab: this cookie signs nobody in any more, and says why
    web_sessions.end_session(world.engine, at.session_state["web_session"], "signed_out")
    gone = AppTest.from_file(str(APP), default_timeout=120).run()
    assert "scope" not in gone.session_state and gone.text_input(key="login_user")
    assert t("session_ended_signed_out") in texts(gone.warning)
    assert any("/_jkn/session/clear" in str(h.proto.body) for h in gone.get("html"))  # drop the cookie
    # a made-up cookie: just the sign-in form, no message, no session
    _cookie(monkeypatch, "x" * 43)
    forged = AppTest.from_file(str(APP), default_timeout=120).run()
    assert "scope" not in forged.session_state and not texts(forged.warning)


def test_the_bank_officer_lands_on_the_sif_page_under_the_bank_heading(world) -> None:
    at = sign_in("bank")
    assert t("page_sif_officer") in texts(at.title), texts(at.title)
    pages = list(at._registered_pages.values())  # AppTest 1.67: st.navigation's registry, in order
    first = next(p for p in pages if p.get("script_path"))
    assert str(first["script_path"]).endswith("pages/sif_officer.py")
    assert first.get("section_header", t("group_bank")) == t("group_bank")


def test_the_sidebar_describes_the_scope_in_words(world) -> None:
    at = sign_in("cabang")
    shown = texts(at.sidebar.caption)
    assert "Kantor Cabang Palembang (0301)" in shown, shown
    assert "kantor_cabang:" not in shown and "branch=" not in shown
    en = AppTest.from_file(str(APP), default_timeout=120)
    en.query_params["lang"] = "en"
    en.run()
    en.text_input(key="login_user").input("deputi")
    en.text_input(key="login_password").input("deputi-demo")
    en.button[0].click().run()
    shown = texts(en.sidebar.caption)
    assert "Kedeputian Wilayah III" in shown and "(KW03)" in shown and "region=" not in shown, shown


def test_first_start_shows_only_the_build_page_at_every_address(monkeypatch, tmp_path) -> None:
    """On an empty database the build is the only page (never the raw page-file list, never a page)."""
    import streamlit as st

    import pages.common

    monkeypatch.setenv("JKN_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.chdir(ROOT)
    built: list[int] = []

    def fake_build() -> None:  # the real one generates the demo world (run.sh does it before the server)
        built.append(1)
        st.progress(0.5, text=t("first_start"))
        st.stop()

    monkeypatch.setattr(pages.common, "database_ready", lambda: False)
    monkeypatch.setattr(pages.common, "ensure_database", fake_build)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert built == [1] and not at.text_input  # building, no sign-in form
    assert not nav_keys(at) & set(access.PAGES)  # no page file is registered ...
    urls = {info.get("url_pathname") for info in at._registered_pages.values()}
    assert set(access.PAGES) <= urls  # ... but every page address shows the build (no "Page not found")
