"""The overview after a sign-in, drawn without per-run rebuilding (issue 18, load), still reads as before:
nine KPI cards, three per row in the order of ``kpi.overview_cards`` (a row of columns per three cards,
so that on a phone, where columns stack, they still read card by card), each with its caption; the four
pickers; CSV and Excel of both tables.

The overview's cached functions live in ``pages/directors_view.py``: a page file runs again at every run,
and a ``st.cache_*`` decorator run again rebuilds its key from the function's source (``inspect``); a
second run of the overview must not.
"""

from __future__ import annotations

import pytest
from streamlit.runtime.caching import cache_utils

from jkn_core import kpi
from jkn_core.i18n import t
from jkn_core.scope import Scope
from tests.apptest import sign_in


@pytest.fixture
def overview(app_env):  # type: ignore[no-untyped-def]
    at = sign_in("direksi")  # the directors land on the overview
    assert at.metric, "no KPI cards after signing in"
    return at


def test_the_cards_read_row_by_row_each_with_its_caption(overview, sqlite_world) -> None:  # type: ignore[no-untyped-def]
    cards = kpi.overview_cards(sqlite_world.engine, Scope.national())
    expected = [t(f"kpi_{k}") for k in cards["kpi"]]
    assert len(expected) == 9
    assert [m.label.split(" ", 1)[1] for m in overview.metric] == expected  # the page's order: row by row
    holding = [c for c in overview.columns if len(c.metric)]
    assert len(holding) == 9, "one column per card (three per row)"
    for column in holding:  # each card with its caption under it
        assert len(column.metric) == 1 and len(column.caption) == 1
        assert t("vs_last_year") in column.caption[0].value


def test_the_pickers_and_the_downloads_are_still_there(overview, sqlite_world) -> None:  # type: ignore[no-untyped-def]
    keys = [s.key for s in overview.selectbox]
    assert keys[:4] == ["dir_period", "dir_region", "dir_branch", "dir_regency"]
    assert overview.selectbox(key="dir_period").value == kpi.periods(sqlite_world.engine)[-1]  # the latest month
    labels = [e.proto.label for e in overview.get("download_button")]
    assert labels.count(t("download_csv")) == 2 and labels.count(t("download_xlsx")) == 2  # cards and units


def test_a_second_run_of_the_overview_rebuilds_no_cached_function(overview, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    made: list[str] = []
    real = cache_utils._make_function_key

    def counting(cache_type, func):  # type: ignore[no-untyped-def]
        made.append(func.__qualname__)
        return real(cache_type, func)

    monkeypatch.setattr(cache_utils, "_make_function_key", counting)
    overview.run()  # the next run of the same page (AppTest re-runs the page)
    assert not overview.exception, [e.value for e in overview.exception]
    assert overview.metric, "the second run shows no cards"
    assert made == [], f"cached functions made again in a run of the overview: {made}"
