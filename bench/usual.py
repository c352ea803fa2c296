"""The two reference points of the three-way comparison, on the same tables as ``jkn_core.kpi``.

- :class:`Usual`: what a typical Streamlit dashboard does: read the ledger, families, participants and
  facilities into pandas once (the ``st.cache_data`` step, timed separately as ``load``), then aggregate
  with pandas on every interaction. The ledger is merged with the families once, inside the load (the
  kind version of the usual way).
- :class:`Duck`: DuckDB, an in-process columnar engine, scanning the same base tables with SQL (no
  pre-aggregation). The SQLite scanner extension cannot be installed offline here, so the tables are
  copied into an in-memory DuckDB via Arrow (timed as ``load``).

Both compute the national view and the branch view (branch filter) of the same KPIs as ``kpi``; the
bench checks that the totals agree before it reports a time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

MAX_BILLED = 24
BUCKETS = [("1-3", 1, 3), ("4-6", 4, 6), ("7-12", 7, 12), ("13-24", 13, 24), (">24", 25, 10_000)]


def read_tables(engine: Engine) -> dict[str, pd.DataFrame]:
    q = {
        "contributions": "SELECT family_id, period, billed, paid, paid_period FROM contributions",
        "families": "SELECT id, segment, members, regency_code, branch_code, arrears_before_months, weight "
                    "FROM families",
        "participants": "SELECT regency_code, branch_code, segment, registered_period, status, weight "
                        "FROM participants",
        "regencies": "SELECT code, name, province_code, branch_code FROM regencies",
        "branches": "SELECT code, name, region_code FROM branches",
        "provinces": "SELECT code, name FROM provinces",
        "population": "SELECT regency_code, year, population FROM population",
        "facilities": "SELECT code, level, type, doctors, branch_code, regency_code FROM facilities",
        "facility_months": "SELECT facility_code, period, registered, capitation_paid FROM facility_months",
    }
    with engine.connect() as conn:
        return {k: pd.read_sql_query(text(v), conn) for k, v in q.items()}


class Usual:
    def __init__(self, t: dict[str, pd.DataFrame]) -> None:
        led = t["contributions"].merge(t["families"].rename(columns={"id": "family_id"}), on="family_id")
        led["billed_w"] = led["billed"] * led["weight"]
        led["paid_w"] = led["paid"] * led["weight"]
        self.led = led
        self.t = t
        self.first = int(led["period"].min())

    def _b(self, df: pd.DataFrame, branch: str | None) -> pd.DataFrame:
        return df[df["branch_code"] == branch] if branch else df

    def coverage(self, period: int, branch: str | None = None) -> pd.DataFrame:
        t = self.t
        p = self.t["participants"]
        p = p[p["registered_period"] <= period]
        part = p.assign(active=np.where(p["status"] == "aktif", p["weight"], 0)).groupby("regency_code")[
            ["weight", "active"]].sum()
        pop = t["population"]
        pop = pop[pop["year"] == pop.loc[pop["year"] <= period // 100, "year"].max()].set_index("regency_code")
        geo = self._b(t["regencies"], branch).set_index("code")
        geo = geo.join(pop["population"]).join(part).fillna(0)
        out = geo.groupby("province_code")[["population", "weight", "active"]].sum()
        out["coverage_pct"] = (out["weight"] / out["population"] * 100).round(2)
        return out

    def coverage_trend(self, periods: list[int], branch: str | None = None) -> pd.DataFrame:
        p = self._b(self.t["participants"], branch)
        monthly = p.groupby("registered_period")["weight"].sum().sort_index().cumsum()
        part = monthly.reindex(sorted(set(monthly.index) | set(periods))).ffill().reindex(periods)
        pop = self.t["population"]
        pop = pop[pop["regency_code"].isin(self._b(self.t["regencies"], branch)["code"])]
        by_year = pop.groupby("year")["population"].sum()
        popv = [by_year[by_year.index <= p // 100].iloc[-1] for p in periods]
        return pd.DataFrame({"period": periods, "participants": part.to_numpy(), "population": popv})

    def segment_mix(self, period: int, branch: str | None = None) -> pd.DataFrame:
        p = self._b(self.t["participants"], branch)
        p = p[p["registered_period"] <= period]
        return p.groupby("segment")["weight"].sum()

    def collectability(self, by: str, branch: str | None = None) -> pd.DataFrame:
        led = self._b(self.led, branch)
        kb, kc = {"month": ("period", "paid_period"), "branch": ("branch_code", "branch_code"),
                  "segment": ("segment", "segment")}[by]
        billed = led.groupby(kb)["billed_w"].sum()
        coll = led[led["paid_period"].notna()].groupby(kc)["paid_w"].sum()
        out = pd.DataFrame({"billed": billed}).join(coll.rename("collected")).fillna(0)
        out["collectability_pct"] = (out["collected"] / out["billed"] * 100).round(2)
        return out

    def _arrears(self, period: int, branch: str | None) -> pd.DataFrame:
        led = self._b(self.led, branch)
        u = led[(led["period"] <= period) & (led["paid_period"].isna() | (led["paid_period"] > period))]
        u = u.assign(owed=np.where(u["paid_period"].isna(), u["billed"] - u["paid"], u["billed"]))
        g = u.groupby("family_id").agg(n=("period", "size"), rp=("owed", "sum"), first_p=("period", "min"),
                                       bill=("billed", "max"), before=("arrears_before_months", "first"),
                                       members=("members", "first"), weight=("weight", "first"),
                                       branch_code=("branch_code", "first"))
        before = np.where(g["first_p"] == self.first, g["before"], 0)
        g["months"] = g["n"] + before
        g["rp"] = g["rp"] + np.minimum(before, MAX_BILLED - g["n"]) * g["bill"]
        g["bucket"] = pd.cut(g["months"], [0, 3, 6, 12, 24, 10**6], labels=[b[0] for b in BUCKETS])
        g["people"] = g["members"] * g["weight"]
        g["rp_w"] = g["rp"] * g["weight"]
        return g

    def arrears_aging(self, period: int, branch: str | None = None) -> pd.DataFrame:
        g = self._arrears(period, branch)
        return g.groupby("bucket", observed=False)[["people", "weight", "rp_w"]].sum()

    def arrears_by_branch(self, period: int, branch: str | None = None) -> pd.DataFrame:
        g = self._arrears(period, branch)
        g["rehab"] = g["months"].between(4, 24)
        g["rehab_people"] = np.where(g["rehab"], g["people"], 0)
        return g.groupby("branch_code")[["people", "rp_w", "rehab_people"]].sum()

    def capacity(self, period: int, branch: str | None = None) -> pd.DataFrame:
        f = self._b(self.t["facilities"], branch)
        fm = self.t["facility_months"]
        fm = fm[fm["period"] == period].set_index("facility_code")
        f = f.join(fm, on="code")
        gp = (f["level"] == "FKTP") & (f["type"] != "dokter_gigi")
        f = f.assign(doctors=np.where(gp, f["doctors"], 0), registered=np.where(gp, f["registered"].fillna(0), 0))
        return f.groupby("branch_code")[["doctors", "registered", "capitation_paid"]].sum()


class Duck:
    """The same aggregates as SQL over the base tables in DuckDB."""

    def __init__(self, t: dict[str, pd.DataFrame]) -> None:
        import duckdb

        self.con = duckdb.connect()
        for name, df in t.items():
            self.con.register("tmp_df", df)
            self.con.execute(f"CREATE TABLE {name} AS SELECT * FROM tmp_df")
            self.con.unregister("tmp_df")
        self.first = self.con.execute("SELECT min(period) FROM contributions").fetchone()[0]

    def q(self, sql: str, **params: object) -> pd.DataFrame:
        return self.con.execute(sql, params).df()

    @staticmethod
    def _bf(branch: str | None, col: str = "f.branch_code") -> str:
        return f"AND {col} = '{branch}'" if branch else ""

    def coverage(self, period: int, branch: str | None = None) -> pd.DataFrame:
        return self.q(f"""
            WITH part AS (SELECT regency_code, sum(weight) w, sum(CASE WHEN status='aktif' THEN weight ELSE 0 END) a
                          FROM participants WHERE registered_period <= {period} GROUP BY 1),
                 pop AS (SELECT regency_code, sum(population) p FROM population
                         WHERE year = (SELECT max(year) FROM population WHERE year <= {period // 100}) GROUP BY 1)
            SELECT r.province_code, sum(coalesce(pop.p,0)) population, sum(coalesce(part.w,0)) participants,
                   sum(coalesce(part.a,0)) active
            FROM regencies r LEFT JOIN pop ON pop.regency_code=r.code LEFT JOIN part ON part.regency_code=r.code
            WHERE TRUE {self._bf(branch, 'r.branch_code')} GROUP BY 1 ORDER BY 1""")

    def coverage_trend(self, periods: list[int], branch: str | None = None) -> pd.DataFrame:
        ps = ",".join(f"({p})" for p in periods)
        return self.q(f"""
            WITH ps(period) AS (VALUES {ps})
            SELECT ps.period, sum(p.weight) participants FROM ps JOIN participants p ON p.registered_period <= ps.period
            WHERE TRUE {self._bf(branch, 'p.branch_code')} GROUP BY 1 ORDER BY 1""")

    def segment_mix(self, period: int, branch: str | None = None) -> pd.DataFrame:
        return self.q(f"""SELECT segment, sum(weight) participants FROM participants p
                          WHERE registered_period <= {period} {self._bf(branch, 'p.branch_code')} GROUP BY 1""")

    def collectability(self, by: str, branch: str | None = None) -> pd.DataFrame:
        kb, kc = {"month": ("c.period", "c.paid_period"), "branch": ("f.branch_code", "f.branch_code"),
                  "segment": ("f.segment", "f.segment")}[by]
        return self.q(f"""
            WITH b AS (SELECT {kb} k, sum(c.billed*f.weight) billed FROM contributions c JOIN families f ON f.id=c.family_id
                       WHERE TRUE {self._bf(branch)} GROUP BY 1),
                 p AS (SELECT {kc} k, sum(c.paid*f.weight) collected FROM contributions c JOIN families f ON f.id=c.family_id
                       WHERE c.paid_period IS NOT NULL {self._bf(branch)} GROUP BY 1)
            SELECT b.k, b.billed, coalesce(p.collected,0) collected FROM b LEFT JOIN p USING (k) ORDER BY 1""")

    def _arrears_sql(self, period: int, branch: str | None) -> str:
        return f"""
            WITH u AS (SELECT c.family_id, count(*) n, sum(CASE WHEN c.paid_period IS NULL THEN c.billed-c.paid ELSE c.billed END) rp, min(c.period) first_p, max(c.billed) bill
                       FROM contributions c JOIN families f ON f.id=c.family_id
                       WHERE c.period <= {period} AND (c.paid_period IS NULL OR c.paid_period > {period})
                       {self._bf(branch)} GROUP BY 1),
                 a AS (SELECT u.*, f.members, f.weight, f.branch_code,
                              CASE WHEN u.first_p = {self.first} THEN f.arrears_before_months ELSE 0 END bf
                       FROM u JOIN families f ON f.id=u.family_id),
                 m AS (SELECT *, n + bf mths, rp + least(bf, {MAX_BILLED} - n) * bill rp2 FROM a)"""

    def arrears_aging(self, period: int, branch: str | None = None) -> pd.DataFrame:
        case = " ".join(f"WHEN mths BETWEEN {lo} AND {hi} THEN '{b}'" for b, lo, hi in BUCKETS)
        return self.q(self._arrears_sql(period, branch) + f"""
            SELECT CASE {case} ELSE '>24' END bucket, sum(members*weight) people, sum(weight) families,
                   sum(rp2*weight) rp FROM m GROUP BY 1""")

    def arrears_by_branch(self, period: int, branch: str | None = None) -> pd.DataFrame:
        return self.q(self._arrears_sql(period, branch) + """
            SELECT branch_code, sum(members*weight) people, sum(rp2*weight) rp,
                   sum(CASE WHEN mths BETWEEN 4 AND 24 THEN members*weight ELSE 0 END) rehab_people
            FROM m GROUP BY 1 ORDER BY 1""")

    def capacity(self, period: int, branch: str | None = None) -> pd.DataFrame:
        return self.q(f"""
            SELECT f.branch_code, sum(CASE WHEN f.level='FKTP' AND f.type<>'dokter_gigi' THEN f.doctors ELSE 0 END) doctors,
                   sum(CASE WHEN f.level='FKTP' AND f.type<>'dokter_gigi' THEN coalesce(fm.registered,0) ELSE 0 END) registered,
                   sum(coalesce(fm.capitation_paid,0)) capitation_paid
            FROM facilities f LEFT JOIN facility_months fm ON fm.facility_code=f.code AND fm.period={period}
            WHERE TRUE {self._bf(branch)} GROUP BY 1 ORDER BY 1""")
