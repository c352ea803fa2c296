"""``python -m jkn_core users add|list|deactivate|activate``: manage dashboard users.

Changes are audited under :meth:`Scope.cli` (``cli:<operating-system user>``), so the log says who ran them.
"""

from __future__ import annotations

import argparse

from sqlalchemy import Engine

from jkn_core import access
from jkn_core.cli.prompt import error, read_password
from jkn_core.scope import Scope


def _engine() -> Engine:
    from jkn_core import config
    from jkn_core.db import get_engine

    return get_engine(config.database_url())  # explicit URL: the cache follows JKN_DATABASE_URL


def _cli_add(args: argparse.Namespace) -> int:
    if args.role not in access.ROLES:
        error(f"unknown role {args.role!r}; expected one of {', '.join(access.ROLES)}")
        return 2
    password = read_password()
    if password is None:
        return 2
    if not password:
        error(
            "no password on standard input (pipe it in: echo 'secret-pass' | python -m jkn_core users add ...)"
        )
        return 2
    try:
        access.create_user(
            _engine(),
            args.username,
            password,
            args.role,
            region_code=args.region,
            branch_code=args.branch,
            bank=args.bank,
            actor=Scope.cli(),
            replace=args.replace,
        )
    except ValueError as exc:
        error(str(exc))
        return 2
    print(f"user {access.normalise_username(args.username)} saved ({args.role})")
    return 0


def _cli_list(args: argparse.Namespace) -> int:
    df = access.list_users(_engine())
    if df.empty:
        print("no users")
        return 0
    print(df.fillna("").to_string(index=False))
    return 0


def _cli_set_active(args: argparse.Namespace) -> int:
    try:
        access.set_user_active(_engine(), args.username, args.active, actor=Scope.cli())
    except ValueError as exc:
        error(str(exc))
        return 2
    print(f"user {access.normalise_username(args.username)} {'activated' if args.active else 'deactivated'}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``users add|list|deactivate|activate`` to the ``python -m jkn_core`` sub-commands."""
    users = sub.add_parser("users", help="add, list and deactivate dashboard users")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION")

    def _users_help(_args: argparse.Namespace) -> int:
        users.print_help()
        return 2

    users.set_defaults(func=_users_help)

    p = users_sub.add_parser(
        "add",
        help="add a user; the password is read from standard input",
        description="Add a user. The password is the first line of standard input "
        "(on a terminal it is asked twice, hidden).",
    )
    p.add_argument("username")
    p.add_argument("--role", required=True, help=f"one of: {', '.join(access.ROLES)}")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--branch", help="branch code (kantor_cabang), e.g. 0301")
    where.add_argument("--region", help="region code (deputi_wilayah, bank_officer), e.g. KW03")
    p.add_argument("--bank", help="bank name (bank_officer), e.g. 'Bank bjb'")
    p.add_argument("--replace", action="store_true", help="overwrite an existing user")
    p.set_defaults(func=_cli_add)

    p = users_sub.add_parser("list", help="list users (no password hashes)")
    p.set_defaults(func=_cli_list)

    p = users_sub.add_parser("deactivate", help="stop a user from signing in")
    p.add_argument("username")
    p.set_defaults(func=_cli_set_active, active=False)

    p = users_sub.add_parser("activate", help="let a deactivated user sign in again")
    p.add_argument("username")
    p.set_defaults(func=_cli_set_active, active=True)
