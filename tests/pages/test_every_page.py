"""Every page × every demo role, through the real app (Streamlit AppTest on the SQLite small world).

Parametrised from the registries (``access.PAGES``, ``access.DEMO_USERS``, app.py's ``PAGE_FILES``), so a
new page or role is covered without touching this file. Each case starts from the entry point ``app.py``
and signs in through the form, then:

- a page the role may open: the navigation offers it, switching to it raises nothing and shows its title;
- a page the role may not open: the navigation does not offer it, it cannot be switched to, and the page
  file run directly with that user's session shows only the not-allowed message and no data.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from jkn_core import access
from jkn_core.i18n import t
from tests.apptest import DATA_ELEMENTS, PAGE_FILES, ROOT, nav_keys, sign_in, texts

USERS = {u.role: u for u in access.DEMO_USERS}


def _allowed(role: str, key: str) -> bool:
    return role in access.PAGES.get(key, frozenset())


#: every role × every page; the refused ones are marked slow (the quick loop renders the allowed ones)
CASES = [pytest.param(role, key, id=f"{role}-{key}", marks=() if _allowed(role, key) else pytest.mark.slow)
         for role in USERS for key in PAGE_FILES]


def test_the_registries_agree() -> None:
    """Every page has an access rule and a file, and every role has a demo user and at least one page."""
    assert set(PAGE_FILES) == set(access.PAGES)
    missing = [f for f, _g, _i in PAGE_FILES.values() if not (ROOT / f).exists()]
    assert not missing, f"app.py names page files that do not exist: {missing}"
    assert set(USERS) == set(access.ROLES)
    for role in USERS:
        assert any(_allowed(role, key) for key in PAGE_FILES), f"{role} has no page at all"


@pytest.mark.parametrize("role", list(USERS))
def test_navigation_holds_exactly_the_roles_pages(app_env, role: str) -> None:
    user = USERS[role]
    at = sign_in(user.username, user.password)
    scope = at.session_state["scope"]
    assert scope.role == role and scope.username == user.username
    assert t("not_allowed") not in texts(at.error)  # the landing page is one the role may open
    assert nav_keys(at) == {key for key in PAGE_FILES if _allowed(role, key)}
    if role == "bank_officer":
        assert "work_queue" not in nav_keys(at) and "overview" not in nav_keys(at)  # no participant pages


@pytest.mark.parametrize(("role", "key"), CASES)
def test_page_for_role(app_env, role: str, key: str) -> None:
    user = USERS[role]
    file = PAGE_FILES[key][0]
    at = sign_in(user.username, user.password)
    if _allowed(role, key):
        at.switch_page(file).run()
        assert not at.exception, [e.value for e in at.exception]
        assert t(f"page_{key}") in texts(at.title), texts(at.title)
        assert t("not_allowed") not in texts(at.error)
        return
    # not in the navigation, so it cannot be switched to ...
    assert key not in nav_keys(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(file)
    # ... and the page itself refuses this user when run directly with the session's scope
    page = AppTest.from_file(str(ROOT / file), default_timeout=120)
    page.session_state["scope"] = at.session_state["scope"]
    page.run()
    assert not page.exception, [e.value for e in page.exception]
    assert t("not_allowed") in texts(page.error)
    for kind in DATA_ELEMENTS:
        assert not page.get(kind), kind
