"""``python -m jkn_core import TABLE FILE [--dry-run]``: validate a CSV/Excel file and upsert it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jkn_core import imports
from jkn_core.scope import Scope


def _cmd_import(args: argparse.Namespace) -> int:
    from jkn_core import db

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(
                f"\r  {done:,}/{total:,} rows", end="" if done < total else "\n", file=sys.stderr, flush=True
            )

    path = Path(args.file)
    report = imports.import_file(
        db.get_engine(), Scope.system(), args.table, path, path.name, dry_run=args.dry_run, progress=progress
    )
    if not report.ok:
        print(report.summary(), file=sys.stderr)
        for p in report.problems:
            print(str(p), file=sys.stderr)
        return 1
    print(report.summary())
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="validate a CSV/Excel file and upsert it into a table",
        description="Validate FILE (CSV UTF-8 with , or ; separators, or .xlsx) against the schema of "
        "TABLE and upsert it by natural key. Nothing is written if any problem is found. "
        "See docs/imports.md.",
    )
    p.add_argument("table", choices=imports.TABLES)
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    p.set_defaults(func=_cmd_import)
