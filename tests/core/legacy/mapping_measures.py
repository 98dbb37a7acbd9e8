"""Measures of need and provision, per area and per neighbourhood, for one category x segment.

Definitions (population = residents of the segment; an area counts as inside a catchment when its
representative point is within the category's radius of an asset, inclusive):

coverage
    share of the segment's population living in areas inside at least one catchment, as a
    percentage, with a Wilson 95% interval (``phdesk.stats.wilson_ci``; people as trials).
overlap
    share of the covered population inside the catchments of two or more assets of the category.
access (2SFCA, E2SFCA)
    capacity per 1,000 residents (see ``phdesk.core.mapping_access``); for a neighbourhood, the
    population-weighted mean of its areas' values.
gap score
    see :func:`gap_scores`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phdesk.stats import sii, wilson_ci

SII_MEASURES = ("coverage", "access_2sfca")


def gap_scores(need: np.ndarray, provision: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gap score and rank of each neighbourhood for one category x segment.

    gap_score = 100 x (need share - provision share), in percentage points, where

    * need share = the neighbourhood's share of the segment's population across all the areas
      mapped (the borough), and
    * provision share = the neighbourhood's share of the category's accessible capacity for the
      segment: sum over its areas of population x 2SFCA access, over the same sum for all areas.
      (Under 2SFCA this total equals the capacity of the assets that reach anyone, so the share
      says how much of the provision the neighbourhood's residents can reach.)

    Positive = more need than provision (a gap), negative = more provision than its share of need,
    0 = provision in proportion to need. Rank 1 = the biggest gap (ties share the lower rank);
    neighbourhoods with no one in the segment get NaN and no rank.
    """
    need = np.asarray(need, dtype=float)
    provision = np.asarray(provision, dtype=float)
    total_need, total_prov = need.sum(), provision.sum()
    need_share = need / total_need if total_need > 0 else np.zeros_like(need)
    prov_share = provision / total_prov if total_prov > 0 else np.zeros_like(provision)
    # round off float noise (~1e-15) so that equal shares give 0 and tie in the ranking, rather
    # than ranks ordered by rounding error (e.g. a radius covering everyone equally); + 0.0: no -0
    score = np.round(100.0 * (need_share - prov_share), 9) + 0.0
    score[need <= 0] = np.nan
    rank = pd.Series(score).rank(ascending=False, method="min").to_numpy()
    return score, rank


def neighbourhood_block(nb: np.ndarray, n_nb: int, pop: np.ndarray, within: np.ndarray,
                        a2: np.ndarray, a3: np.ndarray, assets_inside: np.ndarray
                        ) -> dict[str, np.ndarray]:
    """Neighbourhood measures for one category x segment from area values.

    nb: neighbourhood index of each area; pop: segment population per area; within: number of
    the category's assets whose catchment holds the area; a2/a3: 2SFCA/E2SFCA per 1,000 per area;
    assets_inside: count of the category's assets located in each neighbourhood.
    """
    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(nb, weights=weights, minlength=n_nb)

    p = total(pop)
    covered = total(pop * (within >= 1))
    multi = total(pop * (within >= 2))
    pa2, pa3 = total(pop * a2), total(pop * a3)
    with np.errstate(divide="ignore", invalid="ignore"):
        has = p > 0
        coverage = np.where(has, covered / p, np.nan)
        # people are the trials; clip guards against float sums a hair above the total
        lo, hi = wilson_ci(np.minimum(covered, p), p)
        overlap = np.where(covered > 0, multi / covered, np.nan)
        per10k = np.where(has, assets_inside / p * 10_000, np.nan)
        acc2, acc3 = np.where(has, pa2 / p, np.nan), np.where(has, pa3 / p, np.nan)
    gap, rank = gap_scores(p, pa2)
    return {"population": p, "assets_inside": assets_inside, "assets_per_10k": per10k,
            "coverage_pct": 100 * coverage, "coverage_lower": 100 * np.asarray(lo),
            "coverage_upper": 100 * np.asarray(hi), "access_2sfca": acc2,
            "access_e2sfca": acc3, "overlap_pct": 100 * overlap, "gap_score": gap,
            "gap_rank": rank}


def _weighted_se(group: np.ndarray, n_groups: int, value: np.ndarray, weight: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Population-weighted mean of area values per group and its standard error
    (weighted SD / sqrt(effective number of areas), Kish's n_eff = (sum w)^2 / sum w^2)."""
    sw = np.bincount(group, weights=weight, minlength=n_groups)
    sw2 = np.bincount(group, weights=weight**2, minlength=n_groups)
    swx = np.bincount(group, weights=weight * value, minlength=n_groups)
    swxx = np.bincount(group, weights=weight * value**2, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = swx / sw
        var = np.maximum(swxx / sw - mean**2, 0.0)
        n_eff = sw**2 / sw2
        se = np.sqrt(var / n_eff)
    return mean, se


def inequality_block(decile: np.ndarray, pop: np.ndarray, within: np.ndarray, a2: np.ndarray,
                     repetitions: int, seed: int) -> list[dict]:
    """Slope and relative index of inequality of coverage and 2SFCA access across IMD deciles.

    Deciles (1 = most deprived) with people in the segment are the quantiles, ordered most to
    least deprived (``phdesk.stats.sii``; Low & Low 2004). Coverage: the decile's covered share
    with Wilson limits, in percent (SII and intercept in percentage points). Access: the
    population-weighted mean per 1,000 with the standard error of that weighted mean.
    Positive SII = the measure rises from the most to the least deprived. Fewer than 5 deciles
    with residents gives NaN values and a note.
    """
    ok = np.isfinite(decile) & (decile >= 1) & (decile <= 10)
    d = decile[ok].astype(np.int64) - 1
    p = pop[ok]
    dp = np.bincount(d, weights=p, minlength=10)
    keep = dp > 0
    rows = []
    covered = np.bincount(d, weights=p * (within[ok] >= 1), minlength=10)
    cov_lo, cov_hi = wilson_ci(np.minimum(covered, dp)[keep], dp[keep])
    acc, acc_se = _weighted_se(d, 10, a2[ok], p)
    for measure in SII_MEASURES:
        # RII = (intercept + SII) / intercept: undefined when the modelled value at the most
        # deprived end is 0 (e.g. nobody covered anywhere); NaN and a note, no divide warning
        with np.errstate(divide="ignore", invalid="ignore"):
            if not ok.any():
                res, note = None, "no IMD deciles for the areas (import the IMD to get the SII)"
            elif keep.sum() < 5:
                res, note = None, f"only {int(keep.sum())} IMD deciles have residents (need 5)"
            elif measure == "coverage":
                res = sii(100 * covered[keep] / dp[keep], dp[keep], lower_cl=100 * cov_lo,
                          upper_cl=100 * cov_hi, repetitions=repetitions, seed=seed,
                          strict=False)
                note = res.note
            else:
                res = sii(acc[keep], dp[keep], se=acc_se[keep], repetitions=repetitions,
                          seed=seed, strict=False)
                note = res.note
        row = {"measure": measure, "deciles": int(keep.sum()), "note": note}
        for f in ("sii", "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper", "intercept"):
            row[f] = float(getattr(res, f)) if res is not None else np.nan
        if res is not None and not note and not np.isfinite(row["rii"]):
            row.update(rii=np.nan, rii_lower=np.nan, rii_upper=np.nan)
            row["note"] = "rii undefined: the modelled value at the most deprived end is 0"
        rows.append(row)
    return rows
