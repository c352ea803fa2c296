"""The SIF model page shows how its champion was chosen: the card's `selection` block (ROC AUC of every model on
the loans before the test window, the window, the rule and the champion), in both languages (issue 16 item 6)."""

from __future__ import annotations

import pytest

from jkn_core import display, fmt, sif
from jkn_core.i18n import t
from pages import charts, common
from tests.apptest import sign_in
from tests.pages.test_pages_tables import shown, table_problems


@pytest.mark.parametrize("lang", ["id", "en"])
def test_model_page_shows_the_champion_selection(app_env, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.setattr(common, "lang", lambda: lang)
    monkeypatch.setattr(charts, "lang", lambda: lang)
    card = sif.card()
    sel = card["selection"]
    at = sign_in("admin", lang=lang)
    at.session_state["lang"] = lang
    at.switch_page("pages/model_sif.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(t("sif_selection", lang) in m.value for m in at.markdown)
    head = t("sif_selection_auc", lang)
    table = next(shown(df) for df in at.dataframe if head in shown(df).columns)
    # one row per model, named for people, with the AUC the card holds (4 decimals in the UI language)
    names = {display.label("md_model_", m, lang): auc for m, auc in sel["roc_auc"].items()}
    model_col = display.header("model", lang)
    assert set(table[model_col]) == set(names)
    for name, cell in zip(table[model_col], table[head], strict=True):
        assert cell == fmt.number(names[name], 4, lang), (name, cell)
    captions = " ".join(c.value for c in at.caption)
    assert display.label("md_model_", card["champion"], lang) in captions
    assert fmt.number(sel["n"], 0, lang) in captions
    assert not table_problems(at, lang, "model_sif")
