"""Delinquency model: trains on the small world (temporary models folder), card, scores, no-truth databases."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select, text

from jkn_core import modeling
from jkn_core.collection import features
from jkn_core.collection import model as delinquency
from jkn_core.schema import AuditLog, ModelScore
from jkn_core.scope import Scope


@pytest.fixture(scope="module")
def trained(trained_delinquency):
    """The model trained once per run (tests/conftest.py, seed 11), its folder the models folder of this module."""
    card, lines, folder = trained_delinquency
    mp = pytest.MonkeyPatch()
    mp.setenv("JKN_MODELS_DIR", str(folder))
    yield card, lines, folder
    mp.undo()


def test_card_holds_the_required_metrics_close_to_the_oracle(trained):
    card, lines, folder = trained
    assert set(modeling.CARD_KEYS) <= set(card)
    assert (folder / "delinquency" / "model.skops").exists()
    assert modeling.read_card("delinquency")["model_version"] == card["model_version"]
    assert card["champion"] in ("logistic", "gradient_boosting")
    assert set(card["candidates"]) == {"logistic", "gradient_boosting"}
    assert card["oracle_roc_auc"] is not None
    assert card["oracle_roc_auc"] - card["roc_auc"] < 0.02
    assert card["ece"] <= 0.03
    assert max(card["train_months"]) < min(card["calibration_months"]) <= max(card["calibration_months"]) \
        < min(card["test_months"])
    assert card["n_test"] > 1000 and card["n_train"] > card["n_test"]
    assert any("oracle ROC AUC" in line and "ECE" in line for line in lines)
    assert {r["segment"] for r in card["by_segment"] if "segment" in r} == {"PBPU", "BP"}
    assert len(card["by_branch"]) > 10 and len(card["calibration"]) == 10
    assert card["importance"][0]["importance"] > 0


def test_card_measures_where_the_decisions_are(trained):
    """Issue 16 item 7: per payment-history segment, the model against the oracle, with ECE."""
    card, lines, _ = trained
    segs = card["segments"]
    assert {"current", "behind_1_3"} <= set(segs)
    for name in ("current", "behind_1_3"):
        m = segs[name]
        assert m["n"] > 100 and 0 < m["misses"] < m["n"]
        assert m["oracle_roc_auc"] is not None and m["roc_auc"] > 0.6
        assert m["auc_gap_to_oracle"] == pytest.approx(m["oracle_roc_auc"] - m["roc_auc"])
        # a loose bound: the small world's test months hold a few hundred rows per segment (an AUC's sampling
        # error of several points; 0.082 in `current` once the programme stage of #13 treated some families);
        # the default demo's card is the measure (docs/collections.md)
        assert m["oracle_roc_auc"] - m["roc_auc"] < 0.10
        # ECE within sampling noise: a perfectly calibrated model's ECE (10 bins of n/10 rows) is about
        # sqrt(2/pi) * sqrt(r(1-r) / (n/10)) - 0.08 for the small world's ~230 `behind_1_3` rows
        r = m["misses"] / m["n"]
        noise = np.sqrt(2 / np.pi) * np.sqrt(r * (1 - r) / (m["n"] / 10))
        assert m["ece"] <= max(delinquency.SEGMENT_ECE_TARGET, 2 * noise)
    # the segments are much harder than the whole (long-term debtors are trivial to rank)
    assert segs["current"]["roc_auc"] < card["roc_auc"]
    assert sum(m["n"] for m in segs.values()) == card["n_test"]
    assert any(line.startswith("segment current:") for line in lines)
    # selection uses the segments: the champion has the best mean of overall, current and behind_1_3 AUC
    # among the candidates calibrated to the targets on the calibration months (all when none is)
    cands = card["candidates"]
    for v in cands.values():
        aucs = [v["calibration_roc_auc"], v["calibration_roc_auc_current"], v["calibration_roc_auc_behind_1_3"]]
        assert v["selection_score"] == pytest.approx(np.mean(aucs))
        eces = [v["calibration_ece"], v["calibration_ece_current"], v["calibration_ece_behind_1_3"]]
        assert v["calibration_mean_ece"] == pytest.approx(np.mean(eces))
        assert v["eligible"] == (eces[0] <= delinquency.ECE_TARGET
                                 and max(eces[1:]) <= delinquency.SEGMENT_ECE_TARGET)
    pool = [k for k, v in cands.items() if v["eligible"]] or list(cands)
    assert card["champion"] == max(pool, key=lambda k: cands[k]["selection_score"])


def test_a_candidate_whose_probabilities_do_not_hold_is_not_chosen():
    """Issue 16 item 2: calibration is a requirement of selection, not a trade-off against ranking: a
    candidate that ranks better on the calibration months but whose probabilities there are off loses to a
    calibrated one; when neither is calibrated, the better ranker wins."""
    rng = np.random.default_rng(3)
    n = 20_000
    frame = pd.DataFrame({"missed_6m": rng.choice([0, 0, 0, 2, 5], n)})
    logit = np.where(frame["missed_6m"] == 0, -3.5, np.where(frame["missed_6m"] == 2, -0.4, 3.0))
    logit = logit + rng.normal(0, 1.0, n)
    frame["y"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    # the observed rate per segment and band of a noisy score (calibrated, ranks worse); the true ranking
    # with probabilities 1.0 logit too high
    noisy = pd.Series(logit + rng.normal(0, 1.0, n))
    calibrated = frame.groupby([frame["missed_6m"], pd.qcut(noisy, 20, labels=False)])["y"].transform("mean")
    calibrated = calibrated.to_numpy()
    sharp_but_off = 1 / (1 + np.exp(-(logit + 1.0)))
    ok, _, _ = delinquency.calibration_check(frame, calibrated)
    off, mean_ece, by = delinquency.calibration_check(frame, sharp_but_off)
    assert ok and not off and by["current"] > 0 and mean_ece > delinquency.ECE_TARGET

    def result(p: np.ndarray) -> dict:
        eligible, mean_ece, _ = delinquency.calibration_check(frame, p)
        return {"selection_score": delinquency.selection_score(frame, p)[0], "calibration_log_loss": 0.0,
                "eligible": eligible, "calibration_mean_ece": mean_ece}

    results = {"calibrated": result(calibrated), "sharp": result(sharp_but_off)}
    assert results["sharp"]["selection_score"] > results["calibrated"]["selection_score"]
    assert delinquency.choose_champion(results) == "calibrated"
    results["calibrated"]["eligible"] = False
    assert delinquency.choose_champion(results) == "sharp"


def test_split_uses_every_month_and_tests_on_the_latest(trained):
    """Issue 16 items 1-2: train on every earlier label month, calibrate on the most recent ones before the
    test, test on the latest; ECE per month; the sigmoid calibration keeps the champion's ranking."""
    card, _, _ = trained
    months = card["train_months"] + card["calibration_months"] + card["test_months"]
    assert months == sorted(months) and len(card["test_months"]) == delinquency.TEST_MONTHS
    assert card["test_months"][-1] == card["data_to"]
    assert card["data_from"] == card["train_months"][0]
    parts = {r["period"]: r["part"] for r in card["by_month"]}
    assert [parts[m] for m in card["test_months"]] == ["test"] * len(card["test_months"])
    assert [parts[m] for m in card["calibration_months"]] == ["calibration"] * len(card["calibration_months"])
    assert all(0 <= r["ece"] < 0.2 and r["n"] > 0 for r in card["by_month"])
    assert set(parts) == set(months)
    test_rows = [r for r in card["by_month"] if r["part"] == "test"]
    assert sum(r["n"] for r in test_rows) == card["n_test"]
    # a strictly increasing calibration: the calibrated model ranks exactly as the champion does
    assert card["roc_auc"] == pytest.approx(card["candidates"][card["champion"]]["test_roc_auc"], abs=1e-9)
    assert card["calibration_method"].startswith("sigmoid")


