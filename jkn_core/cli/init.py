"""``python -m jkn_core init``: set up a real (non-demo) database with the geography and a first admin.

What it writes: the schema, the reference tables of :mod:`jkn_core.demo.reference_tables` (regions,
provinces, branches, regencies, population, the default national targets), one admin user whose
password is read from standard input, and ``meta`` ``synthetic = "0"`` plus ``initialised`` (so the
dashboard's first start never builds the demo over it: :func:`jkn_core.db.is_populated`). No people,
families, facilities, ledger, loans, truth tables or demo users.

The safety rule (also in ``docs/deploy.md``): ``init`` runs on a database that holds nothing beyond
the reference tables (an empty server database, a new SQLite file, or an ``init`` that stopped before
its admin was saved). A demo database (``meta.synthetic = "1"``) is replaced only with ``--force``.
Anything else that holds rows (a database already initialised, or with imported data) is refused, with
or without ``--force``: ``init`` never erases real data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from sqlalchemy import Engine, inspect, select

from jkn_core import access, config
from jkn_core.audit import audit
from jkn_core.cli.prompt import error, read_password
from jkn_core.db import INITIALISED_KEY, create_schema, drop_schema, get_engine, set_meta
from jkn_core.demo.reference_tables import REFERENCE_TABLES, write_reference_tables
from jkn_core.kpi import reference
from jkn_core.schema import Base, Meta
from jkn_core.scope import Scope

#: Exit code of a refusal or bad input (argparse uses 2 for usage errors too).
EXIT_REFUSED = 2




def password_problem(username: str, password: str) -> str | None:
    """Why ``password`` may not be the first admin's (the rules of
    :func:`jkn_core.access.check_new_password`: length, not the username, not a demo password), or ``None``."""
    try:
        access.check_new_password(username, password)
    except access.PasswordRuleError as exc:
        return str(exc)
    return None


def database_contents(engine: Engine) -> dict[str, object]:
    """What the database holds, for the safety rule: ``tables_with_rows`` (tables other than the
    reference tables and ``meta`` that hold at least one row), ``synthetic`` and ``initialised``
    (the ``meta`` values, or ``None``)."""
    skip = set(REFERENCE_TABLES) | {Meta.__tablename__}
    with engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
        with_rows = [
            name for name, table in Base.metadata.tables.items()
            if name not in skip and name in existing and conn.execute(select(1).select_from(table).limit(1)).first()
        ]
        meta: dict[str, str] = {}
        if Meta.__tablename__ in existing:
            meta = dict(conn.execute(select(Meta.key, Meta.value).where(
                Meta.key.in_(("synthetic", INITIALISED_KEY)))).all())
    return {"tables_with_rows": sorted(with_rows), "synthetic": meta.get("synthetic"),
            "initialised": meta.get(INITIALISED_KEY)}


def refusal(contents: dict[str, object], force: bool) -> str | None:
    """The one-line reason ``init`` must not run on a database with ``contents``, or ``None``."""
    tables = list(contents["tables_with_rows"])  # type: ignore[call-overload]
    if contents["initialised"]:
        return (f"this database was already initialised ({contents['initialised']}); "
                "init never erases a real database (add users with: python -m jkn_core users add)")
    if not tables:
        return None
    listed = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
    if contents["synthetic"] == "1":
        if force:
            return None
        return (f"this database holds the synthetic demo ({listed}); "
                "run init --force to replace the demo with a clean database")
    return (f"this database already holds data ({listed}); init never erases it, "
            "with or without --force: use a new, empty database")


def _init(args: argparse.Namespace) -> int:
    engine = get_engine(config.database_url())
    username = access.normalise_username(args.admin)
    contents = database_contents(engine)
    reason = refusal(contents, args.force)
    if reason:
        error(reason)
        return EXIT_REFUSED
    password = read_password("Password for the first admin: ")
    if password is None:
        return EXIT_REFUSED
    if not password:
        error("no password on standard input (pipe it in: "
             "printf '%s\\n' 'a-long-password' | python -m jkn_core init)")
        return EXIT_REFUSED
    problem = password_problem(username, password)
    if problem:
        error(problem)
        return EXIT_REFUSED

    if contents["tables_with_rows"]:  # a demo database, --force given (refusal() allowed nothing else)
        drop_schema(engine)
        print("demo database dropped", file=sys.stderr)
    create_schema(engine)
    counts = write_reference_tables(engine)
    counts["reference_figures"] = reference.load_shipped(engine)  # dated published figures (kpi.reference)
    try:
        access.create_user(engine, username, password, "admin", actor=Scope.cli())
    except ValueError as exc:
        error(str(exc))
        return EXIT_REFUSED
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with engine.begin() as conn:
        set_meta(conn, {"synthetic": "0", INITIALISED_KEY: stamp})
        audit(conn, Scope.cli(), "database_initialised",
              {"admin": username, "replaced_demo": bool(contents["tables_with_rows"]), **counts})
    print(f"database initialised: {counts['regions']} regions, {counts['provinces']} provinces, "
          f"{counts['branches']} branches, {counts['regencies']} regencies, {counts['targets']} targets; "
          f"admin {username} created; no demo users, no synthetic data")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``init`` to the ``python -m jkn_core`` sub-commands."""
    p = sub.add_parser(
        "init",
        help="set up a real database: schema, geography, first admin (no demo data, no demo users)",
        description="Create the schema and the reference geography (regions, provinces, branches, "
        "regencies, population, default targets) and the first admin, and mark the database as real. "
        "The admin's password is the first line of standard input (on a terminal it is asked twice, "
        "hidden). Refuses a database that holds data; --force replaces a synthetic demo database only.",
    )
    p.add_argument("--admin", default="admin", metavar="USERNAME", help="the first admin's username (default: admin)")
    p.add_argument("--force", action="store_true", help="replace a synthetic demo database (never a real one)")
    p.set_defaults(func=_init)
