"""Run a corpus of bad (and good) import files through the old importer and the new one; compare messages.

    .venv/bin/python scripts/import_messages.py [--before /tmp/before] [--fuzz 400] [--show]

The old importer is ``jkn_core.ingest`` of the flat code in ``--before``; the new one is
``jkn_core.imports`` of this tree. Each runs in its own process on a fresh SQLite database holding the
same few reference rows, with the same ``today``, as a dry run; the report's summary and every problem
(``str(problem)``, in order) are compared. The corpus: hand-written broken files (one per kind of
problem) and ``--fuzz`` files made by mutating random cells of valid files (seeded, reproducible). The
command line (``python -m jkn_core import TABLE FILE --dry-run``) is compared on a few files too.
Exit status 0 when every file gives identical output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2025, 6, 15)

# --- valid rows per table (against the reference rows of seed()) ----------------------------------
GOOD: dict[str, list[str]] = {
    "participants": [
        "id,nik,name,family_id,segment,kelas,sex,birth_date,regency_code,branch_code,fktp_code,registered_on,"
        "registered_period,status,weight,auto_debit",
        "1,1671010101900001,Siti Aminah,500000001,PBPU,3,P,1990-01-01,16.71,0301,0301F001,2020-03-15,202003,aktif,1,false",
        "2,1671010101900002,Budi,600000001,BP,2,L,1975-06-30,16.71,0301,0301F001,2021-02-01,,,1,ya",
        "3,1671010101900003,Ani,600000001,BP,1,P,2001-01-01,16.71,0301,0301F001,2019-07-01,,nonaktif,,",
    ],
    "contributions": [
        "family_id,period,billed,paid,paid_date,paid_period",
        "500000001,202401,35000,35000,2024-01-10,202401",
        "500000001,202402,35000,0,,",
        "500000001,202403,35000,35000,2024-03-05,",
    ],
    "facilities": [
        "code,name,level,type,ownership,accreditation,doctors,dentists,regency_code,branch_code,contract_start,"
        "contract_end,renewals,capitation_rate",
        "0301F002,Klinik A,FKTP,klinik_pratama,swasta,dasar,2,1,16.71,0301,2024-01-01,2025-12-31,0,6000",
        "0301R002,RS B,FKRTL,rumah_sakit,pemerintah,utama,20,,16.71,0301,2023-01-01,2024-12-31,,",
    ],
    "facility_months": [
        "facility_code,period,registered,capitation_paid,contact_rate_pm,rrns_pct,rppt_pct,kbk_pct",
        "0301F001,202401,8500,49725000,162.5,1.4,6.2,97.5",
        "0301F001,202402,8510,49785000,150,1.2,6,100",
    ],
    "population": ["regency_code,year,population", "16.71,2024,1772492", "16.71,2025,1780000"],
    "targets": [
        "kpi,level,code,year,target",
        "coverage_pct,national,,2025,98",
        "coverage_pct,region,KW03,2025,97",
        "collectability_pct,branch,0301,2025,80.5",
    ],
    "sif_loans": [
        "loan_ref,facility_code,bank,start_period,amount,tenor_months,rate_pct,defaulted,default_period,days_past_due",
        "SIF-1,0301F001,Bank Mandiri,202301,250000000,24,9.5,false,,0",
        "SIF-2,0301F001,Bank BRI,202302,100000000,12,10,ya,202310,90",
    ],
}

NASTY = [
    "", " ", "abc", "-5", "-35000", "0", "1", "3", "4", "101", "1e3", "1.5", "1,5", "35.000", "+7", "007",
    "99999999999999999999", "-99999999999999999999", "9223372036854775807", "2147483648", "٣", "１２",
    "2024-02-30", "2024-13-01", "2099-01-01", "1899-12-31", "1999-12-31", "2024-2-3", "0000-01-01",
    "٢٠٢٤-01-01", "202413", "209901", "189912", "2024-04", "202406", "ya", "tidak", "maybe", "TRUE",
    "FKTP", "FKRTL", "puskesmas", "rumah_sakit", "PBPU", "PPU", "MANDIRI", "L", "P", "national", "region",
    "branch", "KW99", "9999", "0301", "0301F001", "0301R001", "12345", "500000002", "16.71", "99.99",
    "x" * 300, "Coverage_PCT", "coverage_pct", "a\ufffdb", "José", "nan", "inf", "1e999", ".5", "5.",
]


def _mutate(rng: random.Random, lines: list[str]) -> list[str]:
    header, rows = lines[0], [ln.split(",") for ln in lines[1:]]
    rows = [list(r) for r in rows for _ in range(rng.randint(1, 3))]  # duplicates of keys on purpose
    for r in rows:
        for j in range(len(r)):
            if rng.random() < 0.25:
                r[j] = rng.choice(NASTY).replace(",", ";") if ";" not in header else rng.choice(NASTY)
        if rng.random() < 0.05:
            r.append(rng.choice(["", "", "extra"]))
        if rng.random() < 0.03:
            r.pop()
    rng.shuffle(rows)
    cols = header.split(",")
    if rng.random() < 0.1:
        cols[rng.randrange(len(cols))] = rng.choice(["tahun", "", "Period", " Kelas ", "id", "name"])
    out = [",".join(cols)] + [",".join(r) for r in rows]
    if rng.random() < 0.1:
        out.insert(rng.randint(1, len(out)), "")
    return out


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _xlsx(rows: list[list[object]], title: str) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def corpus(fuzz: int) -> list[tuple[str, str, bytes, str]]:
    """(name, table, data, filename) of every file compared."""
    items: list[tuple[str, str, bytes, str]] = []
    for table, lines in GOOD.items():
        items.append((f"good_{table}", table, _csv(*lines), f"{table}.csv"))
        items.append((f"semicolon_{table}", table, _csv(*[ln.replace(",", ";").replace(".5", ",5") for ln in lines]),
                      f"{table}.csv"))  # fmt: skip
    c = GOOD["contributions"]
    p = GOOD["participants"]
    hand = {
        "empty": ("contributions", b"", "c.csv"),
        "blank_lines": ("contributions", b"\n \r\n;;\n", "c.csv"),
        "header_only": ("contributions", _csv(c[0]), "c.csv"),
        "png": ("contributions", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40, "c.csv"),
        "pdf": ("population", b"%PDF-1.4\n%\xe2\xe3", "p.csv"),
        "gzip": ("population", b"\x1f\x8b\x08\x00" + b"\x00" * 30, "p.csv"),
        "binary": ("population", b"\x01\x02\x00\x00\x03garbage\x00" * 20, "p.csv"),
        "utf16": ("population", "regency_code,year,population\n16.71,2024,1\n".encode("utf-16"), "p.csv"),
        "old_xls": ("population", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "p.xls"),
        "text_named_xlsx": ("population", _csv("regency_code,year,population"), "p.xlsx"),
        "zip_not_xlsx": ("population", b"PK\x03\x04" + b"\x00" * 60, "p.csv"),
        "latin1": ("participants", (p[0] + "\n" + p[1] + "\n" + p[1].replace("Siti Aminah", "José").replace(
            "1,16", "9,16", 1) + "\n").encode("latin-1"), "p.csv"),  # fmt: skip
        "bad_quote": ("population", b'regency_code,year,population\n"16.71,2024,1\n16.71,"20"24,2\n', "p.csv"),
        "ragged": ("population", _csv("regency_code,year,population", "16.71,2024,10,99", "16.71,2025",
                                      "16.71,2026,5,,,")),  # fmt: skip
        "blank_header_with_values": ("population", _csv("regency_code,,year,population", "16.71,x,2024,1"), "p.csv"),
        "duplicate_header": ("population", _csv("regency_code,year,Year,population", "16.71,2024,2024,1"), "p.csv"),
        "unknown_and_missing": ("population", _csv("regency_code,tahun,population", "16.71,2024,10"), "p.csv"),
        "all_errors_contributions": ("contributions", _csv(
            c[0], "500000001,202401,-1,0,,", "500000001,202402,35000,0,,", "x,202403,35000,0,,",
            "500000001,2024-04,35000,0,,", "500000001,202406,35000,35000,,", "500000002,202407,1,1,2024-06-30,202407",
            "12345,202408,1,0,,202408", "500000001,202402,5,0,,", "500000001,202409,5,5,2024-09-01,202410"),
            "c.csv"),  # fmt: skip
        "targets_rules": ("targets", _csv(
            "kpi,level,code,year,target", "coverage_pct,national,KW03,2025,98", "coverage_pct,region,KW99,2025,98",
            "coverage_pct,branch,0301,2025,120", "coverage_pct,branch,,2025,1", "Bad-Kpi,national,,2013,-1",
            "coverage_pct,national,,2025,98", "coverage_pct,national,,2025,97"), "t.csv"),  # fmt: skip
        "sif_rules": ("sif_loans", _csv(
            GOOD["sif_loans"][0], "S1,0301F001,B,202301,0,24,9.5,true,,0", "S2,0301F001,B,202301,1,24,9.5,false,202302,0",
            "S3,0301F001,B,202305,1,24,9.5,ya,202301,0", "S4,0301R001,B,202301,1,121,51,maybe,202313,4000",
            "S5,0301F001,B,209901,1,24,9.5,,,"), "s.csv"),  # fmt: skip
        "facility_rules": ("facilities", _csv(
            GOOD["facilities"][0],
            "0301F002,Klinik A,FKTP,rumah_sakit,swasta,dasar,2,1,16.71,0301,2024-06-01,2024-05-31,0,6000",
            "0301F003,Klinik B,FKRTL,puskesmas,negeri,A,-2,,99.99,9999,1999-12-31,2024-02-30,,100001",
            "0301F002,Klinik A,FKTP,klinik_pratama,swasta,dasar,2,1,16.71,0301,2024-01-01,2024-05-31,0,6000"),
            "f.csv"),  # fmt: skip
        "participants_rules": ("participants", _csv(
            p[0], p[1].replace(",202003,", ",202004,"), p[2].replace("0301F001", "0301R001"),
            p[3].replace("2019-07-01,,", ",202001,"), p[1].replace("1671010101900001", "16710101019"),
            p[1].replace("Siti Aminah", "x" * 300).replace("1,16710", "9,16710", 1)), "p.csv"),  # fmt: skip
        "huge_numbers": ("contributions", _csv(c[0], "99999999999999999999,202401,35000,0,,",
                                               "500000001,202402,99999999999999999999,0,,",
                                               "500000001,202403,-99999999999999999999,0,,")),  # fmt: skip
        "unicode_digits": ("population", _csv("regency_code,year,population", "16.71,٢٠٢٤,١٠",
                                              "16.71,2025,１２")),  # fmt: skip
        "decimal_comma_in_comma_file": ("facility_months", _csv(
            GOOD["facility_months"][0], '0301F001,202401,8500,49725000,"162,5",1.4,6.2,97.5'), "fm.csv"),
    }
    for name, value in hand.items():
        table, data = value[0], value[1]
        items.append((name, table, data, value[2] if len(value) > 2 else f"{table}.csv"))
    hdr = p[0].split(",")[:12]
    items.append(("excel_participants", "participants", _xlsx([
        hdr,
        [10, "1671010101900010", "Rina", 500000001, "PBPU", 3, "P", dt.datetime(1988, 2, 29), "16.71", "0301",
         "0301F001", dt.date(2020, 1, 6)],
        [11, 1671010101900011, "Dodi", 500000001, "PBPU", 3.0, "L", "1990-05-05", "16.71", "0301", "0301F001",
         dt.datetime(2020, 1, 6, 12, 30)],
        [12, "1671010101900012", "Eko", 500000001, "PBPU", 3.5, "X", dt.date(2099, 1, 1), "16.71", "0301",
         "0301F001", True],
    ], "participants"), "peserta.xlsx"))  # fmt: skip
    rng = random.Random(20261130)
    tables = list(GOOD)
    for k in range(fuzz):
        table = tables[k % len(tables)]
        lines = GOOD[table]
        if rng.random() < 0.2:
            lines = [ln.replace(",", ";") for ln in lines]
        items.append((f"fuzz_{k:04d}_{table}", table, _csv(*_mutate(rng, lines)), f"{table}.csv"))
    return items


# --- the worker: one implementation, in its own process --------------------------------------------
def seed(engine: object) -> None:
    from jkn_core.schema import Base

    t = Base.metadata.tables
    facility = {"ownership": "pemerintah", "accreditation": "utama", "doctors": 3, "dentists": 1,
                "regency_code": "16.71", "branch_code": "0301", "contract_start": dt.date(2024, 1, 1),
                "contract_end": dt.date(2024, 12, 31), "renewals": 2, "capitation_rate": 6000}  # fmt: skip
    family = {"kelas": 3, "members": 2, "regency_code": "16.71", "branch_code": "0301",
              "registered_on": dt.date(2019, 5, 1), "auto_debit": False, "head_birth_year": 1980,
              "arrears_before_months": 0, "weight": 1}  # fmt: skip
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(t["regions"].insert(), [{"code": "KW03", "name": "Sumatera Selatan"}])
        conn.execute(t["provinces"].insert(), [{"code": "16", "bps_code": "16", "name": "Sumatera Selatan",
                                                "iso_code": "ID-SS", "region_code": "KW03"}])  # fmt: skip
        conn.execute(t["branches"].insert(), [{"code": "0301", "name": "Palembang", "region_code": "KW03",
                                               "province_code": "16"}])  # fmt: skip
        conn.execute(t["regencies"].insert(), [{"code": "16.71", "name": "Kota Palembang", "is_city": True,
                                                "province_code": "16", "branch_code": "0301",
                                                "income_index": 1.1}])  # fmt: skip
        conn.execute(t["facilities"].insert(), [
            {**facility, "code": "0301F001", "name": "Puskesmas", "level": "FKTP", "type": "puskesmas"},
            {**facility, "code": "0301R001", "name": "RSUD", "level": "FKRTL", "type": "rumah_sakit"}])  # fmt: skip
        conn.execute(t["families"].insert(), [{**family, "id": 500000001, "segment": "PBPU"},
                                              {**family, "id": 500000002, "segment": "PPU"}])  # fmt: skip


def worker(module: str, corpus_dir: Path) -> None:
    import importlib

    from jkn_core.db import create_schema, make_engine
    from jkn_core.scope import Scope

    importer = importlib.import_module(module)
    engine = make_engine(f"sqlite:///{corpus_dir / (module + '.db')}")
    create_schema(engine)
    seed(engine)
    out = {}
    for entry in json.loads((corpus_dir / "corpus.json").read_text()):
        data = (corpus_dir / entry["file"]).read_bytes()
        try:
            rep = importer.import_file(engine, Scope.system(), entry["table"], data, entry["filename"],
                                       dry_run=True, today=TODAY)  # fmt: skip
            out[entry["name"]] = [rep.summary()] + [str(p) for p in rep.problems]
        except Exception as exc:  # noqa: BLE001 - a crash is an outcome to compare too
            out[entry["name"]] = [f"CRASH {type(exc).__name__}: {exc}"]
    print(json.dumps(out))


def _run(tree: Path, module: str, corpus_dir: Path) -> dict[str, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    res = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", module, str(corpus_dir)],
                         cwd=tree, env=env, capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(res.stdout.strip().splitlines()[-1])


def _cli(tree: Path, db_url: str, table: str, path: Path) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "JKN_DATABASE_URL": db_url}
    res = subprocess.run([sys.executable, "-m", "jkn_core", "import", table, str(path), "--dry-run"], cwd=tree,
                         env=env, capture_output=True, text=True)  # fmt: skip
    return res.returncode, res.stdout, res.stderr


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="/tmp/before", help="tree with the old flat code (jkn_core/ingest.py)")
    ap.add_argument("--fuzz", type=int, default=400, help="number of fuzzed files")
    ap.add_argument("--show", action="store_true", help="print every file's messages side by side")
    ap.add_argument("--worker", nargs=2, metavar=("MODULE", "DIR"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(a.worker[0], Path(a.worker[1]))
        return 0
    before = Path(a.before)
    with tempfile.TemporaryDirectory(prefix="jkn-import-messages-") as tmp:
        d = Path(tmp)
        entries = []
        for k, (name, table, data, filename) in enumerate(corpus(a.fuzz)):
            (d / f"{k:05d}.bin").write_bytes(data)
            entries.append({"name": name, "table": table, "file": f"{k:05d}.bin", "filename": filename})
        (d / "corpus.json").write_text(json.dumps(entries))
        old = _run(before, "jkn_core.ingest", d)
        new = _run(ROOT, "jkn_core.imports", d)
        diffs = 0
        problems = 0
        for e in entries:
            o, n = old[e["name"]], new[e["name"]]
            problems += len(o) - 1
            if o != n or a.show:
                print(f"== {e['name']} ({e['table']}): {'IDENTICAL' if o == n else 'DIFFERENT'}")
                for k in range(max(len(o), len(n))):
                    left = o[k] if k < len(o) else ""
                    right = n[k] if k < len(n) else ""
                    print(f"  {'  ' if left == right else '!='} old: {left}")
                    if left != right:
                        print(f"     new: {right}")
            diffs += o != n
        # the command line, on a few files (exit status, stdout and stderr)
        cli_diffs = 0
        picks = [e for e in entries if e["name"] in ("good_contributions", "all_errors_contributions",
                                                         "empty", "latin1", "excel_participants")]  # fmt: skip
        for e in picks:
            outs = []
            for tree, module in ((before, "jkn_core.ingest"), (ROOT, "jkn_core.imports")):
                db_path = d / f"{module}.db"  # the worker's database (dry runs wrote nothing to it)
                src = d / e["file"]
                path = d / e["filename"]
                path.write_bytes(src.read_bytes())
                outs.append(_cli(tree, f"sqlite:///{db_path}", e["table"], path))
            if outs[0] != outs[1]:
                cli_diffs += 1
                print(f"== CLI {e['name']}: DIFFERENT\n  old: {outs[0]}\n  new: {outs[1]}")
        print(f"{len(entries)} files ({problems} problems reported by the old importer): "
              f"{len(entries) - diffs} identical, {diffs} different; "
              f"CLI on {len(picks)} files: {len(picks) - cli_diffs} identical, {cli_diffs} different")  # fmt: skip
        return 1 if diffs or cli_diffs else 0


if __name__ == "__main__":
    sys.exit(main())
