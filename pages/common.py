"""Streamlit glue shared by app.py and the pages: database, signed-in scope, language, formatting.

No KPI is computed here: pages call jkn_core and draw.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx

from jkn_core import access, display, fmt, kpi
from jkn_core.access import proxies, web_sessions
from jkn_core.db import get_engine, is_populated
from jkn_core.exports import MIME_TYPES, ExportContext, export_filename, export_table, may_export
from jkn_core.i18n import LANGS
from jkn_core.i18n import t as _t
from jkn_core.schema_upgrade import ensure_optional_columns
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
    checked = (str(root), tuple((key, *v) for key, v in page_files.items()))
    if not without_file and not without_rule and checked in _PAGE_FILES_OK:
        return  # the same files were all there at an earlier run of this process (no stat per run)
    missing = [file for file, _group, _icon in page_files.values() if not (root / file).is_file()]
    if missing:
        problems.append(f"page files that do not exist: {', '.join(missing)}")
    if problems:
        raise RuntimeError("app.py's PAGE_FILES and jkn_core.access.PAGES disagree: " + "; ".join(problems))
    _PAGE_FILES_OK.add(checked)


#: (root, PAGE_FILES items) whose files all existed (:func:`check_page_files`, once per process).
_PAGE_FILES_OK: set[tuple[str, tuple[tuple[str, ...], ...]]] = set()


def engine():  # type: ignore[no-untyped-def]
    return get_engine()


@st.cache_resource(show_spinner=False)
def _first_start_lock() -> dict:
    return {"done": False}


def database_ready() -> bool:
    """True once the database holds a world (then never asked again in this process).

    ``run.sh`` builds the demo before the server starts; when the app is started some other way on an
    empty database, app.py shows only the first-start page (:func:`ensure_database`) until this is true.
    Also creates the ``web_sessions`` table of a database made before sessions were kept.
    """
    state = _first_start_lock()
    if state["done"]:
        return True
    eng = engine()
    if is_populated(eng):
        web_sessions.ensure_table(eng)
        ensure_optional_columns(eng)  # participants' identity columns optional (older databases)
        state["done"] = True
    return state["done"]


def ensure_database() -> None:
    """On first start, build the default demo world (with a progress bar); later starts reuse it."""
    if database_ready():
        return
    from jkn_core.demo.generator import generate

    eng = engine()
    bar = st.progress(0.0, text=_t("first_start", lang()))
    generate(eng, progress=lambda f, m: bar.progress(
        min(f, 1.0), text=f"{_t('first_start', lang())} {display.progress_text(m, lang())}"))
    bar.empty()
    database_ready()


# --- the session cookie (jkn_core.access.web_sessions; set and cleared by serve.py) -----------------
def session_cookie() -> str | None:
    """The ``jkn_session`` cookie the browser sent when this Streamlit session connected, or ``None``.

    ``st.context.cookies`` holds the cookies of the page's websocket request: a reload or a new tab
    brings the cookie set after sign-in. Tests patch this function (AppTest cannot send cookies).
    """
    try:
        value = st.context.cookies.get(web_sessions.COOKIE_NAME)
    except Exception:  # noqa: BLE001 - no client context (bare script run, AppTest)
        return None
    return value if web_sessions.looks_like_token(value) else None


def cookie_beacon(action: str, code: str | None = None) -> None:
    """Ask the browser to fetch ``/_jkn/session/<action>`` (serve.py), which sets or clears the cookie.

    A hidden image (no script: nothing for the Content-Security-Policy to allow beyond ``img-src
    'self'``); the response is a 1×1 GIF carrying ``Set-Cookie``. ``action``: ``adopt`` (with the
    one-time handoff code of :func:`jkn_core.access.web_sessions.open_session`) or ``clear``.
    """
    base = "/" + str(st.get_option("server.baseUrlPath") or "").strip("/")
    url = f"{base.rstrip('/')}/_jkn/session/{action}"
    if code:
        url += f"?code={code}"  # url-safe base64: nothing to escape
    st.html(f'<img src="{url}" alt="" width="1" height="1" style="position:absolute;opacity:0">')


def lang() -> str:
    """The UI language: ``"id"`` or ``"en"``; anything else (a hand-typed ``?lang=xx``) is ignored.

    Read once per script run and remembered on the run's context (every ``t()`` asks: a session-state
    read costs a lock and a stop-request check each time); :func:`set_lang` changes it."""
    ctx = get_script_run_ctx(suppress_warning=True)
    try:
        memo = ctx.__dict__.get("_jkn_lang")  # type: ignore[union-attr]
    except AttributeError:  # no run context (or one without a __dict__)
        memo = None
    if memo is not None and memo[0] is ctx.cursors:  # type: ignore[union-attr]  # this run's (a new run: new dict)
        return memo[1]
    chosen = st.session_state.get("lang")
    value = chosen if chosen in LANGS else st.query_params.get("lang")
    value = value if value in LANGS else "id"
    _remember_lang(ctx, value)
    return value


def set_lang(value: str) -> None:
    """Make ``value`` (one of ``LANGS``) the session's language from now on (this run included)."""
    st.session_state["lang"] = value
    _remember_lang(get_script_run_ctx(suppress_warning=True), value)


