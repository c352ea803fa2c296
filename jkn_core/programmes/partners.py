"""Partners (LPD per desa adat, Kader JKN, CSR sponsors) and assignments of families to a partner or action:
save a partner, assign families (from the work queue), record contact / payment outcomes, fees owed, and each
partner's performance.

Fees follow from recorded successes by each partner's fee rule, defined once in :func:`fee_sql`:
``share_of_collected`` = fee_rate × Rupiah collected; ``per_success`` = fee_per_success_rp for an assignment
whose family was reactivated; ``none`` = 0. Holdout assignments are never treated and earn no fee.

Scope: a kantor cabang sees and assigns only its own families, sees the partners of its branch (and the
province-wide or national ones), and creates partners only for its branch; every write is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, func, insert, literal, or_, select, update

from jkn_core.audit import audit
from jkn_core.collection import features
from jkn_core.collection.branch_scope import branch_for, check_family
from jkn_core.programmes.evaluation import draw_holdout
from jkn_core.programmes.rehab import next_id
from jkn_core.schema import (
    ASSIGNMENT_STATUSES,
    FEE_RULES,
    PARTNER_KINDS,
    Branch,
    Family,
    Partner,
    PartnerAssignment,
    Regency,
)
from jkn_core.scope import Scope, ScopeError

#: Programmes / actions a family can be assigned to (the partner kind each one needs, None: no partner).
PROGRAMMES: dict[str, str | None] = {"lpd": "lpd", "kader": "kader", "csr": "csr_sponsor", "rehab": None,
                                     "call": None, "visit": None, "sms": None}
#: Statuses that count as paying ("paid" in the performance table).
SUCCESS = ("paid", "reactivated")
#: The success a per-success fee pays for: the family's cover is back (a Kader JKN's fee).
FEE_SUCCESS = "reactivated"
#: Statuses that count as contacted (every success was contacted).
CONTACTED = ("contacted", "paid", "reactivated")
#: ``assigned_by`` of generated assignments: a generated row stands for the family's weight, a user's for 1.
GENERATED_BY = "generator"


class AssignmentRefused(ValueError):
    """An assignment a rule refuses; ``reason`` is the code (i18n ``prog_refuse_<reason>``)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}{': ' + detail if detail else ''}")
        self.reason = reason


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# --- rules ----------------------------------------------------------------------------------------
def fee_sql(partner: Any = Partner, assignment: Any = PartnerAssignment) -> Any:
    """SQL: the fee owed for an assignment by its partner's fee rule (0 for a holdout or without success)."""
    treated = assignment.holdout.is_(False)
    return case(
        (and_(treated, partner.fee_rule == "share_of_collected"),
         func.round(func.coalesce(partner.fee_rate, 0.0) * assignment.collected_rp)),
        (and_(treated, assignment.status == FEE_SUCCESS, partner.fee_rule == "per_success"),
         func.coalesce(partner.fee_per_success_rp, 0)),
        else_=0)


def assignment_weight(assignment: Any = PartnerAssignment, family: Any = Family) -> Any:
    """Real families one assignment row stands for: the family weight for a generated row, 1 for a user's."""
    return case((assignment.assigned_by == GENERATED_BY, family.weight), else_=1)


def parse_eligibility(text: str | None) -> dict[str, list]:
    """A partner's eligibility JSON (``{"segments": [...], "kelas": [...], "provinces": [...]}``); ValueError
    on anything else."""
    if not text:
        return {}
    try:
        rule = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"eligibility is not JSON: {exc.msg}") from None
    if not isinstance(rule, dict) or not set(rule) <= {"segments", "kelas", "provinces"} or not all(
            isinstance(v, list) for v in rule.values()):
        raise ValueError('eligibility must be an object like {"segments": ["PBPU"], "kelas": [3], '
                         '"provinces": ["32"]}')
    return rule


def eligible_for(rule: dict[str, list], segment: str, kelas: int, province_code: str) -> bool:
    """Whether a family fits a partner's eligibility rule (an empty rule fits everyone)."""
    return ((not rule.get("segments") or segment in rule["segments"])
            and (not rule.get("kelas") or int(kelas) in [int(k) for k in rule["kelas"]])
            and (not rule.get("provinces") or str(province_code) in [str(p) for p in rule["provinces"]]))


