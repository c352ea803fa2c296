"""Numbers and Rupiah written the Indonesian way: 1.234.567; 98,45 %; Rp 53,2 miliar."""

from __future__ import annotations

import math

_SCALES_ID = [(1e12, "triliun"), (1e9, "miliar"), (1e6, "juta"), (1e3, "ribu")]
_SCALES_EN = [(1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")]


def _swap(s: str) -> str:
    return s.replace(",", "\0").replace(".", ",").replace("\0", ".")


def number(x: float | int | None, decimals: int = 0, lang: str = "id") -> str:
    """1234567 -> '1.234.567' (id) or '1,234,567' (en)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    s = f"{x:,.{decimals}f}"
    return _swap(s) if lang == "id" else s


def pct(x: float | None, decimals: int = 2, lang: str = "id") -> str:
    """98.456 -> '98,46 %'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{number(x, decimals, lang)} %"


def compact(x: float | int | None, decimals: int = 1, lang: str = "id") -> str:
    """278_100_000 -> '278,1 juta' (id) / '278.1 million' (en)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    scales = _SCALES_ID if lang == "id" else _SCALES_EN
    for factor, word in scales[:3]:
        if abs(x) >= factor:
            return f"{number(x / factor, decimals, lang)} {word}"
    return number(x, 0, lang)


def rupiah(x: float | int | None, lang: str = "id") -> str:
    """53_200_000_000 -> 'Rp 53,2 miliar'; small amounts in full: 'Rp 35.000'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if abs(x) >= 1e6:
        return f"Rp {compact(x, 1, lang)}"
    return f"Rp {number(x, 0, lang)}"


def period_label(period: int, lang: str = "id") -> str:
    """202412 -> 'Des 2024' / 'Dec 2024'."""
    months_id = "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split()
    months_en = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    names = months_id if lang == "id" else months_en
    return f"{names[period % 100 - 1]} {period // 100}"
