"""Every page × every demo role, through the real app (Streamlit AppTest on the SQLite small world).

Parametrised from the registries (``access.PAGES``, ``access.DEMO_USERS``, app.py's ``PAGE_FILES``), so a
new page or role is covered without touching this file. Each case starts from the entry point ``app.py``
and signs in through the form, then:

- a page the role may open: the navigation offers it, switching to it raises nothing and shows its title;
- a page the role may not open: the navigation does not offer it, it cannot be switched to, and the page
  file run directly with that user's session shows only the not-allowed message and no data (these cases
  only read the signed-in app, so they share one sign-in per role and process).
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from jkn_core import access
from jkn_core.i18n import t
from pages import common
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


#: role -> the app after that role signed in, for the refused cases, which only read it (its navigation, its
#: session's scope) and never run it again: one sign-in per role and process instead of one per refused page.
_SIGNED_IN: dict[str, AppTest] = {}


def _signed_in_once(role: str, url: str) -> AppTest:
    key = f"{role}@{url}"
    if key not in _SIGNED_IN:
        _SIGNED_IN[key] = sign_in(USERS[role].username, USERS[role].password)
    return _SIGNED_IN[key]


@pytest.mark.parametrize(("role", "key"), CASES)
def test_page_for_role(app_env, role: str, key: str) -> None:
    user = USERS[role]
    file = PAGE_FILES[key][0]
    if not _allowed(role, key):
        _refused(_signed_in_once(role, app_env), key, file)
        return
    at = sign_in(user.username, user.password)
    at.switch_page(file).run()
    assert not at.exception, [e.value for e in at.exception]
    assert t(f"page_{key}") in texts(at.title), texts(at.title)
    assert t("not_allowed") not in texts(at.error)


def _refused(at: AppTest, key: str, file: str) -> None:
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


#: Words a BPJS officer would not use, and codes that must never reach the screen (issue 12): the check
#: reads every text element, table header and text cell, and chart of a page.
RETIRED = re.compile(r"kesembuhan|antrian|PBI_APBN|PBI_APBD|PBI-APBD", re.IGNORECASE)
TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error",
                 "metric", "expander", "tabs")


def _screen_text(at: AppTest) -> str:
    """Everything a reader of the page can see as text, plus the charts' figure JSON."""
    parts: list[str] = []
    for kind in TEXT_ELEMENTS:
        for el in at.get(kind):
            for attr in ("value", "label", "body"):
                v = getattr(el, attr, None)
                if isinstance(v, str):
                    parts.append(v)
    for kind in ("dataframe", "table"):
        for el in at.get(kind):
            df = el.value
            parts.extend(str(c) for c in df.columns)
            for c in df.columns:
                if df[c].dtype == object or str(df[c].dtype) in ("str", "string"):
                    parts.extend(str(v) for v in df[c].dropna().unique()[:200])
    parts.extend(chart.proto.spec for chart in at.get("plotly_chart"))
    return "\n".join(parts)


def _signed_in_in(lang: str, user: access.DemoUser) -> AppTest:
    return sign_in(user.username, user.password, timeout=180, lang=lang)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("role", ["direksi", "kantor_cabang", "bank_officer", "admin"])
def test_no_retired_word_or_raw_segment_code_on_any_page(app_env, monkeypatch: pytest.MonkeyPatch, role: str,
                                                         lang: str) -> None:
    # AppTest re-formats pickers outside the script run, where the session's language cannot be read: pin it
    monkeypatch.setattr(common, "lang", lambda: lang)
    user = USERS[role]
    at = _signed_in_in(lang, user)
    found = {}
    for key in PAGE_FILES:
        if not _allowed(role, key):
            continue
        at.switch_page(PAGE_FILES[key][0]).run()
        assert not at.exception, (key, [e.value for e in at.exception])
        text = _screen_text(at)
        if key == "admin_import":  # the file format names the codes a file must carry: only the words count
            text = re.sub(r"PBI_APB[ND]", "", text)
        if key == "admin_audit":  # the log shows what was recorded, verbatim (other tests' rows too): headings only
            text = "\n".join(str(v) for kind in ("title", "caption", "subheader") for v in
                              (getattr(e, "value", "") for e in at.get(kind)))
        hits = sorted({m.group(0) for m in RETIRED.finditer(text)})
        if hits:
            found[key] = hits
    assert not found, found
