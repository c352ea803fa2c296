"""Which branch and which families a signed-in user may work on in collections (participant-level access).

Every collections function that reads or writes participant data goes through here:
``scope.require("sees_participants")`` (branch teams and admins only), and a branch user sees only their
branch. The scope itself (:class:`jkn_core.scope.Scope`) is defined elsewhere; this module only applies it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

from jkn_core.schema import SELF_PAYING_SEGMENTS, Branch, Family
from jkn_core.scope import Scope, ScopeError


def branch_for(scope: Scope, branch_code: str | None) -> str:
    """The branch a collections call works on: the user's own branch, or ``branch_code`` for a user above
    branch level (ScopeError when a branch user asks for another branch, ValueError when none is given)."""
    scope.require("sees_participants")
    if scope.branch_code:
        if branch_code and branch_code != scope.branch_code:
            raise ScopeError(f"branch {branch_code} is outside this user's scope")
        return scope.branch_code
    if not branch_code:
        raise ValueError("choose a branch")
    return branch_code


def check_family(conn: Any, scope: Scope, family_id: int) -> str:
    """The family's branch code; ScopeError when the family is outside the user's scope."""
    row = conn.execute(select(Family.branch_code, Branch.region_code).join(Branch, Branch.code == Family.branch_code)
                       .where(Family.id == int(family_id), scope.clause(Branch.region_code, Branch.code))).first()
    if row is None:
        raise ScopeError(f"family {family_id} is not in this user's scope")
    return row[0]


def branches_with_families(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Branches in scope with their number of self-paying family rows (largest first)."""
    scope.require("sees_participants")
    q = (select(Branch.code.label("branch_code"), Branch.name.label("branch_name"),
                func.count(Family.id).label("families"))
         .join(Family, Family.branch_code == Branch.code)
         .where(Family.segment.in_(SELF_PAYING_SEGMENTS), scope.clause(Branch.region_code, Branch.code))
         .group_by(Branch.code, Branch.name).order_by(func.count(Family.id).desc(), Branch.code))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=["branch_code", "branch_name", "families"])
