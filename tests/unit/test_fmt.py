"""Numbers and Rupiah the Indonesian way (the default) and the English way."""

from __future__ import annotations

import math

import pytest

from jkn_core.fmt import compact, number, pct, period_label, rupiah


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (1_234_567, 0, "1.234.567"),
    (278_100_000, 0, "278.100.000"),
    (0, 0, "0"),
    (999, 0, "999"),
    (-35_000, 0, "-35.000"),
    (1234.5, 1, "1.234,5"),
    (3632.0, 0, "3.632"),
])
def test_number_indonesian(value, decimals, expected) -> None:
    assert number(value, decimals) == expected


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (1_234_567, 0, "1,234,567"),
    (1234.5, 1, "1,234.5"),
])
def test_number_english(value, decimals, expected) -> None:
    assert number(value, decimals, lang="en") == expected


def test_percent() -> None:
    assert pct(98.45) == "98,45 %"
    assert pct(98.456) == "98,46 %"
    assert pct(54, 0) == "54 %"
    assert pct(98.45, lang="en") == "98.45 %"


@pytest.mark.parametrize(("value", "expected_id", "expected_en"), [
    (53_200_000_000, "Rp 53,2 miliar", "Rp 53.2 billion"),
    (21_480_000_000_000, "Rp 21,5 triliun", "Rp 21.5 trillion"),
    (2_500_000, "Rp 2,5 juta", "Rp 2.5 million"),
    (35_000, "Rp 35.000", "Rp 35,000"),
    (150_000, "Rp 150.000", "Rp 150,000"),
    (0, "Rp 0", "Rp 0"),
])
def test_rupiah(value, expected_id, expected_en) -> None:
    assert rupiah(value) == expected_id
    assert rupiah(value, lang="en") == expected_en


def test_compact_counts() -> None:
    assert compact(278_100_000) == "278,1 juta"
    assert compact(278_100_000, lang="en") == "278.1 million"
    assert compact(28_850_000) == "28,9 juta"
    assert compact(950) == "950"


@pytest.mark.parametrize("fn", [number, pct, compact, rupiah])
def test_missing_values_show_a_dash(fn) -> None:
    assert fn(None) == "–"
    assert fn(math.nan) == "–"


def test_period_label() -> None:
    assert period_label(202412) == "Des 2024"
    assert period_label(202405) == "Mei 2024"
    assert period_label(202412, lang="en") == "Dec 2024"
    assert period_label(202308, lang="en") == "Aug 2023"
