"""Public figures the demo world is calibrated to, each with its source.

Status tags: V verified in the cited source; S secondary; D derived by arithmetic; E estimate (a
modelling assumption of this project, not a published figure). The dashboard must run without any
outside file, so the figures it needs live here.
"""

from __future__ import annotations

# --- population -----------------------------------------------------------------------------------
#: (kemendagri_code, bps_code, name, iso_3166_2, mid-2024 population)
#: Source: BPS "Penduduk, Laju Pertumbuhan ... Menurut Provinsi, 2024" (updated 2 May 2025), national
#: 281,603.8 thousand (V). Papua Barat Daya = 1,205.8 k - 578.7 k (D); Papua, Papua Selatan (S,
#: Wikipedia citing BPS); Papua Tengah / Papua Pegunungan split 50/50 of 2,953.4 k (E).
PROVINCES: list[tuple[str, str, str, str, int]] = [
    ("11", "11", "Aceh", "ID-AC", 5_554_800),
    ("12", "12", "Sumatera Utara", "ID-SU", 15_588_500),
    ("13", "13", "Sumatera Barat", "ID-SB", 5_836_200),
    ("14", "14", "Riau", "ID-RI", 6_728_100),
    ("15", "15", "Jambi", "ID-JA", 3_724_300),
    ("16", "16", "Sumatera Selatan", "ID-SS", 8_837_300),
    ("17", "17", "Bengkulu", "ID-BE", 2_112_200),
    ("18", "18", "Lampung", "ID-LA", 9_419_600),
    ("19", "19", "Kepulauan Bangka Belitung", "ID-BB", 1_531_500),
    ("21", "21", "Kepulauan Riau", "ID-KR", 2_183_300),
    ("31", "31", "DKI Jakarta", "ID-JK", 10_684_900),
    ("32", "32", "Jawa Barat", "ID-JB", 50_345_200),
    ("33", "33", "Jawa Tengah", "ID-JT", 37_892_300),
    ("34", "34", "DI Yogyakarta", "ID-YO", 3_759_500),
    ("35", "35", "Jawa Timur", "ID-JI", 41_814_500),
    ("36", "36", "Banten", "ID-BT", 12_431_400),
    ("51", "51", "Bali", "ID-BA", 4_433_300),
    ("52", "52", "Nusa Tenggara Barat", "ID-NB", 5_646_000),
    ("53", "53", "Nusa Tenggara Timur", "ID-NT", 5_656_000),
    ("61", "61", "Kalimantan Barat", "ID-KB", 5_695_500),
    ("62", "62", "Kalimantan Tengah", "ID-KT", 2_809_700),
    ("63", "63", "Kalimantan Selatan", "ID-KS", 4_273_400),
    ("64", "64", "Kalimantan Timur", "ID-KI", 4_045_900),
    ("65", "65", "Kalimantan Utara", "ID-KU", 739_800),
    ("71", "71", "Sulawesi Utara", "ID-SA", 2_701_800),
    ("72", "72", "Sulawesi Tengah", "ID-ST", 3_121_800),
    ("73", "73", "Sulawesi Selatan", "ID-SN", 9_463_400),
    ("74", "74", "Sulawesi Tenggara", "ID-SG", 2_793_100),
    ("75", "75", "Gorontalo", "ID-GO", 1_227_800),
    ("76", "76", "Sulawesi Barat", "ID-SR", 1_503_200),
    ("81", "81", "Maluku", "ID-MA", 1_945_600),
    ("82", "82", "Maluku Utara", "ID-MU", 1_355_600),
    ("92", "91", "Papua Barat", "ID-PB", 578_700),
    ("96", "92", "Papua Barat Daya", "ID-PD", 627_100),
    ("91", "94", "Papua", "ID-PA", 1_047_100),
    ("93", "95", "Papua Selatan", "ID-PS", 542_100),
    ("94", "96", "Papua Tengah", "ID-PT", 1_476_700),
    ("95", "97", "Papua Pegunungan", "ID-PE", 1_476_700),
]
NATIONAL_POPULATION_2024 = 281_603_800  # BPS mid-2024 (V)
#: Annual population growth used to derive 2023 from 2024 (BPS 2020-2024 average ~1.1 %/yr) (E)
POPULATION_GROWTH = 0.011

