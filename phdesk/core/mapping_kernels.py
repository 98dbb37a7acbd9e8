"""Per-category kernels: catchment pairs, reach, distance and 2SFCA/E2SFCA access per area.

One :class:`CategoryKernel` holds everything about one category that depends on its sites: the
engine recomputes a category's kernel only when its sites change (a what-if), and reuses the
others. Everything is an array over the areas (EPSG:27700 metres, access per 1,000 residents).

Demand (docs/mapping.md, "What access means"): a universal category's capacity is shared by
everyone within reach (one 2SFCA with all residents as demand); a targeted one's by its target
segments, each competing within itself (one 2SFCA per target segment). Context areas outside the
study area count as demand like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from phdesk.core.edge_gaps import in_gap
from phdesk.core.mapping_access import fca, nearest_distance, step_weights
from phdesk.core.mapping_points import points_in_any
from phdesk.core.mapping_stages import AreaWork, AssetWork
from phdesk.core.mapping_threads import workers

RADIUS_SENSITIVITY = (0.5, 1.5)   # coverage is also given at these multiples of the radius
EDGE_SAMPLES = 8                  # points on a catchment circle (45 degrees apart) tested
EDGE_CHUNK = 12_500               # sites per edge test query (100,000 circle points)


@dataclass
class LiveState:
    """What a live what-if updates a run's kernel from besides its pairs
    (``phdesk.core.mapping_delta``): each site's 2SFCA and E2SFCA demand (sites x demand
    groups, step 1's denominators), and the nearest-site search of the areas with no pair
    (``mapping_access.nearest_distance``'s ``hyp`` and ``tied``)."""

    demand2: np.ndarray
    demand3: np.ndarray
    near_hyp: np.ndarray
    near_tied: bool


@dataclass
class CategoryKernel:
    """One category's arrays. ``a2``/``a3``: areas x demand segments, per 1,000 residents."""

    category: str
    radius_m: float
    demand: list[str]
    sites: np.ndarray          # indices into AssetWork of the category's sites
    within: np.ndarray         # sites within reach of each area (radius)
    within_half: np.ndarray    # ... at 0.5 x the radius
    within_wide: np.ndarray    # ... at 1.5 x the radius
    near: np.ndarray           # metres to the nearest site (NaN: none / no point)
    a2: np.ndarray
    a3: np.ndarray
    inside: np.ndarray         # sites located in each neighbourhood (nb_list order)
    edge_sites: int            # sites reaching the study area whose catchment leaves the
    edge_capacity_share: float  # populated areas, and their share of that capacity
    reaching_sites: int        # sites within reach of the study area
    pairs: tuple | None = None  # (i, j, d) at 1.5 x the radius, kept for live what-ifs
    reaching: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)
    # ... sites within reach of the study area, as indices into ``sites`` (see fill_edges)
    edge: np.ndarray | None = field(default=None, repr=False)   # per reaching site: leaves?
    live: LiveState | None = field(default=None, repr=False)    # kept with the pairs

    @property
    def within_total(self) -> int:
        """Catchment pairs (area within reach of a site) of the category; computed once."""
        if "_within_total" not in self.__dict__:
            self.__dict__["_within_total"] = int(self.within.sum())
        return self.__dict__["_within_total"]

    def access(self, segment: str, which: str = "a2") -> np.ndarray:
        """Access per area used for ``segment``: its own 2SFCA when it is a target segment of
        a targeted category, else the first demand kernel (everyone, for universal ones)."""
        arr = self.a2 if which == "a2" else self.a3
        k = self.demand.index(segment) if segment in self.demand else 0
        return arr[:, k]


def compute_kernel(area: AreaWork, assets: AssetWork, c: int, radius: float, demand: list[str],
                   weights: tuple[float, float, float], keep_pairs: bool = False,
                   edges: bool = True) -> CategoryKernel:
    """The kernel of category ``c`` (index into ``assets.categories``). ``keep_pairs``: keep
    its catchment pairs (and remember its sites' edge tests) so a what-if can update it for a
    few changed sites (``phdesk.core.mapping_whatif``). ``edges=False`` leaves the edge
    figures at 0 for :func:`fill_edges` to fill for many kernels at once."""
    sites = np.flatnonzero(assets.cat_codes == c)
    hi = RADIUS_SENSITIVITY[1] * radius
    i, j, d = area.grid(hi).pairs(assets.bx[sites], assets.by[sites], hi)
    return kernel_from_pairs(area, assets, c, radius, demand, weights, (i, j, d), keep_pairs,
                             edges)


