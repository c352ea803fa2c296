"""Numbers and Rupiah the Indonesian way (the default) and the English way."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from jkn_core.fmt import compact, date, datetime, number, pct, period_label, rupiah, rupiah_full, signed


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


@pytest.mark.parametrize("fn", [number, pct, compact, rupiah, rupiah_full, period_label, date, datetime])
def test_missing_values_show_a_dash(fn) -> None:
    assert fn(None) == "—"
    assert fn(math.nan) == "—"
    assert fn(pd.NA) == "—" and fn(pd.NaT) == "—"


def test_period_label() -> None:
    assert period_label(202412) == "Des 2024"
    assert period_label(202405) == "Mei 2024"
    assert period_label(202412, lang="en") == "Dec 2024"
    assert period_label(202308, lang="en") == "Aug 2023"


@pytest.mark.parametrize(("value", "expected_id", "expected_en"), [
    (-1_500_000_000, "-Rp 1,5 miliar", "-Rp 1.5 billion"),
    (-35_000, "-Rp 35.000", "-Rp 35,000"),
    (-0.4, "Rp 0", "Rp 0"),
    (53_249_000_000, "Rp 53,2 miliar", "Rp 53.2 billion"),
    (1_234_567_890_123_456, "Rp 1.234,6 triliun", "Rp 1,234.6 trillion"),
])
def test_rupiah_negative_and_big(value, expected_id, expected_en) -> None:
    assert rupiah(value) == expected_id
    assert rupiah(value, lang="en") == expected_en


def test_rupiah_in_full_for_one_family() -> None:
    assert rupiah_full(1_800_000) == "Rp 1.800.000"
    assert rupiah_full(1_800_000, lang="en") == "Rp 1,800,000"
    assert rupiah_full(-2_450_000) == "-Rp 2.450.000"


def test_signed_changes_and_no_minus_zero() -> None:
    assert signed(1234) == "+1.234" and signed(-35, lang="en") == "-35" and signed(0) == "0"
    assert number(-0.001, 2) == "0,00" and number(-0.4) == "0"
    assert number(21_143_300, lang="en") == "21,143,300" and number(95.91, 2) == "95,91"


def test_period_label_tolerates_text_and_floats() -> None:
    assert period_label("202412") == "Des 2024" and period_label(202412.0, lang="en") == "Dec 2024"
    assert period_label("2024-12") == "2024-12"  # not a month number: shown as it is


def test_times_are_wib_in_both_languages() -> None:
    utc = dt.datetime(2026, 11, 30, 9, 53, tzinfo=dt.UTC)
    assert datetime(utc) == "30 Nov 2026 16:53 WIB"
    assert datetime(utc.replace(tzinfo=None)) == "30 Nov 2026 16:53 WIB"  # the database stores UTC
    assert datetime(dt.datetime(2024, 12, 31, 20, 0, tzinfo=dt.UTC), lang="en") == "1 Jan 2025 03:00 WIB"
    assert datetime(pd.Timestamp("2024-08-17 03:00:00")) == "17 Agu 2024 10:00 WIB"
    assert date(dt.date(2025, 12, 31)) == "31 Des 2025" and date("2025-12-31", lang="en") == "31 Dec 2025"
