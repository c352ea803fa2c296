"""The admin Import page in both languages: the schema help and a rejected file's problems (issue 17 item 5)."""

from __future__ import annotations

import pytest

from jkn_core.i18n import t
from pages import common
from tests.apptest import sign_in
from tests.conftest import ROOT
from tests.pages.test_imports_page import run_import

BAD = b"family_id,period,billed,paid,paid_date\nabc,202401,35000,0,\n"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_schema_and_problems_in_the_chosen_language(writable_sqlite_world, monkeypatch, lang: str) -> None:
    # AppTest re-formats pickers outside the script run, where the session's language cannot be read: pin it
    monkeypatch.setattr(common, "lang", lambda: lang)
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    at = sign_in("admin", lang=lang)
    at.session_state["lang"] = lang
    at.switch_page("pages/admin_import.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="import_table").select("contributions").run()
    schema = next(d.value for d in at.dataframe if t("adm_col_meaning", lang) in d.value.columns)
    meaning = dict(zip(schema[t("adm_col_column", lang)], schema[t("adm_col_meaning", lang)], strict=True))
    required = dict(zip(schema[t("adm_col_column", lang)], schema[t("adm_col_required", lang)], strict=True))
    if lang == "id":
        assert meaning["paid_date"] == "tanggal bayar; kosong bila belum dibayar"
        assert required["family_id"] == "ya" and required["paid_period"] == "tidak (diturunkan dari `paid_date`)"
        assert any("Buku iuran bulanan" in m.value for m in at.markdown)
    else:
        assert meaning["paid_date"] == "date of payment; empty when unpaid" and required["family_id"] == "yes"

    run_import(at, "contributions", "contributions.csv", BAD, dry_run=True)
    problems = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    reason = problems.loc[problems["column"] == "family_id", "reason"].iloc[0]
    assert reason == ("'abc' bukan bilangan bulat (hanya angka, tanpa desimal atau pemisah ribuan)" if lang == "id"
                      else "'abc' is not a whole number (use digits only, no decimals or thousands separators)")
