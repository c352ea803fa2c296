"""The credit memo: a PDF is produced, opens, and carries the facility's name, score and decision."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from jkn_core import sif
from jkn_core.i18n import t
from jkn_core.schema import AuditLog
from jkn_core.scope import Scope
from jkn_core.sif import memo

BANK = Scope(role="bank_officer", username="bank", region_code="KW05", bank="Bank bjb")


def pdf_text(data: bytes) -> str:
    """Text of an uncompressed fpdf2 PDF: the string operands of its Tj operators, unescaped."""
    parts = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", data)
    return "\n".join(re.sub(rb"\\(.)", rb"\1", p).decode("latin-1") for p in parts)


def test_memo_is_a_pdf_with_name_score_and_decision(writable_sqlite_world) -> None:
    eng = writable_sqlite_world.engine
    code = sif.search_facilities(eng, BANK, "klinik").iloc[0]["facility_code"]
    result = sif.assess_application(eng, BANK, code, 50_000_000, 12, 11.0)
    data = memo.credit_memo(result, "id", "bank", "catatan uji", compress=False)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert re.search(rb"/Type /Page\b", data)
    text = pdf_text(data)
    assert result["facility_name"] in text
    assert f"Skor {result['score']}" in text.replace("\n", " ") or str(result["score"]) in text
    assert t(f"decision_{result['decision']}", "id").upper() in text
    assert "catatan uji" in text
    # the export through export_memo is audited
    memo.export_memo(eng, BANK, result, "en")
    with eng.connect() as conn:
        rows = conn.execute(select(AuditLog.detail).where(AuditLog.action == "export")).scalars().all()
    assert any(json.loads(r).get("what") == "sif_credit_memo" and json.loads(r)["facility_code"] == code for r in rows)


#: Words that only the other language would print (policy details, labels, months).
INDONESIAN = re.compile(r"\b(bulan|angsuran|pendapatan|kapitasi|peserta per dokter|Setujui|Tolak|Rujuk|minimal|"
                        r"maksimal|Dibuat|Des|Agu|Mei|Okt|miliar|juta)\b")
ENGLISH = re.compile(r"\b(months|instalment|capitation income|participants per doctor|Approve|Decline|Refer|"
                     r"maximum|Generated|Dec|Aug|May|Oct|billion|million)\b")  # "minimum" is Indonesian too


def test_memo_is_all_in_the_chosen_language(writable_sqlite_world) -> None:
    """Issue 17 item 5: with the UI in English the memo came out in Indonesian (the checks' details)."""
    eng = writable_sqlite_world.engine
    code = sif.search_facilities(eng, BANK, "klinik").iloc[0]["facility_code"]
    result = sif.assess_application(eng, BANK, code, 150_000_000, 36, 11.0)
    english = pdf_text(memo.credit_memo(result, "en", "bank", compress=False))
    indonesian = pdf_text(memo.credit_memo(result, "id", "bank", compress=False))
    assert not INDONESIAN.findall(english), INDONESIAN.findall(english)
    assert not ENGLISH.findall(indonesian), ENGLISH.findall(indonesian)
    for check in result["assessment"].checks:  # every detail in the memo's words, not the log's English
        assert memo.check_detail(check, result, "en") in english.replace("\n", " ")
        assert memo.check_detail(check, result, "id") in indonesian.replace("\n", " ")
    assert "WIB" in english and "WIB" in indonesian
    share = next(c for c in result["assessment"].checks if c.rule == "instalment_share")
    assert "% dari pendapatan kapitasi Rp " in memo.check_detail(share, result, "id")
    assert memo.file_name(result, "en").startswith("sif-credit-memo_") and memo.file_name(result, "en").endswith(".pdf")
    assert memo.file_name(result, "id") != memo.file_name(result, "en")