# --- participants ---------------------------------------------------------------------------------
#: Registered participants at year end (V; BPJS/Kemenkes statements, see FACTS §2.1). 2020 dipped.
NATIONAL_REGISTERED = {
    2014: 133_400_000, 2015: 156_800_000, 2016: 171_939_254, 2017: 187_982_949, 2018: 208_054_199,
    2019: 224_100_000, 2020: 224_100_000, 2021: 235_710_000, 2022: 248_771_083, 2023: 267_310_000,
    2024: 278_100_000,
}
#: Active participants end 2024: 222.6 M (V, Kontan 7 May 2025) -> about 80 % of registered (D).
NATIONAL_ACTIVE_2024 = 222_600_000
#: Coverage end 2024: 98.45 % of the Dukcapil population (V, BPJS Public Expose 2024).
NATIONAL_COVERAGE_2024_PCT = 98.45
#: Registered participants by segment, end 2024 (E), chosen so that the demo lands on two published figures
#: of different kinds (docs/demo-data.md §2.1):
#: * active participants by segment, April 2025 (V, Kontan 7 May 2025): PBI 96.76 M, Pemda 48.8 M, PPU
#:   56.59 M, PBPU 17.1 M, BP 4.93 M -> PBPU+BP active 22.03 M (``SELF_PAYING_ACTIVE_2025``);
#: * people owing arrears, 31 Dec 2024 (V): 28.85 M (``ARREARS_PEOPLE_2024``), all of them PBPU/BP in the
#:   demo (a participant in arrears is ``nonaktif_tunggakan``).
#: So PBPU+BP registered = 22.03 + 28.85 = 50.9 M; the other segments share the rest of 278.1 M so that
#: their active counts (after ``INACTIVE_OTHER_SHARE``) match April 2025. "Registered by Pemda" (PBPU-Pemda)
#: is counted as PBI_APBD. Not used: the 14.97 M *inactive for arrears* of 30 Sep 2024 (DJSN) - a status
#: count of a different basis than the 28.85 M owing (see docs/demo-data.md).
SEGMENT_MIX_2024 = {
    "PBI_APBN": 110_000_000,
    "PBI_APBD": 54_000_000,
    "PPU": 63_200_000,
    "PBPU": 45_700_000,
    "BP": 5_200_000,
}
#: PBPU + BP active participants, April 2025 (V, Kontan 7 May 2025: PBPU 17.1 M + BP 4.93 M).
SELF_PAYING_ACTIVE_2025 = 22_030_000
#: Share of each non-self-paying segment deactivated for other causes (mutation, Mensos deactivation,
#: employer non-payment), so that its active count matches April 2025 (D: 1 - active / registered:
#: PBI-APBN 1 - 96.76/110, PBI-APBD 1 - 48.8/54, PPU 1 - 56.59/63.2).
INACTIVE_OTHER_SHARE = {"PBI_APBN": 0.12, "PBI_APBD": 0.096, "PPU": 0.105, "PBPU": 0.0, "BP": 0.0}

