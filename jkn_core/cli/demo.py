"""``python -m jkn_core demo`` (build the synthetic world) and ``summary`` (what the database holds).

Building the demo is audited as ``demo_built`` under :meth:`Scope.cli` (the operating-system user).
"""

from __future__ import annotations

import argparse
import json
import sys

from jkn_core import config, kpi
from jkn_core.audit import audit
from jkn_core.db import get_engine, is_populated
from jkn_core.demo import generator
from jkn_core.scope import Scope


def _progress_printer(frac: float, msg: str) -> None:
    bar = "#" * int(frac * 30)
    print(f"\r[{bar:<30}] {frac * 100:5.1f}% {msg:<60}", end="", file=sys.stderr, flush=True)
    if frac >= 1.0:
        print(file=sys.stderr)


def _demo(args: argparse.Namespace) -> int:
    engine = get_engine()
    if not args.force and is_populated(engine) and not kpi.is_synthetic(engine):
        print("error: this database holds real data (python -m jkn_core init, or imports); the demo would drop "
              "every table. Use another JKN_DATABASE_URL, or --force to replace it.", file=sys.stderr)
        return 2
    provinces = tuple(p.strip() for p in args.provinces.split(",")) if args.provinces else None
    result = generator.generate(engine, scale=args.scale, seed=args.seed, end_period=args.end,
                                months=args.months, provinces=provinces, progress=_progress_printer)
    audit(engine, Scope.cli(), "demo_built", {"scale": args.scale, "seed": args.seed, "end_period": args.end,
                                             "months": args.months, "provinces": list(provinces or []),
                                             "counts": result.get("counts", {})})
    print(f"demo world built in {result['seconds']} s: " + ", ".join(
        f"{k} {v:,}" for k, v in result["counts"].items()))
    return 0


def format_summary(s: dict) -> str:
    """The text ``summary`` prints: one aligned line per figure of :func:`jkn_core.kpi.summary`."""
    from jkn_core.fmt import number, pct, rupiah

    lines = [
        f"month                 {s['period']}",
        f"provinces             {s['provinces']}",
        f"branches              {s['branches']}",
        f"regencies             {s['regencies']}",
        f"population            {number(s['population'])}",
        f"participants          {number(s['participants'])} (active {number(s['active_participants'])},"
        f" {pct(s['active_pct'])})",
        f"coverage              {pct(s['coverage_pct'])}",
        f"FKTP / FKRTL          {number(s['fktp'])} / {number(s['fkrtl'])}",
        f"participants/doctor   1 : {number(s['participants_per_doctor'])}",
        f"PBPU/BP in arrears    {number(s['arrears_people'])} people owing {rupiah(s['arrears_rp'])}",
        f"months of history     {s['months']}",
    ]
    return "\n".join(lines)


def _summary(args: argparse.Namespace) -> int:
    engine = get_engine()
    try:
        s = kpi.summary(engine, Scope.system())
    except LookupError as exc:  # e.g. just after init: geography but no month of data yet
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(s))
    else:
        print(format_summary(s))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``demo`` and ``summary`` to the ``python -m jkn_core`` sub-commands."""
    p = sub.add_parser("demo", help="(re)build the synthetic demo world in the configured database")
    p.add_argument("--scale", choices=list(generator.SCALES), default="default")
    p.add_argument("--seed", type=int, default=generator.DEFAULT_SEED)
    p.add_argument("--end", type=int, default=config.DEFAULT_END_PERIOD, help="last month, YYYYMM")
    p.add_argument("--months", type=int, default=config.DEFAULT_MONTHS)
    p.add_argument("--provinces", default="", help="comma-separated province codes (default: all 38)")
    p.add_argument("--force", action="store_true", help="replace a database that holds real (non-demo) data")
    p.set_defaults(func=_demo)
    p = sub.add_parser("summary", help="what the database holds")
    p.add_argument("--json", action="store_true", help="one JSON object, keys in English snake_case")
    p.set_defaults(func=_summary)
