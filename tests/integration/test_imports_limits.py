"""Issue 18, findings 7 and 8 (imports): hard limits, bytes that are not text, database errors.

A zip bomb .xlsx is refused in seconds without the process growing (measured in a child process), and so
are CSV/xlsx files beyond the row, column, line and size caps (each with one problem, nothing written). A
NUL byte anywhere in a CSV is refused (it used to be stored on SQLite and to raise a DataError with the
rows' names and NIKs on PostgreSQL); binaries are named as binaries. A database error during an import
never shows SQL or values: one plain problem with an incident id, the details in the server log only.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, text

from jkn_core import db
from jkn_core.imports import import_file, read
from jkn_core.scope import Scope
from tests.integration.test_imports import PARTICIPANT_HEADER, counts, csv_bytes
from tests.integration.test_imports_keep import engine, person  # noqa: F401 - the seeded engine fixture

ADMIN = Scope.system()
ROOT = Path(__file__).resolve().parents[2]
CONTRIB = "family_id,period,billed,paid,paid_date"


def only_problem(report) -> str:  # type: ignore[no-untyped-def]
    assert not report.ok and len(report.problems) == 1, report.problems
    return report.problems[0].reason


def xlsx_with_sheet(sheet_xml_chunks, sheet_name: str = "Sheet1") -> bytes:  # type: ignore[no-untyped-def]
    """A minimal valid workbook whose only sheet is streamed from ``sheet_xml_chunks`` (bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for chunk in sheet_xml_chunks:
                f.write(chunk)
    return buf.getvalue()


SHEET_HEAD = (
    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def bomb_chunks(unpacked: int):  # type: ignore[no-untyped-def]
    """A worksheet of one row of empty cells, ``unpacked`` bytes long: tiny once deflated."""
    yield SHEET_HEAD + b'<dimension ref="A1:XFD1048576"/><sheetData><row r="1">'
    block = b"<c/>" * (1 << 18)  # 1 MiB
    for _ in range(unpacked // len(block)):
        yield block
    yield b"</row></sheetData></worksheet>"


# --- finding 7: the zip bomb, measured in a child process ------------------------------------------
CHILD = r"""
import json, resource, sys, time
from jkn_core.db import create_schema, make_engine
from jkn_core.imports import import_file
from jkn_core.scope import Scope
engine = make_engine(sys.argv[2]); create_schema(engine)
import openpyxl  # loaded before the baseline, as on a running server
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.monotonic()
report = import_file(engine, Scope.system(), "participants", sys.argv[1])
print(json.dumps({"seconds": time.monotonic() - t0, "grew_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0,
                  "ok": report.ok, "problems": [p.reason for p in report.problems]}))
"""


def test_zip_bomb_xlsx_is_refused_fast_and_small(tmp_path: Path) -> None:
    unpacked = read.MAX_XLSX_UNPACKED_BYTES + (16 << 20)
    bomb = tmp_path / "peserta.xlsx"
    bomb.write_bytes(xlsx_with_sheet(bomb_chunks(unpacked)))
    assert bomb.stat().st_size < 3 * 1024 * 1024  # a small file...
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(bomb), f"sqlite:///{tmp_path / 'bomb.db'}"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert not result["ok"] and len(result["problems"]) == 1
    assert "unpacks to" in result["problems"][0] and "at most 256 MB" in result["problems"][0]
    assert result["seconds"] < 5, result
    assert result["grew_kb"] < 300 * 1024, result  # ...that must not grow the process


def test_zip_bomb_through_the_cli(tmp_path: Path) -> None:
    bomb = tmp_path / "peserta.xlsx"
    bomb.write_bytes(xlsx_with_sheet(bomb_chunks(read.MAX_XLSX_UNPACKED_BYTES + (16 << 20))))
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    subprocess.run([sys.executable, "-c", CHILD.split("rss0")[0], str(bomb), url], check=True, cwd=ROOT)
    env = {**os.environ, "JKN_DATABASE_URL": url, "JKN_LOG_DIR": str(tmp_path / "log"), "JKN_LANG": "en"}
    cli = subprocess.run(
        [sys.executable, "-m", "jkn_core", "import", "participants", str(bomb)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    assert cli.returncode == 1
    assert "rejected with 1 problem(s); nothing was written" in cli.stderr
    assert "unpacks to" in cli.stderr


def test_wide_row_under_the_unpacked_cap_is_refused_by_the_scan(engine: Engine) -> None:  # noqa: F811
    chunks = [
        SHEET_HEAD
        + b"<sheetData><row>"
        + b"<c/>" * (read.MAX_XLSX_ROW_CELLS + 1)
        + b"</row></sheetData></worksheet>"
    ]
    reason = only_problem(import_file(engine, ADMIN, "participants", xlsx_with_sheet(chunks), "p.xlsx"))
    assert "more than 16,384 cells" in reason


def test_far_row_number_is_refused(engine: Engine) -> None:  # noqa: F811
    chunks = [
        SHEET_HEAD
        + b'<dimension ref="A1:XFD4000000"/><sheetData><row r="1"><c t="inlineStr"><is><t>id</t></is></c>'
        b'</row><row r="4000000"><c><v>1</v></c></row></sheetData></worksheet>'
    ]
    reason = only_problem(import_file(engine, ADMIN, "participants", xlsx_with_sheet(chunks), "p.xlsx"))
    assert "beyond Excel's last row" in reason


def test_xlsx_row_and_column_caps(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(CONTRIB.split(","))
    for month in range(1, 13):
        ws.append([500000001, 202400 + month, 35000, 0, None])
    buf = io.BytesIO()
    wb.save(buf)
    good = buf.getvalue()
    assert import_file(engine, ADMIN, "contributions", good, "c.xlsx", dry_run=True).ok
    monkeypatch.setattr(read, "MAX_ROWS", 10)
    assert "more than 10 data rows" in only_problem(
        import_file(engine, ADMIN, "contributions", good, "c.xlsx")
    )
    monkeypatch.setattr(read, "MAX_ROWS", 1000)
    monkeypatch.setattr(read, "MAX_COLUMNS", 4)
    reason = only_problem(import_file(engine, ADMIN, "contributions", good, "c.xlsx"))
    assert "has a value in column 5; an import file has at most 4 columns" in reason
    assert counts(engine)["contributions"] == 0


def test_csv_caps(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # noqa: F811
    rows = [CONTRIB] + [f"500000001,2024{m:02d},35000,0," for m in range(1, 13)]
    data = csv_bytes(*rows)
    monkeypatch.setattr(read, "MAX_ROWS", 11)
    assert "more than 11 data rows" in only_problem(
        import_file(engine, ADMIN, "contributions", data, "c.csv")
    )
    monkeypatch.setattr(read, "MAX_ROWS", 12)
    assert import_file(engine, ADMIN, "contributions", data, "c.csv", dry_run=True).ok  # 12 rows: fine

    wide = csv_bytes(CONTRIB, "500000001,202401,35000,0," + "," * 200 + "x")
    assert "at most 100 columns" in only_problem(import_file(engine, ADMIN, "contributions", wide, "c.csv"))
    padded = csv_bytes(CONTRIB, "500000001,202401,35000,0," + "," * 200)  # empty cells: harmless
    assert import_file(engine, ADMIN, "contributions", padded, "c.csv", dry_run=True).ok

    monkeypatch.setattr(read, "MAX_LINE_CHARS", 1000)
    long_line = csv_bytes(CONTRIB, "500000001,202401,35000,0," + "9" * 5000)
    assert "longer than 1,000 characters" in only_problem(
        import_file(engine, ADMIN, "contributions", long_line, "c.csv")
    )

    monkeypatch.setattr(read, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    reason = only_problem(import_file(engine, ADMIN, "contributions", path))
    assert "big.csv is" in reason and "split it into several files" in reason
    assert counts(engine)["contributions"] == 0


# --- finding 8: NUL bytes and binaries ------------------------------------------------------------
def test_nul_byte_after_64_kib_is_refused(engine: Engine) -> None:  # noqa: F811
    rows = [PARTICIPANT_HEADER] + [
        person(1000 + i, f"Peserta {i:05d} dengan nama yang cukup panjang") for i in range(900)
    ]
    data = bytearray(csv_bytes(*rows))
    assert len(data) > 65536 + 2000
    at = data.index(b"Peserta 00850")
    data[at + 8 : at + 9] = b"\x00"  # inside a name far beyond the first 64 KiB
    before = counts(engine)
    report = import_file(engine, ADMIN, "participants", bytes(data), "peserta.csv")
    reason = only_problem(report)
    assert "contains a NUL byte" in reason and "line 852" in reason and "nothing was imported" in reason
    assert {**counts(engine), "audit_log": 0} == {**before, "audit_log": 0}


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"\x7fELF\x02\x01\x01\x00" + bytes(56), "a program (ELF executable)"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(56), "a program (Windows executable)"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n" + bytes(16), "a PNG image"),
        (b"\x1f\x8b\x08\x00" + bytes(16), "a gzip archive"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "a WebP image"),
    ],
)
def test_binaries_are_named_binary(engine: Engine, head: bytes, what: str) -> None:  # noqa: F811
    data = head + bytes(range(256)) * 40
    reason = only_problem(import_file(engine, ADMIN, "participants", data, "peserta.csv"))
    assert reason == f"peserta.csv is not a CSV or Excel (.xlsx) file: it is {what}"
    assert "UTF-16" not in reason


def test_real_elf_binary_and_zip_that_is_not_xlsx(engine: Engine) -> None:  # noqa: F811
    elf = Path(sys.executable).resolve().read_bytes()[:200_000]
    reason = only_problem(import_file(engine, ADMIN, "participants", elf, "python.csv"))
    assert "it is a program (ELF executable)" in reason
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "hello")
    reason = only_problem(import_file(engine, ADMIN, "participants", buf.getvalue(), "p.xlsx"))
    assert "is a ZIP archive but not an Excel (.xlsx) workbook" in reason


def test_utf16_text_is_still_recognised(engine: Engine) -> None:  # noqa: F811
    data = csv_bytes(CONTRIB, "500000001,202401,35000,0,").decode().encode("utf-16-le")
    assert "UTF-16 text" in only_problem(import_file(engine, ADMIN, "contributions", data, "c.csv"))


# --- finding 8: a database error never echoes SQL or values ---------------------------------------
NIK = "1671010101901234"


def failing_write(conn, scope, parsed, report, dry_run, progress, chunk_rows):  # type: ignore[no-untyped-def]
    """What a database refusal looks like: a DBAPI error whose text holds the SQL and the row's values."""
    conn.execute(
        text("INSERT INTO participants (id, nik, name) VALUES (:id, :nik, :name)"),
        {"id": 1234, "nik": NIK, "name": "Siti Rahasia"},
    )


def test_database_error_is_one_plain_problem(
    engine: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("jkn_core.imports.run.write_rows", failing_write)
    before = counts(engine)
    with caplog.at_level(logging.ERROR, logger="jkn_core.imports.run"):
        report = import_file(
            engine, ADMIN, "participants", csv_bytes(PARTICIPANT_HEADER, person(1234)), "p.csv"
        )
    reason = only_problem(report)
    assert reason == f"the database refused the import (incident {report.incident}); nothing was written"
    shown = report.summary() + "\n".join(map(str, report.problems))
    for secret in (NIK, "Siti", "INSERT", "participants (", "sqlite", "psycopg"):
        assert secret not in shown
    logged = caplog.text
    assert report.incident in logged and "INSERT INTO participants" in logged  # the details: server-side only
    after = counts(engine)
    assert {**after, "audit_log": 0} == {**before, "audit_log": 0}
    with engine.connect() as conn:
        detail = json.loads(
            conn.execute(text("SELECT detail FROM audit_log ORDER BY id DESC LIMIT 1")).scalar_one()
        )
    assert detail["status"] == "rejected" and detail["incident"] == report.incident
    assert NIK not in json.dumps(detail)


def test_database_error_in_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, empty_engine
) -> None:  # type: ignore[no-untyped-def]
    from jkn_core.cli import main
    from tests.integration.test_imports import seed_reference

    eng = empty_engine("sqlite")
    seed_reference(eng)
    monkeypatch.setenv("JKN_DATABASE_URL", str(eng.url))
    monkeypatch.setenv("JKN_LANG", "en")  # the English report lines (Indonesian by default)
    getattr(db.get_engine, "cache_clear", lambda: None)()
    monkeypatch.setattr("jkn_core.imports.run.write_rows", failing_write)
    path = tmp_path / "peserta.csv"
    path.write_bytes(csv_bytes(PARTICIPANT_HEADER, person(1234)))
    try:
        assert main(["import", "participants", str(path)]) == 1
    finally:
        db.get_engine().dispose()
        getattr(db.get_engine, "cache_clear", lambda: None)()
    out = capsys.readouterr()
    assert "the database refused the import (incident " in out.err
    for secret in (NIK, "Siti", "INSERT", "IntegrityError", "Traceback"):
        assert secret not in out.err + out.out


CLI_CHILD = r"""
import sys
import jkn_core.imports.run as run
from tests.integration.test_imports_limits import failing_write
run.write_rows = failing_write
from jkn_core.cli import main
sys.exit(main(["import", "participants", sys.argv[1]]))
"""


def test_database_error_in_a_real_cli_process(tmp_path: Path, empty_engine) -> None:  # type: ignore[no-untyped-def]
    """Without pytest's logging handlers: the traceback (SQL, NIK) goes to the log file, not the terminal."""
    from tests.integration.test_imports import seed_reference

    eng = empty_engine("sqlite")
    seed_reference(eng)
    path = tmp_path / "peserta.csv"
    path.write_bytes(csv_bytes(PARTICIPANT_HEADER, person(1234)))
    env = {**os.environ, "JKN_DATABASE_URL": str(eng.url), "JKN_LOG_DIR": str(tmp_path / "log"), "JKN_LANG": "en"}
    cli = subprocess.run(
        [sys.executable, "-c", CLI_CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    assert cli.returncode == 1, cli.stderr
    assert "the database refused the import (incident " in cli.stderr
    for secret in (NIK, "Siti", "INSERT", "IntegrityError", "Traceback"):
        assert secret not in cli.stderr + cli.stdout
    log = tmp_path / "log" / "jkn_core.log"
    assert "the details of incident" in cli.stderr and str(log) in cli.stderr
    assert NIK in log.read_text() and "INSERT INTO participants" in log.read_text()
    assert log.stat().st_mode & 0o077 == 0  # the owner's only: it holds names and NIKs
