"""Live what-if: a category's kernel updated for the few sites a scenario changed.

A full kernel (``mapping_kernels.compute_kernel``) queries the area point tree with every site
of the category and tests every reaching site's catchment edge. A what-if moves, adds, closes or
resizes one or two sites, so :func:`update_kernel` keeps the base run's catchment pairs of the
sites whose place did not change, queries the tree with the moved and added sites only, and
hands the patched pairs to the same ``kernel_from_pairs`` the full run uses: every figure is
computed by the one rule, over the same pairs in the same order, so the result equals a full
recompute with the change made for real (docs/ARCHITECTURE.md, "The mapping engine").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phdesk.core.mapping_access import pairs_near
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
    old_ids = base_assets.ids[base.sites]
    index = pd.Index(old_ids)
    if (base.pairs is None or base.radius_m != float(radius) or list(base.demand) != demand
            or not index.is_unique):
        return compute_kernel(area, assets, c, radius, demand, weights, keep_pairs=True)
    bx, by = assets.bx[sites], assets.by[sites]
    pos = index.get_indexer(assets.ids[sites])
    known = pos >= 0
    p = np.maximum(pos, 0)
    kept = known & (base_assets.bx[base.sites][p] == bx) & (base_assets.by[base.sites][p] == by)
    new_of_old = np.full(len(old_ids), -1, dtype=np.int64)
    new_of_old[pos[kept]] = np.flatnonzero(kept)
    bi, bj, bd = base.pairs
    stay = new_of_old[bj] >= 0
    fresh = np.flatnonzero(~kept)
    tree, tree_idx = area.point_tree()
    fi, fj, fd = pairs_near(tree, tree_idx, area.ax, area.ay, bx[fresh], by[fresh],
                            RADIUS_SENSITIVITY[1] * radius)
    i = np.concatenate([bi[stay], fi])
    j = np.concatenate([new_of_old[bj[stay]], fresh[fj]])
    d = np.concatenate([bd[stay], fd])
    # ordered by site as one query of every site gives them (each site's own pairs keep the
    # tree's order), so the sums over pairs run in the same order as a full recompute
    order = np.argsort(j, kind="stable")
    return kernel_from_pairs(area, assets, c, radius, demand, weights,
                             (i[order], j[order], d[order]), keep_pairs=True)
