"""The organisation as data (issue 12 items 2 and 3): regions, branches and the regency → branch map are
imported like any table, a moved regency takes its families, participants and facilities along, and every
KPI per branch follows the new map; a name that disagrees with its code is a warning, never silent.

The KPIs after a map import are compared with hand computations in pandas from the raw tables, grouped
by the map in the file (not by the database's copies), with the pre-aggregates and without them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, text

from jkn_core import kpi, rules
from jkn_core.imports import import_file
from jkn_core.kpi.view import aggregates_hold
from jkn_core.scope import Scope
from tests.worlds import without_aggregates

ADMIN = Scope.system()


def read(engine: Engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text(sql), conn)


def last_audit(engine: Engine) -> tuple[str, dict]:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT action, detail FROM audit_log ORDER BY id DESC LIMIT 1")).one()
    return row.action, json.loads(row.detail)


def replacement_map(engine: Engine) -> pd.DataFrame:
    """Every regency given another branch of its province where there is one (a rotation per province)."""
    reg = read(engine, "SELECT code, name, province_code, branch_code FROM regencies ORDER BY code")
    out = []
    for _, group in reg.groupby("province_code"):
        branches = sorted(group["branch_code"].unique())
        for i, row in enumerate(group.itertuples()):
            out.append({**row._asdict(), "branch_code": branches[(branches.index(row.branch_code) + 1 + i % 2)
                                                                  % len(branches)]})
    frame = pd.DataFrame(out).drop(columns="Index")
    return frame


def csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


# --- hand computations from the raw tables, grouped by a regency → branch map ------------------------
def hand_coverage(engine: Engine, period: int, branch_of: dict[str, str]) -> pd.DataFrame:
    pop = read(engine, "SELECT regency_code, year, population FROM population")
    pop = pop[pop["year"] <= period // 100]
    pop = pop[pop["year"] == pop["year"].max()].groupby("regency_code")["population"].sum()
    part = read(engine, "SELECT regency_code, weight, status FROM participants "
                        f"WHERE registered_period <= {period}")
    part["active"] = np.where(part["status"] == "aktif", part["weight"], 0)
    per = part.groupby("regency_code")[["weight", "active"]].sum()
    frame = pd.DataFrame({"regency": list(branch_of)})
    frame["code"] = frame["regency"].map(branch_of)
    frame["population"] = frame["regency"].map(pop).fillna(0)
    frame["participants"] = frame["regency"].map(per["weight"]).fillna(0)
    frame["active"] = frame["regency"].map(per["active"]).fillna(0)
    return frame.groupby("code")[["population", "participants", "active"]].sum().astype(int)


def hand_collectability(engine: Engine, branch_of: dict[str, str]) -> pd.DataFrame:
    c = read(engine, "SELECT c.billed * f.weight AS billed, c.paid * f.weight AS paid, c.paid_period, "
                     "f.regency_code FROM contributions c JOIN families f ON f.id = c.family_id")
    c["branch_code"] = c["regency_code"].map(branch_of)
    billed = c.groupby("branch_code")["billed"].sum()
    collected = c[c["paid_period"].notna()].groupby("branch_code")["paid"].sum()
    return pd.DataFrame({"billed": billed, "collected": collected}).fillna(0).astype(int)


def hand_arrears(engine: Engine, period: int, branch_of: dict[str, str]) -> pd.DataFrame:
    """People and Rupiah in arrears at ``period`` per branch, family by family (docs/kpi.md, Arrears)."""
    c = read(engine, "SELECT family_id, period, billed, paid, paid_period FROM contributions")
    fam = read(engine, "SELECT id, members, weight, regency_code, arrears_before_months FROM families")
    first = int(c["period"].min())
    unpaid = c[(c["period"] <= period) & (c["paid_period"].isna() | (c["paid_period"] > period))].copy()
    unpaid["owed"] = np.where(unpaid["paid_period"].isna(), unpaid["billed"] - unpaid["paid"], unpaid["billed"])
    g = unpaid.groupby("family_id").agg(n=("period", "size"), rp=("owed", "sum"), first_p=("period", "min"),
                                        bill=("billed", "max")).join(fam.set_index("id"))
    before = np.where(g["first_p"] == first, g["arrears_before_months"], 0)
    capped = np.minimum(before, rules.MAX_ARREARS_MONTHS_BILLED - g["n"])
    g["rp_total"] = (g["rp"] + capped * g["bill"]) * g["weight"]
    g["people"] = g["members"] * g["weight"]
    g["branch_code"] = g["regency_code"].map(branch_of)
    return g.groupby("branch_code")[["people", "rp_total"]].sum().rename(columns={"rp_total": "rp"}).astype(int)


def hand_capacity(engine: Engine, period: int, branch_of: dict[str, str]) -> pd.DataFrame:
    f = read(engine, "SELECT code, level, type, doctors, regency_code FROM facilities")
    fm = read(engine, f"SELECT facility_code, registered FROM facility_months WHERE period = {period}")
    f = f.merge(fm, left_on="code", right_on="facility_code", how="left")
    gp = (f["level"] == "FKTP") & ~f["type"].isin(rules.NON_GP_FKTP_TYPES)
    f["fktp"] = (f["level"] == "FKTP").astype(int)
    f["fkrtl"] = (f["level"] == "FKRTL").astype(int)
    f["gp_doctors"] = np.where(gp, f["doctors"], 0)
    f["panel"] = np.where(gp, f["registered"].fillna(0), 0)
    f["branch_code"] = f["regency_code"].map(branch_of)
    out = f.groupby("branch_code")[["fktp", "fkrtl", "gp_doctors", "panel"]].sum().astype(int)
    return out.rename(columns={"gp_doctors": "doctors", "panel": "registered"})


def kpis_per_branch(engine: Engine, period: int) -> dict[str, pd.DataFrame]:
    cov = kpi.coverage(engine, ADMIN, "branch", period).set_index("code")
    col = kpi.collectability(engine, ADMIN, "branch").set_index("branch_code")
    arr = kpi.arrears_by_branch(engine, ADMIN, period).set_index("branch_code")
    cap = kpi.capacity(engine, ADMIN, "branch", period).set_index("code")
    return {"coverage": cov, "collectability": col, "arrears": arr, "capacity": cap}


def assert_follow(got: dict[str, pd.DataFrame], engine: Engine, period: int, branch_of: dict[str, str]) -> None:
    expected = {
        "coverage": hand_coverage(engine, period, branch_of),
        "collectability": hand_collectability(engine, branch_of),
        "arrears": hand_arrears(engine, period, branch_of),
        "capacity": hand_capacity(engine, period, branch_of),
    }
    for name, want in expected.items():
        have = got[name]
        # branches holding nothing under a map are absent from one side or zero on the other
        want = want[(want != 0).any(axis=1)]
        have = have.loc[have.index.isin(want.index) | (have[want.columns] != 0).any(axis=1), want.columns]
        have = have.astype(int).sort_index()
        pd.testing.assert_frame_equal(have, want.sort_index(), check_names=False, obj=name)
    cov = got["coverage"]
    assert np.allclose(cov["coverage_pct"], np.round(cov["participants"] / cov["population"] * 100, 2),
                       equal_nan=True)


# --- the map --------------------------------------------------------------------------------------
def test_replacing_the_map_moves_every_kpi_per_branch(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    engine = writable_sqlite_world.engine
    period = kpi.latest_period(engine)
    old = read(engine, "SELECT code, branch_code FROM regencies")
    new_map = replacement_map(engine)
    moved = set(new_map["code"][new_map["branch_code"].to_numpy() != new_map["code"].map(
        dict(zip(old["code"], old["branch_code"], strict=True))).to_numpy()])
    assert len(moved) >= 10, "the replacement map must move regencies"
    branch_of = dict(zip(new_map["code"], new_map["branch_code"], strict=True))
    before_rows = {t: int(read(engine, f"SELECT COUNT(*) n FROM {t} WHERE regency_code IN "
                                       f"({','.join(repr(c) for c in sorted(moved))})")["n"][0])
                   for t in ("families", "participants", "facilities")}

    dry = import_file(engine, ADMIN, "regencies", csv(new_map), "peta_cabang.csv", dry_run=True)
    assert dry.ok and dry.updated == len(moved) and dry.moved == before_rows, (dry.problems, dry.moved)
    assert read(engine, "SELECT code, branch_code FROM regencies").equals(old)  # a dry run writes nothing

    report = import_file(engine, ADMIN, "regencies", csv(new_map), "peta_cabang.csv")
    assert report.ok, report.problems
    assert report.updated == len(moved) and report.changes == {"branch_code": len(moved)}
    assert report.moved == before_rows and not report.warnings and not report.name_warnings
    action, detail = last_audit(engine)
    assert action == "import" and detail["table"] == "regencies" and detail["moved"] == before_rows

    # the copies of the branch moved with their regency (nothing left behind)
    for table in ("families", "participants", "facilities"):
        stale = read(engine, f"SELECT COUNT(*) n FROM {table} t JOIN regencies r ON r.code = t.regency_code "
                             "WHERE t.branch_code <> r.branch_code")["n"][0]
        assert stale == 0, table
    # the after-import hook refreshed the two branches of each move: the aggregates are current
    assert aggregates_hold(engine, period)
    assert_follow(kpis_per_branch(engine, period), engine, period, branch_of)
    assert_follow(without_aggregates(engine, lambda: kpis_per_branch(engine, period)), engine, period, branch_of)

    again = import_file(engine, ADMIN, "regencies", csv(new_map), "peta_cabang.csv")
    assert again.ok and again.updated == 0 and again.unchanged == len(new_map) and not any(again.moved.values())


def test_new_branches_and_map_from_files(writable_sqlite_world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A region and a branch that did not exist, then one regency moved into the new branch (docs/imports.md)."""
    engine = writable_sqlite_world.engine
    period = kpi.latest_period(engine)
    reg = read(engine, "SELECT r.code, r.name, r.province_code, r.branch_code, b.region_code FROM regencies r "
                       "JOIN branches b ON b.code = r.branch_code ORDER BY r.code").iloc[0]
    assert import_file(engine, ADMIN, "regions", b"code,name\nKW99,Kedeputian Wilayah Uji\n", "r.csv").ok
    branches = f"code,name,region_code,province_code\n9901,Cabang Uji,KW99,{reg.province_code}\n".encode()
    assert import_file(engine, ADMIN, "branches", branches, "b.csv").inserted == 1
    before = kpi.coverage(engine, ADMIN, "branch", period).set_index("code")
    moved = import_file(engine, ADMIN, "regencies",
                        f"code,branch_code\n{reg.code},9901\n".encode(), "move.csv")
    assert moved.ok and moved.updated == 1, moved.problems
    after = kpi.coverage(engine, ADMIN, "branch", period).set_index("code")
    want = hand_coverage(engine, period, dict(read(engine, "SELECT code, branch_code FROM regencies").values))
    assert after.loc["9901", "participants"] == want.loc["9901", "participants"] > 0
    assert (after.loc[reg.branch_code, "population"] + after.loc["9901", "population"]
            == before.loc[reg.branch_code, "population"])
    region = kpi.coverage(engine, ADMIN, "region", period).set_index("code")
    assert region.loc["KW99", "participants"] == after.loc["9901", "participants"]
    # the new branch's own figures: collectability and capacity follow too (incremental refresh)
    assert aggregates_hold(engine, period)
    cap = kpi.capacity(engine, ADMIN, "branch", period).set_index("code")
    assert cap.loc["9901", "fktp"] == hand_capacity(engine, period, dict(
        read(engine, "SELECT code, branch_code FROM regencies").values)).loc["9901", "fktp"]


