"""Audit of model runs and CLI actions (issue 18, finding 11, model / CLI part).

- ``score sif`` / ``score delinquency`` write a ``score_run`` row (model, rows) in the scores' transaction;
- ``train`` writes ``model_trained`` (model, version, metrics) — the real training runs are checked in
  tests/integration/test_sif.py and test_delinquency.py, whose module fixtures train once; here the CLI's
  wiring is checked with a stand-in model;
- CLI commands run as ``Scope.cli()``: the audit row names the operating-system user (``cli:<user>``),
  never the anonymous ``cli`` / "unauthenticated" of before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from jkn_core.schema import AuditLog
from jkn_core.scope import Scope

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, url: str, user: str = "rina-ops", stdin: str | None = None,
            env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update({"JKN_DATABASE_URL": url, "LOGNAME": user, "USER": user, **(env_extra or {})})
    proc = subprocess.run([sys.executable, "-m", "jkn_core", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, input=stdin)
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def audit_rows(engine: Any, action: str) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(AuditLog.username, AuditLog.scope, AuditLog.detail)
                            .where(AuditLog.action == action).order_by(AuditLog.id)).all()
    df = pd.DataFrame(rows, columns=["username", "scope", "detail"])
    df["detail"] = [json.loads(d) if d else {} for d in df["detail"]]
    return df


# --- Scope.cli --------------------------------------------------------------------------------------
def test_cli_scope_names_the_operating_system_user(monkeypatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "rina")
    s = Scope.cli()
    assert (s.role, s.username, s.describe()) == ("admin", "cli:rina", "admin:national")

    def no_user() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr("getpass.getuser", no_user)
    assert Scope.cli().username == "cli:unknown"


# --- CLI actions ------------------------------------------------------------------------------------
def test_users_deactivate_and_add_from_the_cli_name_the_os_user(writable_sqlite_world) -> None:
    url, eng = writable_sqlite_world.url, writable_sqlite_world.engine
    run_cli("users", "deactivate", "cabang", url=url, user="rina-ops")
    run_cli("users", "activate", "cabang", url=url, user="rina-ops")
    run_cli("users", "add", "wira", "--role", "deputi_wilayah", "--region", "KW03", url=url, user="budi-ops",
            stdin="wira-password-1\n")
    off = audit_rows(eng, "user_deactivated")
    assert len(off) == 1 and off.iloc[0]["username"] == "cli:rina-ops"
    assert off.iloc[0]["scope"] == "admin:national" and off.iloc[0]["detail"] == {"user": "cabang"}
    assert audit_rows(eng, "user_activated").iloc[-1]["username"] == "cli:rina-ops"
    created = audit_rows(eng, "user_created")
    assert created.iloc[-1]["username"] == "cli:budi-ops" and created.iloc[-1]["detail"]["user"] == "wira"
    for action in ("user_deactivated", "user_activated", "user_created"):
        rows = audit_rows(eng, action)
        cli = rows[rows["username"].str.startswith("cli")]
        assert len(cli) and set(cli["scope"]) == {"admin:national"}, action  # never "cli" / "unauthenticated"
        assert "cli" not in set(rows["username"]), action


def test_score_sif_from_the_cli_writes_a_score_run_row(writable_sqlite_world) -> None:
    """``python -m jkn_core score sif`` with the shipped model: the row says which model and how many rows."""
    url, eng = writable_sqlite_world.url, writable_sqlite_world.engine
    env = {"JKN_MODELS_DIR": str(ROOT / "models")}
    out = run_cli("score", "sif", url=url, user="ops-score", env_extra=env).stdout
    n = int(out.split()[1])
    runs = audit_rows(eng, "score_run")
    runs = runs[runs["username"] == "cli:ops-score"]  # the shared world may have been scored by a page already
    assert len(runs) == 1 and n > 0
    row = runs.iloc[0]
    assert row["username"] == "cli:ops-score" and row["detail"]["model"] == "sif" and row["detail"]["rows"] == n
    assert row["detail"]["version"].startswith("sif-")


def test_train_from_the_cli_runs_under_the_os_user(writable_sqlite_world, monkeypatch, capsys) -> None:
    """The CLI hands ``Scope.cli()`` to the model's train / score (the models write the audit row)."""
    from jkn_core.cli import main as cli_main
    from jkn_core.cli import models

    seen: list[tuple[str, Scope]] = []

    class Stand:
        @staticmethod
        def train(engine: Any, log: Any, scope: Scope) -> dict:
            seen.append(("train", scope))
            return {"model": "stand"}

        @staticmethod
        def score(engine: Any, log: Any, scope: Scope) -> int:
            seen.append(("score", scope))
            return 3

    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.setattr("getpass.getuser", lambda: "ops")
    monkeypatch.setitem(models.MODELS, "sif", Stand)
    assert cli_main(["train", "sif"]) == 0 and cli_main(["score", "sif"]) == 0
    capsys.readouterr()
    assert [(k, s.username, s.role) for k, s in seen] == [("train", "cli:ops", "admin"), ("score", "cli:ops", "admin")]


def test_delinquency_score_run_is_audited_in_the_scores_transaction(writable_sqlite_world) -> None:
    """Scoring with the shipped delinquency model (no training): one score_run row with the rows written."""
    from jkn_core.collection import model as delinquency

    eng = writable_sqlite_world.engine
    before = len(audit_rows(eng, "score_run"))  # the shared world may have been scored by a page already
    n = delinquency.score(eng, scope=Scope("admin", "ops-admin"))
    runs = audit_rows(eng, "score_run")
    assert len(runs) == before + 1
    runs = runs[runs["username"] == "ops-admin"]
    assert len(runs) == 1
    row = runs.iloc[0]
    assert row["username"] == "ops-admin" and row["detail"]["model"] == "delinquency"
    assert row["detail"]["rows"] == n > 1000 and row["detail"]["period"] == 202501
    # the page's lazy first scoring is a score run too (of the system, when no user is given)
    assert delinquency.ensure_scores(eng) == 0 and len(audit_rows(eng, "score_run")) == before + 1  # already scored
