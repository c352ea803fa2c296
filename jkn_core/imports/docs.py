"""The templates and the generated section of ``docs/imports.md``, both rendered from the specs.

:func:`template_bytes` is a table's template CSV (header and one example row); :func:`render_docs` the
docs section (one table per importable table); :func:`write_docs_and_templates` rewrites both, as
``python -m jkn_core.imports --write-docs`` does. Nothing here validates or imports.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from jkn_core.imports.spec import SPECS, TABLES, spec_for

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "imports.md"
DOCS_BEGIN = "<!-- BEGIN GENERATED: python -m jkn_core.imports --write-docs -->"
DOCS_END = "<!-- END GENERATED -->"


def template_bytes(table: str) -> bytes:
    """Template CSV (UTF-8, comma separated): the header and one example row."""
    spec = spec_for(table)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(spec.columns)
    writer.writerow([f.example for f in spec.fields])
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
                f"{_md(f.description)} | {('`' + f.example + '`') if f.example else ''} |"
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
