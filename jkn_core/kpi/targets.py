"""KPI targets and status colours: the target of a KPI for a unit and year, the target that applies to
a view, the traffic-light rules (good when up, ceiling, good when down, branch league), and the
``targets`` table as the admin page lists it. Targets are edited by importing the ``targets`` table
(:mod:`jkn_core.imports`), not here.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlalchemy import Engine, bindparam, select

from jkn_core.kpi.view import Filters, reader
from jkn_core.schema import Target
from jkn_core.scope import Scope

GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"
#: A good-when-up KPI within this many percentage points below target is amber (else red).
AMBER_BAND_PTS = 2.0
#: A bad-when-up ratio KPI (participants per doctor) up to this factor above its maximum is amber.
AMBER_BAND_FACTOR = 1.10
#: Arrears changing less than this share month on month count as flat (amber), not rising/falling.
FLAT_CHANGE = 0.005
#: League table: collectability this many points under target is red; arrears rising > this is red.
LEAGUE_RED_PTS = 10.0
LEAGUE_RED_RISE = 0.02
#: The columns of the targets table as the admin page lists them.
TARGET_COLUMNS = ["kpi", "level", "code", "year", "target"]


# --- target lookups ------------------------------------------------------------------------------
#: The query of :func:`target`, built once (the overview asks it at every run of every session).
_TARGET = (select(Target.target)
           .where(Target.kpi == bindparam("kpi"), Target.level == bindparam("level"),
                  Target.code == bindparam("code"), Target.year <= bindparam("year"))
           .order_by(Target.year.desc()).limit(1))


def target(engine: Engine, kpi: str, year: int, level: str = "national", code: str = "") -> float | None:
    """The target of a KPI for a unit and year; falls back to the national target, then the latest year."""
    with reader(engine).connect() as conn:
        for lv, cd in dict.fromkeys(((level, code), ("national", ""))):  # the national one once
            row = conn.execute(_TARGET, {"kpi": kpi, "level": lv, "code": cd, "year": year}).scalar()
            if row is not None:
                return float(row)
    return None


def own_targets(engine: Engine, kpi: str, year: int, level: str) -> dict[str, float]:
    """The targets imported for units of ``level`` themselves (no national fallback): {code: target of the
    latest year <= ``year``}. Units without one are absent."""
    with reader(engine).connect() as conn:
        rows = conn.execute(select(Target.code, Target.year, Target.target)
                            .where(Target.kpi == kpi, Target.level == level, Target.year <= year)
                            .order_by(Target.code, Target.year)).all()
    return {code: float(value) for code, _, value in rows}  # the latest year of each code comes last


def target_level(scope: Scope, filters: Filters) -> tuple[str, str]:
    """The (level, code) whose target applies to the view (branch > region > national)."""
    branch = filters.branch or scope.branch_code
    if branch:
        return "branch", branch
    region = filters.region or scope.region_code
    if region:
        return "region", region
    return "national", ""


def target_for_view(engine: Engine, kpi_name: str, period: int, scope: Scope, filters: Filters) -> float | None:
    """The target of ``kpi_name`` in the year of ``period`` for the unit the view shows (:func:`target_level`)."""
    level, code = target_level(scope, filters)
    return target(engine, kpi_name, period // 100, level, code)


def targets_table(engine: Engine) -> pd.DataFrame:
    """Every row of the (small, national) targets table: kpi, level, code, year, target (admin page)."""
    with engine.connect() as conn:
        rows = conn.execute(select(*(Target.__table__.c[c] for c in TARGET_COLUMNS))
                            .order_by(Target.kpi, Target.level, Target.code, Target.year)).all()
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


# --- status colours ------------------------------------------------------------------------------
def status_up_good(value: float | None, target: float | None) -> str:
    """Good-when-up KPI (coverage, collectability): green at/above target, amber within
    :data:`AMBER_BAND_PTS` points below, red further below; grey without value or target."""
    if value is None or target is None or _nan(value):
        return GREY
    if value >= target:
        return GREEN
    return AMBER if value >= target - AMBER_BAND_PTS else RED


def status_max(value: float | None, maximum: float | None) -> str:
    """Bad-when-up ratio with a ceiling (participants per doctor): green at/below it, amber up to
    :data:`AMBER_BAND_FACTOR` × the ceiling, red above."""
    if value is None or maximum is None or _nan(value):
        return GREY
    if value <= maximum:
        return GREEN
    return AMBER if value <= maximum * AMBER_BAND_FACTOR else RED


def status_down_good(value: float | None, previous: float | None) -> str:
    """Bad-when-up amount (arrears): red when it rose against last month by more than
    :data:`FLAT_CHANGE`, green when it fell by more than that, amber when flat."""
    if value is None or previous is None or _nan(value) or _nan(previous) or previous == 0:
        return GREY
    change = (value - previous) / abs(previous)
    if change > FLAT_CHANGE:
        return RED
    return GREEN if change < -FLAT_CHANGE else AMBER


def delta_style(kind: str, change: float | None) -> tuple[str, str]:
    """How a KPI card draws its change: ``(arrow, colour)`` for Streamlit's ``delta_arrow`` / ``delta_color``.

    The arrow follows the sign (``"up"``, ``"down"``; ``"off"`` at zero or without a change); the colour says
    whether that move is good for this KPI: ``kind`` ``up_good`` → a rise is green, ``down_good`` and ``max``
    → a rise is red; ``info`` (and zero) → grey.
    """
    if change is None or _nan(change) or change == 0:
        return "off", "gray"
    arrow = "up" if change > 0 else "down"
    if kind == "up_good":
        return arrow, "green" if change > 0 else "red"
    if kind in ("down_good", "max"):
        return arrow, "red" if change > 0 else "green"
    return arrow, "gray"


def league_light(collectability: float | None, target: float | None, arrears_change: float | None) -> str:
    """Red: collectability more than :data:`LEAGUE_RED_PTS` under target, or arrears up by more
    than :data:`LEAGUE_RED_RISE`; green: at/above target and arrears not rising; amber otherwise."""
    if collectability is None or _nan(collectability):
        return GREY
    rising = arrears_change is not None and not _nan(arrears_change) and arrears_change > LEAGUE_RED_RISE
    if rising or (target is not None and collectability < target - LEAGUE_RED_PTS):
        return RED
    if (target is None or collectability >= target) and not (
            arrears_change is not None and not _nan(arrears_change) and arrears_change > 0):
        return GREEN
    return AMBER


def _nan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)
