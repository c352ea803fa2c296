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
