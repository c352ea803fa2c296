"""The director brief speaks the chosen language: headings, table headers, code labels, numbers, WIB time."""

from __future__ import annotations

import re

import pandas as pd

from jkn_core.kpi.brief import make_brief

CARDS = pd.DataFrame([
    {"kpi": "arrears_rp", "unit": "rp", "value": 158.4e9, "target": None, "last_month": 159.9e9, "last_year": 150e9,
     "change_month": -1.5e9, "change_year": 8.4e9, "status": "green"},
    {"kpi": "coverage_pct", "unit": "pct", "value": 98.93, "target": 98.0, "last_month": 98.61, "last_year": 96.95,
     "change_month": 0.32, "change_year": 1.98, "status": "green"},
])
LEAGUE = pd.DataFrame({"branch_name": ["Palembang"], "status": ["red"], "arrears_rp": [356_469_270_000],
                       "collectability_pct": [59.58], "segment": ["PBI_APBD"], "rehab_people": [16_660]})


def _text(html: bytes) -> str:
    return re.sub(r"<[^>]+>", " ", html.decode("utf-8"))


def test_english_brief_has_no_indonesian_and_no_codes() -> None:
    text = _text(make_brief(CARDS, "Regional office KW03", 202412, [("League", LEAGUE)], "en", True, "Arrears"))
    for word in ("Tunggakan", "Des 2024", "miliar", "Sesuai target", "Kantor cabang", "poin", "Dibuat", "PBPU Pemda)"):
        assert word not in text, word
    for word in ("Arrears (Rp)", "Dec 2024", "Rp 356.5 billion", "-Rp 1.5 billion", "Branch office", "Off target",
                 "59.58 %", "16,660", "WIB"):
        assert word in text, word
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)


def test_indonesian_brief_reads_the_indonesian_way() -> None:
    text = _text(make_brief(CARDS, "Kedeputian Wilayah KW03", 202412, [("Peringkat", LEAGUE)], "id", True, "Tunggakan"))
    for word in ("Tunggakan (Rp)", "Des 2024", "Rp 356,5 miliar", "-Rp 1,5 miliar", "Kantor cabang",
                 "Di bawah target", "59,58 %", "16.660", "PBPU Pemda", "WIB"):
        assert word in text, word
    assert "UTC" not in text and "billion" not in text
