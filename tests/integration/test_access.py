"""Sign-in, users, the page registry and the audit trail (jkn_core.access)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy import insert, select, update

from jkn_core import access
from jkn_core.access import (
    DEMO_USERS,
    PAGES,
    allowed_pages,
    audit,
    authenticate,
    create_demo_users,
    create_user,
    hash_password,
    read_audit,
    require_page,
    scope_for,
    session_expired,
    set_user_active,
    verify_password,
)
from jkn_core.cli import main as cli_main
from jkn_core.db import create_schema, make_engine
from jkn_core.schema import AuditLog, Branch, Province, Region, User
from jkn_core.scope import Scope, ScopeError


def _seed_geography(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(Region),
            [
                {"code": "KW03", "name": "Kedeputian Wilayah III"},
                {"code": "KW05", "name": "Kedeputian Wilayah V"},
            ],
        )
        conn.execute(
            insert(Province),
            [
                {
                    "code": "16",
                    "bps_code": "16",
                    "name": "Sumatera Selatan",
                    "iso_code": "ID-SS",
                    "region_code": "KW03",
                },
                {
                    "code": "32",
                    "bps_code": "32",
                    "name": "Jawa Barat",
                    "iso_code": "ID-JB",
                    "region_code": "KW05",
                },
            ],
        )
        conn.execute(
            insert(Branch),
            [
                {"code": "0301", "name": "Palembang", "region_code": "KW03", "province_code": "16"},
                {"code": "0501", "name": "Bandung", "region_code": "KW05", "province_code": "32"},
            ],
        )


@pytest.fixture
def engine(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'access.db'}")
    create_schema(eng)
    _seed_geography(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    """A database the CLI reaches through JKN_DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    eng = make_engine(url)
    create_schema(eng)
    _seed_geography(eng)
    monkeypatch.setenv("JKN_DATABASE_URL", url)
    yield eng
    eng.dispose()


def _audit_rows(engine, action=None):
    stmt = select(AuditLog.__table__).order_by(AuditLog.id)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    with engine.connect() as conn:
        return list(conn.execute(stmt).all())


def _stored_hash(engine, username):
    with engine.connect() as conn:
        return conn.execute(select(User.password_hash).where(User.username == username)).scalar()


# --- passwords ------------------------------------------------------------------------------------
def test_hash_is_salted_argon2_and_verifies():
    h1, h2 = hash_password("correct horse"), hash_password("correct horse")
    assert h1.startswith("$argon2")
    assert h1 != h2  # salted
    assert verify_password("correct horse", h1)
    assert not verify_password("wrong horse", h1)
    assert not verify_password("correct horse", "not-a-hash")
    assert not verify_password("correct horse", "")


def test_no_plaintext_password_stored(engine):
    create_user(engine, "ana", "s3cret-pass", "direksi")
    stored = _stored_hash(engine, "ana")
    assert stored.startswith("$argon2")
    assert "s3cret-pass" not in stored
    for row in _audit_rows(engine):
        assert "s3cret-pass" not in (row.detail or "")


# --- create_user validation -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": "superuser"}, "unknown role"),
        ({"role": "direksi", "password": "short"}, "at least 8"),
        ({"role": "deputi_wilayah"}, "needs a region"),
        ({"role": "deputi_wilayah", "region_code": "KW99"}, "unknown region"),
        ({"role": "bank_officer", "region_code": "KW77", "bank": "Bank bjb"}, "unknown region"),
        ({"role": "kantor_cabang"}, "needs a branch"),
        ({"role": "kantor_cabang", "branch_code": "9999"}, "unknown branch"),
        ({"role": "kantor_cabang", "branch_code": "0301", "region_code": "KW05"}, "belongs to region"),
        ({"role": "direksi", "region_code": "KW03"}, "national"),
        ({"role": "direksi", "bank": "Bank bjb"}, "bank"),
        ({"role": "direksi", "username": "bad name!"}, "username"),
    ],
)
def test_create_user_rejects_invalid_input(engine, kwargs, message):
    args = {"username": "someone", "password": "long-enough-pw"} | kwargs
    with pytest.raises(ValueError, match=message):
        create_user(engine, **args)
    with engine.connect() as conn:
        assert conn.execute(select(User.__table__)).first() is None


