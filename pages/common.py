"""Streamlit glue shared by app.py and the pages: database, signed-in scope, language, formatting.

No KPI is computed here: pages call jkn_core and draw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from jkn_core import access, fmt, kpi
from jkn_core.db import get_engine, is_populated
from jkn_core.exports import MIME_TYPES, export_table, may_export
from jkn_core.i18n import LANGS
from jkn_core.i18n import t as _t
from jkn_core.scope import Scope


def check_page_files(page_files: Mapping[str, tuple[str, str, str]], root: Path) -> None:
    """Raise ``RuntimeError`` unless app.py's page files name exactly the pages of ``access.PAGES``.

    ``page_files`` is app.py's ``PAGE_FILES`` (page key -> (file, group, icon)); every file must exist
    under ``root``. app.py calls this at start-up, so a page registered without a file (or a file gone)
    is an error rather than a page silently missing from the navigation.
    """
    problems = []
    without_file = [key for key in access.PAGES if key not in page_files]
    if without_file:
        problems.append(f"pages in jkn_core.access.PAGES without an entry in PAGE_FILES: "
                        f"{', '.join(without_file)}")
    without_rule = [key for key in page_files if key not in access.PAGES]
    if without_rule:
        problems.append(f"pages in PAGE_FILES without an access rule in jkn_core.access.PAGES: "
                        f"{', '.join(without_rule)}")
    missing = [file for file, _group, _icon in page_files.values() if not (root / file).is_file()]
    if missing:
        problems.append(f"page files that do not exist: {', '.join(missing)}")
    if problems:
        raise RuntimeError("app.py's PAGE_FILES and jkn_core.access.PAGES disagree: " + "; ".join(problems))


def engine():  # type: ignore[no-untyped-def]
    return get_engine()


@st.cache_resource(show_spinner=False)
def _first_start_lock() -> dict:
    return {"done": False}


def ensure_database() -> None:
    """On first start, build the default demo world (with a progress bar); later starts reuse it."""
    state = _first_start_lock()
    if state["done"]:
        return
    eng = engine()
    if not is_populated(eng):
        from jkn_core.demo.generator import generate

        bar = st.progress(0.0, text=_t("first_start", lang()))
        generate(eng, progress=lambda f, m: bar.progress(min(f, 1.0), text=f"{_t('first_start', lang())} {m}"))
        bar.empty()
    state["done"] = True


def lang() -> str:
    """The UI language: ``"id"`` or ``"en"``; anything else (a hand-typed ``?lang=xx``) is ignored."""
    chosen = st.session_state.get("lang")
    if chosen in LANGS:
        return chosen
    asked = st.query_params.get("lang")
    return asked if asked in LANGS else "id"


def client_address() -> str:
    """The client's address as Streamlit sees it (``st.context.ip_address``), or ``"unknown"``.

    Streamlit reports no address for a local connection, and behind a reverse proxy it sees the proxy:
    both read as ``"unknown"``, which the sign-in throttle does not lock per address.
    """
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no client context (bare script run)
        address = None
    return str(address) if address else "unknown"


def session_id() -> str | None:
    """This browser session's Streamlit id (the audit trail stores only a digest of it)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def t(key: str) -> str:
    return _t(key, lang())


def scope() -> Scope:
    """The signed-in user's scope (app.py guarantees a signed-in user before pages run)."""
    s = st.session_state.get("scope")
    if s is None:
        st.stop()
    return s


def require(page_key: str) -> Scope:
    s = scope()
    try:
        access.require_page(s, page_key)
    except access.ScopeError:
        st.error(t("not_allowed"))
        st.stop()
    st.session_state["last_activity"] = dt.datetime.now(dt.UTC)
    return s


def rupiah(x: float | int | None) -> str:
    return fmt.rupiah(x, lang())


def number(x: float | int | None, decimals: int = 0) -> str:
    return fmt.number(x, decimals, lang())


def pct(x: float | None, decimals: int = 2) -> str:
    return fmt.pct(x, decimals, lang())


def segment_label(code: object) -> str:
    """A membership segment as users name it (``PBI_APBD`` → "PBPU Pemda"), never the raw code."""
    return t(f"seg_{code}")


def period_label(p: int) -> str:
    return fmt.period_label(p, lang())


def download_buttons(df: pd.DataFrame, what: str, key: str) -> None:
    """CSV and Excel downloads of a table; every export goes through jkn_core.exports (scope, audit)."""
    s = scope()
    if not may_export(s, df):
        st.caption(t("not_allowed"))
        return
    c1, c2 = st.columns(2)
    for col, fmt_, label in ((c1, "csv", "download_csv"), (c2, "xlsx", "download_xlsx")):
        # deferred: the file is made (and the export audited) only when the user clicks
        col.download_button(t(label), data=lambda f=fmt_: export_table(engine(), s, df, what, f),
                            file_name=f"{what}.{fmt_}", mime=MIME_TYPES[fmt_], key=f"dl_{key}_{fmt_}",
                            on_click="ignore")


def synthetic_banner() -> None:
    if kpi.is_synthetic(engine()):
        st.caption(f"⚠️ {t('synthetic_notice')}")
