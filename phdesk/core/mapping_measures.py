"""Neighbourhood measures of need and provision, for one category and every segment at once.

Population = residents of the segment in the study area's areas (context areas carry no weight
here). An area is within reach of a site when its point is within the category's radius of it
(inclusive). All measures are arrays segments x neighbourhoods (docs/mapping.md has each
definition with a worked example):

coverage_pct
    share of the segment's residents within reach of at least one site (%); also at 0.5x and
    1.5x the radius (``coverage_pct_r050``/``_r150``): a census count, so no sampling interval.
choice_pct
    share within reach of two or more sites (%).
access_2sfca / access_e2sfca
    the residents' mean of their areas' access (capacity per 1,000 residents).
access_ratio
    100 x access_2sfca / the study area's rate R (the mean over all its residents of the
    demand the segment's figure comes from), so 0 = no site within reach of anyone.
shortfall
    sum over areas of residents x max(0, R - access) / 1,000: capacity needed to bring every
    area up to the study area's rate (capacity units).
duplicated_pct
    100 x sum of residents x max(0, access - R) over areas within reach of two or more sites /
    (residents x R): capacity above the study area's rate where providers overlap, as a share
    of what the neighbourhood's residents would reach at that rate (their need).
gap_score / gap_rank
    see :func:`gap_scores`.
"""

from __future__ import annotations

import numpy as np

from phdesk.core.mapping_kernels import CategoryKernel, site_neighbourhood_index
from phdesk.core.mapping_stages import AreaWork

NB_MEASURES = ("population", "assets_inside", "assets_per_10k", "coverage_pct",
               "coverage_pct_r050", "coverage_pct_r150", "choice_pct", "access_2sfca",
               "access_e2sfca", "access_ratio", "no_site_pct", "shortfall", "duplicated_pct",
               "gap_score", "gap_rank")


