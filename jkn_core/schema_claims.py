"""Tables of hospital claims and SCF (issue #14), on the declarative ``Base`` of :mod:`jkn_core.schema` (kept apart
for that module's size): ``claims`` (the hospitals' claims ledger), ``truth_hospital`` (evaluation only, never a
feature), ``scf_lines`` / ``scf_drawdowns`` (the banks' SCF book) and ``scf_applications`` (officers' proposals).

:mod:`jkn_core.db` imports this module, so the tables are created and dropped with the others.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jkn_core.schema import AutoId, Base


class Claim(Base):
    """One month of claims of a hospital (FKRTL) to BPJS Kesehatan: amounts, returns, disputes and the
    deadlines of Peraturan BPJS Kesehatan 7/2018 (:mod:`jkn_core.scf.claim_rules`)."""

    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_service_period", "service_period"),)
    facility_code: Mapped[str] = mapped_column(ForeignKey("facilities.code"), primary_key=True)
    service_period: Mapped[int] = mapped_column(Integer, primary_key=True)  # month of the care
    hospital_class: Mapped[str | None] = mapped_column(String(1), nullable=True)  # A | B | C | D
    submitted_on: Mapped[dt.date] = mapped_column(Date)  # received by BPJS
    amount_submitted_rp: Mapped[int] = mapped_column(BigInteger)
    amount_verified_rp: Mapped[int] = mapped_column(BigInteger)
    returned_rp: Mapped[int] = mapped_column(BigInteger, default=0)  # sent back for missing documents
    return_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    disputed_rp: Mapped[int] = mapped_column(BigInteger, default=0)  # klaim dispute / pending
    dispute_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    complete_on: Mapped[dt.date] = mapped_column(Date)  # berita acara kelengkapan (or deemed, day 10)
    payment_due_on: Mapped[dt.date] = mapped_column(Date)  # complete_on + 15 days
    paid_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    amount_paid_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    days_to_payment: Mapped[int | None] = mapped_column(Integer, nullable=True)  # submitted_on -> paid_on
    penalty_rp: Mapped[int] = mapped_column(BigInteger, default=0)  # 1 % per started month late


class TruthHospital(Base):
    """The generator's TRUE probability that a hospital defaults in the 6 months after ``period``
    (evaluation only: the SCF model's oracle AUC; never a feature)."""

    __tablename__ = "truth_hospital"
    facility_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    p_default: Mapped[float] = mapped_column(Float)


class ScfLine(Base):
    """A bank's SCF line to a hospital: advances on verified-but-unpaid claims, repaid by BPJS payments."""

    __tablename__ = "scf_lines"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    facility_code: Mapped[str] = mapped_column(ForeignKey("facilities.code"), index=True)
    bank: Mapped[str] = mapped_column(String(40), index=True)
    opened_period: Mapped[int] = mapped_column(Integer)
    limit_rp: Mapped[int] = mapped_column(BigInteger)
    advance_rate: Mapped[float] = mapped_column(Float)
    rate_pct: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12))  # active | closed | default
    defaulted_period: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ScfDrawdown(Base):
    """One advance under an SCF line against one month of verified claims, repaid by BPJS's payment."""

    __tablename__ = "scf_drawdowns"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("scf_lines.id"), index=True)
    service_period: Mapped[int] = mapped_column(Integer)
    drawn_on: Mapped[dt.date] = mapped_column(Date)
    amount_rp: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[dt.date] = mapped_column(Date)
    repaid_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    repaid_rp: Mapped[int] = mapped_column(BigInteger, default=0)


class ScfApplication(Base):
    """An SCF line proposal saved by a bank officer (stamped with the officer's bank)."""

    __tablename__ = "scf_applications"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    facility_code: Mapped[str] = mapped_column(ForeignKey("facilities.code"), index=True)
    officer: Mapped[str] = mapped_column(String(64))
    bank: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    receivable_rp: Mapped[int] = mapped_column(BigInteger)
    advance_rate: Mapped[float] = mapped_column(Float)
    limit_rp: Mapped[int] = mapped_column(BigInteger)
    tenor_days: Mapped[int] = mapped_column(Integer)
    rate_pct: Mapped[float] = mapped_column(Float)
    pd: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(2))
    decision: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
