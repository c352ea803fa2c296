"""The Rehab lifecycle on the database: enrol (or refuse with the reason), record a stage payment, cancel plans
with a missed stage, reactivate a family's participants when the last stage is paid, list a branch's plans.

Rules come from :mod:`jkn_core.programmes.rehab_rules` (defined once). "Now" is the data's own month: the
scoring month (the month after the last ledger month, :func:`jkn_core.collection.features.scoring_month`),
as for recorded collection outcomes. Participant-level: every function checks the signed-in
:class:`Scope` (a kantor cabang works on its own families only); every write is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, case, exists, func, insert, literal, select, text, update

from jkn_core import months, rules
from jkn_core.audit import audit
from jkn_core.collection import features
from jkn_core.collection.branch_scope import branch_for, check_family
from jkn_core.kpi import refresh
from jkn_core.programmes import channels, rehab_rules
from jkn_core.schema import (
    Branch,
    Contribution,
    Family,
    Participant,
    PartnerAssignment,
    RehabPayment,
    RehabPlan,
)
from jkn_core.scope import Scope, ScopeError

#: Payment channels a stage payment may name (the same codes as the ledger's ``contributions.channel``).
CHANNELS = ("teller", "atm_mbanking", "ppob", "mobile_jkn", "autodebit", "unknown")
#: The state of a plan in the month it is looked at (``plan_state``).
STATES = ("due", "paid", "late", "upcoming", "cancelled", "completed")


class RehabRefused(ValueError):
    """An enrolment or a payment a rule refuses; ``reason`` is the code (i18n ``prog_refuse_<reason>``)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}{': ' + detail if detail else ''}")
        self.reason = reason


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def current_period(engine: Engine) -> int:
    """The data's current month (YYYYMM): the scoring month."""
    return features.scoring_month(engine)


def default_day(engine: Engine, today: dt.date | None = None) -> dt.date:
    """A date inside the current month for forms: today's day of the month (clipped to the month's end)."""
    today = today or dt.date.today()
    period = current_period(engine)
    return min(months.first_day(period) + dt.timedelta(days=today.day - 1), months.last_day(period))


def family_arrears(engine: Engine, scope: Scope, family_id: int) -> dict[str, Any]:
    """The family's segment, months and Rupiah in arrears (counted up to 24 months) and monthly bill, as of
    the current month, from the same feature definition as the work queue."""
    scope.require("sees_participants")
    with engine.connect() as conn:
        branch = check_family(conn, scope, family_id)
        seg, kelas, members = conn.execute(select(Family.segment, Family.kelas, Family.members)
                                           .where(Family.id == int(family_id))).one()
    frame = features.build(engine, [current_period(engine)], family_ids=[int(family_id)])
    if frame.empty:
        return {"family_id": int(family_id), "branch_code": branch, "segment": seg, "kelas": int(kelas),
                "members": int(members), "arrears_months": 0, "arrears_rp": 0, "bill_rp": 0}
    row = frame.iloc[0]
    return {"family_id": int(family_id), "branch_code": branch, "segment": seg, "kelas": int(kelas),
            "members": int(members), "arrears_months": int(row["arrears_months"]),
            "arrears_rp": int(row["arrears_rp"]), "bill_rp": int(row["bill_rp"])}


def _active_plan(conn: Any, family_id: int) -> int | None:
    return conn.execute(select(RehabPlan.id).where(RehabPlan.family_id == int(family_id),
                                                   RehabPlan.status == "active")).scalar()


def check_enrolment(engine: Engine, scope: Scope, family_id: int, stages: int,
                    enrolled_on: dt.date) -> tuple[str | None, dict[str, Any]]:
    """(refusal reason or None, the family's arrears): what :func:`enrol` would decide, without writing."""
    info = family_arrears(engine, scope, family_id)
    with engine.connect() as conn:
        active = _active_plan(conn, family_id) is not None
    reason = rehab_rules.enrolment_refusal(info["segment"], info["arrears_months"], stages, enrolled_on,
                                           has_active_plan=active, debt_rp=info["arrears_rp"])
    return reason, info


