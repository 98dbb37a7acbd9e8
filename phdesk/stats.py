"""Public-health statistics with confidence intervals, as UKHSA's PHEindicatormethods computes them.

phdesk's figures are meant to agree with the Fingertips / OHID methods that planners already
know, so every function here follows the R package PHEindicatormethods (versions 2.x) - its
formulas, its small-count rules and its suppression - and was checked against the outputs
the package publishes in its vignettes (see tests/core/test_stats.py and docs/stats.md).
numpy only: no scipy at run time (the exact Poisson limits use our own incomplete-gamma
inverse, checked against scipy in the tests).

Confidence levels are given as 0.9-1 or 90-100 (0.95, 95, 0.998 and 99.8 all work). Scalars
in give floats out; numpy arrays in give arrays out.

Functions
---------
wilson_ci(x, n, confidence=0.95) -> (lower, upper)
    Wilson score interval for a proportion, as fractions 0..1 (R ``wilson_lower`` /
    ``wilson_upper``: Wilson 1927 in Newcombe & Altman's formulation). Vectorised; n = 0
    gives NaN limits rather than an error, so coverage arrays with empty areas work.
byars_ci(x, confidence=0.95) -> (lower, upper)
    Byar's approximation to the Poisson limits of a count (Breslow & Day 1987). A negative
    lower limit (tiny counts, very high confidence) is NaN, as in R.
proportion(x, n, multiplier=100, confidence=0.95) -> Estimate
    x / n * multiplier with Wilson limits (R ``phe_proportion``); method "Wilson".
rate(x, n, multiplier=100000, confidence=0.95) -> Estimate
    Crude rate (R ``phe_rate``). Exact Poisson limits (chi-square: qchisq(a/2, 2x)/2 and
    qchisq(1-a/2, 2x+2)/2; Armitage & Berry) when x < 10, Byar's when x >= 10; ``method``
    is "Exact" or "Byars" per element.
dsr(x, n, stdpop=ESP2013, multiplier=100000, confidence=0.95, bands=None) -> Estimate
    Directly standardised rate over age bands (R ``calculate_dsr``; default weights: the
    2013 European Standard Population, 19 bands 0-4 ... 90+, labels ``ESP2013_BANDS``). With
    ``bands`` (each column's age-band label) the weights are matched by label, not position.
    Dobson et al. (1991) limits built on Byar's limits for the total count. When the total
    count is < 10 the value and limits are NaN and ``note`` is "dsr NA for total count < 10"
    (PHE suppression rule).
smr(x, n, x_ref, n_ref, refvalue=1, confidence=0.95) -> Estimate
    Indirectly standardised ratio (SMR) observed / expected * refvalue (R
    ``calculate_ISRatio``), expected = sum(n * x_ref / n_ref); exact limits when observed
    < 10, Byar's from 10.
sii(values, population, se=None, lower_cl=None, upper_cl=None, value_type=0,
    transform=False, multiplier=1, confidence=0.95, repetitions=100000, seed=None,
    strict=True) -> SIIResult
    Slope and Relative Index of Inequality across quantiles ordered most -> least deprived
    (R ``phe_sii``; Low & Low 2004): population-weighted (sqrt(a)) regression on the
    cumulative-population midpoints, limits by simulation (``repetitions`` normal draws per
    quantile), RII = (intercept + SII) / intercept, value_type 0 indicator / 1 rate (log) /
    2 proportion (logit), ``transform`` to fit on the log / logit scale (an ``se`` given with
    it is on that scale). ``seed`` makes the
    limits reproducible; the simulation uses numpy's generator, so limits match R's to
    simulation error, while the SII, RII and intercept match exactly.
sii_many(calls) -> list[SIIResult]
    ``[sii(**c) for c in calls]`` with the simulations of calls sharing an int seed done as
    one matrix product (many SIIs of ten deciles, as a mapping run fits).

Results
-------
Estimate: frozen dataclass with value, lower, upper, confidence (fraction), method,
statistic (e.g. "rate per 100000"), numerator, denominator (dsr: total count and total
population; smr: observed and expected) and note.
SIIResult: frozen dataclass with sii, sii_lower, sii_upper, rii, rii_lower, rii_upper,
intercept, confidence, value_type, transform, multiplier, repetitions, method and note.

Invalid input raises ValueError with PHEindicatormethods' message (e.g. "numerators must be
less than or equal to denominator for a proportion statistic").
"""

from __future__ import annotations

from phdesk.core.stats import (
    ESP2013,
    ESP2013_BANDS,
    SMALL_COUNT,
    Estimate,
    byars_ci,
    dsr,
    gamma_quantile,
    proportion,
    rate,
    scale_confidence,
    smr,
    wilson_ci,
    z_value,
)
from phdesk.core.stats_sii import SIIResult, sii
from phdesk.core.stats_sii_batch import sii_many

__all__ = [
    "ESP2013",
    "ESP2013_BANDS",
    "SMALL_COUNT",
    "Estimate",
    "SIIResult",
    "byars_ci",
    "dsr",
    "gamma_quantile",
    "proportion",
    "rate",
    "scale_confidence",
    "sii",
    "sii_many",
    "smr",
    "wilson_ci",
    "z_value",
]
