"""Map build: areas and assets -> what MapPanel draws, against the naive per-polygon way.

phdesk: ``map_layers.build_base_layers`` (flatten rings with shapely 2, dissolve neighbourhoods,
STRtree, outline path) plus one recolour (5 class paths by ``class_paths``) — the work
``MapPanel.set_base`` does apart from widgets. Baseline: one ``QPolygonF`` per polygon built
point by point (DESIGN.md, Known traps), measured in the same run on the same polygons; it does
less (no classes, no dissolve, no index), so the ratio understates the gain.

Data: Voronoi polygons of random points, segmentized to ~33 vertices each (the mean of the real
London LSOA 2021 gen20 boundaries), in 30 neighbourhoods, plus 10,000 assets in 12 categories.
Quick: London scale (5,000 areas). Full: England scale (33,755 areas); London in brackets.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import shapely

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def synthetic(n_areas: int, n_assets: int = 10_000, seed: int = 1):
    """Areas (code, name, neighbourhood, geometry) and assets frames at London-like density."""
    rng = np.random.default_rng(seed)
    side = 40_000.0 * np.sqrt(n_areas / 5000)      # ~320,000 m2 per area, like London LSOAs
    pts = rng.uniform(0, side, (n_areas, 2)) + (500_000.0, 150_000.0)
    box = shapely.box(500_000, 150_000, 500_000 + side, 150_000 + side)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box))
    cells = shapely.segmentize(shapely.intersection(cells, box), 70.0)
    nb = (shapely.get_x(shapely.centroid(cells)) - 500_000) // (side / 6) * 5 + \
        (shapely.get_y(shapely.centroid(cells)) - 150_000) // (side / 5)
    areas = pd.DataFrame({"code": [f"E{i:08d}" for i in range(len(cells))],
                          "name": [f"Area {i}" for i in range(len(cells))],
                          "neighbourhood": [f"N{int(k)}" for k in nb], "geometry": cells})
    ap = rng.uniform(0, side, (n_assets, 2)) + (500_000.0, 150_000.0)
    assets = pd.DataFrame({"id": np.arange(n_assets), "name": "asset",
                           "category": [f"C{k}" for k in rng.integers(0, 12, n_assets)],
                           "easting": ap[:, 0], "northing": ap[:, 1]})
    return areas, assets


def _time_phdesk(areas, assets) -> float:
    from phdesk.ui import map_layers as ml
    from phdesk.ui import palettes

    t0 = time.perf_counter()
    layers = ml.build_base_layers(areas, assets)
    values = np.random.default_rng(2).lognormal(3, 1, layers.rings.n)
    edges = palettes.class_breaks(values, 5)
    ml.class_paths(layers.rings, palettes.classify(values, edges), layers.tiles)
    return time.perf_counter() - t0


def _time_baseline(areas) -> float:
    from phdesk.ui.map_layers import naive_polygons

    t0 = time.perf_counter()
    naive_polygons(areas["geometry"].to_numpy())
    return time.perf_counter() - t0


def _one(n_areas: int) -> tuple[float, float, int]:
    areas, assets = synthetic(n_areas)
    verts = int(shapely.get_num_coordinates(areas["geometry"].to_numpy()).sum())
    return _time_phdesk(areas, assets), _time_baseline(areas), verts


def run(quick: bool = False) -> str:
    from PySide6 import QtWidgets

    QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    p_l, b_l, v_l = _one(5000)
    if quick:
        return (f"phdesk {p_l:.2f} s, baseline {b_l:.2f} s, ratio {p_l / b_l:.2f} "
                f"(5,000 areas, {v_l:,} vertices, 10,000 assets)")
    p_e, b_e, v_e = _one(33_755)
    return (f"phdesk {p_e:.2f} s, baseline {b_e:.2f} s, ratio {p_e / b_e:.2f} "
            f"(33,755 areas, {v_e:,} vertices, 10,000 assets; London 5,000 areas: "
            f"phdesk {p_l:.2f} s, baseline {b_l:.2f} s)")


if __name__ == "__main__":
    import sys

    print(f"map_build: {run(quick='--quick' in sys.argv)}")
