"""The delinquency model page shows where the decisions are (issue 16 item 7): the card's payment-history
segments (current, behind 1-3 months) against the oracle, and the calibration month by month."""

from __future__ import annotations

import pytest

from tests.apptest import sign_in


@pytest.fixture(scope="module")
def trained_card(trained_delinquency):
    """The model trained once per run on the page's own database (tests/conftest.py), in a folder of its own
    (the page reads its card)."""
    card, _lines, folder = trained_delinquency
    return folder, card


@pytest.mark.parametrize("lang", ["id", "en"])
def test_segments_and_monthly_calibration_are_shown(app_env, trained_card, monkeypatch, lang: str) -> None:
    folder, CARD = trained_card
    monkeypatch.setenv("JKN_MODELS_DIR", str(folder))
    at = sign_in("cabang", "cabang-demo")
    if lang == "en":
        at.session_state["lang"] = "en"
    at.switch_page("pages/model_delinquency.py").run()
    assert not at.exception, at.exception
    seg_col, auc_col = ("Riwayat bayar", "ROC AUC (uji)") if lang == "id" else ("Payment history", "ROC AUC (test)")
    table = next(df.value for df in at.dataframe if seg_col in df.value.columns)
    current = "Lancar 6 bulan" if lang == "id" else "Current (6 months)"
    behind = "Tertinggal 1–3 bulan" if lang == "id" else "Behind 1–3 months"
    assert {current, behind} <= set(table[seg_col])
    row = table.set_index(seg_col).loc[current]
    expected = CARD["segments"]["current"]["roc_auc"]
    auc = str(row[auc_col])  # a value under the table's formatter (show_table), or its text
    assert float(auc.replace(",", ".") if lang == "id" else auc.replace(",", "")) \
        == pytest.approx(expected, abs=1e-4)
    month_col = "Bulan" if lang == "id" else "Month"
    months = next(df.value for df in at.dataframe if month_col in df.value.columns and "ECE" in " ".join(
        df.value.columns))
    assert len(months) == len(CARD["by_month"])
    part_col = "Bagian" if lang == "id" else "Part"
    assert (months[part_col] == ("uji" if lang == "id" else "test")).sum() == len(CARD["test_months"])
