"""Architecture rules, read from the source with ``ast`` (nothing is run). Each rule is one test that fails
when the rule is broken:

- data flows one way: database -> ``jkn_core`` -> pages (pages and app.py reach no database driver);
- no import cycles among ``jkn_core`` modules (a package importing its own children to re-export them is
  not a cycle);
- no ``_private`` name of a ``jkn_core`` module imported or used by another module (jkn_core, pages, app.py);
- no SQL (sqlalchemy, ``.execute(``, ``text(``) and no name dispatch (``getattr`` on a module) in pages/app.py;
- ``jkn_core`` never imports streamlit, pages, app, bench or tests;
- bench and tests share the throwaway PostgreSQL helper in devtools/, and bench never imports tests;
- every ``jkn_core`` package and module has a docstring, and none is over 600 lines;
- every page calls ``require(page_key)`` with a key of ``access.PAGES``.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "jkn_core"
CORE_FILES = sorted(CORE.rglob("*.py"))
PAGES_DIR = ROOT / "pages"
APP = ROOT / "app.py"
#: pages/common.py, directors_view.py, charts.py and drill.py are shared helpers, not pages
PAGE_FILES = sorted(p for p in PAGES_DIR.glob("*.py")
                    if p.name not in ("common.py", "directors_view.py", "charts.py", "drill.py", "__init__.py"))
UI_FILES = sorted(PAGES_DIR.glob("*.py")) + [APP]  # the Streamlit side: pages/ and the entry point
BENCH_FILES = sorted((ROOT / "bench").glob("*.py"))
MAX_MODULE_LINES = 600
FORBIDDEN_IN_CORE = ("streamlit", "pages", "app", "bench", "tests", "jkn_batch", "pyspark")  # the batch stays optional
DATABASE_PACKAGES = ("sqlalchemy", "psycopg", "psycopg2", "sqlite3", "duckdb")


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def module_name(path: Path) -> str:
    """Dotted name of a file under ROOT (``jkn_core/kpi/__init__.py`` -> ``jkn_core.kpi``)."""
    if not path.is_relative_to(ROOT):  # the self-test's scratch files
        return path.stem
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


CORE_MODULES: dict[str, Path] = {module_name(p): p for p in CORE_FILES}
CORE_PACKAGES = {m for m, p in CORE_MODULES.items() if p.name == "__init__.py"}


@cache
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def absolute(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (relative imports resolved against ``path``)."""
    if not node.level:
        return node.module or ""
    base = module_name(path).split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(path: Path) -> Iterator[tuple[str, str | None, str | None]]:
    """(module, imported name or None, bound alias) of every import in ``path``, functions included.

    ``import_module("x")`` and ``__import__("x")`` with a literal count as ``import x``.
    """
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, None, a.asname or a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            src = absolute(path, node)
            for a in node.names:
                yield src, a.name, a.asname or a.name
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")):
            yield str(node.args[0].value), None, None


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports (``from a import b`` counts ``a`` and, if it is a module, ``a.b``)."""
    found: set[str] = set()
    for module, name, _alias in imports(path):
        found.add(module)
        if name and f"{module}.{name}" in CORE_MODULES:
            found.add(f"{module}.{name}")
    return found


def core_owner(name: str) -> str | None:
    """The jkn_core module that defines the dotted ``name`` (itself or its closest parent)."""
    while name:
        if name in CORE_MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def module_aliases(path: Path) -> dict[str, str]:
    """Local name -> jkn_core module it is bound to by an import in ``path``."""
    aliases: dict[str, str] = {}
    for module, name, alias in imports(path):
        if alias is None:
            continue
        if name is None:  # import a.b.c [as x]
            target = module if alias != module.split(".")[0] else module.split(".")[0]
            if target in CORE_MODULES or target == "jkn_core":
                aliases[alias] = target
        elif f"{module}.{name}" in CORE_MODULES:
            aliases[alias] = f"{module}.{name}"
    return aliases


def private_uses(path: Path) -> list[str]:
    """``from m import _x`` and ``m._x`` in ``path`` where ``m`` is a jkn_core module other than its own."""
    me = module_name(path)
    found = []
    for module, name, _alias in imports(path):
        if name and is_private(name) and module.split(".")[0] == "jkn_core" and core_owner(module) != me:
            found.append(f"{rel(path)}: from {module} import {name}")
    aliases = module_aliases(path)
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            head = dotted(node.value)
            if head is None or head.split(".")[0] not in aliases:
                continue
            target = ".".join([aliases[head.split(".")[0]], *head.split(".")[1:]])
            if target in CORE_MODULES and target != me:
                found.append(f"{rel(path)}:{node.lineno}: {target}.{node.attr}")
    return found


def core_import_graph() -> dict[str, set[str]]:
    """jkn_core module -> jkn_core modules it imports (a package's imports of its own children left out)."""
    graph: dict[str, set[str]] = {}
    for mod, path in CORE_MODULES.items():
        deps = {core_owner(m) for m in imported_modules(path)} - {None, mod}
        graph[mod] = {d for d in deps if d and not (mod in CORE_PACKAGES and d.startswith(mod + "."))}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


# --- the rules -------------------------------------------------------------------------------------
def test_there_is_a_core_and_a_page_to_check() -> None:
    assert len(CORE_FILES) >= 10
    assert PAGE_FILES, "pages/ holds at least the overview page"
    assert APP.exists()


BROKEN_PAGE = """
import streamlit as st
import sqlalchemy as sa
import jkn_core.kpi
from jkn_core import kpi
from jkn_core.kpi import _hidden, refresh as agg

def draw(engine, name):
    engine.execute(sa.text("SELECT 1"))
    kpi._helper(); agg._other(); jkn_core.kpi._third()
    getattr(kpi, name)(engine)
    getattr(st.session_state, name)
"""


def test_the_checks_see_what_they_should(tmp_path: Path) -> None:
    """Self-test of the helpers on known cases, so a rule cannot pass by reading nothing."""
    assert "jkn_core.kpi" in CORE_PACKAGES and "jkn_core.access" in CORE_MODULES
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert any(m.split(".")[0] == "jkn_core" for m in imported_modules(APP))
    page = tmp_path / "broken_page.py"
    page.write_text(BROKEN_PAGE, encoding="utf-8")
    uses = "\n".join(private_uses(page))
    for name in ("import _hidden", "jkn_core.kpi._helper", "jkn_core.kpi.refresh._other", "jkn_core.kpi._third"):
        assert name in uses, (name, uses)
    found = "\n".join(_sql_and_dispatch(page))
    for what in (".execute(", "getattr(kpi", "imports sqlalchemy"):
        assert what in found, (what, found)
    assert "session_state" not in found  # getattr on an object, not a module


def test_data_flows_one_way_database_core_pages() -> None:
    """Pages and app.py reach the database only through jkn_core; jkn_core never reaches back up."""
    bad = [f"{rel(p)} imports {m}" for p in UI_FILES for m in sorted(imported_modules(p))
           if m.split(".")[0] in DATABASE_PACKAGES]
    bad += [f"{rel(p)} imports {m}" for p in CORE_FILES for m in sorted(imported_modules(p))
            if m.split(".")[0] in ("pages", "app")]
    assert not bad, "data must flow database -> jkn_core -> pages:\n" + "\n".join(bad)


def test_no_import_cycles_in_core() -> None:
    found = cycles(core_import_graph())
    assert not found, "import cycles among jkn_core modules:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_private_name_used_across_modules() -> None:
    bad = [use for p in CORE_FILES + UI_FILES for use in private_uses(p)]
    assert not bad, ("private names used outside their module (make them public, with a docstring):\n"
                     + "\n".join(sorted(set(bad))))


def is_module(name: str) -> bool:
    if name in CORE_MODULES:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def bound_module(path: Path, expr: ast.AST) -> str | None:
    """The module an expression like ``kpi`` or ``jkn_core.kpi`` names in ``path``, if it names one."""
    head = dotted(expr)
    if head is None:
        return None
    first, _, rest = head.partition(".")
    for module, name, alias in imports(path):
        if alias != first:
            continue
        if name is None:  # import a.b [as x]
            base = module if alias != module.split(".")[0] else module.split(".")[0]
        else:
            base = f"{module}.{name}"
        full = f"{base}.{rest}" if rest else base
        return full if is_module(full) else None
    return None


def _sql_and_dispatch(path: Path) -> list[str]:
    found = []
    for node in ast.walk(parse(path)):
        if not isinstance(node, ast.Call):
            continue
        func, where = node.func, f"{rel(path)}:{node.lineno}"
        if isinstance(func, ast.Attribute) and func.attr == "execute":
            found.append(f"{where}: .execute(...)")
        elif isinstance(func, ast.Name) and func.id == "text":
            found.append(f"{where}: text(...)")
        elif isinstance(func, ast.Name) and func.id == "getattr" and node.args and bound_module(path, node.args[0]):
            found.append(f"{where}: getattr({dotted(node.args[0])}, ...) looks a function up by name")
        elif (getattr(func, "attr", getattr(func, "id", "")) == "import_module" and node.args
              and not isinstance(node.args[0], ast.Constant)):
            found.append(f"{where}: import_module(...) of a computed name")
    found += [f"{rel(path)}: imports {m}" for m in sorted(imported_modules(path)) if m.split(".")[0] == "sqlalchemy"]
    return found


def test_no_sql_or_name_dispatch_in_pages_or_app() -> None:
    bad = [x for p in UI_FILES for x in _sql_and_dispatch(p)]
    assert not bad, "SQL or dispatch by name in the Streamlit side (move it to jkn_core):\n" + "\n".join(bad)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_streamlit_pages_app_bench_or_tests(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN_IN_CORE}
    assert not bad, f"{rel(path)} imports {sorted(bad)}"


def test_bench_and_tests_share_the_postgresql_helper_in_devtools() -> None:
    assert (ROOT / "devtools" / "pg_server.py").exists()
    copies = [rel(p) for p in ROOT.glob("*/pg_server.py") if p.parent.name != "devtools"]
    assert not copies, f"copies of the PostgreSQL helper: {copies}"
    from_tests = [f"{rel(p)} imports {m}" for p in BENCH_FILES for m in sorted(imported_modules(p))
                  if m.split(".")[0] == "tests"]
    assert not from_tests, "bench must not import from tests:\n" + "\n".join(from_tests)
    assert any("devtools.pg_server" in imported_modules(p) for p in BENCH_FILES)
    assert "devtools.pg_server" in imported_modules(ROOT / "tests" / "conftest.py")


@pytest.mark.parametrize("path", BENCH_FILES, ids=lambda p: p.name)
def test_bench_imports_resolve(path: Path) -> None:
    """bench imports jkn_core lazily inside its steps: every such import still names something that exists."""
    missing = []
    for module, name, _alias in imports(path):
        if module.split(".")[0] not in ("jkn_core", "devtools"):
            continue
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:
            missing.append(f"{module}: {exc}")
            continue
        if name and name != "*" and not hasattr(mod, name) and f"{module}.{name}" not in CORE_MODULES:
            missing.append(f"{module}.{name}")
    assert not missing, f"bench/{path.name} imports what no longer exists: {missing}"


def test_every_core_module_and_package_has_a_docstring() -> None:
    bad = [rel(p) for p in CORE_FILES if not (ast.get_docstring(parse(p)) or "").strip()]
    assert not bad, "jkn_core modules without a docstring saying what lives there:\n" + "\n".join(bad)


def test_no_core_module_is_over_600_lines() -> None:
    sizes = {rel(p): len(p.read_text(encoding="utf-8").splitlines()) for p in CORE_FILES}
    big = {f: n for f, n in sorted(sizes.items(), key=lambda x: -x[1]) if n > MAX_MODULE_LINES}
    assert not big, f"jkn_core modules over {MAX_MODULE_LINES} lines (split them by purpose): {big}"


# --- pages check their access first ----------------------------------------------------------------
def requiring_helpers() -> set[str]:
    """``require`` and the shared page helpers (pages/*.py functions) that pass their first argument to it."""
    names = {"require"}
    for path in sorted(PAGES_DIR.glob("*.py")):
        for fn in ast.walk(parse(path)):
            if not isinstance(fn, ast.FunctionDef) or not fn.args.args:
                continue
            first = fn.args.args[0].arg
            if any(isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == "require"
                   and n.args and isinstance(n.args[0], ast.Name) and n.args[0].id == first
                   for n in ast.walk(fn)):
                names.add(fn.name)
    return names


def page_keys(path: Path) -> list[str | None]:
    """The page keys a page passes to ``require(...)`` (or to a shared helper that passes it on):
    a literal or a module-level string constant."""
    tree = parse(path)
    helpers = requiring_helpers()
    constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                 and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                 for t in n.targets if isinstance(t, ast.Name)}
    keys: list[str | None] = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) in helpers:
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
