"""The admin pages in-process (Streamlit AppTest) on a private copy of the small world.

An admin imports a targets file through the import page (dry run first, then for real), sees every
problem of a broken file (and nothing is written), creates a user who can then sign in, deactivates
them, and reads sign-ins in the audit log.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from jkn_core import access
from jkn_core.i18n import t
from jkn_core.schema import AuditLog, Target
from tests.apptest import sign_in, texts
from tests.conftest import ROOT

VALID_TARGETS = (
    b"kpi,level,code,year,target\n"
    b"coverage_pct,national,,2025,99\n"  # existing key (98.5): updated
    b"coverage_pct,region,KW03,2026,97.5\n"  # new
    b"collectability_pct,branch,0301,2026,70\n"  # new
)
BROKEN_TARGETS = (
    b"kpi,level,code,year,target\n"
    b"coverage_pct,region,KW03,2026,97.5\n"  # fine, but the file is rejected as a whole
    b"coverage_pct,branch,9999,2026,90\n"  # unknown branch code
    b"collectability_pct,national,,twenty,70\n"  # year is not a number
    b"active_pct,national,,2026,150\n"  # a percentage over 100
)


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


@pytest.fixture
def admin_app(writable_sqlite_world, monkeypatch):
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    at = sign_in("admin", "admin-demo")
    assert at.session_state["scope"].role == "admin"
    return at, writable_sqlite_world.engine


def _frame(at: AppTest, column: str) -> pd.DataFrame:
    """The (only) table on the page that has the header ``column`` (AppTest finds dataframes by position,
    not key). Headers are what the reader sees (translated), cells the values under the formats."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(frames) == 1, [list(d.value.columns) for d in at.dataframe]
    return frames[0]


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_import_page_dry_run_then_import_of_targets(admin_app) -> None:
    at, engine = admin_app
    before = _count(engine, Target)
    at.switch_page("pages/admin_import.py").run()
    at.selectbox(key="import_table").select("targets").run()
    schema = at.dataframe[0].value
    assert list(schema.iloc[:, 0]) == ["kpi", "level", "code", "year", "target", "name"]  # the documented schema
    assert at.get("download_button")  # the template
    at.file_uploader(key="import_file").set_value(("targets_2026.csv", VALID_TARGETS, "text/csv")).run()

    # dry run (the default): shows what would change, writes nothing
    assert at.toggle(key="import_dry_run").value is True
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("adm_inserted")] == "2" and metrics[t("adm_updated")] == "1", metrics
    assert "targets_2026.csv" in texts(at.info)
    assert _count(engine, Target) == before

    # for real: two rows more, the national 2025 target updated, one audit row
    at.toggle(key="import_dry_run").set_value(False).run()
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    assert "targets_2026.csv" in texts(at.success)
    assert _count(engine, Target) == before + 2
    with engine.connect() as conn:
        assert conn.execute(select(Target.target).where(Target.kpi == "coverage_pct", Target.level == "national",
                                                        Target.year == 2025)).scalar() == 99
        rows = conn.execute(select(AuditLog.action, AuditLog.detail).where(AuditLog.action.like("import%"),
                                                                           AuditLog.username == "admin")).all()
    # the dry run and the import are both audited, each with its status
    assert sorted((a, json.loads(d)["status"]) for a, d in rows) == [("import", "ok"), ("import_dry_run", "dry_run")]

    # the same file again: nothing changes
    at.button(key="import_run").click().run()
    assert {m.label: m.value for m in at.metric}[t("adm_unchanged")] == "3"
    assert _count(engine, Target) == before + 2

    # the targets page shows the imported rows and links to the import page
    at.switch_page("pages/admin_targets.py").run()
    assert not at.exception, at.exception
    shown = _frame(at, t("adm_kpi"))
    assert len(shown) == before + 2
    assert ((shown[t("adm_kpi")] == t("kpi_collectability_pct")) & (shown[t("adm_code")] == "0301")).any()
    assert {b.label for b in at.get("download_button")} == {t("download_csv"), t("download_xlsx")}


