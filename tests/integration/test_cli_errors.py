"""Every command line situation ends in one sentence and a non-zero exit code, never a Python stack
(issue 16 item 3)."""

from __future__ import annotations

import pytest

from jkn_core.cli import main
from jkn_core.cli import models as cli_models


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


def test_scoring_without_a_trained_model_is_one_line(sqlite_world, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JKN_DATABASE_URL", sqlite_world.url)
    monkeypatch.setenv("JKN_MODELS_DIR", str(tmp_path / "no_models"))
    monkeypatch.setenv("JKN_LOG_DIR", str(tmp_path / "logs"))
    assert main(["score", "delinquency"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "no trained model" in line and "python -m jkn_core train delinquency" in line


def test_an_unreachable_database_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JKN_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:9/none")
    monkeypatch.setenv("JKN_LOG_DIR", str(tmp_path / "logs"))
    code = main(["summary"])
    assert code == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "database" in line and "secret" not in line
    assert "incident" in (tmp_path / "logs" / "jkn_core.log").read_text()


def test_an_unexpected_failure_is_one_line_and_a_logged_traceback(sqlite_world, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JKN_DATABASE_URL", sqlite_world.url)
    monkeypatch.setenv("JKN_LOG_DIR", str(tmp_path / "logs"))

    class Broken:
        @staticmethod
        def train(*_a, **_k):
            raise RuntimeError("boom inside the model")

    monkeypatch.setitem(cli_models.MODELS, "delinquency", Broken)
    assert main(["train", "delinquency"]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "unexpected RuntimeError" in line and "jkn_core.log" in line
    log = (tmp_path / "logs" / "jkn_core.log").read_text()
    assert "Traceback" in log and "boom inside the model" in log


@pytest.mark.parametrize("argv", [["import", "participants", "/nonexistent/file.csv"]])
def test_a_missing_file_is_one_line(sqlite_world, tmp_path, monkeypatch, capsys, argv):
    monkeypatch.setenv("JKN_DATABASE_URL", sqlite_world.url)
    monkeypatch.setenv("JKN_LOG_DIR", str(tmp_path / "logs"))
    assert main([*argv, "--dry-run"]) != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()