def test_short_ledgers_train_down_to_the_stated_minimum():
    assert delinquency.split_months([202401, 202402, 202403]) == ([202401], [202402], [202403])
    train, cal, test = delinquency.split_months(list(range(202401, 202410)))
    assert (len(cal), len(test)) == (2, 2) and train == list(range(202401, 202406))
    with pytest.raises(delinquency.LedgerTooShort, match="at least 4 months"):
        delinquency.split_months([202401, 202402])
    with pytest.raises(delinquency.LedgerTooShort, match="holds 0 month"):
        delinquency.split_months([])


def test_training_and_scoring_are_audited(trained, sqlite_world, writable_sqlite_world):
    """Finding 11: ``model_trained`` (model, version, metrics) and ``score_run`` (model, rows) are written."""
    card, _, _ = trained
    with sqlite_world.engine.connect() as conn:
        rows = conn.execute(select(AuditLog.username, AuditLog.detail).where(AuditLog.action == "model_trained")).all()
    mine = [(u, json.loads(d)) for u, d in rows
            if (json.loads(d)["version"], json.loads(d)["trained_at"]) == (card["model_version"], card["trained_at"])]
    assert len(mine) == 1
    user, detail = mine[0]
    assert user == "system" and detail["model"] == "delinquency" and detail["seed"] == 11
    assert detail["roc_auc"] == round(card["roc_auc"], 4) and detail["ece"] == round(card["ece"], 4)
    assert detail["n_test"] == card["n_test"] and detail["data_to"] == card["data_to"]
    eng = writable_sqlite_world.engine
    n = delinquency.score(eng, scope=Scope("admin", "ops-admin"))
    with eng.connect() as conn:
        runs = conn.execute(select(AuditLog.username, AuditLog.detail).where(AuditLog.action == "score_run")).all()
    assert [(u, json.loads(d)["model"], json.loads(d)["rows"], json.loads(d)["version"]) for u, d in runs] == [
        ("ops-admin", "delinquency", n, card["model_version"])]


