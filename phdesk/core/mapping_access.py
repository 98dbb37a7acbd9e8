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
                       tree: tuple[shapely.STRtree | None, np.ndarray] | None = None
                       ) -> np.ndarray:
    """Index of the polygon containing each point (-1 for none), with one STRtree.

    A point on a shared boundary goes to the polygon with the lowest index, so every point gets
    exactly one polygon. ``points``: the same points as shapely geometries, if already built;
    ``tree``: :func:`polygon_tree` of the polygons, if already built (a what-if places one or
    two sites: the tree is most of the cost).
    """
    out = np.full(len(x), -1, dtype=np.int64)
    ok = np.isfinite(x) & np.isfinite(y)
    tree, poly_idx = tree if tree is not None else polygon_tree(polygons)
    if not ok.any() or tree is None:
        return out
    pts = points[ok] if points is not None else shapely.points(x[ok], y[ok])
    pi, ti = tree.query(pts, predicate="intersects")
    if len(pi):
        order = np.lexsort((ti, pi))  # lowest polygon index first for each point
        pi, ti = pi[order], ti[order]
        first = np.r_[True, pi[1:] != pi[:-1]]
        out[np.flatnonzero(ok)[pi[first]]] = poly_idx[ti[first]]
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
    return np.select([d <= r / 3, d <= 2 * r / 3, d <= r], [w1, w2, w3], 0.0)


def fca(pop: np.ndarray, capacity: np.ndarray, i: np.ndarray, j: np.ndarray, w: np.ndarray
        ) -> np.ndarray:
    """Two-step floating catchment accessibility, per 1,000 residents.

    Parameters
    ----------
    pop
        (n_areas, k) population of each of k segments per area.
    capacity
        (n_assets,) supply S_j of each asset.
    i, j, w
        area index, asset index and weight of each pair within the catchment (w = 1 for 2SFCA,
        step weights for E2SFCA).

    Returns
    -------
    (n_areas, k) accessibility A_i x 1,000 for each segment.
    """
    n, k = pop.shape
    m = len(capacity)
    out = np.zeros((n, k))
    for s in range(k):
        demand = np.bincount(j, weights=pop[i, s] * w, minlength=m)
        ratio = np.divide(capacity, demand, out=np.zeros(m), where=demand > 0)
        out[:, s] = np.bincount(i, weights=ratio[j] * w, minlength=n)
    return out * 1000.0


def nearest_distance(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray,
                     i: np.ndarray | None = None, d: np.ndarray | None = None,
                     a_pts: np.ndarray | None = None, b_pts: np.ndarray | None = None
                     ) -> np.ndarray:
    """Distance (metres) from each area point to the nearest of the given asset points; NaN when
    there are no assets (or the area has no point).

    ``i``, ``d``: pairs already known to be within a radius (area index, distance). An area with
    such a pair has its nearest asset among them, so only the others are searched (STRtree
    ``query_nearest`` over these asset points). ``a_pts``/``b_pts``: the points as shapely
    geometries, if already built.
    """
    out = np.full(len(ax), np.nan)
    if i is not None and len(i):
        best = np.full(len(ax), np.inf)
        np.minimum.at(best, i, d)
        out = np.where(np.isfinite(best), best, np.nan)
    a_ok = np.flatnonzero(np.isfinite(ax) & np.isfinite(ay) & np.isnan(out))
    b_ok = np.isfinite(bx) & np.isfinite(by)
    if not len(a_ok) or not b_ok.any():
        return out
    tree = shapely.STRtree(b_pts[b_ok] if b_pts is not None else
                           shapely.points(bx[b_ok], by[b_ok]))
    query = a_pts[a_ok] if a_pts is not None else shapely.points(ax[a_ok], ay[a_ok])
    (qi, _), dist = tree.query_nearest(query, return_distance=True, all_matches=False)
    out[a_ok[qi]] = dist
    return out


def pairs_near(tree: shapely.STRtree, tree_idx: np.ndarray, ax: np.ndarray, ay: np.ndarray,
               bx: np.ndarray, by: np.ndarray, radius: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (area i, site j) pairs with d_ij <= radius (inclusive, metres), from an STRtree over
    the area points (``tree_idx``: the area index of each tree item) queried with the sites.

    The tree is built once per set of areas and reused for every category and what-if change,
    so one category costs one query with its own few sites. Returns i, j, d (in the tree's
    order: the sums over pairs do not depend on it).
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    b_ok = np.flatnonzero(np.isfinite(bx) & np.isfinite(by))
    if not len(b_ok) or not len(tree_idx):
        return empty
    qj, qi = tree.query(shapely.points(bx[b_ok], by[b_ok]), predicate="dwithin",
                        distance=float(radius) * (1 + _PAD) + _PAD)
    i, j = tree_idx[qi], b_ok[qj]
    d = np.hypot(ax[i] - bx[j], ay[i] - by[j])
    keep = d <= radius
    return i[keep], j[keep], d[keep]
