"""Every import message in the user's language (issue 17): the readers' file-level reasons, the name and
organisation checks, the programme rules (given as English text by their module), the report line, the schema
help of the newer tables and every table's rules — Indonesian by default, English one click away, and the
English unchanged (the logs, the audit and the CSV of problems keep it)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from jkn_core.imports import docs, read
from jkn_core.imports.read import LimitExceeded, read_table
from jkn_core.imports.report import ImportReport, Problem, as_reason, problems_frame, reason_text
from jkn_core.imports.spec import SPECS, TABLES
from jkn_core.programmes import import_rules


def _only(data: bytes, name: str = "peserta.csv") -> Problem:
    raw, problems = read_table(data, name, "participants")
    assert raw is None and len(problems) == 1, problems
    return problems[0]


def test_files_refused_whole_say_why_in_both_languages() -> None:
    png = _only(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "foto.csv")
    assert str(png) == "file: foto.csv is not a CSV or Excel (.xlsx) file: it is a PNG image"  # English unchanged
    assert png.text("id") == "file: foto.csv bukan file CSV atau Excel (.xlsx): ini gambar PNG"
    assert png.code == "not_table_file"

    nul = _only(b"id,name\n" + b"1,a\n" * 20000 + b"2,\x00b\n")
    assert nul.text("en").endswith("on line 20,002 (byte 80,011); nothing was imported: remove it or export the "
                                   "file again as CSV UTF-8")
    assert "di baris 20.002 (byte 80.011)" in nul.text("id")  # Indonesian thousands separator

    latin = read_table("id,name\n1,Jos\xe9\n".encode("cp1252"), "p.csv", "participants")[1][0]
    assert (latin.row, latin.column) == (2, None)
    assert latin.text("id").startswith("baris 2: file tidak berpengodean UTF-8: byte 0xe9 (mungkin 'é'")

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    zipped = _only(buf.getvalue(), "arsip.xlsx")
    assert zipped.text("en") == "file: arsip.xlsx is a ZIP archive but not an Excel (.xlsx) workbook"
    assert zipped.text("id") == "file: arsip.xlsx adalah arsip ZIP tetapi bukan buku kerja Excel (.xlsx)"

    empty = _only(b"id,name\n")
    assert empty.text("id") == "file: file punya baris judul tetapi tidak ada baris data"


def test_a_limit_keeps_its_reason_wherever_it_is_caught() -> None:
    wide = ",".join(["x"] * (read.MAX_COLUMNS + 5))
    p = _only(f"a,b\n{wide}\n".encode())
    assert p.text("en") == "file: row 2 has a value in column 105; an import file has at most 100 columns"
    assert p.text("id") == "file: baris 2 berisi nilai di kolom 105; file impor paling banyak 100 kolom"
    exc = LimitExceeded(read._too_many_rows().reason)
    # the importer turns a caught limit into a problem with str(exc): it still reads in Indonesian
    assert Problem(None, None, str(exc)).text("id") == "file: file punya lebih dari 5.000.000 baris data; pecah menjadi beberapa file"
    assert str(exc) == "the file has more than 5,000,000 data rows; split it into several files"


def _programme_rows() -> tuple[list[tuple[str, dict]], tuple]:
    """Each programme row rule with a row breaking it (the values its message quotes)."""
    d = dt.date(2024, 11, 30)
    row = {"arrears_months": 30, "stages": 15, "enrolled_on": d, "first_period": 202410, "stage_amount_rp": 7,
           "debt_rp": 100, "status": "cancelled", "ended_period": 202409, "stage_no": 13, "paid_on": d,
           "period": 202410, "fee_rule": "per_success", "period_to": 202401, "period_from": 202402,
           "status_period": 202401}
    rules = (*import_rules.REHAB_PLAN_RULES, *import_rules.REHAB_PAYMENT_RULES, *import_rules.PARTNER_RULES,
             *import_rules.ASSIGNMENT_RULES)
    return [(rule.name, row) for rule in rules], rules


def test_programme_rules_given_as_english_text_read_in_indonesian() -> None:
    named, rules = _programme_rows()
    for rule, (_name, row) in zip(rules, named, strict=True):
        english = rule.reason(row)
        assert as_reason(str(english)) is not None, f"no reason template matches {english!r} (rule {rule.name})"
        assert reason_text(english, "en") == english
        assert reason_text(english, "id") != english, rule.name
    stages = next(r for r in rules if r.name == "rehab_1_to_12_stages").reason({"stages": 15})
    assert Problem(3, "stages", stages).text("id") == "baris 3, kolom stages: Aturan Rehab: 15 tahap; rencana punya 1-12 tahap"
    assert Problem(3, "stages", stages).code == "rehab_stages"


def test_plain_reasons_of_the_importer_translate() -> None:
    assert reason_text("cannot read the file: [Errno 2] No such file or directory: 'x.csv'", "id") == (
        "file tidak dapat dibaca: [Errno 2] No such file or directory: 'x.csv'")
    assert reason_text("the database refused the import (incident a1b2c3); nothing was written", "id") == (
        "basis data menolak impor ini (insiden a1b2c3); tidak ada yang ditulis")
    assert reason_text("something nobody coded", "id") == "something nobody coded"


def test_the_report_line_in_both_languages() -> None:
    rejected = ImportReport("contributions", problems=[Problem(2, "paid", "x")], filename="iuran.csv")
    assert rejected.summary() == "contributions: iuran.csv rejected with 1 problem(s); nothing was written"
    assert rejected.summary("id") == "contributions: iuran.csv ditolak dengan 1 masalah; tidak ada yang ditulis"
    done = ImportReport("regencies", rows_in_file=2, updated=2, ok=True, dry_run=True, filename="peta.csv",
                        changes={"branch_code": 2}, moved={"families": 1200, "participants": 4100})
    assert done.summary() == ("regencies: 2 row(s) in peta.csv: 0 inserted, 2 updated, 0 unchanged; 2 values changed "
                              "(branch_code 2); moved to their regency's new branch: 1,200 families, 4,100 "
                              "participants (dry run: nothing written)")
    assert done.summary("id") == ("regencies: 2 baris dalam peta.csv: 0 baru, 2 diperbarui, 0 tidak berubah; 2 nilai "
                                  "berubah (branch_code 2); dipindah ke cabang baru kabupaten/kotanya: 1.200 keluarga, "
                                  "4.100 peserta (uji coba: tidak ada yang ditulis)")


@pytest.mark.parametrize("table", TABLES)
def test_schema_help_and_rules_of_every_table_in_indonesian(table: str) -> None:
    spec = SPECS[table]
    assert docs.table_description(table, "id") != spec.description
    assert docs.rules(table, "en") == list(spec.rules)
    untranslated = [r for r in docs.rules(table, "id") if r in spec.rules]
    assert not untranslated, untranslated  # a rule changed in the spec needs its imp_rule_ text changed too
    same = {"sex", "contact_rate_pm", "territory", "programme", "region_code"}  # read the same in both languages
    english_only = [f.name for f in spec.fields
                    if docs.field_description(table, f, "id") == f.description and f.name not in same]
    assert not english_only, english_only


def test_problems_frame_in_indonesian_has_no_english_reason() -> None:
    named, rules = _programme_rows()
    problems = [Problem(2, rule.column, rule.reason(row)) for rule, (_n, row) in zip(rules, named, strict=True)]
    problems.append(_only(b"\x7fELF" + b"\x00" * 40, "run.csv"))
    frame = problems_frame(problems, "id")
    english = [r for r in frame["reason"] if any(w in r for w in (" is ", " needs ", " cannot ", " the "))]
    assert not english, english
