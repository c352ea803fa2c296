"""The delinquency model page as the branch demo user (issue 18, finding 10): no other branch's metrics.

Before, the page showed (and offered to download) row count, delinquency rate and AUC of every branch of
the card; now ``cabang`` (branch 0301) sees branch 0301 and the national figure only. The direksi still sees
every branch.
"""

from __future__ import annotations

import json
from pathlib import Path

from jkn_core import display, fmt
from tests.apptest import sign_in

ROOT = Path(__file__).resolve().parents[2]
CARD = json.loads((ROOT / "models" / "delinquency" / "card.json").read_text())
ALL_BRANCHES = {r["branch_code"] for r in CARD["by_branch"]}
BRANCH_CODE = display.header("branch_code", "id")  # tables show headers in the UI language


def test_branch_user_sees_only_own_branch_and_national_metrics(app_env) -> None:
    at = sign_in("cabang", "cabang-demo")
    at.switch_page("pages/model_delinquency.py").run()
    assert not at.exception, at.exception
    tables = [df.value for df in at.dataframe if BRANCH_CODE in df.value.columns]
    assert len(tables) == 1
    shown = set(tables[0][BRANCH_CODE].dropna()) - {fmt.MISSING}  # the national row has none
    assert shown == {"0301"}, shown
    assert len(tables[0]) == 2  # the national figure and the branch
    # no other branch code in any table of the page
    for df in at.dataframe:
        for col in df.value.columns:
            values = {str(v) for v in df.value[col].dropna()}
            assert not (values & (ALL_BRANCHES - {"0301"})), (col, values & ALL_BRANCHES)


def test_direksi_still_sees_every_branch(app_env) -> None:
    at = sign_in("direksi", "direksi-demo")
    at.switch_page("pages/model_delinquency.py").run()
    assert not at.exception, at.exception
    table = next(df.value for df in at.dataframe if BRANCH_CODE in df.value.columns)
    assert set(table[BRANCH_CODE].dropna()) - {fmt.MISSING} == ALL_BRANCHES
