"""``python -m bench --scale small|default|branch``: build a world, measure every step, print a table and
write ``bench/results/<scale>.json``. See BENCHMARKS.md for what each figure means.

``python -m bench load --sessions 10,25,50``: concurrent sign-ins to the overview against a running
Streamlit server (:mod:`bench.load`, its own options: ``python -m bench load --help``; ``--processes N`` puts
N processes behind nginx).

``python -m bench pages-browser``: every page of every role in headless Chromium, cold and warm
(:mod:`bench.pages_browser`).

Scales
- ``small``: the test world (provinces 16, 31, 32, 36, 51 at scale "small"), SQLite and PostgreSQL;
- ``default``: the demo Indonesia at scale "default", SQLite and PostgreSQL;
- ``branch``: Kantor Cabang Palembang (0301) at scale "full" (self-paying families weight 1), PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

SCALES = {
    "small": {"gen_scale": "small", "provinces": "16,31,32,36,51", "branches": "", "sqlite": True},
    "default": {"gen_scale": "default", "provinces": "", "branches": "", "sqlite": True},
    "branch": {"gen_scale": "full", "provinces": "", "branches": "0301", "sqlite": False},
}


def run_step(step: str, url: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.steps", step, "--url", url, *args]
    print(f"· {step} on {url.split('@')[-1].split('///')[-1]} …", file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})},
                          check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON "):])
    return {"failed": f"exit {proc.returncode}: {proc.stderr[-1500:]}"}


def machine() -> dict[str, Any]:
    import duckdb
    import pandas
    import sqlalchemy
    import streamlit

    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    pg = ""
    try:
        from devtools.pg_server import find_pg_bin

        pg = subprocess.run([str(find_pg_bin() / "postgres"), "--version"], capture_output=True, text=True).stdout.strip()
    except Exception:  # noqa: BLE001
        pg = "not found"
    import sqlite3

    return {"cpus": os.cpu_count(), "memory_gb": round(mem / 1024 / 1024, 1), "cpu": _cpu_model(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "postgresql": pg,
            "duckdb": duckdb.__version__, "pandas": pandas.__version__, "sqlalchemy": sqlalchemy.__version__,
            "streamlit": streamlit.__version__, "os": platform.platform()}


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["load"]:
        from bench import load

        return load.main(args[1:])
    if args[:1] == ["pages-browser"]:
        from bench import pages_browser

        return pages_browser.main(args[1:])
    if "--scale=batch" in args or any(a == "--scale" and b == "batch" for a, b in zip(args, args[1:], strict=False)):
        from bench import batch  # the Spark batch at national fractions (bench/batch.py)

        return batch.main(args)
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", choices=sorted(SCALES), default="default")
    p.add_argument("--runs", type=int, default=5, help="runs per figure (median, min, max)")
    p.add_argument("--page-runs", type=int, default=3)
    p.add_argument("--sqlite-db", help="reuse this SQLite demo file (copied; generation not timed)")
    p.add_argument("--pg-url", help="use this PostgreSQL database (it is overwritten) instead of a throwaway server")
    p.add_argument("--models-dir", help="models folder to use (e.g. already trained); default: a fresh temporary one")
    p.add_argument("--skip", default="", help="comma-separated steps to skip (e.g. pages,models)")
    a = p.parse_args(argv)
    cfg = SCALES[a.scale]
    skip = set(filter(None, a.skip.split(",")))
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"jkn-bench-{a.scale}-"))
    models_dir = a.models_dir or str(work / "models")
    env = {"JKN_MODELS_DIR": models_dir}
    gen_args = ["--gen-scale", cfg["gen_scale"], "--provinces", cfg["provinces"], "--branches", cfg["branches"]]
    out: dict[str, Any] = {"scale": a.scale, "config": cfg, "runs": a.runs, "machine": machine(),
                           "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
                           "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "steps": {}}
    steps = out["steps"]
    urls: dict[str, str] = {}
    server = None
    try:
        if cfg["sqlite"]:
            path = work / "jkn.db"
            if a.sqlite_db:
                shutil.copy(a.sqlite_db, path)
                urls["sqlite"] = f"sqlite:///{path}"
                from jkn_core.db import make_engine
                from jkn_core.kpi import refresh as aggregates

                aggregates.refresh(make_engine(urls["sqlite"]))
            else:
                urls["sqlite"] = f"sqlite:///{path}"
                steps["generate_sqlite"] = run_step("generate", urls["sqlite"], *gen_args)
        if "postgresql" not in skip:
            if a.pg_url:
                urls["postgresql"] = a.pg_url
            else:
                from devtools.pg_server import PgServer

                server = PgServer(dbname="jkn_bench")
                urls["postgresql"] = server.start()
            steps["generate_postgresql"] = run_step("generate", urls["postgresql"], *gen_args)
        main_url = urls.get("sqlite") or urls["postgresql"]
        for backend, url in urls.items():
            steps[f"kpi_{backend}"] = run_step("kpi", url, "--runs", str(a.runs))
        if "usual" not in skip:
            steps["usual"] = run_step("usual", main_url, "--runs", str(a.runs))
        if "duckdb" not in skip:
            steps["duckdb"] = run_step("duckdb", main_url, "--runs", str(a.runs))
        if "models" not in skip:
            steps["models"] = run_step("models", main_url, env=env)
        if "work_queue" not in skip:
            steps["work_queue"] = run_step("work_queue", main_url, "--runs", "3", "--models-dir", models_dir, env=env)
        if "pages" not in skip:
            steps["pages"] = run_step("pages", main_url, "--runs", str(a.page_runs), env=env)
        if "import" not in skip:
            for backend, url in urls.items():
                steps[f"import_{backend}"] = run_step("import", url, env=env)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    out["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    dest = RESULTS / f"{a.scale}.json"
    dest.write_text(json.dumps(out, indent=2, default=str))
    from bench.report import render, update

    print(render(out))
    doc = ROOT / "BENCHMARKS.md"
    if doc.exists() and f"<!-- BEGIN bench:{a.scale} -->" in doc.read_text():
        update(doc, dest)
        print(f"updated: {doc}")
    print(f"\nwritten: {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
