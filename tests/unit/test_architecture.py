"""Architecture rules: ``jkn_core`` never imports streamlit; every page checks its access first."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE_MODULES = sorted((ROOT / "jkn_core").rglob("*.py"))
# pages/common.py and pages/directors_view.py are shared helpers, not pages
PAGE_FILES = sorted(p for p in (ROOT / "pages").glob("*.py") if p.name not in ("common.py", "directors_view.py", "__init__.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value))
    return names


def test_there_is_a_core_and_a_page_to_check() -> None:
    assert len(CORE_MODULES) >= 10
    assert PAGE_FILES, "pages/ holds at least the overview page"


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_streamlit_or_pages(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.split(".")[0] in ("streamlit", "pages", "app")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def page_keys(path: Path) -> list[str | None]:
    """The page keys a page passes to ``require(...)``: a literal or a module-level string constant."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                 and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                 for t in n.targets if isinstance(t, ast.Name)}
    keys: list[str | None] = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == "require":
            arg = n.args[0] if n.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                keys.append(arg.value)
            elif isinstance(arg, ast.Name):
                keys.append(constants.get(arg.id))
            else:
                keys.append(None)
    return keys


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_every_page_calls_require_with_a_registered_key(path: Path) -> None:
    from jkn_core import access

    keys = page_keys(path)
    assert keys, f"pages/{path.name} never calls require(page_key): its access is unchecked"
    for key in keys:
        assert key in access.PAGES, f"pages/{path.name}: require({key!r}) names no page in access.PAGES"
