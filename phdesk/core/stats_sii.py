"""Slope and Relative Index of Inequality as PHEindicatormethods 2.x ``phe_sii`` computes them.

Quantiles (e.g. IMD deciles) are given in order from most to least deprived (decile 1 first).
Each gets a relative rank b = cumulative population share up to the quantile's midpoint; with
a = its population share, the model Y*sqrt(a) = A*sqrt(a) + S*b*sqrt(a) is fitted by least
squares (no free intercept: the sqrt(a) transformation weights by population). The SII is S
(the fitted difference between rank 1 and rank 0), the intercept is A (fitted value at rank 0,
the most deprived end) and the RII is (A + S) / A.

Confidence limits are by simulation: each repetition draws every quantile's value from a
normal distribution (mean = value, sd = standard error, on the log / logit scale for rates /
proportions), refits, and the limits are the (1 - c)/2 and (1 + c)/2 order statistics of the
simulated SIIs and RIIs (positions round(reps * p), R's rounding). numpy's generator is not
R's, so limits agree with R's to simulation error only; ``seed`` makes them reproducible.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from phdesk.core.stats import scale_confidence

_CHUNK = 20000  # repetitions per block: caps memory at 100 quantiles x 20,000 doubles


@dataclass(frozen=True)
class SIIResult:
    """SII and RII with simulated confidence limits, plus the fitted intercept (rank 0)."""

    sii: float
    sii_lower: float
    sii_upper: float
    rii: float
    rii_lower: float
    rii_upper: float
    intercept: float
    confidence: float
    value_type: int
    transform: bool
    multiplier: float
    repetitions: int
    method: str
    note: str = ""


@functools.lru_cache(maxsize=16)
def _normals_for_seed(seed: int, repetitions: int, q: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    out, done = [], 0
    while done < repetitions:
        k = min(_CHUNK, repetitions - done)
        block = rng.standard_normal((k, q))
        block.setflags(write=False)
        out.append(block)
        done += k
    return tuple(out)


def _normals(seed, repetitions: int, q: int):
    """The standard normal draws, chunk by chunk, as ``default_rng(seed)`` gives them. For an
    int seed they are kept (read-only): a mapping run fits hundreds of SIIs with one seed, and
    drawing them again each time was most of its cost; the numbers are the same."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        yield from _normals_for_seed(int(seed), repetitions, q)
        return
    rng = np.random.default_rng(seed)
    done = 0
    while done < repetitions:
        k = min(_CHUNK, repetitions - done)
        yield rng.standard_normal((k, q))
        done += k


def _nan_result(confidence, value_type, transform, multiplier, repetitions, note) -> SIIResult:
    nan = math.nan
    return SIIResult(nan, nan, nan, nan, nan, nan, nan, confidence, value_type, transform,
                     multiplier, repetitions, f"simulation {repetitions} reps", note)


