"""The import checks of the programme tables (``rehab_plans``, ``rehab_payments``, ``partners``,
``partner_assignments``): each Rehab rule of :mod:`jkn_core.programmes.rehab_rules` as a row or database rule
whose message names it, so a plan breaking a rule is refused with the row, the column and the rule.

The specs of the four tables are :data:`PROGRAMME_SPECS`, added to :data:`jkn_core.imports.spec.SPECS`; the Rehab
rules themselves are not defined here.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from jkn_core import months
from jkn_core.imports.checks import RowRule, empty, given, month_of
from jkn_core.imports.fields import Field, TableSpec
from jkn_core.imports.lookup import lookup
from jkn_core.programmes import rehab_rules
from jkn_core.schema import ASSIGNMENT_STATUSES as ASSIGNMENT_STATUSES  # re-exported for the import specs
from jkn_core.schema import FEE_RULES as FEE_RULES
from jkn_core.schema import PARTNER_KINDS as PARTNER_KINDS
from jkn_core.schema import PAYMENT_CHANNELS, SELF_PAYING_SEGMENTS
from jkn_core.schema import REHAB_STATUSES as REHAB_STATUSES


def _true(mask: pd.Series) -> pd.Series:
    return mask.astype("boolean").fillna(False).astype(bool)


def _day_open(f: pd.DataFrame) -> pd.Series:
    d = f["enrolled_on"]
    ok = rehab_rules.registration_open_array(d.dt.day.fillna(1).to_numpy(), d.dt.month.fillna(1).to_numpy())
    return pd.Series(ok | d.isna().to_numpy(), index=f.index)


def _period_plus(period: pd.Series, n: pd.Series) -> pd.Series:
    p = period.astype("float")
    idx = (p // 100) * 12 + p % 100 - 1 + n.astype("float") - 1
    return ((idx // 12) * 100 + idx % 12 + 1).astype("Int64")


REHAB_PLAN_RULES = (
    RowRule("rehab_arrears_4_to_24_months", "arrears_months",
            lambda f: ~_true((f["arrears_months"] < rehab_rules.MIN_MONTHS)
                             | (f["arrears_months"] > rehab_rules.MAX_MONTHS)),
            lambda r: (f"Rehab rule: {r['arrears_months']} months in arrears; a plan needs "
                       f"{rehab_rules.MIN_MONTHS}-{rehab_rules.MAX_MONTHS}")),
    RowRule("rehab_1_to_12_stages", "stages",
            lambda f: ~_true((f["stages"] < rehab_rules.MIN_STAGES) | (f["stages"] > rehab_rules.MAX_STAGES)),
            lambda r: f"Rehab rule: {r['stages']} stages; a plan has 1-{rehab_rules.MAX_STAGES}"),
    RowRule("rehab_registration_window", "enrolled_on",
            lambda f: _day_open(f),
            lambda r: (f"Rehab rule: registration on {r['enrolled_on'].isoformat()} is outside days 1-"
                       f"{rehab_rules.registration_last_day(r['enrolled_on'].month)} of the month")),
    RowRule("rehab_first_stage_in_month_of_enrolment", "first_period",
            lambda f: ~_true(f["first_period"] != month_of(f["enrolled_on"])),
            lambda r: (f"Rehab rule: first_period {r['first_period']} is not the month of enrolled_on "
                       f"{r['enrolled_on'].isoformat()} ({months.of_date(r['enrolled_on'])})")),
    RowRule("rehab_stage_amount_is_debt_split", "stage_amount_rp",
            lambda f: ~_true(f["stage_amount_rp"] != f["debt_rp"] // f["stages"]),
            lambda r: (f"stage_amount_rp {r['stage_amount_rp']} is not debt_rp / stages rounded down "
                       f"({int(r['debt_rp']) // int(r['stages'])})")),
    RowRule("rehab_debt_covers_stages", "debt_rp",
            lambda f: ~_true(f["debt_rp"] < f["stages"]),
            lambda r: f"debt_rp {r['debt_rp']} cannot be split into {r['stages']} stages"),
    RowRule("rehab_ended_period_when_ended", "ended_period",
            lambda f: ~_true((f["status"] != "active") & empty(f, "ended_period")),
            lambda r: f"status {r['status']} needs the month the plan ended (ended_period)"),
    RowRule("rehab_no_ended_period_while_active", "ended_period",
            lambda f: ~_true((f["status"] == "active") & given(f, "ended_period")),
            lambda r: f"ended_period {r['ended_period']} is given but the plan is active"),
    RowRule("rehab_ended_after_first_stage", "ended_period",
            lambda f: ~_true(f["ended_period"] < f["first_period"]),
            lambda r: f"ended_period {r['ended_period']} is before first_period {r['first_period']}"),
)


def _family_facts(conn: Connection, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The segment and branch of each row's family (NA for an unknown family: its reference is reported)."""
    fams = lookup(conn, "families", "id", set(frame["family_id"].dropna().tolist()), ("segment", "branch_code"))
    seg = frame["family_id"].map(lambda v: fams[v][0] if v in fams else None)
    branch = frame["family_id"].map(lambda v: fams[v][1] if v in fams else None)
    return seg, branch


