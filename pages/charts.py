"""Every chart of the dashboard is built here: ticks in the user's language, a title that says what the chart
shows and a subtitle that says what it leaves out, labelled targets, axes that start at zero or say they do
not, hover texts formatted like the tables.

- :func:`bars` — a bar chart (vertical or horizontal) of one value per unit, optionally clickable to drill
  down (each bar carries its unit's ``[region, branch, regency]`` path in ``customdata``).
- :func:`lines` — a monthly trend of one or more series, with an optional target path or line.
- :func:`apply_axis` — set one axis's ticks (``jkn_core.chart_ticks``), mark it when it does not start at zero.
- :func:`target_line`, :func:`titled`, :func:`shown_note` — pieces the builders use, also for other charts.
- :func:`show` — ``st.plotly_chart`` with the app's config; with ``drill=`` a click on a bar or a province
  opens that unit (``pages.drill``).

Plotly's own number formatting (SI suffixes "5M", "20k") is never used for Rupiah or people: ticks are
``tickvals``/``ticktext`` computed by :func:`jkn_core.chart_ticks.axis_ticks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from jkn_core import chart_ticks
from jkn_core.text import chart_label
from pages.common import lang, t

TARGET_COLOUR = "#b91c1c"
_AXIS_TITLES = {"x": "xaxis", "y": "yaxis", "y2": "yaxis2"}


def titled(fig: go.Figure, title: str, subtitle: str | None = None) -> go.Figure:
    """Title and (optional) subtitle: what the chart shows, then what it leaves out or how it is ordered."""
    spec: dict[str, Any] = {"text": title}
    if subtitle:
        spec["subtitle"] = {"text": subtitle, "font": {"size": 12, "color": "#4b5563"}}
    fig.update_layout(title=spec)
    return fig


def shown_note(shown: int, total: int, level: str, order: str | None = None) -> str:
    """"25 dari 126 kantor cabang, terendah lebih dulu" / "25 of 126 branches, lowest first";
    "Semua 4 kedeputian wilayah" when nothing is left out. ``order``: ``lowest`` or ``highest``."""
    units = t(f"units_{level}")
    text = (t("chart_all_units").format(m=total, unit=units) if shown >= total
            else t("chart_n_of_m").format(n=shown, m=total, unit=units))
    return f"{text}, {t('chart_' + order + '_first')}" if order else text


def apply_axis(fig: go.Figure, values: Sequence[float | None], kind: str, *, axis: str = "y", zero: bool = True,
               extra: Sequence[float | None] = (), title: str | None = None) -> dict:
    """Ticks of one axis (``x``, ``y`` or ``y2``) in the user's language; when the axis does not start at
    zero the chart says so (a broken-axis mark and a note). Returns the tick settings."""
    ticks = chart_ticks.axis_ticks(values, kind, lang(), zero=zero, extra=extra)
    settings: dict[str, Any] = dict(ticks)
    if title is not None:
        settings["title"] = {"text": title}
    fig.update_layout({_AXIS_TITLES[axis]: settings}, separators=chart_ticks.separators(lang()))
    if not chart_ticks.starts_at_zero(ticks):
        mark_not_zero(fig, axis, ticks["ticktext"][0])
    return ticks


def mark_not_zero(fig: go.Figure, axis: str, first_label: str) -> None:
    """A broken-axis mark (two slanted strokes at the foot of the axis) and a note naming where it starts."""
    note = t("chart_not_zero").format(start=first_label)
    if axis == "x":
        path, pos = "M 0.005 -0.035 L 0.02 0.035 M 0.02 -0.035 L 0.035 0.035", {"x": 1, "y": -0.02,
                                                                               "xanchor": "right", "yanchor": "top"}
    else:
        path, pos = "M -0.015 0.01 L 0.015 0.035 M -0.015 0.035 L 0.015 0.06", {"x": 0, "y": -0.02,
                                                                              "xanchor": "left", "yanchor": "top"}
    fig.add_shape(type="path", xref="paper", yref="paper", path=path, line={"color": "#374151", "width": 1.5})
    fig.add_annotation(text=f"⚠ {note}", showarrow=False, xref="paper", yref="paper", yshift=-28,
                       font={"size": 11, "color": "#92400e"}, name="not_from_zero", **pos)
    fig.update_layout(margin={"b": 70})


def target_line(fig: go.Figure, value: float | None, kind: str = "pct", *, axis: str = "y",
                label: str | None = None) -> None:
    """A dashed target line labelled on the line: "Target 65,0 %"; ``label`` replaces the whole text
    ("Norma 5.000")."""
    if value is None:
        return
    text = label or f"{t('target_short')} {chart_ticks.hover_value(value, kind, lang()) if kind != 'pct' else _pct1(value)}"
    common = {"line_dash": "dash", "line_color": TARGET_COLOUR, "annotation_text": text,
              "annotation_font": {"color": TARGET_COLOUR, "size": 12}, "annotation_bgcolor": "rgba(255,255,255,0.8)"}
    if axis == "x":
        fig.add_vline(x=value, annotation_position="top right", **common)
    else:
        fig.add_hline(y=value, annotation_position="top left", **common)


def _pct1(value: float) -> str:
    from jkn_core import fmt

    return fmt.pct(value, 1, lang())


def bars(labels: Sequence[Any], values: Sequence[float | None], kind: str, *, title: str,
         subtitle: str | None = None, axis_title: str = "", horizontal: bool = False,
         paths: Sequence[Sequence[str]] | None = None, colour: str | Sequence[str] = "#2563eb",
         target: float | None = None, target_label: str | None = None, zero: bool = True,
         text: Sequence[str] | None = None, hover_unit: str = "", height: int | None = None,
         category_title: str | None = None) -> go.Figure:
    """One bar per unit. ``kind``: what the values are (``rp``, ``people``, ``count``, ``pct``, ``ratio``).
    ``paths``: each unit's ``[region, branch, regency]`` for click-to-drill. ``zero=False`` starts the
    value axis near the data (coverage at 91–100 %) and marks the chart as not starting at zero."""
    lg = lang()
    names = [chart_label(x) for x in labels]
    hover = [f"{n}<br>{chart_ticks.hover_value(v, kind, lg)}{(' ' + hover_unit) if hover_unit else ''}"
             for n, v in zip(names, values, strict=False)]
    trace: dict[str, Any] = {"marker_color": colour, "hovertext": hover, "hovertemplate": "%{hovertext}<extra></extra>"}
    if paths is not None:
        trace["customdata"] = [list(p) for p in paths]
    if text is not None:
        trace.update(text=list(text), textposition="outside", cliponaxis=False)
    if horizontal:
        fig = go.Figure(go.Bar(y=names, x=list(values), orientation="h", **trace))
        fig.update_layout(yaxis={"autorange": "reversed", "title": {"text": category_title or ""}},
                          height=height or max(300, 22 * len(names) + 130), margin={"t": 80, "l": 10})
    else:
        fig = go.Figure(go.Bar(x=names, y=list(values), **trace))
        fig.update_layout(xaxis={"title": {"text": category_title or ""}}, height=height or 380, margin={"t": 80})
    axis = "x" if horizontal else "y"
    apply_axis(fig, values, kind, axis=axis, zero=zero, extra=[target] if target is not None else (),
               title=axis_title)
    target_line(fig, target, "pct" if kind == "pct" else kind, axis=axis, label=target_label)
    return titled(fig, title, subtitle)


def lines(x: Sequence[str], series: Sequence[tuple[str, Sequence[float | None], str]], kind: str, *, title: str,
          subtitle: str | None = None, axis_title: str = "", target: float | None = None,
          target_path: Sequence[float | None] | None = None, zero: bool = False, height: int = 360,
          target_label: str | None = None) -> go.Figure:
    """A monthly trend: ``series`` = (name, values, colour); a target as a labelled line (``target``) or
    as a dashed path that can change by year (``target_path``). Trends start near the data (``zero=False``)
    and are then marked as not starting at zero."""
    lg = lang()
    fig = go.Figure()
    everything: list[float | None] = []
    for name, values, colour in series:
        vals = list(values)
        everything += vals
        fig.add_trace(go.Scatter(
            x=list(x), y=vals, mode="lines+markers", name=name, line_color=colour,
            hovertext=[f"{p}<br>{chart_label(name)}: {chart_ticks.hover_value(v, kind, lg)}" for p, v in zip(x, vals, strict=False)],
            hovertemplate="%{hovertext}<extra></extra>"))
    if target_path is not None and any(v is not None for v in target_path):
        fig.add_trace(go.Scatter(x=list(x), y=list(target_path), mode="lines", name=t("target_short"),
                                 line={"dash": "dash", "color": TARGET_COLOUR}, hoverinfo="skip"))
        everything += list(target_path)
    apply_axis(fig, everything, kind, axis="y", zero=zero, extra=[target] if target is not None else (),
               title=axis_title)
    target_line(fig, target, kind, label=target_label)
    fig.update_layout(xaxis_title=t("month"), height=height, margin={"t": 80},
                      legend={"orientation": "h", "y": -0.3}, showlegend=len(series) > 1 or target_path is not None)
    return titled(fig, title, subtitle)


def show(fig: go.Figure, key: str, *, drill: Any | None = None, config: dict | None = None, container: Any = None) -> None:
    """Draw ``fig`` full width. ``drill``: the directors' view; a click on a bar (or a province) then opens
    that unit, and the URL follows (``pages.drill.on_pick``)."""
    where = container if container is not None else st
    cfg = {"displaylogo": False, **(config or {})}
    if drill is None:
        where.plotly_chart(fig, width="stretch", key=key, config=cfg)
        return
    from pages.drill import chart_key, on_pick

    wkey = chart_key(key, drill)
    fig.update_layout(clickmode="event+select")
    where.plotly_chart(fig, width="stretch", key=wkey, config=cfg, on_select=lambda: on_pick(wkey),
                       selection_mode="points")
    if not config:  # the map says it in its own caption
        where.caption(t("chart_click_hint"))


@st.cache_data(show_spinner=False, max_entries=200, ttl=3600)  # a map's spec is ≈ 0.5 MB
def _spec(_build: Any, content: tuple[Any, ...]) -> dict:
    """The plain spec of the figure ``_build`` makes, cached on ``content`` (see :func:`once`)."""
    return _build().to_dict()


def once(build: Any, *content: Any) -> go.Figure:
    """``build()``'s figure, built once per ``content`` — everything the figure shows (data, labels, month,
    drill paths; the UI language is added here) — and shared by every session: each call gets its own copy,
    made from the spec plotly already validated (``_validate=False``). Building a figure costs more server
    time than the rest of a page (the province map with its geometry most: ≈ 0.35 s CPU against 0.05 s)."""
    return go.Figure(_spec(build, (lang(), *content)), _validate=False)
