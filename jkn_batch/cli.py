"""``python -m jkn_batch run | load | generate``: the monthly batch on Spark (docs/batch.md).

- ``run --input DIR --output DIR [--models-dir DIR] [--master local[2]] [--feature-months all|score]``
- ``load DIR`` (into ``JKN_DATABASE_URL``; no Spark needed)
- ``generate --fraction F --seed N --output DIR [--master ...]``

No stack trace reaches the terminal: an expected problem (a missing input, a bad argument, no model) is one
line and exit code 2; anything else one line naming its type and exit code 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from jkn_core.cli import guarded


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _master(value: str) -> str | None:
    return None if value in ("", "submit") else value


def _run(args: argparse.Namespace) -> int:
    from jkn_batch.job import run
    from jkn_batch.session import spark_session

    spark = spark_session(_master(args.master), driver_memory=args.driver_memory)
    steps = run(spark, Path(args.input), Path(args.output),
                Path(args.models_dir) if args.models_dir else None, args.feature_months, log=_log)
    print(json.dumps(steps))
    return 0


def _load(args: argparse.Namespace) -> int:
    from jkn_batch.load import load
    from jkn_core.db import get_engine
    from jkn_core.scope import Scope

    counts = load(get_engine(), Path(args.dir), Scope.cli())
    for name, n in counts.items():
        _log(f"{name}: {n:,} rows")
    print(f"loaded {len(counts)} tables from {args.dir}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from jkn_batch.generate import generate
    from jkn_batch.session import spark_session

    if not 0 < args.fraction <= 1:
        raise ValueError("--fraction must be in (0, 1]: the share of the nation's self-paying families")
    spark = spark_session(_master(args.master), driver_memory=args.driver_memory)
    summary = generate(spark, args.fraction, args.seed, Path(args.output), log=_log)
    print(json.dumps(summary))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m jkn_batch",
                                     description="The national monthly batch (features, scores, pre-aggregates) "
                                                 "on Apache Spark.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("run", help="features, scores and aggregates from Parquet base tables")
    p.add_argument("--input", required=True, help="folder of base tables (export-parquet or generate)")
    p.add_argument("--output", required=True, help="folder for the result datasets")
    p.add_argument("--models-dir", help="models folder (default JKN_MODELS_DIR or models/)")
    p.add_argument("--feature-months", choices=("all", "score"), default="all",
                   help="features for every label month (default) or the scoring month only")
    p.set_defaults(func=_run)
    p = sub.add_parser("load", help="load the result datasets into the dashboard's database (JKN_DATABASE_URL)")
    p.add_argument("dir", help="the --output folder of `run`")
    p.set_defaults(func=_load)
    p = sub.add_parser("generate", help="a national-size synthetic world as Parquet base tables")
    p.add_argument("--fraction", type=float, default=0.01, help="share of the nation (1 = 30 M families)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--output", required=True)
    p.set_defaults(func=_generate)
    for name in ("run", "generate"):
        sp = sub.choices[name]
        sp.add_argument("--master", default="local[2]",
                        help="Spark master (default local[2]; 'submit' leaves it to spark-submit)")
        sp.add_argument("--driver-memory", default=None, help="e.g. 2g (local mode)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return guarded(lambda: args.func(args), _fail, _missing_module)


def _missing_module(exc: BaseException) -> tuple[str, int] | None:
    if isinstance(exc, ModuleNotFoundError):
        return f"{exc.name} is not installed: pip install -r requirements-batch.txt", 2
    return None


def _fail(message: str, exc: BaseException, code: int) -> int:
    """``error: message`` on one line (an unexpected error with the first 300 characters of its text)."""
    if code == 1:
        message += f": {' '.join(str(exc).split())[:300]}"
    print(f"error: {message}", file=sys.stderr)
    return code
