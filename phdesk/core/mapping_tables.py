"""Long tables from the engine's arrays, built only when asked for (and in chunks for files).

The engine keeps per-area, per-category results as arrays (areas x categories, segment weights);
a table of areas x segments x categories rows (8 million at England scale) is built only when a
table is shown or written, and :func:`area_access_chunks` gives it one category at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from phdesk.core.mapping_kernels import CategoryKernel
from phdesk.core.mapping_measures import NB_MEASURES
from phdesk.core.mapping_output import COLUMNS
from phdesk.core.mapping_stages import AreaWork, AssetWork


@dataclass
class ResultArrays:
    """What a run computed, as arrays. ``nb[c][measure]``: segments x neighbourhoods for
    category c (``assets.categories`` order); ``inequality``: builds the inequality rows."""

    area: AreaWork
    assets: AssetWork
    rules: pd.DataFrame
    kernels: list[CategoryKernel]
    nb: list[dict[str, np.ndarray]]
    core20_pct: np.ndarray
    inequality: Callable[[], list[dict]] = field(repr=False, default=lambda: [])
    inequality_ready: Callable[[], bool] = field(repr=False, default=lambda: True)

    @property
    def categories(self) -> list[str]:
        return self.assets.categories


def neighbourhood_segments(r: ResultArrays) -> pd.DataFrame:
    """neighbourhood_segments: one row per category x segment x study neighbourhood."""
    cols = COLUMNS["neighbourhood_segments"]
    n_nb, segs, cats = len(r.area.nb_list), r.area.segments, r.categories
    if not cats or not n_nb:
        return pd.DataFrame(columns=cols)
    reps = len(cats) * len(segs)
    data = {
        "neighbourhood": pd.Categorical.from_codes(np.tile(np.arange(n_nb), reps),
                                                   categories=r.area.nb_list),
        "segment": pd.Categorical.from_codes(np.tile(np.repeat(np.arange(len(segs)), n_nb),
                                                     len(cats)), categories=segs),
        "category": pd.Categorical.from_codes(np.repeat(np.arange(len(cats)), len(segs) * n_nb),
                                              categories=cats),
        "core20_pct": np.tile(r.core20_pct, reps),
    }
    for m in NB_MEASURES:
        data[m] = np.concatenate([r.nb[c][m].ravel() for c in range(len(cats))])
    out = pd.DataFrame(data)
    out["assets_inside"] = out["assets_inside"].astype(np.int64)
    out["gap_rank"] = pd.array(np.where(np.isfinite(out["gap_rank"]), out["gap_rank"], np.nan),
                               dtype="Float64").round().astype("Int64")
    for c in ("neighbourhood", "segment", "category"):
        out[c] = out[c].astype(object)
    return out[cols]


def area_access_chunks(r: ResultArrays, only: set[str] | None = None
                       ) -> Iterator[pd.DataFrame]:
    """area_access one category at a time (rows: segments x areas), categorical text columns;
    ``only``: just these categories (a comparison skips those a what-if left unchanged)."""
    a = r.area
    n, segs = a.n, a.segments
    codes = (pd.Categorical.from_codes(np.tile(np.arange(n), len(segs)), categories=a.codes)
             if len(set(a.codes)) == n else np.tile(a.codes, len(segs)))
    nb_cat = pd.Categorical(a.nb_names)
    nb = pd.Categorical.from_codes(np.tile(nb_cat.codes, len(segs)), categories=nb_cat.categories)
    seg = pd.Categorical.from_codes(np.repeat(np.arange(len(segs)), n), categories=segs)
    study = np.tile(a.study, len(segs))
    for c, k in enumerate(r.kernels):
        if only is not None and k.category not in only:
            continue
        within = np.tile(k.within, len(segs))
        yield pd.DataFrame({
            "area_code": codes, "neighbourhood": nb, "study_area": study, "segment": seg,
            "category": pd.Categorical.from_codes(np.full(n * len(segs), c),
                                                  categories=r.categories),
            "population": a.pop.T.ravel(), "assets_within": within.astype(np.int64),
            "nearest_m": np.tile(k.near, len(segs)), "covered": within > 0,
            "access_2sfca": np.concatenate([k.access(s, "a2") for s in segs]),
            "access_e2sfca": np.concatenate([k.access(s, "a3") for s in segs]),
        })[COLUMNS["area_access"]]


def area_access(r: ResultArrays) -> pd.DataFrame:
    parts = list(area_access_chunks(r))
    if not parts:
        return pd.DataFrame(columns=COLUMNS["area_access"])
    return pd.concat(parts, ignore_index=True)


def cold_spots(r: ResultArrays) -> pd.DataFrame:
    """Study-area areas with no site of a category within reach (and a point to measure from)."""
    a = r.area
    measured = (a.point_src != "none") & a.study   # once, not per category
    cold = [np.flatnonzero((k.within == 0) & measured) for k in r.kernels]
    if not sum(len(c) for c in cold):
        return pd.DataFrame(columns=COLUMNS["cold_spots"])
    idx = np.concatenate(cold)   # one frame (by category, then area), not one per category
    return pd.DataFrame({
        "area_code": a.codes[idx], "neighbourhood": a.nb_names[idx],
        "category": np.repeat(np.array([k.category for k in r.kernels], dtype=object),
                              [len(c) for c in cold]),
        "population": a.pop[idx, 0],
        "nearest_m": np.concatenate([k.near[c] for k, c in zip(r.kernels, cold, strict=True)]),
        "imd_decile": a.decile[idx]})[COLUMNS["cold_spots"]]


def assets_table(r: ResultArrays) -> pd.DataFrame:
    s, a = r.assets, r.area
    return pd.DataFrame({
        "asset_id": s.frame["id"].to_numpy(), "source_id": s.frame["source_id"].to_numpy(),
        "name": s.frame["name"].to_numpy(), "category": s.frame["category"].to_numpy(),
        "capacity": s.capacity,
        "area_code": np.where(s.in_area >= 0, a.codes[np.maximum(s.in_area, 0)], None),
        "neighbourhood": s.nb_name, "easting": s.bx, "northing": s.by})[COLUMNS["assets"]]


def inequality_table(r: ResultArrays) -> pd.DataFrame:
    return pd.DataFrame(r.inequality(), columns=COLUMNS["inequality"])


def category_rules(r: ResultArrays) -> pd.DataFrame:
    """The rules the run used per category, with its site counts and edge figures."""
    out = r.rules.copy()
    out["sites"] = [len(k.sites) for k in r.kernels]
    out["sites_reaching_study_area"] = [k.reaching_sites for k in r.kernels]
    out["edge_sites"] = [k.edge_sites for k in r.kernels]
    out["edge_capacity_pct"] = [100.0 * k.edge_capacity_share for k in r.kernels]
    return out[COLUMNS["category_rules"]]
