"""The programme-evaluation policy (``programmes_policy.toml``) and the holdout share of a branch.

One place for: which action label each programme carries, its outcome window, the staff minutes a treated
family costs, the staff hour's price, the default holdout share (10 %), and the per-branch overrides in
``programme_settings``. Used by the measurement (:mod:`jkn_core.programmes.uplift`), the demo simulation
(:mod:`jkn_core.demo.programmes`) and whoever assigns families (the holdout draw: :func:`draw_holdout`).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, delete, insert, inspect, select

from jkn_core.audit import audit
from jkn_core.schema import ProgrammeSetting
from jkn_core.scope import Scope, ScopeError

POLICY_FILE = Path(__file__).with_name("programmes_policy.toml")
OUTCOMES = ("reactivated", "paid")


@dataclass(frozen=True)
class ProgrammePolicy:
    programme: str
    action: str
    window_months: int
    staff_minutes: float


@dataclass(frozen=True)
class EvaluationPolicy:
    default_holdout_share: float
    default_window_months: int
    z: float
    staff_hour_rp: float
    programmes: dict[str, ProgrammePolicy]

    def of(self, programme: str) -> ProgrammePolicy:
        """The programme's entry (an unknown programme: its own name as action, the default window)."""
        return self.programmes.get(programme) or ProgrammePolicy(programme, programme, self.default_window_months, 0.0)


@lru_cache(maxsize=1)
def load_policy() -> EvaluationPolicy:
    raw: dict[str, Any] = tomllib.loads(POLICY_FILE.read_text(encoding="utf-8"))
    window = int(raw["outcome"]["default_window_months"])
    progs = {name: ProgrammePolicy(name, str(p.get("action", name)), int(p.get("window_months", window)),
                                   float(p.get("staff_minutes", 0)))
             for name, p in raw.get("programmes", {}).items()}
    return EvaluationPolicy(float(raw["holdout"]["default_share"]), window, float(raw["outcome"]["z"]),
                            float(raw["costs"]["staff_hour_rp"]), progs)


def holdout_share(engine: Engine, branch_code: str, programme: str) -> float:
    """The branch's holdout share of ``programme`` (its ``programme_settings`` row, else ``'*'`` row of
    the branch, else the policy default)."""
    t = ProgrammeSetting.__table__
    if not inspect(engine).has_table(t.name):
        return load_policy().default_holdout_share
    with engine.connect() as conn:
        rows = dict(conn.execute(select(t.c.programme, t.c.holdout_share).where(
            t.c.branch_code == branch_code, t.c.programme.in_([programme, "*"]))).all())
    share = rows.get(programme, rows.get("*"))
    return float(share) if share is not None else load_policy().default_holdout_share


def draw_holdout(engine: Engine, branch_code: str, programme: str, n: int,
                 rng: np.random.Generator | None = None) -> np.ndarray:
    """For ``n`` families assigned to ``programme`` in a branch: which are held out (random, the branch's
    share). The one place a holdout is drawn."""
    rng = rng or np.random.default_rng()
    return rng.random(n) < holdout_share(engine, branch_code, programme)


def set_holdout_share(engine: Engine, scope: Scope, branch_code: str, programme: str, share: float) -> None:
    """Set a branch's holdout share of a programme (``'*'``: every programme); admins, or the branch's own
    team for its branch. Audited."""
    if not 0.0 <= float(share) <= 0.5:
        raise ValueError("holdout share must be between 0 and 0.5")
    if scope.role != "admin" and not (scope.role == "kantor_cabang" and scope.branch_code == branch_code):
        raise ScopeError(f"role {scope.role} may not set the holdout share of branch {branch_code}")
    t = ProgrammeSetting.__table__
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.branch_code == branch_code, t.c.programme == programme))
        conn.execute(insert(t).values(branch_code=branch_code, programme=programme, holdout_share=float(share),
                                      updated_by=scope.username,
                                      updated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)))
        audit(conn, scope, "programme_holdout_set",
              {"branch": branch_code, "programme": programme, "share": float(share)})
