"""``pages.common.lang`` is read once per script run (issue 18, load: every ``t()`` asked the session state,
a lock and a stop-request check each time) and still follows every change: a switch in the run itself
(``set_lang``, what the sidebar's language control calls), a change between runs, the ``?lang=`` address."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from jkn_core.i18n import t
from tests.conftest import ROOT


def _app() -> None:
    import streamlit as st

    from pages.common import lang, set_lang
    from pages.common import t as page_t

    st.text(f"start:{lang()}:{page_t('sign_in')}")
    switch = st.query_params.get("switch")
    if switch:
        set_lang(switch)
    st.text(f"end:{lang()}:{page_t('sign_in')}")


def _shown(at: AppTest) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.text]


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.chdir(ROOT)
    return AppTest.from_function(_app, default_timeout=60)


def test_a_switch_in_the_run_takes_effect_at_once(app: AppTest) -> None:
    app.query_params["switch"] = "en"
    assert _shown(app.run()) == [f"start:id:{t('sign_in', 'id')}", f"end:en:{t('sign_in', 'en')}"]
    del app.query_params["switch"]
    assert _shown(app.run()) == [f"start:en:{t('sign_in', 'en')}", f"end:en:{t('sign_in', 'en')}"]


def test_a_change_between_runs_is_read_in_the_next_run(app: AppTest) -> None:
    assert _shown(app.run())[0] == f"start:id:{t('sign_in', 'id')}"
    app.session_state["lang"] = "en"
    assert _shown(app.run()) == [f"start:en:{t('sign_in', 'en')}", f"end:en:{t('sign_in', 'en')}"]
    app.session_state["lang"] = "xx"  # not a language: the address, then Indonesian
    app.query_params["lang"] = "en"
    assert _shown(app.run())[0] == f"start:en:{t('sign_in', 'en')}"
    del app.query_params["lang"]
    assert _shown(app.run())[0] == f"start:id:{t('sign_in', 'id')}"
