"""The view shared by the directors' pages: the page header (title, period and drill-down pickers kept in
the URL, the caption naming the view), KPI calls cached on the function and small arguments, the
director brief button, tables and status dots.

A page reads: ``view = directors_header("coverage")``, then ``view.query(kpi.coverage, level="nation",
period=view.period)`` for each figure (go-to-definition on ``kpi.coverage`` opens its SQL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from types import FunctionType
from typing import Any, TypeVar

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from jkn_core import access, display, kpi
from jkn_core.audit import audit
from jkn_core.exports import ExportContext, export_filename
from jkn_core.kpi import Filters
from jkn_core.kpi.view import data_version
from jkn_core.scope import Scope
from jkn_core.text import plain
from pages import drill
from pages.common import (
    download_buttons,
    engine,
    lang,
    period_label,
    require,
    show_table,
    synthetic_banner,
    t,
)
from pages.drill import breadcrumb

_TTL = 600
_LEVELS = ("region", "branch", "regency")
T = TypeVar("T")


def _function_key(fn: FunctionType) -> str:
    """A KPI function in a cache key: its dotted name (functions cannot be hashed by value)."""
    return f"{fn.__module__}.{fn.__qualname__}"


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=4000, hash_funcs={FunctionType: _function_key})
def cached(query: Callable[..., T], db_url: str, version: str, *args: Any, **kwargs: Any) -> T:
    """``query(engine, *args, **kwargs)``, cached on the function, the database URL, the data version and
    the arguments (small hashable values: ``Scope``, ``Filters``, periods, levels).

    Shared by every session of the process: ``version`` (``jkn_core.kpi.view.data_version``, read once
    per page run) moves with every import, demo rebuild or aggregates refresh, so a cached figure follows
    the data at the next run; pass the scope through :func:`shared_scope` so that users who see the same
    rows share one entry (fifty directors signing in compute the national figures once)."""
    return query(engine(), *args, **kwargs)


def shared_scope(scope: Scope) -> Scope:
    """``scope`` without the username: what a KPI's rows depend on (role, region, branch, bank), so one
    cache entry serves every user with the same view. KPIs never read the username."""
    return replace(scope, username="")


def status_icon(status: str) -> str:
    """A coloured dot (Streamlit markdown) for metric labels."""
    return {"green": ":green[●]", "amber": ":orange[●]", "red": ":red[●]"}.get(status, ":gray[○]")


def table(df: pd.DataFrame, key: str | None = None, **opts: Any) -> None:
    """A table for people: translated headers, labels for codes, numbers, Rupiah and months in the UI
    language whatever the browser's locale (``pages.common.show_table``; ``opts`` as there)."""
    show_table(df, key, **opts)


