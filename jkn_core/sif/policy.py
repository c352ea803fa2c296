"""SIF loan sizing and policy checks: annuity arithmetic, the bank's rules, OJK collectability, PSI.

The bank's policy parameters live in ``jkn_core/sif/sif_policy.toml`` (documented in ``docs/sif.md``); a
database may override any of them with a JSON object in ``meta`` under the key ``sif_policy``.
Nothing here hard-codes a policy number: every limit comes from a :class:`Policy`.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, select

from jkn_core import rules
from jkn_core.schema import Meta

POLICY_FILE = Path(__file__).with_name("sif_policy.toml")
META_KEY = "sif_policy"

OJK_CLASSES = rules.OJK_CLASSES

DECISIONS = ("approve", "refer", "decline")


@dataclass(frozen=True)
class Policy:
    """The bank's SIF policy (see ``sif_policy.toml`` for what each parameter means)."""

    max_instalment_share: float
    bank_rate_pct: float
    min_amount: int
    max_amount: int
    amount_step: int
    min_tenor_months: int
    max_tenor_months: int
    eligible_types: tuple[str, ...]
    tenor_margin_months: int
    renewals_for_margin: int
    min_contract_months: int
    max_participants_per_doctor: float
    base_score: float
    base_odds: float
    pdo: float
    grade_names: tuple[str, ...]
    grade_min_scores: tuple[float, ...]
    approval_score: float
    refer_score: float
    reference_tenor_months: int
    reference_instalment_share: float
    contract_end_warning_months: int
    capitation_drop_warning: float
    source: str = field(default="file", compare=False)

    @property
    def factor(self) -> float:
        """Points per unit of log-odds: PDO / ln 2."""
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        """Score at even odds (1 : 1): base_score - factor * ln(base_odds)."""
        return self.base_score - self.factor * math.log(self.base_odds)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for key in ("eligible_types", "grade_names", "grade_min_scores"):
        if key in out:
            out[key] = tuple(out[key])
    return out


def load_policy(engine: Engine | None = None, path: Path | None = None) -> Policy:
    """The policy from the TOML file, overridden by ``meta.sif_policy`` (JSON) when the database has one."""
    values = tomllib.loads((path or POLICY_FILE).read_text())
    source = "file"
    if engine is not None:
        try:
            with engine.connect() as conn:
                raw = conn.execute(select(Meta.value).where(Meta.key == META_KEY)).scalar()
        except Exception:  # noqa: BLE001 - a database without the meta table keeps the file policy
            raw = None
        if raw:
            values.update(json.loads(raw))
            source = "database"
    known = {f.name for f in fields(Policy)} - {"source"}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown SIF policy parameters: {sorted(unknown)}")
    missing = known - set(values)
    if missing:
        raise ValueError(f"SIF policy misses parameters: {sorted(missing)}")
    policy = Policy(**_coerce(values), source=source)
    if len(policy.grade_min_scores) != len(policy.grade_names) - 1:
        raise ValueError("grade_min_scores needs one entry fewer than grade_names")
    return policy


def with_changes(policy: Policy, **changes: Any) -> Policy:
    """A copy of ``policy`` with some parameters changed (what-if, tests)."""
    return replace(policy, **_coerce(changes))


# --- annuity arithmetic -----------------------------------------------------------------------------
def instalment(amount: float, rate_pct: float, tenor_months: int) -> float:
    """Monthly annuity instalment: A = P r / (1 - (1 + r)^-n), r = annual rate / 12; P / n at 0 %."""
    if tenor_months <= 0:
        raise ValueError("tenor must be at least one month")
    r = rate_pct / 1200.0
    if r == 0:
        return amount / tenor_months
    return amount * r / (1.0 - (1.0 + r) ** -tenor_months)


def principal_for(instalment_rp: float, rate_pct: float, tenor_months: int) -> float:
    """The loan a monthly instalment repays: P = A (1 - (1 + r)^-n) / r; A n at 0 %."""
    if tenor_months <= 0:
        raise ValueError("tenor must be at least one month")
    r = rate_pct / 1200.0
    if r == 0:
        return instalment_rp * tenor_months
    return instalment_rp * (1.0 - (1.0 + r) ** -tenor_months) / r


