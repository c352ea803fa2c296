"""The app's page registry read from app.py without running it (importing app.py would start the app)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def page_files(app: Path = ROOT / "app.py") -> dict[str, tuple[str, str, str]]:
    """``app.PAGE_FILES`` (page key -> (file, group, icon)), parsed from ``app``'s source."""
    tree = ast.parse(app.read_text(encoding="utf-8"), filename=str(app))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(x, ast.Name) and x.id == "PAGE_FILES" for x in targets):
                return ast.literal_eval(node.value)
    raise LookupError(f"{app} defines no PAGE_FILES")
