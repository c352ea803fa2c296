"""Tables and figures in the chosen language whatever the browser's locale (issue 17 items 3 and 5).

A few pages × both UI languages × an ``en-US`` and an ``id-ID`` browser (Playwright ``locale=``): every
visible table's headers and text cells (the grid's accessible table) hold no snake_case header, no
"None", no raw code; every KPI card and caption writes numbers the chosen language's way; the grid itself
is drawn the same under both browser locales (its canvas pixels are identical: nothing follows the
browser's locale). The work queue fits 1440 px without scrolling
sideways. One sign-in per browser locale: the page is checked in Indonesian, then the sidebar's language
switch turns it to English (one click, as a user does) and it is checked again.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from jkn_core import display
from jkn_core.i18n import STRINGS, t
from tests.e2e.browser import ARTIFACTS, VIEWPORT, wait_for_app

#: role's demo user -> the pages checked (their table-bearing pages)
PAGES = {"direksi": ["arrears"], "cabang": ["work_queue"], "bank": ["sif_portfolio"]}
#: the newer pages (programmes, claims, SCF): (user, UI language, browser locale, pages) — one language per page,
#: under the other language's browser locale, to keep the run short
NEWER = [("direksi", "id", "en-US", ["programmes_rehab", "programmes_effect", "claims"]),
         ("direksi", "en", "id-ID", ["programmes_partners", "csr"]),
         ("bank", "id", "en-US", ["scf_officer"]),
         ("bank", "en", "id-ID", ["scf_portfolio"])]
_PREFIXES = ("seg_", "status_", "action_", "outcome_", "type_", "decision_", "role_", "score_source_", "cap_action_")
RAW_CODES = {k[len(p):] for k in STRINGS for p in _PREFIXES if k.startswith(p)}
RAW_CODES = {c for c in RAW_CODES if "_" in c or c.islower()} - {"sms"}
#: Rupiah and percentages written the other language's way ("Rp 35.2", "95.91 %" in Indonesian; "Rp 35,2",
#: "Rp 1.800.000", "95,91 %" in English) and the other language's scale words
OTHER_WAY = {
    "id": re.compile(r"Rp \d+\.\d\b|Rp \d{1,3},\d{3}|\d\.\d+ %|\b(billion|million|trillion)\b"),
    "en": re.compile(r"Rp \d+,\d\b|Rp \d{1,3}\.\d{3}|\d,\d+ %|\b(miliar|juta|triliun)\b"),
}
OWN_WAY = {"id": re.compile(r"Rp \d+(,\d)? (miliar|juta|triliun)|Rp \d{1,3}(\.\d{3})*\b|\d,\d+ %"),
           "en": re.compile(r"Rp \d+(\.\d)? (billion|million|trillion)|Rp \d{1,3}(,\d{3})*\b|\d\.\d+ %")}
_GRID_JS = """e => ({
  headers: Array.from(e.querySelectorAll('table[role=grid] th')).map(x => x.innerText),
  cells: Array.from(e.querySelectorAll('table[role=grid] td')).map(x => x.innerText),
  scroll: (s => s ? [s.scrollWidth, s.clientWidth] : null)(e.querySelector('.dvn-scroller')),
})"""


def _open(browser, app_server: str, user: str, lang: str, locale: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=VIEWPORT, locale=locale, timezone_id="Asia/Jakarta")
    context.set_default_timeout(90_000)
    page = context.new_page()
    page.goto(f"{app_server}/?lang={lang}")
    wait_for_app(page)
    page.get_by_label(t("username", lang)).fill(user)
    page.locator('input[type="password"]').first.fill(f"{user}-demo")
    page.get_by_role("button", name=t("sign_in", lang), exact=True).click()
    page.locator(".st-key-sign_out").wait_for()
    wait_for_app(page)
    return context, page


def _visible_grids(page):  # type: ignore[no-untyped-def]
    grids = page.locator('[data-testid="stDataFrame"]')
    out = []
    for i in range(grids.count()):
        grid = grids.nth(i)
        if not grid.is_visible():  # inside a closed expander
            continue
        grid.scroll_into_view_if_needed()
        try:  # the grid draws its canvas (and its accessible table) when in view
            grid.locator("table[role=grid] th").first.wait_for(state="attached", timeout=15_000)
        except PlaywrightTimeout:
            pass  # reported by _problems: "no accessible table"
        out.append(grid)
    return out


def _stable_shot(page, grid) -> bytes:  # type: ignore[no-untyped-def]
    """The grid's canvas once its fonts are loaded and it has stopped changing (two identical pictures in a row)."""
    page.evaluate("() => document.fonts.ready.then(() => true)")
    canvas = grid.locator("canvas").first
    last = canvas.screenshot()
    for _ in range(10):
        page.wait_for_timeout(400)
        shot = canvas.screenshot()
        if shot == last:
            return shot
        last = shot
    return last