#: Province coverage (% of BPS population) at the end of 2023 and 2024: (E) anchored on the dated
#: points (V): 7 provinces below 95 % at 31 Dec 2023 (Sumut, Jambi, Sumbar, Jateng, Jatim, Kalbar,
#: Malut; Sumut/Jambi/Kalbar ~90 %, Jambi last); 35 provinces at UHC end 2024; Jateng+DIY 94.95 %
#: (2023) and 98.9 % (2024); Jatim 93.3 % (May 2024) -> 95.83 % (Mar 2025); Jabar 96.71 % (Jun 2024);
#: Riau 98.41 % (Nov 2024); Sumut 94.29 % (Apr 2025); Sulut 101 % (Q1 2024); Papua Barat 99.07 %
#: (Dec 2022); Kalteng 100.18 % (2025). Provinces not listed get DEFAULT_COVERAGE, then scaled so the
#: national total meets NATIONAL_REGISTERED.
COVERAGE_ANCHORS: dict[str, tuple[float, float]] = {
    "12": (90.4, 94.6), "15": (89.6, 94.0), "61": (90.1, 94.6), "13": (93.4, 95.6), "33": (94.6, 98.8),
    "35": (92.1, 95.8), "82": (93.7, 95.5), "34": (97.8, 99.6), "32": (95.3, 98.2), "14": (96.0, 98.4),
    "31": (99.6, 101.2), "71": (100.2, 101.0), "62": (98.9, 100.1), "11": (99.0, 99.6),
    "92": (99.2, 100.4), "96": (98.9, 100.2), "91": (100.0, 101.5), "93": (99.4, 100.6),
    "94": (99.0, 100.3), "95": (99.3, 100.8),
}
DEFAULT_COVERAGE = (96.8, 99.4)
#: Regional income index (1 = national mean), a rough GRDP-per-capita ordering (E); drives segment mix,
#: class choice and payment behaviour.
INCOME_INDEX = {
    "11": 0.75, "12": 0.95, "13": 0.85, "14": 1.35, "15": 0.95, "16": 0.9, "17": 0.7, "18": 0.75,
    "19": 0.95, "21": 1.45, "31": 2.6, "32": 0.9, "33": 0.8, "34": 0.8, "35": 1.05, "36": 0.95,
    "51": 1.0, "52": 0.6, "53": 0.45, "61": 0.8, "62": 0.95, "63": 0.85, "64": 1.9, "65": 1.5,
    "71": 0.95, "72": 1.0, "73": 0.95, "74": 0.85, "75": 0.7, "76": 0.65, "81": 0.55, "82": 0.8,
    "92": 1.0, "96": 0.9, "91": 0.8, "93": 0.7, "94": 0.75, "95": 0.4,
}

# --- contributions (iuran) ------------------------------------------------------------------------
#: Class mix of PBPU/BP families (E): most informal workers choose class III.
CLASS_MIX_SELF_PAYING = {1: 0.06, 2: 0.14, 3: 0.80}
#: Arrears end 2024: Rp 21.48 trillion owed by 28.85 M participants (V, Dirut BPJS, Bisnis 7 Feb 2025).
ARREARS_PEOPLE_2024 = 28_850_000
ARREARS_RP_2024 = 21_480_000_000_000
#: PBPU collectability ~54 % (Sep 2018, V; the only published figure) -> demo range 50-60 %.
PBPU_COLLECTABILITY_PCT = 54.0

# --- facilities -----------------------------------------------------------------------------------
#: BPJS-contracted FKTP end 2024: 23,682; hospitals (FKRTL) 3,162 (V, Public Expose 2024).
FKTP_TOTAL_2024 = 23_682
FKRTL_TOTAL_2024 = 3_162
#: FKTP mix (V, 31 Jan 2024: 10,078 puskesmas; 6,219 klinik pratama; 4,589 DPP; 1,172 dentists;
#: 577 TNI + 567 Polri clinics of 23,250).
FKTP_MIX = {
    "puskesmas": 10_078 / 23_250,
    "klinik_pratama": 6_219 / 23_250,
    "dpp": 4_589 / 23_250,
    "dokter_gigi": 1_172 / 23_250,
    "klinik_tni_polri": 1_144 / 23_250,
}
#: Largest list (registered participants) an FKTP of a type takes in the demo (E, from the norm of one GP
#: per 5,000 participants, Permenkes 3/2023 Pasal 6 (V)): a solo doctor's practice (DPP) one GP's 5,000; a
#: klinik pratama about four GPs; a TNI/Polri clinic three. Puskesmas (public) take everyone else.
FKTP_LIST_CAP = {"dpp": 5_000, "klinik_pratama": 20_000, "klinik_tni_polri": 15_000}
#: FKRTL ownership end 2022 (V): private/BUMN/BUMD 65.6 %, Pemda 27.1 %, central/TNI/Polri 7.2 %.
FKRTL_OWNERSHIP = {"swasta": 0.656, "pemerintah": 0.271, "tni_polri": 0.073}
#: Jakarta Pusat, 2017 (source article, V): 91 FKTP and 27 hospitals; 300 k of 1.1 M residents not enrolled.
JAKARTA_PUSAT_FKTP = 91
JAKARTA_PUSAT_FKRTL = 27
#: Share of Medan FKTP meeting each KBK target, Dec 2023 (V): AK 42 %, RRNS 83 %, RPPT 32 %.
KBK_MEET_SHARE = {"contact_rate_pm": 0.42, "rrns_pct": 0.83, "rppt_pct": 0.32}