def kernel_from_pairs(area: AreaWork, assets: AssetWork, c: int, radius: float,
                      demand: list[str], weights: tuple[float, float, float],
                      pairs: tuple[np.ndarray, np.ndarray, np.ndarray], keep_pairs: bool = False,
                      edges: bool = True) -> CategoryKernel:
    """The kernel of category ``c`` from its catchment pairs at 1.5 x the radius: area index
    i, index j into the category's sites (register order), distance d (metres), ordered by j
    (as ``PointGrid.pairs`` with the sites gives them, so sums run in the same order whether
    the pairs were found at once or patched for a what-if)."""
    n = area.n
    sites = np.flatnonzero(assets.cat_codes == c)
    bx, by, cap = assets.bx[sites], assets.by[sites], assets.capacity[sites]
    i, j, d = pairs
    lo, hi = RADIUS_SENSITIVITY[0], RADIUS_SENSITIVITY[1] * radius
    m = d <= radius
    within = np.bincount(i[m], minlength=n)
    within_half = np.bincount(i[d <= lo * radius], minlength=n)
    within_wide = np.bincount(i, minlength=n)
    cols = [area.segments.index(s) for s in demand]
    pop = area.pop[:, cols]
    im, jm, dm = i[m], j[m], d[m]
    live = LiveState(np.zeros((len(sites), len(cols))), np.zeros((len(sites), len(cols))),
                     np.zeros(0), False) if keep_pairs else None
    a2 = fca(pop, cap, im, jm, None, None if live is None else live.demand2)   # weighs 1
    a3 = fca(pop, cap, im, jm, step_weights(dm, radius, weights),
             None if live is None else live.demand3)
    found: dict = {}
    near = nearest_distance(area.ax, area.ay, bx, by, i, d, hi, found if keep_pairs else None)
    if live is not None:
        live.near_hyp, live.near_tied = found["hyp"], found["tied"]
    nb_of_site = _site_neighbourhood(area, assets, sites)
    inside = np.bincount(nb_of_site[nb_of_site >= 0], minlength=len(area.nb_list)).astype(float)
    # sites with a pair in the study area, in index order (as np.unique gives them)
    reaching = np.flatnonzero(np.bincount(jm[area.study[im]], minlength=len(sites)))
    kernel = CategoryKernel(assets.categories[c], float(radius), list(demand), sites, within,
                            within_half, within_wide, near, a2, a3, inside, 0, 0.0,
                            len(reaching), pairs if keep_pairs else None, reaching,
                            live=live)
    if edges:
        fill_edges(area, assets, [kernel], remember=keep_pairs)
    return kernel


def fill_edges(area: AreaWork, assets: AssetWork, kernels: list[CategoryKernel],
               remember: bool = False) -> None:
    """Set each kernel's edge figures: how many of its sites reaching the study area have a
    catchment that runs beyond the populated areas, and their share of that capacity. One
    circle test per radius for all the kernels (with the polygons prepared once, a few large
    tests cost less than one per category). ``remember``: see :func:`edge_flags`."""
    by_radius: dict[float, list[CategoryKernel]] = {}
    for k in kernels:
        by_radius.setdefault(k.radius_m, []).append(k)
    for radius, group in by_radius.items():
        idx = [k.sites[k.reaching] for k in group]
        flat = np.concatenate(idx) if idx else np.zeros(0, np.int64)
        edge = edge_flags(area, assets.bx[flat], assets.by[flat], radius, remember=remember)
        for k, e, s in zip(group, np.split(edge, np.cumsum([len(x) for x in idx])[:-1]), idx,
                           strict=True):
            set_edges(k, e, assets.capacity[s])


def set_edges(kernel: CategoryKernel, edge: np.ndarray, cap: np.ndarray) -> None:
    """A kernel's edge figures from the flags of its reaching sites and their capacities."""
    total = cap.sum()
    kernel.edge = edge
    kernel.edge_sites = int(edge.sum())
    kernel.edge_capacity_share = float(cap[edge].sum() / total) if total > 0 else 0.0


