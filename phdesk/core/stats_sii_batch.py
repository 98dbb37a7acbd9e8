"""Many SIIs at once (a mapping run fits hundreds), with the numbers :func:`sii` gives one by one.

``sii_many(calls)`` equals ``[sii(**c) for c in calls]`` to the last bit; it only does the same
arithmetic in fewer, larger numpy calls (docs/ARCHITECTURE.md, "The mapping engine"):

* the fits of calls given standard errors (the form the mapping engine uses) are set up
  together, per number of quantiles and model: the checks, links, ranks and weights as
  elementwise operations over a fits x quantiles array (each element computed as in
  ``stats_sii._prepare``), the least-squares fits by one call of the LAPACK routine numpy's
  ``lstsq`` calls for each fit, the least-squares map once per distinct design (population
  shares; shared by every category and measure of a segment);
* the simulations of the fits sharing an int seed, repetitions and quantiles, on the model
  scale, from the seed's draws: each repetition's slope is the fit's centre plus, quantile by
  quantile in order, the draw times the fit's map (the same multiply-adds in the same order
  as one product per fit), computed in blocks of fits x repetitions small enough to stay in
  the processor's cache, and the limits picked from each block with ``partition`` (at the
  lower limit, then above it).
"""

from __future__ import annotations

import numpy as np

from phdesk.core import stats_sii as one
from phdesk.core.mapping_threads import workers
from phdesk.core.stats import scale_confidence
from phdesk.core.stats_sii import SIIResult, _Fit

_ARGS = {"values", "population", "se", "lower_cl", "upper_cl", "value_type", "transform",
         "multiplier", "confidence", "repetitions", "seed", "strict"}
_ROWS = 48     # fits per simulation block
_COLS = 1024   # repetitions per simulation block: 48 x 1,024 doubles = 384 KB (cache-sized)


def sii_many(calls: list[dict]) -> list[SIIResult]:
    """``[sii(**c) for c in calls]``: the same results, set up and simulated in batches."""
    fits = prepare_many(calls)
    out: list[SIIResult | None] = [f if isinstance(f, SIIResult) else None for f in fits]
    groups: dict[tuple, list[int]] = {}
    for n, (f, c) in enumerate(zip(fits, calls, strict=True)):
        seed = c.get("seed")
        if out[n] is not None:
            continue
        if f.transform and isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            groups.setdefault((int(seed), f.repetitions, len(f.v_t)), []).append(n)
        else:   # other seeds, or fits that need the intercepts too: one by one
            out[n] = one._finish(f, *one._simulate(f, seed))
    for (seed, reps, q), members in groups.items():
        limits = _slope_limits([fits[n] for n in members], seed, reps, q)
        for n, lim in zip(members, limits, strict=True):
            out[n] = one._finish(fits[n], None, None, lim)
    return out


def _batch_key(c: dict) -> tuple | None:
    """What calls set up together share (quantiles, model, confidence, repetitions, strict);
    None for a call the batch does not handle (limits instead of standard errors, odd
    arguments): ``stats_sii._prepare`` sets it up, and raises as ``sii`` would."""
    if not set(c) <= _ARGS or c.get("se") is None or c.get("lower_cl") is not None \
            or c.get("upper_cl") is not None:
        return None
    vt, transform = c.get("value_type", 0), bool(c.get("transform", False))
    reps = c.get("repetitions", 100000)
    if vt not in (0, 1, 2) or (transform and vt == 0) or not float(reps).is_integer() \
            or reps < 1000:
        return None
    q = np.size(c["values"])
    if not 5 <= q <= 100 or np.size(c["population"]) != q or np.size(c["se"]) != q:
        return None
    return (q, vt, transform, float(c.get("multiplier", 1)), c.get("confidence", 0.95),
            int(reps), bool(c.get("strict", True)))


def prepare_many(calls: list[dict]) -> list[_Fit | SIIResult]:
    """``stats_sii._prepare`` of each call (the seed left out): a fit, or the all-NaN
    result with its note."""
    out: list[_Fit | SIIResult | None] = [None] * len(calls)
    groups: dict[tuple, list[int]] = {}
    for n, c in enumerate(calls):
        key = _batch_key(c)
        if key is None:
            out[n] = one._prepare(**{k: v for k, v in c.items() if k != "seed"})
        else:
            groups.setdefault(key, []).append(n)
    for key, members in groups.items():
        for n, fit in zip(members, _prepare_group([calls[n] for n in members], key),
                          strict=True):
            out[n] = fit
    return out


def _matrix(calls: list[dict], name: str) -> np.ndarray:
    return np.array([np.asarray(c[name], dtype=float).ravel() for c in calls])


