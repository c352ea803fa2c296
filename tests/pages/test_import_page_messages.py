"""The admin Import page shows no English-only text in Indonesian (issue 17): the rules of the table, the reasons
of a rejected file (also those a module gives as English text: the Rehab rules) and the report line."""

from __future__ import annotations

import pytest

from jkn_core.i18n import t
from pages import common
from tests.apptest import sign_in, texts
from tests.conftest import ROOT
from tests.pages.test_imports_page import run_import

#: a plan breaking Rehab rules (15 stages, 30 months in arrears) and a stage amount that is not the split
PLAN = (b"id,family_id,branch_code,enrolled_on,arrears_months,debt_rp,stages,stage_amount_rp,first_period\n"
        b"9001,34557,0301,2024-04-14,30,1540000,15,1,202404\n")
ENGLISH = (" is ", " needs ", " the ", " must ", " rule:")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_rules_reasons_and_report_in_the_chosen_language(writable_sqlite_world, monkeypatch, lang: str) -> None:
    monkeypatch.setattr(common, "lang", lambda: lang)  # AppTest re-renders outside the script run (see sibling)
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    at = sign_in("admin", lang=lang)
    at.session_state["lang"] = lang
    at.switch_page("pages/admin_import.py").run()
    at.selectbox(key="import_table").select("rehab_plans").run()
    rules = next(m.value for m in at.markdown if m.value.startswith(f"**{t('adm_rules', lang)}**"))
    assert ("Aturan Rehab: keluarganya PBPU/BP" in rules) == (lang == "id")
    assert ("Rehab rules: the family is PBPU/BP" in rules) == (lang == "en")
    schema = next(d.value for d in at.dataframe if t("adm_col_meaning", lang) in d.value.columns)
    meaning = dict(zip(schema[t("adm_col_column", lang)], schema[t("adm_col_meaning", lang)], strict=True))
    assert meaning["stages"] == ("jumlah tahap yang dipilih (1–12)" if lang == "id" else "number of stages chosen (1–12)")

    run_import(at, "rehab_plans", "rehab.csv", PLAN, dry_run=True)
    problems = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    reasons = dict(zip(problems["column"], problems["reason"], strict=False))
    if lang == "id":
        assert reasons["stages"] == "Aturan Rehab: 15 tahap; rencana punya 1-12 tahap"
        assert reasons["arrears_months"] == "Aturan Rehab: menunggak 30 bulan; rencana butuh 4-24"
        english = [r for r in problems["reason"] if any(w in r for w in ENGLISH)]
        assert not english, english
        assert "rehab.csv ditolak" in texts(at.error)
    else:
        assert reasons["stages"] == "Rehab rule: 15 stages; a plan has 1-12"
