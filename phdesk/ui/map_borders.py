"""Neighbourhood borders and label points straight from the areas' ring arrays (no union).

Why it exists: dissolving 33,755 areas into neighbourhoods took about a third of a large map's
first paint, yet the map only draws the dissolved shapes' outlines. In a coverage whose
neighbours share edges (as published boundaries do), an edge of an area is a neighbourhood
border exactly when the same edge (to 1 cm) belongs to an area of another neighbourhood, or to
no other area and has an outside: a sort of the edges finds them all. Where the data disagree
(an edge met by nothing on a side that is covered: boundaries that do not share vertices, or
slivers; an edge shared three times), the neighbourhoods concerned fall back to the union of
``map_outlines.dissolve``, so the picture is the same either way (docs/ARCHITECTURE.md, map
rendering). Plain data in and out: safe on a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from PySide6 import QtGui

from phdesk.ui.map_outlines import dissolve
from phdesk.ui.map_paths import RingArrays, array_path, boundary_path, vertex_means

SIDE_OFFSET_M = 0.5   # a lone edge is tested for an outside this far either side (metres)


@dataclass
class Borders:
    """``path``: every neighbourhood border once; ``path_of(name)``: one neighbourhood's."""

    path: QtGui.QPainterPath
    rings: RingArrays
    vertex_group: np.ndarray = field(repr=False)   # group code per vertex (-1: none)
    border: np.ndarray = field(repr=False)          # edge from vertex i is its group's border
    names: list = field(default_factory=list)
    fallback: dict = field(default_factory=dict)    # name -> dissolved geometry (slow path)

    def path_of(self, name) -> QtGui.QPainterPath:
        if name in self.fallback:
            return boundary_path(np.array([self.fallback[name]], dtype=object))
        if name not in self.names:
            return QtGui.QPainterPath()
        return _edges_path(self.rings, self.border & (self.vertex_group == self.names.index(name)))


def neighbourhood_borders(rings: RingArrays, geoms: np.ndarray, groups: np.ndarray,
                          tree) -> Borders:
    """Borders of the areas grouped by ``groups`` (one name or None per area; ``rings`` and
    ``tree`` built from ``geoms``, in the same order; ``tree`` an STRtree or a function
    returning it, called only when needed: the caller may still be building it). Safe on a
    worker thread."""
    codes, names = pd.factorize(pd.Series(groups, dtype=object), sort=True)
    codes = np.where(rings.count > 0, codes, -1)
    vg = np.repeat(codes, rings.count)
    e = np.flatnonzero(rings.connect == 1)              # edge e joins vertex e to e + 1
    # each vertex to 1 cm as one exact int64 (x and y in cm fit 31 bits each in EPSG:27700)
    q = (np.round(rings.x * 100).astype(np.int64) << 32) + \
        np.round(rings.y * 100).astype(np.int64)
    a, b = q[e], q[e + 1]
    lo, hi = np.minimum(a, b), np.maximum(a, b)          # the same edge either way round
    order, new_run, clash = _group_equal(lo, hi)
    run = np.cumsum(new_run) - 1
    run_len = np.bincount(run)[run]                      # per sorted edge
    sg = vg[e][order]                                    # group of each sorted edge
    point = (lo == hi)[order]                            # a repeated vertex is no edge
    # the other edge of a pair (runs of two): the next one for the first, the previous for
    # the second
    first = new_run & (run_len == 2)
    partner = np.full(len(sg), -1, dtype=np.int64)
    idx = np.flatnonzero(first)
    partner[idx], partner[idx + 1] = sg[idx + 1], sg[idx]
    lone = (run_len == 1) & ~point
    outside = _one_side_covered(rings, e[order[lone]], tree() if callable(tree) else tree)
    border = np.zeros(len(sg), dtype=bool)
    border[lone] = outside
    border |= (run_len == 2) & (partner != sg) & ~point
    bad = np.zeros(len(sg), dtype=bool)
    bad[lone] = ~outside
    bad |= ((run_len > 2) | clash) & ~point
    bad_groups = np.unique(sg[bad & (sg >= 0)])
    suspect = np.zeros(len(names) + 1, dtype=bool)       # [-1] for the ungrouped
    suspect[bad_groups] = True
    border &= (sg >= 0) & ~suspect[sg]
    drawn = border.copy()
    # each shared border once: drop the second of a pair when the first is drawn too
    second = idx + 1
    drawn[second[drawn[second] & drawn[idx]]] = False
    flags = np.zeros(len(sg), dtype=np.int8)
    flags[order] = border + 2 * drawn                    # back to edge order, in one pass
    border_v = np.zeros(len(rings.x), dtype=bool)
    border_v[e] = (flags & 1).astype(bool)
    drawn_v = np.zeros(len(rings.x), dtype=bool)
    drawn_v[e] = flags >= 2
    path = _edges_path(rings, drawn_v)
    fallback = {}
    if len(bad_groups):
        slow = np.isin(codes, bad_groups)
        out = dissolve(geoms[slow], np.asarray(groups, dtype=object)[slow])
        fallback = dict(zip(out["group"], out["geometry"], strict=True))
        path.addPath(boundary_path(out["geometry"].to_numpy()))
    return Borders(path, rings, vg, border_v, list(names), fallback)


