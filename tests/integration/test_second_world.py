"""The delinquency pipeline on a world it was not designed around (issue 16 item 5): ``init`` → ``import
families`` → ``import contributions`` → ``train delinquency`` → ``score delinquency``, all through the
command line, on a short ledger with prior arrears, drift and another base rate (``tests/second_world.py``).

Measured: the card's held-out ROC AUC against a plain ``HistGradientBoostingClassifier`` 5-fold CV AUC
on the same rows (the latest label month) and the same information (the monthly statuses before it and
the family's columns), and the card's ECE.
"""

from __future__ import annotations

import io
import json
import sys

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from jkn_core.cli import main
from jkn_core.schema import Family, ModelScore, Regency
from tests import second_world

PASSWORD = "a-real-admin-passphrase"


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _fresh(folder, mp: pytest.MonkeyPatch) -> Engine:
    """A new SQLite database set up by ``python -m jkn_core init`` (geography and one admin, no demo)."""
    from jkn_core.db import make_engine

    engine = make_engine(f"sqlite:///{folder / 'jkn.db'}")
    mp.setenv("JKN_DATABASE_URL", _url(engine))
    mp.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["init"]) == 0
    return engine


def _regencies(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(select(Regency.code, Regency.branch_code)).all(),
                            columns=["code", "branch_code"])


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    models = tmp_path_factory.mktemp("models")
    mp.setenv("JKN_MODELS_DIR", str(models))
    mp.setenv("JKN_LOG_DIR", str(tmp_path_factory.mktemp("logs")))
    engine = _fresh(tmp_path_factory.mktemp("db"), mp)
    world = second_world.write_world(tmp_path_factory.mktemp("world"), _regencies(engine))
    yield engine, world, models
    mp.undo()
    engine.dispose()


def test_import_train_score_on_a_short_drifting_ledger(second, capsys):
    engine, world, models = second
    assert main(["import", "families", str(world.families)]) == 0
    assert main(["import", "contributions", str(world.contributions)]) == 0
    with engine.connect() as conn:
        fams = pd.DataFrame(conn.execute(select(Family.id, Family.arrears_before_months)).all(),
                            columns=["id", "arrears_before_months"])
    assert len(fams) == world.n_families
    written = pd.read_csv(world.families)
    assert fams["arrears_before_months"].sum() == written["arrears_before_months"].sum() > 0
    capsys.readouterr()

    assert main(["train", "delinquency"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["test_months"] == [world.last] and card["data_to"] == world.last
    assert card["oracle_roc_auc"] is None  # an imported world: no generator truth

    # the plain benchmark: 5-fold CV on the latest label month's rows, from the files themselves
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    X, y = second_world.status_matrix(world, world.last)
    assert len(y) == card["n_test"]
    plain = cross_val_score(HistGradientBoostingClassifier(random_state=0), X, y, scoring="roc_auc",
                            cv=StratifiedKFold(5, shuffle=True, random_state=0))
    print(f"second world: card ROC AUC {card['roc_auc']:.4f}, ECE {card['ece']:.4f}; plain HGB 5-fold CV "
          f"ROC AUC {plain.mean():.4f} (n {len(y)}, base rate {y.mean():.3f})", file=sys.stderr)
    assert card["roc_auc"] >= plain.mean() - 0.01
    # measured 2026-11-30 (selection requires calibration one month ahead): card 0.8459 vs plain 0.8302,
    # ECE 0.0159; the logistic model, which ranks the calibration month better but is off there (ECE 0.021),
    # is not eligible; before that rule it was the champion and the card's ECE was 0.0364
    assert card["ece"] <= 0.03
    chosen = card["candidates"][card["champion"]]
    assert chosen["eligible"] or not any(c["eligible"] for c in card["candidates"].values())
    assert 0.15 < card["base_rate"] < 0.4  # another base rate than the demo's two thirds
    assert {"current", "behind_1_3"} <= set(card["segments"])

    assert main(["score", "delinquency"]) == 0
    with engine.connect() as conn:
        n, lo, hi, month = conn.execute(select(func.count(), func.min(ModelScore.score), func.max(ModelScore.score),
                                               func.min(ModelScore.period))
                                        .where(ModelScore.model == "delinquency")).one()
    assert n > 0.9 * world.n_families and 0 <= lo < hi <= 1
    assert month == 202409


def test_a_too_short_ledger_is_refused_in_one_line(tmp_path, monkeypatch, capsys):
    """Below the minimum (4 ledger months): one sentence on stderr, exit code 2, no traceback; the minimum
    is stated in ``train --help``."""
    from jkn_core.collection.model import MIN_LEDGER_MONTHS

    monkeypatch.setenv("JKN_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("JKN_LOG_DIR", str(tmp_path / "logs"))
    engine = _fresh(tmp_path, monkeypatch)
    world = second_world.write_world(tmp_path / "world", _regencies(engine), n_families=600, months=3)
    assert main(["import", "families", str(world.families)]) == 0
    assert main(["import", "contributions", str(world.contributions)]) == 0
    capsys.readouterr()
    assert main(["train", "delinquency"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in out.err
    assert "3 month(s)" in lines[0] and f"at least {MIN_LEDGER_MONTHS} months" in lines[0]
    assert not (tmp_path / "models" / "delinquency").exists()
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert f"at least {MIN_LEDGER_MONTHS} months" in " ".join(capsys.readouterr().out.split())
    engine.dispose()
