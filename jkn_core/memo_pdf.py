"""The PDF pages of the credit memos (SIF, SCF) and the CSR sponsor report: an A4 page of text lines and label/value pairs, Latin-1 safe.

fpdf2's core fonts are Latin-1: dashes, arrows and comparison signs are spelled out, anything else outside
Latin-1 becomes "?" (never an exception in front of a bank officer).
"""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

_SPELLED = {"\u2013": "-", "\u2014": "-", "\u2192": "->", "\u2264": "<=", "\u2265": ">=", "\u2026": "..."}


def latin1(text: Any) -> str:
    """``text`` as a string fpdf2's core fonts can draw."""
    s = str(text)
    for char, spelled in _SPELLED.items():
        s = s.replace(char, spelled)
    return s.encode("latin-1", "replace").decode("latin-1")


class MemoPage:
    """One memo: ``line`` for a paragraph, ``pair`` for a label and its value (labels ``label_width`` mm wide)."""

    def __init__(self, compress: bool = True, label_width: float = 70) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_compression(compress)
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.add_page()
        self.width = self.pdf.w - self.pdf.l_margin - self.pdf.r_margin
        self.label_width = label_width

    def line(self, text: Any, size: int = 10, bold: bool = False, h: float = 6) -> None:
        self.pdf.set_font("Helvetica", "B" if bold else "", size)
        self.pdf.set_x(self.pdf.l_margin)
        self.pdf.multi_cell(self.width, h, latin1(text))

    def pair(self, label: str, value: Any) -> None:
        self.pdf.set_font("Helvetica", "", 10)
        self.pdf.set_x(self.pdf.l_margin)
        self.pdf.cell(self.label_width, 6, latin1(label))
        self.pdf.set_font("Helvetica", "B", 10)
        self.pdf.cell(self.width - self.label_width, 6, latin1(value), new_x="LMARGIN", new_y="NEXT")

    def output(self) -> bytes:
        return bytes(self.pdf.output())
