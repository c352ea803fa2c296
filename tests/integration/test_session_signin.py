"""Sessions that obey the user table, sign-in throttling, Argon2 parameters, password rules, change and reset.

Issue 18, findings 1, 2, 9 and 11 (sign-in part), on a private copy of the SQLite small world (these
tests write users and audit rows). The app-level behaviour (AppTest) is tests/pages/test_session_app.py.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from jkn_core import access
from jkn_core.access import passwords, throttle
from jkn_core.schema import AuditLog, User

PW = "a-long-secret-1"


@pytest.fixture
def eng(writable_sqlite_world):  # type: ignore[no-untyped-def]
    return writable_sqlite_world.engine


def _sign_in(eng, user: str, password: str, **kw):  # type: ignore[no-untyped-def]
    return access.sign_in(eng, user, password, sleep=lambda _s: None, **kw)


def _audit(eng, action: str, username: str | None = None) -> list:  # type: ignore[no-untyped-def]
    q = select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
    if username:
        q = q.where(AuditLog.username == username)
    with eng.connect() as conn:
        return list(conn.execute(q).all())


# --- the session re-check ----------------------------------------------------------------------------
def test_deactivation_ends_an_open_session(eng) -> None:
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0301")
    r = _sign_in(eng, "rina", PW)
    assert r.ok and access.check_session(eng, r.scope, r.fingerprint).ok
    access.set_user_active(eng, "rina", False)
    check = access.check_session(eng, r.scope, r.fingerprint)
    assert not check.ok and check.ended == "deactivated" and check.scope is None


def test_a_password_change_or_reset_ends_every_other_session(eng, writable_sqlite_world) -> None:
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0301")
    laptop = _sign_in(eng, "rina", PW)
    phone = _sign_in(eng, "rina", PW)
    new_fp = access.change_password(eng, laptop.scope, PW, "another-long-one", "another-long-one")
    assert access.check_session(eng, laptop.scope, new_fp).ok  # the session that changed it goes on
    assert access.check_session(eng, phone.scope, phone.fingerprint).ended == "password_changed"
    assert access.check_session(eng, laptop.scope, laptop.fingerprint).ended == "password_changed"
    access.reset_password(eng, "rina", "temporary-pass-9", actor="admin")
    assert access.check_session(eng, laptop.scope, new_fp).ended == "password_changed"
    # a session without a fingerprint (made by hand, or by an older app) is not trusted
    assert access.check_session(eng, laptop.scope, None).ended == "password_changed"


def test_a_scope_change_narrows_the_session_and_a_role_change_ends_it(eng) -> None:
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0301")
    r = _sign_in(eng, "rina", PW)
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0302", replace=True)  # same password
    check = access.check_session(eng, r.scope, r.fingerprint)
    assert check.ok and check.scope_changed
    assert check.scope.branch_code == "0302" and r.scope.branch_code == "0301"
    access.create_user(eng, "rina", PW, "deputi_wilayah", region_code="KW03", replace=True)
    assert access.check_session(eng, check.scope, r.fingerprint).ended == "role_changed"
    # replacing with another password is a reset: audited, and the session ends
    access.create_user(eng, "rina", "different-pass-7", "deputi_wilayah", region_code="KW03", replace=True)
    assert access.check_session(eng, r.scope, r.fingerprint).ended == "password_changed"
    assert [json.loads(a.detail)["user"] for a in _audit(eng, "password_reset")] == ["rina"]


def test_a_deleted_user_ends_the_session(eng) -> None:
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0301")
    r = _sign_in(eng, "rina", PW)
    with eng.begin() as conn:
        conn.execute(User.__table__.delete().where(User.username == "rina"))
    assert access.check_session(eng, r.scope, r.fingerprint).ended == "no_user"


# --- throttling ------------------------------------------------------------------------------------
def test_repeated_failures_lock_the_username_even_for_the_right_password_then_expire(eng) -> None:
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0301")
    slept: list[float] = []
    for _ in range(throttle.USER_MAX_FAILURES):
        r = access.sign_in(eng, "rina", "wrong-password", client="10.1.2.3", sleep=slept.append)
        assert not r.ok and r.locked_until is None
    assert slept == [0.5, 1.0, 2.0, 4.0]  # a growing delay before each further check
    locked = _sign_in(eng, "rina", PW, client="10.9.9.9")  # the right password, another address
    assert not locked.ok and locked.locked_until is not None
    assert 14 <= locked.locked_minutes() <= 15
    rows = _audit(eng, "sign_in_locked", "rina")
    assert len(rows) == 1 and json.loads(rows[0].detail)["client"] == "10.9.9.9"
    # an injected clock 16 minutes later: the lock is over and the right password works
    later = dt.datetime.now(dt.UTC) + throttle.LOCK + dt.timedelta(minutes=1)
    assert _sign_in(eng, "rina", PW, now=later).ok


def test_an_unknown_username_locks_the_same_way(eng) -> None:
    for _ in range(throttle.USER_MAX_FAILURES):
        assert not _sign_in(eng, "nobody-here", "whatever-123").ok
    assert _sign_in(eng, "nobody-here", "whatever-123").locked_until is not None  # same message either way


def test_a_success_resets_the_username_count(eng) -> None:
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0301")
    for _ in range(throttle.USER_MAX_FAILURES - 1):
        _sign_in(eng, "rina", "wrong-password")
    assert _sign_in(eng, "rina", PW).ok
    assert throttle.throttle_state(eng, "rina", None).delay_s == 0
    for _ in range(throttle.USER_MAX_FAILURES - 1):
        _sign_in(eng, "rina", "wrong-password")
    assert _sign_in(eng, "rina", PW).ok


def test_one_address_trying_many_usernames_is_locked(eng) -> None:
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0301")
    for i in range(throttle.CLIENT_MAX_FAILURES):
        _sign_in(eng, f"guess{i}", "wrong-password", client="203.0.113.7")
    assert _sign_in(eng, "rina", PW, client="203.0.113.7").locked_until is not None
    assert _sign_in(eng, "rina", PW, client="198.51.100.1").ok  # another address is not locked
    # an unknown address (local, or hidden by a proxy) is never locked per address
    for i in range(throttle.CLIENT_MAX_FAILURES):
        _sign_in(eng, f"other{i}", "wrong-password")
    assert _sign_in(eng, "rina", PW).ok


def test_lock_end_rule() -> None:
    t0 = dt.datetime(2026, 1, 1, 8, 0)
    spread = [t0 + dt.timedelta(minutes=4 * i) for i in range(5)]  # 16 minutes: no lock
    assert throttle.lock_end(spread, 5) is None
    burst = [t0 + dt.timedelta(seconds=10 * i) for i in range(5)]
    assert throttle.lock_end(burst, 5) == burst[-1] + throttle.LOCK


# --- audit of sign-ins -----------------------------------------------------------------------------
def test_sign_ins_are_audited_with_client_and_session(eng) -> None:
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0301")
    _sign_in(eng, "rina", "wrong-password", client="10.0.0.7", session_id="session-abc")
    _sign_in(eng, "rina", PW, client="10.0.0.7", session_id="session-abc")
    failed = json.loads(_audit(eng, "sign_in_failed", "rina")[-1].detail)
    ok = json.loads(_audit(eng, "sign_in", "rina")[-1].detail)
    for detail in (failed, ok):
        assert detail["client"] == "10.0.0.7"
        assert detail["session"] == access.session_tag("session-abc") != "session-abc"
        assert detail["method"] == "password"
    assert failed["reason"] == "wrong password"
    assert "a-long-secret" not in json.dumps([failed, ok])


# --- Argon2 ----------------------------------------------------------------------------------------
def test_new_hashes_carry_owasp_parameters_and_old_ones_are_rehashed(eng) -> None:
    new = passwords.hash_password(PW)
    assert "$argon2id$" in new and "m=19456,t=2,p=1" in new
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PW)  # the previous default
    assert passwords.needs_rehash(old)
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0301")
    with eng.begin() as conn:
        conn.execute(User.__table__.update().where(User.username == "rina").values(password_hash=old))
    r = _sign_in(eng, "rina", PW)
    with eng.connect() as conn:
        stored = conn.execute(select(User.password_hash).where(User.username == "rina")).scalar()
    assert r.ok and "m=19456,t=2,p=1" in stored and stored != old
    assert access.check_session(eng, r.scope, r.fingerprint).ok  # the fingerprint is of the new hash


# --- password rules, change, reset, defaults --------------------------------------------------------
@pytest.mark.parametrize(("password", "code"), [
    ("short", "too_short"), ("x" * 2000, "too_long"), ("Rina.Sari", "is_username"),
    ("rina.sari", "is_username"), ("cabang-demo", "demo_password"), ("ADMIN-DEMO", "demo_password"),
])
def test_password_rules(password: str, code: str) -> None:
    with pytest.raises(access.PasswordRuleError) as exc:
        access.check_new_password("rina.sari@bpjs.go.id", password)
    assert exc.value.code == code
    access.check_new_password("rina.sari@bpjs.go.id", "a-good-long-one")
    with pytest.raises(access.PasswordRuleError, match="differ"):
        access.check_new_password("rina", "a-good-long-one", "a-good-long-0ne")


def test_change_password_checks_the_current_one_and_is_audited(eng) -> None:
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0301")
    scope = _sign_in(eng, "rina", PW).scope
    with pytest.raises(access.PasswordRuleError) as exc:
        access.change_password(eng, scope, "not-it-at-all", "another-long-one")
    assert exc.value.code == "wrong_current"
    with pytest.raises(access.PasswordRuleError) as exc:
        access.change_password(eng, scope, PW, PW)
    assert exc.value.code == "unchanged"
    access.change_password(eng, scope, PW, "another-long-one", "another-long-one")
    assert access.authenticate(eng, "rina", "another-long-one") is not None
    assert access.authenticate(eng, "rina", PW) is None
    assert len(_audit(eng, "password_changed", "rina")) == 1
    assert len(_audit(eng, "password_change_failed", "rina")) == 1


def test_reset_is_audited_and_makes_a_temporary_password(eng) -> None:
    access.create_user(eng, "rina", PW, "kantor_cabang", branch_code="0301")
    access.reset_password(eng, "rina", "temporary-pass-9", actor="admin")
    rows = _audit(eng, "password_reset", "admin")
    assert [json.loads(r.detail)["user"] for r in rows] == ["rina"]
    r = _sign_in(eng, "rina", "temporary-pass-9")
    assert r.ok and r.default_password == "reset"
    assert access.must_change_password("reset", synthetic=True)  # a temporary password is always changed
    assert access.check_session(eng, r.scope, r.fingerprint).default_password == "reset"
    fp = access.change_password(eng, r.scope, "temporary-pass-9", "my-own-long-one")
    assert access.check_session(eng, r.scope, fp).default_password is None
    with pytest.raises(access.PasswordRuleError):
        access.reset_password(eng, "nobody-here", "temporary-pass-9")


def test_demo_passwords_are_shown_only_while_unchanged_and_never_the_admins(eng) -> None:
    shown = {u.username for u in access.demo_passwords_to_show(eng)}
    in_world = {u.username for u in access.DEMO_USERS} - {"admin"}
    assert "admin" not in shown and shown and shown <= in_world
    r = _sign_in(eng, "deputi", "deputi-demo")
    assert r.default_password == "demo"
    assert access.must_change_password("demo", synthetic=False)  # a real database forces the change
    assert not access.must_change_password("demo", synthetic=True)  # a public demo warns instead
    access.change_password(eng, r.scope, "deputi-demo", "deputi-private-1")
    assert "deputi" not in {u.username for u in access.demo_passwords_to_show(eng)}
    access.set_user_active(eng, "direksi", False)
    assert "direksi" not in {u.username for u in access.demo_passwords_to_show(eng)}


def test_a_rehashed_demo_password_is_still_the_demo_default(eng, monkeypatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    r = _sign_in(eng, "deputi", "deputi-demo")  # rehashed with the (patched) current parameters
    assert r.ok and r.default_password == "demo"
    assert "deputi" in {u.username for u in access.demo_passwords_to_show(eng)}
    assert access.check_session(eng, r.scope, r.fingerprint).default_password == "demo"