def test_create_user_exists_and_replace(engine):
    create_user(engine, "ana", "first-password", "direksi")
    with pytest.raises(ValueError, match="user exists"):
        create_user(engine, "ana", "second-password", "direksi")
    assert authenticate(engine, "ana", "first-password") is not None
    create_user(engine, "ana", "second-password", "deputi_wilayah", region_code="KW05", replace=True)
    assert authenticate(engine, "ana", "first-password") is None
    scope = authenticate(engine, "ana", "second-password")
    assert scope == Scope(role="deputi_wilayah", username="ana", region_code="KW05")
    actions = [r.action for r in _audit_rows(engine)]
    assert "user_created" in actions and "user_updated" in actions


def test_kantor_cabang_region_taken_from_branch(engine):
    create_user(engine, "budi", "password-123", "kantor_cabang", branch_code="0301", actor="admin")
    with engine.connect() as conn:
        row = conn.execute(select(User.__table__).where(User.username == "budi")).one()
    assert (row.region_code, row.branch_code, row.active) == ("KW03", "0301", True)
    created = _audit_rows(engine, "user_created")
    assert len(created) == 1
    assert created[0].username == "admin"
    assert json.loads(created[0].detail)["user"] == "budi"


# --- authenticate ---------------------------------------------------------------------------------
def test_authenticate_returns_the_right_scope(engine):
    create_user(engine, "budi", "password-123", "kantor_cabang", branch_code="0301")
    create_user(engine, "bjb1", "password-456", "bank_officer", region_code="KW05", bank="Bank bjb")
    scope = authenticate(engine, "budi", "password-123")
    assert scope == Scope(role="kantor_cabang", username="budi", region_code="KW03", branch_code="0301")
    assert scope.sees_identity
    bank = authenticate(engine, "BJB1 ", "password-456")  # usernames are case-insensitive
    assert bank == Scope(role="bank_officer", username="bjb1", region_code="KW05", bank="Bank bjb")
    assert not bank.sees_participants


def test_wrong_password_fails_and_sign_ins_are_audited(engine):
    create_user(engine, "ana", "right-password", "direksi")
    assert authenticate(engine, "ana", "wrong-password") is None
    assert authenticate(engine, "nobody", "whatever-pass") is None
    assert authenticate(engine, "", "") is None
    assert authenticate(engine, "ana", "right-password") == Scope(role="direksi", username="ana")

    failed = _audit_rows(engine, "sign_in_failed")
    assert [r.username for r in failed] == ["ana", "nobody", "anonymous"]
    assert json.loads(failed[0].detail)["reason"] == "wrong password"
    ok = _audit_rows(engine, "sign_in")
    assert len(ok) == 1 and ok[0].username == "ana" and ok[0].scope == "direksi:national"
    for row in _audit_rows(engine):
        assert "wrong-password" not in (row.detail or "")
        assert "right-password" not in (row.detail or "")
        assert "whatever-pass" not in (row.detail or "")


def test_inactive_user_cannot_sign_in(engine):
    create_user(engine, "ana", "right-password", "direksi")
    set_user_active(engine, "ana", False, actor="admin")
    assert authenticate(engine, "ana", "right-password") is None
    assert json.loads(_audit_rows(engine, "sign_in_failed")[-1].detail)["reason"] == "inactive user"
    with pytest.raises(ScopeError):
        scope_for(engine, "ana")
    set_user_active(engine, "ana", True)
    assert authenticate(engine, "ana", "right-password") is not None
    with pytest.raises(ValueError, match="no such user"):
        set_user_active(engine, "ghost", False)


