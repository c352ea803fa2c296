"""The import checks of a ``claims`` file: the claim rules of :mod:`jkn_core.scf.claim_rules` as row rules whose
message names the rule (a bad row names row and column), the values of empty ``complete_on`` /
``payment_due_on`` cells, and the hospitals-only database check. Used only by :mod:`jkn_core.imports.spec`.
"""

from __future__ import annotations

import pandas as pd

from jkn_core.imports.checks import RowRule, given
from jkn_core.imports.report import why
from jkn_core.scf import claim_rules as rules


def _true(mask: pd.Series) -> pd.Series:
    return mask.astype("boolean").fillna(False).astype(bool)


def _days(a: pd.Series, b: pd.Series) -> pd.Series:
    return (pd.to_datetime(a) - pd.to_datetime(b)).dt.days


def deemed_complete(submitted_on: pd.Series) -> pd.Series:
    """An empty ``complete_on``: the file counts as complete on day 10 after receipt (Pasal 30 (5))."""
    return pd.to_datetime(submitted_on) + pd.Timedelta(days=rules.COMPLETENESS_DAYS)


def due_after(complete_on: pd.Series) -> pd.Series:
    """An empty ``payment_due_on``: 15 days after completeness (Pasal 32 (1))."""
    return pd.to_datetime(complete_on) + pd.Timedelta(days=rules.PAYMENT_DAYS)


CLAIM_RULES = (
    RowRule("complete_within_10_days", "complete_on",
            lambda f: ~_true(given(f, "complete_on") & ~_days(f["complete_on"], f["submitted_on"]).between(
                0, rules.COMPLETENESS_DAYS)),
            lambda r: why("claim_complete_window", value=r["complete_on"], submitted=r["submitted_on"])),
    RowRule("due_is_complete_plus_15", "payment_due_on",
            lambda f: ~_true(given(f, "payment_due_on") & given(f, "complete_on")
                             & (_days(f["payment_due_on"], f["complete_on"]) != rules.PAYMENT_DAYS)),
            lambda r: why("claim_due_rule", value=r["payment_due_on"], complete=r["complete_on"])),
    RowRule("paid_not_before_submitted", "paid_on",
            lambda f: ~_true(given(f, "paid_on") & (_days(f["paid_on"], f["submitted_on"]) < 0)),
            lambda r: why("claim_paid_before_submitted", value=r["paid_on"], submitted=r["submitted_on"])),
    RowRule("verified_not_above_submitted", "amount_verified_rp",
            lambda f: ~_true(f["amount_verified_rp"] > f["amount_submitted_rp"]),
            lambda r: why("claim_verified_above_submitted", value=r["amount_verified_rp"],
                          submitted=r["amount_submitted_rp"])),
)


def fkrtl_only(conn, frame: pd.DataFrame) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    """Database check of a claims file: every ``facility_code`` must be a hospital (FKRTL)."""
    from jkn_core.imports.lookup import lookup

    values = frame["facility_code"].dropna()
    levels = {k: v[0] for k, v in lookup(conn, "facilities", "code", set(values), ("level",)).items()}
    level = frame["facility_code"].map(levels)
    bad = _true(level.notna() & (level != "FKRTL"))
    return [(i, "facility_code", why("not_fkrtl", value=v, level=levels[v]))
            for i, v in frame.loc[bad, "facility_code"].items()]
