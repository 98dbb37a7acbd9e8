"""Geometry and accessibility for asset mapping: where things are, what is near what, 2SFCA.

Everything is in EPSG:27700 (British National Grid), distances straight-line in metres. Areas are
represented by their population-weighted centroid where known, else their polygon centroid.

Accessibility follows the two-step floating catchment area method:

* 2SFCA (Luo & Wang 2003). Step 1, for each asset j: R_j = S_j / sum(P_k for areas k with
  d_kj <= r). Step 2, for each area i: A_i = sum(R_j for assets j with d_ij <= r). The catchment
  is inclusive at the radius r.
* E2SFCA (Luo & Qi 2009): the same with step weights W(d) in both steps:
  R_j = S_j / sum(P_k W(d_kj)), A_i = sum(R_j W(d_ij)); W = w1 for d <= r/3, w2 for
  r/3 < d <= 2r/3, w3 for 2r/3 < d <= r, 0 beyond (defaults 1, 0.68, 0.22).

S_j is the asset's capacity (default 1), P the population of the segment being served; A is
reported per 1,000 residents (A x 1,000). An asset whose catchment holds nobody of the segment
offers nothing (R_j = 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from phdesk.core.mapping_points import (
    SortedKeys,
    box_candidates,
    intersects_xy,
    stable_argsort,
)

# pad the spatial query so that points exactly on the radius are not lost to rounding inside GEOS;
# the exact, inclusive test (d <= r) is done afterwards in numpy
_PAD = 1e-6


def area_points(areas: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Representative point of each area (EPSG:27700 metres) and where it came from.

    Uses pw_centroid_e/n where both are known, else centroid_e/n, else the centroid of the
    polygon. Returns x, y (NaN where nothing is known) and the source per area
    (``population-weighted`` | ``centroid`` | ``polygon`` | ``none``).
    """
    n = len(areas)

    def col(name: str) -> np.ndarray:
        if name not in areas:
            return np.full(n, np.nan)
        return pd.to_numeric(areas[name], errors="coerce").to_numpy(dtype=float)

    x, y = col("pw_centroid_e"), col("pw_centroid_n")
    source = np.where(np.isfinite(x) & np.isfinite(y), "population-weighted", "none")
    cx, cy = col("centroid_e"), col("centroid_n")
    use = (source == "none") & np.isfinite(cx) & np.isfinite(cy)
    x, y = np.where(use, cx, x), np.where(use, cy, y)
    source[use] = "centroid"
    if "geometry" in areas:
        geoms = areas["geometry"].to_numpy(dtype=object)
        need = (source == "none") & pd.notna(geoms)
        if need.any():
            cent = shapely.centroid(geoms[need].astype(object))
            x[need], y[need] = shapely.get_x(cent), shapely.get_y(cent)
            source[need] = "polygon"
    source[~(np.isfinite(x) & np.isfinite(y))] = "none"
    return x, y, source


def polygon_tree(polygons: np.ndarray) -> tuple[shapely.STRtree | None, np.ndarray]:
    """An STRtree over the polygons that exist, and their indices (None: there are none)."""
    valid = np.array([g is not None for g in polygons], dtype=bool) if len(polygons) else \
        np.zeros(0, dtype=bool)
    return (shapely.STRtree(polygons[valid]) if valid.any() else None), np.flatnonzero(valid)


