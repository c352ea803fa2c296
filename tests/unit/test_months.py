"""YYYYMM arithmetic (jkn_core.months): the one definition every module uses."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jkn_core import months


@pytest.mark.parametrize(("period", "n", "expected"), [
    (202401, -1, 202312), (202412, -12, 202312), (202412, 1, 202501), (202406, 0, 202406),
    (202312, 13, 202501), (202003, -27, 201712),
])
def test_shift_crosses_years(period: int, n: int, expected: int) -> None:
    assert months.shift(period, n) == expected


def test_index_counts_months_and_round_trips() -> None:
    assert months.index(202401) - months.index(202312) == 1
    assert months.index(202412) - months.index(202301) == 23
    ps = np.array([201401, 202312, 202412])
    assert (months.from_index(months.index(ps)) == ps).all()
    s = pd.Series([202401, 202402])
    assert months.index(s).diff().iloc[1] == 1
    assert isinstance(months.index_int(202401), int) and months.index_int(ps).shape == (3,)


def test_days_and_dates() -> None:
    assert months.first_day(202402) == dt.date(2024, 2, 1)
    assert months.last_day(202402) == dt.date(2024, 2, 29)
    assert months.last_day(202312) == dt.date(2023, 12, 31)
    assert months.of_date(dt.date(2024, 7, 15)) == 202407
    assert months.next_period(202412) == 202501


def test_months_before_in_sql_matches_python() -> None:
    from sqlalchemy import column, create_engine, select, table

    t = table("p", column("period"))
    eng = create_engine("sqlite://")
    with eng.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE p (period INTEGER)")
        conn.exec_driver_sql("INSERT INTO p VALUES (202401), (202407), (202412)")
        for n in (1, 6, 11):
            got = conn.execute(select(months.months_before_sql(t.c.period, n)).order_by(t.c.period)).scalars().all()
            assert got == [months.shift(p, -n) for p in (202401, 202407, 202412)]