def test_scope_for_maps_email_users(engine):
    create_user(engine, "Siti@BPJS-Kesehatan.go.id", "password-789", "deputi_wilayah", region_code="KW03")
    scope = scope_for(engine, "siti@bpjs-kesehatan.go.id")
    assert scope == Scope(role="deputi_wilayah", username="siti@bpjs-kesehatan.go.id", region_code="KW03")
    with pytest.raises(ScopeError):
        scope_for(engine, "stranger@example.com")


def test_session_expiry():
    now = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert not session_expired(now - dt.timedelta(minutes=29), now)
    assert session_expired(now - dt.timedelta(minutes=31), now)
    assert access.SESSION_TIMEOUT_MINUTES == 30 and access.MAX_UPLOAD_MB == 50


# --- audit ----------------------------------------------------------------------------------------
def test_audit_detail_is_json_and_scrubbed(engine):
    admin = Scope.system()
    audit(engine, admin, "import", {"file": "x.csv", "password": "leak-me", "rows": 3})
    audit(engine, "someone", "note_action", "free text")
    with engine.begin() as conn:  # joins the caller's transaction
        audit(conn, admin, "in_transaction", None)
    rows = _audit_rows(engine)
    assert json.loads(rows[0].detail) == {"file": "x.csv", "password": "[removed]", "rows": 3}
    assert rows[0].scope == "admin:national"
    assert json.loads(rows[1].detail) == {"note": "free text"}
    assert rows[2].detail is None
    assert all(isinstance(r.at, dt.datetime) for r in rows)


def test_audit_module_offers_no_update_or_delete():
    from jkn_core import audit as audit_trail

    names = [n for m in (access, audit_trail) for n in dir(m) if callable(getattr(m, n))]
    assert not [
        n
        for n in names
        if "audit" in n.lower() and any(w in n.lower() for w in ("delete", "update", "purge"))
    ]


def test_read_audit_admin_only(engine):
    create_user(engine, "ana", "right-password", "direksi")
    authenticate(engine, "ana", "nope-nope-nope")
    authenticate(engine, "ana", "right-password")
    admin = Scope.system()
    df = read_audit(engine, admin)
    assert list(df.columns) == ["id", "at", "username", "action", "scope", "detail"]
    assert df.iloc[0]["action"] == "sign_in"  # newest first
    assert set(read_audit(engine, admin, action="sign_in_failed")["action"]) == {"sign_in_failed"}
    assert len(read_audit(engine, admin, limit=1)) == 1
    for scope in (
        Scope.national("ana"),
        Scope(role="deputi_wilayah", region_code="KW03"),
        Scope(role="kantor_cabang", branch_code="0301"),
        Scope(role="bank_officer", region_code="KW05", bank="Bank bjb"),
    ):
        with pytest.raises(ScopeError):
            read_audit(engine, scope)


# --- pages ----------------------------------------------------------------------------------------
DIRECTORS = {"direksi", "deputi_wilayah", "kantor_cabang", "admin"}
EXPECTED_PAGES = {
    "overview": DIRECTORS,
    "coverage": DIRECTORS,
    "arrears": DIRECTORS,
    "capacity": DIRECTORS | {"bank_officer"},
    "work_queue": {"kantor_cabang", "admin"},
    "model_delinquency": {"kantor_cabang", "admin", "direksi"},
    "sif_officer": {"bank_officer", "admin"},
    "sif_portfolio": {"bank_officer", "admin"},
    "model_sif": {"bank_officer", "admin"},
    "admin_users": {"admin"},
    "admin_import": {"admin"},
    "admin_audit": {"admin"},
    "admin_targets": {"admin"},
    "account": set(access.ROLES),  # everyone: their own password
    # collection programmes (#13): directors read them, a branch works its own families, never a bank
    "programmes_rehab": DIRECTORS,
    "programmes_partners": DIRECTORS,
    "programmes_effect": DIRECTORS,
    "csr": DIRECTORS,
    # hospital claims (#14): directors; SCF: bank officers (their market) and the admin
    "claims": DIRECTORS,
    "scf_officer": {"bank_officer", "admin"},
    "scf_portfolio": {"bank_officer", "admin"},
}
SCOPES = {
    "direksi": Scope(role="direksi", username="d"),
    "deputi_wilayah": Scope(role="deputi_wilayah", username="w", region_code="KW03"),
    "kantor_cabang": Scope(role="kantor_cabang", username="c", region_code="KW03", branch_code="0301"),
    "bank_officer": Scope(role="bank_officer", username="b", region_code="KW05", bank="Bank bjb"),
    "admin": Scope(role="admin", username="a"),
}


