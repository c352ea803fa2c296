"""Scoped model metrics (issue 18, finding 10): the delinquency card holds held-out metrics of every branch;
``delinquency.branch_metrics`` gives a branch user their own branch and the national figure only, a regional
user their region's branches, national roles every branch. Uses the shipped card (models/delinquency)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jkn_core.collection import model as delinquency
from jkn_core.scope import Scope

ROOT = Path(__file__).resolve().parents[2]
CARD = json.loads((ROOT / "models" / "delinquency" / "card.json").read_text())
CABANG = Scope("kantor_cabang", "cabang", region_code="KW03", branch_code="0301")
DEPUTI = Scope("deputi_wilayah", "deputi", region_code="KW03")


def _branches(df) -> set[str]:  # type: ignore[no-untyped-def]
    return set(df.loc[df["level"] == "branch", "branch_code"])


def test_branch_user_gets_own_branch_and_the_national_figure_only(sqlite_world) -> None:
    assert len(CARD["by_branch"]) > 100  # the card itself holds every branch
    df = delinquency.branch_metrics(sqlite_world.engine, CABANG, CARD)
    assert list(df.columns) == list(delinquency.BRANCH_METRIC_COLUMNS)
    assert list(df["level"]) == ["national", "branch"] and _branches(df) == {"0301"}
    own = next(r for r in CARD["by_branch"] if r["branch_code"] == "0301")
    got = df[df["level"] == "branch"].iloc[0]
    assert (got["n"], got["observed"], got["roc_auc"]) == (own["n"], own["observed"], own["roc_auc"])
    nat = df[df["level"] == "national"].iloc[0]
    assert nat["n"] == CARD["n_test"] and nat["roc_auc"] == CARD["roc_auc"]
    assert nat["observed"] == pytest.approx(CARD["base_rate"])
    assert nat["predicted"] == pytest.approx(sum(b["predicted"] * b["n"] for b in CARD["calibration"]) / CARD["n_test"])
    # nothing of another branch anywhere in the frame
    others = {r["branch_code"] for r in CARD["by_branch"]} - {"0301"}
    assert not others & set(df["branch_code"].dropna())


def test_region_and_national_users(sqlite_world) -> None:
    kw03 = _branches(delinquency.branch_metrics(sqlite_world.engine, DEPUTI, CARD))
    assert kw03 and {c[:2] for c in kw03} == {"03"}
    assert kw03 == {r["branch_code"] for r in CARD["by_branch"] if r["branch_code"].startswith("03")} & {
        "0301", "0302", "0303", "0304"}
    for national in (Scope.national("direksi"), Scope("admin", "admin")):
        df = delinquency.branch_metrics(sqlite_world.engine, national, CARD)
        assert _branches(df) == {r["branch_code"] for r in CARD["by_branch"]}
        assert (df["level"] == "national").sum() == 1


def test_no_model_gives_an_empty_frame(sqlite_world, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("JKN_MODELS_DIR", str(tmp_path))
    df = delinquency.branch_metrics(sqlite_world.engine, CABANG)
    assert df.empty and list(df.columns) == list(delinquency.BRANCH_METRIC_COLUMNS)
