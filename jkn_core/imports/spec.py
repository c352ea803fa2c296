"""What an importable file may hold: the table specs :data:`SPECS` (built from :class:`Field` and
:class:`TableSpec` of :mod:`jkn_core.imports.fields`; the reference tables are in :mod:`jkn_core.imports.orgspec`).

One spec per table drives everything: the pandera schemas (:mod:`jkn_core.imports.schema`), the
parsing (:mod:`jkn_core.imports.validate`), the templates and the docs (:mod:`jkn_core.imports.docs`).
Text lengths and integer bounds come from the database columns, so nothing gets truncated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
from sqlalchemy import BigInteger, Integer, String

from jkn_core.imports import checks, orgspec
from jkn_core.imports.fields import INT32_MAX as INT32_MAX  # re-exported: the specs' building blocks
from jkn_core.imports.fields import INT64_MAX as INT64_MAX
from jkn_core.imports.fields import KINDS as KINDS
from jkn_core.imports.fields import Field as Field
from jkn_core.imports.fields import TableSpec as TableSpec
from jkn_core.imports.report import why
from jkn_core.programmes import import_rules  # collection programmes (#13)
from jkn_core.scf import claim_import as scf_ledger  # hospital claims (#14)
from jkn_core.schema import FKRTL_TYPES, FKTP_TYPES, PAYMENT_CHANNELS, SEGMENTS, STATUSES, Base


def _with_database_limits(spec: TableSpec) -> TableSpec:
    """Take text lengths and integer bounds from the database columns, so nothing gets truncated."""
    table = Base.metadata.tables[spec.name]
    fields = []
    for f in spec.fields:
        if f.db and f.name in table.c:
            coltype = table.c[f.name].type
            if f.kind == "text" and f.max_len is None and isinstance(coltype, String) and coltype.length:
                f = replace(f, max_len=coltype.length)
            if f.kind in ("int", "money") and f.max is None:
                f = replace(f, max=INT64_MAX if isinstance(coltype, BigInteger) else INT32_MAX)
            elif (
                f.kind in ("int", "money")
                and isinstance(coltype, Integer)
                and not isinstance(coltype, BigInteger)
            ):
                f = replace(f, max=min(f.max, INT32_MAX))
        fields.append(f)
    assert set(spec.key) <= {f.name for f in fields}, spec.name
    return replace(spec, fields=tuple(fields))


def _year_of(dates: pd.Series) -> pd.Series:
    """The year of a date column (NA stays NA): ``birth_year`` from ``birth_date``."""
    return dates.dt.year.astype("Int64")


_BIRTH_YEAR_RULE = checks.RowRule(
    "birth_year_is_year_of_birth_date",
    "birth_year",
    lambda f: ~(f["birth_year"] != _year_of(f["birth_date"])).astype("boolean").fillna(False).astype(bool),
    lambda r: why("birth_year_mismatch", year=r["birth_year"], date=r["birth_date"].isoformat()),
)


# --- the specs ------------------------------------------------------------------------------------
_REGENCY = Field("regency_code", "text", "Kabupaten/kota code", "16.71", refs="regencies.code")
_BRANCH = Field("branch_code", "text", "Kantor Cabang code", "0301", refs="branches.code")
_FACILITY = Field("facility_code", "text", "facility code", "0301F001", refs="facilities.code")
_SEGMENT = Field("segment", "text", "membership segment", "PBPU", choices=SEGMENTS)
_KELAS = Field("kelas", "int", "care class", "3", min=1, max=3)
_PERIOD_PAST = dict(kind="period", not_future=True)

_SPEC_LIST = [
    TableSpec(
        name="participants",
        description="One row per participant (peserta). Families that do not exist yet are created "
        "from the participant rows (see the family rule).",
        key=("id",),
        fields=(
            Field("id", "int", "participant number (natural key)", "900000001", min=0),
            Field(
                "nik",
                "text",
                "NIK (national identity number)",
                "1671010101900001",
                pattern=r"\d{16}",
                pattern_hint="exactly 16 digits (format the Excel column as Text)",
                required=False,
            ),
            Field("name", "text", "full name", "Siti Aminah", required=False),
            Field(
                "family_id",
                "int",
                "family (Kartu Keluarga) id: an existing family or one created by this file",
                "500000001",
                min=0,
            ),
            _SEGMENT,
            _KELAS,
            Field("sex", "text", "L = laki-laki, P = perempuan", "P", choices=("L", "P")),
            Field(
                "birth_date",
                "date",
                "date of birth",
                "1990-01-01",
                not_future=True,
                min_date=dt.date(1900, 1, 1),
                required=False,
            ),
            Field(
                "birth_year",
                "int",
                "year of birth, when the full date is not given; derived from birth_date when empty",
                "1990",
                required=False,
                min=1900,
                max=2100,
                db=False,
                derived_from="birth_date",
                derive=_year_of,
            ),
            _REGENCY,
            _BRANCH,
            Field(
                "fktp_code",
                "text",
                "registered primary-care facility (FKTP)",
                "0301F001",
                refs="facilities.code",
                required=False,
            ),
            Field(
                "registered_on",
                "date",
                "date of registration in JKN",
                "2020-03-15",
                not_future=True,
                min_date=dt.date(1900, 1, 1),
            ),
            Field(
                "registered_period",
                "period",
                "month of registered_on; derived when empty",
                "202003",
                required=False,
                derived_from="registered_on",
            ),
            Field(
                "status",
                "text",
                "status as of the last month",
                "aktif",
                required=False,
                default="aktif",
                choices=STATUSES,
            ),
            Field(
                "weight",
                "int",
                "people this row stands for (real data: 1)",
                "1",
                required=False,
                default=1,
                min=1,
            ),
            Field(
                "auto_debit",
                "bool",
                "family pays by auto-debit; used only when this row creates its family",
                "false",
                required=False,
                default=False,
                db=False,
            ),
        ),
        rules=(
            "`registered_period`, when given, equals the month of `registered_on`; when empty it is derived.",
            "`fktp_code` must be an FKTP facility (level `FKTP`).",
            "Families: see *The family rule* below.",
            "`nik`, `name`, `birth_date` and `fktp_code` may be left out (a modelling extract): the dashboard "
            "then shows `—` for the name and the NIK, and the person has no registered FKTP. A birth year "
            "alone goes in `birth_year` (it gives the family head's age; `birth_date` stays empty); when "
            "both are given they must agree.",
        ),
        row_rules=(*checks.PARTICIPANT_RULES, _BIRTH_YEAR_RULE),
        db_rules=(checks.fktp_only("fktp_code"),),
    ),
    TableSpec(
        name="families",
        description="One row per family (Kartu Keluarga): what a modelling extract knows of it, including "
        "how many months it was already in arrears when the contribution ledger starts. Creates new "
        "families and updates existing ones (a column left out of the file keeps its stored values).",
        key=("id",),
        fields=(
            Field("id", "int", "family (Kartu Keluarga) id (natural key)", "500000001", min=0),
            _SEGMENT,
            _KELAS,
            _REGENCY,
            _BRANCH,
            Field(
                "registered_on",
                "date",
                "date the family registered in JKN",
                "2020-03-15",
                not_future=True,
                min_date=dt.date(1900, 1, 1),
            ),
            Field(
                "head_birth_year",
                "int",
                "birth year of the family head (empty = unknown)",
                "1985",
                required=False,
                min=1900,
                max=2100,
            ),
            Field("members", "int", "family members", "3", required=False, default=1, min=1, max=50),
            Field("auto_debit", "bool", "pays by auto-debit", "false", required=False, default=False),
            Field(
                "arrears_before_months",
                "int",
                "months already in arrears (unpaid bills in a row) at the first month of the ledger; "
                "0 when current",
                "0",
                required=False,
                default=0,
                min=0,
                max=600,
            ),
            Field(
                "weight",
                "int",
                "families this row stands for (real data: 1)",
                "1",
                required=False,
                default=1,
                min=1,
            ),
        ),
        rules=(
            "Existing families are updated; a participants file never changes a family it did not create.",
            "`arrears_before_months` carries the family's history older than the ledger into the "
            "delinquency features (the arrears run it starts the ledger with).",
        ),
    ),
    TableSpec(
        name="contributions",
        description="The monthly iuran ledger of self-paying families (PBPU, BP): one row per family "
        "and billing month. The families must already exist.",
        key=("family_id", "period"),
        fields=(
            Field("family_id", "int", "family id", "500000001", refs="families.id"),
            Field("period", description="billing month", example="202412", **_PERIOD_PAST),
            Field("billed", "money", "amount billed for the month", "35000", min=0),
            Field("paid", "money", "amount paid for the bill", "35000", required=False, default=0, min=0),
            Field(
                "paid_date",
                "date",
                "date of payment; empty when unpaid",
                "2024-12-10",
                required=False,
                follows="paid",
                not_future=True,
                min_date=dt.date(2000, 1, 1),
            ),
            Field(
                "paid_period",
                "period",
                "month of paid_date; derived when empty",
                "202412",
                required=False,
                derived_from="paid_date",
            ),
            # payment channel (#13); empty = not known (read as `unknown`, as an unpaid bill has none); an
            # update without the column keeps the stored channel
            Field("channel", "text", "payment channel of the payment (empty: unknown)", "mobile_jkn",
                  required=False, choices=PAYMENT_CHANNELS),
        ),
        rules=(
            "The family must exist and be self-paying (segment `PBPU` or `BP`).",
            "`paid_date` is not before the first day of the billing month `period`.",
            "`paid` > 0 needs a `paid_date`.",
            "`paid_period`, when given, equals the month of `paid_date` (and is empty without one); "
            "when empty it is derived.",
        ),
        row_rules=checks.CONTRIBUTION_RULES,
        db_rules=(checks.self_paying_families,),
    ),
    TableSpec(
        name="facilities",
        description="Health facilities (FKTP and FKRTL) with their contract.",
        key=("code",),
        fields=(
            Field("code", "text", "facility code (natural key)", "0301F001"),
            Field("name", "text", "facility name (a different name for an existing code is a warning)",
                  "Puskesmas Sukarami", names="code"),
            Field("level", "text", "FKTP (primary) or FKRTL (referral)", "FKTP", choices=("FKTP", "FKRTL")),
            Field("type", "text", "facility type", "puskesmas", choices=FKTP_TYPES + FKRTL_TYPES),
            Field("ownership", "text", "owner", "pemerintah", choices=("pemerintah", "swasta", "tni_polri")),
            Field(
                "accreditation",
                "text",
                "accreditation status",
                "utama",
                choices=("paripurna", "utama", "madya", "dasar", "belum"),
            ),
            Field("doctors", "int", "general practitioners", "3", min=0),
            Field("dentists", "int", "dentists", "1", required=False, default=0, min=0),
            _REGENCY,
            _BRANCH,
            Field(
                "contract_start",
                "date",
                "start of the current contract",
                "2024-01-01",
                min_date=dt.date(2000, 1, 1),
            ),
            Field(
                "contract_end",
                "date",
                "end of the current contract (may be in the future)",
                "2024-12-31",
                min_date=dt.date(2000, 1, 1),
            ),
            Field("renewals", "int", "contract renewals so far", "4", required=False, default=0, min=0),
            Field(
                "capitation_rate",
                "money",
                "capitation Rp per participant per month (FKTP)",
                "6000",
                required=False,
                default=0,
                min=0,
                max=100_000,
            ),
        ),
        rules=(
            "`contract_start` <= `contract_end` (both may lie in the future: contracts are signed ahead).",
            "`type` matches `level`: FKTP types are "
            + ", ".join(f"`{t}`" for t in FKTP_TYPES)
            + "; FKRTL types are "
            + ", ".join(f"`{t}`" for t in FKRTL_TYPES)
            + ".",
        ),
        row_rules=checks.FACILITY_RULES,
    ),
    TableSpec(
        name="facility_months",
        description="Monthly facts per FKTP: registered participants, capitation paid, KBK indicators.",
        key=("facility_code", "period"),
        fields=(
            _FACILITY,
            Field("period", description="month", example="202412", **_PERIOD_PAST),
            Field("registered", "int", "participants registered at the FKTP", "8500", min=0),
            Field("capitation_paid", "money", "capitation paid for the month", "49725000", min=0),
            Field(
                "contact_rate_pm", "float", "Angka Kontak, per mil (target >= 150)", "162.5", min=0, max=1000
            ),
            Field(
                "rrns_pct", "float", "non-specialist referral ratio % (target <= 2)", "1.4", min=0, max=100
            ),
            Field("rppt_pct", "float", "controlled Prolanis ratio % (target >= 5)", "6.2", min=0, max=100),
            Field("kbk_pct", "float", "share of capitation paid after KBK %", "97.5", min=0, max=100),
        ),
        rules=("`facility_code` must be an FKTP facility.",),
        db_rules=(checks.fktp_only("facility_code"),),
    ),
    TableSpec(
        name="population",
        description="Population per regency and year (projections for future years are allowed).",
        key=("regency_code", "year"),
        fields=(
            _REGENCY,
            Field("year", "int", "year", "2024", min=1990, max=2100),
            Field("population", "int", "inhabitants", "1772492", min=0),
        ),
    ),
    TableSpec(
        name="targets",
        description="KPI targets per year, nationally or per region / branch / province / regency.",
        key=("kpi", "level", "code", "year"),
        fields=(
            Field(
                "kpi",
                "text",
                "KPI name, e.g. coverage_pct, collectability_pct",
                "coverage_pct",
                pattern=r"[a-z][a-z0-9_]*",
                pattern_hint="lower-case letters, digits and _",
            ),
            Field(
                "level",
                "text",
                "national, region, branch, province or regency",
                "national",
                choices=("national", "region", "branch", "province", "regency"),
            ),
            Field(
                "code",
                "text",
                "region, branch, province or regency code (by level), empty (national)",
                "",
                required=False,
                default="",
            ),
            Field("year", "int", "target year (future years allowed)", "2025", min=2014, max=2100),
            Field("target", "float", "target value (percentages in 0..100)", "98", min=0),
            Field("name", "text", "name of the unit of `code` (optional; checked: a different name is a "
                  "warning)", "", required=False, max_len=120, db=False, names="code"),
        ),
        rules=(
            "`code` is empty for level `national`; for `region` it must exist in `regions.code`, "
            "for `branch` in `branches.code`, for `province` in `provinces.code`, for `regency` in "
            "`regencies.code`.",
            "A KPI whose name ends in `_pct` has a target of at most 100.",
        ),
        row_rules=checks.TARGET_RULES,
        db_rules=(checks.target_codes_exist,),
    ),
    TableSpec(
        name="sif_loans",
        description="Booked SIF (Supply Infrastructure Financing) loans to FKTP.",
        key=("loan_ref",),
        fields=(
            Field("loan_ref", "text", "the bank's loan reference (natural key)", "SIF-2023-0001"),
            _FACILITY,
            Field("bank", "text", "lending bank", "Bank Mandiri"),
            Field("start_period", description="first month of the loan", example="202301", **_PERIOD_PAST),
            Field("amount", "money", "principal", "250000000", min=1),
            Field("tenor_months", "int", "tenor in months", "24", min=1, max=120),
            Field("rate_pct", "float", "annual interest rate %", "9.5", min=0, max=50),
            Field("defaulted", "bool", "the loan defaulted", "false", required=False, default=False),
            Field(
                "default_period",
                "period",
                "month of default; empty unless defaulted",
                "",
                required=False,
                follows="defaulted",
                not_future=True,
            ),
            Field(
                "days_past_due", "int", "days past due now", "0", required=False, default=0, min=0, max=3650
            ),
        ),
        rules=(
            "`facility_code` must be an FKTP facility.",
            "`defaulted` = true needs a `default_period`, which is not before `start_period`; "
            "`default_period` stays empty when `defaulted` is false.",
        ),
        row_rules=checks.SIF_LOAN_RULES,
        db_rules=(checks.fktp_only("facility_code"),),
    ),
    # hospital claims and SCF (#14): one month of claims of a hospital; rules in jkn_core.scf.ledger
    TableSpec(
        name="claims",
        description="One month of claims of a hospital (FKRTL) to BPJS Kesehatan: amounts, returns, disputes, "
        "completeness and payment (Peraturan BPJS Kesehatan 7/2018). `days_to_payment` and `penalty_rp` are "
        "computed after the import from the dates and amounts (1 % per started month paid late).",
        key=("facility_code", "service_period"),
        fields=(
            replace(_FACILITY, description="hospital (FKRTL) code", example="0301R0001"),
            Field("service_period", description="month of the care", example="202411", **_PERIOD_PAST),
            Field("hospital_class", "text", "hospital class", "C", required=False, choices=("A", "B", "C", "D")),
            Field("submitted_on", "date", "date BPJS received the claim", "2024-12-08", not_future=True,
                  min_date=dt.date(2014, 1, 1)),
            Field("amount_submitted_rp", "money", "amount claimed", "4200000000", min=0),
            Field("amount_verified_rp", "money", "amount verified", "3950000000", min=0),
            Field("returned_rp", "money", "amount returned for missing documents", "120000000", required=False,
                  default=0, min=0),
            Field("return_reason", "text", "why it was returned", "berkas_tidak_lengkap", required=False),
            Field("disputed_rp", "money", "amount disputed / pending", "130000000", required=False, default=0,
                  min=0),
            Field("dispute_reason", "text", "why it is disputed", "dispute_koding", required=False),
            Field("complete_on", "date", "date of the berita acara kelengkapan; empty: deemed complete 10 days "
                  "after receipt", "2024-12-16", required=False, min_date=dt.date(2014, 1, 1),
                  derived_from="submitted_on", derive=scf_ledger.deemed_complete),
            Field("payment_due_on", "date", "last day to pay without penalty; empty: complete_on + 15 days",
                  "2024-12-31", required=False, min_date=dt.date(2014, 1, 1), derived_from="complete_on",
                  derive=scf_ledger.due_after),
            Field("paid_on", "date", "date BPJS paid (empty: not paid yet)", "2024-12-27", required=False,
                  not_future=True, min_date=dt.date(2014, 1, 1)),
            Field("amount_paid_rp", "money", "amount paid", "3950000000", required=False, default=0, min=0),
        ),
        rules=(
            "`facility_code` must be a hospital (FKRTL).",
            "`complete_on` is 0–10 days after `submitted_on`; `payment_due_on` is `complete_on` + 15 days; "
            "`paid_on` is not before `submitted_on`; `amount_verified_rp` <= `amount_submitted_rp`.",
        ),
        row_rules=scf_ledger.CLAIM_RULES,
        db_rules=(scf_ledger.fkrtl_only,),
    ),
]

_SPEC_LIST += import_rules.PROGRAMME_SPECS  # collection programmes (#13): jkn_core.programmes.import_rules

#: The optional name column that may accompany a code column referencing these tables (``<x>_code`` →
#: ``<x>_name``): a file that has it is checked against the database's names (a warning, not a problem).
NAMED_REFS = {
    "regencies.code": ("regency", "Kota Palembang"),
    "branches.code": ("Kantor Cabang", "Palembang"),
    "facilities.code": ("facility", "Puskesmas Sukarami"),
    "provinces.code": ("province", "Sumatera Selatan"),
    "regions.code": ("Kedeputian Wilayah", ""),
}


def _with_name_columns(spec: TableSpec) -> TableSpec:
    """``spec`` with an optional, unstored ``<x>_name`` column after the fields that name a code of
    :data:`NAMED_REFS` (``regency_code`` → ``regency_name``, ``fktp_code`` → ``fktp_name``)."""
    extra = []
    for f in spec.fields:
        if f.refs in NAMED_REFS and f.name.endswith("_code"):
            what, example = NAMED_REFS[f.refs]
            extra.append(Field(f.name[: -len("_code")] + "_name", "text", f"name of the {what} of "
                               f"`{f.name}` (optional; checked: a different name is a warning)", example,
                               required=False, max_len=120, db=False, names=f.name))
    return replace(spec, fields=spec.fields + tuple(extra)) if extra else spec


SPECS: dict[str, TableSpec] = {
    s.name: _with_database_limits(_with_name_columns(s)) for s in [*_SPEC_LIST, *orgspec.org_specs()]
}
TABLES: tuple[str, ...] = tuple(SPECS)


def spec_for(table: str) -> TableSpec:
    """The spec of ``table``; ValueError naming the importable tables for any other name."""
    try:
        return SPECS[table]
    except KeyError:
        raise ValueError(f"unknown import table {table!r}; expected one of {', '.join(TABLES)}") from None
