"""Confidence intervals and standardised rates as PHEindicatormethods (R, 2.x) computes them.

Numpy only (no scipy at run time: it would add tens of MB to the bundle). Each function follows
the R source of PHEindicatormethods 2.x line by line — formula, small-count rule and suppression:

- ``wilson_ci``  = ``wilson_lower`` / ``wilson_upper`` (Wilson score, Newcombe & Altman's form);
- ``byars_ci``   = ``byars_lower`` / ``byars_upper`` (Byar's approximation; negative lower -> NaN);
- ``proportion`` = ``phe_proportion`` (Wilson);
- ``rate``       = ``phe_rate`` (exact Poisson via chi-square when x < 10, Byar's when x >= 10);
- ``dsr``        = ``calculate_dsr`` (Dobson limits from Byar's on the total count; value and
  limits suppressed (NaN) when the total count < 10);
- ``smr``        = ``calculate_ISRatio`` (observed / expected; exact below 10 observed, Byar's
  from 10).

Confidence is given as 0.9-1 or 90-100 (PHEindicatormethods' rule): 0.95 and 99.8 both work.
Scalars in give scalars out; numpy arrays in give arrays out (elementwise, broadcast).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

#: 2013 European Standard Population, 19 five-year bands 0-4, 5-9, ... 85-89, 90+ (sum 100,000).
ESP2013 = np.array([5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500,
                    6000, 5500, 5000, 4000, 2500, 1500, 1000], dtype=float)

#: The ESP2013 bands' labels, in the order of ``ESP2013``.
ESP2013_BANDS = ("0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44",
                 "45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89",
                 "90+")

#: Below this many events PHEindicatormethods uses exact Poisson limits (rate, smr) or
#: suppresses the value (dsr).
SMALL_COUNT = 10


@dataclass(frozen=True)
class Estimate:
    """One statistic with its confidence interval (arrays when the inputs were arrays).

    ``method`` says how the limits were made ("Wilson", "Exact", "Byars", "Dobson"); for
    vectorised rates and ratios it is an array of those strings, one per element.
    ``note`` explains a suppressed (NaN) value, e.g. "dsr NA for total count < 10".
    """

    value: float | np.ndarray
    lower: float | np.ndarray
    upper: float | np.ndarray
    confidence: float
    method: str | np.ndarray
    statistic: str
    numerator: float | np.ndarray
    denominator: float | np.ndarray
    note: str = ""


# --- helpers ---------------------------------------------------------------------------------

def scale_confidence(confidence: float, *, allow_one: bool = True) -> float:
    """Validate a confidence level as PHEindicatormethods does and return it as a fraction.

    Accepts 0.9 to 1 or 90 to 100 (so 0.95, 95, 0.998 and 99.8 all work).
    """
    c = float(confidence)
    if not math.isfinite(c) or c < 0.9 or (1 < c < 90) or c > 100:
        raise ValueError(
            f"confidence level must be between 90 and 100 or between 0.9 and 1 (got {confidence})")
    if c >= 90:
        c = c / 100
    if c >= 1 and not allow_one:
        raise ValueError("confidence level must be below 100% for this statistic")
    return c


def z_value(confidence: float) -> float:
    """Two-sided normal critical value, qnorm(confidence + (1 - confidence) / 2)."""
    c = scale_confidence(confidence)
    if c >= 1:
        return math.inf
    return NormalDist().inv_cdf(c + (1 - c) / 2)


def _arr(values, name: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric") from exc


def _out(a: np.ndarray, scalar: bool):
    """Return a Python float for scalar inputs, the array otherwise."""
    return float(a) if scalar else a


def _out_str(a: np.ndarray, scalar: bool):
    return str(a) if scalar else a


# --- regularised incomplete gamma and its inverse (for exact Poisson limits) ---------------

_EPS = 1e-15
_TINY = 1e-300


def _gamma_pq(a: float, x: float) -> tuple[float, float]:
    """Regularised incomplete gamma (P, Q) = (lower, upper), each accurate in its own tail.

    Series for x < a + 1, Lentz continued fraction otherwise (Numerical Recipes 6.2).
    """
    if x <= 0:
        return 0.0, 1.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        for _ in range(10000):
            n += 1
            term *= x / n
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        p = total * math.exp(log_front)
        return p, 1.0 - p
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPS:
            break
    q = math.exp(log_front) * h
    return 1.0 - q, q


def gamma_quantile(p: float, a: float) -> float:
    """x such that P(a, x) = p for the unit-scale gamma distribution with shape a > 0.

    Equals ``qchisq(p, 2 * a) / 2`` in R and ``scipy.stats.gamma.ppf(p, a)``. Wilson-Hilferty
    start, then Newton steps kept inside a bisection bracket; the tail with the smaller
    probability is solved so that 99.8% limits keep full relative precision.
    """
    if not 0 <= p <= 1 or a <= 0:
        raise ValueError("gamma_quantile needs 0 <= p <= 1 and shape a > 0")
    if p == 0:
        return 0.0
    if p == 1:
        return math.inf
    lower_tail = p <= 0.5
    target = p if lower_tail else 1 - p

    def f(x: float) -> float:  # signed so that f increases with x
        pp, qq = _gamma_pq(a, x)
        return pp - target if lower_tail else target - qq

    z = NormalDist().inv_cdf(p)
    x = a * (1 - 1 / (9 * a) + z * math.sqrt(1 / (9 * a))) ** 3
    if not x > 0:  # small a or extreme tail: invert P ~ x^a / (a Gamma(a))
        x = math.exp((math.log(p) + math.log(a) + math.lgamma(a)) / a)
    lo, hi = 0.0, math.inf
    for _ in range(300):
        fx = f(x)
        if fx == 0:
            return x
        if fx < 0:
            lo = x
        else:
            hi = x
        dens = math.exp(-x + (a - 1) * math.log(x) - math.lgamma(a))
        step = fx / dens if dens > 0 else math.inf
        new = x - step
        if not (lo < new < hi) or not math.isfinite(new):
            new = (lo + hi) / 2 if math.isfinite(hi) else max(2 * x, lo * 2, 1e-300)
        if abs(new - x) <= 1e-15 * max(abs(new), 1e-300):
            return new
        x = new
    return x


def _exact_limits(x: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits for counts x: qchisq(a/2, 2x)/2 and qchisq(1-a/2, 2x+2)/2."""
    lower = np.full(x.shape, np.nan)
    upper = np.full(x.shape, np.nan)
    alpha = 1 - c
    ok = np.isfinite(x)
    for v in np.unique(x[ok]):  # few distinct small counts: one root-find each
        sel = x == v
        lower[sel] = 0.0 if v == 0 else gamma_quantile(alpha / 2, v)
        upper[sel] = gamma_quantile(1 - alpha / 2, v + 1)
    return lower, upper


