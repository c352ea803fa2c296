"""The demo on the real Indonesia (issue 12 items 1-2, issue 17 item 7): real Kemendagri regencies and their
Dukcapil populations scaled to the BPS provinces, branches of neighbouring regencies around a kota, and the
demo implausibilities fixed at the source (capitation only while contracted, distinct facility names, list
sizes a practice can hold, a branch's uninsured that are its regencies' uninsured)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text, update

from jkn_core import kpi
from jkn_core.demo import calibration as ref
from jkn_core.demo.geography import REGENCIES_CSV, build_geography, province_factors
from jkn_core.schema import Population
from jkn_core.scope import Scope

ROOT = Path(__file__).resolve().parents[2]
CABANG = Scope(role="kantor_cabang", username="cabang", branch_code="0301", region_code="KW03")


def _shipped() -> dict[str, dict[str, str]]:
    with (ROOT / "jkn_core" / "data" / "regencies.csv").open(newline="", encoding="utf-8") as fh:
        return {r["regency_code"]: r for r in csv.DictReader(fh)}


# --- the shipped file and its source --------------------------------------------------------------------
def test_the_regency_file_ships_with_its_source_named() -> None:
    rows = _shipped()
    assert REGENCIES_CSV == ROOT / "jkn_core" / "data" / "regencies.csv"
    assert len(rows) == 514 and len({r["province_code"] for r in rows.values()}) == 38
    assert sum(int(r["population_2025s1"]) for r in rows.values()) == 284_973_643  # FACTS §13
    sources = (ROOT / "jkn_core" / "data" / "SOURCES.md").read_text(encoding="utf-8")
    for needle in ("regencies.csv", "cahyadsn/wilayah", "MIT", "300.2.2-2138/2025", "first semester 2025"):
        assert needle in sources, needle


# --- every regency is the real one ----------------------------------------------------------------------
def test_every_regency_has_its_kemendagri_code_and_name() -> None:
    rows = _shipped()
    reg = build_geography().regencies.set_index("code")
    assert set(reg.index) == set(rows)
    for code, r in rows.items():
        want = "Kabupaten " + r["name"][4:] if r["name"].startswith("Kab ") else r["name"]
        assert reg.at[code, "name"] == want, code
        assert reg.at[code, "province_code"] == r["province_code"]
        assert bool(reg.at[code, "is_city"]) == (r["is_city"] == "True")
    # the codes the issue found on the wrong place
    assert reg.at["12.71", "name"] == "Kota Medan"
    assert reg.at["32.01", "name"] == "Kabupaten Bogor"
    assert reg.at["35.78", "name"] == "Kota Surabaya"


def test_regency_populations_are_the_dukcapil_rows_scaled_to_the_bps_provinces() -> None:
    rows, factors = _shipped(), province_factors()
    reg = build_geography().regencies.set_index("code")
    for code, r in rows.items():
        assert reg.at[code, "pop_2024"] == round(int(r["population_2025s1"]) * factors[r["province_code"]]), code
    per_prov = reg.groupby("province_code")["pop_2024"].sum()
    for pcode, *_x, bps in ref.PROVINCES:
        assert abs(per_prov[pcode] - bps) <= len(reg[reg["province_code"] == pcode]), pcode  # rounding only
    # the examples now carry their real weight
    assert reg.at["31.01", "pop_2024"] < 40_000  # Kepulauan Seribu (was 2.8 M)
    assert reg.at["12.71", "pop_2024"] > 2_400_000  # Kota Medan (was 515 k)
    assert reg.at["73.71", "pop_2024"] > 1_400_000  # Kota Makassar (was 189 k)


def test_the_database_population_is_the_shipped_file_scaled(world) -> None:
    rows, factors = _shipped(), province_factors()
    with world.engine.connect() as conn:
        db = dict(conn.execute(text("SELECT regency_code, population FROM population WHERE year = 2024")).all())
    assert db, "no 2024 population rows"
    for code, pop in db.items():
        r = rows[code]
        assert pop == round(int(r["population_2025s1"]) * factors[r["province_code"]]), code


# --- branches of neighbouring regencies around a kota ------------------------------------------------------
def test_branches_group_regencies_of_one_province_around_their_kota() -> None:
    geo = build_geography()
    reg, br = geo.regencies, geo.branches.set_index("code")
    assert len(br) == ref.BRANCH_COUNT == 126
    assert (reg["branch_code"].map(br["province_code"]) == reg["province_code"]).all(), "a branch crosses a province"
    name_of = dict(zip(reg["code"], reg["name"], strict=True))
    branch_of = dict(zip(reg["code"], reg["branch_code"], strict=True))
    # the kota a branch is named after sits in it
    for kota, branch in (("16.71", "Palembang"), ("12.71", "Medan"), ("73.71", "Makassar"), ("35.78", "Surabaya"),
                         ("32.73", "Bandung"), ("31.71", "Jakarta Pusat"), ("36.73", "Serang"), ("51.71", "Denpasar"),
                         ("35.75", "Pasuruan"), ("63.71", "Banjarmasin"), ("91.71", "Jayapura")):
        assert br.at[branch_of[kota], "name"] == branch, (name_of[kota], br.at[branch_of[kota], "name"])
    # a kota and the kabupaten of the same name around it share a branch, unless each is a branch of its own
    for code, name in name_of.items():
        if not name.startswith("Kota "):
            continue
        kab = [c for c, n in name_of.items() if n == "Kabupaten " + name[5:] and c[:2] == code[:2]]
        for k in kab:
            alone = (reg["branch_code"] == branch_of[code]).sum() == 1 and (reg["branch_code"] == branch_of[k]).sum() == 1
            assert branch_of[k] == branch_of[code] or alone, (name, branch_of[code], branch_of[k])


def test_the_named_and_the_13_jawa_timur_branches_keep_their_real_regencies() -> None:
    geo = build_geography()
    reg, br = geo.regencies, geo.branches
    members = {b: set(reg.loc[reg["branch_code"] == c, "code"]) for c, b in zip(br["code"], br["name"], strict=True)}
    code_of = dict(zip(br["name"], br["code"], strict=True))
    assert code_of["Palembang"] == "0301"
    assert members["Palembang"] == {"16.71", "16.06", "16.07", "16.10", "16.02"}
    assert members["Pasuruan"] == {"35.75", "35.14", "35.13", "35.74"}  # detik 2024
    assert members["Jakarta Utara"] == {"31.72", "31.01"}
    assert members["Medan"] == {"12.71", "12.05", "12.75"}
    assert members["Serang"] == {"36.73", "36.04", "36.72", "36.01", "36.02"}
    assert members["Bandung"] == {"32.73", "32.04"} and code_of["Bandung"] == "0501"
    assert members["Gianyar"] == {"51.04", "51.06", "51.05", "51.07"}
    jatim = set(br.loc[br["province_code"] == "35", "name"])
    assert jatim == {"Pasuruan", "Sidoarjo", "Mojokerto", "Surabaya", "Malang", "Tulungagung", "Gresik", "Madiun",
                     "Jember", "Kediri", "Banyuwangi", "Pamekasan", "Bojonegoro"}  # FACTS §8 (detik 2024)
    assert members["Pamekasan"] == {"35.26", "35.27", "35.28", "35.29"}  # Madura, all four
    assert set(br.loc[br["province_code"] == "16", "code"]) == {"0301", "0302", "0303", "0304"}


# --- issue 17 item 7: the implausibilities, fixed in the generator ---------------------------------------
def test_capitation_only_while_the_facility_is_contracted(world) -> None:
    with world.engine.connect() as conn:
        first = conn.execute(text(
            "SELECT f.code, f.contract_start, MIN(m.period) FROM facility_months m "
            "JOIN facilities f ON f.code = m.facility_code GROUP BY f.code, f.contract_start")).all()
        window_start = conn.execute(text("SELECT MIN(period) FROM facility_months")).scalar()
    start = {code: int(str(cs)[:7].replace("-", "")) for code, cs, _p in first}
    recent = [code for code, _cs, _p in first if start[code] > window_start]
    assert recent, "no facility contracted inside the ledger window: the test proves nothing"
    early = [(code, cs, p) for code, cs, p in first if p < start[code]]
    assert not early, early[:5]
    # a clinic contracted inside the window has capitation months only from its contract start
    assert all(p == max(start[c], window_start) for c, _cs, p in first)


def test_facility_names_differ_within_a_branch(world) -> None:
    with world.engine.connect() as conn:
        dup = conn.execute(text(
            "SELECT branch_code, name, COUNT(*) FROM facilities GROUP BY branch_code, name HAVING COUNT(*) > 1")).all()
        kliniks = conn.execute(text("SELECT COUNT(*) FROM facilities WHERE type = 'klinik_pratama' "
                                    "AND branch_code = '0501'")).scalar()
    assert kliniks > 20  # Bandung has many clinics: the names had to be made different
    assert not dup, dup[:5]


def test_list_sizes_stay_within_what_a_facility_type_holds(world) -> None:
    with world.engine.connect() as conn:
        panels = pd.DataFrame(conn.execute(text(
            "SELECT f.type, MAX(m.registered) AS biggest FROM facility_months m "
            "JOIN facilities f ON f.code = m.facility_code GROUP BY f.type")).all(), columns=["type", "biggest"])
    biggest = dict(zip(panels["type"], panels["biggest"], strict=True))
    assert biggest["dpp"] <= ref.FKTP_LIST_CAP["dpp"] == 5_000  # one GP: the 1 : 5,000 norm
    assert biggest["klinik_pratama"] <= ref.FKTP_LIST_CAP["klinik_pratama"]
    assert biggest["klinik_tni_polri"] <= ref.FKTP_LIST_CAP["klinik_tni_polri"]


def test_a_branch_shows_the_uninsured_of_its_regencies(writable_sqlite_world) -> None:
    """Issue 17 item 7: "Belum terdaftar 0" on the branch card while its table shows Kota Palembang's gap.
    An over-registered kabupaten (coverage > 100 %) must not cancel another regency's uninsured."""
    eng = writable_sqlite_world.engine
    regs = kpi.coverage(eng, CABANG, "regency").set_index("code")
    gap = 60_000
    with eng.begin() as conn:
        conn.execute(update(Population).where(Population.regency_code == "16.71", Population.year == 2024)
                     .values(population=int(regs.at["16.71", "participants"]) + gap))
        conn.execute(update(Population).where(Population.regency_code == "16.07", Population.year == 2024)
                     .values(population=int(regs.at["16.07", "participants"]) - 3 * gap))
    regs = kpi.coverage(eng, CABANG, "regency").set_index("code")
    card = kpi.coverage(eng, CABANG, "nation").iloc[0]
    assert regs.at["16.71", "uninsured"] == gap and regs.at["16.07", "uninsured"] == 0
    assert card["uninsured"] == regs["uninsured"].sum() >= gap
    branch = kpi.coverage(eng, CABANG, "branch").set_index("code")
    assert branch.at["0301", "uninsured"] == card["uninsured"]


@pytest.mark.parametrize("code", ["16.71", "31.71", "36.73", "32.73", "51.04"])
def test_codes_the_tests_name_are_real(code: str) -> None:
    assert code in _shipped()
