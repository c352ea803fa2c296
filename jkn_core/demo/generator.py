"""The demo Indonesia: a synthetic, weighted, deterministic JKN world calibrated to public figures.

The process is documented in ``docs/demo-data.md``; every constant below is named there. In short:
1. Geography (``jkn_core.demo.geography``): 12 regions, 38 provinces, 126 branches, 514 regencies.
2. Registered participants per province from the coverage anchors in ``reference``; split over
   regencies, then over segments by iterative proportional fitting to the national segment mix.
3. Each (regency, segment) cell becomes ``ceil(people / weight)`` participant rows whose integer
   weights add up to the cell exactly; rows are grouped into families.
4. Facilities at full count per regency; participants register at an FKTP of their regency.
5. Self-paying families (PBPU, BP) are simulated month by month from January 2014: they miss or pay
   the bill, cure arrears, fall ill, get collection actions. The last ``months`` months are written to
   the ledger; the true probability of missing each month's bill is kept in ``truth_family``.
6. SIF loans to clinics and doctor practices with true default probabilities (``truth_loan``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from jkn_core import config, rules
from jkn_core.db import bulk_insert, create_schema, drop_schema, set_meta
from jkn_core.demo import calibration as ref
from jkn_core.demo.geography import build_geography

Progress = Callable[[float, str], None]

#: Insertion order (foreign keys first).
TABLE_ORDER = ["regions", "provinces", "branches", "regencies", "population", "facilities", "families",
               "participants", "contributions", "care_events", "collection_actions", "truth_family",
               "facility_months", "sif_loans", "truth_loan", "truth_facility", "targets"]

#: People one participant row stands for at scale "default" (self-paying / other segments).
BASE_WEIGHT = {"self": 300, "other": 3000}
SCALES = {"small": 8.0, "default": 1.0, "large": 0.25, "full": 1 / 300}
#: Scale "full" gives the self-paying segments (PBPU, BP: the ledger, arrears and the work queue)
#: weight 1 = real row counts, and the other segments weight 10. Meant for one branch (``branches=``).
DEFAULT_SEED = 20241231
START_YEAR = 2014  # JKN started on 1 January 2014

FAMILY_SIZE_P = np.array([0.22, 0.20, 0.23, 0.19, 0.11, 0.05])  # 1..6 members (E)

# --- payment behaviour (E): logits of the generative process, see docs/demo-data.md ------------------
MISS = dict(base=-4.0, kelas3=1.25, kelas2=0.35, member=0.10, log_income=-0.9, young=0.35, old=-0.2,
            recent_missed=0.55, sick_joiner=1.7, auto_debit=-1.9, recent_inpatient=-0.8, latent=1.0)
CURE = dict(base=-0.85, per_month=-0.33, floor_months=13, log_income=0.8, member=-0.08, kelas1=1.4, kelas2=0.8,
            inpatient_now=2.6, latent=-0.7, sms=0.3, telecollecting=0.5, kader_visit=0.8)
ACTION_RATES = dict(sms=0.08, telecollecting=0.05, kader_visit=0.02)
INPATIENT_RATE = 0.0045  # per person-month (E)
OUTPATIENT_RATE = 0.05  # per family-month (E)

FIRST_NAMES = ("Agus Budi Siti Dewi Sri Ahmad Muhammad Nur Rina Putu Made Wayan Ketut Yohanes Maria Andi "
               "Rizky Fitri Indah Eko Dwi Tri Hendra Wahyu Rahmat Yusuf Ayu Lestari Bambang Joko Slamet "
               "Fajar Ratna Intan Nyoman Komang Gede Yuliana Hasan Ismail").split()
LAST_NAMES = ("Saputra Wijaya Santoso Hidayat Kurniawan Pratama Setiawan Siregar Nasution Harahap Lubis "
              "Simanjuntak Sihombing Tanjung Rahman Gunawan Susanto Hartono Halim Sinaga Pangaribuan "
              "Wibowo Permana Nugroho Purba Manurung Daeng Mandagi Wenda Kogoya Rumbewas Sulistyo").split()
CLINIC_WORDS = ("Sehat Medika Husada Utama Mitra Keluarga Bunda Sentosa Harapan Prima Bakti Mulia Amanah "
                "Sejahtera Citra Permata Kasih").split()


def period_of(index: np.ndarray | int) -> np.ndarray | int:
    """Month index since Jan 2014 -> YYYYMM."""
    y = START_YEAR + np.asarray(index) // 12
    m = np.asarray(index) % 12 + 1
    out = y * 100 + m
    return int(out) if np.ndim(out) == 0 else out


def index_of(period: int) -> int:
    return (period // 100 - START_YEAR) * 12 + period % 100 - 1


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _split_int(total: int, n: int) -> np.ndarray:
    q, r = divmod(int(total), n)
    out = np.full(n, q, dtype=np.int64)
    out[:r] += 1
    return out


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    raw = weights / weights.sum() * total
    base = np.floor(raw).astype(int)
    short = total - base.sum()
    if short > 0:
        base[np.argsort(-(raw - base))[:short]] += 1
    return base


def _ipf(row_totals: np.ndarray, col_totals: np.ndarray, seed: np.ndarray, iters: int = 50) -> np.ndarray:
    m = seed.astype(float).copy()
    col_totals = col_totals / col_totals.sum() * row_totals.sum()
    for _ in range(iters):
        m *= (row_totals / m.sum(axis=1))[:, None]
        m *= col_totals / m.sum(axis=0)
    return m


def _dates_iso(idx: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Month index + day -> ISO date strings."""
    y = START_YEAR + idx // 12
    m = idx % 12 + 1
    return pd.Series(y).astype(str).str.cat(
        [pd.Series(m).map("{:02d}".format), pd.Series(day).map("{:02d}".format)], sep="-"
    ).to_numpy()


