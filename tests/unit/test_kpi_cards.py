"""KPI cards: the change's arrow follows its sign, its colour whether that move is good for the KPI."""

from __future__ import annotations

import pytest

from jkn_core import kpi


@pytest.mark.parametrize(("kind", "change", "expected"), [
    ("down_good", -1.5e9, ("down", "green")),  # arrears fell: down, good
    ("down_good", 2.0e9, ("up", "red")),  # arrears rose: up, bad
    ("down_good", 0.0, ("off", "gray")),  # no change: no arrow
    ("up_good", 0.28, ("up", "green")),  # coverage rose
    ("up_good", -0.5, ("down", "red")),  # collectability fell
    ("max", 120.0, ("up", "red")),  # more participants per doctor
    ("max", -80.0, ("down", "green")),
    ("info", 775_803.0, ("up", "gray")),  # participants: a fact, not good or bad
    ("up_good", None, ("off", "gray")),
    ("up_good", float("nan"), ("off", "gray")),
])
def test_delta_style(kind: str, change: float | None, expected: tuple[str, str]) -> None:
    assert kpi.delta_style(kind, change) == expected


def test_a_falling_amount_reads_with_a_leading_minus() -> None:
    """'Rp -1,5 miliar' read as a rise to Streamlit (its arrow follows a leading '-')."""
    assert kpi.format_value("rp", -1.5e9, "id", signed=True) == "-Rp 1,5 miliar"
    assert kpi.format_value("rp", 1.5e9, "id", signed=True) == "+Rp 1,5 miliar"
    assert kpi.format_value("rp", -1.5e9, "en", signed=True).startswith("-Rp")
    assert kpi.format_value("rp", 2.0e12, "id") == "Rp 2,0 triliun"
    assert kpi.format_value("pct", -0.3, "id", signed=True).startswith("-0,30")
