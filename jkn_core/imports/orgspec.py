"""Reference data as importable tables: the organisation — ``regions`` (Kedeputian Wilayah), ``branches``
(Kantor Cabang) and ``regencies`` (kabupaten/kota, with the regency → branch map in ``branch_code``) — and
``reference_figures`` (published figures of a unit at a date, with their source).

:func:`org_specs` builds their :class:`~jkn_core.imports.fields.TableSpec` (added to
:data:`jkn_core.imports.spec.SPECS`). Moving a regency to
another branch moves the rows that carry a copy of its branch (families, participants, facilities):
:func:`move_regency_rows`, run in the import's transaction by :mod:`jkn_core.imports.write`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from jkn_core.imports import checks
from jkn_core.imports.checks import INVALID, RowRule, given
from jkn_core.imports.fields import Field, TableSpec
from jkn_core.imports.lookup import lookup
from jkn_core.imports.report import why
from jkn_core.schema import Base

#: What a reference figure may count (``jkn_core.kpi.reference`` compares each with the dashboard's own).
REFERENCE_METRICS = ("participants", "active_participants", "coverage_pct", "arrears_people", "arrears_rp",
                     "population",
                     # hospitals and referral-care claims (#14, the demo's claims calibration)
                     "fkrtl_hospitals", "fkrtl_swasta", "fkrtl_pemda", "fkrtl_pusat_tni_polri", "fkrtl_benefit_rp")
#: Tables whose rows carry a copy of their regency's branch (``branch_code`` next to ``regency_code``).
BRANCH_COPIES = ("families", "participants", "facilities")


def is_city(names: pd.Series) -> pd.Series:
    """True for a name starting with ``Kota`` (``Kota Palembang``, ``Kota Adm. Jakarta Pusat``)."""
    return names.astype("string").str.strip().str.lower().str.match(r"kota\b").astype("boolean")


def _province_mismatch(f: pd.DataFrame) -> pd.Series:
    both = given(f, "code") & given(f, "province_code")
    bad = both & (f["code"].astype("string").str.slice(0, 2) != f["province_code"])
    return ~bad.astype("boolean").fillna(False).astype(bool)


REGENCY_RULES = (
    RowRule(
        "code_in_province",
        "province_code",
        _province_mismatch,
        lambda r: why("regency_province", code=r["code"], province=str(r["code"])[:2], given=r["province_code"]),
    ),
)


def needed_for_new_rows(*columns: str):  # type: ignore[no-untyped-def]
    """A :data:`~jkn_core.imports.checks.DbRule`: a row whose ``code`` is new must give ``columns`` (an
    existing row may leave them out: on an update they keep their stored values)."""

    def check(conn: Connection, frame: pd.DataFrame) -> list[tuple[int, str, str]]:
        codes = frame["code"].dropna()
        known = lookup(conn, "regencies", "code", set(codes.tolist()))
        new = frame["code"].notna() & ~frame["code"].isin(list(known))
        out = []
        for column in columns:
            missing = new & frame[column].isna() & ~frame[column + INVALID]
            out += [(i, column, why("needed_for_new_regency", column=column, code=code))
                    for i, code in frame.loc[missing, "code"].items()]
        return out

    return check


def org_specs() -> list[TableSpec]:
    """The specs of ``regions``, ``branches``, ``regencies`` and ``reference_figures``."""
    name = Field("name", "text", "name (a different name for an existing code is a warning)", "", names="code")
    return [
        TableSpec(
            name="regions",
            description="Kedeputian Wilayah (regional deputy offices). Rows are never deleted.",
            key=("code",),
            fields=(
                Field("code", "text", "region code (natural key)", "KW03"),
                Field(name.name, name.kind, name.description,
                      "Kedeputian Wilayah III (Sumsel, Bengkulu, Babel, Lampung)", names="code"),
            ),
        ),
        TableSpec(
            name="branches",
            description="Kantor Cabang (branch offices) and the Kedeputian Wilayah each belongs to. "
            "Import new branches before a regencies file that names them.",
            key=("code",),
            fields=(
                Field("code", "text", "branch code (natural key)", "0301", pattern=r"[0-9]{4}",
                      pattern_hint="4 digits, e.g. 0301 (format the Excel column as Text)"),
                Field(name.name, name.kind, name.description, "Palembang", names="code"),
                Field("region_code", "text", "Kedeputian Wilayah", "KW03", refs="regions.code"),
                Field("province_code", "text", "province of the branch office (Kemendagri code)", "16",
                      refs="provinces.code"),
            ),
        ),
        TableSpec(
            name="regencies",
            description="Kabupaten/kota by Kemendagri code, and the regency → branch map (`branch_code`). "
            "Moving a regency to another branch moves its families, participants and facilities with it "
            "(in the same transaction) and refreshes the figures of both branches.",
            key=("code",),
            fields=(
                Field("code", "text", "Kemendagri code (natural key)", "16.71", pattern=r"[0-9]{2}\.[0-9]{2}",
                      pattern_hint="Kemendagri code NN.NN, e.g. 16.71 (format the Excel column as Text)"),
                Field(name.name, name.kind, name.description + "; required for a new regency",
                      "Kota Palembang", names="code", required=False),
                Field("province_code", "text", "province (Kemendagri code, the first two digits of `code`); "
                      "required for a new regency", "16", refs="provinces.code", required=False),
                Field("branch_code", "text", "Kantor Cabang serving the regency", "0301", refs="branches.code"),
                Field("is_city", "bool", "kota (true) or kabupaten (false); derived from the name when empty",
                      "true", required=False, derived_from="name", derive=is_city),
                Field("income_index", "float", "regional income, 1 = national mean (demo model input)", "1.1",
                      required=False, default=1.0, min=0, max=20),
            ),
            rules=(
                "A map file may hold only `code` and `branch_code`: `name` and `province_code` are needed "
                "for a new regency only (an existing one keeps its stored values).",
                "`province_code` is the first two digits of `code`.",
                "A regency whose `branch_code` changes moves to that branch with its families, participants "
                "and facilities.",
            ),
            row_rules=REGENCY_RULES,
            db_rules=(needed_for_new_rows("name", "province_code"),),
        ),
        TableSpec(
            name="reference_figures",
            description="Published figures of a unit at a date (an article, a report), with their source: "
            "shown as dated reference points next to the dashboard's figures. The shipped ones are in "
            "`jkn_core/data/reference_figures.csv`.",
            key=("level", "code", "metric", "as_of"),
            fields=(
                Field("level", "text", "national, region, branch, province or regency", "branch",
                      choices=("national", "region", "branch", "province", "regency")),
                Field("code", "text", "the unit's code (by level), empty (national)", "0301", required=False,
                      default=""),
                Field("metric", "text", "what the figure counts", "participants", choices=REFERENCE_METRICS),
                Field("as_of", "date", "the date the figure describes", "2017-06-30", not_future=True,
                      min_date=dt.date(2000, 1, 1)),
                Field("value", "float", "the figure (Rupiah for arrears_rp, % for coverage_pct)", "2477419",
                      min=0),
                Field("source", "text", "publisher and title", "beritasebelas.com: 200 Ribu Peserta Tunggak "
                      "Iuran BPJS Cabang Palembang"),
                Field("source_date", "date", "date of publication or statement", "2017-08-22",
                      not_future=True, min_date=dt.date(2000, 1, 1)),
                Field("note", "text", "what the figure covers (area, rounding)", "Peserta terdaftar sampai "
                      "Juni 2017", required=False),
                Field("name", "text", "name of the unit of `code` (optional; checked: a different name is a "
                      "warning)", "Palembang", required=False, max_len=120, db=False, names="code"),
            ),
            rules=("`code` is empty for level `national`; otherwise it must exist in the level's table.",),
            row_rules=checks.TARGET_RULES[:2],
            db_rules=(checks.target_codes_exist,),
        ),
    ]


# --- moving regencies ----------------------------------------------------------------------------
def moved_regencies(
    rows: list[Mapping[str, Any]], old: list[tuple[Any, ...] | None], stored: list[str]
) -> dict[str, tuple[str, str]]:
    """{regency code: (old branch, new branch)} of the updated rows of a regencies file whose branch changed."""
    if "branch_code" not in stored:
        return {}
    j = stored.index("branch_code")
    return {r["code"]: (o[j], r["branch_code"]) for r, o in zip(rows, old, strict=True)
            if o is not None and o[j] != r["branch_code"]}


def move_regency_rows(conn: Connection, moved: Mapping[str, tuple[str, str]], dry_run: bool) -> dict[str, int]:
    """Give every row of :data:`BRANCH_COPIES` in a moved regency its new branch (not on a dry run); returns
    the rows moved (or to move) per table. Runs in the caller's transaction."""
    counts: dict[str, int] = {}
    by_branch: dict[str, list[str]] = {}
    for regency, (_, new) in moved.items():
        by_branch.setdefault(new, []).append(regency)
    for name in BRANCH_COPIES:
        t = Base.metadata.tables[name]
        n = 0
        for branch, regencies in sorted(by_branch.items()):
            stale = (t.c.regency_code.in_(sorted(regencies)), t.c.branch_code != branch)
            if dry_run:
                n += int(conn.execute(select(func.count()).select_from(t).where(*stale)).scalar() or 0)
            else:
                n += int(conn.execute(update(t).where(*stale).values(branch_code=branch)).rowcount or 0)
        counts[name] = n
    return counts
