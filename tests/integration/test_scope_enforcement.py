"""Out-of-scope data cannot be reached through any public jkn_core query, import or export.

Each public KPI query is called by a region-, branch- and bank-scoped user with drill-down filters that
point OUTSIDE their scope (another region, a branch or regency of another region, a sibling branch).
The answer must be empty or all zeros — never the other unit's numbers — on SQLite and PostgreSQL.
The same filters asked by the national scope return real numbers, so the check is not vacuous.
A completeness test fails when the kpi package grows a public function this file does not try to misuse.
"""

from __future__ import annotations

import inspect
import io
import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select

from jkn_core import access, exports, imports, kpi
from jkn_core.kpi import Filters
from jkn_core.schema import AuditLog
from jkn_core.scope import Scope, ScopeError

DEPUTI = Scope("deputi_wilayah", "scope-test-deputi", region_code="KW03")
CABANG = Scope("kantor_cabang", "scope-test-cabang", region_code="KW03", branch_code="0301")
# a bank with no market in jkn_core/data/bank_markets.csv: its officer keeps their region (a bank with a
# market, e.g. Bank bjb, sees its market's provinces: tests/integration/test_loan_book.py)
BANK = Scope("bank_officer", "scope-test-bank", region_code="KW05", bank="Bank Uji")
NATIONAL = Scope.national("scope-test-direksi")

#: kpi functions that hold no regional data (database facts) or take no scope at all.
UNSCOPED = {
    "periods": "months held (no figures)",
    "latest_period": "the last month held (no figures)",
    "is_synthetic": "a flag",
    # kpi.target(engine, kpi, year, level, code) takes NO scope: any caller may read any unit's target.
    # Targets are not personal data; still reported to the kpi owner (see the final report).
    "target": "KPI targets (no scope parameter)",
    "target_for_view": "a KPI target (not personal data)",
    "targets_table": "the admin's table of KPI targets",
    "coverage_target_path": "coverage targets per year (no figures of the unit)",
    "clean_filters": "URL / picker helper (no database)",
    "filters_to_params": "URL helper (no database)",
    "params_get": "URL helper (no database)",
    "target_level": "which target row a view reads (no database)",
    "status_up_good": "a colour rule (no database)",
    "status_max": "a colour rule (no database)",
    "status_down_good": "a colour rule (no database)",
    "league_light": "a colour rule (no database)",
    "delta_style": "a colour rule (no database)",
    "penalty_per_stay": "the denda pelayanan formula (no database)",
    "map_provinces": "reshapes a coverage frame for the map (no database)",
    "make_brief": "formats cards the caller already read in scope (no database)",
    "format_value": "number format (no database)",
    "arrears_families": "a SQL subquery builder, read through arrears_aging / arrears_by_months",
}


def _frame_total(df: pd.DataFrame) -> float:
    num = df.select_dtypes("number")
    return float(num.fillna(0).abs().to_numpy().sum()) if len(num.columns) else float(len(df))


def _whole_branches(engine: Any, f: Filters) -> Filters:
    """A regency drill-down asked at its branch (the league table's units are whole branches)."""
    if f.regency and not f.branch:
        h = kpi.hierarchy(engine, NATIONAL)
        return Filters(f.region, str(h.loc[h["regency_code"] == f.regency, "branch_code"].iloc[0]))
    return Filters(f.region, f.branch)


#: public kpi query -> call(engine, scope, filters) returning a frame or dict of figures
QUERIES: dict[str, Callable[[Any, Scope, Filters], Any]] = {
    "coverage": lambda e, s, f: kpi.coverage(e, s, "branch", filters=f),
    "coverage_trend": lambda e, s, f: kpi.coverage_trend(e, s, filters=f),
    "segment_mix": lambda e, s, f: kpi.segment_mix(e, s, filters=f),
    "collectability": lambda e, s, f: kpi.collectability(e, s, "branch", filters=f),
    "arrears_aging": lambda e, s, f: kpi.arrears_aging(e, s, filters=f),
    "arrears_by_branch": lambda e, s, f: kpi.arrears_by_branch(e, s, filters=f),
    "arrears_total": lambda e, s, f: kpi.arrears_total(e, s, filters=f),
    "capacity": lambda e, s, f: kpi.capacity(e, s, "regency", filters=f),
    "summary": lambda e, s, f: kpi.summary(e, s, filters=f),
    "rehab_pool": lambda e, s, f: kpi.rehab_pool(e, s, filters=f),
    # a regency of the small world may hold no stay at all: asked at its branch
    "inpatient_stats": lambda e, s, f: kpi.inpatient_stats(e, s, filters=_whole_branches(e, f)),
    "penalty_exposure": lambda e, s, f: kpi.penalty_exposure(e, s, filters=f).drop(columns=["months_counted", "penalty_per_stay"]),
    "arrears_by_months": lambda e, s, f: kpi.arrears_by_months(e, s, kpi.latest_period(e), f),
    "branch_league": lambda e, s, f: kpi.branch_league(e, s, filters=_whole_branches(e, f)).drop(
        columns=["target_pct"]),
    "over_capacity_facilities": lambda e, s, f: kpi.over_capacity_facilities(e, s, filters=f),
    "regency_capacity": lambda e, s, f: kpi.regency_capacity(e, s, filters=f),
    "kbk_attainment": lambda e, s, f: kpi.kbk_attainment(e, s, filters=f),
    "contracted_facilities": lambda e, s, f: kpi.contracted_facilities(e, s, kpi.latest_period(e), filters=f),
    "capitation_trend": lambda e, s, f: kpi.capitation_trend(e, s, filters=f),
    "overview_cards": lambda e, s, f: kpi.overview_cards(e, s, filters=f)[["value"]],
}
#: hierarchy takes no filters: checked separately (it must list only the scope's own units)
QUERIES_NO_FILTERS = {"hierarchy"}


