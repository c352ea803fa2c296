"""Server-side sessions (``web_sessions``) on SQLite and PostgreSQL: open, cookie handoff, resume, idle and
absolute expiry, touch, sign-out, and every session of a user ended where the user row changes
(deactivation, password change or reset, role change), while a scope change keeps the session.
Issue 17 item 1, issue 18 "sessions that obey the user table" and "sessions in the database"."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, insert, inspect, select

from jkn_core import access
from jkn_core.access import passwords, signin, web_sessions
from jkn_core.schema import AuditLog, Branch, Province, Region, WebSession

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
PW = "a-long-secret-1"
T0 = dt.datetime(2026, 3, 2, 8, 0, 0)


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


@pytest.fixture(params=BACKENDS)
def eng(request: pytest.FixtureRequest, empty_engine):  # type: ignore[no-untyped-def]
    engine = empty_engine(request.param)
    with engine.begin() as conn:
        conn.execute(insert(Region), [{"code": "KW03", "name": "Kedeputian Wilayah III"}])
        conn.execute(insert(Province), [{"code": "16", "bps_code": "16", "name": "Sumatera Selatan",
                                         "iso_code": "ID-SS", "region_code": "KW03"}])
        conn.execute(insert(Branch), [{"code": "0301", "name": "Palembang", "region_code": "KW03",
                                       "province_code": "16"},
                                      {"code": "0302", "name": "Lubuk Linggau", "region_code": "KW03",
                                       "province_code": "16"}])
    access.create_user(engine, "rina", PW, "kantor_cabang", branch_code="0301")
    return engine


def _signed_in(eng, at: dt.datetime = T0) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """A session opened by a password sign-in whose browser fetched its cookie: (session id, token)."""
    result = access.sign_in(eng, "rina", PW)
    opened = web_sessions.open_session(eng, result.scope.username, result.fingerprint, "password",
                                       client="10.0.0.7", now=at)
    adopted = web_sessions.adopt_handoff(eng, opened.handoff_code, now=at + dt.timedelta(seconds=2))
    assert adopted is not None
    return opened.id, adopted[0]


def _row(eng, session_id: int):  # type: ignore[no-untyped-def]
    with eng.connect() as conn:
        return conn.execute(select(WebSession).where(WebSession.id == session_id)).one()


def test_the_cookie_token_resumes_the_session_and_only_its_hash_is_stored(eng) -> None:
    sid, token = _signed_in(eng)
    resumed = access.resume_web_session(eng, token, now=T0 + dt.timedelta(minutes=5))
    assert resumed.ok and resumed.session_id == sid and resumed.auth_method == "password"
    assert resumed.scope.username == "rina" and resumed.scope.branch_code == "0301"
    row = _row(eng, sid)
    assert row.token_hash == web_sessions.token_hash(token) and token not in [str(v) for v in row]
    assert row.client == "10.0.0.7" and row.ended_at is None
    assert row.expires_at == T0 + dt.timedelta(hours=web_sessions.ABSOLUTE_LIFETIME_HOURS)
    # a wrong or malformed token resumes nothing
    assert access.resume_web_session(eng, token[:-2] + "xx").ended == "no_session"
    assert access.resume_web_session(eng, "kantor_cabang:branch=0301").ended == "no_session"


def test_the_handoff_code_works_once_and_briefly(eng) -> None:
    result = access.sign_in(eng, "rina", PW)
    opened = web_sessions.open_session(eng, "rina", result.fingerprint, "password", now=T0)
    late = T0 + dt.timedelta(seconds=web_sessions.HANDOFF_SECONDS + 1)
    assert web_sessions.adopt_handoff(eng, opened.handoff_code, now=late) is None
    opened = web_sessions.open_session(eng, "rina", result.fingerprint, "password", now=T0)
    token, max_age = web_sessions.adopt_handoff(eng, opened.handoff_code, now=T0)
    assert max_age == web_sessions.ABSOLUTE_LIFETIME_HOURS * 3600
    assert web_sessions.adopt_handoff(eng, opened.handoff_code, now=T0) is None  # used up
    assert access.resume_web_session(eng, token, now=T0).ok


def test_idle_and_absolute_expiry(eng) -> None:
    sid, token = _signed_in(eng)
    idle = dt.timedelta(minutes=access.SESSION_TIMEOUT_MINUTES)
    assert access.resume_web_session(eng, token, now=T0 + idle - dt.timedelta(seconds=30)).ok
    assert access.resume_web_session(eng, token, now=T0 + idle + dt.timedelta(seconds=30)).ended == "expired"
    # activity recorded every minute keeps it alive, but never past the absolute lifetime
    at = T0
    while at < T0 + dt.timedelta(hours=web_sessions.ABSOLUTE_LIFETIME_HOURS - 1):
        at += dt.timedelta(minutes=20)
        assert web_sessions.touch(eng, sid, _row(eng, sid).last_seen_at, now=at)
    assert access.resume_web_session(eng, token, now=at + dt.timedelta(minutes=10)).ok
    assert access.resume_web_session(
        eng, token, now=T0 + dt.timedelta(hours=web_sessions.ABSOLUTE_LIFETIME_HOURS, seconds=1)).ended == "expired"


def test_touch_writes_at_most_once_a_minute(eng) -> None:
    sid, _token = _signed_in(eng)
    assert not web_sessions.touch(eng, sid, T0, now=T0 + dt.timedelta(seconds=59))
    assert _row(eng, sid).last_seen_at == T0
    assert web_sessions.touch(eng, sid, T0, now=T0 + dt.timedelta(seconds=61))
    assert _row(eng, sid).last_seen_at == T0 + dt.timedelta(seconds=61)


def test_sign_out_ends_the_session_for_every_tab(eng) -> None:
    sid, token = _signed_in(eng)
    scope = access.resume_web_session(eng, token, now=T0).scope
    assert access.check_web_session(eng, sid, scope, now=T0).ok  # tab B, still open
    assert web_sessions.end_session(eng, sid, "signed_out", now=T0)  # tab A signs out
    assert access.check_web_session(eng, sid, scope, now=T0).ended == "signed_out"  # tab B's next click
    assert access.resume_web_session(eng, token, now=T0).ended == "signed_out"  # a reload
    assert not web_sessions.end_session(eng, sid, "signed_out", now=T0)  # already ended
    # a session id of another user is not this user's session
    other = access.scope_for(eng, "rina")
    sid2, _ = _signed_in(eng)
    assert access.check_web_session(eng, sid2, other.__class__(role="direksi", username="someone"),
                                    now=T0).ended == "no_session"


def test_deactivation_ends_every_session_of_the_user(eng) -> None:
    (a, token_a), (b, _) = _signed_in(eng), _signed_in(eng)
    access.set_user_active(eng, "rina", False, actor="admin")
    assert {_row(eng, a).end_reason, _row(eng, b).end_reason} == {"deactivated"}
    assert access.resume_web_session(eng, token_a).ended == "deactivated"


def test_password_reset_and_change_end_the_others(eng) -> None:
    (a, _), (b, token_b) = _signed_in(eng), _signed_in(eng)
    scope = access.scope_for(eng, "rina")
    access.change_password(eng, scope, PW, "rina-new-secret-2", keep_session=a)
    assert _row(eng, a).ended_at is None and _row(eng, b).end_reason == "password_changed"
    assert access.check_web_session(eng, a, scope, now=T0 + dt.timedelta(minutes=1)).ok  # goes on
    assert access.resume_web_session(eng, token_b).ended == "password_changed"
    access.reset_password(eng, "rina", "temporary-pass-9", actor="admin")
    assert _row(eng, a).end_reason == "password_changed"


def test_a_password_changed_outside_the_app_ends_the_session_too(eng) -> None:
    """Even without end_all_for_user (a hash written by another tool), the fingerprint check ends it."""
    from sqlalchemy import update

    from jkn_core.schema import User

    sid, token = _signed_in(eng)
    with eng.begin() as conn:
        conn.execute(update(User).where(User.username == "rina")
                     .values(password_hash=passwords.hash_password("set-elsewhere-9")))
    assert access.resume_web_session(eng, token, now=T0).ended == "password_changed"


def test_role_change_ends_scope_change_keeps_the_session(eng) -> None:
    sid, token = _signed_in(eng)
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0302", replace=True)  # same password
    resumed = access.resume_web_session(eng, token, now=T0)
    assert resumed.ok and resumed.scope.branch_code == "0302"
    old = access.resume_web_session(eng, token, now=T0).scope.__class__(
        role="kantor_cabang", username="rina", region_code="KW03", branch_code="0301")
    check = access.check_web_session(eng, sid, old, now=T0)
    assert check.ok and check.scope_changed and check.scope.branch_code == "0302"
    access.create_user(eng, "rina", PW, "deputi_wilayah", region_code="KW03", replace=True)
    assert _row(eng, sid).end_reason == "role_changed"
    assert access.resume_web_session(eng, token, now=T0).ended == "role_changed"


def test_a_database_made_before_sessions_gets_the_table(eng) -> None:
    WebSession.__table__.drop(eng)
    access.set_user_active(eng, "rina", False)  # nothing to end, no error
    web_sessions.ensure_table(eng, recheck=True)
    assert inspect(eng).has_table("web_sessions")


def test_a_scope_in_words(eng) -> None:
    from jkn_core.scope import Scope

    branch = Scope(role="kantor_cabang", username="rina", region_code="KW03", branch_code="0301")
    assert access.describe_scope(eng, branch, "id") == "Kantor Cabang Palembang (0301)"
    region = Scope(role="deputi_wilayah", username="wira", region_code="KW03")
    assert access.describe_scope(eng, region, "en") == "Kedeputian Wilayah III (KW03)"
    assert access.describe_scope(eng, Scope(role="direksi", username="d"), "id") == "Nasional"
    assert access.describe_scope(eng, Scope(role="admin", username="a"), "en") == "National"


def test_run_sh_builds_the_demo_only_on_an_empty_database(eng, tmp_path) -> None:
    """scripts/db_ready.py: 0 for a database in use (run.sh starts the server), 1 for an empty one (run.sh
    builds the demo first), 2 with one sentence when the database cannot be reached."""
    import os
    import subprocess
    import sys

    from tests.e2e.browser import ROOT

    def ready(url: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "scripts" / "db_ready.py")], capture_output=True,
                              text=True, env={**os.environ, "JKN_DATABASE_URL": url}, timeout=120)

    from jkn_core.db import INITIALISED_KEY, set_meta

    with eng.begin() as conn:  # what `init` leaves: no participants, but marked as set up
        set_meta(conn, {INITIALISED_KEY: "2026-03-02T08:00:00Z"})
    assert ready(eng.url.render_as_string(hide_password=False)).returncode == 0
    assert ready(f"sqlite:///{tmp_path / 'empty.db'}").returncode == 1
    down = ready("postgresql+psycopg://jkn:secret@127.0.0.1:9/nowhere")
    assert down.returncode == 2 and "Traceback" not in down.stderr and "secret" not in down.stderr


_ROUTES_SCRIPT = r"""
import asyncio, json, os, sys
sys.path.insert(0, os.environ["ROOT"])
import serve
from starlette.requests import Request