def check_partner_row(row: dict[str, Any]) -> str | None:
    """The first rule a partner row breaks (a message naming the column), None when it is valid."""
    if row.get("kind") not in PARTNER_KINDS:
        return f"kind: expected one of {', '.join(PARTNER_KINDS)}"
    if row.get("fee_rule") not in FEE_RULES:
        return f"fee_rule: expected one of {', '.join(FEE_RULES)}"
    if row["fee_rule"] == "share_of_collected" and not (row.get("fee_rate") is not None
                                                        and 0 <= float(row["fee_rate"]) <= 1):
        return "fee_rate: a share between 0 and 1 is needed for share_of_collected"
    if row["fee_rule"] == "per_success" and not (row.get("fee_per_success_rp") is not None
                                                 and int(row["fee_per_success_rp"]) >= 0):
        return "fee_per_success_rp: a Rupiah amount is needed for per_success"
    if row.get("capacity") is not None and int(row["capacity"]) < 0:
        return "capacity: must be 0 or more"
    pf, pt = row.get("period_from"), row.get("period_to")
    if pf is not None and pt is not None and int(pf) > int(pt):
        return "period_to: before period_from"
    try:
        parse_eligibility(row.get("eligibility"))
    except ValueError as exc:
        return f"eligibility: {exc}"
    return None


# --- partners -------------------------------------------------------------------------------------
def _partner_scope(scope: Scope) -> Any:
    """Partners visible to the scope: of a branch in scope, or branch-less (province-wide or national) ones
    of the scope's provinces."""
    in_scope = select(Branch.code).where(scope.clause(Branch.region_code, Branch.code))
    provinces = select(Branch.province_code).where(scope.clause(Branch.region_code, Branch.code))
    return or_(Partner.branch_code.in_(in_scope),
               and_(Partner.branch_code.is_(None),
                    or_(Partner.province_code.is_(None), Partner.province_code.in_(provinces))))


def partners(engine: Engine, scope: Scope, kind: str | None = None, active_only: bool = False) -> pd.DataFrame:
    """The partners the scope sees (optionally of one kind / active only), by kind and code."""
    scope.require("sees_kpis")
    conds = [_partner_scope(scope)]
    if kind:
        conds.append(Partner.kind == kind)
    if active_only:
        conds.append(Partner.active.is_(True))
    cols = [c for c in Partner.__table__.columns]
    q = select(*cols).where(*conds).order_by(Partner.kind, Partner.code)
    with engine.connect() as conn:
        return pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=[c.name for c in cols])


def save_partner(engine: Engine, scope: Scope, row: dict[str, Any]) -> int:
    """Create a partner, or update the one with the same ``code`` (columns not given are kept); audited.
    A kantor cabang saves partners of its own branch only."""
    scope.require("sees_participants")
    row = {k: v for k, v in row.items() if k in Partner.__table__.columns and k != "id"}
    if scope.branch_code:
        if row.get("branch_code") not in (None, scope.branch_code):
            raise ScopeError(f"branch {row.get('branch_code')} is outside this user's scope")
        row["branch_code"] = scope.branch_code
    code = str(row.get("code") or "").strip()
    if not code:
        raise ValueError("code: a partner needs a code")
    row["code"] = code
    with engine.begin() as conn:
        old = conn.execute(select(*Partner.__table__.columns).where(Partner.code == code)).first()
        if old is not None and scope.branch_code and old.branch_code != scope.branch_code:
            raise ScopeError(f"partner {code} is outside this user's scope")
        merged = ({c.name: getattr(old, c.name) for c in Partner.__table__.columns} if old is not None else
                  {"fee_rule": "none", "active": True})
        merged.update(row)
        problem = check_partner_row(merged)
        if problem:
            raise ValueError(problem)
        if not merged.get("name"):
            raise ValueError("name: a partner needs a name")
        if old is None:
            pid = next_id(conn, Partner)
            conn.execute(insert(Partner).values(**{k: v for k, v in merged.items() if k != "id"}, id=pid))
        else:
            pid = int(old.id)
            conn.execute(update(Partner).where(Partner.id == pid).values(**row))
        audit(conn, scope, "partner_save", {"partner_id": pid, "code": code, "kind": merged["kind"],
                                            "new": old is None})
    return pid


