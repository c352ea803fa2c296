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
import io
from pathlib import Path

from sqlalchemy import Engine, select

from jkn_core.imports.spec import SPECS, TABLES, spec_for
from jkn_core.schema import SELF_PAYING_SEGMENTS, Branch, Facility, Family, Regency

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "imports.md"
DOCS_BEGIN = "<!-- BEGIN GENERATED: python -m jkn_core.imports --write-docs -->"
DOCS_END = "<!-- END GENERATED -->"


#: FKTP and family of the default demo the examples refer to: Puskesmas Banyuasin 1 (Kab. Banyuasin, Kantor
#: Cabang Palembang) and family 33345, PBPU class 3 of the same regency (seed 20241231, ``run.sh``).
_FKTP = {"code": "0301P0001", "name": "Puskesmas Banyuasin 1", "regency_code": "16.07",
         "regency_name": "Kabupaten Banyuasin", "branch_code": "0301", "branch_name": "Palembang"}
_FAMILY = "33345"
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
    return out


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