def _link(v: np.ndarray, value_type: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if value_type == 1:
            return np.log(v)
        if value_type == 2:
            return np.log(v / (1 - v))
    return v


def _inverse_link(v, value_type: int):
    if value_type == 1:
        return np.exp(v)
    if value_type == 2:
        return np.exp(v) / (1 + np.exp(v))
    return v


def _check_data(values, population, se, lower_cl, upper_cl, value_type) -> str:
    """Return '' when the quantile data can give an SII, else the reason (PHE's messages)."""
    if np.any(~np.isfinite(population)) or np.any(population <= 0):
        return "some groups have a zero, negative or missing population"
    if np.any(~np.isfinite(values)):
        return "missing indicator values in input"
    if se is not None:
        if np.any(~np.isfinite(se)) or np.any(se < 0):
            return "negative or missing standard errors in input dataset"
    elif np.any(~np.isfinite(lower_cl)) or np.any(~np.isfinite(upper_cl)):
        return "missing lower or upper confidence limits in input dataset"
    if value_type == 2:
        if np.any((values < 0) | (values > 1)):
            return "value proportions are not all between 0 and 1"
        if se is None and np.any((lower_cl < 0) | (lower_cl > 1) | (upper_cl < 0) |
                                 (upper_cl > 1)):
            return "confidence limit proportions are not all between 0 and 1"
    if value_type in (1, 2):
        kind = "log" if value_type == 1 else "logit"
        parts = [values] if se is not None else [values, lower_cl, upper_cl]
        with np.errstate(divide="ignore", invalid="ignore"):
            if any(np.any(~np.isfinite(_link(p, value_type))) for p in parts):
                return (f"a value or confidence limit of 0{' or 1' if value_type == 2 else ''} "
                        f"cannot be {kind}-transformed; use value_type=0 for such data")
    return ""


def sii(values, population, se=None, lower_cl=None, upper_cl=None, value_type: int = 0,
        transform: bool = False, multiplier: float = 1, confidence: float = 0.95,
        repetitions: int = 100000, seed=None, strict: bool = True) -> SIIResult:
    """Slope and Relative Index of Inequality with simulated limits (PHEindicatormethods phe_sii).

    values, population: one entry per quantile, most deprived first (5 to 100 quantiles).
    se: standard error per quantile; if not given it is (upper_cl - lower_cl) / 1.96 / 2 from
    the 95% limits, after log (value_type 1, rate) or logit (value_type 2, proportion 0..1)
    transformation of the limits. value_type 0 = any other indicator (no transformation).
    transform=True (rates and proportions only): fit on the log / logit scale and convert the
    SII, RII, intercept and limits back to the original units. With ``se`` it is taken on the
    transformed (log / logit) scale, as phe_sii uses any given se for rates and proportions, so
    ``se=s`` gives the same result as the limits inv(link(value) -/+ 1.96 s). (phe_sii 2.1.0
    itself stops when se is given with transform; this is the same model with the se it would
    compute from those limits.)
    multiplier scales the SII and its limits; a negative one also inverts the RII (polarity).
    seed: int or numpy Generator for reproducible limits. strict=False returns an all-NaN
    result with ``note`` set, instead of raising, when the quantile data cannot give an SII.
    """
    fit = _prepare(values, population, se, lower_cl, upper_cl, value_type, transform,
                   multiplier, confidence, repetitions, strict)
    if isinstance(fit, SIIResult):
        return fit
    return _finish(fit, *_simulate(fit, seed))


def _limit_positions(fit: _Fit) -> list[int]:
    """0-based positions of the lower and upper limits among the sorted repetitions."""
    cv = fit.c + (1 - fit.c) / 2
    # R: sorted[round(reps * p)] with 1-based positions and round-half-even.
    pos = [max(1, round(fit.repetitions * (1 - cv))), min(fit.repetitions,
                                                          round(fit.repetitions * cv))]
    return [p - 1 for p in pos]


@dataclass(frozen=True)
class _Fit:
    """One SII's data on the model scale and its least-squares fit, ready to simulate."""

    v_t: np.ndarray
    se_a: np.ndarray
    sqrt_a: np.ndarray
    solver: np.ndarray
    coef_a: np.float64   # numpy scalars: a zero intercept gives inf / nan, as numpy does
    coef_s: np.float64
    c: float
    value_type: int
    transform: bool
    multiplier: float
    repetitions: int

    @property
    def linear(self) -> bool:
        """True when the draws stay on the model scale (the fit is linear in them)."""
        return self.transform or self.value_type == 0

    @property
    def draw_map(self) -> np.ndarray:
        """q x 2: standard normal draws -> (intercept, slope) offsets (linear fits)."""
        return self.se_a[:, None] * self.sqrt_a[:, None] * self.solver.T

    @property
    def centre(self) -> np.ndarray:
        return (self.v_t * self.sqrt_a) @ self.solver.T


def _prepare(values, population, se=None, lower_cl=None, upper_cl=None, value_type: int = 0,
             transform: bool = False, multiplier: float = 1, confidence: float = 0.95,
             repetitions: int = 100000, strict: bool = True) -> _Fit | SIIResult:
    """Check the arguments and fit the model: a :class:`_Fit`, or the all-NaN result."""
    if value_type not in (0, 1, 2):
        raise ValueError("value_type should be 0, 1 or 2")
    if not float(repetitions).is_integer() or repetitions < 1000:
        raise ValueError("number of repetitions must be 1000 or greater. Default is 100,000")
    repetitions = int(repetitions)
    if transform and value_type == 0:
        raise ValueError("value_type should be 1 or 2 when transform is true")
    if se is None and (lower_cl is None or upper_cl is None):
        raise ValueError("sii requires either lower_cl and upper_cl, or se")
    c = scale_confidence(confidence, allow_one=False)
    multiplier = float(multiplier)

    v = np.asarray(values, dtype=float).ravel()
    pop = np.asarray(population, dtype=float).ravel()
    se_a = None if se is None else np.asarray(se, dtype=float).ravel()
    lcl = None if lower_cl is None else np.asarray(lower_cl, dtype=float).ravel()
    ucl = None if upper_cl is None else np.asarray(upper_cl, dtype=float).ravel()
    q = v.size
    for name, arr in (("population", pop), ("se", se_a), ("lower_cl", lcl), ("upper_cl", ucl)):
        if arr is not None and arr.size != q:
            raise ValueError(f"{name} has {arr.size} entries but values has {q}")
    if q < 5 or q > 100:
        raise ValueError(f"Number of quantiles must be between 5 and 100 (got {q})")
    problem = _check_data(v, pop, se_a, lcl, ucl, value_type)
    if problem:
        if strict:
            raise ValueError(problem)
        return _nan_result(c, value_type, transform, multiplier, repetitions, problem)

    # Values (and limits) on the model scale; se hard-coded from 95% limits as in R.
    v_t = _link(v, value_type)
    if se_a is None:
        se_a = (_link(ucl, value_type) - _link(lcl, value_type)) / NormalDist().inv_cdf(0.975) / 2

    # Relative rank b: midpoint of each quantile's share of the cumulative population.
    a = pop / pop.sum()
    cum = np.cumsum(a)
    b = a / 2 + np.concatenate(([0.0], cum[:-1]))
    sqrt_a = np.sqrt(a)
    design = np.column_stack([sqrt_a, b * sqrt_a])  # q x 2
    y = (v_t if transform else _inverse_link(v_t, value_type)) * sqrt_a
    (coef_a, coef_s), *_ = np.linalg.lstsq(design, y, rcond=None)
    # (M M')^-1 M, M = design' (2 x q): the least-squares map applied to every repetition.
    solver = np.linalg.solve(design.T @ design, design.T)
    return _Fit(v_t, se_a, sqrt_a, solver, coef_a, coef_s, c, value_type,
                bool(transform), multiplier, repetitions)


def _simulate(fit: _Fit, seed) -> tuple[np.ndarray, np.ndarray]:
    """(slopes, intercepts) of every repetition, from the seed's normal draws."""
    v_t, se_a, sqrt_a, solver = fit.v_t, fit.se_a, fit.sqrt_a, fit.solver
    repetitions, value_type, q = fit.repetitions, fit.value_type, len(fit.v_t)

    normals = _normals(seed, repetitions, q)
    linear, centre = fit.linear, fit.centre
    slopes = np.empty(repetitions)
    ints = np.empty(repetitions)
    done = 0
    while done < repetitions:
        k = min(_CHUNK, repetitions - done)
        z = next(normals)
        if linear:   # the fit is linear in the draws: one (k x q) @ (q x 2) product
            params = z @ fit.draw_map + centre
        else:
            draws = _inverse_link(z * se_a + v_t, value_type)
            params = (draws * sqrt_a) @ solver.T  # k x 2: (A, S) per repetition
        ints[done:done + k] = params[:, 0]
        slopes[done:done + k] = params[:, 1]
        done += k
    return slopes, ints


def _finish(fit: _Fit, slopes: np.ndarray, ints: np.ndarray | None,
            slope_limits: tuple[float, float] | None = None) -> SIIResult:
    """The SII, RII and their limits from the fit and the simulated slopes and intercepts
    (``slope_limits``: the slopes at the limit positions, if already picked)."""
    c, multiplier, repetitions = fit.c, fit.multiplier, fit.repetitions
    coef_a, coef_s, transform, value_type = fit.coef_a, fit.coef_s, fit.transform, fit.value_type
    idx = _limit_positions(fit)

    if not transform:
        sii_val = multiplier * coef_s
        rii_val = (coef_a + coef_s) / coef_a
        with np.errstate(divide="ignore", invalid="ignore"):
            rii_sim = (slopes + ints) / ints
        if multiplier < 0:
            rii_val = 1 / rii_val
            with np.errstate(divide="ignore"):
                rii_sim = 1 / rii_sim
        sii_lo, sii_up = np.partition(slopes * multiplier, idx)[idx]
        rii_lo, rii_up = np.partition(rii_sim, idx)[idx]
        intercept = coef_a
    else:
        inv = _inverse_link
        x1 = coef_a + coef_s
        half = (coef_a + x1) / 2
        sii_val = (inv(x1, value_type) - inv(coef_a, value_type)) * multiplier
        rii_val = inv(x1, value_type) / inv(coef_a, value_type)
        if multiplier < 0:
            rii_val = 1 / rii_val
        intercept = inv(coef_a, value_type) * abs(multiplier)
        # Simulated slope limits on the model scale, pivoted about the midpoint (x = 0.5).
        s_lo, s_up = (slope_limits if slope_limits is not None
                      else np.partition(slopes, idx)[idx])
        end0 = {"l": half - s_lo / 2, "u": half - s_up / 2}
        end1 = {"l": half + s_lo / 2, "u": half + s_up / 2}
        diff = {k: (inv(end1[k], value_type) - inv(end0[k], value_type)) * multiplier
                for k in "lu"}
        ratio = {k: inv(end1[k], value_type) / inv(end0[k], value_type) for k in "lu"}
        # R swaps the ends for a negative multiplier (vt 2; vt 1 tests `multiplier < 1`,
        # which also swaps for 0 < multiplier < 1 - we follow the documented < 0).
        if multiplier < 0:
            sii_lo, sii_up = diff["u"], diff["l"]
            rii_lo, rii_up = 1 / ratio["u"], 1 / ratio["l"]
        else:
            sii_lo, sii_up = diff["l"], diff["u"]
            rii_lo, rii_up = ratio["l"], ratio["u"]

    return SIIResult(float(sii_val), float(sii_lo), float(sii_up), float(rii_val),
                     float(rii_lo), float(rii_up), float(intercept), c, value_type,
                     bool(transform), multiplier, repetitions,
                     f"simulation {repetitions} reps")