def test_page_registry_keys():
    assert set(PAGES) == set(EXPECTED_PAGES)


@pytest.mark.parametrize("role", sorted(SCOPES))
@pytest.mark.parametrize("page", sorted(EXPECTED_PAGES))
def test_page_matrix(role, page):
    scope = SCOPES[role]
    if role in EXPECTED_PAGES[page]:
        require_page(scope, page)
        assert page in allowed_pages(scope)
    else:
        with pytest.raises(ScopeError):
            require_page(scope, page)
        assert page not in allowed_pages(scope)


def test_unknown_page_refused():
    with pytest.raises(ScopeError):
        require_page(SCOPES["admin"], "no_such_page")


# --- demo users -----------------------------------------------------------------------------------
def test_demo_users_one_per_role_and_sign_in(engine):
    assert sorted(u.role for u in DEMO_USERS) == sorted(access.ROLES)
    created = create_demo_users(engine)
    assert sorted(created) == sorted(u.username for u in DEMO_USERS)
    assert create_demo_users(engine) == []  # idempotent
    assert authenticate(engine, "cabang", "cabang-demo") == Scope(
        role="kantor_cabang", username="cabang", region_code="KW03", branch_code="0301"
    )
    assert authenticate(engine, "bank", "bank-demo") == Scope(
        role="bank_officer", username="bank", region_code="KW05", bank="Bank bjb"
    )
    assert authenticate(engine, "deputi", "deputi-demo").region_code == "KW03"
    assert authenticate(engine, "direksi", "direksi-demo").role == "direksi"
    assert authenticate(engine, "admin", "admin-demo").role == "admin"


def test_demo_users_skip_missing_geography(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'small.db'}")
    create_schema(eng)
    with eng.begin() as conn:
        conn.execute(insert(Region).values(code="KW03", name="Kedeputian Wilayah III"))
    messages: list[str] = []
    created = create_demo_users(eng, log=messages.append)
    assert sorted(created) == ["admin", "deputi", "direksi"]  # no branch 0301, no region KW05
    text = "\n".join(messages)
    assert "skipped" in text
    assert not any(u.password in text for u in DEMO_USERS)
    eng.dispose()


# --- CLI ------------------------------------------------------------------------------------------
def _stdin(monkeypatch, text):
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_cli_users_add_and_list(cli_db, monkeypatch, capsys):
    _stdin(monkeypatch, "cabang-password\nignored second line\n")
    assert cli_main(["users", "add", "Budi", "--role", "kantor_cabang", "--branch", "0301"]) == 0
    _stdin(monkeypatch, "bank-password-1\n")
    assert (
        cli_main(["users", "add", "bjb1", "--role", "bank_officer", "--region", "KW05", "--bank", "Bank bjb"])
        == 0
    )
    assert authenticate(cli_db, "budi", "cabang-password") == Scope(
        role="kantor_cabang", username="budi", region_code="KW03", branch_code="0301"
    )
    assert authenticate(cli_db, "bjb1", "bank-password-1").bank == "Bank bjb"
    capsys.readouterr()

    assert cli_main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "budi" in out and "bjb1" in out and "Bank bjb" in out
    assert "$argon2" not in out and "cabang-password" not in out

    _stdin(monkeypatch, "another-password\n")
    assert cli_main(["users", "add", "budi", "--role", "kantor_cabang", "--branch", "0301"]) == 2
    assert "user exists" in capsys.readouterr().err

    assert cli_main(["users", "deactivate", "budi"]) == 0
    assert authenticate(cli_db, "budi", "cabang-password") is None


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["users", "add", "x1", "--role", "superuser"], "password-123\n", "unknown role"),
        (
            ["users", "add", "x1", "--role", "kantor_cabang", "--branch", "9999"],
            "password-123\n",
            "unknown branch",
        ),
        (
            ["users", "add", "x1", "--role", "deputi_wilayah", "--region", "KW42"],
            "password-123\n",
            "unknown region",
        ),
        (["users", "add", "x1", "--role", "deputi_wilayah"], "password-123\n", "needs a region"),
        (["users", "add", "x1", "--role", "direksi"], "short\n", "at least 8"),
        (["users", "add", "x1", "--role", "direksi"], "", "no password"),
    ],
)
def test_cli_users_add_rejects_invalid_input(cli_db, monkeypatch, capsys, argv, stdin, message):
    _stdin(monkeypatch, stdin)
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "password-123" not in err
    with cli_db.connect() as conn:
        assert conn.execute(select(User.__table__)).first() is None


