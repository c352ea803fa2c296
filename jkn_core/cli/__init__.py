"""``python -m jkn_core``: set up a real database, build the demo, inspect it, manage users, import, train, score.

Each command group lives in its own module exposing ``add_commands(subparsers)`` (listed in
:data:`COMMAND_MODULES`); the handler of a command is stored as ``func`` and returns the exit code.
The commands themselves live in those modules, not here.

No Python stack ever reaches the terminal: :func:`main` turns an expected situation (a ``ValueError``,
a missing file or model, a permission problem: the message is already a sentence for the user) into that
one line and exit code 2, a database that cannot be reached or read into one line and exit code 2, and
anything unexpected into one line naming the log file (``jkn_core.cli.imports.log_path``) that holds the
traceback, exit code 1. Ctrl-C exits 130.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import traceback
import uuid
from collections.abc import Callable, Sequence

from jkn_core.cli import demo, export_parquet, imports, init, models, programmes, users

#: Modules contributing commands, in --help order (each has ``add_commands(subparsers)``).
COMMAND_MODULES = (
    init,  # init
    demo,  # demo, summary
    users,  # users
    imports,  # import
    models,  # train, score
    programmes,  # programmes (#13: measured uplift of each collection programme)
    export_parquet,  # export-parquet (the Spark batch's input)
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
    return guarded(lambda: args.func(args), lambda msg, exc, code: _fail(args, msg, exc, code), _database_error)


def guarded(run: Callable[[], int | None], fail: Callable[[str, BaseException, int], int],
            known: Callable[[BaseException], tuple[str, int] | None] = lambda exc: None) -> int:
    """The one guard of every command line (``python -m jkn_core`` and ``python -m jkn_batch``): ``run``'s
    exit code; Ctrl-C exits 130; a bad situation (ValueError, missing file, permission, unknown key) gets one
    line through ``fail(message, exc, 2)``; any other exception the ``(message, code)`` that ``known`` gives it,
    else ``fail("unexpected <type>", exc, 1)``. Never a stack trace on the terminal."""
    try:
        return int(run() or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, PermissionError, LookupError) as exc:
        return fail(one_line(exc), exc, 2)
    except Exception as exc:  # noqa: BLE001 - the guard: the user gets one sentence, the log the stack
        message, code = known(exc) or (f"unexpected {type(exc).__name__}", 1)
        return fail(message, exc, code)


def _database_error(exc: BaseException) -> tuple[str, int] | None:
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    if isinstance(exc, (DBAPIError, SQLAlchemyError)):
        return ("the database (JKN_DATABASE_URL) could not be reached or read; check the URL, the server and "
                "that `python -m jkn_core init` or `demo` has set it up", 2)
    return None


def one_line(exc: BaseException) -> str:
    """The exception's message as one line (FileNotFoundError and KeyError messages unquoted)."""
    msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    return " ".join(str(msg).split()) or type(exc).__name__


def _fail(args: argparse.Namespace, message: str, exc: BaseException, code: int) -> int:
    """Print ``error: message`` (one line) and log the traceback to the command line's log file."""
    incident = uuid.uuid4().hex[:8]
    where = ""
    try:
        path = imports.log_path()
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} incident {incident} "
                     f"command {getattr(args, 'command', None)}:\n"
                     + "".join(traceback.format_exception(exc)) + "\n")
        where = f" (details: incident {incident} in {path})" if code == 1 or "database" in message else ""
    except OSError:
        pass
    print(f"error: {message}{where}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
