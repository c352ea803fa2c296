"""What the sign-in-to-overview path shares across sessions shows users exactly what it showed before.

Issue 18 (load): the overview is drawn after every sign-in, so its costly parts are prepared once per
content and shared by every session of the process:

- ``pages.common.show_table``: a small table's ``st.dataframe`` element (the Styler's formatted text and the
  Arrow bytes) is made once per content (values, language, options) and sent to every session; it must be
  the same element the per-run path draws (formatted cells, headers, widths, sorting on the numbers);
- ``pages.directors_view.Geography``: the pickers' options, labels and cleaned drill-downs, prepared once
  per scope and data version, must equal what the hierarchy gives (as the pickers computed it per run).
"""

from __future__ import annotations

import random

import pytest
from streamlit.testing.v1 import AppTest

from jkn_core import kpi
from jkn_core.scope import Scope
from tests.conftest import ROOT


def _tables_app() -> None:
    """Draws the same frame through the shared path and the per-run path (``restyle`` forces the latter)."""
    import pandas as pd
    import streamlit as st

    from pages.common import show_table

    lang = st.query_params.get("lang", "id")
    st.session_state["lang"] = lang
    value = float(st.query_params.get("value", "98.456"))
    df = pd.DataFrame({"code": ["KW01", "KW02", "KW03"], "unit": ["Sumatera", "Jawa", None],
                       "population": [1234567, 2000000, 15], "coverage_pct": [value, float("nan"), 100.0],
                       "arrears_rp": [53.2e9, 1.8e6, 0.0], "period": [202412, 202411, 202410],
                       "segment": ["PBPU", "PBI_APBD", "BP"]})
    opts = {"headers": {"code": "Kode"}, "widths": {"unit": "large"}}
    show_table(df, "shared", **opts)
    show_table(df, "per_run", restyle=lambda styler, head: styler, **opts)
    with st.expander("inside"):
        show_table(df, "shared_in_expander", height=200, **opts)
        show_table(df, "per_run_in_expander", height=200, restyle=lambda styler, head: styler, **opts)


def _run(monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    monkeypatch.chdir(ROOT)
    at = AppTest.from_function(_tables_app, default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _comparable(element):  # type: ignore[no-untyped-def]
    """The element's proto without the Styler's random CSS id (pandas draws a new one per Styler)."""
    proto = type(element.proto)()
    proto.CopyFrom(element.proto)
    proto.arrow_data.styler.uuid = ""
    return proto


def test_a_shared_table_is_the_element_the_page_would_draw(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    at = _run(monkeypatch)
    shared, per_run, shared_in, per_run_in = at.dataframe
    assert _comparable(shared) == _comparable(per_run)
    assert _comparable(shared_in) == _comparable(per_run_in)
    # the grid holds numbers (sorting on them) and shows them written the Indonesian way
    assert {"Kode", "Penduduk", "Cakupan (%)"} <= set(shared.value.columns)
    assert shared.value["Penduduk"].tolist() == [1234567, 2000000, 15]
    shown = shared.proto.arrow_data.styler.display_values
    assert shown and shown == per_run.proto.arrow_data.styler.display_values
    # the table drawn inside the expander stays in the expander
    assert len(at.expander) == 1 and len(at.expander[0].dataframe) == 2


def test_the_shared_table_follows_the_language_and_the_values(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    base = _run(monkeypatch)
    english = _run(monkeypatch, lang="en")
    changed = _run(monkeypatch, value="97.5")
    for at in (english, changed):  # each content its own element, still equal to the per-run one
        assert _comparable(at.dataframe[0]) == _comparable(at.dataframe[1])
    assert "Population" in english.dataframe[0].value.columns and "Penduduk" in base.dataframe[0].value.columns
    assert english.dataframe[0].proto.arrow_data.styler.display_values != base.dataframe[0].proto.arrow_data.styler.display_values
    assert changed.dataframe[0].value["Cakupan (%)"].iloc[0] == pytest.approx(97.5)
    assert base.dataframe[0].value["Cakupan (%)"].iloc[0] == pytest.approx(98.456)


def test_a_second_session_is_sent_the_prepared_table(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jkn_core import display

    _run(monkeypatch, value="91.25")  # prepares it
    made: list[int] = []
    real = display.table

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(display, "table", counting)
    again = _run(monkeypatch, value="91.25")
    assert len(made) == 2, "only the two per-run tables were prepared again"
    assert _comparable(again.dataframe[0]) == _comparable(again.dataframe[1])


def _old_pickers(hier, region, branch):  # type: ignore[no-untyped-def]
    """The pickers' options and labels as ``_pickers`` computed them in every run before they were shared."""
    names = {**dict(zip(hier["region_code"], hier["region_name"], strict=False)),
             **dict(zip(hier["branch_code"], hier["branch_name"], strict=False)),
             **dict(zip(hier["regency_code"], hier["regency_name"], strict=False))}
    sub = hier if not region else hier[hier["region_code"] == region]
    sub_b = sub if not branch else sub[sub["branch_code"] == branch]
    return (["", *dict.fromkeys(hier["region_code"])], ["", *dict.fromkeys(sub["branch_code"])],
            ["", *dict.fromkeys(sub_b["regency_code"])], names)


@pytest.mark.parametrize("scope", [Scope.national("x"), Scope(role="deputi_wilayah", username="x", region_code="KW03"),
                                   Scope(role="kantor_cabang", username="x", branch_code="0301")],
                         ids=["national", "region", "branch"])
def test_the_shared_pickers_equal_the_hierarchy(sqlite_world, scope) -> None:  # type: ignore[no-untyped-def]
    from pages.directors_view import Geography

    hier = kpi.hierarchy(sqlite_world.engine, scope)
    assert len(hier)
    geo = Geography(hier)
    codes = {c: list(dict.fromkeys(hier[f"{c}_code"])) for c in ("region", "branch", "regency")}
    rng = random.Random(18)
    asked = [(None, None, None)] + [
        (rng.choice([None, "KW99", *codes["region"]]), rng.choice([None, "9999", *codes["branch"]]),
         rng.choice([None, "99.99", "<b>", *codes["regency"]])) for _ in range(150)]
    for region, branch, regency in asked:
        f = geo.clean_filters(region, branch, regency)
        assert f == kpi.clean_filters(hier, region, branch, regency)
        regions, branches, regencies, names = _old_pickers(hier, f.region, f.branch)
        assert list(geo.regions) == regions
        assert list(geo.branch_options(f.region)) == branches
        assert list(geo.regency_options(f.region, f.branch)) == regencies
        for code in regions[1:] + branches[1:] + regencies[1:]:
            assert geo.label(code) == f"{code} · {names[code]}"
