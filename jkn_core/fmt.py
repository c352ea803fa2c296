"""Numbers, Rupiah, months and times written in the user's language, never the browser's locale.

Indonesian (the default): 1.234.567; 98,45 %; Rp 53,2 miliar; Des 2024; 30 Nov 2026 16:53 WIB.
English: 1,234,567; 98.45 %; Rp 53.2 billion; Dec 2024; 30 Nov 2026 16:53 WIB.
A missing value (``None``, NaN, NaT) is :data:`MISSING` ("—"). Negative amounts lead with the sign
("-Rp 1,5 miliar"). Times are shown in WIB (Asia/Jakarta); naive datetimes are taken as UTC, as the
database stores them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

#: What a missing value reads as, on screen and in exports.
MISSING = "—"
WIB = ZoneInfo("Asia/Jakarta")
_SCALES_ID = [(1e12, "triliun"), (1e9, "miliar"), (1e6, "juta"), (1e3, "ribu")]
_SCALES_EN = [(1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")]
MONTHS_ID = "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split()
MONTHS_EN = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def is_missing(x: Any) -> bool:
    """``None``, NaN, ``pd.NA`` or ``NaT`` (anything that is not a value)."""
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN, NaT; pd.NA raises on bool()
    except TypeError:
        return True


def _swap(s: str) -> str:
    return s.replace(",", "\0").replace(".", ",").replace("\0", ".")


def number(x: float | int | None, decimals: int = 0, lang: str = "id") -> str:
    """1234567 -> '1.234.567' (id) or '1,234,567' (en); -35000 -> '-35.000'."""
    if is_missing(x):
        return MISSING
    s = f"{float(x) if decimals else round(float(x)):,.{decimals}f}"  # type: ignore[arg-type]
    if s.startswith("-") and not any(ch not in "-0.," for ch in s):
        s = s[1:]  # "-0" / "-0,0" reads as zero
    return _swap(s) if lang == "id" else s


def signed(x: float | int | None, decimals: int = 0, lang: str = "id") -> str:
    """A change: '+1.234', '-35', '0' (no sign at zero)."""
    if is_missing(x):
        return MISSING
    s = number(x, decimals, lang)
    return ("+" + s) if float(x) > 0 and s.strip("0.,") else s  # type: ignore[arg-type]


def pct(x: float | None, decimals: int = 2, lang: str = "id") -> str:
    """98.456 -> '98,46 %'."""
    if is_missing(x):
        return MISSING
    return f"{number(x, decimals, lang)} %"


def compact(x: float | int | None, decimals: int = 1, lang: str = "id") -> str:
    """278_100_000 -> '278,1 juta' (id) / '278.1 million' (en); below a million in full."""
    if is_missing(x):
        return MISSING
    scales = _SCALES_ID if lang == "id" else _SCALES_EN
    v = float(x)  # type: ignore[arg-type]
    for factor, word in scales[:3]:
        if abs(v) >= factor:
            return f"{number(v / factor, decimals, lang)} {word}"
    return number(v, 0, lang)


def rupiah(x: float | int | None, lang: str = "id") -> str:
    """53_200_000_000 -> 'Rp 53,2 miliar'; small amounts in full: 'Rp 35.000'; a negative leads
    with its sign: '-Rp 1,5 miliar'."""
    if is_missing(x):
        return MISSING
    v = float(x)  # type: ignore[arg-type]
    body = f"Rp {compact(abs(v), 1, lang)}" if abs(v) >= 1e6 else f"Rp {number(abs(v), 0, lang)}"
    return ("-" if v < 0 and body not in ("Rp 0",) else "") + body


def rupiah_full(x: float | int | None, lang: str = "id") -> str:
    """Every Rupiah shown: 1_800_000 -> 'Rp 1.800.000' (a family's debt, an instalment)."""
    if is_missing(x):
        return MISSING
    v = float(x)  # type: ignore[arg-type]
    body = f"Rp {number(abs(v), 0, lang)}"
    return ("-" if v < 0 and body != "Rp 0" else "") + body


def period_label(period: int | str | None, lang: str = "id") -> str:
    """202412 -> 'Des 2024' / 'Dec 2024'; anything that is not a month YYYYMM is shown as it is."""
    if is_missing(period):
        return MISSING
    try:
        p = int(float(period))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(period)
    if not 1 <= p % 100 <= 12 or p < 100_001:
        return str(period)
    names = MONTHS_ID if lang == "id" else MONTHS_EN
    return f"{names[p % 100 - 1]} {p // 100}"


def _as_datetime(x: Any) -> dt.datetime | dt.date | None:
    if is_missing(x):
        return None
    if hasattr(x, "to_pydatetime"):  # pandas Timestamp
        x = x.to_pydatetime()
    if isinstance(x, str):
        try:
            x = dt.datetime.fromisoformat(x.strip().replace("Z", "+00:00"))
        except ValueError:
            try:
                x = dt.date.fromisoformat(x.strip())
            except ValueError:
                return None
    return x if isinstance(x, dt.date) else None


def date(x: Any, lang: str = "id") -> str:
    """A calendar date: 2025-12-31 -> '31 Des 2025' / '31 Dec 2025'; text that is no date is kept."""
    d = _as_datetime(x)
    if d is None:
        return MISSING if is_missing(x) else str(x)
    if isinstance(d, dt.datetime):
        d = to_wib(d).date()
    names = MONTHS_ID if lang == "id" else MONTHS_EN
    return f"{d.day} {names[d.month - 1]} {d.year}"


def to_wib(d: dt.datetime) -> dt.datetime:
    """A moment in WIB (Asia/Jakarta); a naive datetime is taken as UTC (how the database stores it)."""
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return d.astimezone(WIB)


def datetime(x: Any, lang: str = "id", seconds: bool = False) -> str:
    """A moment in WIB: '30 Nov 2026 16:53 WIB' (both languages write WIB)."""
    d = _as_datetime(x)
    if d is None:
        return MISSING if is_missing(x) else str(x)
    if not isinstance(d, dt.datetime):
        return date(d, lang)
    w = to_wib(d)
    clock = w.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{date(w, lang)} {clock} WIB"


def now_wib(lang: str = "id") -> str:
    """The current moment in WIB, as :func:`datetime` writes it."""
    return datetime(dt.datetime.now(dt.UTC), lang)