def _wrong_branch(frame: pd.DataFrame, fam_branch: pd.Series) -> list[tuple[int, str, str]]:
    bad = _true(fam_branch.notna() & given(frame, "branch_code") & (frame["branch_code"] != fam_branch))
    return [(i, "branch_code", f"branch_code {frame.at[i, 'branch_code']} is not the family's branch "
                               f"({fam_branch[i]})") for i in frame.index[bad]]


def rehab_plan_families(conn: Connection, frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    """A plan's family is PBPU/BP (Rehab rule) and belongs to the plan's branch."""
    seg, fam_branch = _family_facts(conn, frame)
    bad = _true(seg.notna() & ~seg.isin(SELF_PAYING_SEGMENTS))
    out = [(i, "family_id", f"Rehab rule: family {frame.at[i, 'family_id']} is segment {seg[i]}; only "
                            f"{', '.join(SELF_PAYING_SEGMENTS)} may enrol") for i in frame.index[bad]]
    return out + _wrong_branch(frame[~bad], fam_branch[~bad])


REHAB_PAYMENT_RULES = (
    RowRule("rehab_stage_1_to_12", "stage_no",
            lambda f: ~_true((f["stage_no"] < 1) | (f["stage_no"] > rehab_rules.MAX_STAGES)),
            lambda r: f"Rehab rule: stage_no {r['stage_no']}; stages are 1-{rehab_rules.MAX_STAGES}"),
    RowRule("rehab_paid_by_end_of_stage_month", "paid_on",
            lambda f: ~_true(month_of(f["paid_on"]) > f["period"]),
            lambda r: (f"Rehab rule: paid_on {r['paid_on'].isoformat()} is after the stage's month {r['period']}: "
                       "a missed stage cancels the plan, it cannot be paid late")),
)


def rehab_payment_plans(conn: Connection, frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    """A stage exists in its plan (stage_no ≤ stages) and is due in the plan's month for it."""
    ids = set(frame["plan_id"].dropna().tolist())
    plans = lookup(conn, "rehab_plans", "id", ids, ("stages", "first_period"))
    known = frame["plan_id"].map(lambda v: v in plans)
    out = []
    rows = frame[_true(known & given(frame, "stage_no"))]
    if rows.empty:
        return out
    stages = rows["plan_id"].map(lambda v: plans[v][0])
    first = rows["plan_id"].map(lambda v: plans[v][1])
    due = _period_plus(first, rows["stage_no"])
    for i in rows.index[_true(rows["stage_no"] > stages)]:
        out.append((i, "stage_no", f"Rehab rule: plan {rows.at[i, 'plan_id']} has {stages[i]} stages; "
                                   f"stage {rows.at[i, 'stage_no']} does not exist"))
    for i in rows.index[_true((rows["stage_no"] <= stages) & given(rows, "period") & (rows["period"] != due))]:
        out.append((i, "period", f"stage {rows.at[i, 'stage_no']} of plan {rows.at[i, 'plan_id']} is due in "
                                 f"{due[i]}, not {rows.at[i, 'period']}"))
    return out


def _eligibility_ok(text: object) -> bool:
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return True
    try:
        from jkn_core.programmes.partners import parse_eligibility

        parse_eligibility(str(text))
    except (ValueError, json.JSONDecodeError):
        return False
    return True


PARTNER_RULES = (
    RowRule("share_of_collected_needs_fee_rate", "fee_rate",
            lambda f: ~_true((f["fee_rule"] == "share_of_collected") & empty(f, "fee_rate")),
            lambda r: "fee_rule share_of_collected needs fee_rate (a share between 0 and 1)"),
    RowRule("per_success_needs_fee", "fee_per_success_rp",
            lambda f: ~_true((f["fee_rule"] == "per_success") & empty(f, "fee_per_success_rp")),
            lambda r: "fee_rule per_success needs fee_per_success_rp"),
    RowRule("period_to_not_before_from", "period_to",
            lambda f: ~_true(f["period_to"] < f["period_from"]),
            lambda r: f"period_to {r['period_to']} is before period_from {r['period_from']}"),
    RowRule("eligibility_is_json_rule", "eligibility",
            lambda f: f["eligibility"].map(_eligibility_ok).astype(bool),
            lambda r: ('eligibility must be JSON like {"segments": ["PBPU", "BP"], "kelas": [3], '
                       '"provinces": ["32", "36"]}')),
)

ASSIGNMENT_RULES = (
    RowRule("status_period_not_before_period", "status_period",
            lambda f: ~_true(f["status_period"] < f["period"]),
            lambda r: f"status_period {r['status_period']} is before the assignment's period {r['period']}"),
    RowRule("holdout_not_treated", "status",
            lambda f: ~_true(_true(f["holdout"]) & f["status"].isin(["contacted"])),
            lambda r: "a holdout family is not treated: it cannot be contacted"),
)


def assignment_families(conn: Connection, frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    """An assignment's branch is its family's branch."""
    _seg, fam_branch = _family_facts(conn, frame)
    return _wrong_branch(frame, fam_branch)


# --- the specs (added to jkn_core.imports.spec.SPECS) ----------------------------------------------------
BRANCH = Field("branch_code", "text", "Kantor Cabang code", "0301", refs="branches.code")

PROGRAMME_SPECS = [
    TableSpec(
        name="partners",
        description="Collection partners: an LPD per desa adat (fee: a share of what it collects), a Kader JKN "
        "(territory, capacity, fee per success) or a CSR sponsor (budget, period, eligibility). Creates new "
        "partners and updates existing ones by code (a column left out keeps its stored values).",
        key=("code",),
        fields=(
            Field("code", "text", "partner code (natural key)", "LPD-DA-KESIMAN"),
            Field("kind", "text", "lpd, kader or csr_sponsor", "lpd", choices=PARTNER_KINDS),
            Field("name", "text", "partner name", "LPD Desa Adat Kesiman"),
            Field("branch_code", "text", "Kantor Cabang the partner works with (empty: province-wide or national)",
                  "", refs="branches.code", required=False),
            Field("province_code", "text", "province of a branch-less partner (empty: national)", "",
                  refs="provinces.code", required=False),
            Field("territory", "text", "desa adat / kecamatan", "Desa Adat Kesiman", required=False),
            Field("capacity", "int", "families a month (empty: no limit)", "", required=False, min=0),
            Field("fee_rule", "text", "how fees follow from recorded successes", "share_of_collected",
                  required=False, default="none", choices=FEE_RULES),
            Field("fee_rate", "float", "share of the Rupiah collected (share_of_collected)", "0.05",
                  required=False, min=0, max=1),
            Field("fee_per_success_rp", "money", "fee per paying family (per_success)", "", required=False, min=0),
            Field("budget_rp", "money", "CSR sponsor's budget", "", required=False, min=0),
            Field("period_from", "period", "first month of the partnership", "", required=False),
            Field("period_to", "period", "last month of the partnership", "", required=False),
            Field("eligibility", "text", 'eligibility rule as JSON, e.g. {"segments": ["PBPU", "BP"], "kelas": [3], '
                  '"provinces": ["32", "36"]}', "", required=False),
            Field("active", "bool", "the partner takes new assignments", "true", required=False, default=True),
        ),
        rules=(
            "`fee_rule` `share_of_collected` needs `fee_rate`; `per_success` needs `fee_per_success_rp`.",
            "`period_to` is not before `period_from`; `eligibility` is a JSON object of lists.",
        ),
        row_rules=PARTNER_RULES,
    ),
    TableSpec(
        name="partner_assignments",
        description="Families assigned to a programme or action (through a partner where it needs one), with "
        "the outcome so far. `holdout` marks a randomly held-out family (assigned, not treated).",
        key=("id",),
        fields=(
            Field("id", "int", "assignment number (natural key)", "1", min=1),
            Field("family_id", "int", "family id", "500000001", refs="families.id"),
            BRANCH,
            Field("programme", "text", "rehab, lpd, kader, csr, call, visit, sms, …", "call",
                  pattern=r"[a-z][a-z0-9_]*", pattern_hint="lower-case letters, digits and _"),
            Field("partner_id", "int", "partner (`partners.id`), empty for an action without partner", "",
                  refs="partners.id", required=False),
            Field("period", description="month assigned", example="202412", kind="period", not_future=True),
            Field("holdout", "bool", "held out at random (not treated)", "false", required=False, default=False),
            Field("status", "text", "outcome so far", "assigned", required=False, default="assigned",
                  choices=ASSIGNMENT_STATUSES),
            Field("status_period", "period", "month of the outcome", "", required=False),
            Field("collected_rp", "money", "Rupiah collected", "0", required=False, default=0, min=0),
            Field("assigned_by", "text", "who assigned", "import", required=False, default="import"),
        ),
        rules=(
            "`branch_code` is the family's branch; `status_period` is not before `period`.",
            "The fee owed (`fee_rp`) is not imported: it follows from the partner's fee rule after the import.",
        ),
        row_rules=ASSIGNMENT_RULES,
        db_rules=(assignment_families,),
    ),
    TableSpec(
        name="rehab_plans",
        description="Rehab instalment plans (Rencana Pembayaran Bertahap). Every Rehab rule is checked: "
        "PBPU/BP, 4–24 months in arrears, 1–12 stages, registration on days 1–28 (1–27 in February), stage 1 "
        "due in the month of enrolment. Import the plans before their stage payments.",
        key=("id",),
        fields=(
            Field("id", "int", "plan number (natural key)", "1", min=1),
            Field("family_id", "int", "family id", "500000001", refs="families.id"),
            BRANCH,
            Field("enrolled_on", "date", "registration date", "2024-11-15", not_future=True,
                  min_date=dt.date(2020, 1, 1)),
            Field("arrears_months", "int", "months in arrears at enrolment (4–24)", "6", min=0, max=600),
            Field("debt_rp", "money", "arrears at enrolment", "630000", min=1),
            Field("stages", "int", "number of stages chosen (1–12)", "3", min=0, max=100),
            Field("stage_amount_rp", "money", "stage bill: debt_rp / stages rounded down (the last stage takes "
                  "the remainder)", "210000", min=0),
            Field("first_period", "period", "month stage 1 is due (the month of enrolled_on)", "202411"),
            Field("status", "text", "active, completed or cancelled", "active", required=False, default="active",
                  choices=REHAB_STATUSES),
            Field("ended_period", "period", "month the plan completed or was cancelled", "", required=False,
                  follows="status"),
        ),
        rules=(
            "Rehab rules: the family is PBPU/BP; `arrears_months` 4–24; `stages` 1–12; `enrolled_on` on days "
            "1–28 (1–27 in February); `first_period` is the month of `enrolled_on`; `stage_amount_rp` = "
            "`debt_rp` / `stages` rounded down.",
            "`ended_period` is given exactly when `status` is not `active`, and not before `first_period`.",
            "Participant statuses come from the participants import (the plan does not change them).",
        ),
        row_rules=REHAB_PLAN_RULES,
        db_rules=(rehab_plan_families,),
    ),
    TableSpec(
        name="rehab_payments",
        description="The stages of the Rehab plans: due month, amount and, once paid, the payment date and "
        "channel. The plans must already exist.",
        key=("plan_id", "stage_no"),
        fields=(
            Field("plan_id", "int", "plan number", "1", refs="rehab_plans.id"),
            Field("stage_no", "int", "stage (1–12)", "1", min=0, max=100),
            Field("period", "period", "month the stage is due", "202411"),
            Field("paid_on", "date", "payment date; empty while unpaid", "2024-11-20", required=False,
                  not_future=True, min_date=dt.date(2020, 1, 1)),
            Field("amount_rp", "money", "stage bill", "210000", min=0),
            Field("channel", "text", "payment channel", "mobile_jkn", required=False, choices=PAYMENT_CHANNELS),
        ),
        rules=(
            "Rehab rules: `stage_no` 1–12 and at most the plan's `stages`; `period` is the plan's "
            "`first_period` + `stage_no` − 1; a stage is paid by the end of its month (`paid_on` later is a "
            "missed stage, which cancels the plan).",
        ),
        row_rules=REHAB_PAYMENT_RULES,
        db_rules=(rehab_payment_plans,),
    ),
]
