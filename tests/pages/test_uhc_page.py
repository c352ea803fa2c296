"""The coverage page's UHC status by region and the branch's dated reference point (issue 12 items 5, 8),
in Streamlit's AppTest on the small world: the figures on screen are jkn_core's, coloured by the UHC
threshold, and the Palembang 2017 article shows for Kantor Cabang Palembang only."""

from __future__ import annotations

from jkn_core import fmt, kpi
from jkn_core.i18n import t
from jkn_core.kpi import uhc
from jkn_core.scope import Scope
from tests.apptest import sign_in, texts


def _tables(at) -> list:  # type: ignore[no-untyped-def]
    return [d.value for d in at.dataframe]


def _frame(table):  # type: ignore[no-untyped-def]
    return table.data if hasattr(table, "data") else table


def test_uhc_status_by_province_and_regency(app_env, sqlite_world) -> None:  # type: ignore[no-untyped-def]
    at = sign_in("direksi")
    at.switch_page("pages/coverage.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("uhc_title") in texts(at.subheader)
    want = uhc.uhc_status(sqlite_world.engine, Scope.national("direksi"), "province")
    counts = uhc.uhc_summary(want)
    assert t("uhc_summary").format(at=counts["at_uhc"], n=counts["units"], unit=t("province").lower(),
                                   red=counts["red"], amber=counts["amber"]) in texts(at.caption)
    shown = [_frame(d) for d in _tables(at) if t("hdr_uhc_light") in list(_frame(d).columns)]
    assert len(shown) == 2  # provinces and regencies
    prov = shown[0]
    assert len(prov) == len(want)
    assert list(prov[t("hdr_uhc_light")]) == [t(f"uhc_status_{s}") for s in want["status"]]
    # no reference point outside a branch view
    assert not any(t("hdr_ref_reference") in list(_frame(d).columns) for d in _tables(at))


def test_palembang_reference_point_on_the_branch_view(app_env, sqlite_world) -> None:  # type: ignore[no-untyped-def]
    at = sign_in("cabang")  # Kantor Cabang Palembang (0301)
    at.switch_page("pages/coverage.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("ref_title").format(branch="Palembang") in texts(at.subheader)
    ref = [_frame(d) for d in _tables(at) if t("hdr_ref_reference") in list(_frame(d).columns)]
    assert len(ref) == 1
    table = ref[0].set_index(t("hdr_ref_metric"))
    assert table.loc[t("ref_metric_participants"), t("hdr_ref_reference")] == fmt.number(2_477_419)
    assert table.loc[t("ref_metric_arrears_rp"), t("hdr_ref_reference")] == fmt.rupiah(53e9)
    assert table.loc[t("ref_metric_participants"), t("hdr_ref_as_of")] == fmt.date("2017-06-30")
    period = kpi.latest_period(sqlite_world.engine)
    now = kpi.coverage(sqlite_world.engine, Scope(role="kantor_cabang", username="cabang", branch_code="0301"),
                       "nation", period).iloc[0]
    now_col = [c for c in table.columns if c.startswith(t("hdr_ref_now"))][0]
    assert table.loc[t("ref_metric_participants"), now_col] == fmt.number(now["participants"])
    assert "beritasebelas.com" in table.loc[t("ref_metric_participants"), t("hdr_ref_source")]