def _total(result: Any) -> float:
    """Sum of every figure a screen would show (period / month counters excluded)."""
    if isinstance(result, pd.DataFrame):
        return _frame_total(result.drop(columns=["period"], errors="ignore"))
    if isinstance(result, dict):
        vals = [v for k, v in result.items() if k not in ("period", "months") and isinstance(v, (int, float))]
        return float(sum(0 if (isinstance(v, float) and math.isnan(v)) else abs(v) for v in vals))
    raise TypeError(type(result))


@pytest.fixture(scope="module")
def units(sqlite_world) -> dict[str, str]:
    """Out-of-scope units of the small world (same codes on both backends: same seed)."""
    h = kpi.hierarchy(sqlite_world.engine, NATIONAL)
    kw05 = h[h["region_code"] == "KW05"]
    kw03_other = h[(h["region_code"] == "KW03") & (h["branch_code"] != "0301")]
    assert len(kw05) and len(kw03_other), "the small world must hold KW05 and a second KW03 branch"
    return {
        "kw05_branch": str(kw05["branch_code"].iloc[0]),
        "kw05_regency": str(kw05["regency_code"].iloc[0]),
        "kw03_branch": str(kw03_other["branch_code"].iloc[0]),
        "kw03_regency": str(kw03_other["regency_code"].iloc[0]),
        "r0301_regency": str(h[h["branch_code"] == "0301"]["regency_code"].iloc[0]),
    }


# (case id, scope, filters built from the units) — every filter points outside the scope
CASES: list[tuple[str, Scope, Callable[[dict[str, str]], Filters]]] = [
    ("deputi_KW03->region_KW05", DEPUTI, lambda u: Filters(region="KW05")),
    ("deputi_KW03->branch_of_KW05", DEPUTI, lambda u: Filters(branch=u["kw05_branch"])),
    ("deputi_KW03->regency_of_KW05", DEPUTI, lambda u: Filters(regency=u["kw05_regency"])),
    ("cabang_0301->sibling_branch", CABANG, lambda u: Filters(branch=u["kw03_branch"])),
    ("cabang_0301->sibling_regency", CABANG, lambda u: Filters(regency=u["kw03_regency"])),
    ("cabang_0301->region_KW05", CABANG, lambda u: Filters(region="KW05")),
    ("cabang_0301->branch_of_KW05", CABANG, lambda u: Filters(branch=u["kw05_branch"])),
    ("bank_KW05->region_KW03", BANK, lambda u: Filters(region="KW03")),
    ("bank_KW05->branch_0301", BANK, lambda u: Filters(branch="0301")),
]


def test_every_public_kpi_function_is_checked() -> None:
    public = {
        name
        for name, fn in inspect.getmembers(kpi, inspect.isfunction)
        if fn.__module__.startswith(kpi.__name__ + ".") and not name.startswith("_")
    }
    unchecked = public - set(QUERIES) - QUERIES_NO_FILTERS - set(UNSCOPED)
    assert not unchecked, f"new public kpi functions without an out-of-scope test: {sorted(unchecked)}"
    for name in set(QUERIES) | QUERIES_NO_FILTERS:  # a scoped query must take the scope
        assert "scope" in inspect.signature(getattr(kpi, name)).parameters, name


