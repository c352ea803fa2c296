"""``python -m jkn_batch generate``: a national-size synthetic world for the batch, made in Spark.

How it relates to the demo (``jkn_core.demo``, docs/demo-data.md), honestly:

- **the same payment process**: each partition of families runs ``jkn_core.demo.payments.simulate`` — the
  demo's own month-by-month process from January 2014 (misses, cures, care, collection actions, with its
  logit parameters ``MISS``/``CURE``/``ACTION_RATES``) — so ledger, care events and actions follow the
  demo's behaviour exactly, family by family;
- **the same geography and calibration constants**: the 514 real regencies and 126 branches
  (``build_geography``), the family-size mix (``FAMILY_SIZE_P``), the class mix by income
  (``CLASS_MIX_SELF_PAYING``), the national registration curve (``NATIONAL_REGISTERED``), the PBPU/BP split
  (``SEGMENT_MIX_2024``) and the facilities at full national count (``jkn_core.demo.facilities``);
- **simpler than the demo** where the demo needs the whole nation at once: only self-paying (PBPU, BP)
  families and their members are made (the batch's subject; no PBI/PPU participants, so coverage figures
  cover the self-paying segments only); a family's regency is drawn in proportion to population × the
  demo's self-paying income tilt, instead of the demo's iterative fit of segments to regencies; no
  identities (NIK, names) and no participant-to-FKTP list (each FKTP's monthly panel is the self-paying
  members of its regency shared equally among its FKTP, capitation at the demo's flat Rp 7,000 rate).

Size: ``--fraction 1`` = :data:`NATIONAL_FAMILIES` (30 M families, the issue's national book: 720 M
family-months over 24 months). Each family row has weight 1 (a real family). The demo's calibration implies
fewer (50.9 M PBPU/BP people / 2.92 members ≈ 17.4 M families); 30 M is the sizing target, so the benchmark
is on the safe side.

Deterministic for a seed: partition ``p`` draws from ``np.random.default_rng([seed, 15, p])`` and its
families have the ids ``p * FAMILIES_PER_PARTITION + i``, whatever runs it; a partition writes its own
Parquet files (``<table>/part-<p>.parquet``) with pyarrow, so the output folder must be a file system every
executor sees (local disk in local mode, a shared mount on a cluster).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

NATIONAL_FAMILIES = 30_000_000
FAMILIES_PER_PARTITION = 50_000
STREAM = 15  # this stage's own rng stream (issue #15)
CAPITATION_RP = 7_000


def _geography() -> tuple[pd.DataFrame, ...]:
    from jkn_core.demo.geography import build_geography

    geo = build_geography()
    return geo.regions, geo.provinces, geo.branches, geo.regencies


def _families(rng: np.random.Generator, ids: np.ndarray, reg: pd.DataFrame, end_idx: int) -> pd.DataFrame:
    """Family attributes with the demo's formulas (jkn_core.demo.generator, "family attributes")."""
    from jkn_core.demo import calibration as ref
    from jkn_core.demo.generator import FAMILY_SIZE_P
    from jkn_core.demo.timeline import START_YEAR

    n = len(ids)
    inc = reg["income_index"].to_numpy(float)
    w = reg["pop_2024"].to_numpy(float) * inc ** 0.9 * np.where(reg["is_city"].to_numpy(bool), 1.3, 1.0)
    reg_i = rng.choice(len(reg), size=n, p=w / w.sum())
    pbpu, bp = ref.SEGMENT_MIX_2024["PBPU"], ref.SEGMENT_MIX_2024["BP"]
    segment = np.where(rng.random(n) < bp / (pbpu + bp), "BP", "PBPU")
    members = rng.choice(np.arange(1, 7), size=n, p=FAMILY_SIZE_P)
    fam_inc = inc[reg_i] * rng.lognormal(0, 0.35, n)
    u = rng.random(n)
    c1 = np.clip(ref.CLASS_MIX_SELF_PAYING[1] * fam_inc ** 1.1, 0.02, 0.6)
    c2 = np.clip(ref.CLASS_MIX_SELF_PAYING[2] * fam_inc ** 0.5, 0.05, 0.4)
    kelas = np.where(u < c1, 1, np.where(u < c1 + c2, 2, 3))
    yrs = np.array(sorted(ref.NATIONAL_REGISTERED))
    cum = np.array([ref.NATIONAL_REGISTERED[y] for y in yrs], float)
    cum = np.maximum.accumulate(cum) / cum[-1]
    yi = np.searchsorted(cum, rng.random(n))
    reg_idx = np.where(yi == 0, 0, (yrs[np.minimum(yi, len(yrs) - 1)] - START_YEAR) * 12 + rng.integers(0, 12, n))
    reg_idx = np.clip(reg_idx + (end_idx - (2024 - START_YEAR) * 12 - 11), 0, end_idx)
    year_end = START_YEAR + end_idx // 12
    head_age = np.clip(rng.normal(44, 12, n), 19, 85).astype(int)
    auto_debit = rng.random(n) < np.clip(0.10 * fam_inc * np.where(kelas < 3, 1.8, 1.0), 0, 0.5)
    return pd.DataFrame({"id": ids, "segment": segment, "members": members, "reg_i": reg_i, "income": fam_inc,
                         "kelas": kelas, "reg_idx": reg_idx, "head_birth_year": year_end - head_age,
                         "auto_debit": auto_debit})


