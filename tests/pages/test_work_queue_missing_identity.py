"""The work queue on families imported without identities (issue 16 item 4): a modelling extract leaves
``name``, ``nik``, ``birth_date`` and ``fktp_code`` empty; the queue, its details and its downloads still
work and show the family number alone, with "—" (or an empty cell) where the name and NIK would be."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from jkn_core.i18n import t
from tests.apptest import sign_in
from tests.conftest import ROOT


@pytest.fixture
def anonymous_branch(monkeypatch, writable_sqlite_world):
    eng = writable_sqlite_world.engine
    with eng.begin() as conn:  # branch 0301's people as a modelling extract carries them
        conn.execute(text("UPDATE participants SET name = NULL, nik = NULL, birth_date = NULL, fktp_code = NULL "
                          "WHERE branch_code = '0301'"))
        conn.execute(text("UPDATE families SET head_birth_year = NULL WHERE branch_code = '0301'"))
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    return writable_sqlite_world


def _missing(value: object) -> bool:
    return value is None or value != value or str(value) in ("", "—", "None", "nan", "<NA>")


def test_queue_without_names_or_nik(anonymous_branch) -> None:
    at = sign_in("cabang", "cabang-demo")
    at.switch_page("pages/work_queue.py").run()
    assert not at.exception, [e.value for e in at.exception]
    main = at.dataframe[0].value
    assert len(main) > 10
    # the family column is the family number alone (no "· None")
    families = main[t("hdr_family")].astype(str)
    assert families.str.fullmatch(r"\d+").all(), families.head().tolist()
    details = at.dataframe[1].value
    assert details[t("hdr_family_id")].notna().all()
    name_col, nik_col = t("hdr_name"), t("hdr_nik")
    assert details[name_col].map(_missing).all() and details[nik_col].map(_missing).all()
    assert "None" not in details[name_col].astype(str).tolist()
    labels = [b.label for b in at.get("download_button")]
    assert "Unduh CSV" in labels and "Unduh Excel" in labels