def test_cli_branch_and_region_are_exclusive(cli_db, monkeypatch):
    _stdin(monkeypatch, "password-123\n")
    with pytest.raises(SystemExit) as exc:
        cli_main(["users", "add", "x1", "--role", "kantor_cabang", "--branch", "0301", "--region", "KW03"])
    assert exc.value.code == 2


def test_rehash_on_sign_in_when_parameters_change(engine, monkeypatch):
    from argon2 import PasswordHasher

    from jkn_core.access import passwords

    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    create_user(engine, "ana", "right-password", "direksi")
    weak = _stored_hash(engine, "ana")
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher())
    assert authenticate(engine, "ana", "right-password") is not None
    strong = _stored_hash(engine, "ana")
    assert strong != weak and strong.startswith("$argon2")
    assert verify_password("right-password", strong)
    # tampering with the stored hash makes sign-in fail rather than crash
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == "ana").values(password_hash="garbage"))
    assert authenticate(engine, "ana", "right-password") is None


# --- both backends --------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_sign_in_and_audit_on_each_backend(empty_engine, backend):
    eng = empty_engine(backend)
    _seed_geography(eng)
    assert sorted(create_demo_users(eng)) == sorted(u.username for u in DEMO_USERS)
    assert authenticate(eng, "cabang", "wrong-password") is None
    assert authenticate(eng, "cabang", "cabang-demo").branch_code == "0301"
    df = read_audit(eng, Scope.system())
    assert list(df["action"][:2]) == ["sign_in", "sign_in_failed"]
    assert df["id"].is_unique and (df["action"] == "user_created").sum() == len(DEMO_USERS)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_session_check_throttle_and_defaults_on_each_backend(empty_engine, backend):
    """Issue 18: the session re-check, the throttle (audit rows with a client address) and the recorded
    demo defaults work the same on SQLite and PostgreSQL."""
    from jkn_core.access import throttle

    eng = empty_engine(backend)
    _seed_geography(eng)
    create_demo_users(eng)
    assert {u.username for u in access.demo_passwords_to_show(eng)} == {
        u.username for u in DEMO_USERS if u.role != "admin"}
    ok = access.sign_in(eng, "cabang", "cabang-demo", client="10.0.0.5", session_id="s1")
    assert ok.default_password == "demo" and access.check_session(eng, ok.scope, ok.fingerprint).ok
    for i in range(throttle.CLIENT_MAX_FAILURES):
        access.sign_in(eng, f"guess{i}", "nope-nope-nope", client="10.0.0.6", sleep=lambda _s: None)
    assert access.sign_in(eng, "deputi", "deputi-demo", client="10.0.0.6").locked_until is not None
    assert access.sign_in(eng, "deputi", "deputi-demo", client="10.0.0.7").ok
    access.set_user_active(eng, "cabang", False)
    assert access.check_session(eng, ok.scope, ok.fingerprint).ended == "deactivated"
