"""The demo users: one per role, with public passwords, for synthetic demo databases only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select

from jkn_core.access.defaults import record_default_password
from jkn_core.access.users import create_user
from jkn_core.schema import Branch, Region, User


@dataclass(frozen=True)
class DemoUser:
    """A demo sign-in: username, public password, role and scope, and a label for the sign-in page."""

    username: str
    password: str
    role: str
    region_code: str | None = None
    branch_code: str | None = None
    bank: str | None = None
    label: str = ""


#: One demo user per role. The passwords are public: demo databases only, never production.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("direksi", "direksi-demo", "direksi", label="Direksi (national)"),
    DemoUser("deputi", "deputi-demo", "deputi_wilayah", region_code="KW03", label="Deputi Wilayah III"),
    DemoUser("cabang", "cabang-demo", "kantor_cabang", branch_code="0301", label="Kantor Cabang Palembang"),
    DemoUser(
        "bank", "bank-demo", "bank_officer", region_code="KW05", bank="Bank bjb",
        label="Bank bjb officer (Jawa Barat, Banten)",
    ),  # scope: Bank bjb's market in jkn_core/data/bank_markets.csv (the region is kept for a bank without one)
    DemoUser("admin", "admin-demo", "admin", label="Administrator"),
)


def create_demo_users(engine: Engine, log: Callable[[str], None] | None = None) -> list[str]:
    """Create the :data:`DEMO_USERS` that are missing; returns the usernames created.

    Users whose region or branch is not in this (possibly small) world are skipped. Passwords are
    never logged. Each created user's hash is recorded as a demo default (see
    (:mod:`jkn_core.access.defaults`), so the sign-in page shows a demo password only while unchanged.
    """
    log = log or (lambda _msg: None)
    with engine.connect() as conn:
        existing = set(conn.execute(select(User.username)).scalars())
        regions = set(conn.execute(select(Region.code)).scalars())
        branches = set(conn.execute(select(Branch.code)).scalars())
    created: list[str] = []
    for u in DEMO_USERS:
        if u.username in existing:
            continue
        if u.region_code and u.region_code not in regions:
            log(f"demo user {u.username}: region {u.region_code} not in this world, skipped")
            continue
        if u.branch_code and u.branch_code not in branches:
            log(f"demo user {u.username}: branch {u.branch_code} not in this world, skipped")
            continue
        create_user(
            engine, u.username, u.password, u.role, u.region_code, u.branch_code, u.bank, actor="demo"
        )
        created.append(u.username)
    if created:  # remember each demo hash: the password is "still the demo default" while it is unchanged
        with engine.begin() as conn:
            hashes = dict(conn.execute(select(User.username, User.password_hash)
                                       .where(User.username.in_(created))).all())
            for name, password_hash in hashes.items():
                record_default_password(conn, name, password_hash, "demo")
    if created:
        log(f"demo users created: {', '.join(created)} (passwords: see docs/access.md)")
    return created