def enrol(engine: Engine, scope: Scope, family_id: int, stages: int, enrolled_on: dt.date | None = None,
          assignment_id: int | None = None) -> int:
    """Enrol the family in Rehab with ``stages`` stages on ``enrolled_on`` (default: today's day in the current
    month); writes the plan and its stage bills, audited. Raises :class:`RehabRefused` with the reason."""
    enrolled_on = enrolled_on or default_day(engine)
    reason, info = check_enrolment(engine, scope, family_id, stages, enrolled_on)
    if reason:
        raise RehabRefused(reason, f"family {family_id}")
    plan_rows = rehab_rules.schedule(enrolled_on, info["arrears_rp"], stages)
    with engine.begin() as conn:
        if _active_plan(conn, family_id) is not None:  # a second click racing the first
            raise RehabRefused("active_plan", f"family {family_id}")
        plan_id = next_id(conn, RehabPlan)
        conn.execute(insert(RehabPlan).values(
            id=plan_id, family_id=int(family_id), branch_code=info["branch_code"], enrolled_on=enrolled_on,
            arrears_months=info["arrears_months"], debt_rp=info["arrears_rp"], stages=int(stages),
            stage_amount_rp=rehab_rules.stage_amount(info["arrears_rp"], stages),
            first_period=rehab_rules.first_period(enrolled_on), status="active", ended_period=None,
            assignment_id=assignment_id, enrolled_by=scope.username[:64]))
        first = next_id(conn, RehabPayment, len(plan_rows))
        conn.execute(insert(RehabPayment), [
            {"id": first + k - 1, "plan_id": plan_id, "stage_no": k, "period": p, "paid_on": None, "amount_rp": amt, "channel": None}
            for k, p, amt in plan_rows])
        audit(conn, scope, "rehab_enrol", {"plan_id": plan_id, "family_id": int(family_id), "stages": int(stages),
                                           "debt_rp": info["arrears_rp"], "enrolled_on": enrolled_on})
    return plan_id


#: The programme tables whose ids this package hands out (:func:`next_id`) and keeps in step on PostgreSQL.
ID_TABLES = ("partners", "partner_assignments", "rehab_plans", "rehab_payments")


def next_id(conn: Any, table: Any, n: int = 1) -> int:
    """The first of ``n`` new ids of a programme table (MAX + 1, in the caller's transaction). On PostgreSQL the
    table's sequence is moved past them, so rows that arrive with their own ids (the generator, an import of
    plans) and rows numbered by the sequence (an import of partners or stage payments) never collide."""
    name = table.__tablename__
    top = select(func.coalesce(func.max(table.id), 0)).scalar_subquery()
    if conn.dialect.name == "postgresql":
        last = conn.execute(select(func.setval(func.pg_get_serial_sequence(name, "id"), top + int(n), True)))
        return int(last.scalar_one()) - int(n) + 1
    return int(conn.execute(select(top)).scalar_one()) + 1


