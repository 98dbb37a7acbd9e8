"""Points against many polygons without a tree of point geometries (EPSG:27700 metres).

:func:`box_candidates` finds, in numpy, every (point, polygon) pair whose point lies in the
polygon's bounding box; the caller tests the pairs with ``shapely.intersects_xy``, polygon by
polygon, so a prepared polygon's edge index stays in the cache. At England scale (33,755
polygons; 400,000 points on the catchment circles, or 50,000 sites to place) this is about twice
as fast as building an STRtree over the points and querying it with the polygons, with the same
GEOS predicate (docs/ARCHITECTURE.md, "The mapping engine").
"""

from __future__ import annotations

import numpy as np
import shapely

from phdesk.core.mapping_threads import workers

_LEAST = 20_000   # points per thread part of an intersects_xy call (fewer: one call)
FEW_POINTS = 64   # up to this many points, points_in_any tests every box (no cells)


class SortedKeys:
    """Sorted integer keys (cell numbers), and where each key's run starts: ``left(v)`` and
    ``right(v)`` equal ``np.searchsorted(keys, v, side="left" / "right")`` for any v. When the
    keys span a range no wider than a few times their number (the usual grid), a dense table of
    run starts (``bincount`` + ``cumsum``) makes each lookup one index instead of a binary
    search: several times faster for the hundreds of thousands of lookups of an England run."""

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = keys
        self.first = None
        if len(keys) and keys[0] >= 0 and keys[-1] < max(4 * len(keys), 1 << 20):
            self.first = np.concatenate([[0], np.cumsum(np.bincount(keys))])

    def left(self, v: np.ndarray) -> np.ndarray:
        if self.first is None:
            return np.searchsorted(self.keys, v, side="left")
        return self.first[np.minimum(np.maximum(v, 0), len(self.first) - 1)]

    def right(self, v: np.ndarray) -> np.ndarray:
        if self.first is None:
            return np.searchsorted(self.keys, v, side="right")
        return self.first[np.minimum(np.maximum(v + 1, 0), len(self.first) - 1)]


