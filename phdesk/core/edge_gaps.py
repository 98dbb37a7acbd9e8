"""Telling a gap between a project's areas from the project's edge (docs/mapping.md, "Study area
and edges").

Boundary files clipped to the coastline leave rivers, docks and estuaries out of every area: in
London the Thames runs between the boroughs' polygons. A catchment circle that crosses the river
has points in no area, yet nobody lives beyond it that the project has missed. A point lies *in a
gap* when populated areas lie on both sides of it, along one of four directions, within
``GAP_HALF_WIDTH_M``; only a point in no area and in no such gap is beyond the project's edge.
"""

from __future__ import annotations

import numpy as np

from phdesk.core.mapping_points import points_in_any

GAP_HALF_WIDTH_M = 500.0   # gaps up to 1 km across (the Thames in London) are between areas
_DIRECTIONS = np.radians([0.0, 45.0, 90.0, 135.0])


def in_gap(x: np.ndarray, y: np.ndarray, polygons: np.ndarray, bounds: np.ndarray,
           half_width_m: float = GAP_HALF_WIDTH_M, threads: bool = False) -> np.ndarray:
    """True for each point (EPSG:27700 metres) with a populated polygon ``half_width_m`` away on
    both sides along one of four directions (0°, 45°, 90°, 135°). ``polygons`` and ``bounds`` as
    for :func:`phdesk.core.mapping_points.points_in_any` (one test of all the probe points;
    ``threads`` as there)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if not len(x):
        return np.zeros(0, dtype=bool)
    dx = half_width_m * np.cos(_DIRECTIONS)
    dy = half_width_m * np.sin(_DIRECTIONS)
    # probes: for each point, each direction, the + side then the - side
    px = (x[:, None, None] + np.stack([dx, -dx], axis=1)[None, :, :]).ravel()
    py = (y[:, None, None] + np.stack([dy, -dy], axis=1)[None, :, :]).ravel()
    hit = points_in_any(px, py, polygons, bounds, threads).reshape(len(x), len(_DIRECTIONS), 2)
    return (hit[:, :, 0] & hit[:, :, 1]).any(axis=1)