def sync_sequences(engine: Engine, *_args: Any) -> None:
    """On PostgreSQL, move each programme table's id sequence past its largest id (after the generator wrote
    rows with their own ids, or an import did); a no-op on SQLite. A hook of :mod:`jkn_core.hooks`."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for name in ID_TABLES:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                              f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"))


def _plan_in_scope(conn: Any, scope: Scope, plan_id: int) -> Any:
    scope.require("sees_participants")
    row = conn.execute(select(*RehabPlan.__table__.columns).join(Branch, Branch.code == RehabPlan.branch_code)
                       .where(RehabPlan.id == int(plan_id), scope.clause(Branch.region_code, Branch.code))).first()
    if row is None:
        raise ScopeError(f"plan {plan_id} is not in this user's scope")
    return row


def record_stage_payment(engine: Engine, scope: Scope, plan_id: int, paid_on: dt.date | None = None,
                         channel: str | None = None) -> dict[str, Any]:
    """Pay the plan's next unpaid stage on ``paid_on``. A payment after the end of the stage's month is refused
    and cancels the plan (the stage was missed). Paying the last stage completes the plan and reactivates the
    family's participants. Returns ``{"stage_no", "completed", "reactivated"}``; audited."""
    paid_on = paid_on or default_day(engine)
    channel = channel or "unknown"
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
    with engine.begin() as conn:
        plan = _plan_in_scope(conn, scope, plan_id)
        if plan.status != "active":
            raise RehabRefused(f"plan_{plan.status}", f"plan {plan_id}")
        stage = conn.execute(select(RehabPayment.id, RehabPayment.stage_no, RehabPayment.period)
                             .where(RehabPayment.plan_id == plan.id, RehabPayment.paid_on.is_(None))
                             .order_by(RehabPayment.stage_no).limit(1)).first()
        if stage is None:  # pragma: no cover - an active plan always has an unpaid stage
            raise RehabRefused("plan_completed", f"plan {plan_id}")
        if months.of_date(paid_on) < plan.first_period:
            raise RehabRefused("before_plan", f"plan {plan_id}")
    if not rehab_rules.payment_on_time(stage.period, paid_on):
        cancel_missed(engine, scope, months.of_date(paid_on), branch_code=plan.branch_code)
        raise RehabRefused("stage_missed", f"plan {plan_id} stage {stage.stage_no}")
    with engine.begin() as conn:
        conn.execute(update(RehabPayment).where(RehabPayment.id == stage.id, RehabPayment.paid_on.is_(None))
                     .values(paid_on=paid_on, channel=channel))
        ledger_periods = _pay_ledger(conn, plan, int(stage.stage_no), paid_on, channel)
        paid = conn.execute(select(func.count()).where(RehabPayment.plan_id == plan.id,
                                                       RehabPayment.paid_on.is_not(None))).scalar_one()
        done = rehab_rules.reactivates(paid, plan.stages)
        reactivated = 0
        if done:
            period = months.of_date(paid_on)
            conn.execute(update(RehabPlan).where(RehabPlan.id == plan.id)
                         .values(status="completed", ended_period=period))
            reactivated = _reactivate(conn, select(RehabPlan.family_id).where(RehabPlan.id == plan.id))
            if plan.assignment_id is not None:
                conn.execute(update(PartnerAssignment).where(PartnerAssignment.id == plan.assignment_id)
                             .values(status="reactivated", status_period=period))
        elif plan.assignment_id is not None:
            conn.execute(update(PartnerAssignment).where(PartnerAssignment.id == plan.assignment_id,
                                                         PartnerAssignment.status.in_(("assigned", "contacted")))
                         .values(status="paid", status_period=months.of_date(paid_on)))
        audit(conn, scope, "rehab_stage_paid", {"plan_id": int(plan.id), "family_id": int(plan.family_id),
                                                "stage_no": int(stage.stage_no), "paid_on": paid_on,
                                                "channel": channel, "completed": bool(done),
                                                "ledger_periods": ledger_periods})
    if ledger_periods:  # the pre-aggregates of the family's branch follow the ledger (jkn_core.kpi.refresh)
        refresh.refresh_after_write(engine, [plan.branch_code])
        if channels.usable(engine):
            channels.refresh(engine, [plan.branch_code])
    return {"stage_no": int(stage.stage_no), "completed": bool(done), "reactivated": int(reactivated),
            "ledger_periods": ledger_periods}