def _remember_lang(ctx: Any, value: str) -> None:
    if ctx is not None:  # holding the run's cursors dict keeps its identity unique until the next run
        with contextlib.suppress(AttributeError):
            ctx.__dict__["_jkn_lang"] = (ctx.cursors, value)


def client_address() -> str:
    """The client's address (``jkn_core.access.proxies.client_address``), or ``"unknown"``.

    The connection's address (``st.context.ip_address``; Streamlit reports none for a loopback peer)
    and ``X-Forwarded-For``, believed only from the proxies in ``JKN_TRUSTED_PROXIES``. A local
    connection that no trusted proxy speaks for reads as ``"unknown"`` (not locked per address).
    """
    try:
        address = st.context.ip_address
        headers = st.context.headers
        forwarded = ", ".join(headers.get_all("X-Forwarded-For")) if headers else None
    except Exception:  # noqa: BLE001 - no client context (bare script run)
        address, headers, forwarded = None, None, None
    peer = address or ("127.0.0.1" if headers else None)  # a real connection without address: loopback
    return proxies.client_address(peer, forwarded or None)


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


def datetime_wib(x: object) -> str:
    """A moment in WIB in the UI language ("30 Nov 2026 16:53 WIB")."""
    return fmt.datetime(x, lang())


def people_table(df: pd.DataFrame, **opts: object) -> display.Table:
    """``df`` with translated headers and labels for codes (see :func:`jkn_core.display.table`)."""
    return display.table(df, lang(), **opts)  # type: ignore[arg-type]


#: Tables up to this many cells are prepared once per content and shared by every session (see
#: :func:`show_table`); larger ones (and restyled ones) are prepared in each run.
SHARED_TABLE_MAX_CELLS = 5_000


def show_table(df: pd.DataFrame, key: str | None = None, *, height: int | None = None,
               totals: Mapping[str, str] | None = None, widths: Mapping[str, str | int] | None = None,
               restyle: Callable[[Any, Callable[[str], str]], Any] | None = None, **opts: object) -> display.Table:
    """Draw ``df`` for people: headers in the UI language, labels for codes, numbers, Rupiah, months and
    times written in the UI language whatever the browser's locale (``jkn_core.display``).

    Up to ``display.STYLER_MAX_CELLS`` cells the grid gets the values with a pandas Styler, so it shows
    the formatted text but sorts on the numbers; larger tables are sent as text in the page's order.
    ``totals``: column -> total text, shown under the table; ``widths``: column -> small/medium/large or
    pixels; ``restyle(styler, head)``: more styling (``head(column)`` is the column's header); ``opts``:
    ``columns``, ``headers``, ``kinds``, ``codes`` of :func:`jkn_core.display.table`.

    A table of at most :data:`SHARED_TABLE_MAX_CELLS` cells without ``restyle`` is prepared once per
    content (the frame's values, the language and the options) and the prepared element is sent to every
    session that shows the same content (:func:`_shared_table`): the Styler and the Arrow conversion cost
    more server time than the rest of a small page. The returned :class:`jkn_core.display.Table` is then
    shared too: read it, never change it."""
    language = lang()
    content = _content_key(df) if restyle is None and df.size <= SHARED_TABLE_MAX_CELLS else None
    if content is not None:
        tb, element, layout = _shared_table(df, content, language, height, dict(widths or {}), opts)
        _MAIN._enqueue("dataframe", element, layout_config=layout)  # what st.dataframe sends (a copy)
    else:
        tb = _draw_table(st.dataframe, df, language, height, widths, restyle, opts, key)
    if totals:
        named: Mapping[str, str] = opts.get("headers") or {}  # type: ignore[assignment]
        st.caption(f"**{t('tbl_total')}** · " + " · ".join(
            f"{named.get(c) or display.header(c, language)}: {v}" for c, v in totals.items()))
    return tb


