"""The demo Indonesia: a synthetic, weighted, deterministic JKN world calibrated to public figures.

This module builds the people (registered participants, families, participant rows, their FKTP) and
writes the world to the database; the other stages live beside it, called in a fixed order so that a
seed always gives the same world. The process is documented in ``docs/demo-data.md``; every constant
is named there. In short:
1. Geography (:mod:`jkn_core.demo.geography`): 12 regions, 38 provinces, 126 branches, 514 regencies.
2. Registered participants per province from the coverage anchors in :mod:`jkn_core.demo.calibration`;
   split over regencies, then over segments by iterative proportional fitting to the national segment mix.
3. Each (regency, segment) cell becomes ``ceil(people / weight)`` participant rows whose integer
   weights add up to the cell exactly; rows are grouped into families.
4. Facilities at full count per regency (:mod:`jkn_core.demo.facilities`); participants register at an
   FKTP of their regency.
5. Self-paying families (PBPU, BP) are simulated month by month from January 2014
   (:mod:`jkn_core.demo.payments`): they miss or pay the bill, cure arrears, fall ill, get collection
   actions. The last ``months`` months are written to the ledger; the true probability of missing each
   month's bill is kept in ``truth_family``.
6. SIF loans to clinics and doctor practices with true default probabilities (:mod:`jkn_core.demo.loans`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Index
from sqlalchemy.engine import Connection

from jkn_core import config
from jkn_core.db import analyze, bulk_insert, create_schema, drop_schema, frame_rows, set_meta
from jkn_core.demo import calibration as ref
from jkn_core.demo.claims import hospital_claims
from jkn_core.demo.facilities import facilities, facility_months
from jkn_core.demo.geography import build_geography
from jkn_core.demo.loans import sif_loans
from jkn_core.demo.maths import ipf, split_int
from jkn_core.demo.names import FIRST_NAMES, LAST_NAMES
from jkn_core.demo.payments import simulate
from jkn_core.demo.programmes import add_programmes
from jkn_core.demo.timeline import START_YEAR, dates_iso, index_of, padded, period_of
from jkn_core.schema import SELF_PAYING_SEGMENTS

Progress = Callable[[float, str], None]

#: Insertion order (foreign keys first).
TABLE_ORDER = ["regions", "provinces", "branches", "regencies", "population", "facilities", "families",
               "participants", "contributions", "care_events", "collection_actions", "truth_family",
               "facility_months", "sif_loans", "truth_loan", "truth_facility", "targets"]
TABLE_ORDER += ["claims", "truth_hospital", "scf_lines", "scf_drawdowns"]  # hospital claims and SCF (#14)
TABLE_ORDER += ["partners", "partner_assignments", "rehab_plans", "rehab_payments", "csr_payments",
                "truth_programme_effect"]  # collection programmes (#13, jkn_core.demo.programmes)
TABLE_ORDER += ["programme_settings"]  # #13: the holdout shares the programme simulation used (LPD in Bali)

#: People one participant row stands for at scale "default" (self-paying / other segments).
BASE_WEIGHT = {"self": 300, "other": 3000}
SCALES = {"small": 8.0, "default": 1.0, "large": 0.25, "full": 1 / 300}
#: Scale "full" gives the self-paying segments (PBPU, BP: the ledger, arrears and the work queue)
#: weight 1 = real row counts, and the other segments weight 10. Meant for one branch (``branches=``).
DEFAULT_SEED = 20241231

#: Fewest participant rows of a self-paying (regency, segment) cell at scale "default" (÷ the scale factor
#: elsewhere): with fewer, one family paying back two years of arrears moves its regency's monthly
#: collectability by tens of points (a cell of 4,000 PBPU people was 13 rows). Rows then weigh less.
MIN_SELF_PAYING_ROWS = 100
FAMILY_SIZE_P = np.array([0.22, 0.20, 0.23, 0.19, 0.11, 0.05])  # 1..6 members (E)


class _Timer:
    """Progress callback that also records the seconds elapsed at each step."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.t0 = time.perf_counter()
        self.steps: dict[str, float] = {}

    def __call__(self, frac: float, msg: str) -> None:
        self.steps[msg] = round(time.perf_counter() - self.t0, 2)
        if self.progress:
            self.progress(frac, msg)


