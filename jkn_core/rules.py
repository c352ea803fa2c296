"""Every regulation and programme rule the product applies, defined once, each with its source.

Iuran, the arrears cap and the *denda pelayanan*, the Rehab programme, capitation and KBK, the doctor
norm, OJK collectability grades, coverage thresholds, and which FKTP count for the doctor ratio.
Public *figures* the demo is calibrated to (populations, head counts, totals) live in
:mod:`jkn_core.demo.calibration`, not here; the bank's own lending policy lives in
``jkn_core/sif/sif_policy.toml``. Sources are marked as in that module: (V) verified in a primary or
reputable source, (E) an estimate or a documented choice of this project.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import and_

# --- iuran (contributions) ------------------------------------------------------------------------
#: PBPU/BP monthly iuran per person that the participant pays, from 1 Jan 2021 (Perpres 64/2020
#: Pasal 34, V): class I 150,000; class II 100,000; class III 42,000 of which the participant pays
#: 35,000 and the government 7,000.
IURAN_PARTICIPANT = {1: 150_000, 2: 100_000, 3: 35_000}
IURAN_TARIFF = {1: 150_000, 2: 100_000, 3: 42_000}
#: Iuran is due by the 10th of each month (S: news cite the regulation inconsistently; FACTS.md §6).
DUE_DAY = 10

# --- arrears (tunggakan) and the service penalty (denda pelayanan) -----------------------------------
#: Perpres 64/2020 Pasal 42 (V): reactivation needs at most 24 months of arrears paid, so Rupiah owed
#: is counted up to 24 months.
MAX_ARREARS_MONTHS_BILLED = 24
#: Denda pelayanan (Perpres 64/2020 Pasal 42, V): 5 % of the INA-CBG cost of inpatient care received
#: within 45 days of reactivation, × months in arrears (at most 12), at most Rp 30 juta.
PENALTY_RATE = 0.05
PENALTY_MAX_MONTHS = 12
PENALTY_MAX_RP = 30_000_000
PENALTY_WINDOW_MONTHS = 1.5  # 45 days

# --- collection programmes ------------------------------------------------------------------------
#: Rehab (Rencana Pembayaran Bertahap, V): PBPU/BP with 4–24 months of arrears may pay them in at
#: most 12 stages; registration in Mobile JKN on days 1–28 of a month (1–27 in February).
REHAB_MIN_MONTHS, REHAB_MAX_MONTHS, REHAB_MAX_STAGES = 4, 24, 12
REHAB_REGISTRATION_LAST_DAY, REHAB_REGISTRATION_LAST_DAY_FEBRUARY = 28, 27
#: LPD (Lembaga Perkreditan Desa) collection in Bali: PBPU 6–11 months in arrears (source article, V).
LPD_MIN_MONTHS, LPD_MAX_MONTHS = 6, 11
LPD_PROVINCES = ("51",)  # Bali
#: Bank bjb CSR pays arrears of class-3 PBPU/BP in Jawa Barat and Banten (source article, V).
CSR_PROVINCES = ("32", "36")
CSR_KELAS = 3


def rehab_registration_last_day(month: int) -> int:
    """The last day of the month on which a family may register for Rehab."""
    return REHAB_REGISTRATION_LAST_DAY_FEBRUARY if month == 2 else REHAB_REGISTRATION_LAST_DAY


# --- facilities: doctor norm, capitation, KBK -----------------------------------------------------
#: Participants per doctor norm: the 1 : 5,000 threshold of the capitation tiers (Permenkes 3/2023
#: Pasal 6, V).
PARTICIPANTS_PER_DOCTOR_NORM = 5_000
#: FKTP types without a general practitioner's panel (dentist practices): left out of the doctor ratio.
NON_GP_FKTP_TYPES = ("dokter_gigi",)


def is_gp_fktp(level_col: Any, type_col: Any) -> Any:
    """SQL condition: an FKTP with general practitioners (counted in the participants-per-doctor ratio)."""
    return and_(level_col == "FKTP", type_col.not_in(NON_GP_FKTP_TYPES))


#: Capitation (Rp / participant / month), Permenkes 3/2023 Pasal 6(1) (V): by type, doctor ratio
#: within the norm, dentist present.
CAPITATION = {
    ("puskesmas", True, True): 7_000, ("puskesmas", True, False): 6_300,
    ("puskesmas", False, True): 6_000, ("puskesmas", False, False): 5_300,
    ("klinik_pratama", True, True): 12_000, ("klinik_pratama", True, False): 10_000,
    ("klinik_pratama", False, True): 11_000, ("klinik_pratama", False, False): 9_000,
    ("klinik_tni_polri", True, True): 12_000, ("klinik_tni_polri", True, False): 10_000,
    ("klinik_tni_polri", False, True): 11_000, ("klinik_tni_polri", False, False): 9_000,
    ("dpp", True, False): 8_800, ("dpp", False, False): 8_300,
    ("dokter_gigi", True, False): 3_500, ("dokter_gigi", False, False): 3_500,
}
#: KBK targets (Peraturan BPJS 7/2019, V): contact rate >= 150 per mil, non-specialist referrals
#: <= 2 %, controlled Prolanis >= 5 %. Payment: 3 safe -> 100 %, 2 -> 95 %, 1 -> 92.5 %, 0 -> 90 %
#: (2017 Perber scheme, V; used as the demo's rule since the 2019 table was not verified).
KBK_TARGETS = {"contact_rate_pm": 150.0, "rrns_pct": 2.0, "rppt_pct": 5.0}
KBK_PAYMENT = {3: 100.0, 2: 95.0, 1: 92.5, 0: 90.0}

# --- coverage -------------------------------------------------------------------------------------
#: Universal health coverage: a region is at UHC with at least 95 % of its population registered
#: (BPJS usage, V: Bisnis 14 Mar 2023, 9 Jan 2024); the national target was 98 % for 2024 (RPJMN 2020–2024, V).
UHC_THRESHOLD_PCT = 95.0
NATIONAL_COVERAGE_TARGET_2024_PCT = 98.0

# --- bank loans -----------------------------------------------------------------------------------
#: OJK asset-quality classes from days past due (POJK No. 40/POJK.03/2019 on commercial bank asset
#: quality, art. 10): Lancar 0; Dalam Perhatian Khusus 1-90; Kurang Lancar 91-120; Diragukan 121-180;
#: Macet > 180 days. Each entry: (class, Indonesian name, highest days past due of the class).
OJK_CLASSES: tuple[tuple[str, str, float], ...] = (
    ("Kol-1", "Lancar", 0),
    ("Kol-2", "Dalam Perhatian Khusus", 90),
    ("Kol-3", "Kurang Lancar", 120),
    ("Kol-4", "Diragukan", 180),
    ("Kol-5", "Macet", math.inf),
)