def _draw_table(dataframe: Callable[..., Any], df: pd.DataFrame, language: str, height: int | None,
                widths: Mapping[str, str | int] | None, restyle: Callable[[Any, Callable[[str], str]], Any] | None,
                opts: Mapping[str, Any], key: str | None = None) -> display.Table:
    """The grid of :func:`show_table`, drawn with ``dataframe`` (``st.dataframe`` or a recorder's)."""
    tb = display.table(df, language, **opts)
    named: Mapping[str, str] = opts.get("headers") or {}

    def head(column: str) -> str:
        return named.get(column) or display.header(column, language)

    config = {head(c): st.column_config.Column(width=w) for c, w in (widths or {}).items()}  # type: ignore[arg-type]
    if tb.data.size and tb.data.size <= display.STYLER_MAX_CELLS:
        shown: Any = tb.data.style.format(tb.formats, na_rep=fmt.MISSING)
        if restyle is not None:
            shown = restyle(shown, head)
    else:
        shown = tb.strings()
    dataframe(shown, hide_index=True, width="stretch", height=height if height is not None else "auto",
              key=key, column_config=config or None)
    return tb


#: The DeltaGenerator of ``st.dataframe``: it writes into the container of the current ``with`` block.
_MAIN: DeltaGenerator = st.dataframe.__self__  # type: ignore[attr-defined]


class _Recorder(DeltaGenerator):
    """A detached DeltaGenerator that keeps the element an ``st.*`` call makes instead of sending it."""

    def __init__(self) -> None:
        super().__init__(root_container=None)
        self.recorded: tuple[Any, Any] | None = None

    def _enqueue(self, delta_type: str, element_proto: Any, layout_config: Any = None,  # type: ignore[override]
                 has_one_shot_effect: bool = False, agent_props: str | None = None) -> DeltaGenerator:
        self.recorded = (element_proto, layout_config)
        return self


def _content_key(df: pd.DataFrame) -> str | None:
    """A digest of everything in ``df`` (values, dtypes, columns, index: its pickle), or ``None`` when
    it cannot be pickled. Same digest, same frame; ~1/30 of Streamlit's own hashing of a small frame."""
    try:
        return hashlib.blake2b(pickle.dumps(df, protocol=5), digest_size=20).hexdigest()
    except Exception:  # noqa: BLE001 - an unpicklable cell: the table is drawn the usual way
        return None


@st.cache_resource(show_spinner=False, max_entries=300, ttl=600)
def _shared_table(_df: pd.DataFrame, content: str, language: str, height: int | None,
                  widths: dict[str, str | int], opts: dict[str, Any]) -> tuple[display.Table, Any, Any]:
    """:func:`show_table`'s table and ``st.dataframe`` element for this content, made once (by the same
    code, recorded instead of sent) and shared read-only; keyed on the frame's content digest
    (:func:`_content_key`), the language and the options."""
    recorder = _Recorder()
    tb = _draw_table(recorder.dataframe, _df, language, height, widths, None, opts)
    if recorder.recorded is None:
        raise RuntimeError("st.dataframe made no element")
    element, layout = recorder.recorded
    return tb, element, layout


def download_buttons(df: pd.DataFrame, what: str, key: str, *, title: str | None = None,
                     period: int | None = None, unit: str | None = None,
                     filters: tuple[tuple[str, str], ...] = (), **opts: object) -> None:
    """CSV and Excel downloads of a table; every export goes through jkn_core.exports (scope, audit).

    The file says what it holds in the UI language: header lines (``title``, ``period``, ``unit`` (default:
    the user's scope in words), ``filters``, time in WIB) and the same facts in its name; the table has the
    headers and labels of the screen (``opts`` as for :func:`show_table`), numbers still numbers."""
    s = scope()
    if not may_export(s, df):
        st.caption(t("not_allowed"))
        return
    context = ExportContext(title=title or display.header(what, lang()), lang=lang(), period=period,
                            unit=unit if unit is not None else display.scope_words(s, lang()),
                            filters=filters)

    lang_ = lang()  # read now: the file is made later, outside this run (no session there)

    def present(frame: pd.DataFrame) -> pd.DataFrame:
        return display.table(frame, lang_, **opts).export()  # type: ignore[arg-type]

    row = st.container(horizontal=True)  # side by side in one block (fewer messages than two columns)
    for fmt_, label in (("csv", "download_csv"), ("xlsx", "download_xlsx")):
        # deferred: the file is made (and the export audited) only when the user clicks
        row.download_button(t(label), data=lambda f=fmt_: export_table(engine(), s, df, what, f, context, present),
                            file_name=export_filename(what, fmt_, context), mime=MIME_TYPES[fmt_],
                            key=f"dl_{key}_{fmt_}", on_click="ignore")


def synthetic_banner() -> None:
    if kpi.is_synthetic(engine()):
        st.caption(f"⚠️ {t('synthetic_notice')}")
