"""Database schema of the JKN decision dashboard (SQLAlchemy 2.x declarative, typed).

Conventions
- Money is integer Rupiah (``BigInteger``).
- A month ("period") is an integer ``YYYYMM`` (e.g. 202412): portable between SQLite and PostgreSQL
  and cheap to index and group by.
- Participant and family rows carry a ``weight``: the number of real people (families) one row stands
  for. The demo world is a weighted sample so that national totals land on real magnitudes while the
  database stays small; imported real data has weight 1. Every head count is ``SUM(weight)``.
- Tables whose name starts with ``truth_`` hold the generator's true probabilities. They exist only for
  evaluating models against the truth and must never be used as features.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Auto-increment 64-bit key that is also SQLite's rowid alias.
AutoId = BigInteger().with_variant(Integer, "sqlite")

SEGMENTS = ("PBI_APBN", "PBI_APBD", "PPU", "PBPU", "BP")
SELF_PAYING_SEGMENTS = ("PBPU", "BP")
STATUSES = ("aktif", "nonaktif_tunggakan", "nonaktif_lain")
FKTP_TYPES = ("puskesmas", "klinik_pratama", "dpp", "dokter_gigi", "klinik_tni_polri")
FKRTL_TYPES = ("rumah_sakit",)
ROLES = ("direksi", "deputi_wilayah", "kantor_cabang", "bank_officer", "admin")


class Base(DeclarativeBase):
    pass


# --- regional hierarchy ---------------------------------------------------------------------------
class Region(Base):
    """Kedeputian Wilayah (regional deputy office)."""

    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)  # e.g. "KW03"
    name: Mapped[str] = mapped_column(String(120))


class Province(Base):
    __tablename__ = "provinces"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)  # Kemendagri code
    bps_code: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(80))
    iso_code: Mapped[str] = mapped_column(String(8))  # ISO 3166-2 (map key), e.g. "ID-SS"
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)


class Branch(Base):
    """Kantor Cabang."""

    __tablename__ = "branches"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)  # e.g. "0301"
    name: Mapped[str] = mapped_column(String(80))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"), index=True)


class Regency(Base):
    """Kabupaten / kota."""

    __tablename__ = "regencies"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)  # e.g. "16.71"
    name: Mapped[str] = mapped_column(String(80))
    is_city: Mapped[bool] = mapped_column(Boolean)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"), index=True)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"), index=True)
    income_index: Mapped[float] = mapped_column(Float, default=1.0)  # regional income, 1 = national mean


class Population(Base):
    __tablename__ = "population"
    regency_code: Mapped[str] = mapped_column(ForeignKey("regencies.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    population: Mapped[int] = mapped_column(BigInteger)


# --- facilities -----------------------------------------------------------------------------------
class Facility(Base):
    __tablename__ = "facilities"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(8))  # FKTP | FKRTL
    type: Mapped[str] = mapped_column(String(24))  # FKTP_TYPES | FKRTL_TYPES
    ownership: Mapped[str] = mapped_column(String(16))  # pemerintah | swasta | tni_polri
    accreditation: Mapped[str] = mapped_column(String(16))  # paripurna | utama | madya | dasar | belum
    doctors: Mapped[int] = mapped_column(Integer)
    dentists: Mapped[int] = mapped_column(Integer, default=0)
    regency_code: Mapped[str] = mapped_column(ForeignKey("regencies.code"), index=True)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"), index=True)
    contract_start: Mapped[dt.date] = mapped_column(Date)
    contract_end: Mapped[dt.date] = mapped_column(Date)
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    capitation_rate: Mapped[int] = mapped_column(Integer, default=0)  # Rp / participant / month (FKTP)


class FacilityMonth(Base):
    """Monthly facts per FKTP: registered participants, capitation paid, KBK indicators."""

    __tablename__ = "facility_months"
    facility_code: Mapped[str] = mapped_column(ForeignKey("facilities.code"), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    registered: Mapped[int] = mapped_column(BigInteger)
    capitation_paid: Mapped[int] = mapped_column(BigInteger)
    contact_rate_pm: Mapped[float] = mapped_column(Float)  # Angka Kontak, per mil (target >= 150)
    rrns_pct: Mapped[float] = mapped_column(Float)  # non-specialist referral ratio % (target <= 2)
    rppt_pct: Mapped[float] = mapped_column(Float)  # controlled Prolanis ratio % (target >= 5)
    kbk_pct: Mapped[float] = mapped_column(Float)  # share of capitation paid after KBK (90..100)

    __table_args__ = (Index("ix_facility_months_period", "period"),)


# --- participants and contributions ---------------------------------------------------------------
class Family(Base):
    __tablename__ = "families"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    segment: Mapped[str] = mapped_column(String(10))
    kelas: Mapped[int] = mapped_column(Integer)  # 1, 2, 3
    members: Mapped[int] = mapped_column(Integer)
    regency_code: Mapped[str] = mapped_column(ForeignKey("regencies.code"))
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    auto_debit: Mapped[bool] = mapped_column(Boolean, default=False)
    head_birth_year: Mapped[int | None] = mapped_column(Integer, nullable=True)  # optional (schema_upgrade)
    # months already in arrears before the first ledger month (history older than the ledger)
    arrears_before_months: Mapped[int] = mapped_column(Integer, default=0)
    weight: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_families_branch_segment", "branch_code", "segment"),
        Index("ix_families_regency", "regency_code"),
    )


class Participant(Base):
    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # nik, name, birth_date, fktp_code: optional (a modelling extract need not carry them; schema_upgrade)
    nik: Mapped[str | None] = mapped_column(String(16), nullable=True)
    name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    segment: Mapped[str] = mapped_column(String(10))
    kelas: Mapped[int] = mapped_column(Integer)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    regency_code: Mapped[str] = mapped_column(ForeignKey("regencies.code"))
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    fktp_code: Mapped[str | None] = mapped_column(ForeignKey("facilities.code"), index=True, nullable=True)
    registered_on: Mapped[dt.date] = mapped_column(Date)
    registered_period: Mapped[int] = mapped_column(Integer)  # YYYYMM of registered_on
    status: Mapped[str] = mapped_column(String(20))  # STATUSES, as of the last month
    weight: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_participants_regency_segment", "regency_code", "segment", "registered_period"),
        Index("ix_participants_branch_segment", "branch_code", "segment"),
    )


class Contribution(Base):
    """Monthly iuran ledger of the self-paying segments (PBPU, BP), one row per family and month."""

    __tablename__ = "contributions"
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    billed: Mapped[int] = mapped_column(BigInteger)
    paid: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    paid_period: Mapped[int | None] = mapped_column(Integer, nullable=True)  # YYYYMM of paid_date
    # payment channel (#13): PAYMENT_CHANNELS; 'unknown' when the source does not say (import default)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)

    __table_args__ = (
        Index("ix_contributions_period", "period"),
        Index("ix_contributions_paid_period", "paid_period"),
    )


class CareEvent(Base):
    """Use of care by a family (outpatient / inpatient), the input of 'recent use of care'."""

    __tablename__ = "care_events"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    period: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))  # rawat_jalan | rawat_inap
    cost: Mapped[int] = mapped_column(BigInteger)


# --- tables later features write to ---------------------------------------------------------------
class CollectionAction(Base):
    __tablename__ = "collection_actions"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    period: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))  # sms | telecollecting | kader_visit | rehab | lpd | csr | auto_debit
    outcome: Mapped[str] = mapped_column(String(24))  # reached | promised | paid | refused | rehab_registered | unreachable
    recorded_by: Mapped[str] = mapped_column(String(64), default="generator")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class SifLoan(Base):
    """Booked Supply Infrastructure Financing loans to FKTP (history and portfolio)."""

    __tablename__ = "sif_loans"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    loan_ref: Mapped[str] = mapped_column(String(32), unique=True)
    facility_code: Mapped[str] = mapped_column(ForeignKey("facilities.code"), index=True)
    bank: Mapped[str] = mapped_column(String(40))
    start_period: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    tenor_months: Mapped[int] = mapped_column(Integer)
    rate_pct: Mapped[float] = mapped_column(Float)
    defaulted: Mapped[bool] = mapped_column(Boolean, default=False)
    default_period: Mapped[int | None] = mapped_column(Integer, nullable=True)
    days_past_due: Mapped[int] = mapped_column(Integer, default=0)


class SifApplication(Base):
    __tablename__ = "sif_applications"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    facility_code: Mapped[str] = mapped_column(ForeignKey("facilities.code"), index=True)
    officer: Mapped[str] = mapped_column(String(64))
    # the bank of the officer when it was saved (NULL: saved by a user of no bank); existing databases get
    # the column and their officers' banks from jkn_core.sif.upgrade
    bank: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    amount: Mapped[int] = mapped_column(BigInteger)
    tenor_months: Mapped[int] = mapped_column(Integer)
    rate_pct: Mapped[float] = mapped_column(Float)
    pd: Mapped[float] = mapped_column(Float)
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(4))
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(40), nullable=True)


class User(Base):
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # ROLES
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True)
    branch_code: Mapped[str | None] = mapped_column(ForeignKey("branches.code"), nullable=True)
    bank: Mapped[str | None] = mapped_column(String(40), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class WebSession(Base):
    """A signed-in browser session, kept on the server (``jkn_core.access.web_sessions``).

    The cookie ``jkn_session`` carries a random token; only its SHA-256 is stored (``token_hash``).
    ``handoff_hash`` is the SHA-256 of a one-time code the browser trades for the cookie right after
    sign-in (then cleared). Every server process reads the same rows, so any process resumes a session.
    """

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    handoff_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    handoff_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    auth_method: Mapped[str] = mapped_column(String(16))  # password | oidc
    password_fp: Mapped[str] = mapped_column(String(64))  # access.passwords.password_fingerprint
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)  # absolute end, whatever the activity
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class Target(Base):
    """KPI targets as data (editable by an admin through import)."""

    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kpi: Mapped[str] = mapped_column(String(40))  # coverage_pct | collectability_pct | ...
    level: Mapped[str] = mapped_column(String(12))  # national | region | branch
    code: Mapped[str] = mapped_column(String(8), default="")  # "" for national
    year: Mapped[int] = mapped_column(Integer)
    target: Mapped[float] = mapped_column(Float)

    __table_args__ = (UniqueConstraint("kpi", "level", "code", "year", name="uq_targets_key"),)


class ReferenceFigure(Base):
    """A published figure of a unit at a date (an article's, a report's), with its source: shown as a dated
    reference point next to the dashboard's own figures (``jkn_core.kpi.reference``); importable."""

    __tablename__ = "reference_figures"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    level: Mapped[str] = mapped_column(String(12))  # national | region | branch | province | regency
    code: Mapped[str] = mapped_column(String(8), default="")  # "" for national
    metric: Mapped[str] = mapped_column(String(40))  # participants | arrears_people | arrears_rp | coverage_pct
    as_of: Mapped[dt.date] = mapped_column(Date)  # the date the figure describes
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200))  # publisher, title
    source_date: Mapped[dt.date] = mapped_column(Date)  # date of publication / statement
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (UniqueConstraint("level", "code", "metric", "as_of", name="uq_reference_figures_key"),)