# --- assignments ----------------------------------------------------------------------------------
def assign(engine: Engine, scope: Scope, family_ids: list[int] | int, programme: str,
           partner_id: int | None = None, holdout: bool | None = None, period: int | None = None,
           rng: np.random.Generator | None = None) -> list[int]:
    """Assign families (of the user's branch) to a programme or action, through a partner where the programme
    needs one (LPD, Kader JKN, CSR sponsor). Checks the partner's kind, period, eligibility and monthly
    capacity; one INSERT for all families; audited. Returns the new assignment ids.

    ``holdout=None`` (the default, what the page does): each family is held out at random with its branch's
    share (:func:`jkn_core.programmes.evaluation.draw_holdout`, default 10 %) — recorded with ``holdout``
    set, status ``assigned``, never contacted, no fee — so every assignment keeps a random comparison group.
    ``True``/``False``: a decision already randomised elsewhere (an imported trial, tests). The audit row
    names the held-out families."""
    scope.require("sees_participants")
    ids = [int(family_ids)] if isinstance(family_ids, (int,)) else [int(i) for i in family_ids]
    if not ids:
        return []
    if programme not in PROGRAMMES:
        raise ValueError(f"unknown programme {programme!r}; expected one of {', '.join(PROGRAMMES)}")
    period = int(period or features.scoring_month(engine))
    need = PROGRAMMES[programme]
    with engine.begin() as conn:
        if len(ids) == 1:
            check_family(conn, scope, ids[0])
        ok = conn.execute(select(func.count()).select_from(Family).join(Branch, Branch.code == Family.branch_code)
                          .where(Family.id.in_(ids), scope.clause(Branch.region_code, Branch.code))).scalar_one()
        if ok != len(set(ids)):  # one scope check for all the families
            raise ScopeError("some families are not in this user's scope")
        fams = pd.DataFrame([tuple(r) for r in conn.execute(
            select(Family.id, Family.branch_code, Family.segment, Family.kelas, Regency.province_code)
            .join(Regency, Regency.code == Family.regency_code).where(Family.id.in_(ids)).order_by(Family.id))],
            columns=["family_id", "branch_code", "segment", "kelas", "province_code"])
        if need is None and partner_id is not None:
            raise AssignmentRefused("partner_not_needed", programme)
        if need is not None:
            if partner_id is None:
                raise AssignmentRefused("partner_needed", programme)
            partner = conn.execute(select(*Partner.__table__.columns)
                                   .where(Partner.id == int(partner_id), _partner_scope(scope))).first()
            if partner is None:
                raise ScopeError(f"partner {partner_id} is not in this user's scope")
            if partner.kind != need:
                raise AssignmentRefused("partner_kind", f"{partner.code} is {partner.kind}")
            if not partner.active:
                raise AssignmentRefused("partner_inactive", partner.code)
            if (partner.period_from and period < partner.period_from) or (partner.period_to and period > partner.period_to):
                raise AssignmentRefused("partner_period", partner.code)
            rule = parse_eligibility(partner.eligibility)
            bad = [int(f.family_id) for f in fams.itertuples()
                   if not eligible_for(rule, f.segment, f.kelas, f.province_code)] if rule else []
            if bad:
                raise AssignmentRefused("not_eligible", f"families {bad[:10]}")
            if partner.capacity is not None:
                used = conn.execute(select(func.count()).where(PartnerAssignment.partner_id == partner.id,
                                                               PartnerAssignment.period == period)).scalar_one()
                if used + len(ids) > partner.capacity:
                    raise AssignmentRefused("capacity", f"{partner.code}: {used}/{partner.capacity}")
        now = _now()
        if holdout is None:  # the random holdout, per branch at the branch's share (evaluation.draw_holdout)
            held = np.zeros(len(fams), bool)
            for b, idx in fams.groupby("branch_code").indices.items():
                held[idx] = draw_holdout(engine, str(b), programme, len(idx), rng)
        else:
            held = np.full(len(fams), bool(holdout))
        first = next_id(conn, PartnerAssignment, len(fams))
        rows = [{"id": first + i, "family_id": int(f.family_id), "branch_code": f.branch_code, "programme": programme,
                 "partner_id": None if partner_id is None else int(partner_id), "period": period,
                 "holdout": bool(held[i]), "status": "assigned", "status_period": period, "collected_rp": 0,
                 "fee_rp": 0, "assigned_by": scope.username[:64], "assigned_at": now}
                for i, f in enumerate(fams.itertuples())]
        conn.execute(insert(PartnerAssignment), rows)
        new_ids = [r["id"] for r in rows]
        held_ids = [r["family_id"] for r in rows if r["holdout"]]
        audit(conn, scope, "programme_assign", {"programme": programme, "partner_id": partner_id,
                                                "families": len(ids), "family_ids": ids[:200], "period": period,
                                                "holdout": held_ids[:200], "held_out": len(held_ids),
                                                "holdout_drawn": holdout is None})
    return new_ids