def instalments(amount: np.ndarray, rate_pct: np.ndarray, tenor_months: np.ndarray) -> np.ndarray:
    """Vectorised :func:`instalment` for frames of loans."""
    amount, r = np.asarray(amount, float), np.asarray(rate_pct, float) / 1200.0
    n = np.asarray(tenor_months, float)
    safe_r = np.where(r == 0, 1.0, r)
    return np.where(r == 0, amount / n, amount * safe_r / (1.0 - (1.0 + safe_r) ** -n))


def outstanding(amount: float, rate_pct: float, tenor_months: int, months_paid: int) -> float:
    """Principal still owed after ``months_paid`` annuity instalments."""
    k = max(0, min(int(months_paid), tenor_months))
    return principal_for(instalment(amount, rate_pct, tenor_months), rate_pct, tenor_months - k) if k < tenor_months else 0.0


# --- score scaling ----------------------------------------------------------------------------------
def score_from_pd(pd_: float, policy: Policy) -> float:
    """Scorecard points for a probability of default: offset + factor * ln((1 - PD) / PD)."""
    p = min(max(float(pd_), 1e-9), 1 - 1e-9)
    return policy.offset + policy.factor * math.log((1 - p) / p)


def pd_from_score(score: float, policy: Policy) -> float:
    """Inverse of :func:`score_from_pd`."""
    return 1.0 / (1.0 + math.exp((float(score) - policy.offset) / policy.factor))


def grade(score: float, policy: Policy) -> str:
    for name, lowest in zip(policy.grade_names, policy.grade_min_scores, strict=False):
        if score >= lowest:
            return name
    return policy.grade_names[-1]


# --- rules ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FacilityFacts:
    """What the rules need to know about a facility, as of a month."""

    facility_type: str
    capitation_income: float  # Rp per month, after the KBK adjustment (capitation actually paid)
    contract_months_remaining: int  # months from the as-of month to the month the contract ends
    months_contracted: int  # months since the first BPJS contract
    renewals: int
    participants_per_doctor: float