class ModelScore(Base):
    __tablename__ = "model_scores"
    model: Mapped[str] = mapped_column(String(20), primary_key=True)  # delinquency | sif
    entity_id: Mapped[str] = mapped_column(String(24), primary_key=True)  # family id or facility code
    period: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(40))
    scored_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Meta(Base):
    """Key/value facts about the database: demo seed, scale, first and last month, synthetic flag."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- evaluation-only truth (never a feature) ------------------------------------------------------
class TruthFamily(Base):
    __tablename__ = "truth_family"
    family_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)  # month the probability is FOR
    p_miss: Mapped[float] = mapped_column(Float)  # true P(missing the bill of `period`)


class TruthLoan(Base):
    __tablename__ = "truth_loan"
    loan_ref: Mapped[str] = mapped_column(String(32), primary_key=True)
    pd_true: Mapped[float] = mapped_column(Float)  # true default probability of the booked loan


class TruthFacility(Base):
    __tablename__ = "truth_facility"
    facility_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    pd_12m: Mapped[float] = mapped_column(Float)  # true probability of default over a 12-month tenor


# --- pre-aggregates (jkn_core.kpi.refresh: rebuilt after generation and after every import) -----------
class AggCollection(Base):
    """Iuran billed for a month and collected in a month, per branch × regency × segment (weighted Rp)."""

    __tablename__ = "agg_collection"
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    regency_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    segment: Mapped[str] = mapped_column(String(10), primary_key=True)
    bills: Mapped[int] = mapped_column(BigInteger, default=0)  # ledger rows billed for ``period``
    billed: Mapped[int] = mapped_column(BigInteger, default=0)  # SUM(billed × weight), bills of ``period``
    payments: Mapped[int] = mapped_column(BigInteger, default=0)  # ledger rows paid in ``period``
    collected: Mapped[int] = mapped_column(BigInteger, default=0)  # SUM(paid × weight), paid in ``period``


class AggArrears(Base):
    """Families in arrears at the end of ``period`` per branch × regency × aging bucket (weighted)."""

    __tablename__ = "agg_arrears"
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    regency_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(8), primary_key=True)
    people: Mapped[int] = mapped_column(BigInteger)
    families: Mapped[int] = mapped_column(BigInteger)
    rp: Mapped[int] = mapped_column(BigInteger)


class AggCoverage(Base):
    """Participants registered by the end of ``period`` (cumulative) and those active, per regency × segment."""

    __tablename__ = "agg_coverage"
    # a branch's rows of a month (branch-scoped KPIs), next to the key's (period, regency, ...)
    __table_args__ = (Index("ix_agg_coverage_period_branch", "period", "branch_code"),)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    regency_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    branch_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    segment: Mapped[str] = mapped_column(String(10), primary_key=True)
    participants: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[int] = mapped_column(BigInteger)


class AggCapacity(Base):
    """Facilities, GPs, registered participants and capitation per ledger month × regency × branch."""

    __tablename__ = "agg_capacity"
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    regency_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    branch_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    fktp: Mapped[int] = mapped_column(BigInteger)
    fkrtl: Mapped[int] = mapped_column(BigInteger)
    doctors: Mapped[int] = mapped_column(BigInteger)
    registered: Mapped[int] = mapped_column(BigInteger)
    capitation_paid: Mapped[int] = mapped_column(BigInteger)


class AggCoverageRegency(Base):
    """``agg_coverage`` summed over branch and segment: participants and active per month × regency."""

    __tablename__ = "agg_coverage_regency"
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    regency_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    participants: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[int] = mapped_column(BigInteger)


# --- collection programmes (#13) ------------------------------------------------------------------
# Partners (LPD, Kader JKN, CSR sponsors), assignments of families to a partner or action, and the Rehab
# instalment plans with their stage payments. Rules: jkn_core.programmes.rehab_rules (docs/programmes.md).
PARTNER_KINDS = ("lpd", "kader", "csr_sponsor")
FEE_RULES = ("share_of_collected", "per_success", "none")
ASSIGNMENT_STATUSES = ("assigned", "contacted", "paid", "reactivated", "cancelled")
REHAB_STATUSES = ("active", "completed", "cancelled")


class Partner(Base):
    """An LPD (per desa adat), a Kader JKN, or a CSR sponsor, with its fee rule (and budget for CSR)."""

    __tablename__ = "partners"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))  # PARTNER_KINDS
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    branch_code: Mapped[str | None] = mapped_column(ForeignKey("branches.code"), nullable=True, index=True)
    province_code: Mapped[str | None] = mapped_column(String(2), nullable=True)
    territory: Mapped[str | None] = mapped_column(Text, nullable=True)  # desa adat / kecamatan
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)  # families per month
    fee_rule: Mapped[str] = mapped_column(String(20), default="none")  # FEE_RULES
    fee_rate: Mapped[float | None] = mapped_column(Float, nullable=True)  # share of collected Rupiah
    fee_per_success_rp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    budget_rp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # CSR sponsor
    period_from: Mapped[int | None] = mapped_column(Integer, nullable=True)  # YYYYMM
    period_to: Mapped[int | None] = mapped_column(Integer, nullable=True)  # YYYYMM
    eligibility: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON: segments, kelas, provinces
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PartnerAssignment(Base):
    """A family assigned to a programme / action (optionally through a partner) in a month.

    ``holdout``: randomly held out of the programme — assigned but NOT treated (the comparison group)."""

    __tablename__ = "partner_assignments"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    branch_code: Mapped[str] = mapped_column(String(8), index=True)
    programme: Mapped[str] = mapped_column(String(16))  # rehab | lpd | kader | csr | call | visit | sms | ...
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True, index=True)
    period: Mapped[int] = mapped_column(Integer)  # YYYYMM assigned
    holdout: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="assigned")  # ASSIGNMENT_STATUSES
    status_period: Mapped[int | None] = mapped_column(Integer, nullable=True)
    collected_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    assigned_by: Mapped[str] = mapped_column(String(64), default="generator")
    # an imported row without it: the time of the import (UTC)
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime, default=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))

    __table_args__ = (Index("ix_partner_assignments_programme_period", "programme", "period"),)


class RehabPlan(Base):
    """A Rehab instalment plan: the debt at enrolment split into ``stages`` monthly stage bills."""

    __tablename__ = "rehab_plans"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    branch_code: Mapped[str] = mapped_column(String(8), index=True)
    enrolled_on: Mapped[dt.date] = mapped_column(Date)
    arrears_months: Mapped[int] = mapped_column(Integer)  # at enrolment
    debt_rp: Mapped[int] = mapped_column(BigInteger)
    stages: Mapped[int] = mapped_column(Integer)  # 1..12
    stage_amount_rp: Mapped[int] = mapped_column(BigInteger)
    first_period: Mapped[int] = mapped_column(Integer)  # YYYYMM of stage 1
    status: Mapped[str] = mapped_column(String(12), default="active")  # REHAB_STATUSES
    ended_period: Mapped[int | None] = mapped_column(Integer, nullable=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("partner_assignments.id"), nullable=True)
    # the user who enrolled the family on the dashboard (counts 1 family); NULL: generated or imported (the
    # family's weight)
    enrolled_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RehabPayment(Base):
    """One stage of a Rehab plan: due in ``period``, paid on ``paid_on`` (NULL while unpaid)."""

    __tablename__ = "rehab_payments"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rehab_plans.id"), index=True)
    stage_no: Mapped[int] = mapped_column(Integer)  # 1..12
    period: Mapped[int] = mapped_column(Integer)  # YYYYMM due
    paid_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    amount_rp: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)

    __table_args__ = (UniqueConstraint("plan_id", "stage_no", name="uq_rehab_payments_stage"),)


# --- programme evaluation (#13) -------------------------------------------------------------------
# Holdout shares per branch, the generator's true programme effects (evaluation only), and CSR payments.
# Code: jkn_core.programmes.{uplift,csr,channels}; documentation: docs/programmes.md.
PAYMENT_CHANNELS = ("teller", "atm_mbanking", "ppob", "mobile_jkn", "autodebit", "unknown")


class ProgrammeSetting(Base):
    """The random holdout share of a programme / action in a branch (no row: the policy default, 10 %)."""

    __tablename__ = "programme_settings"
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"), primary_key=True)
    programme: Mapped[str] = mapped_column(String(16), primary_key=True)
    holdout_share: Mapped[float] = mapped_column(Float, default=0.10)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class CsrPayment(Base):
    """Arrears of one family paid (or proposed to be paid) by a CSR sponsor."""

    __tablename__ = "csr_payments"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    branch_code: Mapped[str] = mapped_column(String(8), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("partner_assignments.id"), nullable=True)
    period: Mapped[int] = mapped_column(Integer)  # YYYYMM paid
    arrears_months: Mapped[int] = mapped_column(Integer)
    amount_rp: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="paid")  # proposed | paid
    created_by: Mapped[str] = mapped_column(String(64), default="generator")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class TruthProgrammeEffect(Base):
    """The generator's TRUE effect of a programme / action (evaluation only, never a feature): the expected
    difference in the outcome rate (family-weighted) between treated and held-out families."""

    __tablename__ = "truth_programme_effect"
    programme: Mapped[str] = mapped_column(String(16), primary_key=True)
    action: Mapped[str] = mapped_column(String(24), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)  # reactivated | paid
    window_months: Mapped[int] = mapped_column(Integer)
    conversion_prob: Mapped[float] = mapped_column(Float)  # the simulation's knob (see docs)
    true_effect: Mapped[float] = mapped_column(Float)


# --- payment-channel pre-aggregate (#13, jkn_core.programmes.channels: rebuilt after generation and imports) ---
class AggChannel(Base):
    """Paid ledger bills per payment month × branch × channel (weighted), what the channel mix reads instead
    of scanning the ledger. Kept by :mod:`jkn_core.programmes.channels` (own freshness mark in ``meta``)."""

    __tablename__ = "agg_channel"
    period: Mapped[int] = mapped_column(Integer, primary_key=True)  # paid_period
    branch_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)  # NULL in the ledger: 'unknown'
    bills: Mapped[int] = mapped_column(BigInteger, default=0)  # ledger rows
    payments: Mapped[int] = mapped_column(BigInteger, default=0)  # SUM(weight)
    rp: Mapped[int] = mapped_column(BigInteger, default=0)  # SUM(paid × weight)


# --- hospital claims and SCF (#14): the tables are in jkn_core/schema_claims.py (this module's size) ---