class _Timer:
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
        from jkn_core.demo.geography import build_geography as _geo

        bt = _geo().branches
        provinces = sorted(set(bt.loc[bt["code"].isin(list(branches)), "province_code"]))
    world = _build(rng, scale, end_period, months, tuple(provinces) if provinces else None, tick,
                   tuple(branches) if branches else None)
    tick(0.7, "writing to the database")
    drop_schema(engine)
    create_schema(engine)
    with engine.begin() as conn:
        for name in TABLE_ORDER:
            frame = _nulls_as_none(world["tables"][name])
            bulk_insert(conn, name, list(frame.columns), frame.itertuples(index=False, name=None))
            tick(0.7 + 0.25 * (TABLE_ORDER.index(name) + 1) / len(TABLE_ORDER), f"wrote {name}")
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
    from jkn_core.db import analyze

    analyze(engine)



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
    prov = prov.assign(registered=reg_prov_end, ratio_prev=ratio_prev)

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
    cells = _ipf(reg["target"].to_numpy(), col_tot, seed_m)
    cells = np.round(cells).astype(np.int64)
    if only_branches:  # keep the chosen branches' regencies (their cells as computed for the province)
        keep = reg["branch_code"].isin(only_branches).to_numpy()
        reg, cells, inc = reg[keep].reset_index(drop=True), cells[keep], inc[keep]
        branches = branches[branches["code"].isin(only_branches)]
        prov = prov.assign(population=prov["code"].map(reg.groupby("province_code")["pop_2024"].sum()).fillna(0))
    tick(0.05, "participants per regency and segment")

    # --- 4. rows and weights per cell, families ---------------------------------------------------
    mult = SCALES[scale]
    fam_parts: list[pd.DataFrame] = []
    part_parts: list[tuple[np.ndarray, ...]] = []
    fam_id0 = 0
    for j, seg in enumerate(segs):
        w = BASE_WEIGHT["self" if seg in ("PBPU", "BP") else "other"] * mult
        for i in range(len(reg)):
            people = int(cells[i, j])
            if people <= 0:
                continue
            n = max(1, int(round(people / w)))
            weights = _split_int(people, n)
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
            member_no = np.concatenate([np.arange(s) for s in sizes])
            fam_parts.append(pd.DataFrame({"id": fam_ids, "segment": seg, "members": sizes, "reg_i": i}))
            part_parts.append((member_fam, member_no, weights, np.full(n, i)))
    fam = pd.concat(fam_parts, ignore_index=True)
    p_fam = np.concatenate([p[0] for p in part_parts])
    p_no = np.concatenate([p[1] for p in part_parts])
    p_w = np.concatenate([p[2] for p in part_parts])
    p_reg = np.concatenate([p[3] for p in part_parts])
    tick(0.12, f"{len(p_fam):,} participant rows in {len(fam):,} families")

    # --- family attributes -----------------------------------------------------------------------
    nfam = len(fam)
    fam_reg = fam["reg_i"].to_numpy()
    fam_inc = inc[fam_reg] * rng.lognormal(0, 0.35, nfam)
    selfpay = fam["segment"].isin(["PBPU", "BP"]).to_numpy()
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
    fac, fac_regency_idx = _facilities(rng, reg, prov, end_idx, provinces)
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
           + pd.Series(rng.integers(1, 30, npart)).map("{:02d}".format)
           + pd.Series(dd).map("{:02d}".format) + pd.Series(birth_month).map("{:02d}".format)
           + pd.Series(birth_year % 100).map("{:02d}".format)
           + pd.Series(np.arange(npart) % 10000).map("{:04d}".format)).to_numpy()
    # FKTP choice within the regency
    fktp_mask = fac["level"].to_numpy() == "FKTP"
    attract = np.select(
        [fac["type"] == "puskesmas", fac["type"] == "klinik_pratama", fac["type"] == "dpp",
         fac["type"] == "klinik_tni_polri"], [3.0, 1.6, 0.6, 0.8], 0.0) * rng.lognormal(0, 0.5, len(fac))
    attract = np.where(fktp_mask, attract, 0.0)
    fac_codes = fac["code"].to_numpy()
    p_fktp = np.empty(npart, dtype=np.int64)
    order = np.argsort(p_reg, kind="stable")
    bounds = np.searchsorted(p_reg[order], np.arange(len(reg) + 1))
    for i in range(len(reg)):
        rows = order[bounds[i]:bounds[i + 1]]
        if not len(rows):
            continue
        cand = np.flatnonzero((fac_regency_idx == i) & (attract > 0))
        pr = attract[cand] / attract[cand].sum()
        p_fktp[rows] = rng.choice(cand, size=len(rows), p=pr)
    tick(0.28, "participants registered at FKTP")

    # --- 6. self-paying simulation -----------------------------------------------------------------
    sim = _simulate(rng, fam[selfpay].reset_index(drop=True), latent[selfpay], sick_joiner[selfpay], end_idx, ws)
    tick(0.5, "payment behaviour simulated")

    # statuses
    fam_k_end = np.zeros(nfam, dtype=int)
    fam_k_end[np.flatnonzero(selfpay)] = sim["k_end"]
    inactive_other = rng.random(npart) < np.array([ref.INACTIVE_OTHER_SHARE[s] for s in segs])[
        pd.Categorical(seg_arr[pf], categories=segs).codes]
    status = np.where(fam_k_end[pf] > 0, "nonaktif_tunggakan", np.where(inactive_other, "nonaktif_lain", "aktif"))
    # families registered on one date; members share it
    reg_day = rng.integers(1, 29, nfam)
    fam_reg_iso = _dates_iso(reg_idx, reg_day)
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
            [pd.Series(birth_month).map("{:02d}".format), pd.Series(birth_day).map("{:02d}".format)], sep="-").to_numpy(),
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
    fm = _facility_months(rng, fac, p_fktp, p_w, reg_idx[pf], ws, end_idx)
    tables["facility_months"] = fm
    tables["facilities"] = fac.drop(columns=["reg_i"])  # doctors and capitation set by _facility_months
    loans, truth_loan, truth_fac = _sif(rng, fac, fm, ws, end_idx)
    tables["sif_loans"] = loans
    tables["truth_loan"] = truth_loan
    tables["truth_facility"] = truth_fac
    tables["targets"] = pd.DataFrame(ref.DEFAULT_TARGETS, columns=["kpi", "level", "code", "year", "target"])
    tick(0.68, "tables assembled")
    return {"tables": tables}


