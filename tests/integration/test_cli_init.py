"""``python -m jkn_core init``: a real deployment starts clean (geography, one admin, no demo) — issue 18, finding 2."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from jkn_core import access
from jkn_core.cli import main
from jkn_core.db import is_populated, set_meta
from jkn_core.demo.reference_tables import write_reference_tables
from jkn_core.schema import Branch, Meta, Participant, Province, Regency, Region, User

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-real-admin-passphrase"


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run_init(monkeypatch: pytest.MonkeyPatch, engine: Engine, stdin: str, *args: str) -> int:
    """``python -m jkn_core init ARGS`` in this process, with ``stdin`` piped in."""
    monkeypatch.setenv("JKN_DATABASE_URL", url_of(engine))
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["init", *args])


def count(engine: Engine, column) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(column.table)).scalar_one())


def meta(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Meta.key, Meta.value)).all())


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_init_builds_geography_and_one_admin_and_no_demo(
    backend: str, empty_engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    engine = empty_engine(backend)
    assert not is_populated(engine), "an empty database is where the dashboard's first start builds the demo"

    assert run_init(monkeypatch, engine, PASSWORD + "\n") == 0
    assert "admin admin created" in capsys.readouterr().out

    # the reference geography, as the demo writes it
    assert count(engine, Region.code) == 12
    assert count(engine, Province.code) == 38
    assert count(engine, Branch.code) == 126
    assert count(engine, Regency.code) == 514
    # no people, no demo users: only the admin
    assert count(engine, Participant.id) == 0
    with engine.connect() as conn:
        users = conn.execute(select(User.username, User.role, User.active)).all()
    assert users == [("admin", "admin", True)]
    assert not {u.username for u in access.DEMO_USERS} - {"admin"} & {u for u, *_ in users}
    assert meta(engine)["synthetic"] == "0", "the sign-in page must not take this for a demo database"
    # the dashboard's first start must not build the demo over it
    assert is_populated(engine)
    # the admin signs in with the piped password, not with the demo one
    scope = access.authenticate(engine, "admin", PASSWORD)
    assert scope is not None and scope.role == "admin"
    assert access.authenticate(engine, "admin", "admin-demo") is None
    log = access.read_audit(engine, scope)
    assert {"user_created", "database_initialised"} <= set(log["action"])
    ran = log[log["action"].isin(["user_created", "database_initialised"])]
    assert ran["username"].str.startswith("cli:").all(), "the operating-system user ran init"


def test_init_takes_the_admin_username(empty_engine, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = empty_engine()
    assert run_init(monkeypatch, engine, PASSWORD + "\n", "--admin", "Siti.Admin") == 0
    assert access.authenticate(engine, "siti.admin", PASSWORD).role == "admin"
    assert access.authenticate(engine, "admin", PASSWORD) is None


@pytest.mark.parametrize("password, says", [
    ("short", "at least"),
    ("admin-demo", "demo password"),
    ("direksi-demo", "demo password"),
    ("Admin", "at least"),
    ("adminadminadmin", None),  # allowed: not the username itself
])
def test_init_refuses_weak_first_passwords(
    password: str, says: str | None, empty_engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    engine = empty_engine()
    code = run_init(monkeypatch, engine, password + "\n")
    if says is None:
        assert code == 0
        return
    assert code == 2
    assert says in capsys.readouterr().err
    assert count(engine, User.username) == 0 and not is_populated(engine), "nothing written on refusal"


def test_init_refuses_the_username_as_password(empty_engine, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture) -> None:
    engine = empty_engine()
    assert run_init(monkeypatch, engine, "operator-one\n", "--admin", "operator-one") == 2
    assert "not be the username" in capsys.readouterr().err
    assert count(engine, User.username) == 0


def test_init_with_no_password_on_stdin_exits_2_with_one_line(empty_engine) -> None:
    engine = empty_engine()
    env = {**os.environ, "JKN_DATABASE_URL": url_of(engine)}
    proc = subprocess.run([sys.executable, "-m", "jkn_core", "init"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no password on standard input"), proc.stderr
    assert "Traceback" not in proc.stderr
    assert count(engine, User.username) == 0 and not is_populated(engine)


def test_init_twice_is_refused_and_keeps_the_database(empty_engine, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture) -> None:
    engine = empty_engine()
    assert run_init(monkeypatch, engine, PASSWORD + "\n") == 0
    for args in ((), ("--force",)):
        assert run_init(monkeypatch, engine, "another-long-password\n", *args) == 2
        assert "already initialised" in capsys.readouterr().err
    assert access.authenticate(engine, "admin", PASSWORD) is not None, "the first admin's password stands"


def test_init_never_erases_a_real_database_even_with_force(empty_engine, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture) -> None:
    """A database with rows that is not marked synthetic (e.g. built by imports) is never replaced."""
    engine = empty_engine()
    write_reference_tables(engine)
    access.create_user(engine, "siti", "siti-long-password", "kantor_cabang", branch_code="0301")
    for args in ((), ("--force",)):
        assert run_init(monkeypatch, engine, PASSWORD + "\n", *args) == 2
        err = capsys.readouterr().err
        assert "already holds data" in err and "users" in err
    assert access.authenticate(engine, "siti", "siti-long-password") is not None
    assert access.authenticate(engine, "admin", PASSWORD) is None


def test_init_replaces_a_demo_database_only_with_force(empty_engine, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture) -> None:
    engine = empty_engine()
    write_reference_tables(engine)
    access.create_demo_users(engine)
    with engine.begin() as conn:
        set_meta(conn, {"synthetic": "1"})
    assert run_init(monkeypatch, engine, PASSWORD + "\n") == 2
    assert "--force" in capsys.readouterr().err
    assert access.authenticate(engine, "admin", "admin-demo") is not None, "refused: the demo is untouched"

    assert run_init(monkeypatch, engine, PASSWORD + "\n", "--force") == 0
    with engine.connect() as conn:
        assert conn.execute(select(User.username)).scalars().all() == ["admin"]
    assert access.authenticate(engine, "admin", "admin-demo") is None
    assert access.authenticate(engine, "admin", PASSWORD) is not None
    assert meta(engine)["synthetic"] == "0" and is_populated(engine)


def test_init_resumes_after_a_stop_before_the_admin(empty_engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the reference tables written (init stopped before its admin): running init again works."""
    engine = empty_engine()
    write_reference_tables(engine)
    assert not is_populated(engine)
    assert run_init(monkeypatch, engine, PASSWORD + "\n") == 0
    assert count(engine, Regency.code) == 514 and is_populated(engine)


def test_is_populated_reads_a_missing_schema_as_empty(tmp_path: Path) -> None:
    from jkn_core.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'nothing.db'}")
    try:
        assert not is_populated(engine)
    finally:
        engine.dispose()


def test_is_populated_raises_when_the_database_is_unreachable() -> None:
    """An outage is not an empty database: the first start must not build the demo over a real one."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    try:
        with pytest.raises(OperationalError):
            is_populated(engine)
    finally:
        engine.dispose()


def test_demo_and_summary_on_an_initialised_database(empty_engine, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture) -> None:
    """`demo` would drop every table: it refuses a real database without --force; `summary` says there is no
    month of data yet in one line (no traceback)."""
    engine = empty_engine("sqlite")
    assert run_init(monkeypatch, engine, PASSWORD + "\n") == 0
    capsys.readouterr()
    assert main(["demo", "--scale", "small", "--provinces", "16"]) == 2
    err = capsys.readouterr().err
    assert "real data" in err and "--force" in err and "Traceback" not in err
    assert access.authenticate(engine, "admin", PASSWORD) is not None  # nothing was dropped
    assert main(["summary"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no monthly data" in err