def test_bad_map_is_rejected_whole_with_every_problem(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    engine = writable_sqlite_world.engine
    old = read(engine, "SELECT * FROM regencies ORDER BY code")
    a, b = old.iloc[0], old.iloc[1]
    other_prov = "31" if a.province_code != "31" else "16"
    body = (
        "code,name,province_code,branch_code\n"
        f"{b.code},{b.name},{b.province_code},{a.branch_code}\n"  # valid: would move b
        f"{a.code},{a.name},{a.province_code},9999\n"  # unknown branch
        f"1671,Kota Palembang,16,{a.branch_code}\n"  # not a Kemendagri code
        f"{a.code[:2]}.99,Kabupaten Baru,{other_prov},{a.branch_code}\n"  # province is not the code's
    ).encode()
    report = import_file(engine, ADMIN, "regencies", body, "map.csv")
    assert not report.ok
    shown = [str(p) for p in report.problems]
    assert any(s.startswith("row 3, column branch_code: unknown branch_code '9999'") for s in shown), shown
    assert any(s.startswith("row 4, column code: '1671' is not valid: Kemendagri code") for s in shown), shown
    assert any(s.startswith(f"row 5, column province_code: regency {a.code[:2]}.99 lies in province") for s in shown)
    assert read(engine, "SELECT * FROM regencies ORDER BY code").equals(old)  # all rows or none
    action, detail = last_audit(engine)
    assert action == "import_rejected" and detail["problems"] == len(report.problems) == 3


# --- names that disagree with their code -----------------------------------------------------------
def test_name_that_disagrees_with_its_code_is_warned_not_rejected(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    engine = writable_sqlite_world.engine
    reg = read(engine, "SELECT code, name FROM regencies ORDER BY code")
    a, b = reg.iloc[0], reg.iloc[1]
    bare = a["name"].split(" ", 1)[1].upper()  # "KOTA PALEMBANG" -> "PALEMBANG": same place
    body = ("regency_code,year,population,regency_name\n"
            f"{a.code},2030,1000,{bare}\n"
            f"{b.code},2030,2000,{a['name']}\n"  # b's code with a's name: the wrong place
            f"{a.code},2031,1000,\n").encode()
    report = import_file(engine, ADMIN, "population", body, "penduduk.csv")
    assert report.ok and report.inserted == 3
    assert [(w.row, w.column) for w in report.name_warnings] == [(3, "regency_name")]
    reason = report.name_warnings[0].reason
    assert f"'{a['name']}' is not the name of regency_code {b.code}" in reason and b["name"] in reason
    assert "1 name warning(s)" in report.summary()
    action, detail = last_audit(engine)
    assert action == "import" and detail["name_warnings"] == 1

    # a reference table's own name: a rename of an existing code is warned, a new code is not
    rename = (f"code,name,province_code,branch_code\n{a.code},Kabupaten Probolinggo,"
              f"{a.code[:2]},{read(engine, f'SELECT branch_code FROM regencies WHERE code = {a.code!r}').iloc[0, 0]}\n")
    dry = import_file(engine, ADMIN, "regencies", rename.encode(), "r.csv", dry_run=True)
    assert dry.ok and [(w.row, w.column) for w in dry.name_warnings] == [(2, "name")]
    assert "importing renames it" in dry.name_warnings[0].reason
    assert last_audit(engine) == ("import_dry_run", {**last_audit(engine)[1], "name_warnings": 1})

    # targets name their unit by level and code: a branch target under another branch's name is pointed out
    branches = read(engine, "SELECT code, name FROM branches ORDER BY code")
    (c1, n1), (c2, n2) = branches.iloc[0], branches.iloc[1]
    prov = read(engine, "SELECT code, name FROM provinces ORDER BY code").iloc[0]
    body = ("kpi,level,code,year,target,name\n"
            f"coverage_pct,branch,{c1},2030,99,Kantor Cabang {n1}\n"
            f"coverage_pct,branch,{c2},2030,99,{n1}\n"
            f"coverage_pct,province,{prov.code},2030,99,Provinsi {prov['name']}\n"
            "coverage_pct,national,,2030,99,\n")
    targets = import_file(engine, ADMIN, "targets", body.encode(), "t.csv", dry_run=True)
    assert targets.ok and [(w.row, w.column) for w in targets.name_warnings] == [(3, "name")]
    assert f"in the database {c2} is '{n2}'" in targets.name_warnings[0].reason


def test_cli_imports_the_map_and_prints_warnings(writable_sqlite_world, tmp_path: Path, monkeypatch,  # type: ignore[no-untyped-def]
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from jkn_core import db
    from jkn_core.cli import main

    engine = writable_sqlite_world.engine
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.setenv("JKN_LANG", "en")  # the English report lines (Indonesian by default)
    getattr(db.get_engine, "cache_clear", lambda: None)()
    try:
        reg = read(engine, "SELECT r.code, r.branch_code, b.name AS branch_name FROM regencies r "
                           "JOIN branches b ON b.code = r.branch_code ORDER BY r.code")
        other = reg[reg["branch_code"] != reg.iloc[0]["branch_code"]].iloc[0]
        path = tmp_path / "peta.csv"
        path.write_text(f"code,branch_code,branch_name\n{reg.iloc[0]['code']},{other['branch_code']},"
                        f"{reg.iloc[0]['branch_name']}\n", encoding="utf-8")
        assert main(["import", "regencies", str(path), "--dry-run"]) == 0
        out = capsys.readouterr()
        assert "regencies: 1 row(s) in peta.csv: 0 inserted, 1 updated" in out.out
        assert "moved to their regency's new branch" in out.out and "dry run" in out.out
        assert (f"warning: row 2, column branch_name: '{reg.iloc[0]['branch_name']}' is not the name of "
                f"branch_code {other['branch_code']}") in out.err
        assert main(["import", "regencies", str(tmp_path / "nope.csv")]) == 1
        assert "cannot read the file" in capsys.readouterr().err
    finally:
        db.get_engine().dispose()
        getattr(db.get_engine, "cache_clear", lambda: None)()


# --- both databases: the move happens in the import's transaction ----------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database with the import tests' few reference rows (one branch, regency, two facilities and
    families), on SQLite and on the throwaway PostgreSQL server."""
    from tests.integration.test_imports import seeded_engine

    eng = seeded_engine(request, tmp_path / "org.db")
    yield eng
    eng.dispose()


def test_moving_a_regency_moves_its_rows_on_both_databases(seeded: Engine) -> None:
    from tests.integration.test_imports import PARTICIPANT_HEADER, _participant, csv_bytes

    engine = seeded
    rows = [PARTICIPANT_HEADER, _participant(1, 500000001), _participant(2, 500000001),
            _participant(3, 500000002)]
    assert import_file(engine, ADMIN, "participants", csv_bytes(*rows), "p.csv").ok
    assert import_file(engine, ADMIN, "branches", b"code,name,region_code,province_code\n"
                                                  b"0399,Palembang Ilir,KW03,16\n", "b.csv").inserted == 1
    new = import_file(engine, ADMIN, "regencies", b"code,branch_code\n16.99,0399\n", "new.csv")
    assert not new.ok and [str(p) for p in new.problems] == [
        "row 2, column name: name is required for a new regency (16.99 does not exist yet)",
        "row 2, column province_code: province_code is required for a new regency (16.99 does not exist yet)"]
    report = import_file(engine, ADMIN, "regencies", b"code,branch_code,branch_name\n16.71,0399,Palembang Ilir\n",
                         "map.csv")
    assert report.ok and report.moved == {"families": 2, "participants": 3, "facilities": 2}, report
    assert not report.name_warnings
    for table in ("families", "participants", "facilities"):
        assert set(read(engine, f"SELECT DISTINCT branch_code FROM {table}")["branch_code"]) == {"0399"}, table
    assert read(engine, "SELECT name, is_city FROM regencies WHERE code = '16.71'").iloc[0].tolist() == [
        "Kota Palembang", True]  # the columns the map file left out are kept
    # a later participants file still naming the old branch: accepted, but the row is pointed out
    late = import_file(engine, ADMIN, "participants", csv_bytes(PARTICIPANT_HEADER, _participant(4, 500000001)),
                       "p2.csv", dry_run=True)
    assert late.ok and [str(w) for w in late.name_warnings] == [
        "row 2, column branch_code: regency 16.71 belongs to branch 0399 in the regency → branch map, not 0301; "
        "the row counts in branch 0301"]
