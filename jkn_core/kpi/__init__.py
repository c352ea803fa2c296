"""KPIs for the directors' pages and the CLI: each function takes the signed-in user's ``Scope`` and
optional drill-down :class:`Filters`, aggregates in SQL through SQLAlchemy (identical on SQLite and
PostgreSQL) and returns a small DataFrame or dict: exactly what a screen shows. Head counts are
``SUM(weight)`` (see schema). Definitions: docs/kpi.md and docs/directors.md.

This file only re-exports; the code lives in one module per subject:

- :mod:`~jkn_core.kpi.view`: Filters, months held, scope and drill-down helpers, hierarchy, URL parameters;
- :mod:`~jkn_core.kpi.membership`: coverage, coverage trend and target path, segment mix, the map's provinces;
- :mod:`~jkn_core.kpi.contributions`: collectability of iuran;
- :mod:`~jkn_core.kpi.arrears`: arrears per family, aging, by branch, Rehab pool, inpatient penalty exposure;
- :mod:`~jkn_core.kpi.facilities`: capacity, over-capacity FKTP, regencies, contracts, KBK, capitation;
- :mod:`~jkn_core.kpi.targets`: targets and status colours; :mod:`~jkn_core.kpi.overview`: cards, summary,
  branch league;
- :mod:`~jkn_core.kpi.refresh` (pre-aggregates) with :mod:`~jkn_core.kpi.freshness` (their freshness
  mark), and :mod:`~jkn_core.kpi.brief` (the printable director brief).
"""

from jkn_core.kpi import brief, refresh
from jkn_core.kpi.arrears import (
    AGING_BUCKETS,
    INPATIENT_COST_MONTHS,
    REHAB_BUCKETS,
    arrears_aging,
    arrears_by_branch,
    arrears_by_months,
    arrears_families,
    arrears_total,
    inpatient_stats,
    penalty_exposure,
    penalty_per_stay,
    rehab_pool,
)
from jkn_core.kpi.brief import format_value, make_brief
from jkn_core.kpi.contributions import collectability
from jkn_core.kpi.facilities import (
    capacity,
    capitation_trend,
    contracted_facilities,
    kbk_attainment,
    over_capacity_facilities,
    regency_capacity,
)
from jkn_core.kpi.membership import coverage, coverage_target_path, coverage_trend, map_provinces, segment_mix
from jkn_core.kpi.overview import CARDS, branch_league, overview_cards, summary
from jkn_core.kpi.targets import (
    AMBER,
    GREEN,
    GREY,
    RED,
    delta_style,
    league_light,
    status_down_good,
    status_max,
    status_up_good,
    target,
    target_for_view,
    target_level,
    targets_table,
)
from jkn_core.kpi.view import (
    LEVELS,
    NATION,
    Filters,
    clean_filters,
    filters_to_params,
    hierarchy,
    is_synthetic,
    latest_period,
    params_get,
    periods,
)

__all__ = [
    "AGING_BUCKETS", "AMBER", "CARDS", "GREEN", "GREY", "INPATIENT_COST_MONTHS", "LEVELS", "NATION", "RED",
    "REHAB_BUCKETS", "Filters", "arrears_aging", "arrears_by_branch", "arrears_by_months", "arrears_families",
    "arrears_total", "branch_league", "brief", "capacity", "capitation_trend", "clean_filters", "collectability",
    "contracted_facilities", "coverage", "coverage_target_path", "coverage_trend", "filters_to_params",
    "format_value", "hierarchy", "inpatient_stats", "is_synthetic", "kbk_attainment", "latest_period",
    "league_light", "make_brief", "map_provinces", "over_capacity_facilities", "overview_cards", "params_get",
    "penalty_exposure", "penalty_per_stay", "periods", "refresh", "regency_capacity", "rehab_pool",
    "segment_mix", "delta_style", "status_down_good", "status_max", "status_up_good", "summary", "target", "target_for_view",
    "target_level", "targets_table",
]
