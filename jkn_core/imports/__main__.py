"""``python -m jkn_core.imports --write-docs``: rewrite the templates and the generated part of docs/imports.md."""

import sys

from jkn_core.imports.docs import DOCS_PATH, TEMPLATES_DIR, write_docs_and_templates

if "--write-docs" in sys.argv[1:]:
    write_docs_and_templates()
    print(f"wrote {DOCS_PATH} and {TEMPLATES_DIR}/*.csv")
else:
    print("usage: python -m jkn_core.imports --write-docs   (imports: python -m jkn_core import ...)")
