"""Neighbourhood outlines: areas dissolved by neighbourhood, fast whether or not neighbouring
boundaries share exact edges (docs/ARCHITECTURE.md, map rendering). Plain data in and out (shapely
2, numpy, pandas; no Qt, so the service builds borders with it): safe on a worker thread.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

OUTLINE_TOLERANCE_M = 0.1   # area polygons are simplified this much before a dissolve (metres)


def dissolve(geoms, groups) -> pd.DataFrame:
    """Union polygons by group (e.g. areas -> neighbourhoods): columns group, geometry, label_x,
    label_y (a point inside each dissolved shape, for labels). Rows with a missing group or
    geometry are skipped.

    Fast whether or not neighbouring polygons share exact edges. Each group is tried in three
    steps, stopping at the first valid result: (1) ``coverage_union_all`` (edge matching, ~10x
    faster than a general union) of the polygons rounded to 1 cm, enough for edge-matched
    boundaries whose shared vertices differ only by floating-point noise; (2) the same after
    simplifying by ``OUTLINE_TOLERANCE_M`` (invisible on the map), which drops vertices added
    along straight shared edges on one side only (densified boundaries, "T-junctions"); (3)
    ``union_all`` of the simplified polygons (a fraction of the vertices of densified
    boundaries, so still quick). Hairline holes left where boundaries do not quite meet are
    removed. See docs/ARCHITECTURE.md (map rendering).
    """
    group = pd.Series(groups, dtype=object).to_numpy()
    geoms = np.asarray(geoms, dtype=object)
    keep = ~pd.isna(group) & ~pd.isna(geoms)
    group, geoms = group[keep], geoms[keep]
    snapped = shapely.transform(geoms, lambda c: np.round(c, 2))
    codes, names = pd.factorize(group, sort=True)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
    rows, first = [], ["exact", "lean"]
    for k, name in enumerate(names):
        rows.append((name, _drop_slivers(_union(snapped[order[bounds[k]:bounds[k + 1]]],
                                                first))))
    out = pd.DataFrame(rows, columns=["group", "geometry"])
    if len(out):
        pts = shapely.point_on_surface(out["geometry"].to_numpy())
        out["label_x"], out["label_y"] = shapely.get_x(pts), shapely.get_y(pts)
    else:
        out["label_x"], out["label_y"] = [], []
    return out


def _coverage_union(parts: np.ndarray):
    """The coverage union of edge-matched parts, or None when they are not (invalid result)."""
    try:
        geom = shapely.coverage_union_all(parts)
    except shapely.errors.GEOSException:
        return None
    return geom if shapely.is_valid(geom) else None


def _union(parts: np.ndarray, first: list[str]):
    """Union of one group's polygons (rounded to 1 cm): the three steps of :func:`dissolve`.

    A failed coverage union can cost as much as a general one, and a file's groups are alike,
    so ``first`` (shared across the groups of one dissolve) puts the step that worked last first.
    """
    lean = None
    for step in list(first):
        if step == "lean" and lean is None:
            lean = shapely.simplify(parts, OUTLINE_TOLERANCE_M, preserve_topology=False)
            lean = shapely.transform(lean, lambda c: np.round(c, 2))
        geom = _coverage_union(parts if step == "exact" else lean)
        if geom is not None:
            first.sort(key=lambda s: s != step)
            return geom
    geom = shapely.union_all(lean)
    return geom if shapely.is_valid(geom) else shapely.make_valid(geom)


def _drop_slivers(geom, min_area_m2: float = 2_000.0, rel: float = 1e-3):
    """Remove hairline holes and crumbs that a union leaves where neighbouring boundaries are
    not exactly edge-matched (they would draw as stray dashes inside a neighbourhood)."""
    parts = shapely.get_parts(geom)
    parts = parts[shapely.get_type_id(parts) == 3]  # polygons only (drop stray lines/points)
    if not len(parts):
        return geom
    total = float(shapely.area(parts).sum())
    cut = max(min_area_m2, rel * total)
    keep = []
    for p in parts[shapely.area(parts) >= cut] if (shapely.area(parts) >= cut).any() else parts:
        holes = [r for r in p.interiors if shapely.area(shapely.Polygon(r)) >= cut]
        keep.append(shapely.Polygon(p.exterior, holes))
    return keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep)
