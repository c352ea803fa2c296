"""Tables for people (jkn_core.display): headers, code labels, values in the chosen language, exports."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pandas as pd
import pytest

from jkn_core import display
from jkn_core.i18n import STRINGS, common, tables

RAW = pd.DataFrame({
    "branch_name": ["Palembang", None],
    "arrears_rp": [356_469_270_000, math.nan],
    "segment": ["PBI_APBD", "PBPU"],
    "period": [202412, 202401],
    "coverage_pct": [95.91, None],
    "last_outcome": ["promised", None],
    "over_norm": [True, False],
    "family_id": [1_800_000, 42],
    "contract_end": ["2027-07-28", None],
    "created_at": [pd.Timestamp("2026-11-30 09:53"), pd.NaT],
    "pd": [0.002227, 0.5],
})


def test_headers_are_translated_and_never_snake_case() -> None:
    for lang, expected in (("id", ["Kantor cabang", "Tunggakan (Rp)", "Segmen", "Bulan", "Cakupan (%)",
                                   "Hasil terakhir", "Di atas norma 1:5.000", "No. keluarga", "Kontrak berakhir",
                                   "Dibuat", "PD (%)"]),
                           ("en", ["Branch office", "Arrears (Rp)", "Segment", "Month", "Coverage (%)",
                                   "Last outcome", "Above the 1:5,000 norm", "Family no.", "Contract ends",
                                   "Created", "PD (%)"])):
        shown = display.table(RAW, lang).strings()
        assert list(shown.columns) == expected
        assert not any(display.is_snake_case(c) for c in shown.columns)
    assert display.header("no_such_column_yet") == "No such column yet"  # words, never snake_case


def test_cells_read_in_the_chosen_language_whatever_the_browser() -> None:
    id_ = display.table(RAW, "id").strings()
    en = display.table(RAW, "en").strings()
    assert id_.iloc[0].tolist() == ["Palembang", "Rp 356,5 miliar", "PBPU Pemda", "Des 2024", "95,91 %",
                                    "Janji bayar", "Ya", "1800000", "28 Jul 2027", "30 Nov 2026 16:53 WIB",
                                    "0,22 %"]
    assert en.iloc[0].tolist() == ["Palembang", "Rp 356.5 billion", "PBPU Pemda (local government)", "Dec 2024",
                                   "95.91 %", "Promised to pay", "Yes", "1800000", "28 Jul 2027",
                                   "30 Nov 2026 16:53 WIB", "0.22 %"]
    # gaps read "—", never None / nan / NaT
    assert id_.iloc[1].tolist()[:2] == ["—", "—"] and id_.iloc[1]["Hasil terakhir"] == "—"
    assert id_.iloc[1]["Cakupan (%)"] == "—" and id_.iloc[1]["Dibuat"] == "—"
    assert not {"None", "nan", "NaT"} & set(id_.astype(str).to_numpy().ravel())


def test_values_stay_values_so_the_grid_sorts_on_numbers() -> None:
    tb = display.table(RAW, "id")
    assert pd.api.types.is_numeric_dtype(tb.data["Tunggakan (Rp)"])
    assert pd.api.types.is_numeric_dtype(tb.data["Bulan"])  # 202401 < 202412, "Des 2024" on screen
    assert tb.formats["Tunggakan (Rp)"](1_800_000) == "Rp 1,8 juta"
    assert "Tunggakan (Rp)" in tb.numeric and "Segmen" not in tb.numeric


def test_export_keeps_numbers_and_writes_months_and_times_as_text() -> None:
    out = display.table(RAW, "en").export()
    assert out["Arrears (Rp)"].iloc[0] == 356_469_270_000
    assert out["Month"].tolist() == ["Dec 2024", "Jan 2024"]
    assert out["PD (%)"].iloc[0] == pytest.approx(0.2227)
    assert out["Created"].iloc[0] == "30 Nov 2026 16:53 WIB"


def test_page_options_order_rename_and_relabel() -> None:
    df = pd.DataFrame({"action": ["redistribute", "new_contracts"], "regency_name": ["A", "B"], "x_y": [1, 2]})
    tb = display.table(df, "id", columns=["regency_name", "action"], codes={"action": "cap_action_"},
                       headers={"action": "Tindakan"})
    assert list(tb.data.columns) == ["Kabupaten/kota", "Tindakan"]
    assert tb.data["Tindakan"].tolist() == ["Redistribusi peserta", "Kontrak baru"]
    # a code without a label reads as words, not as the raw code
    assert display.label("audit_", "something_new", "en") == "Something new"
    assert display.label("seg_", None) == "—"


def test_big_tables_and_headers_that_repeat_stay_distinct() -> None:
    df = pd.DataFrame({"people": [1], "participants": [2]})  # both "Peserta" in Indonesian
    assert len(set(display.table(df, "id").data.columns)) == 2


def test_work_queue_labels_prevention_and_keeps_key_columns() -> None:
    queue = pd.DataFrame({
        "rank": [1, 2], "family_id": [11, 12], "name": ["S*** N***", None], "arrears_months": [5, 0],
        "arrears_rp": [175_000, 0], "expected_recovery": [150_000, 12_000], "action": ["rehab", "auto_debit"],
        "reason_1": ["5 bulan menunggak", ""], "reason_2": ["", ""], "reason_3": ["", ""],
    })
    for lang, word in (("id", "Pencegahan"), ("en", "Prevention")):
        q = display.queue_frame(queue, lang)
        assert q["family"].tolist() == ["11 · S*** N***", "12"]
        assert not q.loc[0, "action"].startswith(word) and q.loc[1, "action"].startswith(word)
        assert q["prevention"].tolist() == [False, True]
        assert q.loc[1, "reason"] == "—"
        shown = display.table(q, lang, columns=display.QUEUE_MAIN, kinds={"arrears_rp": "rp_full"}).strings()
        assert len(shown.columns) == 7 and shown.iloc[1][display.header("arrears_rp", lang)] == "Rp 0"


def test_kpi_values_and_cards_table() -> None:
    assert display.kpi_value("rp", -1.5e9, "id", True) == "-Rp 1,5 miliar"
    assert display.kpi_value("pct", 0.32, "en", True) == "+0.32 pts"
    assert display.kpi_value("people", 85_799_884, "id") == "85,8 juta"
    assert display.kpi_value("pct", None) == "—"
    cards = pd.DataFrame([{"kpi": "coverage_pct", "unit": "pct", "value": 98.93, "target": 98.0, "last_month": 98.61,
                           "last_year": 96.95, "change_month": 0.32, "change_year": 1.98, "status": "green"}])
    row = display.kpi_table(cards, "en").iloc[0].tolist()
    assert row == ["Population coverage", "On target", "98.93 %", "98.00 %", "98.61 %", "96.95 %", "+0.32 pts",
                   "+1.98 pts"]


def test_scope_in_words() -> None:
    assert display.scope_text("kantor_cabang:branch=0301", "id") == "Kantor Cabang · Kantor Cabang 0301"
    assert display.scope_text("direksi:national", "en").endswith("National")
    assert display.scope_text("unauthenticated") == "unauthenticated"


def test_first_start_progress_in_indonesian() -> None:
    assert display.progress_text("8,797 participant rows in 3,149 families") == "8.797 baris peserta dalam 3.149 keluarga"
    assert display.progress_text("wrote facilities") == "tabel facilities ditulis"
    assert display.progress_text("geography", "en") == "geography"


def test_table_strings_do_not_silently_replace_common_ones() -> None:
    """tables.STRINGS is merged into common.STRINGS: a key written in both would be overridden unseen."""
    tree = ast.parse(Path(common.__file__).read_text(encoding="utf-8"))
    written = {k.value for node in ast.walk(tree) if isinstance(node, ast.Dict) for k in node.keys
               if isinstance(k, ast.Constant)}
    assert len(written) > 50 and not written & set(tables.STRINGS), written & set(tables.STRINGS)
    assert all(STRINGS[k] == v for k, v in tables.STRINGS.items())
