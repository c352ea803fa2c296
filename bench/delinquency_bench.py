"""Delinquency benchmark: scoring throughput, peak memory, work-queue rebuild time for the largest branch.

Usage: ``.venv/bin/python bench/delinquency_bench.py [--url sqlite:////tmp/try_default.db]``. Scoring writes
``model_scores``, so the benchmark works on a private copy of a SQLite database (``--copy``, default on).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jkn_core import collection as col
from jkn_core.collection import features
from jkn_core.collection import model as delinquency
from jkn_core.collection.work_queue import work_queue
from jkn_core.db import make_engine  # noqa: E402
from jkn_core.scope import Scope  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="sqlite:////tmp/try_default.db")
    ap.add_argument("--no-copy", action="store_true")
    args = ap.parse_args()
    url = args.url
    tmp = None
    if url.startswith("sqlite") and not args.no_copy:
        tmp = tempfile.mkdtemp()
        dst = Path(tmp) / "bench.db"
        src, tgt = sqlite3.connect(url.split("///", 1)[1]), sqlite3.connect(dst)
        src.backup(tgt)
        src.close()
        tgt.close()
        url = f"sqlite:///{dst}"
    engine = make_engine(url)
    try:
        t0 = time.perf_counter()
        n = delinquency.score(engine)
        dt_score = time.perf_counter() - t0
        print(f"scoring: {n:,} families in {dt_score:.1f} s = {n / dt_score:,.0f} families/s "
              f"(features + model + write, month {features.scoring_month(engine)})")
        admin = Scope.system()
        largest = col.branches_with_families(engine, admin).iloc[0]
        t0 = time.perf_counter()
        q = work_queue(engine, admin, largest["branch_code"])
        dt_q = time.perf_counter() - t0
        print(f"work queue: branch {largest['branch_code']} {largest['branch_name']} "
              f"({largest['families']:,} family rows, {len(q):,} queued) rebuilt in {dt_q:.2f} s")
        t0 = time.perf_counter()
        work_queue(engine, admin, largest["branch_code"], limit=col.capacity(3, 20, 5))
        print(f"work queue cut to capacity 3x20x5: {time.perf_counter() - t0:.2f} s")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: {rss:,.0f} MB")
    finally:
        engine.dispose()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