# --- public functions ----------------------------------------------------------------------

def wilson_ci(x, n, confidence: float = 0.95):
    """Wilson score interval for x successes out of n, as proportions 0..1: (lower, upper).

    PHEindicatormethods ``wilson_lower``/``wilson_upper``:
    (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)). Vectorised; n = 0 gives NaN.
    """
    scalar = np.ndim(x) == 0 and np.ndim(n) == 0
    xa, na = _arr(x, "x"), _arr(n, "n")
    if np.any(xa < 0):
        raise ValueError("observed events must all be greater than or equal to zero")
    if np.any(na < 0):
        raise ValueError("sample sizes must all be greater than zero")
    if np.any(xa > na):
        raise ValueError("numerators must be less than or equal to denominator "
                         "for a Wilson score to be calculated")
    c = scale_confidence(confidence)
    if c >= 1:
        shape = np.broadcast(xa, na).shape
        return _out(np.zeros(shape), scalar), _out(np.ones(shape), scalar)
    z = z_value(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = z * np.sqrt(z * z + 4 * xa * (1 - xa / na))
        lower = (2 * xa + z * z - root) / 2 / (na + z * z)
        upper = (2 * xa + z * z + root) / 2 / (na + z * z)
        bad = na == 0
        lower, upper = np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)
    return _out(lower, scalar), _out(upper, scalar)


def byars_ci(x, confidence: float = 0.95):
    """Byar's approximate Poisson limits for an observed count x: (lower, upper) counts.

    PHEindicatormethods ``byars_lower``: x(1 - 1/(9x) - z/(3 sqrt x))^3, NaN where negative
    (very small x or very high confidence); ``byars_upper``: the same at x + 1 with +z.
    """
    scalar = np.ndim(x) == 0
    xa = _arr(x, "x")
    if np.any(xa < 0):
        raise ValueError("observed events must all be greater than or equal to zero")
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = xa * (1 - 1 / (9 * xa) - z / (3 * np.sqrt(xa))) ** 3
        lower = np.where(lower < 0, np.nan, lower)
        x1 = xa + 1
        upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    return _out(lower, scalar), _out(upper, scalar)


