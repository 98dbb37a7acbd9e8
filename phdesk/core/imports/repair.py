"""Geometry budgets: vertices per feature and file, and repairing invalid polygons in bounded time.

``shapely.make_valid`` is fast on the invalid polygons real boundary files hold (a bow-tie, a ring
touching itself) but takes minutes on a ring that crosses itself thousands of times (a 2,000-vertex
zig-zag star took 55 s, 20,000 vertices far longer), and GEOS cannot be interrupted. So before
repairing, the ring segments whose bounding boxes overlap are counted with one STRtree, in chunks,
stopping as soon as the count passes a budget proportional to the number of segments: a polygon
beyond it is rejected as too tangled to repair, quickly, instead of hanging the import.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from phdesk.core.errors import UserError
from phdesk.core.imports import limits

_CHUNK = 256


def too_tangled(geom: shapely.Geometry) -> bool:
    """True when repairing ``geom`` could take GEOS minutes (see module docstring)."""
    coords = shapely.get_coordinates(geom)
    n = len(coords)
    if n > limits.MAX_REPAIR_VERTICES:
        return True
    rings = shapely.get_rings(shapely.get_parts(geom))
    segs = []
    for ring in rings:
        xy = shapely.get_coordinates(ring)
        if len(xy) >= 2:
            segs.append(shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1)))
    if not segs:
        return False
    segs = np.concatenate(segs)
    budget = 4 * len(segs) + 5_000  # a sound ring: each segment meets about its two neighbours
    tree = shapely.STRtree(segs)
    pairs = 0
    for start in range(0, len(segs), _CHUNK):
        pairs += tree.query(segs[start:start + _CHUNK]).shape[1]
        if pairs > budget:
            return True
    return False


def repair(geoms: np.ndarray, polygonal) -> tuple[np.ndarray, np.ndarray]:
    """``(repaired, tangled)``: each invalid geometry made valid (``polygonal`` keeps its polygon
    part, or None), and a mask of those refused as too tangled (left None)."""
    out = np.full(len(geoms), None, dtype=object)
    tangled = np.zeros(len(geoms), bool)
    for i, g in enumerate(geoms):
        if too_tangled(g):
            tangled[i] = True
            continue
        out[i] = polygonal(shapely.make_valid(g))
        limits.tick(i + 1, len(geoms), f"repairing invalid polygons: {i + 1:,}")
    return out, tangled


def check_vertices(path: Path, geoms: np.ndarray) -> None:
    """UserError when one geometry or the file holds more vertices than phdesk reads."""
    have = pd.notna(geoms)
    counts = shapely.get_num_coordinates(geoms[have]) if have.any() else np.zeros(0, int)
    if len(counts) and counts.max() > limits.MAX_VERTICES:
        first = int(np.flatnonzero(have)[np.argmax(counts > limits.MAX_VERTICES)]) + 1
        raise UserError(f"{path.name}: feature {first} has {int(counts.max()):,} vertices; "
                        f"phdesk reads at most {limits.MAX_VERTICES:,} per feature (simplify "
                        f"it in a GIS)")
    if counts.sum() > limits.MAX_TOTAL_VERTICES:
        raise UserError(f"{path.name}: {int(counts.sum()):,} vertices in all; phdesk reads at "
                        f"most {limits.MAX_TOTAL_VERTICES:,} (use a generalised boundary file)")
