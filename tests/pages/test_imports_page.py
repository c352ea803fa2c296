"""Issue 18 on the admin import page (Streamlit AppTest, a private copy of the small world).

A database error during an import shows one plain problem with an incident id, never the SQL or the
rows' values (finding 8); a partial re-import keeps the values of the columns it leaves out and the page
says which values changed (finding 4); a NUL byte deep in a CSV is refused (finding 8).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from jkn_core.i18n import t
from tests.apptest import sign_in, texts
from tests.conftest import ROOT
from tests.integration.test_imports_limits import NIK, failing_write


@pytest.fixture
def admin_app(writable_sqlite_world, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    at = sign_in("admin", "admin-demo")
    at.switch_page("pages/admin_import.py").run()
    return at, writable_sqlite_world.engine


def everything(at) -> str:  # type: ignore[no-untyped-def]
    shown = [
        texts(getattr(at, kind)) for kind in ("error", "warning", "info", "success", "caption", "markdown")
    ]
    shown += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(shown)


def run_import(at, table: str, name: str, data: bytes, dry_run: bool = False) -> None:  # type: ignore[no-untyped-def]
    at.selectbox(key="import_table").select(table).run()
    at.file_uploader(key="import_file").set_value((name, data, "text/csv")).run()
    at.toggle(key="import_dry_run").set_value(dry_run).run()
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception


def test_database_error_shows_an_incident_not_the_sql(admin_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    at, _ = admin_app
    monkeypatch.setattr("jkn_core.imports.run.write_rows", failing_write)
    run_import(at, "targets", "targets.csv", b"kpi,level,code,year,target\ncoverage_pct,national,,2026,99\n")
    shown = everything(at)
    # the admin signed in in Indonesian (the default): the reason reads in Indonesian
    assert "basis data menolak impor ini (insiden " in shown and "tidak ada yang ditulis" in shown
    for secret in (NIK, "Siti", "INSERT", "IntegrityError", "sqlite3", "Traceback"):
        assert secret not in shown


def test_partial_reimport_keeps_values_and_says_what_changed(admin_app) -> None:  # type: ignore[no-untyped-def]
    at, engine = admin_app
    cols = (
        "id,nik,name,family_id,segment,kelas,sex,birth_date,regency_code,branch_code,fktp_code,registered_on"
    )
    with engine.connect() as conn:
        row = conn.execute(
            text(
                f"SELECT {cols}, status, weight FROM participants "
                "WHERE status <> 'aktif' AND weight <> 1 ORDER BY id LIMIT 1"
            )
        ).one()
    values = [str(v) for v in row[:12]]
    values[2] = values[2] + " Putri"
    run_import(at, "participants", "peserta.csv", (cols + "\n" + ",".join(values) + "\n").encode())
    assert {m.label: m.value for m in at.metric}[t("adm_updated")] == "1"
    assert "1 nilai berubah (name 1)" in texts(at.caption)  # the report line in the UI language (id)
    changes = [d.value for d in at.dataframe if t("adm_updated") in d.value.columns]
    assert len(changes) == 1 and changes[0].to_dict("records") == [
        {t("adm_col_column"): "name", t("adm_updated"): 1}
    ]
    with engine.connect() as conn:
        after = conn.execute(text(f"SELECT status, weight FROM participants WHERE id = {row.id}")).one()
    assert tuple(after) == (row.status, row.weight)


def test_nul_byte_deep_in_a_csv_is_refused(admin_app) -> None:  # type: ignore[no-untyped-def]
    at, _ = admin_app
    body = b"kpi,level,code,year,target\n" + b"coverage_pct,national,,2026,99\n" * 3000 + b"x\x00y\n"
    run_import(at, "targets", "targets.csv", body)
    shown = everything(at)
    assert "berisi byte NUL" in shown and "baris 3.002" in shown  # in the UI language (id)


def test_regency_map_import_shows_moves_and_name_warnings(admin_app) -> None:  # type: ignore[no-untyped-def]
    """Issue 12 items 2-3: the organisation is importable from the page; a moved regency's rows are counted,
    and a name that disagrees with its code is listed as a warning (row, column), not silently accepted."""
    at, engine = admin_app
    assert "regencies" in at.selectbox(key="import_table").options
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT r.code, r.name, r.branch_code FROM regencies r ORDER BY r.code")).all()
        participants = conn.execute(text(f"SELECT COUNT(*) FROM participants WHERE regency_code = '{rows[0].code}'")).scalar()
    target = next(r.branch_code for r in rows if r.branch_code != rows[0].branch_code)
    body = f"code,branch_code,name\n{rows[0].code},{target},{rows[0].name}\n{rows[1].code},{rows[1].branch_code},Probolinggo\n"
    run_import(at, "regencies", "peta.csv", body.encode(), dry_run=True)
    shown = everything(at)
    assert t("adm_moved_participants").format(n=f"{participants:,}".replace(",", ".")) in shown
    warnings = [d.value for d in at.dataframe if len(d.value) and "Probolinggo" in d.value.to_csv()]
    assert len(warnings) == 1 and warnings[0].iloc[0, 0] == 3 and warnings[0].iloc[0, 1] == "name"
    assert t("adm_name_warnings").format(n="1") in texts(at.warning)
    with engine.connect() as conn:  # a dry run: nothing moved
        assert conn.execute(text(f"SELECT branch_code FROM regencies WHERE code = '{rows[0].code}'")).scalar() \
            == rows[0].branch_code