def proportion(x, n, multiplier: float = 100, confidence: float = 0.95) -> Estimate:
    """Proportion x/n * multiplier with Wilson limits (PHEindicatormethods ``phe_proportion``).

    multiplier 100 gives a percentage, 1 a proportion. n must be > 0 and x <= n.
    """
    scalar = np.ndim(x) == 0 and np.ndim(n) == 0
    xa, na = _arr(x, "x"), _arr(n, "n")
    if np.any(xa < 0):
        raise ValueError("numerators must be greater than or equal to zero")
    if np.any(na <= 0):
        raise ValueError("denominators must be greater than zero")
    if np.any(xa > na):
        raise ValueError("numerators must be less than or equal to denominator "
                         "for a proportion statistic")
    c = scale_confidence(confidence)
    lo, up = wilson_ci(xa, na, c)
    value = xa / na * multiplier
    stat = "percentage" if multiplier == 100 else f"proportion of {multiplier:g}"
    return Estimate(_out(value, scalar), _out(np.asarray(lo) * multiplier, scalar),
                    _out(np.asarray(up) * multiplier, scalar), c, "Wilson", stat,
                    _out(xa, scalar), _out(na, scalar))


def rate(x, n, multiplier: float = 100000, confidence: float = 0.95) -> Estimate:
    """Crude rate x/n * multiplier (PHEindicatormethods ``phe_rate``).

    Limits: exact Poisson, qchisq(a/2, 2x)/2 and qchisq(1 - a/2, 2x + 2)/2, when x < 10;
    Byar's when x >= 10. ``method`` is "Exact" or "Byars" accordingly.
    """
    scalar = np.ndim(x) == 0 and np.ndim(n) == 0
    xa, na = _arr(x, "x"), _arr(n, "n")
    if np.any(xa < 0):
        raise ValueError("numerators must be greater than or equal to zero")
    if np.any(na <= 0):
        raise ValueError("denominators must be greater than zero")
    c = scale_confidence(confidence)
    xa, na = np.broadcast_arrays(xa, na)
    lo, up = _count_limits(xa, c)
    method = _count_method(xa)
    return Estimate(_out(xa / na * multiplier, scalar), _out(lo / na * multiplier, scalar),
                    _out(up / na * multiplier, scalar), c, _out_str(method, scalar),
                    f"rate per {multiplier:g}", _out(xa.copy(), scalar), _out(na.copy(), scalar))


def _count_method(x: np.ndarray) -> np.ndarray:
    """"Exact" below SMALL_COUNT, "Byars" from it, "" where the count is missing."""
    return np.where(np.isnan(x), "", np.where(x < SMALL_COUNT, "Exact", "Byars"))


