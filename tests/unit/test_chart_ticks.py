"""Chart ticks read right in the UI's language: Indonesian short units (rb, jt, M = miliar, T) or English
ones (k, M, B, T), never plotly's SI suffixes; integer ticks never repeat; drill paths from chart clicks."""

from __future__ import annotations

import pandas as pd
import pytest

from jkn_core import chart_ticks
from jkn_core.chart_ticks import axis_ticks, hover_value, nice_step, tick_labels, tick_values


@pytest.mark.parametrize(("values", "kind", "lang", "want"), [
    # Rp 120 juta read "120M" (= 120 miliar in Indonesian) before
    ([0, 120e6], "rp", "id", ["0", "Rp 25 jt", "Rp 50 jt", "Rp 75 jt", "Rp 100 jt", "Rp 125 jt"]),
    ([0, 120e6], "rp", "en", ["0", "Rp 25M", "Rp 50M", "Rp 75M", "Rp 100M", "Rp 125M"]),
    # arrears in miliar / billion, the national total in triliun / trillion
    ([0, 3.3e9], "rp", "id", ["0", "Rp 1 M", "Rp 2 M", "Rp 3 M", "Rp 4 M"]),
    ([0, 3.3e9], "rp", "en", ["0", "Rp 1B", "Rp 2B", "Rp 3B", "Rp 4B"]),
    ([0, 20e12], "rp", "id", ["0", "Rp 5 T", "Rp 10 T", "Rp 15 T", "Rp 20 T"]),
    # "5M jiwa" before
    ([0, 5.2e6], "people", "id", ["0", "2 jt", "4 jt", "6 jt"]),
    ([0, 5.2e6], "people", "en", ["0", "2M", "4M", "6M"]),
    ([0, 1.3e6], "people", "id", ["0", "0,5 jt", "1,0 jt", "1,5 jt"]),
    ([0, 1.3e6], "people", "en", ["0", "0.5M", "1.0M", "1.5M"]),
    ([0, 340e3], "people", "id", ["0", "100 rb", "200 rb", "300 rb", "400 rb"]),
    ([0, 340e3], "people", "en", ["0", "100k", "200k", "300k", "400k"]),
    ([0, 8000], "ratio", "id", ["0", "2.000", "4.000", "6.000", "8.000"]),
    ([0, 8000], "ratio", "en", ["0", "2,000", "4,000", "6,000", "8,000"]),
    ([0, 83], "pct", "id", ["0", "20 %", "40 %", "60 %", "80 %", "100 %"]),
])
def test_ticks_use_the_languages_units(values, kind, lang, want) -> None:
    ticks = axis_ticks(values, kind, lang)
    assert ticks["ticktext"] == want
    assert ticks["tickmode"] == "array" and len(ticks["tickvals"]) == len(want)
    assert ticks["range"][0] == 0 and ticks["range"][1] >= max(values)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("top", [1.0, 7.0, 12.0, 999.0, 4_797.0, 64_000.0, 950_000.0, 7.3e6, 41e9, 2.6e12])
@pytest.mark.parametrize("kind", ["rp", "people"])
def test_no_si_suffix_and_no_repeated_label(kind, top, lang) -> None:
    text = axis_ticks([0, top], kind, lang)["ticktext"]
    assert len(set(text)) == len(text), text
    for label in text:
        if lang == "id":  # "M" is miliar in Indonesian: never a plotly "M" for million, never "k" or "B"
            assert not any(label.endswith(s) for s in ("k", "B", "G")), label
            if label.endswith(" M"):
                assert float(label.split()[-2].replace(".", "").replace(",", ".")) * 1e9 <= top * 2.5, label
        else:
            assert not any(label.endswith(s) for s in ("rb", "jt", "G")), label


def test_integer_ticks_never_repeat_on_a_narrow_range() -> None:
    """The SIF chart's second axis read 4,796, 4,796, 4,797 …: registered participants are whole people."""
    for lo, hi in ((4796, 4797), (4796, 4796), (3, 4), (0, 2)):
        ticks = axis_ticks([lo, hi], "people", "en", zero=False)
        assert all(float(v).is_integer() for v in ticks["tickvals"]), ticks
        assert len(set(ticks["ticktext"])) == len(ticks["ticktext"]), ticks
        assert ticks["tickvals"][0] <= lo and ticks["range"][1] >= hi
    assert axis_ticks([4796, 4797], "people", "id", zero=False)["ticktext"][:3] == ["4.795", "4.796", "4.797"]
    assert nice_step(2, 5, integer=True) == 1
    assert nice_step(12, 5, integer=True) == 5  # 2.5 is no integer step


