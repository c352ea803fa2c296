"""A branch user in Chromium enrols a family in Rehab, records a stage payment, assigns a family to an LPD, reloads
and sees each reflected (issue #13)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from jkn_core import months
from jkn_core.collection import features
from jkn_core.i18n import t
from jkn_core.programmes import rehab_rules
from tests.e2e.browser import screenshot, sign_in, wait_for_app


def _eligible(engine: Any) -> tuple[int, dt.date]:
    """A family of branch 0301 that may enrol (no plan yet) and an open registration day of the data's month."""
    month = features.scoring_month(engine)
    frame = features.build(engine, [month], branch_code="0301")
    ok = frame[rehab_rules.eligible(frame["segment"].to_numpy(), frame["arrears_months"].to_numpy())
               & (frame["arrears_rp"] >= 12)]
    with engine.connect() as conn:
        planned = {int(r[0]) for r in conn.execute(text("SELECT family_id FROM rehab_plans"))}
    ok = ok[~ok["family_id"].isin(planned)].sort_values("family_id", ascending=False)
    return int(ok["family_id"].iloc[0]), months.first_day(month) + dt.timedelta(days=14)


def _type_date(page: Any, label: str, day: dt.date) -> None:
    box = page.get_by_label(label, exact=True)
    box.click()
    box.press("Control+a")
    box.type(day.isoformat())
    box.press("Enter")
    page.keyboard.press("Escape")


def _box_text(page: Any, label: str) -> str:
    """The label and the chosen option of the select box labelled ``label`` (the option may sit in an input)."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.wait_for()
    values = [box.locator("input").nth(i).input_value() for i in range(box.locator("input").count())]
    return " ".join([box.inner_text(), *values, box.text_content() or ""])


def test_branch_runs_rehab_and_assigns_an_lpd_in_the_browser(app_server: str, browser_page: Any,
                                                             sqlite_world: Any) -> None:
    family, day = _eligible(sqlite_world.engine)
    page = browser_page
    page.goto(app_server + "/")
    sign_in(page, "cabang", "cabang-demo")
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_text(t("page_programmes_rehab"), exact=True).click()
    wait_for_app(page)
    # enrol the family in 3 stages
    page.get_by_label(t("rhb_family"), exact=True).fill(str(family))
    page.get_by_label(t("rhb_stages"), exact=True).fill("3")
    _type_date(page, t("rhb_enrol_date"), day)
    page.get_by_role("button", name=t("rhb_enrol_button"), exact=True).click()
    wait_for_app(page)
    alert = page.locator('[data-testid="stAlert"]').filter(has_text=str(family)).first
    assert "3" in alert.inner_text() and t("rhb_enrolled").split("{")[0] in alert.inner_text()
    # record stage 1 (the new plan is the newest: chosen by default)
    assert f"· {family} · 0/3" in _box_text(page, t("rhb_plan"))
    _type_date(page, t("rhb_paid_on"), day)
    page.get_by_role("button", name=t("rhb_pay_button"), exact=True).click()
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert t("rhb_paid_saved").format(stage=1) in main, main[:2000]
    page.reload()
    wait_for_app(page)
    assert f"· {family} · 1/3" in _box_text(page, t("rhb_plan"))  # enrolled, stage 1 paid: kept after a reload
    screenshot(page, "programmes-rehab")

    # an LPD of the branch, then the family assigned to it
    nav.get_by_text(t("page_programmes_partners"), exact=True).click()
    wait_for_app(page)
    page.get_by_text(t("ptn_add"), exact=True).click()
    page.get_by_label(t("ptn_code"), exact=True).fill("LPD-E2E-01")
    page.get_by_label(t("ptn_name"), exact=True).fill("LPD Desa Adat Uji")
    page.get_by_role("button", name=t("ptn_save"), exact=True).click()
    wait_for_app(page)
    assert t("ptn_saved") in page.locator('[data-testid="stMain"]').inner_text()
    assert t("ptn_programme_lpd") in _box_text(page, t("ptn_programme"))  # the first programme: LPD
    assert "LPD-E2E-01" in _box_text(page, t("ptn_partner"))
    page.get_by_label(t("ptn_families"), exact=True).fill(str(family))
    page.get_by_role("button", name=t("ptn_assign_button"), exact=True).click()
    wait_for_app(page)
    assert t("ptn_assigned").format(n=1) in page.locator('[data-testid="stMain"]').inner_text()
    page.reload()
    wait_for_app(page)
    assert f"· {family} · {t('ptn_programme_lpd')}" in _box_text(page, t("ptn_assignment"))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.console_errors, page.console_errors
    screenshot(page, "programmes-partners")