def _count_limits(x: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits for counts: exact below SMALL_COUNT, Byar's at and above (phe_rate's if_else)."""
    small = x < SMALL_COUNT
    b_lo, b_up = byars_ci(np.where(small, SMALL_COUNT, x), c)
    e_lo, e_up = _exact_limits(np.where(small, x, np.nan), c)
    return np.where(small, e_lo, b_lo), np.where(small, e_up, b_up)


def _weights_by_label(stdpop, bands) -> np.ndarray:
    """Standard population weights for ``bands`` (labels of the x/n columns), matched by label:
    ``stdpop`` a mapping label -> weight (or the default ESP2013, labelled ``ESP2013_BANDS``).
    Raises ValueError naming bands without a weight and a mapping given without labels."""
    if isinstance(stdpop, np.ndarray) and stdpop is ESP2013:
        stdpop = dict(zip(ESP2013_BANDS, ESP2013.tolist(), strict=True))
    if hasattr(stdpop, "to_dict"):
        stdpop = stdpop.to_dict()
    if not isinstance(stdpop, dict):
        raise ValueError("with bands, stdpop must map each band label to its weight (matching "
                         "by label, not position)")
    labels = [str(b).strip() for b in bands]
    weights = {str(k).strip(): float(v) for k, v in stdpop.items()}
    missing = [b for b in labels if b not in weights]
    if missing:
        raise ValueError(f"no standard population weight for band(s) {', '.join(missing)}; "
                         f"bands are: {', '.join(weights)}")
    if len(set(labels)) != len(labels):
        raise ValueError("band labels must be unique")
    return np.array([weights[b] for b in labels])


def dsr(x, n, stdpop=ESP2013, multiplier: float = 100000, confidence: float = 0.95,
        bands=None) -> Estimate:
    """Directly standardised rate over age bands (PHEindicatormethods ``calculate_dsr``).

    x, n: events and populations per band (last axis = bands; 2-D gives one DSR per row);
    stdpop: standard population per band (default ESP2013, 19 bands). Missing events count
    as 0. value = sum(x * w / n) / sum(w) * multiplier; Dobson limits:
    value + sqrt(var / X) * (Byars(X) - X) * multiplier, var = sum(x (w/n)^2) / sum(w)^2,
    X = total count. When X < 10 the value and limits are NaN and ``note`` says why.

    bands: the age-band label of each column of x and n. Given, the weights are matched by
    label (``stdpop`` a mapping label -> weight, default ESP2013 by ``ESP2013_BANDS``), as
    calculate_dsr joins the standard population as a field rather than by position; bands
    may then be any subset in any order (e.g. under-75s). Without it, ``stdpop`` is taken in
    the columns' order.
    """
    if bands is not None:
        stdpop = _weights_by_label(stdpop, bands)
    xa, na, wa = _arr(x, "x"), _arr(n, "n"), _arr(stdpop, "stdpop")
    if xa.ndim == 0 or na.shape != xa.shape or wa.ndim != 1 or xa.shape[-1] != wa.shape[0]:
        raise ValueError(
            f"x and n must be arrays of the same shape with one column per standard population "
            f"band ({wa.shape[-1] if wa.ndim else 0} bands); got {xa.shape} and {na.shape}")
    if np.any(xa < 0):
        raise ValueError("numerators must all be greater than or equal to zero")
    if np.any(np.isnan(na)) or np.any(na <= 0):
        raise ValueError("denominators must all be greater than zero")
    if np.any(np.isnan(wa)) or np.any(wa < 0):
        raise ValueError("standard populations must all be greater than or equal to zero")
    c = scale_confidence(confidence)
    scalar = xa.ndim == 1
    x0 = np.nan_to_num(xa, nan=0.0)
    total = x0.sum(axis=-1)
    value = (x0 * wa / na).sum(axis=-1) / wa.sum() * multiplier
    var = (x0 * (wa / na) ** 2).sum(axis=-1) / wa.sum() ** 2
    b_lo, b_up = byars_ci(total, c)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = np.sqrt(var / total) * multiplier
        lower = value + half * (np.asarray(b_lo) - total)
        upper = value + half * (np.asarray(b_up) - total)
    small = total < SMALL_COUNT
    value, lower, upper = (np.where(small, np.nan, v) for v in (value, lower, upper))
    note = "dsr NA for total count < 10" if np.any(small) else ""
    return Estimate(_out(value, scalar), _out(lower, scalar), _out(upper, scalar), c, "Dobson",
                    f"dsr per {multiplier:g}", _out(total, scalar),
                    _out(na.sum(axis=-1), scalar), note)


def smr(x, n, x_ref, n_ref, refvalue: float = 1, confidence: float = 0.95) -> Estimate:
    """Indirectly standardised ratio, observed / expected * refvalue (``calculate_ISRatio``).

    x: observed events per band (last axis = bands; 2-D gives one ratio per row) or a scalar
    total of observed events; n: population per band; x_ref, n_ref: reference events and
    population per band. expected = sum(n * x_ref / n_ref) (missing x_ref or n counted as 0).
    Limits: exact Poisson on the observed count when it is < 10, Byar's from 10.
    ``numerator`` is the observed count and ``denominator`` the expected count.
    """
    xa, na = _arr(x, "x"), _arr(n, "n")
    xr, nr = _arr(x_ref, "x_ref"), _arr(n_ref, "n_ref")
    if na.ndim == 0 or xr.shape != (na.shape[-1],) or nr.shape != (na.shape[-1],):
        raise ValueError(f"n must have one column per band and x_ref, n_ref one value per band; "
                         f"got n {na.shape}, x_ref {xr.shape}, n_ref {nr.shape}")
    if np.any(xa < 0):
        raise ValueError("numerators must all be greater than or equal to zero")
    if np.any(na < 0):
        raise ValueError("denominators must all be greater than or equal to zero")
    c = scale_confidence(confidence)
    scalar = na.ndim == 1
    if xa.shape == na.shape:
        observed = np.nansum(xa, axis=-1)
    elif xa.shape == na.shape[:-1]:
        observed = xa  # totals given without an age breakdown (observed_totals in R)
    else:
        raise ValueError(f"x must be per band (shape {na.shape}) or totals "
                         f"(shape {na.shape[:-1]}); got {xa.shape}")
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = (np.nan_to_num(xr, nan=0.0) / nr * np.nan_to_num(na, nan=0.0)).sum(axis=-1)
        observed = np.asarray(observed, dtype=float)
        lo, up = _count_limits(observed, c)
        value = observed / expected * refvalue
        lower, upper = lo / expected * refvalue, up / expected * refvalue
    method = _count_method(observed)
    return Estimate(_out(value, scalar), _out(lower, scalar), _out(upper, scalar), c,
                    _out_str(method, scalar), f"indirectly standardised ratio x {refvalue:g}",
                    _out(observed, scalar), _out(expected, scalar))
