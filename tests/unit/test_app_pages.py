"""The app's page registry: app.py's ``PAGE_FILES`` and ``access.PAGES`` agree; a mismatch stops the app.

app.py calls :func:`pages.common.check_page_files` at start-up; these tests run the same check on the
real registry (read from app.py without running it) and on broken copies of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.app_pages import page_files
from jkn_core import access
from pages.common import check_page_files

ROOT = Path(__file__).resolve().parents[2]
PAGE_FILES = page_files(ROOT / "app.py")


def test_every_page_has_a_file_and_every_file_a_page() -> None:
    assert list(PAGE_FILES) and set(PAGE_FILES) == set(access.PAGES)
    missing = [file for file, _group, _icon in PAGE_FILES.values() if not (ROOT / file).is_file()]
    assert not missing, f"app.py names page files that do not exist: {missing}"
    check_page_files(PAGE_FILES, ROOT)  # what app.py runs at start-up: no error


def test_app_checks_the_registry_at_start_up() -> None:
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    assert "check_page_files(PAGE_FILES, Path(__file__).parent)" in source


def test_a_registered_page_without_a_file_entry_is_an_error() -> None:
    broken = {k: v for k, v in PAGE_FILES.items() if k != "coverage"}
    with pytest.raises(RuntimeError, match=r"access\.PAGES without an entry in PAGE_FILES: coverage"):
        check_page_files(broken, ROOT)


def test_a_missing_page_file_is_an_error() -> None:
    broken = {**PAGE_FILES, "coverage": ("pages/no_such_page.py", "group_directors", ":material/map:")}
    with pytest.raises(RuntimeError, match=r"page files that do not exist: pages/no_such_page\.py"):
        check_page_files(broken, ROOT)


def test_a_page_file_without_an_access_rule_is_an_error() -> None:
    broken = {**PAGE_FILES, "secret": ("pages/overview.py", "group_admin", ":material/lock:")}
    with pytest.raises(RuntimeError, match=r"without an access rule in jkn_core\.access\.PAGES: secret"):
        check_page_files(broken, ROOT)
