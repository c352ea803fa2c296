"""Tables for people on every page (issue 17 items 3 and 5): through the real app, every role, both languages.

Each table a page shows is read as the reader sees it (the Styler's display values when the page sends
values plus formats, else the cells): no snake_case header, no "None"/"nan" cell, no raw code, numbers
written the chosen language's way (never the other's, never a bare 1800000 or 202412). The work queue shows
its key columns only (no sideways scrolling) and labels every row owing nothing as prevention.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from jkn_core import access, display
from jkn_core.i18n import STRINGS, t
from pages import common
from tests.apptest import PAGE_FILES, sign_in

USERS = {u.role: u for u in access.DEMO_USERS}
MODEL_PAGES = {"model_delinquency", "model_sif"}  # their tables belong to the model pages' owners
ROLES = ("direksi", "kantor_cabang", "bank_officer", "admin")

#: Codes that must never reach a cell: every code that has a label different from itself.
_PREFIXES = ("seg_", "status_", "action_", "outcome_", "type_", "decision_", "role_", "audit_", "level_",
             "score_source_", "cap_action_", "kpi_")
RAW_CODES = {key[len(p):] for key in STRINGS for p in _PREFIXES if key.startswith(p)}
RAW_CODES = {c for c in RAW_CODES if "_" in c or c.islower()} - {"sms"}  # "PPU", "BP" are their own labels
MISSING_TEXTS = {"None", "nan", "NaN", "NaT", "<NA>", "none", "null"}
#: Columns whose cells are recorded data or names, shown verbatim (an audit detail is JSON, a username a code).
VERBATIM = {"adm_col_detail", "adm_col_user", "adm_col_username", "hdr_note", "sif_note", "adm_col_column",
            "adm_col_example"}
#: Columns that hold identifiers, not amounts (digits without separators are right there).
IDENTIFIERS = {"hdr_family_id", "hdr_year", "adm_year", "hdr_id", "hdr_loan_ref", "adm_code", "hdr_nik",
               *(key for key in STRINGS if key.startswith("hdr_") and key.endswith("code"))}
#: A number written the English / the Indonesian way (tables show at most 2 decimals, so "53.018" is
#: Indonesian for 53 thousand, never English for 53 and a fraction).
NUMBER_EN = re.compile(r"^[-+]?(Rp )?\d{1,3}(,\d{3})+(\.\d+)?( %| \w+)?$|^[-+]?(Rp )?\d+\.\d{1,2}( %)?$")
NUMBER_ID = re.compile(r"^[-+]?(Rp )?\d{1,3}(\.\d{3})+(,\d+)?( %| \w+)?$|^[-+]?(Rp )?\d+,\d{1,2}( %)?$")
BARE_BIG = re.compile(r"^-?\d{5,}(\.\d+)?$")


def shown(el) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The table as its reader sees it: the Styler's display values when there are any, else the cells."""
    styler = el.proto.arrow_data.styler
    if el.proto.arrow_data.HasField("styler") and styler.display_values:
        return dataframe_util.convert_arrow_bytes_to_pandas_df(styler.display_values)
    return el.value


def _headers(lang: str, keys: set[str]) -> set[str]:
    return {t(k, lang) for k in keys}


def table_problems(at: AppTest, lang: str, page: str) -> list[str]:
    """Everything wrong with the page's tables, as readable sentences."""
    wrong_number = NUMBER_ID if lang == "en" else NUMBER_EN
    verbatim, identifiers = _headers(lang, VERBATIM), _headers(lang, IDENTIFIERS)
    problems = []
    for i, el in enumerate(at.dataframe):
        df = shown(el)
        where = f"{page} table {i} ({el.key or '-'})"
        for col in df.columns:
            head = str(col)
            if display.is_snake_case(head) or head in RAW_CODES:
                problems.append(f"{where}: header {head!r}")
            if head.strip() in verbatim:
                continue
            for v in df[col].dropna().astype(str).unique()[:300]:
                if v in MISSING_TEXTS:
                    problems.append(f"{where}: {head!r} shows {v!r}")
                elif v in RAW_CODES:
                    problems.append(f"{where}: {head!r} shows the raw code {v!r}")
                elif wrong_number.match(v) and head.strip() not in identifiers:
                    problems.append(f"{where}: {head!r} shows {v!r}, a number in the other language's format")
                elif BARE_BIG.match(v) and head.strip() not in identifiers:
                    problems.append(f"{where}: {head!r} shows {v!r} without separators")
            if df[col].isna().any() and el.proto.arrow_data.HasField("styler") is False:
                problems.append(f"{where}: {head!r} has empty cells")
    return problems


