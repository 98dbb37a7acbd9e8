"""Slope and relative index of inequality across IMD deciles, through PHE's transformed models.

For each category x segment and each of two measures, the study area's residents of the segment
are grouped by national IMD decile (1 = most deprived first) and ``phdesk.stats.sii`` fits
PHE's model on the transformed scale (``transform=True``), so the modelled values stay inside
their bounds and the RII is never negative (docs/mapping.md, "Inequality"):

coverage (%)
    a proportion: logit model. A decile's covered share is kept half a resident (of an average
    decile) away from 0% and 100%, so deciles with everyone or no one covered can be
    transformed; its standard error is the between-area standard error of the covered share
    (population-weighted, Kish's effective number of areas), moved to the logit scale by the
    delta method. SII and intercept in percentage points.
access_2sfca (per 1,000)
    a rate: log model, standard error of the decile's weighted mean moved to the log scale.
    When a decile's access is 0 the log cannot be taken: the linear model is used instead
    (``model`` says so) and an RII that would not be positive is left empty with a note.

``extrapolated`` is True when the deciles with residents do not reach decile 1 or 10: the ends
of the SII are then the study area's most and least deprived residents, not England's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phdesk.core.mapping_kernels import CategoryKernel
from phdesk.core.mapping_measures import access_matrix
from phdesk.core.mapping_stages import AreaWork
from phdesk.core.mapping_threads import workers
from phdesk.stats import sii_many

MEASURES = ("coverage", "access_2sfca")
FIELDS = ("sii", "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper", "intercept")


def _mean_se(sw: np.ndarray, sw2: np.ndarray, swx: np.ndarray, swxx: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Population-weighted mean of area values per decile and its standard error
    (weighted SD / sqrt(effective number of areas), Kish's n_eff = (sum w)^2 / sum w^2), from
    the decile sums of w, w^2, w x and w x^2."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = swx / sw
        var = np.maximum(swxx / sw - mean**2, 0.0)
        se = np.sqrt(var / (sw**2 / sw2))
    return mean, se


def _decile_sums(key: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Sums per decile (rows, 0-9) of each column of ``weights`` (areas x segments), ``key``:
    the (decile, segment) key of each cell. One ``bincount``, adding each bin's areas in area
    order, as a ``bincount`` per segment would (the same sums to the last bit)."""
    k = weights.shape[1]
    return np.bincount(key, weights=weights.ravel(), minlength=10 * k).reshape(10, k)


