"""``python -m jkn_core import TABLE FILE [--dry-run]``: validate a CSV/Excel file and upsert it.

TABLE is any importable table, the organisation too (``regions``, ``branches``, ``regencies``). Rows
whose name column disagrees with their code are printed as warnings (the import is not refused).
The report and every problem are in Indonesian unless ``--lang en`` or ``JKN_LANG=en`` asks for English
(exit codes are the same in both: 0 imported or valid, 1 refused).

The command prints the report and every problem, never a database error's text (SQL, names, NIKs):
such an error is one problem with an incident id, and its details go to the command's log file
(:func:`log_path`, readable by its owner only), not to the terminal.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from jkn_core import imports
from jkn_core.scope import Scope

#: Environment variable naming the directory of the command line's log file.
LOG_DIR_ENV = "JKN_LOG_DIR"
#: Environment variable choosing the language of the report lines (``id`` or ``en``; ``--lang`` wins).
LANG_ENV = "JKN_LANG"


def cli_lang(arg: str | None = None) -> str:
    """The language of the command's report: ``--lang``, else ``$JKN_LANG``, else Indonesian (``id``)."""
    chosen = (arg or os.environ.get(LANG_ENV) or "id").strip().lower()
    return "en" if chosen.startswith("en") else "id"


def log_path() -> Path:
    """Where the command line logs details (``$JKN_LOG_DIR``, else ``$XDG_STATE_HOME/jkn`` or
    ``~/.local/state/jkn``, else the temporary directory): ``jkn_core.log``."""
    configured = os.environ.get(LOG_DIR_ENV)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    for folder in [Path(configured)] if configured else [Path(state) / "jkn", Path(tempfile.gettempdir())]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "jkn_core.log"
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
            return path
        except OSError:
            continue
    raise OSError("no writable directory for the log file; set JKN_LOG_DIR")


def _log_to_file() -> Path | None:
    """Send the importer's log records (with their details) to :func:`log_path` rather than to the
    terminal, unless the application configured logging itself. Returns the file, if any."""
    if logging.getLogger().handlers:
        return None
    path = log_path()
    logger = logging.getLogger("jkn_core")
    for known in logger.handlers:
        if isinstance(known, logging.FileHandler) and Path(known.baseFilename) == path.resolve():
            return path
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    return path


def _cmd_import(args: argparse.Namespace) -> int:
    from jkn_core import db
    from jkn_core.i18n import t

    lang = cli_lang(args.lang)

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            line = t("imp_cli_rows", lang).format(done=_count(done, lang), total=_count(total, lang))
            print(f"\r  {line}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    try:
        logfile = _log_to_file()
    except OSError:
        logfile = None
        logging.getLogger("jkn_core").addHandler(logging.NullHandler())
        logging.getLogger("jkn_core").propagate = False
    path = Path(args.file)
    report = imports.import_file(
        db.get_engine(), Scope.cli(), args.table, path, path.name, dry_run=args.dry_run, progress=progress
    )
    if not report.ok:
        print(report.summary(lang), file=sys.stderr)
        for p in report.problems:
            print(p.text(lang), file=sys.stderr)
        _print_name_warnings(report, lang)
        if report.incident and logfile:
            print(t("imp_cli_incident", lang).format(incident=report.incident, log=logfile), file=sys.stderr)
        return 1
    print(report.summary(lang))
    _print_name_warnings(report, lang)
    for w in report.warnings:
        print(t("imp_cli_warning", lang).format(w=w), file=sys.stderr)
    return 0


def _count(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", "." if lang != "en" else ",")


def _print_name_warnings(report: imports.ImportReport, lang: str = "en") -> None:
    """The rows whose name disagrees with their code (accepted, but the user should look)."""
    from jkn_core.i18n import t

    if report.name_warnings:
        print(t("imp_cli_name_warnings", lang).format(n=len(report.name_warnings)), file=sys.stderr)
    for p in report.name_warnings:
        print(t("imp_cli_warning", lang).format(w=p.text(lang)), file=sys.stderr)


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="validate a CSV/Excel file and upsert it into a table",
        description="Validate FILE (CSV UTF-8 with , or ; separators, or .xlsx) against the schema of "
        "TABLE and upsert it by natural key; on an update, a column FILE leaves out keeps its stored "
        "value. Nothing is written if any problem is found. See docs/imports.md.",
    )
    p.add_argument("table", choices=imports.TABLES)
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    p.add_argument("--lang", choices=("id", "en"), default=None,
                   help=f"language of the report and the problems (default: ${LANG_ENV}, else id)")
    p.set_defaults(func=_cmd_import)
