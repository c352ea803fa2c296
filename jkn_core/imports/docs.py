"""The templates and the generated section of ``docs/imports.md``, both rendered from the specs.

:func:`template_bytes` is a table's template CSV (header and one example row); :func:`render_docs` the
docs section (one table per importable table); :func:`write_docs_and_templates` rewrites both, as
``python -m jkn_core.imports --write-docs`` does. Nothing here validates or imports.

The example rows are chosen so that every template imports **as-is** (issue 17 item 9): the files in
``templates/`` into the default demo (``run.sh``'s world) and, imported in the order facilities first,
into an empty database holding only the geography (:data:`DEMO_EXAMPLES`); the template the Import page
offers (:func:`template_bytes` with the database) points its references at rows of *that* database
(:func:`examples_for`), so it is accepted there too, whatever demo or real data it holds.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from jkn_core.imports.spec import SPECS, TABLES, spec_for
from jkn_core.schema import SELF_PAYING_SEGMENTS, Branch, Facility, Family, Regency

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "imports.md"
DOCS_BEGIN = "<!-- BEGIN GENERATED: python -m jkn_core.imports --write-docs -->"
DOCS_END = "<!-- END GENERATED -->"


#: FKTP and family of the default demo the examples refer to: Puskesmas Banyuasin 1 (Kab. Banyuasin, Kantor
#: Cabang Palembang) and family 34586, PBPU class 3 of the same regency, and its Rehab plan 10 (seed 20241231,
#: ``run.sh``).
_FKTP = {"code": "0301P0001", "name": "Puskesmas Banyuasin 1", "regency_code": "16.07",
         "regency_name": "Kabupaten Banyuasin", "branch_code": "0301", "branch_name": "Palembang"}
_FAMILY = "34586"
#: Example values replacing the schema's (table, column) -> value; see the module docstring.
DEMO_EXAMPLES: dict[tuple[str, str], str] = {
    ("facilities", "code"): _FKTP["code"], ("facilities", "name"): _FKTP["name"],
    ("facilities", "regency_code"): _FKTP["regency_code"], ("facilities", "regency_name"): _FKTP["regency_name"],
    ("participants", "family_id"): _FAMILY, ("participants", "nik"): "1607010101900001",
    ("participants", "regency_code"): _FKTP["regency_code"], ("participants", "regency_name"): _FKTP["regency_name"],
    ("participants", "fktp_code"): _FKTP["code"], ("participants", "fktp_name"): _FKTP["name"],
    ("contributions", "family_id"): _FAMILY,
    ("facility_months", "facility_code"): _FKTP["code"], ("facility_months", "facility_name"): _FKTP["name"],
    ("sif_loans", "facility_code"): _FKTP["code"], ("sif_loans", "facility_name"): _FKTP["name"],
    # collection programmes (#13): the demo family above; a branch-less (national) partner
    ("partner_assignments", "family_id"): _FAMILY, ("rehab_plans", "family_id"): _FAMILY,
    # the family's Rehab plan in the default demo (6 stages from 202402, completed) and its stage 1
    **{("rehab_plans", k): v for k, v in dict(
        id="10", enrolled_on="2024-02-24", arrears_months="5", debt_rp="700000", stages="6",
        stage_amount_rp="116666", first_period="202402", status="completed", ended_period="202407").items()},
    ("rehab_payments", "plan_id"): "10", ("rehab_payments", "period"): "202402",
    ("rehab_payments", "amount_rp"): "116666", ("rehab_payments", "paid_on"): "2024-02-24",
    ("rehab_payments", "channel"): "ppob",
    ("partners", "branch_name"): "", ("partners", "province_name"): "",
    # hospital claims (#14): the default demo's first hospital of Kantor Cabang Palembang
    ("claims", "facility_code"): "0301R0001", ("claims", "facility_name"): "RSUD Utama Citra",
}


def example(table: str, column: str) -> str:
    """The example value of ``column`` in ``table``'s template (docs and template file)."""
    return DEMO_EXAMPLES.get((table, column), spec_for(table).get(column).example)