@dataclass(frozen=True)
class DirectorsView:
    """What one directors' page shows: the signed-in user's scope, the month and the drill-down chosen."""

    page: str
    scope: Scope
    db_url: str
    version: str  # the data version read at the start of this run (cache key)
    period: int
    filters: Filters
    hier: pd.DataFrame  # regions, branches and regencies the scope may see
    periods: list[int]  # months held, ascending

    @cached_property
    def key(self) -> str:
        """What the view's figures depend on, for caches shared across sessions: the database, the data
        version, the scope without the user (:func:`shared_scope`), the drill-down and the month, in one
        string (Streamlit hashes a string at once, dataclasses through pickle, at every cached call)."""
        return repr((self.db_url, self.version, shared_scope(self.scope), self.filters, self.period))

    def query(self, query: Callable[..., T], *, filters: Filters | None = None, **kwargs: Any) -> T:
        """``query(engine, scope, filters=<the view's drill-down>, **kwargs)``, cached (see :func:`cached`)."""
        return cached(query, self.db_url, self.version, shared_scope(self.scope),
                      filters=self.filters if filters is None else filters, **kwargs)

    def target(self, kpi_name: str) -> float | None:
        """The target of ``kpi_name`` for the unit and year shown (:func:`jkn_core.kpi.target_for_view`)."""
        return kpi.target_for_view(engine(), kpi_name, self.period, self.scope, self.filters)

    def label(self) -> str:
        """The view in words: the scope, then the region › branch › regency chosen (plain text)."""
        f, hier = self.filters, self.hier
        parts = [t("nation") if self.scope.region_code is None else access.describe_scope(engine(), self.scope, lang())]
        for code_col, name_col, code in (("region_code", "region_name", f.region), ("branch_code", "branch_name", f.branch),
                                         ("regency_code", "regency_name", f.regency)):
            if code:
                parts.append(str(hier.loc[hier[code_col] == code, name_col].iloc[0]))
        return " › ".join(parts)

    def child_level(self) -> str:
        """The level of the units one step below the view (region, branch or regency)."""
        f = self.filters
        if f.branch or f.regency or self.scope.branch_code:
            return "regency"
        if f.region or self.scope.region_code:
            return "branch"
        return "region"

    def download(self, df: pd.DataFrame, what: str, key: str, title: str, **opts: Any) -> None:
        """CSV / Excel of a table of this view: the view in words, the month and ``title`` head the file
        and name it (``pages.common.download_buttons``; ``opts`` as for ``show_table``)."""
        download_buttons(df, what, key, title=title, period=self.period, unit=self.label(), **opts)

    def brief_button(self, tables: list[tuple[str, pd.DataFrame]]) -> None:
        """Download the one-page director brief of this view (audited like every export)."""
        page, period, f = self.page, self.period, self.filters
        fk = (f.region, f.branch, f.regency)

        # the language, the view's words and the title are read now: the file is made later, on the click,
        # outside this run (where the session's language is not known)
        lang_, label, title = lang(), self.label(), t(f"page_{page}")

        def make() -> bytes:
            cards = self.query(kpi.overview_cards, period=period)
            audit(engine(), self.scope, "export", {"what": f"brief_{page}", "format": "html", "view": fk,
                                                   "period": period, "lang": lang_})
            return kpi.make_brief(cards, label, period, tables, lang_, kpi.is_synthetic(engine()), title)

        name = export_filename(f"brief_{page}", "html",
                               ExportContext(f"{t('dir_brief_title')} {title}", lang_, period, label))
        st.download_button(t("dir_brief"), data=make, file_name=name, mime="text/html",
                           key=f"dl_brief_{page}", on_click="ignore", icon=":material/print:")


def directors_header(page: str) -> DirectorsView:
    """The header of a directors' page: access check, title, synthetic-data notice, period and
    drill-down pickers (only what the scope allows; the URL holds the choice) and the caption naming
    the view. Returns the view the rest of the page draws."""
    scope = require(page)
    st.title(t(f"page_{page}"))
    synthetic_banner()
    db_url = str(engine().url)
    version = data_version(engine())  # one query per run: every cached figure below keys on it
    geo = geography(db_url, version, shared_scope(scope))
    held = list(_periods(db_url, version))
    period, filters = _pickers(geo, held)
    view = DirectorsView(page, scope, db_url, version, period, filters, geo.hier, held)
    breadcrumb(view)  # Nasional › KW03 › 0301 › 16.71, each step back up (pages/drill.py)
    st.caption(f"{plain(view.label())} · {period_label(period)} · {t('dir_link_hint')}")  # names are data
    return view


class Geography:
    """The regions, branches and regencies a scope may see, prepared once per scope and data version
    and shared by every session (:func:`geography`): the hierarchy frame, the options of each picker,
    the picker labels' names and the cleaned drill-downs of :func:`jkn_core.kpi.clean_filters`.

    Read-only: every session of the scope holds the same object (its ``hier`` too)."""

    def __init__(self, hier: pd.DataFrame) -> None:
        self.hier = hier
        rows = list(zip(*(hier[c].astype(object).tolist() for c in (
            "region_code", "region_name", "branch_code", "branch_name", "regency_code", "regency_name")),
            strict=True)) if len(hier) else []
        regions: dict[str, None] = {}
        branches: dict[str, dict[str, None]] = {"": {}}
        regencies: dict[tuple[str, str], dict[str, None]] = {("", ""): {}}
        names: tuple[dict[str, str], dict[str, str], dict[str, str]] = ({}, {}, {})
        for region, region_name, branch, branch_name, regency, regency_name in rows:
            regions[region] = None
            for key in ("", region):
                branches.setdefault(key, {})[branch] = None
            for key in (("", ""), (region, ""), (region, branch)):
                regencies.setdefault(key, {})[regency] = None
            names[0][region], names[1][branch], names[2][regency] = region_name, branch_name, regency_name
        self.names: dict[str, str] = {**names[0], **names[1], **names[2]}
        self.regions = ("", *regions)
        self._branches = {k: ("", *v) for k, v in branches.items()}
        self._regencies = {k: ("", *v) for k, v in regencies.items()}
        self._clean: dict[tuple[str | None, ...], Filters] = {}

    def branch_options(self, region: str | None) -> tuple[str, ...]:
        """"" (all) and the branches of ``region`` (of every region when none is chosen)."""
        return self._branches.get(region or "", ("",))

    def regency_options(self, region: str | None, branch: str | None) -> tuple[str, ...]:
        """"" (all) and the regencies under the region and branch chosen."""
        return self._regencies.get((region or "", branch or ""), ("",))

    def clean_filters(self, region: str | None, branch: str | None, regency: str | None) -> Filters:
        """:func:`jkn_core.kpi.clean_filters` of the URL's codes, remembered per combination of codes this
        scope holds (a code it does not hold is dropped there anyway, so it never grows the memo)."""
        names = self.names
        key = tuple(c if c and c in names else None for c in (region, branch, regency))
        found = self._clean.get(key)
        if found is None:
            found = self._clean[key] = kpi.clean_filters(self.hier, *key)
        return found

    def label(self, code: str) -> str:
        """A picker option: "0301 · Palembang" ("" = all, labelled by the caller)."""
        return f"{code} · {self.names.get(code, code)}"