def box_candidates(x: np.ndarray, y: np.ndarray, bounds: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Every (point, polygon) pair with the point inside or on the polygon's bounding box:
    indices into ``x``/``y`` and into ``bounds`` (``shapely.bounds``; rows of NaN, a missing
    polygon, match nothing; NaN points match nothing), ordered by polygon.

    The points are sorted into square cells about half a polygon box wide; each box is searched
    column of cells by column (two lookups of :class:`SortedKeys` per column) and its
    candidates kept if inside the box. Exact: a point in a box lies in the box's cells, because
    the cell of a coordinate never decreases as the coordinate grows.
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if not len(ok) or not len(bounds):
        return empty
    x0, y0, x1, y1 = x[ok].min(), y[ok].min(), x[ok].max(), y[ok].max()
    near = np.flatnonzero((bounds[:, 0] <= x1) & (bounds[:, 2] >= x0) & (bounds[:, 1] <= y1)
                          & (bounds[:, 3] >= y0))
    if not len(near):
        return empty
    b = bounds[near]
    # half the median box: each box spans a few cells, so few candidates fall outside it
    wide = 0.5 * float(np.median(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])))
    cell = max(wide, max(x1 - x0, y1 - y0, 1.0) / 2**20, 1e-6)

    def cells(v: np.ndarray, origin: float) -> np.ndarray:
        return np.floor((v - origin) / cell).astype(np.int64)

    rows = int(cells(y[ok], y0).max()) + 1
    key = cells(x[ok], x0) * rows + cells(y[ok], y0)
    order = stable_argsort(key)
    idx, keys = ok[order], SortedKeys(key[order])
    xs, ys = x[idx], y[idx]   # the points in cell order: each column's run is contiguous
    # each box clipped to the points' extent, so its cells are among the points' cells
    c0, c1 = cells(np.maximum(b[:, 0], x0), x0), cells(np.minimum(b[:, 2], x1), x0)
    r0, r1 = cells(np.maximum(b[:, 1], y0), y0), cells(np.minimum(b[:, 3], y1), y0)
    ncol = c1 - c0 + 1
    poly = np.repeat(np.arange(len(b)), ncol)   # one row per box x column of its cells
    col = np.repeat(c0, ncol) + np.arange(len(poly)) - np.repeat(np.cumsum(ncol) - ncol, ncol)
    lo = keys.left(col * rows + r0[poly])
    count = keys.right(col * rows + r1[poly]) - lo
    at = np.repeat(lo - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
    px, py = xs[at], ys[at]
    box = px >= np.repeat(b[poly, 0], count)   # each box's bounds, repeated over its run
    box &= px <= np.repeat(b[poly, 2], count)
    box &= py >= np.repeat(b[poly, 1], count)
    box &= py <= np.repeat(b[poly, 3], count)
    return idx[at[box]], near[np.repeat(poly, count)[box]]


def stable_argsort(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")`` of non-negative integer keys: the same permutation.
    Keys below 2**32 are sorted as two 16-bit digits, low then high (each a stable radix
    sort in numpy), about twice as fast as the merge sort numpy uses for 64-bit keys."""
    if not len(key) or key.min() < 0 or key.max() >= 2**32:
        return np.argsort(key, kind="stable")
    order = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
    if key.max() < 2**16:
        return order
    return order[np.argsort((key[order] >> 16).astype(np.uint16), kind="stable")]


def points_in_any(x: np.ndarray, y: np.ndarray, polygons: np.ndarray, bounds: np.ndarray,
                  threads: bool = False) -> np.ndarray:
    """True for each point inside or on the boundary of any of the polygons (GEOS
    ``intersects``, as an STRtree query with that predicate gives; NaN points: False).
    ``bounds``: ``shapely.bounds(polygons)``; prepare the polygons for speed. ``threads``:
    see :func:`intersects_xy`."""
    out = np.zeros(len(x), dtype=bool)
    pt, poly = (box_candidates(x, y, bounds) if len(x) > FEW_POINTS
                else _few_candidates(x, y, bounds))
    if len(pt):
        out[pt[intersects_xy(polygons[poly], x[pt], y[pt], threads)]] = True
    return out


def _few_candidates(x: np.ndarray, y: np.ndarray, bounds: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`box_candidates` for a few points (a what-if's moved site): the same (point,
    polygon) pairs, each box tested against every point, without the cells (in another order,
    which an "inside any" test does not see)."""
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any() or not len(bounds):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    x0, y0, x1, y1 = x[ok].min(), y[ok].min(), x[ok].max(), y[ok].max()
    near = np.flatnonzero((bounds[:, 0] <= x1) & (bounds[:, 2] >= x0) & (bounds[:, 1] <= y1)
                          & (bounds[:, 3] >= y0))
    b = bounds[near]
    box = ((x[None, :] >= b[:, :1]) & (x[None, :] <= b[:, 2:3]) & (y[None, :] >= b[:, 1:2])
           & (y[None, :] <= b[:, 3:]))
    poly, pt = np.nonzero(box)
    return pt, near[poly]


def intersects_xy(polygons: np.ndarray, x: np.ndarray, y: np.ndarray, threads: bool = False
                  ) -> np.ndarray:
    """``shapely.intersects_xy``, elementwise; with ``threads`` in contiguous parts on the
    engine's threads (GEOS runs without the GIL). Only for prepared polygons whose point index
    GEOS has already built (``AreaWork.warm_polygons``): GEOS builds it lazily on first use,
    and two threads building the same one at once is not safe."""
    w = workers()
    parts = w.chunks(len(x), least=_LEAST) if threads else [slice(0, len(x))]
    if len(parts) == 1:
        return shapely.intersects_xy(polygons, x, y)
    return np.concatenate(w.map(lambda s: shapely.intersects_xy(polygons[s], x[s], y[s]),
                                parts))
