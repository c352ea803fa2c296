"""Every UI string key used in the code has an Indonesian and an English text (jkn_core.i18n).

The code is scanned for ``t("key")`` / ``_t('key', lang)`` / ``i18n.t("key")`` calls with a literal key;
keys built at run time are checked where their values are known (``page_<key>`` for every page of
``access.PAGES``, ``role_<role>`` for every role, the navigation groups of app.py's ``PAGE_FILES``).
"""

from __future__ import annotations

import ast
import importlib
from collections import Counter
from pathlib import Path

import pytest

from devtools.app_pages import page_files
from jkn_core import access, i18n
from jkn_core.i18n import admin, collection, common, directors, sif

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")),
           *sorted((ROOT / "jkn_core").rglob("*.py"))]
AREAS = (common, directors, collection, sif, admin)
AREAS = (*AREAS, importlib.import_module("jkn_core.i18n.programmes"))  # collection programmes, part 1 (#13)
AREAS = (*AREAS, importlib.import_module("jkn_core.i18n.scf"))  # hospital claims and SCF (#14)
AREAS = (*AREAS, importlib.import_module("jkn_core.i18n.programmes_eval"))  # programmes part 2 (#13)
AREAS = (*AREAS, importlib.import_module("jkn_core.i18n.imports"))  # imports in the user's language (#17)


def literal_keys(source: str) -> set[str]:
    """Keys of the ``t(...)`` / ``_t(...)`` / ``x.t(...)`` calls whose first argument is a string literal."""
    keys: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        arg = node.args[0]
        if name in ("t", "_t") and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            keys.add(arg.value)
    return keys


def keys_used_in_code() -> dict[str, list[str]]:
    """Key -> the files (relative to the project) that use it."""
    used: dict[str, list[str]] = {}
    for path in SOURCES:
        for key in literal_keys(path.read_text(encoding="utf-8")):
            used.setdefault(key, []).append(str(path.relative_to(ROOT)))
    return used


def known_run_time_keys() -> set[str]:
    groups = {group for _file, group, _icon in page_files(ROOT / "app.py").values()}
    return {f"page_{key}" for key in access.PAGES} | {f"role_{role}" for role in access.ROLES} | groups


def test_the_scanner_finds_every_form_of_call() -> None:
    found = literal_keys("t('a')\n_t(\"b\", lang)\ni18n.t('c', 'en')\nt(f'page_{k}')\nt(key)\nst.title('x')")
    assert found == {"a", "b", "c"}


def test_every_literal_key_has_both_texts() -> None:
    used = keys_used_in_code()
    assert len(used) > 100, "the scan found almost no keys: is it still reading the code?"
    missing = {key: files for key, files in sorted(used.items()) if key not in i18n.STRINGS}
    assert not missing, f"keys used in code with no entry in jkn_core.i18n: {missing}"


@pytest.mark.parametrize("key", sorted(known_run_time_keys()))
def test_every_run_time_key_has_an_entry(key: str) -> None:
    assert key in i18n.STRINGS, f"{key!r} is built at run time but has no entry in jkn_core.i18n"


def test_every_entry_has_an_indonesian_and_an_english_text() -> None:
    def complete(pair: object) -> bool:
        return isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(s, str) and s for s in pair)

    bad = [key for key, pair in i18n.STRINGS.items() if not complete(pair)]
    assert not bad, f"entries without both texts: {bad}"
    assert i18n.t("sign_in", "id") == "Masuk" and i18n.t("sign_in", "en") == "Sign in"
    assert i18n.t("no_such_key_at_all", "en") == "no_such_key_at_all"


def test_no_key_is_defined_by_two_areas() -> None:
    counts = Counter(key for area in AREAS for key in area.STRINGS)
    twice = [key for key, n in counts.items() if n > 1]
    assert not twice, f"keys in two areas (the later would silently override the earlier): {twice}"
    assert len(i18n.STRINGS) == sum(len(area.STRINGS) for area in AREAS)


def test_a_key_defined_in_two_areas_is_refused() -> None:
    """Area modules are merged explicitly: a key in two of them would silently override the other."""
    import pytest

    from jkn_core.i18n import merge

    assert merge({"a": ("x", "y")}, {"b": ("u", "v")}) == {"a": ("x", "y"), "b": ("u", "v")}
    with pytest.raises(ValueError, match="scope_branch"):
        merge({"scope_branch": ("Cabang", "Branch")}, {"scope_branch": ("Kantor", "Office")})
