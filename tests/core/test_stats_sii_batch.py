"""sii_many sets up and simulates many SIIs in batches: the results must be those of the fits
one by one, to the last bit (a run's published limits do not change with the batching).

One by one means ``sii`` itself, except that a fit on the model scale (``transform``) with an
int seed simulates each repetition's slope as its centre plus, quantile by quantile, the draw
times its map (multiply, then add, in quantile order), where ``sii`` makes one BLAS product of
the draws: the two differ in the last bits, and the mapping engine's published limits have
always come from the first."""

from dataclasses import astuple

import numpy as np
import pytest

from phdesk.core import stats_sii
from phdesk.stats import sii, sii_many


def _same(a, b) -> bool:
    return all((x == y) or (isinstance(x, float) and isinstance(y, float) and np.isnan(x)
                            and np.isnan(y)) for x, y in zip(astuple(a), astuple(b), strict=True))


def _calls(seed: int) -> list[dict]:
    """Fits of every kind the mapping engine makes (logit proportions, log rates, linear),
    with 5 to 10 deciles, shared and differing populations, and some that cannot be fitted."""
    rng = np.random.default_rng(seed)
    calls = []
    shared = rng.uniform(500, 5000, 10)
    for n in range(90):
        q = int(rng.integers(5, 11))
        pop = shared[:q].copy() if n % 3 else rng.uniform(100, 9000, q)
        kind = n % 4
        if kind == 0:     # coverage: a proportion on the logit scale
            v = rng.uniform(0.05, 0.95, q)
            call = dict(values=v, population=pop, se=rng.uniform(0.01, 0.3, q), value_type=2,
                        transform=True, multiplier=100)
        elif kind == 1:   # access: a rate on the log scale
            v = rng.gamma(2.0, 3.0, q)
            call = dict(values=v, population=pop, se=rng.uniform(0.01, 0.2, q), value_type=1,
                        transform=True)
        elif kind == 2:   # a decile without access: the linear model
            v = rng.gamma(2.0, 3.0, q)
            v[rng.integers(q)] = 0.0
            call = dict(values=v, population=pop, se=rng.uniform(0.0, 1.0, q))
        else:             # limits instead of standard errors, or a negative multiplier
            v = rng.uniform(0.1, 0.9, q)
            call = (dict(values=v, population=pop, lower_cl=v * 0.9, upper_cl=v * 1.1,
                         value_type=2, transform=True) if n % 8 == 3 else
                    dict(values=v, population=pop, se=rng.uniform(0.01, 0.2, q), value_type=2,
                         transform=True, multiplier=-100, confidence=0.998))
        if n % 11 == 5:
            call["population"] = np.r_[0.0, pop[1:]]            # cannot be fitted
        if n % 13 == 7:
            call["values"] = np.r_[np.nan, call["values"][1:]]  # nor this
        calls.append(dict(call, repetitions=2000 + 500 * (n % 2), seed=seed + n % 3,
                          strict=False))
    return calls


def _one_by_one(call: dict):
    """One fit alone: ``sii``, or (model scale, int seed) the slopes by multiply-adds."""
    fit = stats_sii._prepare(**{k: v for k, v in call.items() if k != "seed"})
    if isinstance(fit, stats_sii.SIIResult) or not fit.transform:
        return sii(**call)
    slopes = np.concatenate([np.full(len(z), fit.centre[1]) for z in stats_sii._normals(
        call["seed"], fit.repetitions, len(fit.v_t))])
    z = np.concatenate(list(stats_sii._normals(call["seed"], fit.repetitions, len(fit.v_t))))
    for k in range(len(fit.v_t)):
        slopes += fit.draw_map[k, 1] * z[:, k]
    pos = stats_sii._limit_positions(fit)
    return stats_sii._finish(fit, None, None, tuple(np.partition(slopes, pos)[pos]))


@pytest.mark.parametrize("seed", [1, 20031])
def test_sii_many_equals_the_fits_one_by_one_to_the_last_bit(seed):
    calls = _calls(seed)
    many = sii_many(calls)
    one = [_one_by_one(c) for c in calls]
    assert len(many) == len(one)
    for k, (a, b) in enumerate(zip(many, one, strict=True)):
        assert _same(a, b), (k, a, b)
    assert sum(np.isnan(r.sii) for r in many) >= 5          # the unfittable ones say so
    assert sum(np.isfinite(r.sii_lower) for r in many) >= 60
    # and the figures themselves (not the simulated limits) are sii's
    for a, c in zip(many, calls, strict=True):
        b = sii(**c)
        assert (a.sii, a.rii, a.intercept, a.note) == (b.sii, b.rii, b.intercept, b.note) or \
            np.isnan(a.sii) and np.isnan(b.sii) and a.note == b.note


def test_sii_many_raises_as_sii_does_when_strict():
    call = dict(values=[0.1, 0.2, 0.3, 0.4, 0.5], population=[1, 2, 0, 4, 5],
                se=[0.1] * 5, value_type=2, transform=True, repetitions=1000, seed=1)
    with pytest.raises(ValueError, match="zero, negative or missing population"):
        sii(**call)
    with pytest.raises(ValueError, match="zero, negative or missing population"):
        sii_many([call])
