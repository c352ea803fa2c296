"""``python -m jkn_core``: set up a real database, build the demo, inspect it, manage users, import, train, score.

Each command group lives in its own module exposing ``add_commands(subparsers)`` (listed in
:data:`COMMAND_MODULES`); the handler of a command is stored as ``func`` and returns the exit code.
The commands themselves live in those modules, not here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from jkn_core.cli import demo, imports, init, models, users

#: Modules contributing commands, in --help order (each has ``add_commands(subparsers)``).
COMMAND_MODULES = (
    init,  # init
    demo,  # demo, summary
    users,  # users
    imports,  # import
    models,  # train, score
)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m jkn_core`` parser with every command group's sub-commands."""
    parser = argparse.ArgumentParser(
        prog="python -m jkn_core",
        description="JKN decision dashboard: set-up, demo data, summaries, users, imports and models.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (``argv`` defaults to ``sys.argv[1:]``); returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
