"""Bytes to a raw table of text cells: the file type sniffed from its first bytes, CSV or Excel (.xlsx) read.

:func:`read_input` takes a path, bytes or an uploaded file; :func:`read_table` returns a :class:`RawTable`
(header, stripped text cells, the row numbers a spreadsheet shows) or the file-level problems that stop
reading (empty file, binary file, old .xls, UTF-16, invalid CSV, a file beyond the limits below). CSV:
comma, semicolon (decimal comma) or tab separators, UTF-8 with or without BOM. Nothing here knows the
table specs' column rules.

Hard limits (module constants, documented in ``docs/imports.md``): a file is refused whole, with one
problem, before it can eat the server's memory or time. An .xlsx is a ZIP of XML: its members' unpacked
sizes are read from the ZIP directory before anything is unpacked (zip bombs), its worksheets are
scanned as a stream for rows and cells, and the sheet is then read with openpyxl's streaming reader.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jkn_core.imports.report import Count, Problem, Reason, why

#: Largest file an import reads (CSV or .xlsx, as stored). The admin page's upload limit is lower.
MAX_FILE_BYTES = 1024 * 1024 * 1024
#: Most data rows in one file (a branch's contributions ledger can be a few million rows: use CSV).
MAX_ROWS = 5_000_000
#: Most columns holding values (the widest table has 14; spare room for notes columns is refused anyway).
MAX_COLUMNS = 100
#: Longest line of a CSV file, in characters (a real row is well under 4,000).
MAX_LINE_CHARS = 1024 * 1024
#: Largest total unpacked size of the members of an .xlsx workbook (about 1 million rows of a table).
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
#: Most cells (empty ones included) in one worksheet row: Excel's own limit (column XFD).
MAX_XLSX_ROW_CELLS = 16_384
#: Most cells (empty ones included) in the worksheets and entries in the shared strings of an .xlsx.
MAX_XLSX_CELLS = 20_000_000
#: Highest row number a worksheet may use: Excel's own limit.
MAX_XLSX_ROW_NUMBER = 1_048_576


class LimitExceeded(Exception):
    """A file beyond one of the hard limits; the message is the one problem the user sees (a :class:`Reason`,
    so ``str(exc)`` still says it in the user's language wherever it is caught)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


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
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x00\x00\x01\x00", "icon"),
    (b"%PDF", "pdf"),
    (b"\x7fELF", "elf"),
    (b"\xca\xfe\xba\xbe", "macho_java"),
    (b"\xcf\xfa\xed\xfe", "macho"),
    (b"\xfe\xed\xfa\xcf", "macho"),
    (b"\x00asm", "wasm"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"SQLite format 3\x00", "sqlite"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"BM", None),  # too short to trust alone; NUL test below decides
)
_RIFF = {b"WEBP": "webp", b"WAVE": "wav", b"AVI ": "avi"}


def read_input(path_or_bytes: Any, filename: str | None) -> tuple[bytes, str]:
    """The bytes and file name of a path, bytes or file-like object (e.g. a Streamlit ``UploadedFile``).

    Raises :class:`LimitExceeded` for a file larger than :data:`MAX_FILE_BYTES` (a path is refused
    before it is read).
    """
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data, name = bytes(path_or_bytes), filename or "upload"
    elif isinstance(path_or_bytes, (str, os.PathLike)):
        path = Path(path_or_bytes)
        name = filename or path.name
        _check_size(path.stat().st_size, name)
        data = path.read_bytes()
    elif hasattr(path_or_bytes, "getvalue"):  # BytesIO, Streamlit UploadedFile
        data, name = bytes(path_or_bytes.getvalue()), filename or getattr(path_or_bytes, "name", "upload")
    elif hasattr(path_or_bytes, "read"):
        name = filename or getattr(path_or_bytes, "name", "upload")
        data = bytes(path_or_bytes.read(MAX_FILE_BYTES + 1))
    else:
        raise TypeError(f"cannot read a file from {type(path_or_bytes).__name__}")
    _check_size(len(data), name)
    return data, name