def examples_for(engine: Engine) -> dict[tuple[str, str], str]:
    """:data:`DEMO_EXAMPLES` with the facility and the family replaced by rows ``engine`` holds (the
    demo's own when present, else the first FKTP and the first self-paying family, with their regency
    and branch), so a template downloaded from a database imports into it as-is."""
    out = dict(DEMO_EXAMPLES)
    with engine.connect() as conn:
        fac = conn.execute(select(Facility.code, Facility.name, Facility.regency_code, Regency.name,
                                  Facility.branch_code, Branch.name)
                           .join(Regency, Regency.code == Facility.regency_code)
                           .join(Branch, Branch.code == Facility.branch_code)
                           .where(Facility.level == "FKTP")
                           .order_by((Facility.code != _FKTP["code"]), Facility.code).limit(1)).first()
        fam = conn.execute(select(Family.id, Family.regency_code, Regency.name, Family.branch_code, Branch.name,
                                  Family.kelas, Family.segment)
                           .join(Regency, Regency.code == Family.regency_code)
                           .join(Branch, Branch.code == Family.branch_code)
                           .where(Family.segment.in_(SELF_PAYING_SEGMENTS))
                           .order_by((Family.id != int(_FAMILY)), Family.id).limit(1)).first()
    if fac is not None:
        code, name, regency, regency_name, branch, branch_name = (str(v) for v in fac)
        for table, col in (("participants", "fktp"), ("facility_months", "facility"), ("sif_loans", "facility")):
            out[(table, f"{col}_code")], out[(table, f"{col}_name")] = code, name
        out.update({("facilities", "code"): code, ("facilities", "name"): name,
                    ("facilities", "regency_code"): regency, ("facilities", "regency_name"): regency_name,
                    ("facilities", "branch_code"): branch, ("facilities", "branch_name"): branch_name})
    if fam is not None:
        fid, regency, regency_name, branch, branch_name, kelas, segment = (str(v) for v in fam)
        out.update({("contributions", "family_id"): fid, ("participants", "family_id"): fid,
                    ("participants", "regency_code"): regency, ("participants", "regency_name"): regency_name,
                    ("participants", "branch_code"): branch, ("participants", "branch_name"): branch_name,
                    ("participants", "kelas"): kelas, ("participants", "segment"): segment,
                    ("participants", "nik"): regency.replace(".", "") + "010101900001"})
        for table in ("partner_assignments", "rehab_plans"):  # collection programmes (#13)
            out.update({(table, "family_id"): fid, (table, "branch_code"): branch, (table, "branch_name"): branch_name})
    out.update(_programme_examples(engine))
    out.update(_hospital_examples(engine))
    return out


def _hospital_examples(engine: Engine) -> dict[tuple[str, str], str]:
    """The claims example of a database: its first hospital (FKRTL), the demo's own when present (#14)."""
    with engine.connect() as conn:
        row = conn.execute(select(Facility.code, Facility.name).where(Facility.level == "FKRTL")
                           .order_by((Facility.code != DEMO_EXAMPLES[("claims", "facility_code")]), Facility.code)
                           .limit(1)).first()
    if row is None:
        return {}
    return {("claims", "facility_code"): str(row[0]), ("claims", "facility_name"): str(row[1])}


def _programme_examples(engine: Engine) -> dict[tuple[str, str], str]:
    """The stage-payment example of a database that holds Rehab plans: stage 1 of its first plan (#13)."""
    from jkn_core.schema import RehabPayment

    with engine.connect() as conn:
        row = conn.execute(select(RehabPayment.plan_id, RehabPayment.period, RehabPayment.amount_rp)
                           .where(RehabPayment.stage_no == 1).order_by(RehabPayment.plan_id).limit(1)).first()
    if row is None:
        return {}
    plan, period, amount = (int(v) for v in row)
    return {("rehab_payments", "plan_id"): str(plan), ("rehab_payments", "period"): str(period),
            ("rehab_payments", "amount_rp"): str(amount),
            ("rehab_payments", "paid_on"): f"{period // 100:04d}-{period % 100:02d}-05"}


