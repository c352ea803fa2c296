"""The regional hierarchy of the demo: 12 regions, 38 provinces, 126 branches, 514 regencies.

Regency names come from the ``areaid`` package (MIT; 34 pre-2022 provinces, 514 kabupaten/kota); the
2022 Papua provinces are split off by the regencies named in their founding laws. Regency codes are
Kemendagri-style ``PP.NN`` (kabupaten from 01, kota from 71); the regencies of the named branches carry
their real codes and populations. Other regency populations split the province's BPS total with a
fixed random draw (E). Branches group neighbouring regencies of one province (E) except the named ones.
The geography is fixed (its own seed): the demo seed changes people, not places.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from jkn_core.demo import calibration as ref

GEOGRAPHY_SEED = 2024

_AREAID_FILES = {
    "11": "aceh", "12": "sumatra utara", "13": "sumatra barat", "14": "riau", "15": "jambi",
    "16": "sumatra selatan", "17": "bengkulu", "18": "lampung", "19": "kepulauan bangka belitung",
    "21": "kepulauan riau", "31": "daerah khusus ibukota jakarta", "32": "jawa barat", "33": "jawa tengah",
    "34": "daerah istimewa yogyakarta", "35": "jawa timur", "36": "banten", "51": "bali",
    "52": "nusa tenggara barat", "53": "nusa tenggara timur", "61": "kalimantan barat",
    "62": "kalimantan tengah", "63": "kalimantan selatan", "64": "kalimantan timur", "65": "kalimantan utara",
    "71": "sulawesi utara", "72": "sulawesi tengah", "73": "sulawesi selatan", "74": "sulawesi tenggara",
    "75": "gorontalo", "76": "sulawesi barat", "81": "maluku", "82": "maluku utara", "91": "papua",
    "92": "papua barat",
}


@dataclass(frozen=True)
class Geography:
    regions: pd.DataFrame  # code, name
    provinces: pd.DataFrame  # code, bps_code, name, iso_code, region_code, population
    branches: pd.DataFrame  # code, name, region_code, province_code
    regencies: pd.DataFrame  # code, name, is_city, province_code, branch_code, income_index, pop_2024


def _areaid_regencies() -> dict[str, list[str]]:
    import areaid

    base = Path(areaid.__file__).parent / "data"
    out: dict[str, list[str]] = {}
    for code, fname in _AREAID_FILES.items():
        data = json.loads((base / f"{fname}.json").read_text())
        out[code] = [re.sub(r"\s*\(.*\)$", "", k["kab_kota"]).strip() for k in data[0]["kabupaten"]]
    # split the 2022 Papua provinces off Papua (91) and Papua Barat (92)
    for new_code, keys in ref.PAPUA_SPLIT.items():
        moved: list[str] = []
        for old in ("91", "92"):
            keep = []
            for name in out[old]:
                if any(_matches(name, k) for k in keys):
                    moved.append(name)
                else:
                    keep.append(name)
            out[old] = keep
        out[new_code] = moved
    return out


def _matches(name: str, key: str) -> bool:
    if key.startswith(("Kabupaten ", "Kota ")):
        return name == key
    return name.endswith(" " + key)


def _short(name: str) -> str:
    return re.sub(r"^(Kabupaten|Kota)( Adm\.)? ", "", name)


@lru_cache(maxsize=1)
def build_geography() -> Geography:
    rng = np.random.default_rng(GEOGRAPHY_SEED)
    names = _areaid_regencies()
    region_of = {p: code for code, _n, provs in ref.REGIONS for p in provs}
    prov = pd.DataFrame(ref.PROVINCES, columns=["code", "bps_code", "name", "iso_code", "population"])
    prov["region_code"] = prov["code"].map(region_of)

    # --- regencies: codes and populations -------------------------------------------------------
    named_by_name = {name: (code, pop) for code, (name, pop) in ref.NAMED_REGENCIES.items()}
    rows = []
    for pcode, pop_total in zip(prov["code"], prov["population"], strict=True):
        regs = names[pcode]
        used = {named_by_name[n][0] for n in regs if n in named_by_name}
        next_kab, next_kota = 1, 71
        fixed_pop = 0
        entries = []
        for name in regs:
            is_city = name.startswith("Kota")
            if name in named_by_name:
                code, pop = named_by_name[name]
                fixed_pop += pop
            else:
                while True:
                    n = next_kota if is_city else next_kab
                    code = f"{pcode}.{n:02d}"
                    if is_city:
                        next_kota += 1
                    else:
                        next_kab += 1
                    if code not in used:
                        break
                pop = None
            used.add(code)
            entries.append([code, name, is_city, pcode, pop])
        free = [e for e in entries if e[4] is None]
        if free:
            shares = rng.lognormal(0.0, 0.55, len(free)) * np.array([0.8 if e[2] else 1.0 for e in free])
            remaining = max(pop_total - fixed_pop, len(free) * 10_000)
            pops = np.maximum((shares / shares.sum() * remaining).round().astype(int), 5_000)
            for e, p in zip(free, pops, strict=True):
                e[4] = int(p)
        rows.extend(entries)
    reg = pd.DataFrame(rows, columns=["code", "name", "is_city", "province_code", "pop_2024"])
    inc = reg["province_code"].map(ref.INCOME_INDEX).astype(float)
    city_boost = np.where(reg["is_city"], 1.25, 0.92)
    noise = rng.lognormal(0.0, 0.12, len(reg))
    reg["income_index"] = (inc * city_boost * noise).round(3)

    # --- branches ------------------------------------------------------------------------------
    weights = prov.set_index("code")["population"] ** 0.75
    counts = {}
    fixed_total = sum(ref.FIXED_BRANCH_COUNTS.values())
    free_codes = [c for c in prov["code"] if c not in ref.FIXED_BRANCH_COUNTS]
    raw = weights[free_codes] / weights[free_codes].sum() * (ref.BRANCH_COUNT - fixed_total)
    n_regs = reg.groupby("province_code").size().copy()
    for pc, named in ref.NAMED_BRANCHES.items():  # a named branch holds all its regencies
        n_regs[pc] = n_regs[pc] - sum(len(m) for _b, m in named) + len(named)
    base = np.maximum(np.floor(raw), 1).astype(int)
    rema = (raw - np.floor(raw)).sort_values(ascending=False)
    i = 0
    while base.sum() < ref.BRANCH_COUNT - fixed_total:
        c = rema.index[i % len(rema)]
        base[c] += 1
        i += 1
    while base.sum() > ref.BRANCH_COUNT - fixed_total:
        c = base[base > 1].sort_values().index[-1]
        base[c] -= 1
    for c in free_codes:
        counts[c] = int(min(base[c], n_regs[c]))
    counts.update(ref.FIXED_BRANCH_COUNTS)
    # give branches lost to the regency cap to the largest provinces
    deficit = ref.BRANCH_COUNT - sum(counts.values())
    for c in prov.sort_values("population", ascending=False)["code"]:
        if deficit <= 0:
            break
        if c not in ref.FIXED_BRANCH_COUNTS and counts[c] < n_regs[c]:
            counts[c] += 1
            deficit -= 1

    branch_rows = []
    reg["branch_code"] = ""
    region_seq: dict[str, int] = {}
    for pcode in prov["code"]:
        rcode = region_of[pcode]
        pregs = reg[reg["province_code"] == pcode].sort_values("code")
        groups: list[tuple[str, list[str]]] = []
        taken: set[str] = set()
        for bname, members in ref.NAMED_BRANCHES.get(pcode, []):
            codes = pregs[pregs["name"].isin(members)]["code"].tolist()
            groups.append((bname, codes))
            taken.update(codes)
        rest = pregs[~pregs["code"].isin(taken)]
        n_rest = max(counts[pcode] - len(groups), 1 if len(rest) else 0)
        if len(rest):
            target = rest["pop_2024"].sum() / n_rest
            chunk: list[str] = []
            acc = 0
            remaining_groups = n_rest
            for idx, (code, pop) in enumerate(zip(rest["code"], rest["pop_2024"], strict=True)):
                chunk.append(code)
                acc += pop
                left = len(rest) - idx - 1
                if remaining_groups > 1 and (acc >= target * 0.9 or left < remaining_groups):
                    groups.append(("", chunk))
                    chunk, acc = [], 0
                    remaining_groups -= 1
            if chunk:
                groups.append(("", chunk))
        popmap = dict(zip(pregs["code"], pregs["pop_2024"], strict=True))
        while len(groups) < counts[pcode]:
            splittable = [g for g in groups if not g[0] and len(g[1]) > 1]
            if not splittable:
                break
            big = max(splittable, key=lambda g: sum(popmap[c] for c in g[1]))
            groups.remove(big)
            half = len(big[1]) // 2
            groups.extend([("", big[1][:half]), ("", big[1][half:])])
        for bname, codes in groups:
            full = bname
            if not bname:
                members = reg[reg["code"].isin(codes)]
                cities = members[members["is_city"]]
                pick = cities if len(cities) else members
                full = pick.sort_values("pop_2024", ascending=False)["name"].iloc[0]
                bname = _short(full)
            region_seq[rcode] = region_seq.get(rcode, 0) + 1
            bcode = f"{rcode[2:]}{region_seq[rcode]:02d}"
            branch_rows.append((bcode, bname, rcode, pcode, full))
            reg.loc[reg["code"].isin(codes), "branch_code"] = bcode
    branches = pd.DataFrame(branch_rows, columns=["code", "name", "region_code", "province_code", "full"])
    # a name used twice (Kota and Kabupaten Bogor) is spelled out in full; then numbered
    dup = branches["name"].duplicated(keep=False)
    branches.loc[dup, "name"] = branches.loc[dup, "full"].str.replace("Kabupaten ", "Kab. ")
    dup = branches["name"].duplicated(keep="first")
    branches.loc[dup, "name"] = branches.loc[dup, "name"] + " " + branches.loc[dup, "code"].str[2:]
    branches = branches.drop(columns="full")
    regions = pd.DataFrame([(c, n) for c, n, _p in ref.REGIONS], columns=["code", "name"])
    assert (reg["branch_code"] != "").all()
    return Geography(regions=regions, provinces=prov, branches=branches, regencies=reg.reset_index(drop=True))