def points_in_polygons(x: np.ndarray, y: np.ndarray, polygons: np.ndarray,
                       points: np.ndarray | None = None,
                       tree: tuple[shapely.STRtree | None, np.ndarray] | None = None,
                       threads: bool = False) -> np.ndarray:
    """Index of the polygon containing each point (-1 for none), with one STRtree.

    A point on a shared boundary goes to the polygon with the lowest index, so every point gets
    exactly one polygon. ``points``: the same points as shapely geometries, if already built;
    ``tree``: :func:`polygon_tree` of the polygons, if already built (a what-if places one or
    two sites: the tree is most of the cost). Fewer points than polygons: the polygon tree
    queried with the points; else a tree over the points queried with the polygons, which GEOS
    then tests prepared (each polygon's edges indexed once); or, when ``shapely.prepare`` was
    called on them (the engine's full run, docs/ARCHITECTURE.md), the candidates of
    :func:`~phdesk.core.mapping_points.box_candidates` tested with ``intersects_xy``: the same
    test, without a tree of point geometries (``threads``: that test on the engine's
    threads, see :func:`~phdesk.core.mapping_points.intersects_xy`).
    """
    out = np.full(len(x), -1, dtype=np.int64)
    ok = np.isfinite(x) & np.isfinite(y)
    if tree is None:
        valid = np.array([g is not None for g in polygons], dtype=bool) if len(polygons) else \
            np.zeros(0, dtype=bool)
        poly_tree, poly_idx = None, np.flatnonzero(valid)
    else:
        poly_tree, poly_idx = tree
    if not ok.any() or not len(poly_idx):
        return out
    valid = polygons[poly_idx]
    if ok.sum() >= len(poly_idx) and shapely.is_prepared(valid).all():
        # many points, prepared polygons (the engine's full run): candidates in numpy
        pi, ti = box_candidates(x, y, shapely.bounds(valid))
        hit = intersects_xy(valid[ti], x[pi], y[pi], threads)
        pi, ti = pi[hit], ti[hit]
    else:
        pts = points[ok] if points is not None else shapely.points(x[ok], y[ok])
        if len(pts) < len(poly_idx):
            if poly_tree is None:
                poly_tree = shapely.STRtree(valid)
            pi, ti = poly_tree.query(pts, predicate="intersects")
        else:
            ti, pi = shapely.STRtree(pts).query(valid, predicate="intersects")
        pi = np.flatnonzero(ok)[pi]
    if len(pi):
        order = np.lexsort((ti, pi))  # lowest polygon index first for each point
        pi, ti = pi[order], ti[order]
        first = np.r_[True, pi[1:] != pi[:-1]]
        out[pi[first]] = poly_idx[ti[first]]
    return out