@st.cache_resource(ttl=_TTL, show_spinner=False, max_entries=400)
def geography(db_url: str, version: str, scope: Scope) -> Geography:
    """The :class:`Geography` of ``scope`` (pass :func:`shared_scope`) at data ``version``: built once and
    shared by every session of the process (no copy per run, unlike :func:`cached`)."""
    return Geography(kpi.hierarchy(engine(), scope))


@st.cache_resource(ttl=_TTL, show_spinner=False, max_entries=50)
def _periods(db_url: str, version: str) -> tuple[int, ...]:
    """The months held (:func:`jkn_core.kpi.periods`) at data ``version``, shared read-only (no copy per run)."""
    return tuple(kpi.periods(engine()))


def _pickers(geo: Geography, held: list[int]) -> tuple[int, Filters]:
    """Period and drill-down pickers; the URL (and, between pages, the session) holds the choice."""
    qp = st.query_params
    if not any(k in qp for k in (*_LEVELS, "period")) and st.session_state.get("dir_view"):
        qp.update(st.session_state["dir_view"])  # coming from another directors' page
    f = geo.clean_filters(*(kpi.params_get(qp, k) for k in _LEVELS))
    p = kpi.params_get(qp, "period")
    period = int(p) if p and p.isdigit() and int(p) in held else held[-1]
    for key, value in (("dir_period", period), ("dir_region", f.region or ""), ("dir_branch", f.branch or ""),
                       ("dir_regency", f.regency or "")):
        st.session_state[key] = value
    everything = t("dir_scope_all")

    def label(code: str) -> str:
        return everything if not code else geo.label(code)

    c = st.columns([1, 2, 2, 2])  # columns, not a horizontal container: on a phone they stack, full width
    c[0].selectbox(t("dir_period"), list(reversed(held)), format_func=period_label, key="dir_period",
                   on_change=_on_period)
    c[1].selectbox(t("region"), geo.regions, format_func=label, key="dir_region",
                   on_change=_on_level, args=("region",))
    c[2].selectbox(t("branch"), geo.branch_options(f.region), format_func=label, key="dir_branch",
                   on_change=_on_level, args=("branch",))
    c[3].selectbox(t("regency"), geo.regency_options(f.region, f.branch), format_func=label,
                   key="dir_regency", on_change=_on_level, args=("regency",))
    # the URL always states the view shown (also after a link was cleaned to the user's scope)
    want = kpi.filters_to_params(f, period)
    for k in (*_LEVELS, "period"):
        if k in want and qp.get(k) != want[k]:
            qp[k] = want[k]
        elif k not in want and k in qp:
            del qp[k]
    st.session_state["dir_view"] = want
    return period, f


def _on_level(level: str) -> None:
    value = st.session_state.get(f"dir_{level}") or ""
    for deeper in _LEVELS[_LEVELS.index(level):]:
        if deeper in st.query_params:
            del st.query_params[deeper]
    if value:
        st.query_params[level] = value
    st.session_state["dir_view"] = {k: st.query_params[k] for k in (*_LEVELS, "period") if k in st.query_params}


