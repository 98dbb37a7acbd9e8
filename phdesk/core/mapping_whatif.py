"""Live what-if: a category's kernel updated for the few sites a scenario changed.

A full kernel (``mapping_kernels.compute_kernel``) queries the area point grid with every site
of the category and tests every reaching site's catchment edge. A what-if moves, adds, closes or
resizes one or two sites, so :func:`update_kernel` matches the sites with the run's by id and
recomputes only what the changed ones reach (``mapping_delta.delta_kernel``). Where that cannot
be used (sites reordered, a tie in the nearest-site search, a run kept without that state) it
keeps the base run's catchment pairs of the sites whose place did not change, queries the tree
with the moved and added sites only, and hands the patched pairs to the same
``kernel_from_pairs`` the full run uses. Either way every figure is computed by the one rule,
over the same pairs in the same order, so the result equals a full recompute with the change
made for real (docs/ARCHITECTURE.md, "The mapping engine").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phdesk.core.mapping_delta import delta_kernel
from phdesk.core.mapping_kernels import (
    RADIUS_SENSITIVITY,
    CategoryKernel,
    compute_kernel,
    kernel_from_pairs,
)
from phdesk.core.mapping_stages import AreaWork, AssetWork


def update_kernel(area: AreaWork, assets: AssetWork, c: int, radius: float, demand: list[str],
                  weights: tuple[float, float, float], base: CategoryKernel,
                  base_assets: AssetWork) -> CategoryKernel:
    """The kernel of category ``c`` of ``assets``, from ``base`` (the same category, radius and
    demand in the run of ``base_assets``, with its pairs kept). Sites matched by id; a site
    whose place changed, or a new one, gets its pairs from one query. Falls back to
    :func:`compute_kernel` when the base has no pairs or the ids do not identify the sites."""
    sites = np.flatnonzero(assets.cat_codes == c)
    if base.pairs is None or base.radius_m != float(radius) or list(base.demand) != demand:
        return compute_kernel(area, assets, c, radius, demand, weights, keep_pairs=True)
    if assets.frame is base_assets.frame and assets.cat_codes is base_assets.cat_codes:
        pos = np.arange(len(sites))   # the run's rows (a site moved or resized): the same sites
    else:
        index = pd.Index(base_assets.ids[base.sites])
        if not index.is_unique:
            return compute_kernel(area, assets, c, radius, demand, weights, keep_pairs=True)
        pos = index.get_indexer(assets.ids[sites])
    bx, by = assets.bx[sites], assets.by[sites]
    known = pos >= 0
    p = np.maximum(pos, 0)
    kept = known & (base_assets.bx[base.sites][p] == bx) & (base_assets.by[base.sites][p] == by)
    new_of_old = np.full(len(base.sites), -1, dtype=np.int64)
    new_of_old[pos[kept]] = np.flatnonzero(kept)
    order_kept = new_of_old[new_of_old >= 0]
    if (base.live is not None and base.edge is not None
            and (np.diff(order_kept) > 0).all()):   # the sites in the run's order
        kernel = delta_kernel(area, assets, c, radius, demand, weights, base, base_assets,
                              new_of_old, kept)
        if kernel is not None:
            return kernel
    bi, bj, bd = base.pairs
    stay = new_of_old[bj] >= 0
    fresh = np.flatnonzero(~kept)
    hi = RADIUS_SENSITIVITY[1] * radius
    fi, fj, fd = area.grid(hi).pairs(bx[fresh], by[fresh], hi)
    i = np.concatenate([bi[stay], fi])
    j = np.concatenate([new_of_old[bj[stay]], fresh[fj]])
    d = np.concatenate([bd[stay], fd])
    # ordered by site as one query of every site gives them (each site's own pairs keep the
    # tree's order), so the sums over pairs run in the same order as a full recompute
    order = np.argsort(j, kind="stable")
    return kernel_from_pairs(area, assets, c, radius, demand, weights,
                             (i[order], j[order], d[order]), keep_pairs=True)