def stage_ledger_periods(unpaid_periods: list[int], stages: int, stage_no: int) -> list[int]:
    """The arrears months (ledger bills, oldest first) a stage payment settles: the bills still unpaid are
    spread evenly over the stages still to pay (this one included, the earlier ones get the smaller share) and
    the last stage settles every one left, so the ledger shows no arrears only when the plan is complete."""
    left = max(1, int(stages) - int(stage_no) + 1)
    n = len(unpaid_periods)
    return list(unpaid_periods[: n - (n * (left - 1)) // left])


def _pay_ledger(conn: Any, plan: Any, stage_no: int, paid_on: dt.date, channel: str) -> list[int]:
    """Write a stage payment into the iuran ledger (``contributions``, the caller's transaction): the arrears
    months it covers (the family's bills of the 24 months before the plan's first month still unpaid,
    :func:`stage_ledger_periods`) and the current month's bill when the ledger holds it, paid on ``paid_on``
    through ``channel``. Returns the months written."""
    c = Contribution
    pay_period = months.of_date(paid_on)
    lo = months.shift(int(plan.first_period), -rules.MAX_ARREARS_MONTHS_BILLED)
    unpaid = [int(p) for p in conn.execute(
        select(c.period).where(c.family_id == plan.family_id, c.period < plan.first_period, c.period >= lo,
                               c.paid_period.is_(None)).order_by(c.period)).scalars()]
    periods = stage_ledger_periods(unpaid, int(plan.stages), stage_no)
    current = conn.execute(select(c.period).where(c.family_id == plan.family_id, c.period == pay_period,
                                                  c.paid_period.is_(None))).scalar()
    if current is not None and int(current) not in periods:
        periods.append(int(current))
    if periods:
        conn.execute(update(c).where(c.family_id == plan.family_id, c.period.in_(periods), c.paid_period.is_(None))
                     .values(paid=c.billed, paid_date=paid_on, paid_period=pay_period, channel=channel))
    return periods


def _reactivate(conn: Any, family_ids: Any) -> int:
    """Set the participants of the families (a SELECT of ids) in arrears back to active; returns the rows."""
    res = conn.execute(update(Participant).where(Participant.family_id.in_(family_ids),
                                                 Participant.status == "nonaktif_tunggakan")
                       .values(status="aktif"))
    return int(res.rowcount or 0)


def reactivate_completed(conn: Any, plan_ids: Any) -> int:
    """Reactivate the families of the completed plans among ``plan_ids`` (a list or SELECT; set-based, in the
    caller's transaction): used after an import of plans and payments."""
    fams = select(RehabPlan.family_id).where(RehabPlan.id.in_(plan_ids), RehabPlan.status == "completed")
    return _reactivate(conn, fams)


def _overdue(scope: Scope, as_of: int, branch: str | None) -> tuple[list[Any], Any]:
    """(WHERE conditions of the active plans in scope with a stage still unpaid after the end of its month,
    SQL of each plan's first missed month): defined once for :func:`overdue_count` and :func:`cancel_missed`."""
    missed = (select(func.min(RehabPayment.period)).where(RehabPayment.plan_id == RehabPlan.id,
                                                          RehabPayment.paid_on.is_(None),
                                                          RehabPayment.period < as_of).scalar_subquery())
    has_missed = exists().where(RehabPayment.plan_id == RehabPlan.id, RehabPayment.paid_on.is_(None),
                                RehabPayment.period < as_of)
    in_scope = RehabPlan.branch_code.in_(select(Branch.code).where(scope.clause(Branch.region_code, Branch.code)))
    conds = [RehabPlan.status == "active", has_missed, in_scope]
    if branch:
        conds.append(RehabPlan.branch_code == branch)
    return conds, missed


def overdue_count(engine: Engine, scope: Scope, as_of_period: int | None = None,
                  branch_code: str | None = None) -> int:
    """How many active plans in scope have a missed stage and will be cancelled by :func:`cancel_missed`
    (read only: what the Rehab page shows)."""
    scope.require("sees_participants")
    as_of = int(as_of_period or current_period(engine))
    branch = branch_for(scope, branch_code) if (branch_code or scope.branch_code) else None
    conds, _ = _overdue(scope, as_of, branch)
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(RehabPlan).where(*conds)).scalar_one())


def cancel_missed(engine: Engine, scope: Scope, as_of_period: int | None = None,
                  branch_code: str | None = None) -> int:
    """Cancel every active plan in scope with a stage still unpaid after the end of its month (one UPDATE);
    ``ended_period`` = the month of the first missed stage. Returns the number cancelled; audited when > 0.
    An explicit step (the Rehab page's button for a branch, ``python -m jkn_core programmes --cancel-overdue``
    nationally), never a side effect of viewing a page."""
    scope.require("sees_participants")
    as_of = int(as_of_period or current_period(engine))
    branch = branch_for(scope, branch_code) if (branch_code or scope.branch_code) else None
    conds, missed = _overdue(scope, as_of, branch)
    with engine.begin() as conn:
        ids = [int(i) for i in conn.execute(select(RehabPlan.id).where(*conds)).scalars()]
        if not ids:
            return 0
        conn.execute(update(RehabPlan).where(RehabPlan.id.in_(ids))
                     .values(status="cancelled", ended_period=missed))
        conn.execute(update(PartnerAssignment)
                     .where(PartnerAssignment.id.in_(select(RehabPlan.assignment_id).where(RehabPlan.id.in_(ids))),
                            PartnerAssignment.status.in_(("assigned", "contacted", "paid")))
                     .values(status="cancelled", status_period=as_of))
        audit(conn, scope, "rehab_cancel", {"plans": len(ids), "plan_ids": ids[:200], "as_of": as_of,
                                            "branch": branch})
    return len(ids)