def _prepare_group(calls: list[dict], key: tuple) -> list[_Fit | SIIResult]:
    """The fits of calls sharing ``key``, each element as ``_prepare`` computes it."""
    q, vt, transform, multiplier, confidence, reps, strict = key
    c = scale_confidence(confidence, allow_one=False)
    v, pop, se = _matrix(calls, "values"), _matrix(calls, "population"), _matrix(calls, "se")
    with np.errstate(divide="ignore", invalid="ignore"):
        v_t = one._link(v, vt)
        bad = (~np.isfinite(pop).all(1) | (pop <= 0).any(1) | ~np.isfinite(v).all(1)
               | ~np.isfinite(se).all(1) | (se < 0).any(1))
        if vt == 2:
            bad |= ((v < 0) | (v > 1)).any(1)
        if vt in (1, 2):
            bad |= ~np.isfinite(v_t).all(1)
    out: list[_Fit | SIIResult | None] = [None] * len(calls)
    for n in np.flatnonzero(bad):   # the message (or the error, when strict) of _prepare
        out[n] = one._prepare(**{k: x for k, x in calls[n].items() if k != "seed"})
    good = np.flatnonzero(~bad)
    if not len(good):
        return out
    v_t, pop, se = v_t[good], pop[good], se[good]
    a = pop / pop.sum(axis=1, keepdims=True)
    cum = np.cumsum(a, axis=1)
    b = a / 2 + np.concatenate([np.zeros((len(good), 1)), cum[:, :-1]], axis=1)
    sqrt_a = np.sqrt(a)
    design = np.stack([sqrt_a, b * sqrt_a], axis=2)          # fits x q x 2
    y = (v_t if transform else one._inverse_link(v_t, vt)) * sqrt_a
    coef = _lstsq(design, y)
    solvers: dict[bytes, np.ndarray] = {}
    for r, n in enumerate(good):
        d = design[r]
        if d.tobytes() not in solvers:   # the map depends on the population shares only
            solvers[d.tobytes()] = np.linalg.solve(d.T @ d, d.T)
        out[n] = _Fit(v_t[r], se[r], sqrt_a[r], solvers[d.tobytes()], coef[r, 0], coef[r, 1],
                      c, vt, transform, multiplier, reps)
    return out


def _lstsq(design: np.ndarray, y: np.ndarray) -> np.ndarray:
    """fits x 2: ``np.linalg.lstsq(design[r], y[r])[0]`` of every fit, by one call of the
    LAPACK routine (``gelsd``) numpy's ``lstsq`` makes for each (its default ``rcond``)."""
    q = design.shape[1]
    rcond = np.finfo(np.float64).eps * max(q, 2)
    gufunc = getattr(getattr(np.linalg, "_umath_linalg", None), "lstsq", None)
    if gufunc is None:   # not this numpy's layout: fit by fit, as sii does
        return np.array([np.linalg.lstsq(d, v, rcond=None)[0] for d, v in zip(design, y,
                                                                                 strict=True)])
    with np.errstate(call=_no_convergence, invalid="call", over="ignore", divide="ignore",
                     under="ignore"):
        x = gufunc(design, y[:, :, None], rcond, signature="ddd->ddid")[0]
    return x[:, :, 0].copy()


def _no_convergence(err, flag):
    raise np.linalg.LinAlgError("SVD did not converge in Linear Least Squares")


def _slope_limits(fits: list[_Fit], seed: int, reps: int, q: int) -> list[tuple]:
    """Each fit's simulated slopes (model scale) at its two limit positions. The blocks of
    fits are independent (each its own slopes, from the same draws): one part each on the
    mapping engine's threads (``core/mapping_threads``), the same numbers on any number."""
    maps = np.array([f.draw_map[:, 1] for f in fits]).T             # q x fits
    centres = np.array([f.centre[1] for f in fits])
    draws = [np.ascontiguousarray(z.T) for z in one._normals(seed, reps, q)]   # q x k each
    positions = [tuple(one._limit_positions(f)) for f in fits]

    def block(r0: int) -> list[tuple]:
        r1 = min(r0 + _ROWS, len(fits))
        tmp = np.empty((r1 - r0, _COLS))
        slopes = np.empty((r1 - r0, reps))
        done = 0
        for zt in draws:
            for c0 in range(0, zt.shape[1], _COLS):
                c1 = min(c0 + _COLS, zt.shape[1])
                part = slopes[:, done + c0:done + c1]
                t = tmp[:, :c1 - c0]
                part[:] = centres[r0:r1, None]
                for k in range(q):
                    np.multiply(maps[k, r0:r1, None], zt[k, c0:c1], out=t)
                    part += t
            done += zt.shape[1]
        limits: list[tuple] = [()] * (r1 - r0)
        for pos in set(positions[r0:r1]):
            rows = [r for r in range(r0, r1) if positions[r] == pos]
            sub = slopes if len(rows) == r1 - r0 else slopes[[r - r0 for r in rows]]
            picked = _order_statistics(sub, *pos)
            for r, lim in zip(rows, picked, strict=True):
                limits[r - r0] = tuple(lim)
        return limits

    return [lim for part in workers().map(block, range(0, len(fits), _ROWS)) for lim in part]


def _order_statistics(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """rows x 2: the values at positions ``lo`` <= ``hi`` of each row sorted (as
    ``np.partition(x, [lo, hi], axis=1)`` puts there), found by partitioning ``x`` in place
    at ``lo``, then the part above it: about twice as fast as one partition at both."""
    x.partition(lo, axis=1)
    if hi > lo:
        tail = x[:, lo + 1:]
        tail.partition(hi - lo - 1, axis=1)
        return np.column_stack([x[:, lo], tail[:, hi - lo - 1]])
    return np.column_stack([x[:, lo], x[:, lo]])
