"""A hand-made tiny world for the programme tests: two branches, a handful of families with a ledger whose
arrears are known by hand (jkn_core.programmes, tests/integration/test_programmes*.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from jkn_core.schema import Base

#: family id -> (segment, kelas, members, branch, months unpaid at the end of the 2024 ledger, arrears before)
FAMILIES = {
    1: ("PBPU", 3, 3, "0301", 6, 0),   # 6 months: eligible; bill 105,000; arrears 630,000
    2: ("PBPU", 3, 1, "0301", 3, 0),   # 3 months: too few
    3: ("BP", 2, 2, "0301", 4, 0),     # 4 months: eligible; bill 200,000; arrears 800,000
    4: ("PPU", 1, 1, "0301", 8, 0),    # not self-paying
    5: ("PBPU", 3, 1, "0301", 12, 13),  # 25 months: too many
    6: ("PBPU", 3, 2, "0302", 6, 0),   # other branch
    7: ("BP", 3, 4, "0301", 12, 12),   # 24 months: eligible (at most 24 billed)
}
LEDGER = [202400 + m for m in range(1, 13)]


def build(engine: Engine) -> None:
    t = Base.metadata.tables
    with engine.begin() as conn:
        conn.execute(t["regions"].insert(), [{"code": "KW03", "name": "Wilayah III"},
                                             {"code": "KW05", "name": "Wilayah V"}])
        conn.execute(t["provinces"].insert(), [
            {"code": "16", "bps_code": "16", "name": "Sumatera Selatan", "iso_code": "ID-SS", "region_code": "KW03"},
            {"code": "51", "bps_code": "51", "name": "Bali", "iso_code": "ID-BA", "region_code": "KW05"}])
        conn.execute(t["branches"].insert(), [
            {"code": "0301", "name": "Palembang", "region_code": "KW03", "province_code": "16"},
            {"code": "0302", "name": "Denpasar", "region_code": "KW05", "province_code": "51"}])
        conn.execute(t["regencies"].insert(), [
            {"code": "16.71", "name": "Kota Palembang", "is_city": True, "province_code": "16", "branch_code": "0301",
             "income_index": 1.0},
            {"code": "51.71", "name": "Kota Denpasar", "is_city": True, "province_code": "51", "branch_code": "0302",
             "income_index": 1.0}])
        fac = {"level": "FKTP", "type": "puskesmas", "ownership": "pemerintah", "accreditation": "utama",
               "doctors": 2, "dentists": 0, "contract_start": dt.date(2020, 1, 1),
               "contract_end": dt.date(2026, 12, 31), "renewals": 0, "capitation_rate": 6000}
        conn.execute(t["facilities"].insert(), [
            {**fac, "code": "F0301", "name": "Puskesmas A", "regency_code": "16.71", "branch_code": "0301"},
            {**fac, "code": "F0302", "name": "Puskesmas B", "regency_code": "51.71", "branch_code": "0302"}])
        fams, people, ledger = [], [], []
        pid = 100
        for fid, (seg, kelas, members, branch, unpaid, before) in FAMILIES.items():
            regency = "16.71" if branch == "0301" else "51.71"
            fams.append({"id": fid, "segment": seg, "kelas": kelas, "members": members, "regency_code": regency,
                         "branch_code": branch, "registered_on": dt.date(2020, 1, 5), "auto_debit": False,
                         "head_birth_year": 1980, "arrears_before_months": before, "weight": 1})
            for _ in range(members):
                pid += 1
                people.append({"id": pid, "nik": f"{pid:016d}", "name": f"Peserta {pid}", "family_id": fid,
                               "segment": seg, "kelas": kelas, "sex": "P", "birth_date": dt.date(1980, 1, 1),
                               "regency_code": regency, "branch_code": branch,
                               "fktp_code": "F0301" if branch == "0301" else "F0302",
                               "registered_on": dt.date(2020, 1, 5), "registered_period": 202001,
                               "status": "nonaktif_tunggakan" if unpaid >= 1 and seg != "PPU" else "aktif",
                               "weight": 1})
            if seg in ("PBPU", "BP"):
                bill = {1: 150_000, 2: 100_000, 3: 35_000}[kelas] * members
                for i, p in enumerate(LEDGER):
                    paid = i < len(LEDGER) - unpaid
                    day = dt.date(p // 100, p % 100, 5)
                    ledger.append({"family_id": fid, "period": p, "billed": bill, "paid": bill if paid else 0,
                                   "paid_date": day if paid else None, "paid_period": p if paid else None})
        conn.execute(t["families"].insert(), fams)
        conn.execute(t["participants"].insert(), people)
        conn.execute(t["contributions"].insert(), ledger)