def make_partition(p: int, n: int, seed: int, end_idx: int, ws: int, reg: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The base tables of partition ``p`` (``n`` families) as frames."""
    from jkn_core.demo.payments import simulate
    from jkn_core.demo.timeline import dates_iso, period_of

    rng = np.random.default_rng([seed, STREAM, p])
    ids = p * FAMILIES_PER_PARTITION + np.arange(n, dtype=np.int64)
    fam = _families(rng, ids, reg, end_idx)
    sick_joiner = rng.random(n) < 0.14
    latent = rng.normal(0, 0.6, n)
    sim = simulate(rng, fam, latent, sick_joiner, end_idx, ws)
    codes, branches = reg["code"].to_numpy(), reg["branch_code"].to_numpy()
    reg_on = pd.to_datetime(pd.Series(dates_iso(fam["reg_idx"].to_numpy(), rng.integers(1, 29, n)))).dt.date
    families = pd.DataFrame({
        "id": ids, "segment": fam["segment"], "kelas": fam["kelas"], "members": fam["members"],
        "regency_code": codes[fam["reg_i"]], "branch_code": branches[fam["reg_i"]], "registered_on": reg_on,
        "auto_debit": fam["auto_debit"].astype(bool), "head_birth_year": fam["head_birth_year"],
        "arrears_before_months": sim["arrears_before"], "weight": 1})
    f_of = np.repeat(np.arange(n), fam["members"].to_numpy())
    participants = pd.DataFrame({
        "id": ids[f_of] * 8 + np.concatenate([np.arange(m) for m in fam["members"].to_numpy()]),
        "family_id": ids[f_of], "segment": families["segment"].to_numpy()[f_of],
        "kelas": families["kelas"].to_numpy()[f_of], "regency_code": families["regency_code"].to_numpy()[f_of],
        "branch_code": families["branch_code"].to_numpy()[f_of], "registered_on": reg_on.to_numpy()[f_of],
        "registered_period": period_of(fam["reg_idx"].to_numpy()[f_of]),
        "status": np.where(sim["k_end"][f_of] > 0, "nonaktif_tunggakan", "aktif"), "weight": 1})
    led = sim["ledger"]
    contributions = pd.DataFrame({
        "family_id": ids[led["f"].to_numpy()], "period": led["period"].astype("int64"), "billed": led["billed"],
        "paid": led["paid"], "paid_date": pd.to_datetime(led["paid_date"]).dt.date,
        "paid_period": pd.array(led["paid_period"].to_numpy(), dtype="Int64"), "channel": None})
    care = sim["care"]
    care_events = pd.DataFrame({"id": np.arange(len(care), dtype=np.int64) + p * 10**9,
                                "family_id": ids[care["f"].to_numpy(np.int64)],
                                "period": care["period"].astype("int64"), "kind": care["kind"],
                                "cost": care["cost"].astype("int64")})
    acts = sim["actions"]
    actions = pd.DataFrame({"id": np.arange(len(acts), dtype=np.int64) + p * 10**9,
                            "family_id": ids[acts["f"].to_numpy(np.int64)], "period": acts["period"].astype("int64"),
                            "action": acts["action"], "outcome": acts["outcome"], "recorded_by": "generator",
                            "recorded_at": pd.to_datetime(acts["recorded_at"]), "note": None})
    return {"families": families, "participants": participants, "contributions": contributions,
            "care_events": care_events, "collection_actions": actions}


def _write(frame: pd.DataFrame, table: str, out: Path, part: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jkn_core.cli.export_parquet import arrow_schema

    schema = arrow_schema(table)
    frame = frame.reindex(columns=schema.names)
    for field in schema:
        if pa.types.is_date32(field.type) and len(frame) and isinstance(frame[field.name].iloc[0], str):
            frame[field.name] = pd.to_datetime(frame[field.name]).dt.date
    target = out / table
    target.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False),
                   target / f"part-{part:05d}.parquet")


def _facilities(seed: int, reg: pd.DataFrame, prov: pd.DataFrame, end_idx: int, ws: int,
                self_paying_people: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Facilities at full national count (the demo's), and each FKTP's monthly panel and capitation."""
    from jkn_core.demo.facilities import facilities
    from jkn_core.demo.timeline import period_of

    fac, _ = facilities(np.random.default_rng([seed, STREAM, 10**6]), reg, prov, end_idx, None)
    fac = fac.drop(columns=["reg_i"])
    fktp = fac[fac["level"] == "FKTP"]
    per_fktp = self_paying_people.reindex(fktp["regency_code"]).fillna(0).to_numpy() / fktp.groupby(
        "regency_code")["code"].transform("count").to_numpy()
    months = period_of(np.arange(ws, end_idx + 1))
    registered = np.round(per_fktp).astype(np.int64)
    fm = pd.DataFrame({"facility_code": np.repeat(fktp["code"].to_numpy(), len(months)),
                       "period": np.tile(months, len(fktp)).astype(np.int64),
                       "registered": np.repeat(registered, len(months))})
    fm["capitation_paid"] = fm["registered"] * CAPITATION_RP
    fm = fm.assign(contact_rate_pm=None, rrns_pct=None, rppt_pct=None, kbk_pct=None)
    return fac, fm


def generate(spark: Any, fraction: float, seed: int, out: Path, log: Any = None) -> dict[str, Any]:
    """Write the base tables of ``fraction`` of the nation under ``out`` (Parquet); returns row counts."""
    import shutil
    import time

    from jkn_core import config
    from jkn_core.demo.timeline import index_of

    say = log or (lambda _m: None)
    t0 = time.perf_counter()
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    regions, prov, branches, reg = _geography()
    end_idx = index_of(config.DEFAULT_END_PERIOD)
    ws = end_idx - config.DEFAULT_MONTHS + 1
    n_total = max(1, int(round(NATIONAL_FAMILIES * fraction)))
    parts = math.ceil(n_total / FAMILIES_PER_PARTITION)
    sizes = [min(FAMILIES_PER_PARTITION, n_total - p * FAMILIES_PER_PARTITION) for p in range(parts)]
    reg_small = reg[["code", "branch_code", "pop_2024", "income_index", "is_city"]].reset_index(drop=True)
    out_s = str(out)

    def per_partition(batches: Any) -> Any:
        for pdf in batches:
            rows = []
            for p, n in zip(pdf["p"].tolist(), pdf["n"].tolist(), strict=True):
                tables = make_partition(int(p), int(n), seed, end_idx, ws, reg_small)
                for name, frame in tables.items():
                    _write(frame, name, Path(out_s), int(p))
                    rows.append((name, len(frame), int(p)))
                sp = tables["participants"].groupby("regency_code")["weight"].sum()
                rows += [("_people:" + k, int(v), int(p)) for k, v in sp.items()]
            yield pd.DataFrame(rows, columns=["name", "rows", "p"]).astype({"name": object})

    jobs = spark.createDataFrame(pd.DataFrame({"p": range(parts), "n": sizes})).repartition(
        max(1, min(parts, 2 * spark.sparkContext.defaultParallelism * 4)), "p")
    got = jobs.mapInPandas(per_partition, "name string, rows bigint, p bigint").toPandas()
    counts = got[~got["name"].str.startswith("_people:")].groupby("name")["rows"].sum().astype(int).to_dict()
    people = got[got["name"].str.startswith("_people:")].assign(code=lambda d: d["name"].str[8:]).groupby(
        "code")["rows"].sum()
    fac, fm = _facilities(seed, reg, prov, end_idx, ws, people)
    small = {"regions": regions, "provinces": prov, "branches": branches,
             "regencies": reg.drop(columns=["pop_2024"]).assign(is_city=lambda d: d["is_city"].astype(bool)),
             "facilities": fac, "facility_months": fm}
    for name, frame in small.items():
        _write(frame, name, out, 0)
        counts[name] = len(frame)
    seconds = round(time.perf_counter() - t0, 2)
    say(f"generated {n_total:,} families in {parts} partitions in {seconds} s")
    return {"fraction": fraction, "seed": seed, "families": n_total, "partitions": parts, "rows": counts,
            "seconds": seconds}