def plan_rows(on: dt.date) -> Any:
    """SELECT of every plan with its state on ``on`` (SQL, defined once): ``cancelled``, ``completed``,
    ``upcoming`` (first stage in a later month), ``paid`` (this month's stage paid), ``due`` (this month's stage
    unpaid up to the iuran due day, the 10th), ``late`` (unpaid after it; a stage unpaid at the month's end is
    missed and cancels the plan); with stages paid, Rupiah paid, the next stage, its month and amount."""
    period = months.of_date(on)
    paid_n = (select(RehabPayment.plan_id, func.count(RehabPayment.paid_on).label("stages_paid"),
                     func.sum(case((RehabPayment.paid_on.is_not(None), RehabPayment.amount_rp), else_=0))
                     .label("paid_rp"))
              .group_by(RehabPayment.plan_id).subquery())
    nxt = (select(RehabPayment.plan_id, func.min(RehabPayment.stage_no).label("next_stage"))
           .where(RehabPayment.paid_on.is_(None)).group_by(RehabPayment.plan_id).subquery())
    stage = RehabPayment.__table__.alias("stage")
    this = RehabPayment.__table__.alias("this_month")
    active = RehabPlan.status == "active"
    state = case((RehabPlan.status == "cancelled", "cancelled"), (RehabPlan.status == "completed", "completed"),
                 (and_(active, RehabPlan.first_period > period), "upcoming"),
                 (and_(active, this.c.paid_on.is_not(None)), "paid"),
                 (and_(active, literal(on.day) <= rules.DUE_DAY), "due"), else_="late")
    paid_rp = func.coalesce(paid_n.c.paid_rp, 0)
    return (select(RehabPlan.id.label("plan_id"), RehabPlan.family_id, RehabPlan.branch_code, RehabPlan.enrolled_on,
                   RehabPlan.arrears_months, RehabPlan.debt_rp, RehabPlan.stages, RehabPlan.stage_amount_rp,
                   RehabPlan.first_period, RehabPlan.status, RehabPlan.ended_period,
                   func.coalesce(paid_n.c.stages_paid, 0).label("stages_paid"), paid_rp.label("paid_rp"),
                   nxt.c.next_stage, stage.c.period.label("next_period"), stage.c.amount_rp.label("next_amount_rp"),
                   case((active, RehabPlan.debt_rp - paid_rp), else_=0).label("remaining_rp"),
                   state.label("state"))
            .outerjoin(paid_n, paid_n.c.plan_id == RehabPlan.id)
            .outerjoin(nxt, nxt.c.plan_id == RehabPlan.id)
            .outerjoin(stage, and_(stage.c.plan_id == RehabPlan.id, stage.c.stage_no == nxt.c.next_stage))
            .outerjoin(this, and_(this.c.plan_id == RehabPlan.id, this.c.period == period)))


def plans(engine: Engine, scope: Scope, branch_code: str | None = None, on: dt.date | None = None,
          state: str | None = None) -> pd.DataFrame:
    """The branch's plans (newest first) with their state on ``on`` (default: today's day in the current month;
    see :func:`plan_rows`), optionally of one state."""
    branch = branch_for(scope, branch_code)
    on = on or default_day(engine)
    rows = plan_rows(on).subquery()
    q = select(rows).where(rows.c.branch_code == branch)
    if state:
        q = q.where(rows.c.state == state)
    q = q.order_by(rows.c.plan_id.desc())
    with engine.connect() as conn:
        frame = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=list(q.selected_columns.keys()))
    for c in ("debt_rp", "paid_rp", "remaining_rp", "stages_paid"):
        frame[c] = frame[c].astype("int64")
    return frame


def next_stage_due(engine: Engine, branch_code: str) -> pd.DataFrame:
    """Active plans of a branch with the Rupiah of their next unpaid stage (``family_id``, ``next_stage_rp``):
    what the work queue's expected recovery counts for an enrolled family. No scope check: the caller (the
    queue of a branch in scope) has checked it."""
    nxt = (select(RehabPayment.plan_id, func.min(RehabPayment.stage_no).label("stage_no"))
           .where(RehabPayment.paid_on.is_(None)).group_by(RehabPayment.plan_id).subquery())
    q = (select(RehabPlan.family_id, RehabPayment.amount_rp)
         .join(nxt, nxt.c.plan_id == RehabPlan.id)
         .join(RehabPayment, and_(RehabPayment.plan_id == RehabPlan.id, RehabPayment.stage_no == nxt.c.stage_no))
         .where(RehabPlan.branch_code == branch_code, RehabPlan.status == "active"))
    with engine.connect() as conn:
        out = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=["family_id", "next_stage_rp"])
    return out.astype({"family_id": "int64", "next_stage_rp": "int64"})


def plans_mark(engine: Engine) -> str:
    """A small fingerprint of the plans and stage payments (max ids, paid stages, active plans): it moves
    with every enrolment, payment, cancellation or import, so a cache keyed on it is never stale."""
    q = select(select(func.max(RehabPlan.id)).scalar_subquery(),
               select(func.count()).select_from(RehabPlan).where(RehabPlan.status == "active").scalar_subquery(),
               select(func.count(RehabPayment.paid_on)).scalar_subquery())
    with engine.connect() as conn:
        a, b, c = conn.execute(q).one()
    return f"{a or 0}:{b or 0}:{c or 0}"
