"""Every downloadable import template is accepted as-is (issue 17 item 9).

- the template the Import page offers (``template_bytes(table, engine)``) passes a dry run, through the
  CLI (``python -m jkn_core import TABLE FILE --dry-run``), against the database it was downloaded from;
- the files in ``jkn_core/imports/templates/`` (the ones docs/imports.md points to) pass a dry run against
  the default demo (``run.sh``'s world: scale default, default seed) — slow, it builds that world.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from jkn_core import imports
from jkn_core.imports.docs import TEMPLATES_DIR
from jkn_core.scope import Scope

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Scope.system()


def _cli_dry_run(url: str, table: str, path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "JKN_DATABASE_URL": url, "JKN_LANG": "en"}  # English report lines
    return subprocess.run([sys.executable, "-m", "jkn_core", "import", table, str(path), "--dry-run"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)


def test_page_templates_import_as_is_into_the_database_they_come_from(writable_sqlite_world, tmp_path) -> None:
    world = writable_sqlite_world
    failed = {}
    for table in imports.TABLES:
        body = imports.template_bytes(table, world.engine)
        assert body.decode().splitlines()[0].split(",") == imports.SPECS[table].columns
        report = imports.import_file(world.engine, ADMIN, table, body, f"{table}_template.csv", dry_run=True)
        if not report.ok:
            failed[table] = [f"row {p.row}, column {p.column}: {p.reason}" for p in report.problems]
    assert not failed, failed
    # the one the issue saw rejected, through the command line as an admin would
    path = tmp_path / "participants_template.csv"
    path.write_bytes(imports.template_bytes("participants", world.engine))
    run = _cli_dry_run(world.url, "participants", path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 inserted" in run.stdout and "rejected" not in run.stdout + run.stderr


def test_page_template_refers_to_rows_of_its_database(sqlite_world) -> None:
    """The facility and the family the downloaded examples name exist in that database (not 0301F001)."""
    values = imports.docs.examples_for(sqlite_world.engine)
    with sqlite_world.engine.connect() as conn:
        assert conn.execute(text("SELECT level FROM facilities WHERE code = :c"),
                            {"c": values[("participants", "fktp_code")]}).scalar() == "FKTP"
        assert conn.execute(text("SELECT segment FROM families WHERE id = :i"),
                            {"i": int(values[("contributions", "family_id")])}).scalar() in ("PBPU", "BP")


@pytest.fixture
def default_demo(default_demo_world: tuple[Engine, str]) -> tuple[Engine, str]:
    """The default demo of tests/conftest.py (shared with the calibration tests, built once)."""
    return default_demo_world


@pytest.mark.slow
@pytest.mark.parametrize("table", imports.TABLES)
def test_template_files_import_as_is_into_the_default_demo(default_demo, table: str, monkeypatch, capsys) -> None:
    """The command line's own entry point in this process (``python -m jkn_core`` runs exactly
    ``jkn_core.cli.main``): a new interpreter per table cost seconds of start-up each; the process boundary
    (exit code, output) is checked once, in the test above."""
    from jkn_core.cli import main as cli_main

    engine, url = default_demo
    path = TEMPLATES_DIR / f"{table}.csv"
    assert path.read_bytes() == imports.template_bytes(table)  # the file is what the docs describe
    monkeypatch.setenv("JKN_DATABASE_URL", url)
    monkeypatch.setenv("JKN_LANG", "en")  # English report lines
    code = cli_main(["import", table, str(path), "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "rejected" not in out + err and "(dry run: nothing written)" in out
