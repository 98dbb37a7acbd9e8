"""Live what-if: a category's kernel recomputed only where a few changed sites reach.

A what-if moves, adds, closes or resizes a site or two. Every figure of a kernel
(``mapping_kernels.kernel_from_pairs``) is either a sum over an area's catchment pairs, added
in the order of the sites (``np.bincount``: one after another, per area), a sum over a site's
pairs in its query order, a count, or a minimum. So an area none of whose pairs changed keeps
the run's figures to the bit, a site whose pairs and capacity did not change keeps its demand,
and :func:`delta_kernel` recomputes only:

* the areas within 1.5 x the radius of a changed site, before or after (the affected areas):
  their pairs gathered in the order the whole category's would give them, then summed by the
  same ``bincount`` as a full kernel;
* the demand of the moved and added sites, from their own pairs;
* the nearest site of the areas with no site within 1.5 x the radius: a search only for the
  areas that lost their nearest or their last pair; for the others, the moved and added sites
  compared with the run's nearest, by the distance the full search compares
  (``mapping_access.nearest_beyond``); when two nearest sites tie at that distance with
  different distances as reported, the full search is left to decide (None);
* the edge test of the moved and added sites that reach the study area.

The result equals a full recompute with the change made for real
(docs/ARCHITECTURE.md, "The mapping engine"; tests/core/test_mapping_whatif.py).
"""

from __future__ import annotations

import numpy as np

from phdesk.core.mapping_access import _geos_distance, nearest_beyond, step_weights
from phdesk.core.mapping_kernels import (
    RADIUS_SENSITIVITY,
    CategoryKernel,
    _site_neighbourhood,
    edge_flags,
    set_edges,
)
from phdesk.core.mapping_stages import AreaWork, AssetWork


def delta_kernel(area: AreaWork, assets: AssetWork, c: int, radius: float, demand: list[str],
                 weights: tuple[float, float, float], base: CategoryKernel,
                 base_assets: AssetWork, new_of_old: np.ndarray, kept: np.ndarray
                 ) -> CategoryKernel | None:
    """The kernel of category ``c`` of ``assets`` from ``base`` (the run's, with its pairs and
    ``live`` state): ``new_of_old`` gives each of the run's sites its index among the
    category's sites now (-1: moved away or closed), increasing; ``kept`` the sites now whose
    place did not change. None when a tie in the nearest-site search needs the full search."""
    sites = np.flatnonzero(assets.cat_codes == c)
    bx, by, cap = assets.bx[sites], assets.by[sites], assets.capacity[sites]
    old_of_new = np.full(len(sites), -1, dtype=np.int64)
    old_of_new[new_of_old[new_of_old >= 0]] = np.flatnonzero(new_of_old >= 0)
    kept_new = np.flatnonzero(kept)
    old_cap = base_assets.capacity[base.sites]
    resized = kept_new[cap[kept_new] != old_cap[old_of_new[kept_new]]]
    gone = np.flatnonzero(new_of_old < 0)
    fresh = np.flatnonzero(~kept)
    bi, bj, bd = base.pairs
    hi = RADIUS_SENSITIVITY[1] * radius
    fi, fj, fd = area.grid(hi).pairs(bx[fresh], by[fresh], hi)
    # the affected areas: reached by a site that moved away, closed, was resized or is new
    touched = np.concatenate([gone, old_of_new[resized]])
    lo_at, hi_at = np.searchsorted(bj, touched), np.searchsorted(bj, touched, side="right")
    count = hi_at - lo_at
    spans = np.repeat(lo_at - (np.cumsum(count) - count), count) + np.arange(count.sum())
    aff_idx = np.unique(np.concatenate([bi[spans], fi]))
    aff = np.zeros(area.n, dtype=bool)
    aff[aff_idx] = True
    # their pairs as the category's would come: by site, each site's in its query order
    stay = aff[bi] & (new_of_old[bj] >= 0)
    j = np.concatenate([new_of_old[bj[stay]], fresh[fj]])
    order = np.argsort(j, kind="stable")
    i, j = np.concatenate([bi[stay], fi])[order], j[order]
    d = np.concatenate([bd[stay], fd])[order]
    loc = np.searchsorted(aff_idx, i)   # index among the affected areas
    na = len(aff_idx)

    def patched(full: np.ndarray, part: np.ndarray) -> np.ndarray:
        out = full.copy()
        out[aff_idx] = part
        return out

    m = d <= radius
    within = patched(base.within, np.bincount(loc[m], minlength=na))
    within_half = patched(base.within_half,
                          np.bincount(loc[d <= RADIUS_SENSITIVITY[0] * radius], minlength=na))
    within_wide = patched(base.within_wide, np.bincount(loc, minlength=na))
    live = base.live
    pop_t = _demand_rows(area, demand)
    fm = fd <= radius
    fw = step_weights(fd[fm], radius, weights)
    w = step_weights(d[m], radius, weights)
    a2, a3 = [], []
    for kept_demand, wf, wa, out in ((live.demand2, None, None, a2), (live.demand3, fw, w, a3)):
        demand_now = np.zeros((len(sites), pop_t.shape[0]))
        demand_now[kept_new] = kept_demand[old_of_new[kept_new]]
        for s in range(pop_t.shape[0]):   # as mapping_access.fca, for the changed parts only
            p = pop_t[s][fi[fm]]
            demand_now[fresh, s] = np.bincount(fj[fm], weights=p if wf is None else p * wf,
                                               minlength=len(fresh))
            ratio = np.divide(cap, demand_now[:, s], out=np.zeros(len(sites)),
                              where=demand_now[:, s] > 0)
            out.append(np.bincount(loc[m], weights=ratio[j[m]] if wa is None else
                                   ratio[j[m]] * wa, minlength=na))
    a2 = patched(base.a2, np.stack(a2, axis=1) * 1000.0)
    a3 = patched(base.a3, np.stack(a3, axis=1) * 1000.0)
    near = _near(area, base, base_assets, aff, aff_idx, loc, d, bx, by, gone, fresh)
    if near is None:
        return None
    # sites per neighbourhood (whole numbers): the run's, less the old places, plus the new
    inside = base.inside.copy()
    out = _site_neighbourhood(area, base_assets, base.sites[gone])
    np.subtract.at(inside, out[out >= 0], 1.0)
    now = _site_neighbourhood(area, assets, sites[fresh])
    np.add.at(inside, now[now >= 0], 1.0)
    # the sites reaching the study area: the run's that stayed, and the new places that do
    was = new_of_old[base.reaching]
    reach_fresh = fresh[np.unique(fj[fm & area.study[fi]])]
    reaching = np.concatenate([was[was >= 0], reach_fresh])
    flags = np.concatenate([base.edge[was >= 0], edge_flags(area, bx[reach_fresh],
                                                            by[reach_fresh], radius,
                                                            remember=True)])
    order = np.argsort(reaching, kind="stable")
    reaching, flags = reaching[order], flags[order]
    kernel = CategoryKernel(assets.categories[c], float(radius), list(demand), sites, within,
                            within_half, within_wide, near, a2, a3, inside, 0, 0.0,
                            len(reaching), None, reaching)
    set_edges(kernel, flags, assets.capacity[sites[reaching]])
    return kernel


