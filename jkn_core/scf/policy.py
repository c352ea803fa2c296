"""SCF line sizing, tenor, pricing, grade and decision from ``scf_policy.toml`` (pure functions).

A line: ``limit = advance_rate × receivable`` (verified, unpaid claims), rounded down to ``amount_step``, within
``min_limit .. max_limit``; tenor = the 10 + 15 days of :mod:`jkn_core.scf.claim_rules` plus the hospital's
mean delay beyond them, clipped to ``min_tenor_days .. max_tenor_days``; annual rate = ``base_rate_pct`` +
the grade's spread; discount = limit × rate × tenor / 360. Grades from the 6-month PD (``grade_max_pd``).
OJK collectability of a drawdown is :func:`jkn_core.sif.policy.ojk_class` (POJK 40/2019, defined once there).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from jkn_core.scf import claim_rules as rules
from jkn_core.sif.policy import ojk_class as ojk_class  # re-exported: the one OJK rule
from jkn_core.sif.policy import ojk_classes as ojk_classes

POLICY_FILE = Path(__file__).with_name("scf_policy.toml")


@dataclass(frozen=True)
class Policy:
    advance_rate: float
    min_advance_rate: float
    max_advance_rate: float
    min_limit: int
    max_limit: int
    amount_step: int
    min_tenor_days: int
    max_tenor_days: int
    base_rate_pct: float
    grade_names: tuple[str, ...]
    grade_max_pd: tuple[float, ...]
    grade_spread_pct: tuple[float, ...]
    approve_grades: tuple[str, ...]
    refer_grades: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_policy(path: Path | None = None) -> Policy:
    values = tomllib.loads((path or POLICY_FILE).read_text())
    known = {f.name for f in fields(Policy)}
    if set(values) != known:
        raise ValueError(f"SCF policy parameters differ from the expected: {sorted(set(values) ^ known)}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    policy = Policy(**values)
    if len(policy.grade_max_pd) != len(policy.grade_names) - 1 or len(policy.grade_spread_pct) != len(policy.grade_names):
        raise ValueError("grade_max_pd needs one entry fewer than grade_names, grade_spread_pct as many")
    return policy


def with_changes(policy: Policy, **changes: Any) -> Policy:
    return replace(policy, **changes)


def grade(pd_: float, policy: Policy) -> str:
    for name, upper in zip(policy.grade_names, policy.grade_max_pd, strict=False):
        if pd_ < upper:
            return name
    return policy.grade_names[-1]


def decide(grade_: str, policy: Policy) -> str:
    if grade_ in policy.approve_grades:
        return "approve"
    if grade_ in policy.refer_grades:
        return "refer"
    return "decline"


def tenor_days(mean_delay_beyond_rule: float, policy: Policy) -> int:
    """Days from an advance to BPJS's expected payment (10 + 15 days plus the hospital's usual delay)."""
    days = rules.RULE_DAYS + max(0.0, float(mean_delay_beyond_rule or 0.0))
    return int(min(policy.max_tenor_days, max(policy.min_tenor_days, math.ceil(days))))


def line_limit(receivable_rp: float, advance_rate: float, policy: Policy) -> int:
    """The line for ``receivable_rp`` of verified, unpaid claims (0 below ``min_limit``)."""
    if not policy.min_advance_rate <= advance_rate <= policy.max_advance_rate:
        raise ValueError(f"advance rate must be between {policy.min_advance_rate} and {policy.max_advance_rate}")
    raw = min(float(receivable_rp) * advance_rate, policy.max_limit)
    limit = int(raw // policy.amount_step * policy.amount_step)
    return limit if limit >= policy.min_limit else 0


def rate_pct(grade_: str, policy: Policy) -> float:
    return policy.base_rate_pct + policy.grade_spread_pct[policy.grade_names.index(grade_)]


def discount(limit_rp: float, rate: float, tenor: int) -> int:
    """The bank's price of one advance of ``limit_rp`` for ``tenor`` days at annual ``rate`` %."""
    return int(round(limit_rp * rate / 100 * tenor / 360))


def propose(receivable_rp: float, mean_delay_beyond_rule: float, pd_: float, policy: Policy,
            advance_rate: float | None = None) -> dict[str, Any]:
    """The proposed line: limit, tenor, grade, rate, discount and decision."""
    adv = policy.advance_rate if advance_rate is None else float(advance_rate)
    limit = line_limit(receivable_rp, adv, policy)
    g = grade(pd_, policy)
    tenor = tenor_days(mean_delay_beyond_rule, policy)
    rate = rate_pct(g, policy)
    decision = decide(g, policy) if limit > 0 else "decline"
    return {"receivable_rp": int(receivable_rp), "advance_rate": adv, "limit_rp": limit, "tenor_days": tenor,
            "grade": g, "rate_pct": rate, "discount_rp": discount(limit, rate, tenor), "pd": float(pd_),
            "decision": decision}
