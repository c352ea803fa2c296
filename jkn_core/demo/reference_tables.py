"""The reference tables alone: the geography, population and published targets, without any people.

``python -m jkn_core init`` (:mod:`jkn_core.cli.init`) starts a real deployment from these tables: the
same regions (kedeputian wilayah), provinces, branches, regencies and population rows the demo
generator writes (:mod:`jkn_core.demo.geography`, :mod:`jkn_core.demo.calibration`), for all 38
provinces, and the default national targets of :data:`jkn_core.demo.calibration.DEFAULT_TARGETS`. No
participant, family, facility, ledger, loan or truth row is made here, and nothing is drawn at random
beyond the geography's own fixed seed (the result is the same on every call).

The population rows are the 2024 BPS figures the geography carries and the year before them, derived
with :data:`~jkn_core.demo.calibration.POPULATION_GROWTH`, exactly as the generator writes them for its
default end month (December 2024).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete

from jkn_core.db import bulk_insert, frame_rows
from jkn_core.demo import calibration as ref
from jkn_core.demo.geography import build_geography
from jkn_core.schema import Base

#: The year of the population figures the geography carries (``pop_2024``).
POPULATION_YEAR = 2024

#: Reference tables in insertion order (foreign keys first).
REFERENCE_TABLES = ("regions", "provinces", "branches", "regencies", "population", "targets")


def reference_tables() -> dict[str, pd.DataFrame]:
    """Each of :data:`REFERENCE_TABLES` as a DataFrame whose columns are the table's columns."""
    geo = build_geography()
    reg = geo.regencies
    population = pd.concat(
        [
            pd.DataFrame({"regency_code": reg["code"], "year": year,
                          "population": (reg["pop_2024"] * factor).round().astype(np.int64)})
            for year, factor in ((POPULATION_YEAR - 1, 1 / (1 + ref.POPULATION_GROWTH)), (POPULATION_YEAR, 1.0))
        ],
        ignore_index=True,
    )
    return {
        "regions": geo.regions[["code", "name"]],
        "provinces": geo.provinces[["code", "bps_code", "name", "iso_code", "region_code"]],
        "branches": geo.branches[["code", "name", "region_code", "province_code"]],
        "regencies": reg[["code", "name", "is_city", "province_code", "branch_code", "income_index"]].assign(
            is_city=lambda d: d["is_city"].astype(int)),
        "population": population,
        "targets": pd.DataFrame(ref.DEFAULT_TARGETS, columns=["kpi", "level", "code", "year", "target"]),
    }


def write_reference_tables(engine: Engine) -> dict[str, int]:
    """Replace the rows of the reference tables with :func:`reference_tables`, in one transaction.

    The schema must exist. Returns the rows written per table. Only meant for a database that holds no
    other data (``init`` checks that first): rows of other tables pointing at a regency or branch would
    block the delete.
    """
    frames = reference_tables()
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for name in reversed(REFERENCE_TABLES):
            conn.execute(delete(Base.metadata.tables[name]))
        for name in REFERENCE_TABLES:
            frame = frames[name].astype(object).where(frames[name].notna(), None)
            counts[name] = bulk_insert(conn, name, list(frame.columns), frame_rows(frame))
    return counts
