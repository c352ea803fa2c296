"""Import problems and the import schema in the user's language (issue 17 item 5): each problem carries a code
and parameters (row, column, value), the Import page says it in Indonesian or English, and the CLI, the logs
and the CSV of problems keep their English lines."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

from jkn_core.i18n import STRINGS
from jkn_core.imports import docs
from jkn_core.imports.read import read_table
from jkn_core.imports.report import Problem, problems_frame, reason_text, why
from jkn_core.imports.spec import SPECS, TABLES
from jkn_core.imports.validate import validate_table

TODAY = dt.date(2025, 6, 15)


def _problems(table: str, *lines: str) -> list[Problem]:
    raw, problems = read_table(("\n".join(lines) + "\n").encode(), f"{table}.csv", table)
    assert raw is not None and not problems, problems
    return validate_table(SPECS[table], raw, TODAY).problems


def test_each_problem_has_a_code_and_says_it_in_both_languages() -> None:
    found = _problems(
        "contributions",
        "family_id,period,billed,paid,paid_date,paid_period,colour",
        "abc,202413,35000,35000,2024-02-30,,",
        "7,202401,-5,35000,,,",
    )
    by_column = {(p.row, p.column): p for p in found}
    assert {p.code for p in found} >= {"unknown_column", "not_whole", "not_month", "not_calendar_date",
                                       "negative_amount"}
    assert all(p.code for p in found), [str(p) for p in found if not p.code]

    bad_id = by_column[(2, "family_id")]
    assert str(bad_id) == ("row 2, column family_id: 'abc' is not a whole number (use digits only, no decimals "
                           "or thousands separators)")  # the English line the CLI prints, unchanged
    assert bad_id.text("id") == ("baris 2, kolom family_id: 'abc' bukan bilangan bulat (hanya angka, tanpa desimal "
                                 "atau pemisah ribuan)")
    assert bad_id.params == {"value": "'abc'", "row": 2, "column": "family_id"}
    assert by_column[(2, "period")].text("id").endswith("'202413' bukan bulan yang sah; tulis YYYYMM, mis. 202412")
    assert by_column[(3, "billed")].text("id") == "baris 3, kolom billed: jumlah negatif -5; jumlah harus >= 0"
    assert by_column[(3, "paid_date")].text("en") == "row 3, column paid_date: paid is 35000 but paid_date is empty"
    assert by_column[(3, "paid_date")].text("id") == "baris 3, kolom paid_date: paid bernilai 35000 tetapi paid_date kosong"

    frame_id, frame_en = problems_frame(found, "id"), problems_frame(found)
    assert list(frame_id.columns) == ["row", "column", "reason"]
    assert (frame_en["reason"] == [str(p.reason) for p in found]).all()  # the CSV download stays English
    assert "bukan bilangan bulat" in " ".join(frame_id["reason"])


def test_a_problem_survives_pickling_with_its_code() -> None:
    p = Problem(4, "kelas", why("not_allowed", value="'4'", choices="1, 2, 3"))
    again = pickle.loads(pickle.dumps(p))  # st.cache_data and session copies pickle
    assert again == p and again.code == "not_allowed" and again.text("id") == p.text("id")
    assert again.text("id") == "baris 4, kolom kelas: '4' tidak diperbolehkan; pakai salah satu: 1, 2, 3"


def test_plain_file_level_reasons_translate_too() -> None:
    assert reason_text("the file is empty", "id") == "file kosong"
    assert Problem(None, None, "the file has a header row but no data rows").text("id") == (
        "file: file punya baris judul tetapi tidak ada baris data")
    assert reason_text("something not coded yet", "id") == "something not coded yet"  # shown as it is


def test_every_reason_template_has_both_languages_and_the_same_fields() -> None:
    import string

    keys = [k for k in STRINGS if k.startswith("imp_why_")]
    assert len(keys) > 40
    for key in keys:
        ind, eng = STRINGS[key]
        fields = [{f for _, f, _, _ in string.Formatter().parse(s) if f} for s in (ind, eng)]
        assert fields[0] == fields[1], key
        assert ind != eng or not any(c.isalpha() for c in ind), key


@pytest.mark.parametrize("table", TABLES)
def test_schema_help_in_both_languages(table: str) -> None:
    spec = SPECS[table]
    en, ind = docs.schema_rows(table, "en"), docs.schema_rows(table, "id")
    assert [r["column"] for r in en] == [r["column"] for r in ind] == [f.name for f in spec.fields]
    for row, f in zip(en, spec.fields, strict=True):  # English: exactly the documented schema
        assert (row["type"], row["required"], row["meaning"]) == (f.type_label(), f.required_label(), f.description)
    assert all(r["required"] in ("ya",) or r["required"].startswith("tidak") for r in ind)
    assert not any("whole number" in r["type"] or "text (max" in r["type"] for r in ind)
    assert not any("must exist in" in r["allowed"] or "one of " in r["allowed"] for r in ind)


def test_field_descriptions_of_the_core_tables_are_indonesian() -> None:
    for table in ("participants", "families", "contributions", "facilities", "facility_months", "population",
                  "targets", "sif_loans", "regions", "branches", "regencies", "reference_figures"):
        untranslated = [f.name for f in SPECS[table].fields  # some read the same in both ("Kedeputian Wilayah")
                        if docs.field_description(table, f, "id") == f.description
                        and f"imp_field_{f.name}" not in STRINGS and f"imp_field_{table}__{f.name}" not in STRINGS]
        assert not untranslated, (table, untranslated)
        assert docs.table_description(table, "id") != SPECS[table].description
    fktp_name = SPECS["participants"].get("fktp_name")
    assert docs.field_description("participants", fktp_name, "id") == (
        "nama fasilitas dari `fktp_code` (opsional; diperiksa: nama yang berbeda menjadi peringatan)")