def _group_equal(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort edges (their two ends, each one int64) so equal ones are adjacent: (order, whether
    each sorted edge starts a run, whether it sits in a run with a different edge).

    One ``np.sort`` of a 64-bit word per edge, a hash of the edge in the high bits and its index
    in the low ones (several times faster than ``lexsort`` or ``argsort``). Two different
    edges with the same hash are caught by comparing neighbours' ends and reported in ``clash``
    (their neighbourhoods then take the slow path: never a wrong border).
    """
    m = len(lo)
    bits = max(1, int(m).bit_length())
    with np.errstate(over="ignore"):
        h = lo.astype(np.uint64) * _MIX[0]
        h ^= h >> np.uint64(29)
        h = (h ^ hi.astype(np.uint64)) * _MIX[1]
        h ^= h >> np.uint64(32)
    key = ((h >> np.uint64(bits)) << np.uint64(bits)) | np.arange(m, dtype=np.uint64)
    key = np.sort(key)
    order = (key & np.uint64((1 << bits) - 1)).astype(np.int64)
    hs = key >> np.uint64(bits)
    same_hash = hs[1:] == hs[:-1]
    slo, shi = lo[order], hi[order]
    differ = (slo[1:] != slo[:-1]) | (shi[1:] != shi[:-1])
    new_run = np.concatenate([[True], ~same_hash])
    clash = np.zeros(m, dtype=bool)
    bad = np.flatnonzero(same_hash & differ)
    clash[bad] = clash[bad + 1] = True
    return order, new_run, clash


_MIX = [np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9)]   # odd: bijective


def _one_side_covered(rings: RingArrays, e: np.ndarray, tree: shapely.STRtree) -> np.ndarray:
    """For lone edges (vertex e to e + 1): whether exactly one side, ``SIDE_OFFSET_M`` away from
    its middle, is inside an area (the edge has an outside)."""
    if not len(e):
        return np.zeros(0, dtype=bool)
    x0, y0, x1, y1 = rings.x[e], rings.y[e], rings.x[e + 1], rings.y[e + 1]
    length = np.maximum(np.hypot(x1 - x0, y1 - y0), 1e-9)
    nx, ny = -(y1 - y0) / length * SIDE_OFFSET_M, (x1 - x0) / length * SIDE_OFFSET_M
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    pts = shapely.points(np.concatenate([mx + nx, mx - nx]), np.concatenate([my + ny, my - ny]))
    hit, _ = tree.query(pts, predicate="intersects")
    covered = np.bincount(hit, minlength=len(pts)) > 0
    return covered[:len(e)] != covered[len(e):]


def _edges_path(rings: RingArrays, edge: np.ndarray) -> QtGui.QPainterPath:
    """A path of the edges from vertex i to i + 1 where ``edge[i]``, joined where they follow
    each other along a ring."""
    keep = edge.copy()
    keep[1:] |= edge[:-1]
    return array_path(rings.x[keep], rings.y[keep], edge[keep].astype(np.int32))


def neighbourhood_labels(rings: RingArrays, geoms: np.ndarray, groups: np.ndarray
                         ) -> pd.DataFrame:
    """group, label_x, label_y (sorted by group): a point inside each neighbourhood, inside
    the member area nearest the area-weighted centre of its members (the centre of a C-shaped
    neighbourhood may be outside it)."""
    codes, names = pd.factorize(pd.Series(groups, dtype=object), sort=True)
    codes = np.where(rings.count > 0, codes, -1)
    cx, cy = vertex_means(rings)
    area = np.nan_to_num(shapely.area(geoms)) + 1e-9     # square metres, a weight only
    ok = codes >= 0
    k = len(names)
    w = np.bincount(codes[ok], weights=area[ok], minlength=k)
    gx = np.bincount(codes[ok], weights=(area * cx)[ok], minlength=k) / np.maximum(w, 1e-300)
    gy = np.bincount(codes[ok], weights=(area * cy)[ok], minlength=k) / np.maximum(w, 1e-300)
    rows = np.flatnonzero(ok)
    d = np.hypot(cx[rows] - gx[codes[rows]], cy[rows] - gy[codes[rows]])
    pick = rows[np.lexsort((d, codes[rows]))]
    pick = pick[np.concatenate([[True], codes[pick][1:] != codes[pick][:-1]])] if len(pick) \
        else pick
    pts = shapely.point_on_surface(geoms[pick])
    return pd.DataFrame({"group": [names[c] for c in codes[pick]],
                         "label_x": shapely.get_x(pts), "label_y": shapely.get_y(pts)})
