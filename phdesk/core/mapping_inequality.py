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

import numpy as np

from phdesk.core.mapping_kernels import CategoryKernel
from phdesk.core.mapping_measures import access_matrix
from phdesk.core.mapping_stages import AreaWork
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
    :func:`_keys`. One ``bincount``, adding each bin's areas in area order, as a ``bincount``
    per segment would (the same sums to the last bit)."""
    k = weights.shape[1]
    return np.bincount(key, weights=weights.ravel(), minlength=10 * k).reshape(10, k)


def _base(area: AreaWork) -> tuple:
    """What every category's inequality shares (cached with the areas): the areas with a
    decile in the study area, their decile (0-9), residents (areas x segments), the
    (decile, segment) key of each cell, and the decile sums of residents and residents^2."""
    if "inequality_base" not in area._cache:
        ok = area.study & np.isfinite(area.decile) & (area.decile >= 1) & (area.decile <= 10)
        d = area.decile[ok].astype(np.int64) - 1
        pop = area.pop[ok]
        key = (d[:, None] * pop.shape[1] + np.arange(pop.shape[1])[None, :]).ravel()
        area._cache["inequality_base"] = (ok, d, pop, key, _decile_sums(key, pop),
                                          _decile_sums(key, pop**2))
    return area._cache["inequality_base"]


def inequality_rows(area: AreaWork, kernel: CategoryKernel, repetitions: int, seed: int
                    ) -> list[dict]:
    """One row per segment x measure for a category (see the module docstring). The fits are
    set up first and simulated together (``sii_many``: one matrix product of the draws)."""
    ok, d, pop, key, sw, sw2 = _base(area)
    covered = (kernel.within[ok] >= 1).astype(float)[:, None]
    acc = access_matrix(kernel, area.segments, "a2")[ok]
    # every segment's decile sums at once (areas x segments -> deciles x segments)
    cov = (_decile_sums(key, pop * covered), _decile_sums(key, pop * covered**2))
    access = (_decile_sums(key, pop * acc), _decile_sums(key, pop * acc**2))
    rows, calls, fitted = [], [], []
    for k, s in enumerate(area.segments):
        dp = sw[:, k]
        keep = dp > 0
        for measure in MEASURES:
            row = {"category": kernel.category, "segment": s, "measure": measure,
                   "deciles": int(keep.sum()), "extrapolated": False, "model": "", "note": ""}
            if not ok.any():
                row["note"] = "no IMD deciles for the areas (import the IMD to get the SII)"
            elif keep.sum() < 5:
                row["note"] = f"only {int(keep.sum())} IMD deciles have residents (need 5)"
            else:
                sums = (dp, sw2[:, k]) + tuple(x[:, k] for x in (cov if measure == "coverage"
                                                                else access))
                call = (_coverage_call(sums, keep) if measure == "coverage"
                        else _access_call(sums, keep))
                calls.append(dict(call, repetitions=repetitions, seed=seed, strict=False))
                fitted.append((row, keep))
            rows.append(row)
    with np.errstate(divide="ignore", invalid="ignore"):   # a linear model's zero intercept
        results = sii_many(calls)
    for (row, keep), res in zip(fitted, results, strict=True):
        _fill(row, res, keep)
    for row in rows:
        if "sii" not in row:
            row.update(dict.fromkeys(FIELDS, np.nan))
    return [{k: row[k] for k in ("category", "segment", "measure", "deciles", "extrapolated",
                                 "model", *FIELDS, "note")} for row in rows]


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


def _coverage_call(sums: tuple, keep: np.ndarray) -> dict:
    """``sums``: the decile sums of residents, residents^2, residents covered, and residents x
    covered^2 (covered = 0 or 1 per area)."""
    dp, x = sums[0], sums[2]
    share, se = _mean_se(*sums)
    # 0% and 100% have no logit: clip to half a resident of an average decile, the same bound
    # for every decile (so equal shares stay equal: no slope from the adjustment itself)
    c = 0.5 / dp[keep].mean()
    prop = np.clip(x[keep] / dp[keep], c, 1 - c)
    return dict(values=prop, population=dp[keep], se=se[keep] / (prop * (1 - prop)),
                value_type=2, transform=True, multiplier=100)


def _access_call(sums: tuple, keep: np.ndarray) -> dict:
    """``sums``: the decile sums of residents, residents^2, residents x access, residents x
    access^2."""
    dp = sums[0]
    mean, se = _mean_se(*sums)
    m, s = mean[keep], se[keep]
    if np.all(m > 0):
        with np.errstate(divide="ignore", invalid="ignore"):
            return dict(values=m, population=dp[keep], se=s / m, value_type=1, transform=True)
    return dict(values=m, population=dp[keep], se=s)


def _without_rii(res):
    from dataclasses import replace

    return replace(res, rii=np.nan, rii_lower=np.nan, rii_upper=np.nan)
