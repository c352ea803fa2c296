"""A rejected import says why in the user's language (issue 17), naming row and column, on SQLite and
PostgreSQL; the command line reports in Indonesian by default, in English with ``--lang en`` or ``JKN_LANG=en``,
with the same exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from jkn_core import db
from jkn_core.imports import import_file, problems_frame
from jkn_core.scope import Scope
from tests.integration.test_imports import counts, csv_bytes, seed_reference

ADMIN = Scope.system()
#: a bad billed amount, a bad date, and a family that is not in the database
BAD = ("family_id,period,billed,paid,paid_date", "500000001,202401,-5,0,x", "777,202401,35000,0,")


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_bad_file_in_both_languages(empty_engine, backend: str) -> None:  # type: ignore[no-untyped-def]
    engine = empty_engine(backend)
    seed_reference(engine)
    before = counts(engine)
    report = import_file(engine, ADMIN, "contributions", csv_bytes(*BAD), "iuran.csv")
    assert not report.ok and counts(engine)["contributions"] == before["contributions"]
    ind, eng = problems_frame(report, "id"), problems_frame(report, "en")
    by_cell = {(r.row, r.column): r.reason for r in ind.itertuples()}
    assert by_cell[(2, "billed")] == "jumlah negatif -5; jumlah harus >= 0"
    assert by_cell[(2, "paid_date")] == "'x' bukan tanggal; tulis YYYY-MM-DD"
    assert by_cell[(3, "family_id")] == "family_id 777 tidak dikenal: tidak ada di families.id"
    english = {(r.row, r.column): r.reason for r in eng.itertuples()}
    assert english[(3, "family_id")] == "unknown family_id 777: it does not exist in families.id"
    assert report.summary("id") == "contributions: iuran.csv ditolak dengan 3 masalah; tidak ada yang ditulis"


def test_the_command_line_speaks_the_chosen_language(empty_engine, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from jkn_core.cli import main

    engine = empty_engine("sqlite")
    seed_reference(engine)
    monkeypatch.setenv("JKN_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("JKN_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("JKN_LANG", raising=False)
    getattr(db.get_engine, "cache_clear", lambda: None)()
    bad, good = tmp_path / "iuran.csv", tmp_path / "ok.csv"
    bad.write_bytes(csv_bytes(*BAD))
    good.write_bytes(csv_bytes("family_id,period,billed,paid,paid_date", "500000001,202401,35000,35000,2024-01-10"))
    try:
        assert main(["import", "contributions", str(bad)]) == 1  # Indonesian by default
        err = capsys.readouterr().err
        assert "contributions: iuran.csv ditolak dengan 3 masalah; tidak ada yang ditulis" in err
        assert "baris 2, kolom billed: jumlah negatif -5; jumlah harus >= 0" in err
        assert "baris 3, kolom family_id: family_id 777 tidak dikenal" in err and " is " not in err

        assert main(["import", "contributions", str(bad), "--lang", "en"]) == 1
        assert "row 2, column billed: negative amount -5" in capsys.readouterr().err

        monkeypatch.setenv("JKN_LANG", "en")
        assert main(["import", "contributions", str(good), "--dry-run"]) == 0
        assert "1 row(s) in ok.csv: 1 inserted, 0 updated, 0 unchanged (dry run: nothing written)" in (
            capsys.readouterr().out)
        assert main(["import", "contributions", str(good), "--dry-run", "--lang", "id"]) == 0  # --lang wins
        assert "1 baris dalam ok.csv: 1 baru, 0 diperbarui, 0 tidak berubah (uji coba" in capsys.readouterr().out

        monkeypatch.delenv("JKN_LANG")
        assert main(["import", "contributions", str(tmp_path / "hilang.csv")]) == 1
        assert "file: file tidak dapat dibaca: " in capsys.readouterr().err
        assert counts(engine)["contributions"] == 0
    finally:
        db.get_engine().dispose()
        getattr(db.get_engine, "cache_clear", lambda: None)()