def edge_flags(area: AreaWork, x: np.ndarray, y: np.ndarray, radius: float,
               remember: bool = False) -> np.ndarray:
    """:func:`_leaves_populated_areas` for each site; ``remember``: keep each place's answer
    (per radius) so a what-if tests only the sites it moved or added."""
    if not remember:
        return _leaves_populated_areas(area, x, y, radius)
    memo = area._cache.setdefault(("edge", float(radius)), {})
    keys = list(zip(x.tolist(), y.tolist(), strict=True))
    new = [k for k in dict.fromkeys(keys) if k not in memo]
    if new:
        found = _leaves_populated_areas(area, np.array([k[0] for k in new]),
                                        np.array([k[1] for k in new]), radius)
        memo.update(zip(new, found.tolist(), strict=True))
    return np.array([memo[k] for k in keys], dtype=bool)


def site_neighbourhood_index(area: AreaWork) -> tuple[pd.Index, dict]:
    """The neighbourhood names' positions, as an index and a dict; kept with the areas."""
    if "nb_index" not in area._cache:
        area._cache["nb_index"] = (pd.Index(area.nb_list, dtype=object),
                                   {name: k for k, name in enumerate(area.nb_list)})
    return area._cache["nb_index"]


def _site_neighbourhood(area: AreaWork, assets: AssetWork, sites: np.ndarray) -> np.ndarray:
    """Index into ``area.nb_list`` of the neighbourhood each site is located in (-1: none)."""
    index, pos = site_neighbourhood_index(area)
    names = assets.nb_name[sites]
    if len(names) > 1000:   # many sites (a full run): one hash lookup of them all
        return index.get_indexer(names.astype(object)).astype(np.int64)
    return np.array([pos.get(x, -1) if x is not None else -1 for x in names], dtype=np.int64)


def _leaves_populated_areas(area: AreaWork, x: np.ndarray, y: np.ndarray, radius: float
                            ) -> np.ndarray:
    """True for each site whose catchment circle runs beyond the areas with residents: one of
    ``EDGE_SAMPLES`` points on the circle lies in no populated area polygon and not in a gap
    between them (:func:`phdesk.core.edge_gaps.in_gap`: a river, not the project's edge). False
    for all when the areas have no polygons (nothing to test against)."""
    found = area.populated_polygons()
    if found is None or not len(x):
        return np.zeros(len(x), dtype=bool)
    if "populated_bounds" not in area._cache:
        area._cache["populated_bounds"] = shapely.bounds(found)
    bounds = area._cache["populated_bounds"]
    t = np.linspace(0, 2 * np.pi, EDGE_SAMPLES, endpoint=False)
    ox, oy = radius * np.cos(t), radius * np.sin(t)
    inside = np.empty((len(x), EDGE_SAMPLES), dtype=bool)
    # in chunks of sites, so the memory stays that of one chunk (England: 50,000 sites); the
    # polygons are prepared once (in place), so a chunk costs only its points. The chunks are
    # strips from west to east: each one's candidate search meets only its strip's polygons
    # (each strip one part on the engine's threads, once GEOS has indexed every polygon)
    order = np.argsort(x, kind="stable")
    threads = area.warm_polygons()
    strips = [order[k:k + EDGE_CHUNK] for k in range(0, len(x), EDGE_CHUNK)]

    def strip(s: np.ndarray) -> np.ndarray:
        px = (x[s][:, None] + ox[None, :]).ravel()
        py = (y[s][:, None] + oy[None, :]).ravel()
        return points_in_any(px, py, found, bounds, threads).reshape(len(s), EDGE_SAMPLES)

    for s, found_in in zip(strips, workers().map(strip, strips) if threads else
                           map(strip, strips), strict=True):
        inside[s] = found_in
    # a point in no area may lie on a river between areas: not beyond the project's edge (one
    # test of every such point)
    site, sample = np.nonzero(~inside)
    if len(site):
        inside[site, sample] = in_gap(x[site] + ox[sample], y[site] + oy[sample], found,
                                      bounds, threads=threads)
    return ~inside.all(axis=1)


def signature(assets: AssetWork, c: int, radius: float, demand: list[str]) -> tuple:
    """What a category's kernel depends on besides the areas: its sites (id, place, capacity,
    neighbourhood), radius and demand. Equal signatures give equal kernels. Text and bytes,
    whose hashes Python keeps: a what-if looks every category's up."""
    sites = np.flatnonzero(assets.cat_codes == c)
    ids = assets.ids[sites]
    return (assets.categories[c], float(radius), tuple(demand), ids.tobytes() if ids.dtype != object
            else repr(ids.tolist()), assets.bx[sites].tobytes(), assets.by[sites].tobytes(),
            assets.capacity[sites].tobytes(), repr(assets.nb_name[sites].tolist()))