@dataclass(frozen=True)
class Check:
    rule: str  # instalment_share | tenor_within_contract | contract_history | participants_per_doctor | ...
    passed: bool
    value: float
    limit: float
    detail: str  # English, for logs and the memo's fallback; pages translate ``rule``

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Assessment:
    amount: int
    tenor_months: int
    rate_pct: float
    instalment: float
    instalment_share: float
    max_tenor_months: int
    max_loan: int  # largest loan for the requested tenor and rate within the instalment share (0 if none)
    checks: tuple[Check, ...]

    @property
    def rules_pass(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


def max_tenor(facts: FacilityFacts, policy: Policy) -> int:
    """Longest tenor the contract allows: the months remaining, plus the margin after enough renewals."""
    margin = policy.tenor_margin_months if facts.renewals >= policy.renewals_for_margin else 0
    return max(0, int(facts.contract_months_remaining) + margin)


def max_loan(facts: FacilityFacts, tenor_months: int, rate_pct: float, policy: Policy) -> int:
    """Largest loan whose instalment stays within the share of capitation income (rounded down)."""
    if facts.capitation_income <= 0 or tenor_months <= 0:
        return 0
    p = principal_for(policy.max_instalment_share * facts.capitation_income, rate_pct, tenor_months)
    p = min(p, policy.max_amount)
    step = max(1, int(policy.amount_step))
    return int(math.floor(p / step + 1e-9) * step)


def assess(facts: FacilityFacts, amount: float, tenor_months: int, rate_pct: float, policy: Policy) -> Assessment:
    """Size the loan and run every rule; each :class:`Check` says what was compared with what."""
    inst = instalment(amount, rate_pct, tenor_months)
    share = inst / facts.capitation_income if facts.capitation_income > 0 else math.inf
    t_max = max_tenor(facts, policy)
    checks = [
        Check("eligible_type", facts.facility_type in policy.eligible_types, 1.0 if facts.facility_type in
              policy.eligible_types else 0.0, 1.0, f"type {facts.facility_type}; SIF lends to "
              f"{', '.join(policy.eligible_types)}"),
        # tolerance of a thousandth of a Rupiah per Rupiah: an instalment exactly at the limit passes
        Check("instalment_share", share <= policy.max_instalment_share + 1e-9, share, policy.max_instalment_share,
              f"instalment {inst:,.0f} is {share:.1%} of capitation income {facts.capitation_income:,.0f} "
              f"(limit {policy.max_instalment_share:.0%})"),
        Check("tenor_within_contract", tenor_months <= t_max, float(tenor_months), float(t_max),
              f"tenor {tenor_months} months; contract ends in {facts.contract_months_remaining} months"
              + (f" (+{policy.tenor_margin_months} after {facts.renewals} renewals)"
                 if t_max > facts.contract_months_remaining else "")),
        Check("contract_history", facts.months_contracted >= policy.min_contract_months,
              float(facts.months_contracted), float(policy.min_contract_months),
              f"{facts.months_contracted} months contracted with BPJS (minimum {policy.min_contract_months})"),
        Check("participants_per_doctor", facts.participants_per_doctor <= policy.max_participants_per_doctor,
              float(facts.participants_per_doctor), float(policy.max_participants_per_doctor),
              f"{facts.participants_per_doctor:,.0f} participants per doctor "
              f"(maximum {policy.max_participants_per_doctor:,.0f})"),
        Check("amount_range", policy.min_amount <= amount <= policy.max_amount, float(amount),
              float(policy.max_amount), f"amount {amount:,.0f} (bank range {policy.min_amount:,.0f} to "
              f"{policy.max_amount:,.0f})"),
        Check("tenor_range", policy.min_tenor_months <= tenor_months <= policy.max_tenor_months,
              float(tenor_months), float(policy.max_tenor_months),
              f"tenor {tenor_months} (bank offers {policy.min_tenor_months} to {policy.max_tenor_months})"),
    ]
    return Assessment(amount=int(round(amount)), tenor_months=int(tenor_months), rate_pct=float(rate_pct),
                      instalment=inst, instalment_share=share, max_tenor_months=t_max,
                      max_loan=max_loan(facts, tenor_months, rate_pct, policy), checks=tuple(checks))


def decide(assessment: Assessment, score: float, policy: Policy) -> str:
    """approve / refer / decline: any failed rule declines; otherwise the score against the cut-offs."""
    if not assessment.rules_pass:
        return "decline"
    if score >= policy.approval_score:
        return "approve"
    if score >= policy.refer_score:
        return "refer"
    return "decline"


# --- monitoring -------------------------------------------------------------------------------------
def ojk_class(days_past_due: float) -> tuple[str, str]:
    """(``Kol-n``, Indonesian name) for days past due (POJK 40/2019)."""
    dpd = max(0.0, float(days_past_due or 0))
    for code, name, upper in OJK_CLASSES:
        if dpd <= upper:
            return code, name
    return OJK_CLASSES[-1][0], OJK_CLASSES[-1][1]


def ojk_classes(days_past_due: Sequence[float] | np.ndarray) -> np.ndarray:
    """Vectorised :func:`ojk_class`, codes only."""
    dpd = np.nan_to_num(np.asarray(days_past_due, float), nan=0.0)
    uppers = np.array([u for _, _, u in OJK_CLASSES[:-1]])
    codes = np.array([c for c, _, _ in OJK_CLASSES])
    return codes[np.searchsorted(uppers, dpd, side="left")]


def psi(expected_shares: Sequence[float], actual_shares: Sequence[float], floor: float = 1e-4) -> float:
    """Population stability index: sum (a - e) ln(a / e) over bins (shares floored to avoid ln 0).

    Rule of thumb: < 0.10 stable, 0.10-0.25 watch, > 0.25 shifted (re-develop the model).
    """
    e = np.maximum(np.asarray(expected_shares, float), floor)
    a = np.maximum(np.asarray(actual_shares, float), floor)
    e, a = e / e.sum(), a / a.sum()
    return float(np.sum((a - e) * np.log(a / e)))


def bin_shares(values: Sequence[float] | np.ndarray, edges: Sequence[float]) -> list[float]:
    """Share of ``values`` in each bin of the inner ``edges`` (len(edges) + 1 bins)."""
    v = np.asarray(values, float)
    if len(v) == 0:
        return [0.0] * (len(edges) + 1)
    idx = np.searchsorted(np.asarray(edges, float), v, side="right")
    counts = np.bincount(idx, minlength=len(edges) + 1)
    return (counts / counts.sum()).tolist()


def psi_status(value: float) -> str:
    return "stable" if value < 0.10 else ("watch" if value < 0.25 else "shifted")
