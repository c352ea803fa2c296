"""Chart axis ticks and hover values written in the reader's language, never plotly's SI suffixes.

Plotly's own tick labels use SI prefixes ("5M", "120M", "20k"); in Indonesian "M" reads as *miliar*,
so a Rp 120 juta bar labelled "120M" reads as Rp 120 miliar. Every chart therefore gets its ticks from
:func:`axis_ticks`: round ("nice") tick values and their labels with Indonesian short units
(``rb``, ``jt``, ``M`` = miliar, ``T`` = triliun) or English ones (``k``, ``M``, ``B``, ``T``), one unit
per axis, the fewest decimals that keep every label distinct, integer axes never repeating a tick.

``kind`` names what the numbers are: ``"rp"`` (Rupiah), ``"people"``, ``"count"`` (facilities,
families), ``"pct"`` (percent) or ``"ratio"`` (participants per doctor and other plain numbers).
No plotly, no Streamlit here: the result is a plain dict for ``fig.update_yaxes(**ticks)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from jkn_core import fmt

KINDS = ("rp", "people", "count", "pct", "ratio")
#: Short units per language, largest first: (factor, suffix).
SHORT_UNITS = {
    "id": ((1e12, "T"), (1e9, "M"), (1e6, "jt"), (1e3, "rb")),
    "en": ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")),
}
_NICE = (1.0, 2.0, 2.5, 5.0, 10.0)
_INTEGER_KINDS = ("rp", "people", "count")  # whole Rupiah, people and facilities: integer steps


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "id"


def nice_step(span: float, n: int = 5, integer: bool = False) -> float:
    """A round step (1, 2, 2.5 or 5 × 10^k) giving about ``n`` intervals over ``span``; at least 1 when
    ``integer`` (so integer ticks never repeat)."""
    if not span or span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in _NICE if m * mag >= raw * (1 - 1e-9))
    if integer:  # 0.5 -> 1, 2.5 -> 5: integer ticks never fall between two integers
        step = 1.0 if step < 1 else (step * 2 if step != int(step) else step)
    return step


def tick_values(lo: float, hi: float, n: int = 5, integer: bool = False) -> list[float]:
    """Round tick values covering [lo, hi] (both included in the ticks' span), ascending, distinct."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:  # a constant series: one step either side
        pad = max(abs(hi) * 0.1, 1.0)
        lo, hi = (0.0, hi + pad) if lo >= 0 and lo - pad < 0 else (lo - pad, hi + pad)
    step = nice_step(hi - lo, n, integer)
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    count = int(round((last - first) / step))
    vals = [round(first + i * step, 10) for i in range(count + 1)]
    return [0.0 if v == 0 else v for v in vals]


def _scales(top: float, lang: str, kind: str) -> list[tuple[float, str]]:
    """Candidate (factor, suffix) for an axis whose largest tick is ``top``, preferred first."""
    if kind == "pct" or (kind == "ratio" and top < 1e6):
        return [(1.0, "")]
    units = [u for u in SHORT_UNITS[_lang(lang)] if top >= u[0]]
    return [*units, (1.0, "")]


def _decimals(values: list[float], factor: float) -> int:
    """Fewest decimals (0–3) that write every scaled tick exactly (so no two labels look the same)."""
    for d in range(4):
        if all(abs(round(v / factor, d) - v / factor) < 1e-6 * max(1.0, abs(v / factor)) for v in values):
            return d
    return 3


def tick_labels(values: Iterable[float], kind: str, lang: str = "id") -> list[str]:
    """Labels of ``values`` on one axis: one short unit for the whole axis (chosen by its largest
    tick), Indonesian or English digits and units; Rupiah prefixed ``Rp``, percent suffixed ``%``."""
    if kind not in KINDS:
        raise ValueError(f"unknown chart value kind {kind!r}; expected one of {', '.join(KINDS)}")
    vals = [float(v) for v in values]
    if not vals:
        return []
    lg = _lang(lang)
    top = max(abs(v) for v in vals)
    # the largest unit that writes every tick with at most one decimal (4.795 rather than 4,795 rb)
    factor, suffix = next(((f, u) for f, u in _scales(top, lg, kind) if _decimals(vals, f) <= 1),
                          (1.0, ""))
    d = _decimals(vals, factor)
    out = []
    for v in vals:
        if v == 0:
            out.append("0")
            continue
        s = fmt.number(v / factor, d, lg)
        if suffix:
            s = f"{s} {suffix}" if lg == "id" else f"{s}{suffix}"
        if kind == "rp":
            s = f"-Rp {s[1:]}" if s.startswith("-") else f"Rp {s}"
        elif kind == "pct":
            s = f"{s} %"
        out.append(s)
    return out


def axis_ticks(values: Iterable[float | None], kind: str, lang: str = "id", *, zero: bool = True, n: int = 5,
               extra: Iterable[float | None] = ()) -> dict:
    """Axis settings for plotly (``fig.update_yaxes(**axis_ticks(...))``): ``tickmode``, ``tickvals``,
    ``ticktext`` and ``range``.

    ``zero``: the axis starts at zero (bars); otherwise it starts near the data (the chart must then say
    so: see :func:`starts_at_zero`). ``extra``: values that must fit too (a target line).
    """
    vals = [float(v) for v in (*values, *extra) if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not vals:
        vals = [0.0, 1.0]
    lo, hi = min(vals), max(vals)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    elif hi > lo:  # near the data, a little room below the lowest value
        lo = lo - (hi - lo) * 0.1
        if min(vals) >= 0 > lo:
            lo = 0.0
    ticks = tick_values(lo, hi, n, integer=kind in _INTEGER_KINDS)
    span = ticks[-1] - ticks[0]
    upper = max(ticks[-1], hi + span * 0.04)  # room for labels over the highest bar
    return {"tickmode": "array", "tickvals": ticks, "ticktext": tick_labels(ticks, kind, lang),
            "range": [ticks[0], upper]}


def starts_at_zero(ticks: dict) -> bool:
    """Whether an axis made by :func:`axis_ticks` starts at (or below) zero."""
    return float(ticks["range"][0]) <= 0


def hover_value(value: float | None, kind: str, lang: str = "id") -> str:
    """One value in full for a hover label: ``Rp 120,0 juta``, ``1.234.567``, ``98,45 %``."""
    if kind == "rp":
        return fmt.rupiah(value, _lang(lang))
    if kind == "pct":
        return fmt.pct(value, 2, _lang(lang))
    if kind == "ratio":
        return fmt.number(value, 0, _lang(lang))
    return fmt.number(value, 0, _lang(lang))


def separators(lang: str) -> str:
    """plotly ``layout.separators`` (decimal, thousands) for anything plotly still formats itself."""
    return ",." if _lang(lang) == "id" else ".,"