def test_scores_are_written_with_the_model_version(trained, writable_sqlite_world):
    card, _, _ = trained
    eng = writable_sqlite_world.engine
    assert not delinquency.scores_present(eng)
    n = delinquency.ensure_scores(eng)
    assert n > 1000
    with eng.connect() as conn:
        rows = conn.execute(select(func.count(), func.min(ModelScore.model_version), func.min(ModelScore.period),
                                   func.min(ModelScore.score), func.max(ModelScore.score))
                            .where(ModelScore.model == "delinquency")).one()
    assert rows[0] == n and rows[1] == card["model_version"] and rows[2] == 202501
    assert 0 <= rows[3] < rows[4] <= 1
    assert delinquency.ensure_scores(eng) == 0  # already scored: nothing to do


def test_scores_are_reproducible_for_a_seed(trained, sqlite_world, tmp_path, monkeypatch):
    card, _, _ = trained
    frame = features.build(sqlite_world.engine, [features.scoring_month(sqlite_world.engine)])
    first = delinquency.predict(delinquency.load()[0], frame)
    monkeypatch.setenv("JKN_MODELS_DIR", str(tmp_path))
    again = delinquency.train(sqlite_world.engine, seed=11)
    second = delinquency.predict(delinquency.load()[0], frame)
    np.testing.assert_allclose(first, second)
    assert again["roc_auc"] == card["roc_auc"]


def test_reasons_are_plain_words_that_raise_the_risk(trained, sqlite_world):
    model, card = delinquency.load()
    frame = features.build(sqlite_world.engine, [202501])
    frame = frame[frame["arrears_months"] >= 30].head(20)
    why = delinquency.reasons(model, card, frame, "id")
    assert len(why) == len(frame) and all(1 <= len(w) <= 3 for w in why)
    assert any(w[0].startswith("Bulan menunggak saat ini") or "menunggak" in w[0].lower() for w in why)
    en = delinquency.reasons(model, card, frame, "en")
    assert any("arrears" in " ".join(w).lower() for w in en)


def test_training_without_generator_truth_reports_the_oracle_unavailable(writable_sqlite_world, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("JKN_MODELS_DIR", str(tmp_path))
    eng = writable_sqlite_world.engine
    with eng.begin() as conn:  # an imported-only database: no generator truth
        conn.execute(text("DELETE FROM truth_family"))
        conn.execute(text("UPDATE meta SET value = '0' WHERE key = 'synthetic'"))
    lines: list[str] = []
    card = delinquency.train(eng, log=lines.append)
    assert card["oracle_roc_auc"] is None and card["oracle_available"] is False
    assert "oracle unavailable" in card["oracle_note"]
    assert card["roc_auc"] > 0.9 and card["ece"] < 0.05
    assert any("oracle unavailable" in line for line in lines)
    assert all(r["oracle_roc_auc"] is None for r in card["by_branch"])