def test_import_page_lists_every_problem_and_writes_nothing(admin_app) -> None:
    at, engine = admin_app
    before_targets, before_audit = _count(engine, Target), _count(engine, AuditLog)
    at.switch_page("pages/admin_import.py").run()
    at.selectbox(key="import_table").select("targets").run()
    at.file_uploader(key="import_file").set_value(("broken.csv", BROKEN_TARGETS, "text/csv")).run()
    at.toggle(key="import_dry_run").set_value(False).run()
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception

    assert "broken.csv" in texts(at.error)
    problems = _frame(at, "reason")
    # header = row 1, so the file's data rows are 2..5; every bad row named with its column
    found = {(int(r), c) for r, c in zip(problems["row"], problems["column"], strict=True)}
    assert {(3, "code"), (4, "year"), (5, "target")} <= found, problems
    assert 2 not in {r for r, _ in found}
    assert all(isinstance(x, str) and x for x in problems["reason"])
    dl = [b for b in at.get("download_button") if b.label == t("adm_problems_download")]
    assert dl, "the problems must be downloadable"
    assert _count(engine, Target) == before_targets  # nothing written
    assert _count(engine, AuditLog) == before_audit + 1  # the rejected import is audited (no values in it)
    with engine.connect() as conn:
        last = conn.execute(select(AuditLog.action, AuditLog.detail).order_by(AuditLog.id.desc()).limit(1)).one()
    assert last.action == "import_rejected" and json.loads(last.detail)["status"] == "rejected"


def test_users_page_creates_a_user_who_cansign_in(admin_app) -> None:
    at, engine = admin_app
    at.switch_page("pages/admin_users.py").run()
    users = _frame(at, t("adm_col_username"))
    assert "admin" in set(users[t("adm_col_username")])
    assert not any("hash" in str(c).lower() for c in users.columns)  # never shows hashes

    at.selectbox(key="new_role").select("kantor_cabang").run()
    branch_box = at.selectbox(key="new_branch")
    assert "0301" in branch_box.options[0] or any(o.startswith("0301") for o in branch_box.options)
    at.text_input(key="new_username").input("Rina")
    at.text_input(key="new_password").input("rina-secret-2025")
    branch_box.set_value("0301")
    _button(at, t("adm_create")).click().run()
    assert not at.exception, at.exception
    assert "rina" in texts(at.success)
    users = _frame(at, t("adm_col_username"))
    row = users[users[t("adm_col_username")] == "rina"].iloc[0]
    assert (row[t("adm_role")], row[t("adm_branch")], row[t("adm_region")]) == (t("role_kantor_cabang"), "0301", "KW03")

    # a too-short password is refused with a readable message, and no user is made
    at.selectbox(key="new_role").select("direksi").run()
    at.text_input(key="new_username").input("pendek")
    at.text_input(key="new_password").input("short")
    _button(at, t("adm_create")).click().run()
    assert "8" in texts(at.error)
    assert "pendek" not in set(_frame(at, t("adm_col_username"))[t("adm_col_username")])

    # rina signs in with her branch scope
    rina = sign_in("rina", "rina-secret-2025")
    assert rina.session_state["scope"].branch_code == "0301"

    # deactivated, she cannot sign in any more
    at.selectbox(key="act_user").select("rina").run()
    at.button(key="act_off").click().run()
    assert "rina" in texts(at.success)
    assert access.authenticate(engine, "rina", "rina-secret-2025") is None
    again = sign_in("rina", "rina-secret-2025")
    assert "scope" not in again.session_state
    assert t("sign_in_failed") in texts(again.error)


def test_audit_page_lists_sign_ins_and_filters_by_action(admin_app) -> None:
    at, engine = admin_app
    sign_in("deputi", "wrong-password")  # a failed sign-in, audited
    at.switch_page("pages/admin_audit.py").run()
    assert not at.exception, at.exception
    action, user, detail = t("adm_action"), t("adm_col_user"), t("adm_col_detail")
    log = _frame(at, action)
    assert ((log[user] == "admin") & (log[action] == t("audit_sign_in"))).any()  # in words, not "sign_in"
    assert log[t("hdr_at")].map(type).eq(pd.Timestamp).all()  # times stay times (sorted as such, shown in WIB)

    at.selectbox(key="audit_action").select("sign_in_failed").run()
    log = _frame(at, action)
    assert set(log[action]) == {t("audit_sign_in_failed")}
    failed = log[log[user] == "deputi"]
    assert len(failed) >= 1 and "wrong password" in failed[detail].iloc[0]
    assert "wrong-password" not in log.to_string()  # the password is never stored
    assert {b.label for b in at.get("download_button")} == {t("download_csv"), t("download_xlsx")}