def held_out(engine: Engine, assignment_ids: list[int]) -> int:
    """How many of these assignments are holdouts (not to be contacted)."""
    if not assignment_ids:
        return 0
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(PartnerAssignment.id.in_([int(i) for i in assignment_ids]),
                                                           PartnerAssignment.holdout.is_(True))).scalar_one())


def record_outcome(engine: Engine, scope: Scope, assignment_id: int, status: str, collected_rp: int = 0,
                   period: int | None = None) -> None:
    """Record an assignment's outcome (contacted, paid, reactivated, cancelled) and the Rupiah collected; the
    fee owed is recomputed from the partner's fee rule; audited."""
    scope.require("sees_participants")
    if status not in ASSIGNMENT_STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(ASSIGNMENT_STATUSES)}")
    if int(collected_rp) < 0:
        raise ValueError("collected_rp: must be 0 or more")
    period = int(period or features.scoring_month(engine))
    with engine.begin() as conn:
        row = conn.execute(select(PartnerAssignment.id, PartnerAssignment.family_id)
                           .join(Branch, Branch.code == PartnerAssignment.branch_code)
                           .where(PartnerAssignment.id == int(assignment_id),
                                  scope.clause(Branch.region_code, Branch.code))).first()
        if row is None:
            raise ScopeError(f"assignment {assignment_id} is not in this user's scope")
        conn.execute(update(PartnerAssignment).where(PartnerAssignment.id == int(assignment_id))
                     .values(status=status, status_period=period, collected_rp=int(collected_rp)))
        refresh_fees(conn, [int(assignment_id)])
        audit(conn, scope, "programme_outcome", {"assignment_id": int(assignment_id), "family_id": int(row[1]),
                                                 "status": status, "collected_rp": int(collected_rp)})


def refresh_fees(conn: Any, assignment_ids: Any) -> None:
    """Set ``fee_rp`` of the assignments (a list or SELECT of ids) from their partner's fee rule (one UPDATE,
    in the caller's transaction); assignments without a partner owe no fee."""
    p = Partner.__table__.alias("p")
    fee = select(fee_sql(p.c, PartnerAssignment)).where(p.c.id == PartnerAssignment.partner_id).scalar_subquery()
    conn.execute(update(PartnerAssignment).where(PartnerAssignment.id.in_(assignment_ids))
                 .values(fee_rp=func.coalesce(fee, 0)))