def overlay_largest(areas: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """For each area polygon, the index of the target polygon it overlaps most (-1 if none)."""
    out = np.full(len(areas), -1, dtype=np.int64)
    a_ok = np.array([g is not None for g in areas], dtype=bool)
    t_ok = np.array([g is not None for g in targets], dtype=bool)
    if not a_ok.any() or not t_ok.any():
        return out
    t_idx = np.flatnonzero(t_ok)
    tree = shapely.STRtree(targets[t_ok])
    a_idx = np.flatnonzero(a_ok)
    ai, ti = tree.query(areas[a_ok], predicate="intersects")
    if not len(ai):
        return out
    overlap = shapely.area(shapely.intersection(areas[a_ok][ai], targets[t_ok][ti]))
    frame = pd.DataFrame({"a": ai, "t": ti, "ov": overlap})
    best = frame.loc[frame.groupby("a")["ov"].idxmax()]
    best = best[best["ov"] > 0]
    out[a_idx[best["a"].to_numpy()]] = t_idx[best["t"].to_numpy()]
    return out


def pairs_within(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray,
                 radius_b: np.ndarray, a_pts: np.ndarray | None = None,
                 b_pts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (area i, asset j) pairs with distance d_ij <= radius_b[j] (inclusive), metres.

    One STRtree over the asset points, queried once per distinct radius with the area points
    (``dwithin``). Returns i, j, d (sorted by j, then i). Points with NaN coordinates are skipped.
    ``a_pts``/``b_pts``: the points as shapely geometries, if already built.
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    a_ok = np.flatnonzero(np.isfinite(ax) & np.isfinite(ay))
    b_ok = np.flatnonzero(np.isfinite(bx) & np.isfinite(by))
    if not len(a_ok) or not len(b_ok):
        return empty
    tree = shapely.STRtree(b_pts[b_ok] if b_pts is not None else
                           shapely.points(bx[b_ok], by[b_ok]))
    a_pts = a_pts[a_ok] if a_pts is not None else shapely.points(ax[a_ok], ay[a_ok])
    rb = radius_b[b_ok]
    parts_i, parts_j = [], []
    for r in np.unique(rb):
        qi, qj = tree.query(a_pts, predicate="dwithin", distance=float(r) * (1 + _PAD) + _PAD)
        keep = rb[qj] == r
        parts_i.append(a_ok[qi[keep]])
        parts_j.append(b_ok[qj[keep]])
    i, j = np.concatenate(parts_i), np.concatenate(parts_j)
    d = np.hypot(ax[i] - bx[j], ay[i] - by[j])
    keep = d <= radius_b[j]
    i, j, d = i[keep], j[keep], d[keep]
    order = np.lexsort((i, j))
    return i[order], j[order], d[order]


def step_weights(d: np.ndarray, radius: np.ndarray | float,
                 weights: tuple[float, float, float]) -> np.ndarray:
    """E2SFCA step weight of each distance: inner, middle, outer third of the radius (each
    zone inclusive at its outer edge), 0 beyond the radius."""
    r = np.asarray(radius, dtype=float)
    w1, w2, w3 = (float(v) for v in weights)
    # the zones written outermost first (as np.select's first true condition wins; twice as
    # fast for the few pairs of a what-if)
    out = np.where(d <= r, w3, 0.0)
    out[d <= 2 * r / 3] = w2
    out[d <= r / 3] = w1
    return out


def fca(pop: np.ndarray, capacity: np.ndarray, i: np.ndarray, j: np.ndarray,
        w: np.ndarray | None, demand_out: np.ndarray | None = None) -> np.ndarray:
    """Two-step floating catchment accessibility, per 1,000 residents.

    Parameters
    ----------
    pop
        (n_areas, k) population of each of k segments per area.
    capacity
        (n_assets,) supply S_j of each asset.
    i, j, w
        area index, asset index and weight of each pair within the catchment (w = 1 for 2SFCA,
        step weights for E2SFCA; None: 1 for every pair, without multiplying by it).
    demand_out
        (n_assets, k), if given: filled with each asset's demand (step 1's denominator), which
        a live what-if keeps (``phdesk.core.mapping_delta``).

    Returns
    -------
    (n_areas, k) accessibility A_i x 1,000 for each segment.
    """
    n, k = pop.shape
    m = len(capacity)
    out = np.zeros((n, k))
    columns = np.ascontiguousarray(pop.T)   # each segment's residents read from one row
    for s in range(k):
        demand = np.bincount(j, weights=columns[s][i] if w is None else columns[s][i] * w,
                             minlength=m)
        if demand_out is not None:
            demand_out[:, s] = demand
        ratio = np.divide(capacity, demand, out=np.zeros(m), where=demand > 0)
        out[:, s] = np.bincount(i, weights=ratio[j] if w is None else ratio[j] * w,
                                minlength=n)
    return out * 1000.0


def nearest_distance(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray,
                     i: np.ndarray | None = None, d: np.ndarray | None = None,
                     searched: float = 0.0, keep: dict | None = None) -> np.ndarray:
    """Distance (metres) from each area point to the nearest of the given asset points; NaN when
    there are no assets (or the area has no point).

    ``i``, ``d``: every pair within ``searched`` metres (area index, distance). An area with
    such a pair has its nearest asset among them; the others are searched by
    :func:`nearest_beyond`. ``keep``: a dict given the search's ``hyp`` (per area, the
    distance it compared, NaN for areas not searched) and ``tied`` (see
    :func:`nearest_beyond`), from which a live what-if updates the figure
    (``phdesk.core.mapping_delta``).
    """
    out = np.full(len(ax), np.nan)
    if i is not None and len(i):
        best = np.full(len(ax), np.inf)
        np.minimum.at(best, i, d)
        out = np.where(np.isfinite(best), best, np.nan)
    else:
        searched = 0.0
    if keep is not None:
        keep.update(hyp=np.full(len(ax), np.nan), tied=False)
    a_ok = np.flatnonzero(np.isfinite(ax) & np.isfinite(ay) & np.isnan(out))
    b_ok = np.flatnonzero(np.isfinite(bx) & np.isfinite(by))
    if not len(a_ok) or not len(b_ok):
        return out
    out[a_ok], hyp, tied = nearest_beyond(ax[a_ok], ay[a_ok], bx[b_ok], by[b_ok], searched)
    if keep is not None:
        keep["hyp"][a_ok] = hyp
        keep["tied"] = tied
    return out


def nearest_beyond(qx: np.ndarray, qy: np.ndarray, bx: np.ndarray, by: np.ndarray,
                   searched: float) -> tuple[np.ndarray, np.ndarray, bool]:
    """Distance from each query point to the nearest point (bx, by), none of the queries having
    a point within ``searched`` metres: the nearest by :func:`_nearest_beyond`, its distance
    computed as GEOS does, sqrt(dx·dx + dy·dy) (an STRtree ``query_nearest`` did this search
    before: the same figures to the last bit). Also the distance the search compared (numpy
    ``hypot``) and ``tied``: whether some query had two nearest points at that distance whose
    GEOS distances differ (then which one is taken depends on the search's cell order)."""
    k, hyp, tied = _nearest_beyond(qx, qy, bx, by, searched)
    return _geos_distance(qx, qy, bx[k], by[k]), hyp, tied


def _nearest_beyond(qx: np.ndarray, qy: np.ndarray, bx: np.ndarray, by: np.ndarray,
                    searched: float) -> tuple[np.ndarray, np.ndarray, bool]:
    """Index of the nearest point (bx, by) to each query point, none of which has a point
    within ``searched`` metres: every pair within twice that (a :class:`PointGrid` over the
    points), the nearest of them for the queries that have some; the radius doubled for the
    others, until it spans every point. Exact (each pass finds every point within its radius),
    and at England scale about twice as fast as an STRtree ``query_nearest``: the queries are
    areas far from a category's sites, which a few doublings reach. Also each query's
    distance compared (``hypot``) and whether any query had nearest points tied at it whose
    GEOS distances differ (see :func:`nearest_beyond`)."""
    span = float(np.hypot(max(qx.max(), bx.max()) - min(qx.min(), bx.min()),
                          max(qy.max(), by.max()) - min(qy.min(), by.min())))
    span = span * (1 + 1e-9) + 1.0          # beyond any distance between the points
    out = np.full(len(qx), -1, dtype=np.int64)
    hyp = np.full(len(qx), np.nan)
    tied = False
    todo = np.arange(len(qx))
    r = max(2.0 * searched, span / 256)
    while len(todo):
        r = min(r, span)
        j, q, dist = PointGrid(bx, by, r).pairs(qx[todo], qy[todo], r)
        if len(q):   # the pairs come in runs by query: the first nearest of each run
            starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
            counts = np.diff(np.r_[starts, len(q)])
            at = np.flatnonzero(dist == np.repeat(np.minimum.reduceat(dist, starts), counts))
            run = np.repeat(np.arange(len(starts)), counts)[at]
            firsts = np.r_[True, run[1:] != run[:-1]]
            first = at[firsts]
            out[todo[q[first]]] = j[first]
            hyp[todo[q[first]]] = dist[first]
            if not firsts.all():   # a nearest tied with another: do their distances differ?
                later, lead = at[~firsts], first[np.cumsum(firsts)[~firsts] - 1]
                tied = tied or bool((_geos_distance(qx[todo[q[later]]], qy[todo[q[later]]],
                                                    bx[j[later]], by[j[later]])
                                     != _geos_distance(qx[todo[q[lead]]], qy[todo[q[lead]]],
                                                       bx[j[lead]], by[j[lead]])).any())
        todo = todo[out[todo] < 0]
        if r >= span:
            break
        r *= 2.0
    return out, hyp, tied


def _geos_distance(qx: np.ndarray, qy: np.ndarray, bx: np.ndarray, by: np.ndarray
                   ) -> np.ndarray:
    """Point-to-point distances as GEOS computes them (metres)."""
    dx, dy = qx - bx, qy - by
    return np.sqrt(dx * dx + dy * dy)


_COLUMNS = np.array([-1, 0, 1])   # a site's cell column and its neighbours (PointGrid.pairs)


class PointGrid:
    """The area points sorted into square cells at least ``radius`` wide (metres), so that the
    points within ``radius`` of a site lie in the 3 x 3 cells around the site's: each column of
    three cells is one run of the sorted keys (docs/ARCHITECTURE.md, "Mapping engine").

    Built once per set of areas and radius and reused for every category and what-if; a query is
    three pairs of lookups in the sorted keys per site (:class:`SortedKeys`: a dense table of
    run starts, else ``searchsorted``) and numpy over the candidates, about three times faster
    than a GEOS ``dwithin`` query of an STRtree at England scale (no geometry objects).
    """

    def __init__(self, ax: np.ndarray, ay: np.ndarray, radius: float) -> None:
        self.ax, self.ay = ax, ay
        ok = np.flatnonzero(np.isfinite(ax) & np.isfinite(ay))
        self.lo = (ax[ok].min(), ay[ok].min()) if len(ok) else (0.0, 0.0)
        self.hi = (ax[ok].max(), ay[ok].max()) if len(ok) else (0.0, 0.0)
        span = max(self.hi[0] - self.lo[0], self.hi[1] - self.lo[1], 1.0)
        # wider than the radius by more than any rounding of x / cell, and never so fine that
        # the keys (columns x rows) could overflow
        self.cell = max(float(radius) * (1 + 1e-9) + 1e-6, span / 2**20)
        gx, gy = self._cells(ax[ok], ay[ok])
        self.rows = int(gy.max()) + 3 if len(ok) else 3   # rows 0, 1 and the last two empty
        key = gx * self.rows + gy
        order = stable_argsort(key)
        self.idx, self.keys = ok[order], SortedKeys(key[order])
        self.sx, self.sy = ax[self.idx], ay[self.idx]   # in cell order: runs read in a row

    def _cells(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cell column and row (from 2, so the neighbours of any cell have rows >= 0)."""
        return (np.floor((x - self.lo[0]) / self.cell).astype(np.int64) + 2,
                np.floor((y - self.lo[1]) / self.cell).astype(np.int64) + 2)

    def pairs(self, bx: np.ndarray, by: np.ndarray, radius: float
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All (area i, site j) pairs with d_ij <= radius (inclusive, metres; radius at most
        the grid's). Returns i, j, d ordered by site j (then by cell). Points with NaN
        coordinates are skipped."""
        if radius > self.cell:
            raise ValueError("radius wider than the grid's cells")
        r = float(radius) * (1 + 1e-9) + 1e-6   # never below the radius after rounding
        # only sites within the radius of the areas' bounding box can have a pair; this also
        # keeps their cells inside the grid's rows (no key of one column reaching the next)
        b_ok = np.flatnonzero((bx >= self.lo[0] - r) & (bx <= self.hi[0] + r)
                              & (by >= self.lo[1] - r) & (by <= self.hi[1] + r))
        if not len(b_ok) or not len(self.idx):
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        gx, gy = self._cells(bx[b_ok], by[b_ok])
        # columns gx - 1 .. gx + 1, site by site (each site's three together, so the pairs
        # come ordered by j); rows gy - 1 .. gy + 1 of a column are consecutive keys
        k = ((gx[:, None] + _COLUMNS) * self.rows + gy[:, None]).ravel()
        start = self.keys.left(k - 1)
        count = self.keys.right(k + 1) - start
        at = np.repeat(start - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
        per_site = count.reshape(-1, 3).sum(axis=1)
        # the points' coordinates from the grid's sorted copy, the site's repeated over its
        # candidates (the same numbers as gathering each by index, read in order)
        dx = self.sx[at] - np.repeat(bx[b_ok], per_site)
        dy = self.sy[at] - np.repeat(by[b_ok], per_site)
        # about two thirds of the 3 x 3 cells lie beyond the radius: squared distances
        # (a multiply-add each) set those aside first, with a margin far wider than their
        # rounding, so ``hypot`` (the distance and the exact test, as before) runs only for
        # the rest: the same pairs and distances
        near = np.flatnonzero(dx * dx + dy * dy <= (radius * radius) * (1 + 1e-9))
        d = np.hypot(dx[near], dy[near])
        inside = d <= radius
        keep = near[inside]
        return self.idx[at[keep]], np.repeat(b_ok, per_site)[keep], d[inside]