def test_an_axis_not_from_zero_is_reported() -> None:
    ticks = axis_ticks([91.2, 100.3], "pct", "id", zero=False)
    assert not chart_ticks.starts_at_zero(ticks)
    assert ticks["tickvals"][0] <= 91.2 and ticks["tickvals"][0] >= 80
    assert ticks["ticktext"][0].endswith(" %") and "," in ticks["ticktext"][0]  # "90,0 %"
    assert chart_ticks.starts_at_zero(axis_ticks([91.2, 100.3], "pct", "id"))


def test_target_fits_and_negative_amounts_lead_with_the_sign() -> None:
    ticks = axis_ticks([40, 55], "pct", "en", extra=[65])
    assert ticks["range"][1] >= 65
    assert tick_labels([-1.5e9, 0, 5e8], "rp", "id") == ["-Rp 1,5 M", "0", "Rp 0,5 M"]
    assert tick_values(0, 10) == [0, 2, 4, 6, 8, 10]


def test_hover_values_in_full_in_the_language() -> None:
    assert hover_value(120_000_000, "rp", "id") == "Rp 120,0 juta"
    assert hover_value(120_000_000, "rp", "en") == "Rp 120.0 million"
    assert hover_value(1234567, "people", "id") == "1.234.567"
    assert hover_value(98.456, "pct", "en") == "98.46 %"
    with pytest.raises(ValueError, match="unknown chart value kind"):
        tick_labels([1], "euro", "id")


def test_a_clicked_unit_gives_its_path_in_the_hierarchy() -> None:
    """A bar carries [region, branch, regency]; the click writes that path to the URL (pages/drill.py)."""
    from jkn_core.kpi import Filters
    from pages import drill

    hier = pd.DataFrame({"region_code": ["KW03", "KW03", "KW05"], "region_name": ["III", "III", "V"],
                         "branch_code": ["0301", "0302", "0501"], "branch_name": ["Palembang", "Lahat", "Bandung"],
                         "regency_code": ["16.71", "16.04", "32.73"],
                         "regency_name": ["Kota Palembang", "Lahat", "Kota Bandung"]})
    assert drill.paths(hier, "branch", ["0302", "9999"]) == [["KW03", "0302", ""], ["", "", ""]]
    assert drill.paths(hier, "regency", ["16.71"]) == [["KW03", "0301", "16.71"]]
    assert drill.paths(hier, "region", ["KW05"]) == [["KW05", "", ""]]
    assert drill.province_paths(hier, ["ID-SS", "ID-JB", "ID-PA"]) == [["KW03", "", ""], ["KW05", "", ""], ["", "", ""]]
    event = {"selection": {"points": [{"x": "Lahat", "customdata": ["KW03", "0302", ""]}], "point_indices": [1]}}
    assert drill.picked_path(event) == ["KW03", "0302", ""]
    assert drill.picked_path({"selection": {"points": []}}) is None
    assert drill.picked_path({"selection": {"points": [{"customdata": ["", "", ""]}]}}) is None
    steps = drill.crumbs(Filters("KW03", "0301", "16.71"), ("Nasional", None), hier)
    assert [s[0] for s in steps] == ["Nasional", "KW03", "0301", "16.71"]
    assert steps[2][2] == ["KW03", "0301", ""]
    # a deputy's own region is the root, not repeated
    assert [s[0] for s in drill.crumbs(Filters("KW03", "0301"), ("KW03", "KW03"), hier)] == ["KW03", "0301"]
    # a chart's subtitle names the view in words, never the scope's internal string
    from types import SimpleNamespace

    from jkn_core.scope import Scope

    deputy = SimpleNamespace(scope=Scope(role="deputi_wilayah", username="d", region_code="KW03"),
                             filters=Filters("KW03", "0301"), hier=hier)
    assert drill.view_name(deputy) == "III › Palembang"
    nation = SimpleNamespace(scope=Scope.national(), filters=Filters("KW05"), hier=hier)
    assert drill.view_name(nation) == "Nasional › V"
    # a branch user's trail starts at their branch, whatever region the URL names
    assert [s[0] for s in drill.crumbs(Filters("KW03", "0301", "16.71"), ("0301", "0301"), hier, "branch")] == [
        "0301", "16.71"]
