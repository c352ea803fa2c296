"""``python -m jkn_core``: build the demo, inspect the database, manage users, import, train, score.

Each command group lives in its own module exposing ``add_commands(subparsers)``; the handler of a
command is stored as ``func`` and returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Modules contributing commands (each has ``add_commands(subparsers)``).
COMMAND_MODULES = [
    "jkn_core.cli.demo",  # demo, summary
    "jkn_core.cli.users",  # users
    "jkn_core.cli.imports",  # import
    "jkn_core.cli.models",  # train, score
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m jkn_core",
        description="JKN decision dashboard: demo data, summaries, users, imports and models.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command group not built yet
                continue
            raise
        module.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