# --- organisation ---------------------------------------------------------------------------------
#: 12 Kedeputian Wilayah and about 126 Kantor Cabang (S; no authoritative public list). The grouping
#: of provinces into regions below follows the regions named in news 2022-2025 (V for I, II, V, VI,
#: VII, X, XII); the rest is a documented synthetic grouping (E). KW VII (Jatim) has 13 branches (V).
#: Regencies (Kemendagri codes, Dukcapil 2025 S1 populations): ``jkn_core/data/regencies.csv`` (V).
REGIONS: list[tuple[str, str, list[str]]] = [
    ("KW01", "Kedeputian Wilayah I (Aceh, Sumatera Utara)", ["11", "12"]),
    ("KW02", "Kedeputian Wilayah II (Riau, Sumbar, Kepri, Jambi)", ["14", "13", "21", "15"]),
    ("KW03", "Kedeputian Wilayah III (Sumsel, Bengkulu, Babel, Lampung)", ["16", "17", "19", "18"]),
    ("KW04", "Kedeputian Wilayah IV (DKI Jakarta, Banten)", ["31", "36"]),
    ("KW05", "Kedeputian Wilayah V (Jawa Barat)", ["32"]),
    ("KW06", "Kedeputian Wilayah VI (Jawa Tengah, DIY)", ["33", "34"]),
    ("KW07", "Kedeputian Wilayah VII (Jawa Timur)", ["35"]),
    ("KW08", "Kedeputian Wilayah VIII (Kalimantan)", ["61", "62", "63", "64", "65"]),
    ("KW09", "Kedeputian Wilayah IX (Bali, NTB, NTT)", ["51", "52", "53"]),
    ("KW10", "Kedeputian Wilayah X (Sulut, Gorontalo, Sulteng, Malut)", ["71", "75", "72", "82"]),
    ("KW11", "Kedeputian Wilayah XI (Sulsel, Sultra, Sulbar, Maluku)", ["73", "74", "76", "81"]),
    ("KW12", "Kedeputian Wilayah XII (Papua, Papua Barat)", ["91", "92", "93", "94", "95", "96"]),
]
BRANCH_COUNT = 126
#: Which regencies each branch serves: :mod:`jkn_core.demo.branch_map` (V for the branches named in the
#: source articles and FACTS §8, S for the Divisi Regional I lists, E for the rest).

#: Default KPI targets (E unless noted): coverage 98 % for 2024 (RPJMN, V), 99 % for 2029 (V).
DEFAULT_TARGETS = [
    ("coverage_pct", "national", "", 2024, 98.0),
    ("coverage_pct", "national", "", 2025, 98.5),
    ("active_pct", "national", "", 2024, 80.0),
    ("collectability_pct", "national", "", 2024, 65.0),  # 2018 PBPU target 65 % (V)
    ("collectability_pct", "national", "", 2023, 65.0),
    ("participants_per_doctor", "national", "", 2024, 5000.0),
    ("arrears_reduction_pct", "national", "", 2024, 5.0),
]