def _check_size(size: int, name: str) -> None:
    if size > MAX_FILE_BYTES:
        raise LimitExceeded(why("file_too_big", file=name, size=_mb(size), max=_mb(MAX_FILE_BYTES)))


def _mb(size: int) -> Count:
    """Megabytes, rounded, shown with the reader's thousands separator."""
    return Count(round(size / 1024 / 1024))


def read_table(data: bytes, filename: str, table: str) -> tuple[RawTable | None, list[Problem]]:
    """Bytes -> header and text cells, or the file-level problems that stop reading."""
    suffix = Path(filename).suffix.lower()
    if not data.strip() or data.strip() in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        return None, [Problem(None, None, why("file_empty"))]
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return None, [Problem(None, None, why("old_xls"))]
    try:
        if data.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(data, filename, table)
        what = binary_kind(data)
        if what:
            return None, [Problem(None, None, why("not_table_file", file=filename, what=what))]
        if (
            data.startswith((b"\xff\xfe", b"\xfe\xff"))
            or data[:2000].count(b"\x00") > 10
            and _looks_utf16(data)
        ):
            return None, [Problem(None, None, why("utf16"))]
        nul = data.find(b"\x00")
        if nul >= 0:
            if nul < 65536:
                return None, [Problem(None, None, why("not_table_file", file=filename, what=why("kind_binary")))]
            line = data.count(b"\n", 0, nul) + 1
            return None, [Problem(None, None, why("nul_byte", file=filename, line=Count(line), byte=Count(nul + 1)))]
        check_line_lengths(data)
        return _read_csv(data)
    except LimitExceeded as exc:
        return None, [Problem(None, None, exc.reason)]


def binary_kind(data: bytes) -> str | None:
    """What a known binary format is ("a PNG image", "a program (ELF executable)"...), from its first bytes:
    a :class:`Reason` (``imp_why_kind_<code>``), so it reads in the user's language too."""
    code = _binary_code(data)
    return why(f"kind_{code}") if code else None


def _binary_code(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if what and data.startswith(magic):
            return what
    if data.startswith(b"MZ") and b"\x00" in data[:64]:
        return "windows"
    if data.startswith(b"RIFF") and data[8:12] in _RIFF:
        return _RIFF[data[8:12]]
    if data[4:8] == b"ftyp":
        return "iso_media"
    return None


def _looks_utf16(data: bytes) -> bool:
    head = data[:2000]
    if not (head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4):
        return False
    for codec in ("utf-16-le", "utf-16-be"):
        text = head[: len(head) // 2 * 2].decode(codec, errors="replace")
        if text.count("\ufffd") == 0 and sum(c.isprintable() or c in "\r\n\t" for c in text) >= 0.95 * len(
            text
        ):
            return True
    return False


def check_line_lengths(data: bytes) -> None:
    """Refuse a CSV with a line longer than :data:`MAX_LINE_CHARS` before it is decoded (cheap: a line
    break is looked for in every window of half that length; lines under half of it always pass)."""
    step = MAX_LINE_CHARS // 2
    for start in range(0, len(data) - step + 1, step):
        if data.find(b"\n", start, start + step) < 0 and data.find(b"\r", start, start + step) < 0:
            line = data.count(b"\n", 0, start) + 1
            raise LimitExceeded(why("line_too_long", line=Count(line), max=Count(MAX_LINE_CHARS)))


def _lines(stream: Iterable[str]) -> Iterator[str]:
    """The lines of a CSV text, refusing one longer than :data:`MAX_LINE_CHARS`."""
    for n, line in enumerate(stream, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise LimitExceeded(why("line_too_long", line=Count(n), max=Count(MAX_LINE_CHARS)))
        yield line


def _read_csv(data: bytes) -> tuple[RawTable | None, list[Problem]]:
    problems: list[Problem] = []
    mojibake = False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1]
        row = data[: exc.start].count(b"\n") + 1
        guess = bad.decode("cp1252", errors="replace")
        problems.append(Problem(row, None, why("not_utf8", byte=bad.hex(), guess=guess)))
        text = data.decode("utf-8-sig", errors="replace")
        mojibake = True
    first = next((ln for ln in _lines(io.StringIO(text)) if ln.strip()), "")
    sep = max((";", ",", "\t"), key=lambda s: (first.count(s), s == ","))
    if first.count(sep) == 0:
        sep = ","
    reader = csv.reader(_lines(io.StringIO(text, newline="")), delimiter=sep, strict=True)
    count = 0

    def records() -> Iterator[list[str]]:
        nonlocal count
        for rec in reader:
            count += 1
            yield [c.strip() for c in rec]

    try:
        raw, more = collect(records(), decimal_comma=(sep == ";"))
    except csv.Error as exc:
        problems.append(Problem(count + 1, None, why("invalid_csv", error=str(exc))))
        return None, problems
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


def check_xlsx_members(zf: zipfile.ZipFile, filename: str) -> None:
    """Refuse a workbook that unpacks to more than :data:`MAX_XLSX_UNPACKED_BYTES` (read from the ZIP
    directory, nothing unpacked; zipfile never inflates a member beyond its declared size)."""
    total = sum(info.file_size for info in zf.infolist())
    if total > MAX_XLSX_UNPACKED_BYTES:
        raise LimitExceeded(why("xlsx_unpacks", file=filename, size=_mb(total), max=_mb(MAX_XLSX_UNPACKED_BYTES)))


_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.-]*:)?(?:worksheet|sst)[\s>]")