def _signed_in(lang: str, user: access.DemoUser) -> AppTest:
    return sign_in(user.username, user.password, timeout=240, lang=lang)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_every_table_speaks_the_users_language(app_env, monkeypatch: pytest.MonkeyPatch, role: str,
                                               lang: str) -> None:
    # AppTest re-formats pickers outside the script run, where the session's language cannot be read: pin it
    monkeypatch.setattr(common, "lang", lambda: lang)
    at = _signed_in(lang, USERS[role])
    problems, tables = [], 0
    for key, (file, _group, _icon) in PAGE_FILES.items():
        if key in MODEL_PAGES or role not in access.PAGES.get(key, frozenset()):
            continue
        at.switch_page(file).run()
        assert not at.exception, (key, [e.value for e in at.exception])
        tables += len(at.dataframe)
        problems += table_problems(at, lang, key)
    assert tables, f"{role} saw no table at all"
    assert not problems, "\n".join(problems[:40])


def test_the_check_catches_what_the_issue_saw() -> None:
    """The checks above flag exactly what issue 17 reported (so a green run means something)."""
    raw = pd.DataFrame({"coverage_pct": [95.91], "last_outcome": ["promised"], "family_id": [1800000]})
    assert display.is_snake_case("coverage_pct") and "promised" in RAW_CODES and "in_arrears" not in MISSING_TEXTS
    assert NUMBER_EN.match("21,143,300") and NUMBER_EN.match("95.91") and not NUMBER_EN.match("21.143.300")
    assert NUMBER_ID.match("21.143.300") and NUMBER_ID.match("Rp 1.800.000") and NUMBER_ID.match("95,91 %")
    assert BARE_BIG.match("1800000") and BARE_BIG.match("202412")
    people = display.table(raw, "id").strings()
    assert list(people.columns) == ["Cakupan (%)", "Hasil terakhir", "No. keluarga"]
    assert people.iloc[0].tolist() == ["95,91 %", "Janji bayar", "1800000"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["id", "en"])
def test_work_queue_shows_what_a_collector_needs_and_labels_prevention(app_env, monkeypatch: pytest.MonkeyPatch,
                                                                       lang: str) -> None:
    monkeypatch.setattr(common, "lang", lambda: lang)
    at = _signed_in(lang, USERS["kantor_cabang"])
    at.switch_page(PAGE_FILES["work_queue"][0]).run()
    assert not at.exception, [e.value for e in at.exception]
    frames = [shown(el) for el in at.dataframe]  # (st.dataframe keys are not exposed to AppTest)
    main = next(df for df in frames if display.header("family", lang) in df.columns)
    assert list(main.columns) == [display.header(c, lang) for c in display.QUEUE_MAIN]
    assert len(main.columns) <= 7  # rank, family, months, Rupiah owed, expected recovery, action, reason
    owes_nothing = main[display.header("arrears_rp", lang)] == "Rp 0"
    prevention = main[display.header("action", lang)].str.startswith(t("wq_kind_prevention", lang))
    assert (owes_nothing == prevention).all(), main[owes_nothing != prevention]
    assert main[display.header("arrears_rp", lang)].str.match(r"^Rp \d").all()
    details = next(df for df in frames if display.header("nik", lang) in df.columns)
    assert display.header("nik", lang) in details.columns and display.header("last_outcome", lang) in details.columns
    caption = "\n".join(c.value for c in at.caption)
    assert f"**{t('tbl_total', lang)}**" in caption
