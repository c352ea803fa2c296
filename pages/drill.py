"""Drill down by clicking a chart, and the breadcrumb that goes back up (the directors' pages).

A clickable chart carries in each bar's (or province's) ``customdata`` the unit's path
``[region, branch, regency]`` (:func:`paths`). A click (Streamlit's plotly selection event) calls
:func:`on_pick` before the next run: it writes that path into the same URL parameters the pickers use
(``?region=KW03&branch=0301&regency=16.71``), so the URL, a reload and a shared link agree with what the
click opened. The breadcrumb (:func:`breadcrumb`, drawn by the page header) shows
"Nasional › KW03 › 0301 › 16.71"; each step but the last is a button back up to that level.

The chart's widget key holds the view (:func:`chart_key`), so a selection never outlives the view it was
made in: after the drill the old chart is gone and its selection with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from jkn_core import indonesia_map
from jkn_core.kpi import Filters
from jkn_core.text import plain
from pages.common import t

LEVELS = ("region", "branch", "regency")
_URL_KEYS = (*LEVELS, "period")


def paths(hier: pd.DataFrame, level: str, codes: Sequence[Any]) -> list[list[str]]:
    """``[region, branch, regency]`` of each unit code of ``level`` (``region``, ``branch``, ``regency``);
    ``["", "", ""]`` for a code the hierarchy does not hold (its click opens nothing)."""
    if level not in LEVELS:
        raise ValueError(f"unknown drill level {level!r}; expected one of {', '.join(LEVELS)}")
    cols = ["region_code", "branch_code", "regency_code"][: LEVELS.index(level) + 1]
    first = hier.drop_duplicates(f"{level}_code").set_index(f"{level}_code")
    out = []
    for code in codes:
        code = str(code)
        if code not in first.index:
            out.append(["", "", ""])
            continue
        row = first.loc[code]
        p = [str(row[c]) if c != f"{level}_code" else code for c in cols]
        out.append(p + [""] * (3 - len(p)))
    return out


def province_paths(hier: pd.DataFrame, iso_codes: Sequence[Any]) -> list[list[str]]:
    """The path of each map province (ISO 3166-2, as :func:`jkn_core.kpi.map_provinces` keys them) to its
    kedeputian wilayah, when the whole province lies in one region of the user's scope; else
    ``["", "", ""]`` (its click opens nothing)."""
    kemendagri = hier["regency_code"].astype(str).str.split(".").str[0]
    iso = kemendagri.map(indonesia_map.ISO_BY_PROVINCE).map(lambda x: indonesia_map.FOLD.get(x, x))
    regions = hier.assign(iso=iso).dropna(subset=["iso"]).groupby("iso")["region_code"].agg(lambda s: sorted(set(s)))
    return [[regions[c][0], "", ""] if c in regions.index and len(regions[c]) == 1 else ["", "", ""]
            for c in (str(x) for x in iso_codes)]


def chart_key(key: str, view: Any) -> str:
    """A chart's widget key for this view (so a selection belongs to the view it was made in)."""
    f = view.filters
    return "_".join([key, f.region or "-", f.branch or "-", f.regency or "-", str(view.period)])


def go_to(path: Sequence[str]) -> None:
    """Open the view ``[region, branch, regency]`` ("" for a level not chosen): the URL parameters the
    pickers read, and the view that follows the user between the directors' pages."""
    qp = st.query_params
    for level, code in zip(LEVELS, list(path) + [""] * (3 - len(path)), strict=False):
        if code:
            qp[level] = code
        elif level in qp:
            del qp[level]
    st.session_state["dir_view"] = {k: qp[k] for k in _URL_KEYS if k in qp}


def picked_path(event: Any) -> list[str] | None:
    """The ``[region, branch, regency]`` of the first point of a plotly selection event, if it carries one."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points or []:
        data = point.get("customdata") if isinstance(point, dict) else None
        if isinstance(data, (list, tuple)) and data and any(data):
            return [str(x or "") for x in data][:3]
    return None


def on_pick(widget_key: str) -> None:
    """Selection callback of a clickable chart: open the unit clicked (see :func:`go_to`)."""
    path = picked_path(st.session_state.get(widget_key))
    if path:
        go_to(path)


def crumbs(filters: Filters, scope_root: tuple[str, str | None], hier: pd.DataFrame,
           root_level: str | None = None) -> list[tuple[str, str, list[str]]]:
    """The breadcrumb's steps: (short label, full name, path), from the user's widest view to the view shown.

    ``scope_root``: (label, code) of the user's own scope (national: ("Nasional", None); a deputy:
    ("KW03", "KW03")); ``root_level``: the scope's level (``region``, ``branch``); the levels the scope
    fixes are not repeated."""
    label, root_code = scope_root
    steps = [(label, label, ["", "", ""])]
    path: list[str] = []
    fixed = LEVELS[: LEVELS.index(root_level) + 1] if root_level in LEVELS else ()
    for level, code in zip(LEVELS, (filters.region, filters.branch, filters.regency), strict=False):
        path = path + [code or ""]
        if not code or code == root_code or level in fixed:
            continue
        names = hier.loc[hier[f"{level}_code"] == code, f"{level}_name"]
        steps.append((code, str(names.iloc[0]) if len(names) else code, path + [""] * (3 - len(path))))
    return steps


def _root(view: Any) -> tuple[str, str | None, str | None, str]:
    """(label, code, level, full name) of the user's widest view."""
    sc, hier = view.scope, view.hier
    if sc.branch_code:
        names = hier.loc[hier["branch_code"] == sc.branch_code, "branch_name"]
        return sc.branch_code, sc.branch_code, "branch", str(names.iloc[0]) if len(names) else sc.branch_code
    if sc.region_code:
        names = hier.loc[hier["region_code"] == sc.region_code, "region_name"]
        return sc.region_code, sc.region_code, "region", str(names.iloc[0]) if len(names) else sc.region_code
    return t("nation"), None, None, t("nation")


def view_name(view: Any) -> str:
    """The view in words for a chart's subtitle: "Nasional › Kedeputian Wilayah III › Palembang" (a deputy's
    starts at their region's name). Plain text: escape it for the place it is shown."""
    label, code, level, name = _root(view)
    steps = crumbs(view.filters, (label, code), view.hier, level)
    return " › ".join([name, *(full for _short, full, _path in steps[1:])])


def breadcrumb(view: Any) -> None:
    """"Nasional › KW03 › 0301 › 16.71": every step but the view shown goes back up to that level."""
    root_label, root_code, root_level, _name = _root(view)
    steps = crumbs(view.filters, (root_label, root_code), view.hier, root_level)
    if len(steps) == 1:
        return
    row = st.container(horizontal=True, gap="small", vertical_alignment="center", key="dir_breadcrumb")
    for i, (label, name, path) in enumerate(steps):
        if i:
            row.markdown("›")
        if i == len(steps) - 1:
            row.markdown(f"**{plain(label)}** · {plain(name)}" if name != label else f"**{plain(label)}**")
        else:
            row.button(plain(label), key=f"crumb_{i}", type="tertiary", help=plain(name), on_click=go_to,
                       args=(path,))  # names are data: escaped, never Markdown
