"""A password sign-in opens its server-side session in the commit of its ``sign_in`` audit row (issue 18,
capacity: one commit instead of two on the path every user takes), on SQLite and PostgreSQL: both rows or
neither, never a session without its audit row or an audited sign-in without its session."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, insert, select

from jkn_core import access
from jkn_core.access import passwords, signin, web_sessions
from jkn_core.schema import AuditLog, Branch, Province, Region, WebSession

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
PW = "a-long-secret-1"


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
                                       "province_code": "16"}])
    access.create_user(engine, "rina", PW, "kantor_cabang", branch_code="0301")
    return engine


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
