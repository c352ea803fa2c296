"""Validated imports of CSV and Excel files that lose nothing: ``python -m jkn_core import TABLE FILE``.

One spec per importable table (:data:`SPECS`) drives everything: the pandera schemas that validate a
file, the template CSVs (:func:`template_bytes`, ``jkn_core/imports/templates/<table>.csv``) and the
tables of ``docs/imports.md`` (:func:`render_docs`). A file is read completely and checked (structure,
types, ranges, allowed values, natural-key duplicates, date order, codes that must exist in the
database) before anything is written; every problem is reported with the row number the user sees
(header = row 1). A valid file is upserted by its natural key in one transaction, so importing the same
file twice changes nothing; on an update a column the file leaves out keeps its stored value (defaults
are for inserted rows), and the report counts the changed values per column. Files beyond the hard
limits of :mod:`jkn_core.imports.read` (size, rows, columns, an .xlsx's unpacked size), with a NUL byte
or of a binary format are refused whole; a database error is one plain problem with an incident id.
Every import, rejected and dry runs included, writes an ``import`` audit row. Participants files create the families they name that do not exist yet
(the family rule, :func:`jkn_core.imports.write.new_families`).

Modules: ``report`` (problems and reports), ``spec`` (what a file may hold), ``checks`` (cross-column
and database rules), ``schema`` (pandera schemas), ``read`` (bytes to text cells), ``validate`` (text
cells to checked values), ``lookup`` (database reads by key), ``write`` (upsert, audit, hooks), ``run``
(:func:`import_file`), ``docs`` (templates and docs). The command line is in :mod:`jkn_core.cli.imports`.
"""

from jkn_core.imports.docs import (
    DOCS_BEGIN,
    DOCS_END,
    DOCS_PATH,
    TEMPLATES_DIR,
    render_docs,
    template_bytes,
    write_docs_and_templates,
)
from jkn_core.imports.report import ImportReport, Problem, problems_csv, problems_frame
from jkn_core.imports.run import import_file
from jkn_core.imports.spec import KINDS, SPECS, TABLES, Field, TableSpec
from jkn_core.imports.write import ANALYZE_AFTER_ROWS

__all__ = [
    "ANALYZE_AFTER_ROWS",
    "DOCS_BEGIN",
    "DOCS_END",
    "DOCS_PATH",
    "KINDS",
    "SPECS",
    "TABLES",
    "TEMPLATES_DIR",
    "Field",
    "ImportReport",
    "Problem",
    "TableSpec",
    "import_file",
    "problems_csv",
    "problems_frame",
    "render_docs",
    "template_bytes",
    "write_docs_and_templates",
]