@dataclass
class _Base:
    """What every category's inequality shares (cached with the areas): the areas with a
    decile in the study area (``ok``), their indices ordered by decile (stable: area order
    within a decile) and where each decile starts, their residents in that order (areas x
    segments), and the decile sums of residents and residents^2 (deciles x segments)."""

    ok: np.ndarray
    order: np.ndarray
    bounds: np.ndarray
    pop: np.ndarray
    sw: np.ndarray
    sw2: np.ndarray

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Decile sums of residents x ``values`` (per area, or areas x segments, in area
        order of ``order``'s areas): deciles x segments. Each decile's areas are added in
        area order (a sum down the rows of its contiguous block), as ``_decile_sums``'s
        ``bincount`` adds them: the same sums to the last bit, about twice as fast."""
        x = self.pop * (values[:, None] if values.ndim == 1 else values)
        return np.array([x[s:e].sum(axis=0) for s, e in zip(self.bounds[:-1], self.bounds[1:],
                                                               strict=True)])


def _base(area: AreaWork) -> _Base:
    if "inequality_base" not in area._cache:
        ok = area.study & np.isfinite(area.decile) & (area.decile >= 1) & (area.decile <= 10)
        d = area.decile[ok].astype(np.int64) - 1
        pop = area.pop[ok]
        key = (d[:, None] * pop.shape[1] + np.arange(pop.shape[1])[None, :]).ravel()
        order = np.flatnonzero(ok)[np.argsort(d, kind="stable")]
        bounds = np.searchsorted(np.sort(d), np.arange(11))
        area._cache["inequality_base"] = _Base(ok, order, bounds, area.pop[order],
                                               _decile_sums(key, pop), _decile_sums(key, pop**2))
    return area._cache["inequality_base"]


def inequality_rows(area: AreaWork, kernels: list[CategoryKernel], repetitions: int, seed: int
                    ) -> list[list[dict]]:
    """The rows of each category, one per segment x measure (see the module docstring). The
    fits of every category are set up first and simulated together (``sii_many``)."""
    base = _base(area)
    rows, calls, fitted = [], [], []

    def one(kernel: CategoryKernel) -> tuple[list, list, list]:
        c, f = [], []
        return _category_rows(area, base, kernel, repetitions, seed, c, f), c, f

    # each category's decile sums one part on the engine's threads, collected in order
    for part, c, f in workers().map(one, kernels):
        rows.append(part)
        calls += c
        fitted += f
    with np.errstate(divide="ignore", invalid="ignore"):   # a linear model's zero intercept
        results = sii_many(calls)
    for (row, keep), res in zip(fitted, results, strict=True):
        _fill(row, res, keep)
    order = ("category", "segment", "measure", "deciles", "extrapolated", "model", *FIELDS,
             "note")
    for part in rows:
        for row in part:
            if "sii" not in row:
                row.update(dict.fromkeys(FIELDS, np.nan))
    return [[{k: row[k] for k in order} for row in part] for part in rows]


def _category_rows(area: AreaWork, base: _Base, kernel: CategoryKernel, repetitions: int,
                   seed: int, calls: list[dict], fitted: list) -> list[dict]:
    """A category's rows, their fits added to ``calls`` (and ``fitted``: row, deciles kept)."""
    covered = (kernel.within[base.order] >= 1).astype(float)
    if len(kernel.demand) == 1:   # every segment's access is the one demand group's
        acc = kernel.a2[base.order, 0]
    else:
        acc = access_matrix(kernel, area.segments, "a2")[base.order]
    sw, sw2 = base.sw, base.sw2
    # every segment's decile sums at once; covered is 0 or 1, so covered^2 sums are its sums
    cov = base.sums(covered)
    access = (base.sums(acc), base.sums(acc**2))
    with np.errstate(divide="ignore", invalid="ignore"):
        stats = {"coverage": (cov, *_mean_se(sw, sw2, cov, cov)),
                 "access_2sfca": (None, *_mean_se(sw, sw2, *access))}
    rows = []
    for k, s in enumerate(area.segments):
        dp = sw[:, k]
        keep = dp > 0
        for measure in MEASURES:
            row = {"category": kernel.category, "segment": s, "measure": measure,
                   "deciles": int(keep.sum()), "extrapolated": False, "model": "", "note": ""}
            if not base.ok.any():
                row["note"] = "no IMD deciles for the areas (import the IMD to get the SII)"
            elif keep.sum() < 5:
                row["note"] = f"only {int(keep.sum())} IMD deciles have residents (need 5)"
            else:
                x, mean, se = stats[measure]
                call = (_coverage_call(dp, x[:, k], se[:, k], keep) if measure == "coverage"
                        else _access_call(dp, mean[:, k], se[:, k], keep))
                calls.append(dict(call, repetitions=repetitions, seed=seed, strict=False))
                fitted.append((row, keep))
            rows.append(row)
    return rows


def _fill(row: dict, res, keep: np.ndarray) -> None:
    """A fitted row's model, figures and note (the linear model's RII left empty when it
    would not be positive; the note says when the deciles do not reach both ends)."""
    note = res.note
    if row["measure"] == "coverage":
        row["model"] = "logit"
    elif res.transform:
        row["model"] = "log"
    else:
        row["model"] = "linear"
        note = res.note or "a decile has no access: linear model (log not possible)"
        if not (res.intercept > 0 and res.intercept + res.sii > 0
                and res.rii_lower > 0 and res.rii_upper > 0):
            res = _without_rii(res)
            note += "; rii left empty: the linear model's value at an end is not above 0"
    for f in FIELDS:
        row[f] = float(getattr(res, f))
    present = np.flatnonzero(keep) + 1
    if len(present) and (present[0] != 1 or present[-1] != 10):
        row["extrapolated"] = True
        note = "; ".join(x for x in (note, f"deciles {present[0]}–{present[-1]} only: "
                                     "the ends are the study area's, not England's") if x)
    row["note"] = note


def _coverage_call(dp: np.ndarray, x: np.ndarray, se: np.ndarray, keep: np.ndarray) -> dict:
    """``dp``, ``x``: the decile sums of residents and of residents covered; ``se``: the
    covered share's standard error (:func:`_mean_se`)."""
    # 0% and 100% have no logit: clip to half a resident of an average decile, the same bound
    # for every decile (so equal shares stay equal: no slope from the adjustment itself)
    c = 0.5 / dp[keep].mean()
    prop = np.clip(x[keep] / dp[keep], c, 1 - c)
    return dict(values=prop, population=dp[keep], se=se[keep] / (prop * (1 - prop)),
                value_type=2, transform=True, multiplier=100)


def _access_call(dp: np.ndarray, mean: np.ndarray, se: np.ndarray, keep: np.ndarray) -> dict:
    """``dp``: the decile sums of residents; ``mean``, ``se``: the deciles' mean access and
    its standard error (:func:`_mean_se`)."""
    m, s = mean[keep], se[keep]
    if np.all(m > 0):
        with np.errstate(divide="ignore", invalid="ignore"):
            return dict(values=m, population=dp[keep], se=s / m, value_type=1, transform=True)
    return dict(values=m, population=dp[keep], se=s)


def _without_rii(res):
    from dataclasses import replace

    return replace(res, rii=np.nan, rii_lower=np.nan, rii_upper=np.nan)