@pytest.mark.parametrize("query", sorted(QUERIES))
def test_out_of_scope_filters_return_nothing(world, units, query: str) -> None:
    """Every case of CASES through one query; all failures are reported together."""
    call = QUERIES[query]
    failures: list[str] = []
    for case_id, scope, make_filters in CASES:
        filters = make_filters(units)
        # the national view of the same drill-down holds real numbers ...
        assert _total(call(world.engine, NATIONAL, filters)) > 0, f"{query} {filters}: no data even nationally"
        # ... which the scoped user must not get: nothing, zeros, or a refusal (ScopeError)
        try:
            got = call(world.engine, scope, filters)
        except ScopeError:
            continue
        except Exception as exc:  # noqa: BLE001 - a crash is not a refusal: report it with the case
            failures.append(f"{case_id}: kpi.{query} raised {type(exc).__name__}: {exc}")
            continue
        if _total(got) != 0:
            failures.append(f"{case_id}: kpi.{query} LEAKS {filters}: {got}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("query", sorted(QUERIES))
@pytest.mark.parametrize("scope", [DEPUTI, CABANG, BANK], ids=["deputi", "cabang", "bank"])
def test_unfiltered_scoped_totals_stay_inside_scope(world, query: str, scope: Scope) -> None:
    """Without filters a scoped user gets exactly their own unit's figures (= national view filtered to it)."""
    own = Filters(branch=scope.branch_code) if scope.branch_code else Filters(region=scope.region_code)
    mine = QUERIES[query](world.engine, scope, kpi.NATION)
    national_of_mine = QUERIES[query](world.engine, NATIONAL, own)
    national_all = QUERIES[query](world.engine, NATIONAL, kpi.NATION)
    assert _total(mine) == pytest.approx(_total(national_of_mine))
    assert _total(mine) < _total(national_all)


@pytest.mark.parametrize("scope", [DEPUTI, CABANG, BANK], ids=["deputi", "cabang", "bank"])
def test_hierarchy_lists_only_the_scope(world, scope: Scope) -> None:
    h = kpi.hierarchy(world.engine, scope)
    assert len(h)
    assert set(h["region_code"]) == {scope.region_code}
    if scope.branch_code:
        assert set(h["branch_code"]) == {scope.branch_code}


def test_no_kpi_result_is_participant_level_for_a_bank_officer(world) -> None:
    """A bank officer never gets participant identities: no kpi answer holds identity columns."""
    for name, call in QUERIES.items():
        got = call(world.engine, BANK, kpi.NATION)
        cols = {str(c).lower() for c in (got.columns if isinstance(got, pd.DataFrame) else got)}
        assert not (cols & exports.IDENTITY_COLUMNS), (name, cols & exports.IDENTITY_COLUMNS)


# --- exports, imports, audit ------------------------------------------------------------------------
PARTICIPANT_ROWS = pd.DataFrame(
    {"participant_id": ["P1"], "nik": ["1671012345678912"], "name": ["Siti Nurhaliza"], "months": [5]}
)


def _audit_count(engine, username: str, action: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(AuditLog).where(
                AuditLog.username == username, AuditLog.action == action
            )
        ).scalar()


@pytest.mark.parametrize("scope", [NATIONAL, DEPUTI, BANK], ids=["direksi", "deputi", "bank"])
def test_participant_level_export_is_refused_and_audited(world, scope: Scope) -> None:
    before = _audit_count(world.engine, scope.username, "export_refused")
    assert not exports.may_export(scope, PARTICIPANT_ROWS)
    for fmt in exports.EXPORT_FORMATS:
        with pytest.raises(ScopeError):
            exports.export_table(world.engine, scope, PARTICIPANT_ROWS, "work_queue", fmt)
    assert _audit_count(world.engine, scope.username, "export_refused") == before + 2


def test_branch_team_exports_unmasked_and_scoped_aggregates_export(world) -> None:
    data = exports.export_table(world.engine, CABANG, PARTICIPANT_ROWS, "work_queue", "csv").decode("utf-8-sig")
    assert "1671012345678912" in data and "Siti Nurhaliza" in data
    agg = kpi.arrears_by_branch(world.engine, DEPUTI)
    text = exports.export_table(world.engine, DEPUTI, agg, "arrears_by_branch", "csv").decode("utf-8-sig")
    exported = pd.read_csv(io.StringIO(text), dtype={"branch_code": str})
    h = kpi.hierarchy(world.engine, DEPUTI)
    assert set(exported["branch_code"]) <= set(h["branch_code"])  # only KW03 branches leave


@pytest.mark.parametrize("scope", [NATIONAL, DEPUTI, CABANG, BANK], ids=["direksi", "deputi", "cabang", "bank"])
def test_only_admin_imports_and_reads_the_audit_log(world, scope: Scope) -> None:
    with pytest.raises(ScopeError):
        imports.import_file(world.engine, scope, "targets", imports.template_bytes("targets"), "targets.csv",
                           dry_run=True)
    with pytest.raises(ScopeError):
        access.read_audit(world.engine, scope)