def assignments(engine: Engine, scope: Scope, branch_code: str | None = None, limit: int = 500) -> pd.DataFrame:
    """The branch's newest assignments with their partner (participant-level: branch teams and admins)."""
    branch = branch_for(scope, branch_code)
    q = (select(PartnerAssignment.id.label("assignment_id"), PartnerAssignment.family_id,
                PartnerAssignment.programme, Partner.code.label("partner_code"), Partner.name.label("partner_name"),
                PartnerAssignment.period, PartnerAssignment.holdout, PartnerAssignment.status,
                PartnerAssignment.status_period, PartnerAssignment.collected_rp, PartnerAssignment.fee_rp,
                PartnerAssignment.assigned_by, PartnerAssignment.assigned_at)
         .outerjoin(Partner, Partner.id == PartnerAssignment.partner_id)
         .where(PartnerAssignment.branch_code == branch)
         .order_by(PartnerAssignment.id.desc()).limit(int(limit)))
    with engine.connect() as conn:
        return pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=list(q.selected_columns.keys()))


def performance(engine: Engine, scope: Scope, period_from: int | None = None,
                period_to: int | None = None) -> pd.DataFrame:
    """Per partner (or, without one, per programme): families assigned (not held out), contacted, paid,
    reactivated, Rupiah collected and the fee owed by the partner's fee rule — SQL aggregation over the
    scope's branches, weighted (a generated row stands for its family weight)."""
    scope.require("sees_kpis")
    w = assignment_weight()
    treated = PartnerAssignment.holdout.is_(False)

    def n(cond: Any) -> Any:
        return func.coalesce(func.sum(case((and_(treated, cond), w), else_=0)), 0)

    conds = [scope.clause(Branch.region_code, Branch.code)]
    if period_from:
        conds.append(PartnerAssignment.period >= int(period_from))
    if period_to:
        conds.append(PartnerAssignment.period <= int(period_to))
    q = (select(PartnerAssignment.programme, func.coalesce(Partner.code, literal("")).label("partner_code"),
                func.coalesce(Partner.name, literal("")).label("partner_name"),
                func.coalesce(Partner.kind, literal("")).label("kind"),
                n(literal(True)).label("assigned"),
                n(PartnerAssignment.status.in_(CONTACTED)).label("contacted"),
                n(PartnerAssignment.status.in_(SUCCESS)).label("paid"),
                n(PartnerAssignment.status == "reactivated").label("reactivated"),
                func.coalesce(func.sum(case((treated, PartnerAssignment.collected_rp * w), else_=0)), 0)
                .label("collected_rp"),
                func.coalesce(func.sum(fee_sql() * w), 0).label("fee_rp"))
         .join(Family, Family.id == PartnerAssignment.family_id)
         .join(Branch, Branch.code == PartnerAssignment.branch_code)
         .outerjoin(Partner, Partner.id == PartnerAssignment.partner_id)
         .where(*conds)
         .group_by(PartnerAssignment.programme, Partner.code, Partner.name, Partner.kind)
         .order_by(PartnerAssignment.programme, func.coalesce(Partner.code, literal(""))))
    with engine.connect() as conn:
        out = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=list(q.selected_columns.keys()))
    for c in ("assigned", "contacted", "paid", "reactivated", "collected_rp", "fee_rp"):
        out[c] = out[c].astype("int64")
    return out


def fees_owed(engine: Engine, scope: Scope, period_from: int | None = None, period_to: int | None = None) -> pd.DataFrame:
    """Fee owed per partner (from recorded successes by its fee rule): ``partner_code``, ``partner_name``,
    ``kind``, ``paid``, ``collected_rp``, ``fee_rp``; partners only."""
    perf = performance(engine, scope, period_from, period_to)
    perf = perf[perf["partner_code"] != ""]
    return (perf.groupby(["partner_code", "partner_name", "kind"], as_index=False)[["paid", "collected_rp", "fee_rp"]]
            .sum())


def after_import(engine: Engine, table: str, branches: Any = None) -> None:
    """A hook of :mod:`jkn_core.hooks` after every committed import: keep the programme tables' id sequences in
    step (PostgreSQL) and, after an import of partners or assignments, the fees owed by each fee rule."""
    from jkn_core.programmes.rehab import sync_sequences

    sync_sequences(engine)
    if table in ("partners", "partner_assignments"):
        with engine.begin() as conn:
            refresh_fees(conn, select(PartnerAssignment.id).where(PartnerAssignment.partner_id.is_not(None)))
