"""The model pages (delinquency, SIF) for people, in both languages (issue 17 items 3 and 5).

Their tables are read as the reader sees them (the same checks as every other page's tables: no snake_case
header, no raw code, no "None", numbers in the chosen language's format), and their charts' axes carry
ticks written in the chosen language.
"""

from __future__ import annotations

import json

import pytest

from jkn_core.i18n import t
from pages import charts, common
from tests.apptest import sign_in
from tests.pages.test_pages_tables import table_problems

PAGES = {"model_delinquency": "pages/model_delinquency.py", "model_sif": "pages/model_sif.py"}


def _axes(at) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The tick texts of every axis of every chart on the page."""
    out = []
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        out += [list(v["ticktext"]) for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))
                and isinstance(v, dict) and v.get("ticktext")]
    return out


@pytest.mark.parametrize("lang", ["id", "en"])
def test_model_pages_speak_the_chosen_language(app_env, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    # AppTest re-formats pickers outside the script run, where the session's language cannot be read: pin it
    monkeypatch.setattr(common, "lang", lambda: lang)
    monkeypatch.setattr(charts, "lang", lambda: lang)
    at = sign_in("admin", lang=lang)
    at.session_state["lang"] = lang  # as the language switch keeps it across pages
    tables = 0
    for key, file in PAGES.items():
        at.switch_page(file).run()
        assert not at.exception, (key, [e.value for e in at.exception])
        assert at.title[0].value == t(f"page_{key}", lang)
        tables += len(at.dataframe)
        problems = table_problems(at, lang, key)
        assert not problems, "\n".join(problems[:40])
        axes = _axes(at)
        assert len(axes) >= 2, f"{key}: the calibration chart's two axes are set in the UI language"
        decimal = "," if lang == "id" else "."
        for ticks in axes:
            fractions = [x for x in ticks if any(c.isdigit() for c in x) and not x.replace("-", "").isdigit()]
            assert all(decimal in x for x in fractions), (key, ticks)
    assert tables >= 8  # segments, months, candidates, by segment, by branch; blocks, comparison, points
