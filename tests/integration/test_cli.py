"""``python -m jkn_core``: the demo and summary commands, run as a user runs them, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUMMARY_KEYS = ("population", "participants", "active_participants", "coverage_pct", "fktp", "fkrtl",
                "provinces", "branches", "regencies", "arrears_people", "arrears_rp", "months")
_DB_COUNTER = itertools.count(1)


def run_cli(*args: str, url: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("JKN_DATABASE_URL", None)
    if url:
        env["JKN_DATABASE_URL"] = url
    proc = subprocess.run([sys.executable, "-m", "jkn_core", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def check_demo_and_summary(url: str) -> dict:
    demo = run_cli("demo", "--scale", "small", "--provinces", "16,31", url=url)
    assert "demo world built" in demo.stdout
    assert "100.0%" in demo.stderr, "the demo shows its progress"
    out = run_cli("summary", "--json", url=url).stdout
    s = json.loads(out)
    for key in SUMMARY_KEYS:
        assert key in s, key
        assert isinstance(s[key], int | float) and not isinstance(s[key], bool), (key, s[key])
    assert s["provinces"] == 2
    assert s["branches"] >= 2 and s["regencies"] >= 6 + 17  # DKI's 6 and Sumatera Selatan's 17
    assert s["months"] == 24
    # Sumatera Selatan + DKI Jakarta: about 19.5 M people, nearly all insured
    assert 19_000_000 < s["population"] < 20_000_000
    assert s["active_participants"] < s["participants"]
    assert 95 < s["coverage_pct"] < 102
    assert s["fktp"] > 500 and s["fkrtl"] > 50
    assert s["arrears_people"] > 0 and s["arrears_rp"] > 0
    text_out = run_cli("summary", url=url).stdout
    assert "coverage" in text_out and "Rp " in text_out
    return s


def test_help_lists_the_commands() -> None:
    out = run_cli("--help").stdout
    for command in ("demo", "summary"):
        assert command in out
    demo_help = run_cli("demo", "--help").stdout
    for option in ("--scale", "--seed", "--provinces"):
        assert option in demo_help


def test_demo_and_summary_on_sqlite(tmp_path: Path) -> None:
    s = check_demo_and_summary(f"sqlite:///{tmp_path / 'cli.db'}")
    assert (tmp_path / "cli.db").stat().st_size > 0
    assert s["participants"] > 18_000_000, "a small-scale world still stands for the real head count"
    # issue 18, finding 11: the build is audited under the operating-system user, not "cli" / unauthenticated
    import sqlite3

    with sqlite3.connect(tmp_path / "cli.db") as conn:
        rows = conn.execute("SELECT username, scope, detail FROM audit_log WHERE action = 'demo_built'").fetchall()
    assert len(rows) == 1 and rows[0][0].startswith("cli:") and rows[0][1] == "admin:national"
    assert json.loads(rows[0][2])["scale"] == "small"


@pytest.mark.postgres
def test_demo_and_summary_on_postgresql(request: pytest.FixtureRequest, pg_url: str, tmp_path: Path) -> None:
    handle: Any = request.getfixturevalue("pg_server_handle")
    if isinstance(handle, str):
        # a foreign server (JKN_TEST_PG_URL): use its database and put the shared small world back after
        from tests.worlds import build_world

        try:
            pg = check_demo_and_summary(pg_url)
        finally:
            build_world(pg_url)
    else:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        url = handle.create_database(f"jkn_cli_{worker}_{next(_DB_COUNTER)}")
        pg = check_demo_and_summary(url)
    # the same seed on the other backend gives the same summary
    lite = check_demo_and_summary(f"sqlite:///{tmp_path / 'same.db'}")
    assert pg == lite
