"""The province map is drawn from simplified outlines: every province still there, oriented as plotly's
d3-geo expects (a flipped ring fills the whole globe), and light enough for a fast coverage page."""

from __future__ import annotations

import json

from jkn_core import indonesia_map as m


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def _points(geom: dict) -> int:
    return sum(len(r) for poly in geom["coordinates"] for r in poly)


def test_simplified_outlines_keep_every_province_and_the_orientation() -> None:
    raw = json.loads(m.GEOJSON_PATH.read_text(encoding="utf-8"))
    drawn = m.load_geojson()
    assert [f["id"] for f in drawn["features"]] == [f["id"] for f in raw["features"]]
    for feat in drawn["features"]:
        assert feat["geometry"]["coordinates"], feat["id"]
        for poly in feat["geometry"]["coordinates"]:
            assert _signed_area(poly[0]) < 0, feat["id"]  # exterior clockwise
            assert all(_signed_area(hole) > 0 for hole in poly[1:]), feat["id"]
            assert all(r[0] == r[-1] and len(r) >= 4 for r in poly), feat["id"]
    raw_points = sum(_points(f["geometry"]) if f["geometry"]["type"] == "MultiPolygon"
                     else sum(len(r) for r in f["geometry"]["coordinates"]) for f in raw["features"])
    drawn_points = sum(_points(f["geometry"]) for f in drawn["features"])
    assert drawn_points < raw_points / 2  # what made the coverage page slow in the browser
    # the land keeps its area (only islands smaller than a pixel of a national map are dropped)
    for f_raw, f_drawn in zip(raw["features"], drawn["features"], strict=True):
        g = f_raw["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        a_raw = sum(-_signed_area(p[0]) for p in polys)
        a_drawn = sum(-_signed_area(p[0]) for p in f_drawn["geometry"]["coordinates"])
        assert abs(a_drawn - a_raw) <= 0.03 * a_raw, (f_raw["id"], a_raw, a_drawn)