# =====================================================================================================
def generate(
    engine: Engine,
    scale: str = "default",
    seed: int = DEFAULT_SEED,
    end_period: int = config.DEFAULT_END_PERIOD,
    months: int = config.DEFAULT_MONTHS,
    provinces: tuple[str, ...] | list[str] | None = None,
    progress: Progress | None = None,
    branches: tuple[str, ...] | list[str] | None = None,
) -> dict[str, Any]:
    """(Re)build the demo world in ``engine``'s database. Returns a dict of counts and timings."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    if months < 24:
        raise ValueError("the demo keeps at least 24 months of history")
    tick = _Timer(progress)
    rng = np.random.default_rng(seed)
    if branches:  # restrict the world to these branches (their provinces' figures, their regencies only)
        bt = build_geography().branches
        provinces = sorted(set(bt.loc[bt["code"].isin(list(branches)), "province_code"]))
    world = _build(rng, scale, end_period, months, tuple(provinces) if provinces else None, tick,
                   tuple(branches) if branches else None)
    # hospital claims and SCF (#14): own rng stream [seed, 14], after every other stage
    world["tables"].update(hospital_claims(seed, world["tables"]["facilities"], end_period, months))
    # collection programmes (#13): own rng stream [seed, 13]; rewrites only treated families' later ledger rows
    add_programmes(world["tables"], seed, end_period, months)
    tick(0.7, "writing to the database")
    drop_schema(engine)
    create_schema(engine)
    with engine.begin() as conn:
        deferred = _drop_indexes(conn, TABLE_ORDER)
        for name in TABLE_ORDER:
            frame = _nulls_as_none(world["tables"][name])
            bulk_insert(conn, name, list(frame.columns), frame_rows(frame))
            tick(0.7 + 0.25 * (TABLE_ORDER.index(name) + 1) / len(TABLE_ORDER), f"wrote {name}")
        for index in deferred:  # the same indexes again, each built once from the loaded rows
            index.create(conn)
        set_meta(conn, {
            "synthetic": "1", "seed": seed, "scale": scale, "end_period": end_period, "months": months,
            "first_period": int(period_of(index_of(end_period) - months + 1)),
            "provinces": ",".join(provinces) if provinces else "all",
            **({"branches": ",".join(branches)} if branches else {}),
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        })
    _after_generate(engine)
    tick(1.0, "done")
    counts = {name: len(frame) for name, frame in world["tables"].items()}
    return {"counts": counts, "timings": tick.steps, "seconds": round(time.perf_counter() - tick.t0, 2)}


def _after_generate(engine: Engine) -> None:
    """Demo users, then the hooks of :mod:`jkn_core.hooks` (pre-aggregates), then ANALYZE."""
    from jkn_core import hooks
    from jkn_core.access import create_demo_users

    create_demo_users(engine)
    for hook in hooks.AFTER_GENERATE_HOOKS:
        hook(engine)
    analyze(engine)



def _drop_indexes(conn: Connection, tables: list[str]) -> list[Index]:
    """Drop the secondary indexes of ``tables`` (in the caller's transaction) and return them: the bulk load
    fills bare tables and the indexes are created again afterwards, which is about twice as fast on SQLite as
    growing them row by row (1.7 million ledger rows). The schema ends up exactly as ``create_schema`` made it."""
    from jkn_core.schema import Base

    indexes = [index for name in tables for index in Base.metadata.tables[name].indexes]
    for index in indexes:
        index.drop(conn)
    return indexes


def _nulls_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as None (NULL) for the DB-API, whatever pandas made of them (NaN, NA)."""
    out = frame
    for col in frame.columns:
        na = frame[col].isna()
        if na.any():
            if out is frame:
                out = frame.copy()
            out[col] = frame[col].astype(object).where(~na, None)
    return out


# =====================================================================================================
def _build(rng: np.random.Generator, scale: str, end_period: int, months: int,
           provinces: tuple[str, ...] | None, tick: _Timer,
           only_branches: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Every table of the world as DataFrames (``{"tables": {name: frame}}``); draws from ``rng`` in a
    fixed order (changing the order changes the world of a seed)."""
    geo = build_geography()
    prov = geo.provinces.copy()
    reg = geo.regencies.copy()
    branches = geo.branches.copy()
    regions = geo.regions.copy()
    if provinces:
        prov = prov[prov["code"].isin(provinces)]
        reg = reg[reg["province_code"].isin(provinces)]
        branches = branches[branches["province_code"].isin(provinces)]
        regions = regions[regions["code"].isin(prov["region_code"])]
    end_idx = index_of(end_period)
    ws = end_idx - months + 1  # first ledger month index
    year_end = end_period // 100
    tick(0.02, "geography")

    # --- 1. registered participants per province (end and one year before) ------------------------
    prov = _registered_per_province(prov, provinces)

    # --- 2. regencies: registered = population x coverage (noisy around the province) -------------
    reg = reg.merge(prov[["code", "registered", "ratio_prev"]].rename(columns={"code": "province_code"}),
                    on="province_code")
    noise = rng.normal(1.0, 0.025, len(reg))
    raw = reg["pop_2024"].to_numpy(float) * noise
    reg["target"] = raw / reg.groupby("province_code")["pop_2024"].transform(
        lambda s: s.sum()).to_numpy() * reg["registered"].to_numpy()
    reg["target"] = reg["target"] * reg["registered"] / reg.groupby("province_code")["target"].transform("sum")

    # --- 3. segment split by IPF to the national mix, seeded by regional income ------------------
    segs = list(ref.SEGMENT_MIX_2024)
    inc = reg["income_index"].to_numpy()
    seed_m = np.column_stack([
        inc ** -0.7, inc ** -0.3, inc ** 0.9 * np.where(reg["is_city"], 1.3, 1.0), inc ** 0.2, inc ** 0.6,
    ]) * np.array([ref.SEGMENT_MIX_2024[s] for s in segs])
    col_tot = np.array([ref.SEGMENT_MIX_2024[s] for s in segs], float)
    cells = ipf(reg["target"].to_numpy(), col_tot, seed_m)
    cells = np.round(cells).astype(np.int64)
    if only_branches:  # keep the chosen branches' regencies (their cells as computed for the province)
        keep = reg["branch_code"].isin(only_branches).to_numpy()
        reg, cells, inc = reg[keep].reset_index(drop=True), cells[keep], inc[keep]
        branches = branches[branches["code"].isin(only_branches)]
        prov = prov.assign(population=prov["code"].map(reg.groupby("province_code")["pop_2024"].sum()).fillna(0))
    tick(0.05, "participants per regency and segment")

    # --- 4. rows and weights per cell, families ---------------------------------------------------
    fam, p_fam, p_no, p_w, p_reg = _families(rng, cells, len(reg), segs, SCALES[scale])
    tick(0.12, f"{len(p_fam):,} participant rows in {len(fam):,} families")

    # --- family attributes -----------------------------------------------------------------------
    nfam = len(fam)
    fam_reg = fam["reg_i"].to_numpy()
    fam_inc = inc[fam_reg] * rng.lognormal(0, 0.35, nfam)
    selfpay = fam["segment"].isin(SELF_PAYING_SEGMENTS).to_numpy()
    # class: self-paying choose by income; PBI class 3; PPU class 1 or 2 by wage
    u = rng.random(nfam)
    c1 = np.clip(ref.CLASS_MIX_SELF_PAYING[1] * fam_inc ** 1.1, 0.02, 0.6)
    c2 = np.clip(ref.CLASS_MIX_SELF_PAYING[2] * fam_inc ** 0.5, 0.05, 0.4)
    kelas_self = np.where(u < c1, 1, np.where(u < c1 + c2, 2, 3))
    kelas_ppu = np.where(rng.random(nfam) < np.clip(0.35 * fam_inc, 0.1, 0.8), 1, 2)
    seg_arr = fam["segment"].to_numpy()
    kelas = np.where(selfpay, kelas_self, np.where(seg_arr == "PPU", kelas_ppu, 3))
    # registration month: province ratio for the last year, national curve before
    ratio_prev_f = reg["ratio_prev"].to_numpy()[fam_reg]
    ur = rng.random(nfam)
    yrs = np.array(sorted(y for y in ref.NATIONAL_REGISTERED if y < 2024))
    cum = np.array([ref.NATIONAL_REGISTERED[y] for y in yrs], float)
    cum = np.maximum.accumulate(cum) / cum[-1]
    v = ur / ratio_prev_f
    yi = np.searchsorted(cum, v)
    in_last = ur >= ratio_prev_f
    month_in_year = rng.integers(0, 12, nfam)
    reg_idx = np.where(yi == 0, 0, (yrs[np.minimum(yi, len(yrs) - 1)] - START_YEAR) * 12 + month_in_year)
    # shift so "2023" means the year before the end month
    reg_idx = np.where(reg_idx > 0, reg_idx + (end_idx - index_of(202412)), reg_idx)
    reg_idx = np.where(in_last, end_idx - 11 + rng.integers(0, 12, nfam), reg_idx)
    reg_idx = np.clip(reg_idx, 0, end_idx)
    head_age = np.clip(rng.normal(44, 12, nfam), 19, 85).astype(int)
    head_birth_year = year_end - head_age
    auto_debit = selfpay & (rng.random(nfam) < np.clip(0.10 * fam_inc * np.where(kelas < 3, 1.8, 1.0), 0, 0.5))
    sick_joiner = selfpay & (rng.random(nfam) < 0.14)
    latent = rng.normal(0, 0.6, nfam)
    fam = fam.assign(kelas=kelas, reg_idx=reg_idx, head_birth_year=head_birth_year, auto_debit=auto_debit,
                     income=fam_inc)
    tick(0.16, "family attributes")

    # --- 5. facilities ---------------------------------------------------------------------------
    fac, fac_regency_idx = facilities(rng, reg, prov, end_idx, provinces)
    tick(0.22, f"{len(fac):,} facilities")

    # --- participants ------------------------------------------------------------------------------
    npart = len(p_fam)
    pf = p_fam  # family id == row index in fam (ids are 0..nfam-1)
    sex = np.where(rng.random(npart) < 0.5, "L", "P")
    age = np.where(p_no == 0, head_age[pf], np.where(p_no == 1, np.clip(head_age[pf] + rng.integers(-6, 4, npart), 18, 90),
                                                    np.clip(head_age[pf] - 22 - rng.integers(0, 15, npart), 0, 60)))
    birth_year = year_end - age
    birth_month = rng.integers(1, 13, npart)
    birth_day = rng.integers(1, 29, npart)
    reg_codes = reg["code"].to_numpy()
    p_regcode = reg_codes[p_reg]
    first = rng.choice(FIRST_NAMES, npart)
    last = np.asarray(LAST_NAMES)[pf % len(LAST_NAMES)]
    names = pd.Series(first).str.cat(pd.Series(last), sep=" ").to_numpy()
    dd = np.where(sex == "P", birth_day + 40, birth_day)
    nik = (pd.Series(p_regcode).str.replace(".", "", regex=False)
           + pd.Series(padded(rng.integers(1, 30, npart), 2))
           + pd.Series(padded(dd, 2)) + pd.Series(padded(birth_month, 2))
           + pd.Series(padded(birth_year % 100, 2))
           + pd.Series(padded(np.arange(npart) % 10000, 4))).to_numpy()
    # FKTP choice within the regency
    fktp_mask = fac["level"].to_numpy() == "FKTP"
    attract = np.select(
        [fac["type"] == "puskesmas", fac["type"] == "klinik_pratama", fac["type"] == "dpp",
         fac["type"] == "klinik_tni_polri"], [3.0, 1.6, 0.6, 0.8], 0.0) * rng.lognormal(0, 0.5, len(fac))
    attract = np.where(fktp_mask, attract, 0.0)
    fac_codes = fac["code"].to_numpy()
    list_cap = fac["type"].map(ref.FKTP_LIST_CAP).fillna(np.inf).to_numpy(float)
    p_fktp = np.empty(npart, dtype=np.int64)
    order = np.argsort(p_reg, kind="stable")
    bounds = np.searchsorted(p_reg[order], np.arange(len(reg) + 1))
    for i in range(len(reg)):
        rows = order[bounds[i]:bounds[i + 1]]
        if not len(rows):
            continue
        cand = np.flatnonzero((fac_regency_idx == i) & (attract > 0))
        pr = attract[cand] / attract[cand].sum()
        pick = rng.choice(cand, size=len(rows), p=pr)
        # list-size caps (a solo practice holds at most ~5,000): rows past a capped FKTP's limit go to an
        # uncapped one (puskesmas), in the order drawn
        cum = pd.Series(p_w[rows]).groupby(pick).cumsum().to_numpy()
        over = cum > list_cap[pick]
        if over.any():
            free = cand[~np.isfinite(list_cap[cand])]
            pick[over] = rng.choice(free, size=int(over.sum()), p=attract[free] / attract[free].sum())
        p_fktp[rows] = pick
    tick(0.28, "participants registered at FKTP")

    # --- 6. self-paying simulation -----------------------------------------------------------------
    sim = simulate(rng, fam[selfpay].reset_index(drop=True), latent[selfpay], sick_joiner[selfpay], end_idx, ws)
    tick(0.5, "payment behaviour simulated")

    # statuses
    fam_k_end = np.zeros(nfam, dtype=int)
    fam_k_end[np.flatnonzero(selfpay)] = sim["k_end"]
    inactive_other = rng.random(npart) < np.array([ref.INACTIVE_OTHER_SHARE[s] for s in segs])[
        pd.Categorical(seg_arr[pf], categories=segs).codes]
    status = np.where(fam_k_end[pf] > 0, "nonaktif_tunggakan", np.where(inactive_other, "nonaktif_lain", "aktif"))
    # families registered on one date; members share it
    reg_day = rng.integers(1, 29, nfam)
    fam_reg_iso = dates_iso(reg_idx, reg_day)
    branch_of_reg = reg["branch_code"].to_numpy()
    fam_weight = pd.Series(p_w).groupby(pf).mean().round().astype(int).reindex(range(nfam)).to_numpy()
    arrears_before = np.zeros(nfam, dtype=int)
    arrears_before[np.flatnonzero(selfpay)] = sim["arrears_before"]

    tables: dict[str, pd.DataFrame] = {}
    tables["regions"] = regions[["code", "name"]]
    tables["provinces"] = prov[["code", "bps_code", "name", "iso_code", "region_code"]]
    tables["branches"] = branches[["code", "name", "region_code", "province_code"]]
    tables["regencies"] = reg[["code", "name", "is_city", "province_code", "branch_code", "income_index"]].assign(
        is_city=lambda d: d["is_city"].astype(int))
    popy = []
    for y, factor in ((year_end - 1, 1 / (1 + ref.POPULATION_GROWTH)), (year_end, 1.0)):
        popy.append(pd.DataFrame({"regency_code": reg["code"], "year": y,
                                  "population": (reg["pop_2024"] * factor).round().astype(np.int64)}))
    tables["population"] = pd.concat(popy, ignore_index=True)
    tables["families"] = pd.DataFrame({
        "id": fam["id"], "segment": seg_arr, "kelas": kelas, "members": fam["members"],
        "regency_code": reg_codes[fam_reg], "branch_code": branch_of_reg[fam_reg], "registered_on": fam_reg_iso,
        "auto_debit": auto_debit.astype(int), "head_birth_year": head_birth_year,
        "arrears_before_months": arrears_before, "weight": fam_weight,
    })
    tables["participants"] = pd.DataFrame({
        "id": np.arange(npart), "nik": nik, "name": names, "family_id": pf, "segment": seg_arr[pf],
        "kelas": kelas[pf], "sex": sex,
        "birth_date": pd.Series(birth_year).astype(str).str.cat(
            [pd.Series(padded(birth_month, 2)), pd.Series(padded(birth_day, 2))], sep="-").to_numpy(),
        "regency_code": p_regcode, "branch_code": branch_of_reg[p_reg], "fktp_code": fac_codes[p_fktp],
        "registered_on": fam_reg_iso[pf], "registered_period": period_of(reg_idx[pf]), "status": status,
        "weight": p_w,
    })
    sp_ids = fam["id"].to_numpy()[selfpay]
    tables["contributions"] = sim["ledger"].assign(family_id=lambda d: sp_ids[d["f"]]).drop(columns="f")[
        ["family_id", "period", "billed", "paid", "paid_date", "paid_period"]]
    tables["care_events"] = sim["care"].assign(family_id=lambda d: sp_ids[d["f"]]).drop(columns="f")[
        ["family_id", "period", "kind", "cost"]]
    tables["collection_actions"] = sim["actions"].assign(family_id=lambda d: sp_ids[d["f"]]).drop(columns="f")[
        ["family_id", "period", "action", "outcome", "recorded_by", "recorded_at"]]
    tables["truth_family"] = sim["truth"].assign(family_id=lambda d: sp_ids[d["f"]]).drop(columns="f")[
        ["family_id", "period", "p_miss"]]
    fm = facility_months(rng, fac, p_fktp, p_w, reg_idx[pf], ws, end_idx)
    tables["facility_months"] = fm
    tables["facilities"] = fac.drop(columns=["reg_i"])  # doctors and capitation set by facility_months
    loans, truth_loan, truth_fac = sif_loans(rng, fac, fm, ws, end_idx)
    tables["sif_loans"] = loans
    tables["truth_loan"] = truth_loan
    tables["truth_facility"] = truth_fac
    tables["targets"] = pd.DataFrame(ref.DEFAULT_TARGETS, columns=["kpi", "level", "code", "year", "target"])
    tick(0.68, "tables assembled")
    return {"tables": tables}


def _registered_per_province(prov: pd.DataFrame, provinces: tuple[str, ...] | None) -> pd.DataFrame:
    """Registered participants per province at the end (``registered``) and the share of them registered
    one year before (``ratio_prev``), from the coverage anchors; draws nothing."""
    cov = np.array([ref.COVERAGE_ANCHORS.get(c, ref.DEFAULT_COVERAGE) for c in prov["code"]])
    pop24 = prov["population"].to_numpy(float)
    pop23 = pop24 / (1 + ref.POPULATION_GROWTH)
    if not provinces:  # scale the non-anchored provinces so the nation meets the published totals
        free = ~prov["code"].isin(list(ref.COVERAGE_ANCHORS)).to_numpy()
        for col, pop, target in ((1, pop24, ref.NATIONAL_COVERAGE_2024_PCT / 100 * pop24.sum()),
                                 (0, pop23, ref.NATIONAL_REGISTERED[2023] / ref.NATIONAL_REGISTERED[2024]
                                  * ref.NATIONAL_COVERAGE_2024_PCT / 100 * pop24.sum())):
            fixed = (cov[~free, col] / 100 * pop[~free]).sum()
            need = (target - fixed) / pop[free].sum() * 100
            cov[free, col] = cov[free, col] * need / cov[free, col].mean()
    reg_prov_end = cov[:, 1] / 100 * pop24
    ratio_prev = (cov[:, 0] / 100 * pop23) / reg_prov_end
    return prov.assign(registered=reg_prov_end, ratio_prev=ratio_prev)


def _families(rng: np.random.Generator, cells: np.ndarray, n_regencies: int, segs: list[str], mult: float
              ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Participant rows per (regency, segment) cell with integer weights adding up to the cell, grouped
    into families: the families (id, segment, members, regency row) and, per participant row, its family,
    member number, weight and regency row."""
    fam_parts: list[tuple[np.ndarray, ...]] = []
    part_parts: list[tuple[np.ndarray, ...]] = []
    fam_id0 = 0
    for j, seg in enumerate(segs):
        w = BASE_WEIGHT["self" if seg in SELF_PAYING_SEGMENTS else "other"] * mult
        for i in range(n_regencies):
            people = int(cells[i, j])
            if people <= 0:
                continue
            n = max(1, int(round(people / w)))
            if seg in SELF_PAYING_SEGMENTS:  # enough families for a regency's monthly ledger figures
                n = min(people, max(n, int(round(MIN_SELF_PAYING_ROWS / mult))))
            weights = split_int(people, n)
            sizes = rng.choice(np.arange(1, 7), size=n, p=FAMILY_SIZE_P)
            ends = np.cumsum(sizes)
            k = int(np.searchsorted(ends, n)) + 1
            sizes = sizes[:k]
            sizes[-1] -= ends[k - 1] - n
            sizes = sizes[sizes > 0]
            nf = len(sizes)
            fam_ids = np.arange(fam_id0, fam_id0 + nf)
            fam_id0 += nf
            member_fam = np.repeat(fam_ids, sizes)
            member_no = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)  # 0..size-1 in each family
            fam_parts.append((fam_ids, np.full(nf, j), sizes, np.full(nf, i)))
            part_parts.append((member_fam, member_no, weights, np.full(n, i)))
    # one frame at the end (a frame per cell cost seconds): id, segment, members, regency row
    seg_codes = np.concatenate([p[1] for p in fam_parts])
    fam = pd.DataFrame({"id": np.concatenate([p[0] for p in fam_parts]),
                        "segment": np.asarray(segs, dtype=object)[seg_codes],
                        "members": np.concatenate([p[2] for p in fam_parts]),
                        "reg_i": np.concatenate([p[3] for p in fam_parts])})
    p_fam = np.concatenate([p[0] for p in part_parts])
    p_no = np.concatenate([p[1] for p in part_parts])
    p_w = np.concatenate([p[2] for p in part_parts])
    p_reg = np.concatenate([p[3] for p in part_parts])
    return fam, p_fam, p_no, p_w, p_reg