def gap_scores(need: np.ndarray, provision: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gap score and rank of each neighbourhood (last axis) for one category x segment.

    gap_score = 100 x (need share - provision share), in percentage points, where need share is
    the neighbourhood's share of the segment's residents in the study area and provision share
    its share of the capacity they reach (sum over its areas of residents x 2SFCA access).
    Positive = more need than provision. Relative: it sums to 0 and cannot see an overall
    shortfall or absence (hence ``access_ratio`` and ``no_site_pct`` beside it). Rank 1 = the
    biggest gap (ties share the lower rank); neighbourhoods with nobody in the segment get NaN.
    """
    need = np.asarray(need, dtype=float)
    provision = np.asarray(provision, dtype=float)
    total_need = need.sum(axis=-1, keepdims=True)
    total_prov = provision.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        need_share = np.where(total_need > 0, need / total_need, 0.0)
        prov_share = np.where(total_prov > 0, provision / total_prov, 0.0)
    # round off float noise (~1e-15) so equal shares give 0 and tie; + 0.0: no -0
    score = np.round(100.0 * (need_share - prov_share), 9) + 0.0
    score[need <= 0] = np.nan
    return score, rank_descending(score)


def rank_descending(score: np.ndarray) -> np.ndarray:
    """Rank along the last axis, 1 = the highest, ties share the lower rank ('min'), NaN
    unranked (as ``pandas.Series.rank(ascending=False, method='min')``)."""
    score = np.atleast_2d(score)
    n = score.shape[-1]
    if n <= 32 and score.size * n <= 4_000_000:   # a few neighbourhoods (a few MB): count
        # the higher scores of each at once (for more, n x n comparisons cost more than a sort)
        ok = np.isfinite(score)
        s = np.where(ok, score, -np.inf)
        higher = (s[:, None, :] > s[:, :, None]).sum(axis=-1)
        return np.where(ok, higher + 1.0, np.nan)
    # every row at once: sort, then each value's rank is 1 + where its run of ties starts
    # (the number of higher scores), as a search of the sorted finite scores gives
    ok = np.isfinite(score)
    key = np.where(ok, -score, np.inf)   # unranked last
    order = np.argsort(key, axis=-1, kind="stable")
    ordered = np.take_along_axis(key, order, axis=-1)
    pos = np.broadcast_to(np.arange(n), score.shape)
    starts = np.ones(score.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.maximum.accumulate(np.where(starts, pos, 0), axis=-1)
    out = np.empty(score.shape)
    np.put_along_axis(out, order, first + 1.0, axis=-1)
    return np.where(ok, out, np.nan)


def group_sums(area: AreaWork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(order, starts, weights) for summing the study area's rows by neighbourhood with
    ``np.add.reduceat``: area indices sorted by neighbourhood (every one has an area), where
    each neighbourhood starts, and the segment populations in that order. Cached."""
    if "groups" not in area._cache:
        study = np.flatnonzero(area.study)
        order = study[np.argsort(area.nb[study], kind="stable")]
        starts = np.searchsorted(area.nb[order], np.arange(len(area.nb_list)))
        area._cache["groups"] = (order, starts, area.pop[order])
    return area._cache["groups"]


def _by_nb(area: AreaWork, values: np.ndarray) -> np.ndarray:
    """Sum of rows (study areas in ``group_sums`` order x k) per neighbourhood -> k x nbs."""
    return _by_nb_t(area, np.ascontiguousarray(values.T))


def _by_nb_t(area: AreaWork, values_t: np.ndarray) -> np.ndarray:
    """Sum of columns (k x study areas in ``group_sums`` order) per neighbourhood -> k x nbs.
    Along the contiguous last axis: several times faster than summing rows of an areas x k
    array (England: 33,755 areas x 20 segments, ten sums per category)."""
    order, starts, _ = group_sums(area)
    if not len(order):
        return np.zeros((values_t.shape[0], len(area.nb_list)))
    return np.add.reduceat(values_t, starts, axis=1)


def _weights_t(area: AreaWork) -> np.ndarray:
    """The study areas' segment populations, segments x areas in ``group_sums`` order."""
    if "groups_t" not in area._cache:
        area._cache["groups_t"] = np.ascontiguousarray(group_sums(area)[2].T)
    return area._cache["groups_t"]


def access_matrix(kernel: CategoryKernel, segments: list[str], which: str) -> np.ndarray:
    """areas x segments: the access each segment's figure is averaged from."""
    base = kernel.a2 if which == "a2" else kernel.a3
    return base[:, _access_columns(kernel, segments)]


def _access_columns(kernel: CategoryKernel, segments: list[str]) -> np.ndarray:
    """Per segment, the demand kernel (column of ``a2``/``a3``) its figure comes from: its own
    when it is one of the demand groups after the first, else the first."""
    cols = np.zeros(len(segments), dtype=np.int64)
    for k, s in enumerate(kernel.demand):
        if k and s in segments:
            cols[segments.index(s)] = k
    return cols


def access_rows(kernel: CategoryKernel, segments: list[str], which: str, order: np.ndarray
                ) -> np.ndarray:
    """segments x areas (the areas ``order`` gives): :func:`access_matrix` transposed, built
    row by row (contiguous rows for the neighbourhood sums)."""
    base = np.ascontiguousarray((kernel.a2 if which == "a2" else kernel.a3)[order].T)
    return base[_access_columns(kernel, segments)]


def study_rates(area: AreaWork, kernel: CategoryKernel) -> np.ndarray:
    """The study area's rate R per segment column (per 1,000): the mean over the study area's
    residents of the demand the column's access comes from (everyone, or the target group)."""
    study, pop_t, total = _study_pop(area)
    by_demand = []   # one rate per demand group; a segment's column takes its group's
    for k, d in enumerate(kernel.demand):
        c = area.segments.index(d)
        by_demand.append((pop_t[c] * kernel.a2[study, k]).sum() / total[c] if total[c] > 0
                         else np.nan)
    return np.array([by_demand[kernel.demand.index(s) if s in kernel.demand else 0]
                     for s in area.segments], dtype=float)


def _study_pop(area: AreaWork) -> tuple[np.ndarray, np.ndarray, list]:
    """The study areas, their segments' residents as rows, and each segment's total. Cached."""
    if "study_pop" not in area._cache:
        pop = area.pop[area.study]
        # each segment's residents as a row, and their sum as it was always taken (down the
        # column: a sum of a strided column may round differently from one of a row)
        area._cache["study_pop"] = (np.flatnonzero(area.study), np.ascontiguousarray(pop.T),
                                    [pop[:, c].sum() for c in range(pop.shape[1])])
    return area._cache["study_pop"]


def _nb_population(area: AreaWork) -> np.ndarray:
    """Residents per segment x neighbourhood (study areas). Cached."""
    if "nb_population" not in area._cache:
        area._cache["nb_population"] = _by_nb_t(area, _weights_t(area))
    return area._cache["nb_population"]


def share_areas(area: AreaWork, grid_radii: list[float]) -> None:
    """Build what every category's kernel and measures read from the areas (the point grids
    at ``grid_radii``, metres; the neighbourhood groups, residents and totals) before the
    categories run on threads: each built once, not once per thread."""
    for r in dict.fromkeys(grid_radii):
        area.grid(r)
    _nb_population(area)
    _study_pop(area)
    site_neighbourhood_index(area)


def neighbourhood_arrays(area: AreaWork, kernel: CategoryKernel) -> dict[str, np.ndarray]:
    """Every neighbourhood measure of one category: segments x neighbourhoods arrays."""
    order, _, w = group_sums(area)    # study areas only, sorted by neighbourhood
    segs = area.segments
    rate = study_rates(area, kernel)
    within = kernel.within[order]
    cov, two = within >= 1, within >= 2

    w_t = _weights_t(area)

    def per_nb(f: np.ndarray) -> np.ndarray:
        """Sum over each neighbourhood's areas of residents x f (f per area, or segments x
        areas) -> segments x neighbourhoods; one product at a time (no wide copies)."""
        return _by_nb_t(area, w_t * f.reshape(1, -1) if f.ndim == 1 else w_t * f)

    p = _nb_population(area)
    covered, choice = per_nb(cov.astype(float)), per_nb(two.astype(float))
    half = per_nb((kernel.within_half[order] >= 1).astype(float))
    wide = per_nb((kernel.within_wide[order] >= 1).astype(float))
    targeted = len(kernel.demand) > 1 or kernel.demand[0] != segs[0]
    if targeted:   # segments' access differs: full segments x areas matrices
        a2, a3 = access_rows(kernel, segs, "a2", order), access_rows(kernel, segs, "a3", order)
    else:          # universal: one row serves every segment
        a2, a3 = kernel.a2[order, 0][None, :], kernel.a3[order, 0][None, :]
    pa2, pa3 = per_nb(a2), per_nb(a3)
    # universal: every segment has the same rate (everyone's), so one row serves them all
    r = rate[:, None] if targeted else rate[:1, None]
    short = per_nb(np.maximum(r - a2, 0.0) / 1000.0)
    dup = per_nb(np.maximum(a2 - r, 0.0) * two[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        has = p > 0
        pct = (lambda x: np.where(has, 100.0 * x / p, np.nan))  # noqa: E731
        acc2 = np.where(has, pa2 / p, np.nan)
        out = {
            "population": p, "assets_inside": np.broadcast_to(kernel.inside, p.shape).copy(),
            "assets_per_10k": np.where(has, kernel.inside[None, :] / p * 10_000, np.nan),
            "coverage_pct": pct(covered), "coverage_pct_r050": pct(half),
            "coverage_pct_r150": pct(wide), "choice_pct": pct(choice),
            "access_2sfca": acc2, "access_e2sfca": np.where(has, pa3 / p, np.nan),
            "access_ratio": np.where(has & (rate[:, None] > 0), 100.0 * acc2 / rate[:, None],
                                     np.nan),
            "no_site_pct": 100.0 - pct(covered),
            "shortfall": np.where(has, short, np.nan),
            "duplicated_pct": np.where(has & (rate[:, None] > 0),
                                       100.0 * dup / (p * rate[:, None]),
                                       np.where(has, 0.0, np.nan)),
        }
    if area.has_lookup:
        out["gap_score"], out["gap_rank"] = gap_scores(p, pa2)
    else:   # one unnamed neighbourhood: nothing to rank it against (never a "gap")
        out["gap_score"] = out["gap_rank"] = np.full(p.shape, np.nan)
    return out


def core20_share(area: AreaWork) -> np.ndarray:
    """Core20 share of each neighbourhood's residents (%), from the one Core20 definition.
    Cached with the areas (the same for every run of an engine)."""
    if "core20_share" not in area._cache:
        order, _, pop = group_sums(area)
        w = pop[:, :1]
        p, core = _by_nb(area, np.hstack([w, w * area.core20[order][:, None]]))
        with np.errstate(divide="ignore", invalid="ignore"):
            area._cache["core20_share"] = np.where(p > 0, 100.0 * core / p, np.nan)
    return area._cache["core20_share"]