def template_bytes(table: str, engine: Engine | None = None) -> bytes:
    """Template CSV (UTF-8, comma separated): the header and one example row.

    Without ``engine`` the row is the documented one (the default demo's rows); with it, the row refers
    to rows of that database (:func:`examples_for`), so the download imports into it as-is."""
    spec = spec_for(table)
    values = DEMO_EXAMPLES if engine is None else examples_for(engine)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(spec.columns)
    writer.writerow([values.get((table, f.name), f.example) for f in spec.fields])
    return buf.getvalue().encode("utf-8")


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_docs() -> str:
    """The generated part of docs/imports.md: one section per table."""
    lines: list[str] = []
    for spec in SPECS.values():
        lines += [
            f"### `{spec.name}`",
            "",
            spec.description,
            "",
            f"Natural key: {', '.join(f'`{k}`' for k in spec.key)}. "
            f"Template: `jkn_core/imports/templates/{spec.name}.csv`.",
            "",
            "| column | type | required | allowed values / range | meaning | example |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for f in spec.fields:
            lines.append(
                f"| `{f.name}` | {f.type_label()} | {f.required_label()} | {_md(f.allowed_label())} | "
                f"{_md(f.description)} | {('`' + example(spec.name, f.name) + '`') if example(spec.name, f.name) else ''} |"
            )
        if spec.rules:
            lines += ["", "Rules:", ""] + [f"- {r}" for r in spec.rules]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_docs_and_templates(docs_path: Path = DOCS_PATH, templates_dir: Path = TEMPLATES_DIR) -> None:
    """Rewrite the templates and the generated section of docs/imports.md from :data:`SPECS`."""
    templates_dir.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        (templates_dir / f"{table}.csv").write_bytes(template_bytes(table))
    text = docs_path.read_text(encoding="utf-8") if docs_path.exists() else f"{DOCS_BEGIN}\n{DOCS_END}\n"
    head, _, rest = text.partition(DOCS_BEGIN)
    _, _, tail = rest.partition(DOCS_END)
    docs_path.write_text(f"{head}{DOCS_BEGIN}\n\n{render_docs()}\n{DOCS_END}{tail}", encoding="utf-8")


# --- the schema as the Import page shows it, in the user's language ----------------------------------
_KIND_ID = {"text": "teks", "int": "bilangan bulat", "money": "Rupiah, bilangan bulat", "float": "bilangan desimal",
            "date": "tanggal YYYY-MM-DD", "period": "bulan YYYYMM", "bool": "true / false"}
_HINT_ID = {
    "Kemendagri code NN.NN, e.g. 16.71 (format the Excel column as Text)":
        "kode Kemendagri NN.NN, mis. 16.71 (format kolom Excel sebagai Teks)",
    "lower-case letters, digits and _": "huruf kecil, angka dan _",
    "exactly 16 digits (format the Excel column as Text)": "tepat 16 digit (format kolom Excel sebagai Teks)",
    "4 digits, e.g. 0301 (format the Excel column as Text)": "4 digit, mis. 0301 (format kolom Excel sebagai Teks)",
}
#: what a name column names (``name of the <what> of `code```), in Indonesian
_NAMED_ID = {"regency": "kabupaten/kota", "facility": "fasilitas", "province": "provinsi", "unit": "unit"}
_NAME_CHECK = re.compile(r"^name of the (?P<what>.+) of `(?P<code>\w+)` "
                         r"\(optional; checked: a different name is a warning\)$")


def type_label(f: Any, lang: str = "en") -> str:
    """The column's type in ``lang`` ("whole number" / "bilangan bulat", "text (max 16 chars)")."""
    if lang == "en":
        return f.type_label()
    label = _KIND_ID.get(f.kind, f.kind)
    if f.kind == "text" and f.max_len and not f.choices:
        label += f" (maks. {f.max_len} karakter)"
    return label


def required_label(f: Any, lang: str = "en") -> str:
    """Whether the column is required, its default or what it is derived from, in ``lang``."""
    if lang == "en":
        return f.required_label()
    if f.required:
        return "ya"
    if f.derived_from:
        return f"tidak (diturunkan dari `{f.derived_from}`)"
    if f.default is None:
        return "tidak (kosong = tidak ada)"
    shown = str(f.default).lower() if isinstance(f.default, bool) else str(f.default)
    return f"tidak (bawaan `{shown}`)" if shown != "" else "tidak (bawaan kosong)"


#: The words of :meth:`jkn_core.imports.fields.Field.allowed_label` in Indonesian.
_ALLOWED_WORDS_ID = {"one_of": "salah satu dari", "to": "sampai", "from": "sejak",
                     "not_future_date": "tidak di masa depan", "not_future_month": "tidak setelah bulan berjalan",
                     "must_exist": "harus ada di `{refs}`"}


def allowed_label(f: Any, lang: str = "en") -> str:
    """The values the column allows, in ``lang`` (``Field.allowed_label`` with that language's words)."""
    if lang == "en":
        return f.allowed_label()
    return f.allowed_label(_ALLOWED_WORDS_ID, lambda h: _HINT_ID.get(h, h))


def field_description(table: str, f: Any, lang: str = "en") -> str:
    """What the column holds, in ``lang``: ``imp_field_<table>__<field>`` or ``imp_field_<field>`` of
    :mod:`jkn_core.i18n.admin` / :mod:`jkn_core.i18n.imports`, a name column's check by its pattern; otherwise
    the spec's English."""
    if lang == "en":
        return f.description
    from jkn_core.i18n import STRINGS, t

    for key in (f"imp_field_{table}__{f.name}", f"imp_field_{f.name}"):
        if key in STRINGS:
            return t(key, lang)
    named = _NAME_CHECK.match(f.description)
    if named:
        what = named["what"]
        return t("imp_name_check", lang).format(what=_NAMED_ID.get(what, what), code=named["code"])
    return f.description


def table_description(table: str, lang: str = "en") -> str:
    """What the table holds, in ``lang`` (``imp_table_<table>``; otherwise the spec's English)."""
    from jkn_core.i18n import STRINGS, t

    key = f"imp_table_{table}"
    return t(key, lang) if lang != "en" and key in STRINGS else spec_for(table).description


@functools.lru_cache(maxsize=1)
def _rules_id() -> dict[str, str]:
    """Each spec rule's English text -> its Indonesian (``imp_rule_<table>_<n>`` of :mod:`jkn_core.i18n.imports`)."""
    from jkn_core.i18n import STRINGS

    return {eng: ind for key, (ind, eng) in STRINGS.items() if key.startswith("imp_rule_")}


def rules(table: str, lang: str = "en") -> list[str]:
    """The table's rules (the checks across columns and against the database) in ``lang``; a rule without a
    translation stays as the spec says it."""
    spec_rules = list(spec_for(table).rules)
    if lang == "en":
        return spec_rules
    return [_rules_id().get(r, r) for r in spec_rules]


def schema_rows(table: str, lang: str = "en") -> list[dict[str, str]]:
    """The Import page's schema table of ``table``: column, type, required, allowed, meaning, example."""
    return [{"column": f.name, "type": type_label(f, lang), "required": required_label(f, lang),
             "allowed": allowed_label(f, lang).replace("`", ""), "meaning": field_description(table, f, lang),
             "example": example(table, f.name)} for f in spec_for(table).fields]
