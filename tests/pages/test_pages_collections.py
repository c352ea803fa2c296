"""Work queue and model pages in the real app (AppTest): who sees what, and recording an outcome."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import text

from jkn_core.i18n import t
from tests.apptest import sign_in
from tests.conftest import ROOT


@pytest.fixture
def writable_app(monkeypatch, writable_sqlite_world):
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    return writable_sqlite_world


_signed_in = sign_in


def test_cabang_sees_the_queue_and_records_an_outcome(writable_app):
    at = _signed_in("cabang", "cabang-demo")
    at.switch_page("pages/work_queue.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Antrean Penagihan"
    main = at.dataframe[0].value  # the key columns, headers in the user's language
    assert len(main) > 10 and main[t("hdr_rank")].tolist()[:3] == [1, 2, 3]
    assert main[t("hdr_reason")].str.len().gt(5).all()
    table = at.dataframe[1].value  # the details (NIK, regency, all reasons, …)
    assert table[t("hdr_reasons")].str.len().gt(5).all()
    with writable_app.engine.connect() as conn:  # the branch scored live: nothing stored, no national run
        assert conn.execute(text("SELECT COUNT(*) FROM model_scores WHERE model = 'delinquency'")).scalar() == 0
        ids = ",".join(str(int(f)) for f in table[t("hdr_family_id")])
        branches = {r[0] for r in conn.execute(text(f"SELECT DISTINCT branch_code FROM families WHERE id IN ({ids})"))}
    assert branches == {"0301"}
    fam = int(table[t("hdr_family_id")].iloc[1])
    at.selectbox(key="wq_family").set_value(fam)
    at.selectbox(key="wq_outcome").set_value("promised")
    at.text_input(key="wq_note").input("janji bayar Jumat")
    at.button(key="wq_save").click().run()
    assert not at.exception
    assert at.success[0].value == "Hasil tersimpan."
    hist = at.dataframe[2].value
    assert hist.iloc[0][t("hdr_recorded_by")] == "cabang" and hist.iloc[0][t("hdr_outcome")] == "Janji bayar"
    assert hist.iloc[0][t("hdr_note")] == "janji bayar Jumat"
    with writable_app.engine.connect() as conn:
        row = conn.execute(text("SELECT outcome, recorded_by FROM collection_actions WHERE family_id = :f "
                                "ORDER BY id DESC LIMIT 1"), {"f": fam}).one()
    assert tuple(row) == ("promised", "cabang")
    rates = at.dataframe[4].value
    assert len(rates) >= 2
    labels = [b.label for b in at.get("download_button")]
    assert "Unduh CSV" in labels and "Unduh Excel" in labels


def test_direksi_opens_the_model_page_but_not_the_queue(writable_app):
    at = _signed_in("direksi", "direksi-demo")
    at.switch_page("pages/model_delinquency.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Model Risiko Tunggakan"
    values = {m.label: m.value for m in at.metric}
    assert float(values["ROC AUC (uji)"].replace(",", ".")) > 0.95
    assert float(values["ROC AUC oracle"].replace(",", ".")) > 0.95
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    xs = spec["data"][1]["x"]
    n_bins = len(base64.b64decode(xs["bdata"])) // 8 if isinstance(xs, dict) else len(xs)
    assert n_bins == 10  # ten calibration bins
    assert max(len(d.value) for d in at.dataframe) > 50
    at.switch_page("pages/work_queue.py").run()
    assert not at.exception
    assert any("tidak berhak" in e.value for e in at.error)
    assert len(at.dataframe) == 0
