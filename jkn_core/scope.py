"""Who may see what: the signed-in user's scope, applied by every query in jkn_core.

Roles follow the BPJS hierarchy:
- ``direksi``: the whole nation, aggregates only;
- ``deputi_wilayah``: their Kedeputian Wilayah (region), aggregates only;
- ``kantor_cabang``: their branch, aggregates and the participant work queue;
- ``bank_officer``: facility pages and SIF for their bank's market (the provinces listed for the bank in
  :mod:`jkn_core.bank_markets`; the officer's own region for a bank not listed there), never
  participant-level data, and never another bank's rows (applications, booked loans:
  :meth:`Scope.bank_clause`);
- ``admin``: everything (users, imports, targets, models).

Command-line actions run as :meth:`Scope.cli` (admin rights, named after the operating-system user);
batch jobs without a person behind them as :meth:`Scope.system`.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, select, true

from jkn_core import bank_markets
from jkn_core.schema import ROLES, Branch


class ScopeError(PermissionError):
    """Raised when a user asks for data outside their scope or role."""


@dataclass(frozen=True)
class Scope:
    """A signed-in user's role and where they may look (region, branch, bank); immutable."""

    role: str
    username: str = "system"
    region_code: str | None = None
    branch_code: str | None = None
    bank: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; expected one of {', '.join(ROLES)}")
        if self.role in ("deputi_wilayah", "bank_officer") and not self.region_code:
            raise ValueError(f"role {self.role} needs a region code")
        if self.role == "kantor_cabang" and not self.branch_code:
            raise ValueError("role kantor_cabang needs a branch code")

    # --- constructors ---------------------------------------------------------------------------
    @classmethod
    def national(cls, username: str = "system") -> Scope:
        """Everything, as the direksi sees it (aggregates)."""
        return cls(role="direksi", username=username)

    @classmethod
    def system(cls) -> Scope:
        """Batch jobs and CLIs run with admin rights."""
        return cls(role="admin", username="system")

    @classmethod
    def cli(cls) -> Scope:
        """``python -m jkn_core`` commands: admin rights, audited as ``cli:<operating-system user>``.

        The OS user comes from :func:`getpass.getuser` (``LOGNAME``, ``USER``, ... or the password
        database); when none can be found the name is ``cli:unknown``.
        """
        try:
            who = getpass.getuser()
        except Exception:  # no environment variable and no passwd entry (OSError / KeyError)
            who = ""
        who = "".join(ch for ch in str(who or "").strip() if ch.isprintable()) or "unknown"
        return cls(role="admin", username=f"cli:{who}"[:64])

    # --- rights ---------------------------------------------------------------------------------
    @property
    def sees_participants(self) -> bool:
        """Participant-level rows (work queue, identities) are for branch teams and admins only."""
        return self.role in ("kantor_cabang", "admin")

    @property
    def sees_identity(self) -> bool:
        """Unmasked NIK and names: the branch team that must contact the family, and admins."""
        return self.role in ("kantor_cabang", "admin")

    @property
    def sees_kpis(self) -> bool:
        return self.role in ("direksi", "deputi_wilayah", "kantor_cabang", "admin")

    @property
    def sees_facilities(self) -> bool:
        return True

    @property
    def sees_sif(self) -> bool:
        return self.role in ("bank_officer", "admin", "direksi", "deputi_wilayah")

    @property
    def bank_bound(self) -> bool:
        """A bank officer sees only their own bank's rows (applications, booked loans)."""
        return self.role == "bank_officer"

    @property
    def market(self) -> tuple[str, ...]:
        """A bank officer's market: province codes of their bank in :mod:`jkn_core.bank_markets` (empty for
        other roles and for a bank not listed there, whose officer keeps their region)."""
        return bank_markets.market_of(self.bank) if self.bank_bound else ()

    def describe(self) -> str:
        if self.bank_bound and self.market:
            return f"{self.role}:bank={self.bank}:provinces={','.join(self.market)}"[:80]
        if self.branch_code:
            return f"{self.role}:branch={self.branch_code}"
        if self.region_code:
            return f"{self.role}:region={self.region_code}"
        return f"{self.role}:national"

    # --- SQL ------------------------------------------------------------------------------------
    def clause(self, region_col: Any | None = None, branch_col: Any | None = None) -> ColumnElement[bool]:
        """WHERE clause limiting rows to this scope.

        Pass the region-code column and/or the branch-code column of the query's rows. A scope
        that needs a column the query does not offer raises, so a query cannot forget the scope.
        A bank officer whose bank has a market sees the branches of the market's provinces (a branch
        column is needed), whatever their region; otherwise their region.
        """
        market = self.market
        if market:
            if branch_col is None:
                raise ScopeError("a bank officer's market needs a branch column in this query")
            return branch_col.in_(select(Branch.code).where(Branch.province_code.in_(market)))
        conds = []
        if self.branch_code:
            if branch_col is None:
                raise ScopeError("a branch-scoped user needs a branch column in this query")
            conds.append(branch_col == self.branch_code)
        if self.region_code:
            if region_col is None and branch_col is None:
                raise ScopeError("a region-scoped user needs a region column in this query")
            if region_col is not None:
                conds.append(region_col == self.region_code)
            else:  # only a branch column: keep the branches of the user's region
                conds.append(branch_col.in_(select(Branch.code).where(Branch.region_code == self.region_code)))
        return and_(*conds) if conds else true()

    def bank_clause(self, bank_col: Any) -> ColumnElement[bool]:
        """WHERE clause limiting rows that belong to a bank (loans, applications) to this scope's bank.

        ``bank_col`` is the bank of each row (a column or a scalar subquery). A bank officer sees their
        own bank's rows only, and nothing when their user row names no bank; every other role sees all
        banks (their region or branch is still applied by :meth:`clause`).
        """
        if not self.bank_bound:
            return true()
        if not self.bank:
            return false()
        return bank_col == self.bank

    def require(self, right: str) -> None:
        """Raise ScopeError unless the scope has the named right (e.g. ``"sees_participants"``)."""
        if not getattr(self, right):
            raise ScopeError(f"role {self.role} may not do this ({right})")