def _demand_rows(area: AreaWork, demand: list[str]) -> np.ndarray:
    """The demand groups' residents, one row each (as ``mapping_access.fca`` reads them);
    kept with the areas per demand."""
    rows = area._cache.setdefault("demand_rows", {})
    if tuple(demand) not in rows:
        cols = [area.segments.index(s) for s in demand]
        rows[tuple(demand)] = np.ascontiguousarray(area.pop[:, cols].T)
    return rows[tuple(demand)]


def _near(area: AreaWork, base: CategoryKernel, base_assets: AssetWork, aff: np.ndarray,
          aff_idx: np.ndarray, loc: np.ndarray, d: np.ndarray, bx: np.ndarray, by: np.ndarray,
          gone: np.ndarray, fresh: np.ndarray) -> np.ndarray | None:
    """Metres to the nearest site (``mapping_access.nearest_distance``'s figures), updated:
    the affected areas from their pairs (the nearest of them) or, with none left, a search;
    the run's searched areas compared with the new places, searched again when their nearest
    moved away or closed. None when a tie makes the answer depend on the search's order."""
    live = base.live
    if live.near_tied:
        return None
    near = base.near.copy()
    best = np.full(len(aff_idx), np.inf)
    np.minimum.at(best, loc, d)
    has = np.isfinite(best)
    near[aff_idx[has]] = best[has]
    redo = [aff_idx[~has]]
    hyp = live.near_hyp
    b0 = np.flatnonzero(np.isfinite(hyp) & ~aff)   # searched in the run, not affected
    qx, qy = area.ax[b0], area.ay[b0]
    if len(b0) and len(gone):   # a run's nearest moved away or closed: search again
        gs = base.sites[gone]
        gx, gy = base_assets.bx[gs], base_assets.by[gs]
        was = (np.hypot(gx[None, :] - qx[:, None], gy[None, :] - qy[:, None])
               == hyp[b0][:, None]).any(axis=1)
        redo.append(b0[was])
        b0, qx, qy = b0[~was], qx[~was], qy[~was]
    if len(b0) and len(fresh):   # a new place as near as the run's nearest, or nearer
        fx, fy = bx[fresh], by[fresh]
        h = np.hypot(fx[None, :] - qx[:, None], fy[None, :] - qy[:, None])   # as the search
        low = h.min(axis=1)
        row, col = np.nonzero((h == low[:, None]) & (low <= hyp[b0])[:, None])
        if len(row):
            dist = _geos_distance(qx[row], qy[row], fx[col], fy[col])
            first = np.ones(len(row), dtype=bool)
            first[1:] = row[1:] != row[:-1]
            lead = dist[first][np.cumsum(first) - 1]
            nearer = low[row] < hyp[b0[row]]   # else as near as the run's: the same figure?
            if (dist != lead).any() or (dist != np.where(nearer, dist, near[b0[row]])).any():
                return None   # tied nearest sites, different distances: order decides
            near[b0[row[first]]] = dist[first]
    redo = np.concatenate(redo)
    if len(redo):
        got, _, tied = nearest_beyond(area.ax[redo], area.ay[redo], bx, by,
                                      RADIUS_SENSITIVITY[1] * base.radius_m)
        if tied:
            return None
        near[redo] = got
    return near