def _problems(page, key: str, lang: str, own: bool = True) -> tuple[list[str], list]:  # type: ignore[no-untyped-def]
    problems, grids = [], _visible_grids(page)
    for n, grid in enumerate(grids):
        seen = grid.evaluate(_GRID_JS)
        if not seen["headers"]:
            problems.append(f"{key} grid {n}: no accessible table")
        for head in seen["headers"]:
            if display.is_snake_case(head):
                problems.append(f"{key} grid {n}: header {head!r}")
        for cell in seen["cells"]:
            if cell in ("None", "nan", "NaT", "<NA>") or cell in RAW_CODES:
                problems.append(f"{key} grid {n}: cell {cell!r}")
    texts = page.locator('[data-testid="stMetricValue"], [data-testid="stCaptionContainer"]').all_inner_texts()
    for text in texts:
        if OTHER_WAY[lang].search(text):
            problems.append(f"{key}: {text!r} writes a number the other language's way")
    if own and not any(OWN_WAY[lang].search(text) for text in texts):
        problems.append(f"{key}: no Rupiah or percentage written the {lang} way in the cards and captions")
    return problems, grids


def _switch_language(page, lang: str) -> None:  # type: ignore[no-untyped-def]
    """The sidebar's language switch, clicked like a user: the same page again in ``lang``."""
    page.locator(".st-key-lang_pick").get_by_role("radio", name={"id": "Bahasa Indonesia", "en": "English"}[lang],
                                                  exact=True).click()
    page.wait_for_function(f"() => {'' if lang != 'id' else '!'}location.search.includes('lang=en')")
    wait_for_app(page)
    page.locator(".st-key-sign_out").get_by_text(t("sign_out", lang)).wait_for()


@pytest.mark.parametrize("user", list(PAGES))
def test_tables_follow_the_language_not_the_browser(app_server: str, browser, user: str) -> None:
    """Each UI language under each browser locale; the same table drawn pixel for pixel under both locales."""
    pictures: dict[tuple[str, str], dict[str, bytes]] = {}
    problems: list[str] = []
    for locale in ("en-US", "id-ID"):
        context, page = _open(browser, app_server, user, "id", locale)
        try:
            for lang in ("id", "en"):
                if lang != "id":
                    _switch_language(page, lang)
                problems += _check_tables(page, user, lang, locale, pictures)
        finally:
            context.close()
    assert not problems, "\n".join(problems[:30])
    for (key, lang), shots in pictures.items():  # the browser's locale changes not one pixel of the table's cells
        assert _cells(shots["en-US"]) == _cells(shots["id-ID"]), \
            f"{key} ({lang}): drawn differently under en-US and id-ID"


def _check_tables(page, user: str, lang: str, locale: str,  # type: ignore[no-untyped-def]
          pictures: dict[tuple[str, str], dict[str, bytes]]) -> list[str]:
    """Open the user's pages in ``lang``: their problems; each first grid's picture goes to ``pictures``."""
    problems: list[str] = []
    for key in PAGES[user]:
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text=t(f"page_{key}", lang)).first.click()
        wait_for_app(page)
        page.get_by_role("heading", name=t(f"page_{key}", lang)).first.wait_for()
        found, grids = _problems(page, key, lang)
        problems += [f"[{locale}] {p}" for p in found]
        assert grids, f"{key}: no table in view"
        if key == "work_queue":  # the columns a collector needs fit 1440 px: no sideways scrolling
            width, visible = grids[0].evaluate(_GRID_JS)["scroll"]
            assert width <= visible + 2, f"work queue scrolls sideways ({width} > {visible} px)"
        page.mouse.move(0, 0)  # no hover highlight in the picture (_stable_shot waits for it to fade)
        shot = _stable_shot(page, grids[0])
        (ARTIFACTS / "screens").mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "screens" / f"locale-{key}-{lang}-{locale}.png").write_bytes(shot)
        pictures.setdefault((key, lang), {})[locale] = shot
    return problems


def _cells(png: bytes) -> bytes:
    """The canvas without its 2-pixel frame (the focus ring and scroll edge may differ between runs)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return image.crop((2, 2, image.width - 2, image.height - 2)).tobytes()


@pytest.mark.parametrize(("user", "lang", "locale", "keys"), NEWER, ids=[f"{u}-{la}" for u, la, _l, _k in NEWER])
def test_newer_pages_speak_the_chosen_language(app_server: str, browser, user: str, lang: str, locale: str,
                                               keys: list[str]) -> None:  # fmt: skip
    """The newer pages' tables: no snake_case header, no "None", no raw code, no number written the other
    language's way — with the browser in the other language's locale."""
    problems: list[str] = []
    context, page = _open(browser, app_server, user, lang, locale)
    try:
        for key in keys:
            page.locator('[data-testid="stSidebarNav"] a').filter(has_text=t(f"page_{key}", lang)).first.click()
            wait_for_app(page)
            page.get_by_role("heading", name=t(f"page_{key}", lang)).first.wait_for()
            found, _grids = _problems(page, key, lang, own=False)
            problems += [f"[{locale}] {p}" for p in found]
    finally:
        context.close()
    assert not problems, "\n".join(problems[:30])
