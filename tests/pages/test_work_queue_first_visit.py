"""The work queue's first visit on a fresh database: the branch user's own branch is scored, not the country."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from jkn_core.collection import model as delinquency
from jkn_core.i18n import t
from tests.apptest import sign_in
from tests.conftest import ROOT


@pytest.fixture
def fresh_app(monkeypatch, writable_sqlite_world):
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    return writable_sqlite_world


def _queue(user: str):  # type: ignore[no-untyped-def]
    at = sign_in(user)
    at.switch_page("pages/work_queue.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at.dataframe[0].value


def test_a_branch_users_first_visit_scores_only_its_branch(fresh_app, monkeypatch) -> None:
    eng = fresh_app.engine
    with eng.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM model_scores")).scalar() == 0  # a fresh demo database
        own = {int(r[0]) for r in conn.execute(text("SELECT id FROM families WHERE branch_code = '0301'"))}
        others = conn.execute(text("SELECT COUNT(*) FROM families WHERE branch_code <> '0301'")).scalar()
    assert others > 0  # the world holds other branches the visit must not score

    scored: list[int] = []
    real_predict = delinquency.predict

    def spy(model, frame):  # type: ignore[no-untyped-def]
        scored.extend(int(f) for f in frame["family_id"])
        return real_predict(model, frame)

    monkeypatch.setattr(delinquency, "predict", spy)
    first = _queue("cabang")
    assert len(first) > 10
    assert scored and set(scored) <= own  # only families of the user's branch went through the model
    with eng.connect() as conn:  # nothing stored, no national scoring run audited
        assert conn.execute(text("SELECT COUNT(*) FROM model_scores")).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM audit_log WHERE action = 'score_run'")).scalar() == 0

    # the same queue as the stored national scores give, once they exist
    monkeypatch.setattr(delinquency, "predict", real_predict)
    assert delinquency.score(eng) > len(own)
    stored = _queue("cabang")
    cols = [t("hdr_rank"), t("hdr_family"), t("hdr_arrears_rp"), t("hdr_expected_recovery")]
    assert stored[cols].equals(first[cols])
