"""The Spark batch's results, loaded into PostgreSQL with ``python -m jkn_batch load``, are what the dashboard
shows: the directors' arrears page (nation and a region) and Kantor Cabang Palembang's work queue, in a real
headless Chromium on a Streamlit server of their own.

Reuses the session's single batch run on the small world (``batch_world``, tests/batch/fixtures.py): the
test is in the xdist group ``spark`` (tests/e2e/conftest.py:E2E_GROUPS), so no second Spark run is made.
The expected figures are read from the batch's Parquet output, not from the database the page reads.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from jkn_batch.cli import main as batch_main
from jkn_core import collection as col
from jkn_core import fmt
from jkn_core.i18n import t
from jkn_core.kpi import freshness
from jkn_core.schema import Branch
from jkn_core.scope import Scope
from tests.batch.fixtures import copy_base_tables
from tests.e2e.browser import screenshot, serving, sign_in, wait_for_app

pytestmark = [pytest.mark.xdist_group("spark"), pytest.mark.postgres]

BRANCH = "0301"  # the demo user "cabang" (Kantor Cabang Palembang)
REGION = "KW03"
ARREARS_PAGE = "Tunggakan & Kolektabilitas"
ARREARS_METRIC = "Tunggakan (Rp)"


@pytest.fixture
def batch_server(batch_world: Any, empty_engine: Any) -> Iterator[tuple[str, Any]]:
    """A PostgreSQL database with the small world's base tables and the batch's results loaded by the CLI,
    and a dashboard serving it."""
    pg = empty_engine("postgresql")
    copy_base_tables(batch_world.engine, pg)
    url = pg.url.render_as_string(hide_password=False)
    old = os.environ.get("JKN_DATABASE_URL")
    os.environ["JKN_DATABASE_URL"] = url
    try:
        assert batch_main(["load", str(batch_world.output_dir)]) == 0
    finally:
        if old is None:
            os.environ.pop("JKN_DATABASE_URL", None)
        else:
            os.environ["JKN_DATABASE_URL"] = old
    with pg.connect() as conn:
        assert freshness.usable(conn)  # the KPI pages read the loaded aggregates
    with serving(url, name="batch") as base:
        yield base, pg


def _metric_value(page: Any, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(re.escape(label) + "$"))).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _open(page: Any, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    wait_for_app(page)
    page.get_by_role("heading", name=title).first.wait_for()


def test_dashboard_shows_the_batch_figures(batch_world: Any, batch_server: tuple[str, Any], browser: Any) -> None:
    base, pg = batch_server
    out = batch_world.output_dir
    agg = pd.read_parquet(out / "agg_arrears")
    last = int(agg["period"].max())
    now = agg[agg["period"] == last]
    with pg.connect() as conn:
        region_of = dict(conn.execute(select(Branch.code, Branch.region_code)).all())
    in_region = now[now["branch_code"].map(region_of) == REGION]
    assert len(in_region) and 0 < in_region["rp"].sum() < now["rp"].sum()

    # the directors: the arrears total of the nation, then of a region, = the batch's agg_arrears
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="id-ID")
    page = context.new_page()
    page.goto(base + "/")
    sign_in(page, "direksi", "direksi-demo")
    _open(page, ARREARS_PAGE)
    assert _metric_value(page, ARREARS_METRIC) == fmt.rupiah(int(now["rp"].sum()))
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Kedeputian Wilayah").first.click()
    page.locator('[role="option"]').filter(has_text=REGION).first.click()
    wait_for_app(page)
    want = fmt.rupiah(int(in_region["rp"].sum()))
    for _ in range(60):  # the region's run may still be drawing on a loaded machine
        if _metric_value(page, ARREARS_METRIC) == want:
            break
        page.wait_for_timeout(1000)
    assert _metric_value(page, ARREARS_METRIC) == want
    assert f"region={REGION}" in page.url
    screenshot(page, "batch-directors-arrears")
    context.close()

    # a branch's work queue: ranked by the batch's scores (model_scores), its expected recovery on screen
    scores = pd.read_parquet(out / "model_scores")
    by_id = dict(zip(scores["entity_id"].astype(str), scores["score"], strict=True))
    scope = Scope(role="kantor_cabang", username="cabang", branch_code=BRANCH)
    key = col.queue_key(pg, scope, BRANCH)
    assert key.month == int(scores["period"].iloc[0])  # the batch's scoring month
    ranked = col.ranked_families(pg, scope, key)
    assert len(ranked) > 10
    assert ranked["risk"].tolist() == [by_id[str(int(f))] for f in ranked["family_id"]]
    limit = col.capacity(3, 20, 5)  # the page's default capacity
    totals = col.queue_totals(col.finish_queue(pg, scope, key, col.explain(ranked, limit)))
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="id-ID")
    page = context.new_page()
    page.goto(base + "/")
    sign_in(page, "cabang", "cabang-demo")
    _open(page, t("page_work_queue"))
    assert _metric_value(page, t("wq_in_queue")) == fmt.number(totals["families"])
    assert _metric_value(page, t("wq_expected")) == fmt.rupiah(totals["expected_recovery"])
    screenshot(page, "batch-work-queue")
    context.close()
