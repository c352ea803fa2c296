"""One benchmark step per process (``python -m bench.steps STEP --url URL ...``), printing one JSON object.

Running each step in its own process makes its peak memory (``maxrss_mb``, the process's peak resident
set from ``getrusage``) honest: nothing another step loaded is counted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def timed(fn: Callable[[], Any], runs: int, warmup: int = 1) -> dict[str, Any]:
    """Median, min and max wall time of ``runs`` calls (after ``warmup`` calls), in milliseconds."""
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(ts), 2), "min_ms": round(min(ts), 2), "max_ms": round(max(ts), 2),
            "runs": runs}


def _engine(url: str):  # type: ignore[no-untyped-def]
    from jkn_core.db import make_engine

    return make_engine(url)


def largest_branch(engine) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from jkn_core.schema import Family

    with engine.connect() as conn:
        return conn.execute(select(Family.branch_code).where(Family.segment.in_(["PBPU", "BP"]))
                            .group_by(Family.branch_code).order_by(func.count().desc()).limit(1)).scalar()


# --- steps ------------------------------------------------------------------------------------------
def step_generate(a: argparse.Namespace) -> dict[str, Any]:
    from jkn_core.db import drop_schema
    from jkn_core.demo.generator import generate
    from jkn_core.kpi import refresh as aggregates

    e = _engine(a.url)
    drop_schema(e)
    kw: dict[str, Any] = {"scale": a.gen_scale}
    if a.branches:
        kw["branches"] = a.branches.split(",")
    if a.provinces:
        kw["provinces"] = a.provinces.split(",")
    t0 = time.perf_counter()
    out = generate(e, progress=None, **kw)
    total = time.perf_counter() - t0
    t1 = time.perf_counter()
    agg = aggregates.refresh(e)  # the same refresh the hook ran, timed on its own
    return {"seconds": round(total, 2), "aggregates_refresh_s": round(time.perf_counter() - t1, 2),
            "counts": out["counts"], "timings": out["timings"], "aggregates": agg["counts"]}


def kpi_calls(engine, branch: str) -> dict[str, dict[str, Callable[[], Any]]]:  # type: ignore[no-untyped-def]
    from jkn_core import kpi
    from jkn_core.scope import Scope

    out = {}
    for name, sc in (("national", Scope.national("bench")),
                     ("branch", Scope(role="kantor_cabang", username="bench", branch_code=branch))):
        out[name] = {
            "periods": lambda: kpi.periods(engine),
            "hierarchy": lambda sc=sc: kpi.hierarchy(engine, sc),
            "coverage": lambda sc=sc: kpi.coverage(engine, sc, "province"),
            "coverage_regency": lambda sc=sc: kpi.coverage(engine, sc, "regency"),
            "coverage_trend": lambda sc=sc: kpi.coverage_trend(engine, sc),
            "segment_mix": lambda sc=sc: kpi.segment_mix(engine, sc),
            "collectability_month": lambda sc=sc: kpi.collectability(engine, sc, "month"),
            "collectability_branch": lambda sc=sc: kpi.collectability(engine, sc, "branch"),
            "collectability_segment": lambda sc=sc: kpi.collectability(engine, sc, "segment"),
            "arrears_aging": lambda sc=sc: kpi.arrears_aging(engine, sc),
            "arrears_by_branch": lambda sc=sc: kpi.arrears_by_branch(engine, sc),
            "arrears_total": lambda sc=sc: kpi.arrears_total(engine, sc),
            "capacity": lambda sc=sc: kpi.capacity(engine, sc, "branch"),
            "target": lambda: kpi.target(engine, "coverage_pct", 2024),
            "is_synthetic": lambda: kpi.is_synthetic(engine),
            "latest_period": lambda: kpi.latest_period(engine),
            "summary": lambda sc=sc: kpi.summary(engine, sc),
        }
    return out


def step_kpi(a: argparse.Namespace) -> dict[str, Any]:
    import jkn_core.kpi as kpi

    e = _engine(a.url)
    branch = a.branch or largest_branch(e)
    public = sorted(n for n, f in vars(kpi).items() if callable(f) and not n.startswith("_")
                    and getattr(f, "__module__", "") == kpi.__name__ and not isinstance(f, type))
    calls = kpi_calls(e, branch)
    res = {scope: {name: timed(fn, a.runs) for name, fn in fns.items()} for scope, fns in calls.items()}
    covered = {n.split("_")[0] for n in calls["national"]}
    return {"branch": branch, "kpi": res, "public_functions": public,
            "not_benchmarked": [n for n in public if n not in calls["national"] and n.split("_")[0] not in covered]}


def _ref_calls(impl, periods: list[int], branch: str | None) -> dict[str, Callable[[], Any]]:  # type: ignore[no-untyped-def]
    p = periods[-1]
    return {
        "coverage": lambda: impl.coverage(p, branch),
        "coverage_trend": lambda: impl.coverage_trend(periods, branch),
        "segment_mix": lambda: impl.segment_mix(p, branch),
        "collectability_month": lambda: impl.collectability("month", branch),
        "collectability_branch": lambda: impl.collectability("branch", branch),
        "collectability_segment": lambda: impl.collectability("segment", branch),
        "arrears_aging": lambda: impl.arrears_aging(p, branch),
        "arrears_by_branch": lambda: impl.arrears_by_branch(p, branch),
        "capacity": lambda: impl.capacity(p, branch),
    }


def _reference(a: argparse.Namespace, kind: str) -> dict[str, Any]:
    from bench.usual import Duck, Usual, read_tables
    from jkn_core import kpi
    from jkn_core.scope import Scope

    e = _engine(a.url)
    branch = a.branch or largest_branch(e)
    periods = kpi.periods(e)
    t0 = time.perf_counter()
    tables = read_tables(e)
    read_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    impl = Usual(tables) if kind == "usual" else Duck(tables)
    prep_s = time.perf_counter() - t1
    del tables
    res = {scope: {n: timed(fn, a.runs) for n, fn in _ref_calls(impl, periods, b).items()}
           for scope, b in (("national", None), ("branch", branch))}
    # the same numbers as ours? (a benchmark of a wrong answer is worthless)
    aging = impl.arrears_aging(periods[-1], None)
    people = int(aging["people"].sum())
    ours = kpi.arrears_total(e, Scope.national("bench"))["people"]
    coll = impl.collectability("month", None)
    billed = int(coll["billed"].sum())
    ours_b = int(kpi.collectability(e, Scope.national("bench"), "month")["billed"].sum())
    return {"branch": branch, "read_s": round(read_s, 2), "prepare_s": round(prep_s, 2), "kpi": res,
            "agrees_with_ours": people == ours and billed == ours_b}


def step_usual(a: argparse.Namespace) -> dict[str, Any]:
    return _reference(a, "usual")


def step_duckdb(a: argparse.Namespace) -> dict[str, Any]:
    out = _reference(a, "duck")
    out["how"] = "tables copied into in-memory DuckDB via Arrow (sqlite_scanner not installable offline)"
    return out


PAGE_USERS = [("direksi", "direksi-demo", "direksi"), ("deputi", "deputi-demo", "deputi_wilayah"),
              ("cabang", "cabang-demo", "kantor_cabang"), ("bank", "bank-demo", "bank_officer"),
              ("admin", "admin-demo", "admin")]


def step_pages(a: argparse.Namespace) -> dict[str, Any]:
    os.environ["JKN_DATABASE_URL"] = a.url
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from devtools.app_pages import page_files as app_page_files
    from jkn_core.access import PAGES

    page_files = app_page_files(ROOT / "app.py")  # app.PAGE_FILES without running the app
    out: dict[str, Any] = {}
    missing = []
    for key, (path, _group, _icon) in page_files.items():
        if not (ROOT / path).exists():
            missing.append(key)
            continue
        user = next((u for u in PAGE_USERS if u[2] in PAGES.get(key, ())), None)
        if user is None:
            continue
        cold, warm, errors = [], [], []
        try:
            _page_runs(AppTest, st, path, user, a.runs, cold, warm, errors)
        except Exception as exc:  # noqa: BLE001 - e.g. the user's region is not in a one-branch world
            out[key] = {"user": user[0], "skipped": f"{type(exc).__name__}: {exc}"[:200]}
            continue
        out[key] = {"user": user[0],
                    "cold": {"median_ms": round(statistics.median(cold), 1), "min_ms": round(min(cold), 1),
                             "max_ms": round(max(cold), 1), "runs": a.runs},
                    "warm": {"median_ms": round(statistics.median(warm), 1), "min_ms": round(min(warm), 1),
                             "max_ms": round(max(warm), 1), "runs": a.runs},
                    "exceptions": errors}
    return {"pages": out, "missing_pages": missing}


def _page_runs(AppTest, st, path, user, runs, cold, warm, errors) -> None:  # type: ignore[no-untyped-def]  # noqa: N803
    for _ in range(runs):
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.run()
        at.text_input(key="login_user").input(user[0])
        at.text_input(key="login_password").input(user[1])
        at.button[0].click().run()
        t0 = time.perf_counter()
        at.switch_page(path).run()
        cold.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        at.run()
        warm.append((time.perf_counter() - t0) * 1000)
        errors[:] = [str(x.value)[:200] for x in at.exception]


def step_models(a: argparse.Namespace) -> dict[str, Any]:
    import importlib

    from jkn_core.cli.models import MODEL_MODULES

    os.environ.setdefault("JKN_MODELS_DIR", tempfile.mkdtemp(prefix="jkn-bench-models-"))
    e = _engine(a.url)
    out: dict[str, Any] = {"models_dir": os.environ["JKN_MODELS_DIR"]}
    for name, mod in MODEL_MODULES.items():
        try:
            m = importlib.import_module(mod)
        except ImportError as exc:
            out[name] = {"skipped": f"module {mod} not importable yet: {exc}"}
            continue
        try:
            t0 = time.perf_counter()
            m.train(e, log=lambda _m: None)
            train_s = time.perf_counter() - t0
            sc = []
            n = 0
            for _ in range(max(1, a.score_runs)):
                t0 = time.perf_counter()
                n = m.score(e, log=lambda _m: None)
                sc.append(time.perf_counter() - t0)
            med = statistics.median(sc)
            out[name] = {"train_s": round(train_s, 2), "train_runs": 1, "rows_scored": int(n),
                         "score_s": {"median": round(med, 2), "min": round(min(sc), 2), "max": round(max(sc), 2),
                                     "runs": len(sc)},
                         "score_rows_per_s": round(n / med) if med else None}
        except Exception as exc:  # noqa: BLE001 - a model not ready yet is reported, not fatal
            out[name] = {"skipped": f"{type(exc).__name__}: {exc}"[:300]}
    return out


def step_work_queue(a: argparse.Namespace) -> dict[str, Any]:
    try:
        from jkn_core import collection as col
    except ImportError as exc:
        return {"skipped": f"jkn_core.collection not importable: {exc}"}
    from sqlalchemy import func, select

    from jkn_core.schema import Family
    from jkn_core.scope import Scope

    os.environ.setdefault("JKN_MODELS_DIR", a.models_dir or "")
    e = _engine(a.url)
    branch = a.branch or largest_branch(e)
    with e.connect() as conn:
        fams = conn.execute(select(func.count()).where(Family.branch_code == branch,
                                                       Family.segment.in_(["PBPU", "BP"]))).scalar()
    sc = Scope(role="kantor_cabang", username="bench", branch_code=branch)
    limit = col.capacity(3, 20, 5)  # the page's default: 3 collectors × 20 contacts a day × 5 days
    try:
        # rebuild: what the page does when its cache key moves (import, new month, new model); the first
        # run also scores families that have no stored score yet
        t = timed(lambda: col.work_queue.work_queue(e, sc, branch, limit=limit), a.runs, warmup=0)
        key = col.queue_key(e, sc, branch)
        ranked = col.ranked_families(e, sc, key)
        explained = col.explain(ranked, limit)
        # warm: what a re-run does with the ranked and explained frames cached (key, actions, identities)
        warm = timed(lambda: col.finish_queue(e, sc, col.queue_key(e, sc, branch), explained), a.runs)
    except Exception as exc:  # noqa: BLE001
        return {"skipped": f"{type(exc).__name__}: {exc}"[:300], "branch": branch}
    return {"branch": branch, "self_paying_families": int(fams), "rows": len(ranked), "limit": limit, **t,
            "warm": warm}


def step_import(a: argparse.Namespace) -> dict[str, Any]:
    """Export the largest branch's ledger to CSV, delete it, import it back (inserts); then the aggregates
    refresh of that branch (what the import hook runs) and, for comparison, the full rebuild."""
    import pandas as pd
    from sqlalchemy import delete, select, text

    from jkn_core import hooks, imports
    from jkn_core.kpi import refresh as aggregates
    from jkn_core.schema import Contribution, Family
    from jkn_core.scope import Scope

    e = _engine(a.url)
    branch = a.branch or largest_branch(e)
    fam_ids = select(Family.id).where(Family.branch_code == branch).scalar_subquery()
    with e.connect() as conn:
        df = pd.read_sql_query(text(
            "SELECT c.family_id, c.period, c.billed, c.paid, c.paid_date, c.paid_period FROM contributions c "
            "JOIN families f ON f.id = c.family_id WHERE f.branch_code = :b"), conn, params={"b": branch})
    df["paid_period"] = df["paid_period"].astype("Int64")
    path = Path(tempfile.mkdtemp(prefix="jkn-bench-import-")) / "contributions.csv"
    df.to_csv(path, index=False)
    with e.begin() as conn:
        conn.execute(delete(Contribution).where(Contribution.family_id.in_(fam_ids)))
    saved = list(hooks.AFTER_IMPORT_HOOKS)
    hooks.AFTER_IMPORT_HOOKS.clear()
    try:
        t0 = time.perf_counter()
        rep = imports.import_file(e, Scope.system(), "contributions", path)
        sec = time.perf_counter() - t0
    finally:
        hooks.AFTER_IMPORT_HOOKS[:] = saved
    # what the import hook runs: the branch's slices only (jkn_core.kpi.refresh.refresh_branches)
    t0 = time.perf_counter()
    inc = aggregates.refresh_branches(e, {branch})
    inc_s = time.perf_counter() - t0
    t0 = time.perf_counter()  # for comparison: the full rebuild the hook used to run
    aggregates.refresh(e)
    ref = time.perf_counter() - t0
    return {"branch": branch, "rows": len(df), "ok": rep.ok, "inserted": rep.inserted, "seconds": round(sec, 2),
            "rows_per_s": round(len(df) / sec), "aggregates_incremental_s": round(inc_s, 2),
            "aggregates_incremental_mode": inc["mode"], "aggregates_refresh_s": round(ref, 2),
            "problems": [str(p) for p in rep.problems[:3]]}


STEPS = {"generate": step_generate, "kpi": step_kpi, "usual": step_usual, "duckdb": step_duckdb,
         "pages": step_pages, "models": step_models, "work_queue": step_work_queue, "import": step_import}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("step", choices=sorted(STEPS))
    p.add_argument("--url", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--score-runs", type=int, default=3)
    p.add_argument("--gen-scale", default="default")
    p.add_argument("--branches", default="")
    p.add_argument("--branch", default="")
    p.add_argument("--provinces", default="")
    p.add_argument("--models-dir", default="")
    a = p.parse_args(argv)
    t0 = time.perf_counter()
    out = STEPS[a.step](a)
    out["wall_s"] = round(time.perf_counter() - t0, 2)
    out["maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print("BENCH-JSON " + json.dumps(out, default=str), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
