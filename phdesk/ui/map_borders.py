"""Neighbourhood borders as the map draws them, and label points, from the areas' ring arrays.

Why it exists: the borders themselves are plain arrays found without a union
(``core.borders``: pure, so the service finds them and keeps them in the project file); this
module turns them into the paths the map draws: every border once (``Borders.path``), and one
neighbourhood's outline (``path_of``) for the highlight (docs/ARCHITECTURE.md, map rendering).
Plain data in and out: safe on a worker thread.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from PySide6 import QtGui

from phdesk.core.borders import BORDER, DRAWN, BorderLines, neighbourhood_border_lines
from phdesk.ui.map_paths import RingArrays, array_path, vertex_means


class Borders:
    """``path``: every neighbourhood border once; ``path_of(name)``: one neighbourhood's;
    ``lines``: the arrays they are drawn from (``core.borders.BorderLines``)."""

    def __init__(self, lines: BorderLines):
        self.lines = lines
        self.names = list(lines.names)
        self.fallback = list(lines.fallback)   # outlines from the union (``core.borders``)
        self.path = _edges_path(lines.x, lines.y, (lines.code & DRAWN) > 0)

    def path_of(self, name) -> QtGui.QPainterPath:
        if name not in self.names:
            return QtGui.QPainterPath()
        k = self.names.index(name)
        sl = slice(int(self.lines.offsets[k]), int(self.lines.offsets[k + 1]))
        return _edges_path(self.lines.x[sl], self.lines.y[sl], (self.lines.code[sl] & BORDER) > 0)


def neighbourhood_borders(rings: RingArrays, geoms: np.ndarray, groups: np.ndarray,
                          tree) -> Borders:
    """The borders of the areas grouped by ``groups``, found now (``core.borders``; ``tree``
    an STRtree or a function returning it). Safe on a worker thread."""
    return Borders(neighbourhood_border_lines(rings, geoms, groups, tree))


def _edges_path(x: np.ndarray, y: np.ndarray, edge: np.ndarray) -> QtGui.QPainterPath:
    """A path of the edges from vertex i to i + 1 where ``edge[i]``, joined where they follow
    each other along a line."""
    keep = edge.copy()
    keep[1:] |= edge[:-1]
    return array_path(x[keep], y[keep], edge[keep].astype(np.int32))


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
