"""``python -m bench --scale batch [--fractions 0.001,0.01,0.05] [--seed 7]``: the Spark batch at national
fractions on this machine.

For each fraction: ``python -m jkn_batch generate`` (timed apart), then ``python -m jkn_batch run
--feature-months score`` (the monthly run: features of every family for the scoring month, scores, the five
aggregates over the 24 ledger months) in its own process. Measured: wall time, family-months (ledger rows)
per second, peak memory of the whole process tree (driver JVM + Python workers, sampled every 0.2 s from
/proc), then a least-squares line ``seconds = a + b × family-months`` and its extrapolation to the
national 720 M family-months on this machine's 2 cores and per core on a cluster. Results go to
``bench/results/batch.json``; the table for BENCHMARKS.md ("Spark batch") is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
NATION_FAMILY_MONTHS = 720_000_000
TARGET_SECONDS = 3600


def _tree(pid: int) -> tuple[int, float]:
    """Resident memory (bytes) and CPU seconds (user + system, with reaped children) of ``pid`` and all
    its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(d.name))
            rss[int(d.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            cpu[int(d.name)] = sum(int(x) for x in fields[11:15]) / tick
        except (OSError, IndexError, ValueError):
            continue
    total, seconds, todo = 0, 0.0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        seconds += cpu.get(p, 0.0)
        todo += children.get(p, [])
    return total, seconds


def timed(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd``; wall seconds, peak tree memory (MB), last stdout line, exit code."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYSPARK_PYTHON": sys.executable})
    peak = [0, 0.0]

    def sample() -> None:
        while proc.poll() is None:
            rss, cpu = _tree(proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], cpu)
            time.sleep(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    th.join()
    lines = [x for x in out.splitlines() if x.strip()]
    return {"seconds": round(time.perf_counter() - t0, 1), "peak_mb": round(peak[0] / 2**20),
            "cpu_s": round(peak[1], 1),
            "rc": proc.returncode, "out": lines[-1] if lines else "", "err": err[-600:] if proc.returncode else ""}


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares ``y = a + b x``."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else ys[0] / xs[0]
    return my - b * mx, b


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench --scale batch", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", choices=["batch"], default="batch")
    p.add_argument("--fractions", default="0.001,0.01,0.05")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--work", help="scratch folder (default: a new temporary one, removed at the end)")
    p.add_argument("--driver-memory", default="3g")
    a = p.parse_args(argv)
    work = Path(a.work or tempfile.mkdtemp(prefix="jkn-bench-batch-"))
    rows = []
    for frac in [float(f) for f in a.fractions.split(",") if f]:
        world, res = work / f"world_{frac}", work / f"out_{frac}"
        saved = work / f"world_{frac}.json"
        if saved.exists():  # --work reused: the world of this fraction and seed is already there
            gen = json.loads(saved.read_text())
        else:
            print(f"· generate --fraction {frac} …", file=sys.stderr, flush=True)
            gen = timed([sys.executable, "-m", "jkn_batch", "generate", "--fraction", str(frac), "--seed",
                         str(a.seed), "--output", str(world), "--driver-memory", a.driver_memory])
            if gen["rc"]:
                rows.append({"fraction": frac, "failed": "generate: " + gen["err"]})
                break
            if a.work:
                saved.write_text(json.dumps(gen))
        info = json.loads(gen["out"])
        print(f"· run on {info['rows']['contributions']:,} family-months …", file=sys.stderr, flush=True)
        run = timed([sys.executable, "-m", "jkn_batch", "run", "--input", str(world), "--output", str(res),
                     "--feature-months", "score", "--driver-memory", a.driver_memory])
        if run["rc"]:
            rows.append({"fraction": frac, "failed": "run: " + run["err"]})
            break
        steps = json.loads(run["out"])
        fm = info["rows"]["contributions"]
        rows.append({"fraction": frac, "families": info["families"], "family_months": fm,
                     "generate_s": gen["seconds"], "generate_peak_mb": gen["peak_mb"],
                     "run_s": run["seconds"], "run_cpu_s": run["cpu_s"], "run_peak_mb": run["peak_mb"], "steps": steps,
                     "family_months_per_s": round(fm / run["seconds"])})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        if a.work is None:
            import shutil

            shutil.rmtree(world, ignore_errors=True)
            shutil.rmtree(res, ignore_errors=True)
    ok = [r for r in rows if "failed" not in r]
    summary: dict[str, Any] = {"rows": rows, "cores": os.cpu_count(), "note": "measured under load (shared machine)"}
    if len(ok) >= 2:
        c0, cb = fit([r["family_months"] for r in ok], [r["run_cpu_s"] for r in ok])
        summary.update({"cpu_fit_intercept_s": round(c0, 1), "cpu_s_per_million": round(cb * 1e6, 2),
                        "nation_cpu_hours": round((c0 + cb * NATION_FAMILY_MONTHS) / 3600, 1),
                        "nation_minutes_2_idle_cores_from_cpu": round((c0 + cb * NATION_FAMILY_MONTHS) / 2 / 60, 1)})
        a0, b = fit([r["family_months"] for r in ok], [r["run_s"] for r in ok])
        nation_s = a0 + b * NATION_FAMILY_MONTHS
        per_core = 1 / (b * (os.cpu_count() or 2))  # family-months per second per core, marginal
        summary.update({"fit_intercept_s": round(a0, 1), "fit_s_per_million": round(b * 1e6, 2),
                        "nation_s_2_cores": round(nation_s), "nation_minutes_2_cores": round(nation_s / 60, 1),
                        "per_core_family_months_per_s": round(per_core),
                        "cores_for_60_min": int(-(-NATION_FAMILY_MONTHS // (per_core * (TARGET_SECONDS - max(a0, 0)))))})
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "batch.json").write_text(json.dumps(summary, indent=2))
    print("| fraction | families | family-months | run wall (s) | run CPU (s) | family-months/s (wall) | peak MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in ok:
        print(f"| {r['fraction']:.3%} | {r['families']:,} | {r['family_months']:,} | {r['run_s']} | "
              f"{r['run_cpu_s']} | {r['family_months_per_s']:,} | {r['run_peak_mb']:,} |")
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}, indent=2))
    return 0 if ok and len(ok) == len(rows) else 1