def scan_xlsx_part(zf: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """Stream one worksheet (or the shared strings) of a workbook: (rows, cells), without building XML.

    Raises :class:`LimitExceeded` as soon as a row holds more than :data:`MAX_XLSX_ROW_CELLS` cells or
    the part more than :data:`MAX_XLSX_CELLS` cells / :data:`MAX_ROWS` rows.
    """
    rows = cells = in_row = 0
    carry = b""
    tags: tuple[bytes, ...] = ()
    row_tags: tuple[bytes, ...] = ()
    row_end = b""
    with zf.open(member) as f:
        while chunk := f.read(1 << 20):
            buf = carry + chunk
            if not tags:
                m = _ROOT_RE.search(buf)
                if m is None and len(buf) < 1 << 16:
                    carry = buf
                    continue
                p = (m.group(1) or b"") if m else b""
                is_sst = bool(m) and buf[m.start() :].startswith(b"<" + p + b"sst")
                name, row = (b"si", b"sst") if is_sst else (b"c", b"row")
                tags = (b"<" + p + name + b" ", b"<" + p + name + b">", b"<" + p + name + b"/>")
                row_tags = () if is_sst else (b"<" + p + row + b" ", b"<" + p + row + b">")
                row_end = b"</" + p + row + b">"
            cut = buf.rfind(b">") + 1
            buf, carry = buf[:cut], buf[cut:]
            if len(carry) > 1 << 20:
                raise LimitExceeded(why("xml_tag_too_long", member=member))
            n = sum(buf.count(t) for t in tags)
            cells += n
            rows += sum(buf.count(t) for t in row_tags)
            if row_tags and in_row + n > MAX_XLSX_ROW_CELLS:
                parts = buf.split(row_end)
                for k, part in enumerate(parts):
                    in_row = (in_row if k == 0 else 0) + sum(part.count(t) for t in tags)
                    if in_row > MAX_XLSX_ROW_CELLS:
                        raise LimitExceeded(why("row_too_many_cells", max=Count(MAX_XLSX_ROW_CELLS)))
            elif row_tags:
                last = buf.rfind(row_end)
                in_row = in_row + n if last < 0 else sum(buf[last:].count(t) for t in tags)
            if row_tags:
                _check_row_number(buf, row_tags)
            if cells > MAX_XLSX_CELLS:
                raise LimitExceeded(why("too_many_cells", max=Count(MAX_XLSX_CELLS)))
            if rows > MAX_ROWS + 1000:
                raise _too_many_rows()
    return rows, cells


_ROW_NUMBER_RE = re.compile(rb'\sr="(\d+)"')


def _check_row_number(buf: bytes, row_tags: tuple[bytes, ...]) -> None:
    """Refuse a worksheet whose last row tag in ``buf`` numbers a row beyond :data:`MAX_XLSX_ROW_NUMBER`
    (openpyxl would fill every missing row up to it). Rows are stored in order, so the last one is
    the highest."""
    start = max(buf.rfind(t) for t in row_tags)
    if start < 0:
        return
    m = _ROW_NUMBER_RE.search(buf, start, buf.find(b">", start) + 1)
    if m and int(m.group(1)) > MAX_XLSX_ROW_NUMBER:
        raise LimitExceeded(why("row_beyond_excel", row=Count(int(m.group(1))), max=Count(MAX_XLSX_ROW_NUMBER)))


def _too_many_rows() -> LimitExceeded:
    return LimitExceeded(why("too_many_rows", max=Count(MAX_ROWS)))


def _read_xlsx(data: bytes, filename: str, table: str) -> tuple[RawTable | None, list[Problem]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            if "xl/workbook.xml" not in names:
                return None, [Problem(None, None, why("zip_not_xlsx", file=filename))]
            check_xlsx_members(zf, filename)
            for member in names:
                if (
                    member.startswith("xl/worksheets/")
                    and member.endswith(".xml")
                    or member == "xl/sharedStrings.xml"
                ):
                    scan_xlsx_part(zf, member)
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except LimitExceeded:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure means "not a readable workbook"
        return None, [Problem(None, None, why("unreadable_xlsx", file=filename, error=str(exc)))]
    try:
        ws = wb[table] if table in wb.sheetnames else wb.worksheets[0]
        width = ws.max_column if isinstance(ws.max_column, int) else None
        max_col = None if width is None else min(width, MAX_COLUMNS + 1)
        rows = ws.iter_rows(values_only=True, max_col=max_col)
        # a blank row stays one cheap empty record (it still counts in row numbers)
        records = ([] if row.count(None) == len(row) else [_cell_text(v) for v in row] for row in rows)
        return collect(records, decimal_comma=False)
    finally:
        wb.close()


def collect(records: Iterable[list[str]], decimal_comma: bool) -> tuple[RawTable | None, list[Problem]]:
    """A stream of records (one list of stripped cells per file row) as a :class:`RawTable`.

    Blank rows are dropped (their numbers kept); empty cells beyond the header's width are dropped
    (:func:`jkn_core.imports.validate` counts a row's values the same way). Raises
    :class:`LimitExceeded` past :data:`MAX_ROWS` data rows or a value beyond :data:`MAX_COLUMNS`.
    """
    header: list[str] | None = None
    header_row = 0
    width = 0
    rows: list[list[str]] = []
    rownums: list[int] = []
    for i, rec in enumerate(records, start=1):
        if not any(rec):
            continue
        if len(rec) > MAX_COLUMNS:
            last = max(j for j, c in enumerate(rec) if c)
            if last >= MAX_COLUMNS:
                raise LimitExceeded(why("too_many_columns", line=Count(i), n=Count(last + 1), max=MAX_COLUMNS))
        if header is None:
            header, header_row = list(rec), i
            while header and not header[-1]:
                header.pop()
            width = len(header)
            continue
        if len(rec) > width and not any(rec[width:]):
            rec = rec[:width]
        elif len(rec) > width:
            rec = rec[: max(j for j, c in enumerate(rec) if c) + 1]
        rows.append(rec)
        rownums.append(i)
        if len(rows) > MAX_ROWS:
            raise _too_many_rows()
    if header is None:
        return None, [Problem(None, None, why("file_empty"))]
    if not rows:
        return None, [Problem(None, None, why("no_data_rows"))]
    return RawTable(
        header=header, header_row=header_row, rows=rows, rownums=rownums, decimal_comma=decimal_comma
    ), []