# =====================================================================================================
def _simulate(rng: np.random.Generator, fam: pd.DataFrame, latent: np.ndarray, sick_joiner: np.ndarray,
              end_idx: int, ws: int) -> dict[str, Any]:
    """Month-by-month payment process of self-paying families from Jan 2014 to the end month."""
    n = len(fam)
    W = end_idx - ws + 1
    members = fam["members"].to_numpy()
    kelas = fam["kelas"].to_numpy()
    income = fam["income"].to_numpy()
    log_inc = np.log(income)
    reg_idx = fam["reg_idx"].to_numpy()
    age = (START_YEAR + end_idx // 12) - fam["head_birth_year"].to_numpy()
    auto = fam["auto_debit"].to_numpy().astype(float)
    bill = members * np.vectorize(rules.IURAN_PARTICIPANT.get)(kelas)

    static_miss = (MISS["base"] + MISS["kelas3"] * (kelas == 3) + MISS["kelas2"] * (kelas == 2)
                   + MISS["member"] * (members - 1) + MISS["log_income"] * log_inc
                   + MISS["young"] * (age < 30) + MISS["old"] * (age > 55) + MISS["auto_debit"] * auto
                   + MISS["latent"] * latent)
    static_cure = (CURE["base"] + CURE["log_income"] * log_inc + CURE["member"] * (members - 1)
                   + CURE["kelas1"] * (kelas == 1) + CURE["kelas2"] * (kelas == 2) + CURE["latent"] * latent)
    q_inp = 1 - (1 - INPATIENT_RATE) ** members

    k = np.zeros(n, dtype=np.int64)  # current arrears streak (months)
    recent_missed = np.zeros(n)
    last_inp = np.full(n, -99)
    paid_amt = np.zeros((n, W), dtype=np.int64)
    paid_idx = np.full((n, W), -1, dtype=np.int64)
    paid_day = np.zeros((n, W), dtype=np.int64)
    truth = np.zeros((n, W + 1))
    arrears_before = np.zeros(n, dtype=np.int64)
    care_rows: list[tuple[np.ndarray, int, str, np.ndarray]] = []
    act_rows: list[tuple[np.ndarray, int, str, np.ndarray]] = []

    def probs(t: int, action_logit: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tenure = t - reg_idx
        m_logit = (static_miss + MISS["recent_missed"] * recent_missed
                   + MISS["sick_joiner"] * (sick_joiner & (tenure >= 3) & (tenure < 30))
                   + MISS["recent_inpatient"] * ((t - last_inp) <= 3))
        c_logit = static_cure + CURE["per_month"] * np.minimum(k, CURE["floor_months"]) + action_logit
        p_miss_cur = _sigmoid(m_logit)
        p_cure_no = _sigmoid(c_logit)
        p_cure_inp = _sigmoid(c_logit + CURE["inpatient_now"])
        # a current payer who falls ill pays; probability of missing integrates the illness chance
        p_miss_current = (1 - q_inp) * p_miss_cur + q_inp * p_miss_cur * 0.3
        p_stay = 1 - ((1 - q_inp) * p_cure_no + q_inp * p_cure_inp)
        p_true = np.where(k > 0, p_stay, p_miss_current)
        return p_true, p_cure_no, p_cure_inp

    for t in range(0, end_idx + 1):
        registered = reg_idx <= t
        if t == ws:
            arrears_before = k.copy()
        p_true, _, _ = probs(t)
        in_window = t >= ws
        col = t - ws
        if in_window:
            truth[:, col] = p_true
        # collection actions (window only) and their effect on cure
        action_logit = np.zeros(n)
        if in_window:
            ua = rng.random(n)
            sms = (k >= 1) & (k <= 3) & (ua < ACTION_RATES["sms"])
            tele = ~sms & (k >= 2) & (k <= 12) & (ua < ACTION_RATES["sms"] + ACTION_RATES["telecollecting"])
            kader = ~sms & ~tele & (k >= 3) & (ua < sum(ACTION_RATES.values()))
            action_logit = CURE["sms"] * sms + CURE["telecollecting"] * tele + CURE["kader_visit"] * kader
        _, p_cure_no, p_cure_inp = probs(t, action_logit)
        inp = registered & (rng.random(n) < q_inp)
        tenure = t - reg_idx
        inp |= registered & sick_joiner & (tenure < 3) & (rng.random(n) < 0.25)
        u = rng.random(n)
        m_logit_p = p_true  # for current families p_true is the miss probability (integrated)
        miss_now = np.where(inp, u < m_logit_p * 0.3, u < m_logit_p)
        cure_now = np.where(inp, u < p_cure_inp, u < p_cure_no)
        current = registered & (k == 0)
        arrear = registered & (k > 0)
        pays_current = current & ~miss_now
        cures = arrear & cure_now
        if in_window:
            late = rng.random(n) < 0.2
            day = np.where(auto > 0, 5, np.where(late, rng.integers(11, 29, n), rng.integers(1, 11, n)))
            paid_amt[pays_current, col] = bill[pays_current]
            paid_idx[pays_current, col] = t
            paid_day[pays_current, col] = day[pays_current]
            # a cure pays the current bill and every unpaid month still on the ledger (<= 24 months)
            cols = np.arange(W)
            first_unpaid = np.maximum(t - k, t - rules.MAX_ARREARS_MONTHS_BILLED + 1) - ws
            sel = cures[:, None] & (cols[None, :] >= first_unpaid[:, None]) & (cols[None, :] <= col) & (
                paid_idx < 0)
            paid_amt[sel] = np.broadcast_to(bill[:, None], sel.shape)[sel]
            paid_idx[sel] = t
            paid_day[sel] = np.broadcast_to(rng.integers(1, 29, n)[:, None], sel.shape)[sel]
            for name, mask in (("sms", sms), ("telecollecting", tele), ("kader_visit", kader)):
                if mask.any():
                    act_rows.append((np.flatnonzero(mask & registered), t, name, cures[mask & registered]))
            if inp.any():
                care_rows.append((np.flatnonzero(inp), t, "rawat_inap", rng.lognormal(np.log(4_500_000), 0.7, inp.sum())))
            outp = registered & (rng.random(n) < OUTPATIENT_RATE)
            if outp.any():
                care_rows.append((np.flatnonzero(outp), t, "rawat_jalan", rng.lognormal(np.log(150_000), 0.5, outp.sum())))
        # state update
        new_k = np.where(current & miss_now, 1, np.where(arrear & ~cures, k + 1, 0))
        k = np.where(registered, new_k, 0)
        recent_missed = recent_missed * 0.85 + (registered & (k > 0))
        last_inp = np.where(inp, t, last_inp)
    p_next, _, _ = probs(end_idx + 1)
    truth[:, W] = p_next

    # ledger rows for registered months in the window
    fidx, cidx = np.nonzero(reg_idx[:, None] <= (ws + np.arange(W))[None, :])
    pid = paid_idx[fidx, cidx]
    paid = pid >= 0
    periods = period_of(ws + cidx)
    pdate = np.where(paid, _dates_iso(np.where(paid, pid, 0), np.maximum(paid_day[fidx, cidx], 1)), None)
    ledger = pd.DataFrame({
        "f": fidx, "period": periods, "billed": bill[fidx], "paid": paid_amt[fidx, cidx],
        "paid_date": pdate, "paid_period": np.where(paid, period_of(np.where(paid, pid, 0)), None),
    })
    ledger["paid_period"] = ledger["paid_period"].astype(object)
    # truth: months in window while registered, plus next month
    tf, tc = np.nonzero(reg_idx[:, None] <= (ws + np.arange(W + 1))[None, :])
    truth_df = pd.DataFrame({"f": tf, "period": period_of(ws + tc), "p_miss": truth[tf, tc].round(6)})
    care = pd.DataFrame({
        "f": np.concatenate([r[0] for r in care_rows]) if care_rows else np.array([], int),
        "period": np.concatenate([np.full(len(r[0]), period_of(r[1])) for r in care_rows]) if care_rows else [],
        "kind": np.concatenate([np.full(len(r[0]), r[2]) for r in care_rows]) if care_rows else [],
        "cost": np.concatenate([r[3].round().astype(np.int64) for r in care_rows]) if care_rows else [],
    })
    outcomes_other = np.array(["reached", "promised", "refused", "unreachable"])
    a_f, a_p, a_a, a_o = [], [], [], []
    for f_idx, t, name, cured in act_rows:
        a_f.append(f_idx)
        a_p.append(np.full(len(f_idx), period_of(t)))
        a_a.append(np.full(len(f_idx), name))
        other = outcomes_other[rng.integers(0, 4, len(f_idx))]
        a_o.append(np.where(cured, "paid", other))
    actions = pd.DataFrame({
        "f": np.concatenate(a_f) if a_f else np.array([], int),
        "period": np.concatenate(a_p) if a_p else [],
        "action": np.concatenate(a_a) if a_a else [],
        "outcome": np.concatenate(a_o) if a_o else [],
    })
    actions["recorded_by"] = "generator"
    actions["recorded_at"] = (actions["period"].astype(int).astype(str).str[:4] + "-"
                              + actions["period"].astype(int).astype(str).str[4:] + "-15 10:00:00")
    return {"ledger": ledger, "truth": truth_df, "care": care, "actions": actions, "k_end": k,
            "arrears_before": arrears_before}


# =====================================================================================================
def _facilities(rng: np.random.Generator, reg: pd.DataFrame, prov: pd.DataFrame, end_idx: int,
                provinces: tuple[str, ...] | None) -> tuple[pd.DataFrame, np.ndarray]:
    share = prov["population"].sum() / ref.NATIONAL_POPULATION_2024 if provinces else 1.0
    pop = reg["pop_2024"].to_numpy(float)
    inc = reg["income_index"].to_numpy()
    n_fktp = int(round(ref.FKTP_TOTAL_2024 * share))
    n_rs = int(round(ref.FKRTL_TOTAL_2024 * share))
    weights = {
        "puskesmas": pop ** 0.7, "klinik_pratama": pop * inc ** 1.2, "dpp": pop * inc ** 1.3,
        "dokter_gigi": pop * inc ** 1.5, "klinik_tni_polri": pop ** 0.8,
    }
    counts = {t: _largest_remainder(w, int(round(n_fktp * ref.FKTP_MIX[t]))) for t, w in weights.items()}
    counts["puskesmas"] = np.maximum(counts["puskesmas"], 1)
    rs_w = pop ** 0.9 * inc ** 0.4
    rs_w[reg["name"].str.contains("Pegunungan Arfak").to_numpy()] = 0  # no partner hospital (V, 2025)
    counts["rumah_sakit"] = _largest_remainder(rs_w, n_rs)
    # Jakarta Pusat (2017, V): 91 FKTP and 27 hospitals for ~1.1 M residents -> large panels, 1:7,000
    for i in np.flatnonzero(reg["code"].to_numpy() == "31.71"):
        fktp_types = [t for t in counts if t != "rumah_sakit"]
        total = sum(int(counts[t][i]) for t in fktp_types)
        for t in fktp_types:
            counts[t][i] = max(int(round(counts[t][i] * ref.JAKARTA_PUSAT_FKTP / total)), 1)
        counts["rumah_sakit"][i] = ref.JAKARTA_PUSAT_FKRTL
    letters = {"puskesmas": "P", "klinik_pratama": "K", "dpp": "D", "dokter_gigi": "G",
               "klinik_tni_polri": "T", "rumah_sakit": "R"}
    rows = []
    seq: dict[str, int] = {}
    short = reg["name"].str.replace(r"^(Kabupaten|Kota)( Adm\.)? ", "", regex=True).to_numpy()
    for t, cnt in counts.items():
        for i in np.flatnonzero(cnt):
            for j in range(int(cnt[i])):
                b = reg["branch_code"].iat[i]
                key = b + letters[t]
                seq[key] = seq.get(key, 0) + 1
                rows.append((f"{b}{letters[t]}{seq[key]:04d}", t, i, j))
    fac = pd.DataFrame(rows, columns=["code", "type", "reg_i", "j"])
    n = len(fac)
    t = fac["type"].to_numpy()
    ri = fac["reg_i"].to_numpy()
    nm = short[ri]
    word = rng.choice(CLINIC_WORDS, n)
    person = pd.Series(rng.choice(FIRST_NAMES, n)).str.cat(pd.Series(rng.choice(LAST_NAMES, n)), sep=" ").to_numpy()
    jj = (fac["j"] + 1).astype(str).to_numpy()
    name = np.select(
        [t == "puskesmas", t == "klinik_pratama", t == "dpp", t == "dokter_gigi", t == "klinik_tni_polri"],
        [pd.Series(["Puskesmas "] * n).str.cat([pd.Series(nm), pd.Series([" "] * n), pd.Series(jj)]).to_numpy(),
         pd.Series(["Klinik Pratama "] * n).str.cat([pd.Series(word), pd.Series([" "] * n), pd.Series(nm)]).to_numpy(),
         pd.Series(["dr. "] * n).str.cat(pd.Series(person)).to_numpy(),
         pd.Series(["drg. "] * n).str.cat(pd.Series(person)).to_numpy(),
         pd.Series(np.where(rng.random(n) < 0.5, "Klinik TNI ", "Klinik Polri ")).str.cat(pd.Series(nm)).to_numpy()],
        pd.Series(np.where(rng.random(n) < 0.35, "RSUD ", "RS ")).str.cat(
            [pd.Series(word), pd.Series([" "] * n), pd.Series(nm)]).to_numpy())
    fac["name"] = name
    fac["level"] = np.where(t == "rumah_sakit", "FKRTL", "FKTP")
    own_rs = rng.choice(list(ref.FKRTL_OWNERSHIP), n, p=list(ref.FKRTL_OWNERSHIP.values()))
    fac["ownership"] = np.select([t == "puskesmas", t == "klinik_tni_polri", t == "rumah_sakit"],
                                 ["pemerintah", "tni_polri", own_rs], "swasta")
    acc_levels = np.array(["paripurna", "utama", "madya", "dasar", "belum"])
    fac["accreditation"] = np.where(t == "dpp", rng.choice(acc_levels, n, p=[0.05, 0.1, 0.2, 0.25, 0.4]),
                                    rng.choice(acc_levels, n, p=[0.15, 0.3, 0.33, 0.15, 0.07]))
    fac["dentists"] = np.select([t == "puskesmas", t == "klinik_pratama", t == "dokter_gigi"],
                                [(rng.random(n) < 0.6).astype(int), (rng.random(n) < 0.4).astype(int), 1], 0)
    years = rng.integers(0, 11, n)  # years contracted before the end year
    start_idx = np.clip(end_idx - 12 * years - rng.integers(0, 12, n), 0, end_idx)
    fac["contract_start"] = _dates_iso(start_idx, np.ones(n, dtype=int))
    end_c = end_idx + rng.integers(1, 37, n)
    fac["contract_end"] = _dates_iso(end_c, np.full(n, 28))
    fac["renewals"] = years
    fac["regency_code"] = reg["code"].to_numpy()[ri]
    fac["branch_code"] = reg["branch_code"].to_numpy()[ri]
    fac["doctors"] = 0
    fac["capitation_rate"] = 0
    fac = fac.drop(columns=["j"])
    cols = ["code", "name", "level", "type", "ownership", "accreditation", "doctors", "dentists", "regency_code",
            "branch_code", "contract_start", "contract_end", "renewals", "capitation_rate", "reg_i"]
    return fac[cols], ri


def _facility_months(rng: np.random.Generator, fac: pd.DataFrame, p_fktp: np.ndarray, p_w: np.ndarray,
                     p_reg_idx: np.ndarray, ws: int, end_idx: int) -> pd.DataFrame:
    """Registered participants per FKTP and month (from the participants), doctors, capitation, KBK."""
    W = end_idx - ws + 1
    nf = len(fac)
    col = np.clip(p_reg_idx - ws, 0, None)
    mat = np.zeros((nf, W), dtype=np.int64)
    np.add.at(mat, (p_fktp, np.minimum(col, W - 1)), p_w)
    mat[:, :] = np.cumsum(mat, axis=1)
    # registrations before the window sit in column 0 already (clipped), cumsum carries them
    t = fac["type"].to_numpy()
    fktp = fac["level"].to_numpy() == "FKTP"
    reg_end = mat[:, -1]
    # doctors: panels around the 1:5,000 norm; Jakarta Pusat and remote regencies run hotter (E)
    target_ratio = rng.lognormal(np.log(3900), 0.35, nf)
    target_ratio *= np.where(fac["regency_code"].to_numpy() == "31.71", 2.0, 1.0)
    target_ratio *= np.where(fac["regency_code"].str[:2].isin(["91", "93", "94", "95", "53"]).to_numpy(), 1.3, 1.0)
    doctors = np.maximum(1, np.round(reg_end / target_ratio)).astype(int)
    doctors = np.where(t == "dpp", 1, doctors)
    doctors = np.where(t == "dokter_gigi", 0, doctors)
    doctors = np.where(t == "rumah_sakit", rng.integers(8, 120, nf), doctors)
    fac["doctors"] = doctors
    ratio_ok = reg_end <= 5000 * np.maximum(doctors, 1)
    has_dent = fac["dentists"].to_numpy() > 0
    rates = np.array([rules.CAPITATION.get((ti, bool(ok), bool(d) if ti not in ("dpp", "dokter_gigi") else False), 0)
                      for ti, ok, d in zip(t, ratio_ok, has_dent, strict=True)])
    fac["capitation_rate"] = np.where(fktp, rates, 0)
    # dentists are paid per dental panel: a tenth of the mean GP panel of their regency, month by month (E)
    gp = fktp & (t != "dokter_gigi")
    reg_codes, ri = np.unique(fac["regency_code"].to_numpy(), return_inverse=True)
    panel_sum = np.zeros((len(reg_codes), W))
    np.add.at(panel_sum, ri[gp], mat[gp])
    mean_panel = panel_sum / np.maximum(np.bincount(ri[gp], minlength=len(reg_codes)), 1)[:, None]
    mat = np.where((t == "dokter_gigi")[:, None], np.round(mean_panel[ri] * 0.1).astype(np.int64), mat)
    # KBK indicators per facility-month
    base_ak = rng.lognormal(np.log(140), 0.35, nf)
    base_rr = rng.gamma(2.0, 0.8, nf)
    base_rp = rng.lognormal(np.log(3.5), 0.6, nf)
    fidx, cidx = np.nonzero(np.broadcast_to(fktp[:, None], (nf, W)))
    m = len(fidx)
    ak = base_ak[fidx] * rng.lognormal(0, 0.12, m)
    rr = base_rr[fidx] * rng.lognormal(0, 0.15, m)
    rp = base_rp[fidx] * rng.lognormal(0, 0.15, m)
    safe = (ak >= rules.KBK_TARGETS["contact_rate_pm"]).astype(int) + (rr <= rules.KBK_TARGETS["rrns_pct"]) + (
        rp >= rules.KBK_TARGETS["rppt_pct"])
    kbk = np.vectorize(rules.KBK_PAYMENT.get)(safe)
    registered = mat[fidx, cidx]
    cap = np.round(registered * fac["capitation_rate"].to_numpy()[fidx] * kbk / 100).astype(np.int64)
    return pd.DataFrame({
        "facility_code": fac["code"].to_numpy()[fidx], "period": period_of(ws + cidx), "registered": registered,
        "capitation_paid": cap, "contact_rate_pm": ak.round(1), "rrns_pct": rr.round(2), "rppt_pct": rp.round(2),
        "kbk_pct": kbk,
    })


def _sif(rng: np.random.Generator, fac: pd.DataFrame, fm: pd.DataFrame, ws: int, end_idx: int
         ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """SIF loans to clinics and doctor practices, with true default probabilities (E).

    True log-odds of default over 12 months rise with: DPP (single doctor), weak accreditation, short
    contract history, contract ending within the tenor, over-capacity (> 5,000 per doctor), falling
    registrations, poor KBK, low regional income, and the instalment's share of capitation income.
    """
    elig = fac[fac["type"].isin(["klinik_pratama", "dpp"])].copy()
    codes = elig["code"].to_numpy()

    def matrix(col: str) -> np.ndarray:
        return fm.pivot_table(index="facility_code", columns="period", values=col, aggfunc="sum").reindex(
            codes).to_numpy(float)

    reg_m, cap_m, kbk_m = matrix("registered"), matrix("capitation_paid"), matrix("kbk_pct")
    kbk_cum = np.cumsum(kbk_m, axis=1) / np.arange(1, kbk_m.shape[1] + 1)  # mean KBK up to each month
    n = len(elig)
    acc_good = elig["accreditation"].isin(["paripurna", "utama"]).to_numpy()
    years = elig["renewals"].to_numpy()
    doctors = elig["doctors"].clip(lower=1).to_numpy()
    static = (-3.0 + 0.6 * (elig["type"].to_numpy() == "dpp") - 0.6 * acc_good - 0.09 * years
              + rng.normal(0, 0.35, n))

    def logit_as_of(rows: np.ndarray, col: np.ndarray) -> np.ndarray:
        """Facility log-odds from what is known at the end of window month ``col`` (no later data)."""
        now = reg_m[rows, col]
        before = reg_m[rows, np.maximum(col - 6, 0)]
        trend = (now - before) / np.maximum(before, 1)
        return (static[rows] + 0.8 * (now / doctors[rows] > 5000) - 2.0 * np.clip(2 * trend, -0.5, 0.5)
                - 0.08 * (kbk_cum[rows, col] - 95))

    contract_end_idx = pd.to_datetime(elig["contract_end"]).dt.year.to_numpy() * 12 + pd.to_datetime(
        elig["contract_end"]).dt.month.to_numpy() - 1 - START_YEAR * 12
    last_col = reg_m.shape[1] - 1
    base_logit = logit_as_of(np.arange(n), np.full(n, last_col))
    # one loan for about 85 % of eligible facilities, booked in the first 12 months of the window
    book = rng.random(n) < 0.85
    idx = np.flatnonzero(book)
    start = ws + 11 - rng.integers(0, 6, len(idx))
    tenor = rng.choice([12, 18, 24, 36], len(idx), p=[0.3, 0.25, 0.3, 0.15])
    rate = rng.choice([9.5, 10.5, 11.5, 12.5], len(idx))
    known = start - ws - 1  # the last month before the loan starts
    cap_income = np.maximum(cap_m[idx, known], 1)
    share = rng.uniform(0.1, 0.6, len(idx))
    inst = cap_income * share
    r = rate / 1200
    amount = np.round(inst * (1 - (1 + r) ** -tenor) / r / 1e6) * 1e6
    amount = np.maximum(amount, 10_000_000).astype(np.int64)
    inst = amount * r / (1 - (1 + r) ** -tenor)
    ratio = inst / cap_income
    beyond = (start + tenor) > contract_end_idx[idx]
    logit_loan = logit_as_of(idx, known) + 2.2 * (np.minimum(ratio, 1.5) - 0.3) + 0.7 * beyond
    pd12 = _sigmoid(logit_loan)
    defaulted = rng.random(len(idx)) < pd12
    d_month = start + rng.integers(3, 13, len(idx))
    d_month = np.minimum(d_month, end_idx)
    refs = np.array([f"SIF-{period_of(s)}-{i:05d}" for i, s in enumerate(start)])
    loans = pd.DataFrame({
        "loan_ref": refs, "facility_code": elig["code"].to_numpy()[idx], "bank": "Bank bjb",
        "start_period": period_of(start), "amount": amount, "tenor_months": tenor, "rate_pct": rate,
        "defaulted": defaulted.astype(int), "default_period": np.where(defaulted, period_of(d_month), None),
        "days_past_due": np.where(defaulted, 90 + rng.integers(0, 200, len(idx)),
                                  rng.choice([0, 0, 0, 0, 0, 15, 45], len(idx))),
    })
    loans["default_period"] = loans["default_period"].astype(object)
    truth_loan = pd.DataFrame({"loan_ref": refs, "pd_true": pd12.round(6)})
    truth_fac = pd.DataFrame({"facility_code": elig["code"], "pd_12m": _sigmoid(base_logit).round(6)})
    return loans, truth_loan, truth_fac
