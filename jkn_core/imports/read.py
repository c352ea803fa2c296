"""Bytes to a raw table of text cells: the file type sniffed from its first bytes, CSV or Excel (.xlsx) read.

:func:`read_input` takes a path, bytes or an uploaded file; :func:`read_table` returns a :class:`RawTable`
(header, stripped text cells, the row numbers a spreadsheet shows) or the file-level problems that stop
reading (empty file, image, old .xls, UTF-16, invalid CSV). CSV: comma, semicolon (decimal comma) or tab
separators, UTF-8 with or without BOM. Nothing here knows the table specs' column rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jkn_core.imports.report import Problem


@dataclass
class RawTable:
    """A file as text cells: the header, the data rows (blank rows dropped) and their row numbers."""

    header: list[str]
    header_row: int
    rows: list[list[str]]  # data rows (blank rows dropped), cells stripped
    rownums: list[int]  # row number of each data row as the user sees it
    decimal_comma: bool = False
    mojibake: bool = False  # decoded with replacement characters (file not UTF-8)


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"SQLite format 3\x00", "a SQLite database"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"BM", None),  # too short to trust alone; NUL test below decides
)


def read_input(path_or_bytes: Any, filename: str | None) -> tuple[bytes, str]:
    """The bytes and file name of a path, bytes or file-like object (e.g. a Streamlit ``UploadedFile``)."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(path_or_bytes), filename or "upload"
    if isinstance(path_or_bytes, (str, os.PathLike)):
        path = Path(path_or_bytes)
        return path.read_bytes(), filename or path.name
    if hasattr(path_or_bytes, "getvalue"):  # BytesIO, Streamlit UploadedFile
        return bytes(path_or_bytes.getvalue()), filename or getattr(path_or_bytes, "name", "upload")
    if hasattr(path_or_bytes, "read"):
        return bytes(path_or_bytes.read()), filename or getattr(path_or_bytes, "name", "upload")
    raise TypeError(f"cannot read a file from {type(path_or_bytes).__name__}")


def read_table(data: bytes, filename: str, table: str) -> tuple[RawTable | None, list[Problem]]:
    """Bytes -> header and text cells, or the file-level problems that stop reading."""
    suffix = Path(filename).suffix.lower()
    if not data.strip() or data.strip() in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        return None, [Problem(None, None, "the file is empty")]
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return None, [
            Problem(
                None, None, "this is an old Excel 97-2003 (.xls) workbook; save it as .xlsx or as CSV UTF-8"
            )
        ]
    if data.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(data, filename, table)
    for magic, what in _MAGIC:
        if what and data.startswith(magic):
            return None, [Problem(None, None, f"{filename} is not a CSV or Excel (.xlsx) file: it is {what}")]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:2000].count(b"\x00") > 10 and _looks_utf16(data):
        return None, [
            Problem(
                None, None, "the file is UTF-16 text (Excel 'Unicode Text'); save it as 'CSV UTF-8' instead"
            )
        ]
    if b"\x00" in data[:65536]:
        return None, [
            Problem(None, None, f"{filename} is not a CSV or Excel (.xlsx) file: it is binary data")
        ]
    return _read_csv(data)


def _looks_utf16(data: bytes) -> bool:
    head = data[:2000]
    return head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4


def _read_csv(data: bytes) -> tuple[RawTable | None, list[Problem]]:
    problems: list[Problem] = []
    mojibake = False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1]
        row = data[: exc.start].count(b"\n") + 1
        guess = bad.decode("cp1252", errors="replace")
        problems.append(
            Problem(
                row,
                None,
                f"the file is not UTF-8 encoded: byte 0x{bad.hex()} (probably '{guess}' in Windows-1252/Latin-1) "
                "cannot be read; save the file as 'CSV UTF-8' and import it again",
            )
        )
        text = data.decode("utf-8-sig", errors="replace")
        mojibake = True
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    sep = max((";", ",", "\t"), key=lambda s: (first.count(s), s == ","))
    if first.count(sep) == 0:
        sep = ","
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    try:
        for rec in reader:
            records.append([c.strip() for c in rec])
    except csv.Error as exc:
        problems.append(Problem(len(records) + 1, None, f"the file is not valid CSV here: {exc}"))
        return None, problems
    raw, more = _to_raw(records, decimal_comma=(sep == ";"))
    if raw is not None:
        raw.mojibake = mojibake
    return raw, problems + more


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).strip()


def _read_xlsx(data: bytes, filename: str, table: str) -> tuple[RawTable | None, list[Problem]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if "xl/workbook.xml" not in zf.namelist():
                return None, [
                    Problem(None, None, f"{filename} is a ZIP archive but not an Excel (.xlsx) workbook")
                ]
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means "not a readable workbook"
        return None, [Problem(None, None, f"{filename} is not a readable Excel (.xlsx) workbook ({exc})")]
    try:
        ws = wb[table] if table in wb.sheetnames else wb.worksheets[0]
        records = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    return _to_raw(records, decimal_comma=False)


def _to_raw(records: list[list[str]], decimal_comma: bool) -> tuple[RawTable | None, list[Problem]]:
    nonblank = [i for i, rec in enumerate(records) if any(rec)]
    if not nonblank:
        return None, [Problem(None, None, "the file is empty")]
    h = nonblank[0]
    header = list(records[h])
    while header and not header[-1]:
        header.pop()
    rows, rownums = [], []
    for i in nonblank[1:]:
        rows.append(records[i])
        rownums.append(i + 1)
    if not rows:
        return None, [Problem(None, None, "the file has a header row but no data rows")]
    return RawTable(
        header=header, header_row=h + 1, rows=rows, rownums=rownums, decimal_comma=decimal_comma
    ), []