def request(path, query="", headers=(), scheme="http"):
    return Request({"type": "http", "method": "GET", "path": path, "query_string": query.encode(),
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers], "scheme": scheme,
                    "server": ("127.0.0.1", 8501), "client": ("127.0.0.1", 5000), "root_path": ""})

same = [("Sec-Fetch-Site", "same-origin")]
code = os.environ["CODE"]
out = {}
r = asyncio.run(serve.adopt(request("/_jkn/session/adopt", "code=" + code, [("Sec-Fetch-Site", "cross-site")])))
out["cross_site"] = [r.status_code, r.headers.get("set-cookie")]
r = asyncio.run(serve.adopt(request("/_jkn/session/adopt", "code=" + code, same + [("X-Forwarded-Proto", "https")])))
out["adopt"] = [r.status_code, r.headers.get("set-cookie"), r.headers.get("content-type")]
r = asyncio.run(serve.adopt(request("/_jkn/session/adopt", "code=" + code, same)))
out["again"] = [r.status_code, r.headers.get("set-cookie")]
token = out["adopt"][1].split(";")[0].split("=", 1)[1]
r = asyncio.run(serve.clear(request("/_jkn/session/clear", "", same + [("Cookie", "jkn_session=" + token)])))
out["clear"] = [r.status_code, r.headers.get("set-cookie")]
print(json.dumps(out))
"""


def test_the_cookie_routes_of_serve_py(eng) -> None:
    """serve.py sets the cookie (HttpOnly, SameSite=Strict, Secure behind https, only the token) once per
    handoff code, refuses cross-site requests, and clearing ends the session."""
    import json
    import os
    import subprocess
    import sys

    from tests.e2e.browser import ROOT

    result = access.sign_in(eng, "rina", PW)
    opened = web_sessions.open_session(eng, "rina", result.fingerprint, "password")
    done = subprocess.run([sys.executable, "-c", _ROUTES_SCRIPT], capture_output=True, text=True, timeout=180,
                          cwd=ROOT, env={**os.environ, "ROOT": str(ROOT), "CODE": opened.handoff_code,
                                         "JKN_DATABASE_URL": eng.url.render_as_string(hide_password=False)})
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["cross_site"] == [403, None]  # another site cannot sign a visitor in
    status, cookie, mime = out["adopt"]
    assert status == 200 and mime == "image/gif"
    token = cookie.split(";")[0].split("=", 1)[1]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert cookie.startswith("jkn_session=") and web_sessions.looks_like_token(token)
    assert {"httponly", "secure", "path=/", "samesite=strict"} <= flags, cookie
    assert web_sessions.session_id_for_token(eng, token) == opened.id  # the cookie names this session
    assert out["again"] == [410, None]  # the code works once
    assert out["clear"][0] == 200 and "max-age=0" in out["clear"][1].lower()
    assert access.resume_web_session(eng, token).ended == "signed_out"


# --- a password sign-in opens its session in the commit of its audit row (issue 18, capacity: one commit
# instead of two on the path every user takes): both rows or neither
def _rows(eng) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(``sign_in`` audit rows of rina, sessions of rina)."""
    with eng.connect() as conn:
        audited = conn.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.username == "rina", AuditLog.action == "sign_in")).scalar_one()
        sessions = conn.execute(select(func.count()).select_from(WebSession)
                                .where(WebSession.username == "rina")).scalar_one()
    return audited, sessions