def _on_period() -> None:
    st.query_params["period"] = str(st.session_state["dir_period"])
    st.session_state["dir_view"] = {k: st.query_params[k] for k in (*_LEVELS, "period") if k in st.query_params}


# --- the overview's content, prepared once per view and shared by every session (pages/overview.py) ----
# Defined here, in a module imported once, not in the page: a page file runs again at every run, and
# Streamlit makes a cached function's key from its source (``inspect.getsource``) each time the decorator
# runs, which cost more than the rest of the overview's cached calls together (BENCHMARKS.md, "Load").

@st.cache_resource(show_spinner=False, max_entries=2000, ttl=3600)
def _figure_spec(_build: Callable[[], go.Figure], content: tuple[Any, ...]) -> dict:
    """The plain spec of the figure ``_build`` makes; ``content`` is what decides what the figure shows
    (language, the view, level, target), so the entry is shared by every session that sees it. Read-only:
    ``go.Figure`` copies it."""
    return _build().to_dict()


def shared_figure(build: Callable[[], go.Figure], *content: Any) -> go.Figure:
    """``build()``'s figure, built once per ``content`` (and language): each session gets its own copy,
    made from the spec that plotly already validated (``_validate=False``: ~1/20 of the time to build it
    again)."""
    return go.Figure(_figure_spec(build, (lang(), *content)), _validate=False)


@st.cache_data(show_spinner=False, max_entries=2000, ttl=3600)
def drill_paths(_hier: pd.DataFrame, db_url: str, version: str, level: str, codes: tuple[str, ...]) -> list:
    """``drill.paths`` of ``codes``: where each unit sits depends on the geography only, which moves
    with the data version (``_hier``, the scope's part of it, holds every code asked for)."""
    return drill.paths(_hier, level, list(codes))


#: One KPI card of the overview: label, value, change (or None), arrow, colour, help, caption.
Card = tuple[str, str, str | None, str, str, str, str]


@st.cache_resource(show_spinner=False, max_entries=2000, ttl=600)
def overview_headline(_view: DirectorsView, key: str, language: str
                      ) -> tuple[tuple[Card, ...], pa.Table, pd.DataFrame]:
    """The headline of the view (``key``: :attr:`DirectorsView.key`) in ``language``, prepared once and
    shared by every session that shows it (read-only): each card's (label, value, change, arrow, colour,
    help, caption), the headline table as Arrow (sent as it is: no conversion per session) and the
    cards as downloaded."""
    _cards = _view.query(kpi.overview_cards, period=_view.period)
    cards = []
    for r in _cards.to_dict("records"):
        kind = kpi.CARDS[r["kpi"]][1]
        arrow, colour = kpi.delta_style(kind, r["change_month"])
        tgt_word = t("target_max") if kind == "max" else t("target_short")
        extra = (f"{tgt_word}: {kpi.format_value(r['unit'], r['target'], language)}"
                 if r["target"] is not None and not pd.isna(r["target"]) else t("status_grey"))
        cards.append((f"{status_icon(r['status'])} {t('kpi_' + r['kpi'])}", kpi.format_value(r["unit"], r["value"], language),
                      (None if r["change_month"] is None or pd.isna(r["change_month"]) else
                       f"{kpi.format_value(r['unit'], r['change_month'], language, True)} {t('vs_last_month')}"),
                      arrow, colour, f"{t('status_' + r['status'])}",
                      f"{extra} · {t('vs_last_year')}: {kpi.format_value(r['unit'], r['change_year'], language, True)}"))
    table = pa.Table.from_pandas(display.kpi_table(_cards, language), preserve_index=False)
    return tuple(cards), table, _cards.drop(columns=["period"]).rename(columns={"unit": "unit_kind"})


@st.cache_resource(show_spinner=False, max_entries=2000, ttl=600)
def overview_units(_view: DirectorsView, key: str, level: str) -> pd.DataFrame:
    """The units one level below the view (``key``: :attr:`DirectorsView.key`): coverage and capacity
    side by side, joined once per view and shared by every session that shows it (read-only)."""
    cov = _view.query(kpi.coverage, level=level, period=_view.period)
    cap = _view.query(kpi.capacity, level=level, period=_view.period)
    return cov[["code", "unit", "population", "participants", "coverage_pct", "active_pct", "uninsured"]].merge(
        cap[["code", "fktp", "fkrtl", "participants_per_doctor"]], on="code", how="left")
