"""The batch's command lines (one line per problem, never a stack) and the national world's determinism."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from jkn_batch import generate as gen
from jkn_batch.cli import main as batch_main
from jkn_core.cli import main as core_main
from jkn_core.demo.timeline import index_of

pytestmark = [pytest.mark.xdist_group("spark")]


def test_export_parquet_writes_every_table_without_identities(sqlite_world_file, tmp_path, monkeypatch, capsys):
    from tests.worlds import sqlite_copy

    db = tmp_path / "w.db"
    sqlite_copy(sqlite_world_file, db)
    monkeypatch.setenv("JKN_DATABASE_URL", f"sqlite:///{db}")
    assert core_main(["export-parquet", str(tmp_path / "pq")]) == 0
    assert "wrote 11 tables" in capsys.readouterr().out
    people = pq.read_table(tmp_path / "pq" / "participants").to_pandas()
    assert len(people) > 1000 and not {"nik", "name", "birth_date"} & set(people.columns)
    ledger = pq.read_table(tmp_path / "pq" / "contributions").to_pandas()
    assert ledger["paid_period"].isna().any() and (ledger["billed"] > 0).all()


def test_batch_cli_missing_input_is_one_line(tmp_path, capsys):
    code = batch_main(["load", str(tmp_path / "nothing")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert batch_main(["generate", "--fraction", "2", "--output", str(tmp_path / "g")]) == 2
    assert "--fraction" in capsys.readouterr().err


def test_national_world_partitions_are_deterministic_and_calibrated():
    _regions, _prov, _branches, reg = gen._geography()
    reg = reg[["code", "branch_code", "pop_2024", "income_index", "is_city"]].reset_index(drop=True)
    end = index_of(202412)
    a = gen.make_partition(4, 600, 7, end, end - 23, reg)
    b = gen.make_partition(4, 600, 7, end, end - 23, reg)
    c = gen.make_partition(5, 600, 7, end, end - 23, reg)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])  # same seed, same partition: the same rows
    assert set(a["families"]["id"]).isdisjoint(c["families"]["id"])  # partitions own their ids
    fam, led = a["families"], a["contributions"]
    assert set(fam["segment"]) <= {"PBPU", "BP"} and fam["members"].between(1, 6).all()
    assert led["period"].between(202401, 202412).all() or led["period"].min() >= 202301
    assert 20 <= len(led) / len(fam) <= 24  # about one bill per family and ledger month
    assert len(a["participants"]) == fam["members"].sum()