def test_a_sign_in_opens_its_session_with_its_audit_row(eng) -> None:  # type: ignore[no-untyped-def]
    result = access.sign_in(eng, "rina", PW, client="10.1.2.3", session_id="st-1", session_method="password")
    assert result.ok and result.session is not None
    assert _rows(eng) == (1, 1)
    with eng.connect() as conn:
        row = conn.execute(select(WebSession).where(WebSession.id == result.session.id)).one()
    assert (row.username, row.auth_method, row.client) == ("rina", "password", "10.1.2.3")
    assert row.password_fp == result.fingerprint
    # the session is the one the browser trades its handoff code for, and it is alive
    assert web_sessions.adopt_handoff(eng, result.session.handoff_code) is not None
    assert access.check_web_session(eng, result.session.id, result.scope).ok


def test_a_refused_sign_in_opens_no_session(eng) -> None:  # type: ignore[no-untyped-def]
    result = access.sign_in(eng, "rina", "wrong-password-1", session_method="password")
    assert not result.ok and result.session is None
    assert _rows(eng) == (0, 0)


def test_both_rows_or_neither(eng, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("the session row could not be written")

    monkeypatch.setattr(signin, "open_session", broken)
    with pytest.raises(RuntimeError):
        access.sign_in(eng, "rina", PW, session_method="password")
    assert _rows(eng) == (0, 0), "an audited sign-in without its session (or the reverse) was committed"


def test_without_a_session_method_only_the_audit_row_is_written(eng) -> None:  # type: ignore[no-untyped-def]
    result = access.sign_in(eng, "rina", PW)  # scripts and tests: no web session
    assert result.ok and result.session is None
    assert _rows(eng) == (1, 0)
