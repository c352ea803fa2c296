"""Default passwords (a demo user's public one, or a temporary one an admin set), recorded in ``meta``.

The hash a default password produced is stored under
:func:`~jkn_core.access.passwords.default_password_key`; a user's password is still the default while
their stored hash is that very string (a string comparison, no Argon2).
"""

from __future__ import annotations

import json

from sqlalchemy.engine import Connection

from jkn_core.access.passwords import default_password_key
from jkn_core.access.users import normalise_username
from jkn_core.db import set_meta


def record_default_password(conn: Connection, username: str, password_hash: str, kind: str) -> None:
    """Record ``password_hash`` as ``username``'s default password (``kind``: ``demo`` or ``reset``)."""
    if kind not in ("demo", "reset"):
        raise ValueError(f"unknown default password kind {kind!r}")
    set_meta(conn, {default_password_key(normalise_username(username)):
                    json.dumps({"kind": kind, "hash": password_hash}, sort_keys=True)})


def default_kind(meta_value: str | None, password_hash: str | None) -> str | None:
    """``"demo"``/``"reset"`` when ``password_hash`` is the recorded default (``meta_value``), else ``None``."""
    if not meta_value or not password_hash:
        return None
    try:
        entry = json.loads(meta_value)
    except ValueError:
        return None
    if isinstance(entry, dict) and entry.get("hash") == password_hash:
        return str(entry.get("kind")) if entry.get("kind") in ("demo", "reset") else None
    return None
