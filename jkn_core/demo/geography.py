"""The regional hierarchy of the demo: 12 regions, 38 provinces, 126 branches, 514 regencies.

Regencies are the real ones: Kemendagri code, name and Dukcapil population (first semester 2025) of all 514
kabupaten/kota from ``jkn_core/data/regencies.csv`` (source and licence in ``jkn_core/data/SOURCES.md``).
Their populations are scaled per province so that each province adds up to its 2024 BPS total (the demo
ends in December 2024): ``pop_2024 = round(population_2025s1 x factor)``, with ``factor`` = the province's
BPS 2024 population / the sum of its regencies' Dukcapil figures (:func:`province_factors`). Branches
group neighbouring regencies of one province around a kota (:mod:`jkn_core.demo.branch_map`). The income
index is drawn with the geography's own fixed seed: the demo seed changes people, not places.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from jkn_core.demo import calibration as ref
from jkn_core.demo.branch_map import BRANCH_MAP

#: The shipped regency file (Kemendagri codes, Dukcapil 2025 S1 populations).
REGENCIES_CSV = Path(__file__).resolve().parent.parent / "data" / "regencies.csv"
GEOGRAPHY_SEED = 2024


@dataclass(frozen=True)
class Geography:
    regions: pd.DataFrame  # code, name
    provinces: pd.DataFrame  # code, bps_code, name, iso_code, region_code, population
    branches: pd.DataFrame  # code, name, region_code, province_code
    regencies: pd.DataFrame  # code, name, is_city, province_code, branch_code, income_index, pop_2024


def shipped_regencies() -> pd.DataFrame:
    """The shipped regency file as read: ``regency_code, name, is_city, province_code, province_name,
    population_2025s1``. Irregular prefixes of the source ("Kab ") are spelled "Kabupaten "."""
    with REGENCIES_CSV.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    df = pd.DataFrame(rows)
    df["name"] = df["name"].str.replace(r"^Kab ", "Kabupaten ", regex=True)
    df["is_city"] = df["is_city"].map({"True": True, "False": False})
    df["population_2025s1"] = df["population_2025s1"].astype(np.int64)
    return df


def province_factors() -> dict[str, float]:
    """Per province: BPS 2024 population / the sum of its regencies' Dukcapil 2025 S1 populations. A
    regency's 2024 population in the demo is ``round(population_2025s1 x factor)``."""
    dukcapil = shipped_regencies().groupby("province_code")["population_2025s1"].sum()
    return {code: pop / float(dukcapil[code]) for code, *_x, pop in ref.PROVINCES}


@lru_cache(maxsize=1)
def build_geography() -> Geography:
    """The fixed geography: regions, provinces (BPS 2024), branches (:data:`BRANCH_MAP`) and the 514 real
    regencies with their scaled populations; raises ``ValueError`` if the branch map misses or repeats a
    regency."""
    rng = np.random.default_rng(GEOGRAPHY_SEED)
    region_of = {p: code for code, _n, provs in ref.REGIONS for p in provs}
    prov = pd.DataFrame(ref.PROVINCES, columns=["code", "bps_code", "name", "iso_code", "population"])
    prov["region_code"] = prov["code"].map(region_of)

    # --- regencies: real codes, names and populations scaled to the 2024 BPS province totals -------
    src = shipped_regencies()
    factor = src["province_code"].map(province_factors())
    reg = pd.DataFrame({
        "code": src["regency_code"], "name": src["name"], "is_city": src["is_city"],
        "province_code": src["province_code"],
        "pop_2024": (src["population_2025s1"] * factor).round().astype(np.int64),
    })
    inc = reg["province_code"].map(ref.INCOME_INDEX).astype(float)
    city_boost = np.where(reg["is_city"], 1.25, 0.92)
    noise = rng.lognormal(0.0, 0.12, len(reg))
    reg["income_index"] = (inc * city_boost * noise).round(3)

    # --- branches: the hand-made map of neighbouring regencies (branch_map) -------------------------
    branch_rows = []
    branch_of: dict[str, str] = {}
    region_seq: dict[str, int] = {}
    for pcode in prov["code"]:
        rcode = region_of[pcode]
        for bname, suffixes in BRANCH_MAP[pcode]:
            region_seq[rcode] = region_seq.get(rcode, 0) + 1
            bcode = f"{rcode[2:]}{region_seq[rcode]:02d}"
            branch_rows.append((bcode, bname, rcode, pcode))
            for suffix in suffixes:
                rcode_full = f"{pcode}.{suffix}"
                if rcode_full in branch_of:
                    raise ValueError(f"regency {rcode_full} is in two branches of the demo map")
                branch_of[rcode_full] = bcode
    reg["branch_code"] = reg["code"].map(branch_of)
    unknown = sorted(set(branch_of) - set(reg["code"]))
    missing = reg.loc[reg["branch_code"].isna(), "code"].tolist()
    if unknown or missing:
        raise ValueError(f"demo branch map: unknown regencies {unknown}, regencies without a branch {missing}")
    branches = pd.DataFrame(branch_rows, columns=["code", "name", "region_code", "province_code"])
    regions = pd.DataFrame([(c, n) for c, n, _p in ref.REGIONS], columns=["code", "name"])
    return Geography(regions=regions, provinces=prov, branches=branches, regencies=reg.reset_index(drop=True))
