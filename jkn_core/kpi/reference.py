"""Dated reference points: published figures of a unit (``reference_figures``, e.g. the Palembang article
of 2017) next to the dashboard's own figures of the same unit at the month shown.

The figures are data: shipped in ``jkn_core/data/reference_figures.csv`` (loaded after the demo is
generated, :func:`load_shipped`, registered in :mod:`jkn_core.hooks`) and importable by an admin
(``python -m jkn_core import reference_figures FILE``). Nothing here is hard-coded per branch.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, inspect, select

from jkn_core.kpi.arrears import arrears_total
from jkn_core.kpi.membership import coverage
from jkn_core.kpi.view import Filters, latest_period, reader
from jkn_core.schema import Branch, Province, ReferenceFigure, Regency, Region
from jkn_core.scope import Scope

#: The reference figures shipped with the product (source named in each row).
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "reference_figures.csv"
#: The columns of :func:`reference_points`.
POINT_COLUMNS = ["metric", "as_of", "value", "source", "source_date", "note"]
_UNITS = {"region": (Region, Region.code), "branch": (Branch, Branch.code), "province": (Province, Province.code),
          "regency": (Regency, Regency.code)}


def _held(engine: Engine) -> bool:
    return inspect(engine).has_table(ReferenceFigure.__tablename__)  # databases made before the table


def _visible(engine: Engine, scope: Scope, level: str, code: str) -> bool:
    """True when the unit lies within ``scope`` (a branch user sees their branch, a deputy their region)."""
    if not (scope.region_code or scope.branch_code):
        return True
    if level != "branch":
        return False
    with reader(engine).connect() as conn:
        return conn.execute(select(Branch.code).where(Branch.code == code,
                                                      scope.clause(Branch.region_code, Branch.code))).first() is not None


def reference_points(engine: Engine, scope: Scope, level: str, code: str = "") -> pd.DataFrame:
    """The reference figures of one unit (newest first): metric, as_of, value, source, source_date, note.
    Empty when the unit has none or lies outside the scope."""
    if not _held(engine) or not _visible(engine, scope, level, code):
        return pd.DataFrame(columns=POINT_COLUMNS)
    r = ReferenceFigure
    with reader(engine).connect() as conn:
        rows = conn.execute(select(r.metric, r.as_of, r.value, r.source, r.source_date, r.note)
                            .where(r.level == level, r.code == code)
                            .order_by(r.as_of.desc(), r.metric)).all()
    return pd.DataFrame(rows, columns=POINT_COLUMNS)


def branch_reference(engine: Engine, scope: Scope, branch: str, period: int | None = None) -> pd.DataFrame:
    """A branch's reference figures side by side with the dashboard's own figures at ``period``:
    metric, as_of, reference (the published value), now (the dashboard's), change (now − reference),
    source, source_date, note. Empty when the branch has no reference figure."""
    points = reference_points(engine, scope, "branch", branch)
    if points.empty:
        return points.assign(reference=[], now=[], change=[])
    period = period or latest_period(engine)
    f = Filters(branch=branch)
    cov = coverage(engine, scope, "nation", period, f)
    arrears = arrears_total(engine, scope, period, f)
    row = cov.iloc[0] if len(cov) else None
    own = {
        "participants": None if row is None else float(row["participants"]),
        "active_participants": None if row is None else float(row["active"]),
        "coverage_pct": None if row is None else float(row["coverage_pct"]),
        "population": None if row is None else float(row["population"]),
        "arrears_people": float(arrears["people"]),
        "arrears_rp": float(arrears["rp"]),
    }
    out = points.rename(columns={"value": "reference"})
    out["now"] = out["metric"].map(own).astype(float)
    out["change"] = out["now"] - out["reference"]
    out["period"] = period
    return out[["metric", "as_of", "reference", "period", "now", "change", "source", "source_date", "note"]]


def load_shipped(engine: Engine, path: Path = SHIPPED) -> int:
    """Add the shipped reference figures whose unit exists in the database and whose key is not held yet
    (an admin's imported rows are never overwritten); returns the rows added. A hook after generation."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    ReferenceFigure.__table__.create(engine, checkfirst=True)
    added = 0
    with engine.begin() as conn:
        held = set(conn.execute(select(ReferenceFigure.level, ReferenceFigure.code, ReferenceFigure.metric,
                                       ReferenceFigure.as_of)).all())
        for rec in frame.to_dict("records"):
            as_of = pd.Timestamp(rec["as_of"]).date()
            if (rec["level"], rec["code"], rec["metric"], as_of) in held:
                continue
            if rec["level"] in _UNITS:
                table, col = _UNITS[rec["level"]]
                if conn.execute(select(col).where(col == rec["code"])).first() is None:
                    continue  # e.g. a demo world without that province
            conn.execute(ReferenceFigure.__table__.insert().values(
                level=rec["level"], code=rec["code"], metric=rec["metric"], as_of=as_of,
                value=float(rec["value"]), source=rec["source"],
                source_date=pd.Timestamp(rec["source_date"]).date(), note=rec["note"] or None))
            added += 1
    return added
