"""Comparing two mapping results (a scenario against the baseline or another scenario).

Tables (each with ``_base``, ``_other`` and ``_change`` columns where a measure is compared):

``reach``
    residents newly within reach (an asset of the category within the radius of their area's
    point in *other* but not in *base*) and no longer within reach, by segment, category and
    neighbourhood, with a total over all neighbourhoods first (``ALL_NEIGHBOURHOODS``); Core20
    first, then the PLUS groups (ethnic groups and the needs / user segments), then the rest.
``neighbourhoods``
    each neighbourhood measure of ``NEIGHBOURHOOD_MEASURES`` the results have (coverage, access,
    gap, choice…; keys, labels and units as in ``phdesk.core.measures``), by neighbourhood x
    segment x category.
``areas``
    the area x segment x category rows whose coverage, assets in reach or access changed (the
    difference map).
``assets``
    sites added, closed or moved (status ``added`` | ``closed`` | ``moved``).

Pure: results in, a :class:`Comparison` out; :func:`write_comparison` writes the CSVs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from phdesk.core.segments import ALL, CORE20, ETHNICITY_PREFIX, QUINTILES

if TYPE_CHECKING:
    from phdesk.core.mapping import MappingResult

ALL_NEIGHBOURHOODS = "(all neighbourhoods)"
KEYS = ["neighbourhood", "segment", "category"]
# compared where the results have them (keys of phdesk.core.measures: labels and units there)
NEIGHBOURHOOD_MEASURES = ["coverage_pct", "access_2sfca", "access_e2sfca", "gap_score",
                          "choice_pct", "overlap_pct", "no_site_pct", "shortfall",
                          "assets_inside"]
AREA_MEASURES = ["assets_within", "nearest_m", "access_2sfca", "access_e2sfca"]
FILES = {"reach": "reach_changes.csv", "neighbourhoods": "neighbourhood_differences.csv",
         "areas": "area_differences.csv", "assets": "asset_changes.csv"}


@dataclass
class Comparison:
    """Differences of ``other`` from ``base`` (see the module docstring for the tables)."""

    base: str
    other: str
    reach: pd.DataFrame
    neighbourhoods: pd.DataFrame
    areas: pd.DataFrame
    assets: pd.DataFrame
    summary: dict = field(default_factory=dict)
    # the two results and segment populations compared (for the disclosure rule, which needs
    # every count behind the tables: phdesk.core.disclosure_scenario); not part of the tables
    runs: tuple = field(default=(), repr=False, compare=False)
    segments: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def newly_within_reach(self, segment: str = CORE20, category: str | None = None,
                           neighbourhood: str = ALL_NEIGHBOURHOODS) -> float:
        """Residents of ``segment`` newly within reach (of ``category``, or summed over all)."""
        r = self.reach
        hit = (r["segment"] == segment) & (r["neighbourhood"] == neighbourhood)
        if category is not None:
            hit &= r["category"] == category
        return float(r.loc[hit, "newly_within_reach"].sum())


def segment_order(name: str) -> tuple[int, str]:
    """Sort key: Core20 first, then the PLUS groups, then All, then the rest."""
    builtin = name == ALL or name in QUINTILES or name.startswith("Age ")
    if name == CORE20:
        return (0, name)
    if name.startswith(ETHNICITY_PREFIX) or not builtin:
        return (1, name)
    return (2 if name == ALL else 3, name)


def compare(base: MappingResult, other: MappingResult, base_name: str = "baseline",
            other_name: str = "scenario", segments: pd.DataFrame | None = None) -> Comparison:
    """Compare two mapping results made with the same parameters.

    ``segments`` (area_code, segment, population: ``MappingInputs.segments``) lets the reach
    table count every segment for every category (see :func:`_reach`).
    """
    reach, areas = _area_changes(base.area_access, other.area_access, segments)
    cmp = Comparison(base_name, other_name, reach, _neighbourhoods(base, other), areas,
                     _asset_changes(base.assets, other.assets), runs=(base, other),
                     segments=segments)
    totals = reach[reach["neighbourhood"] == ALL_NEIGHBOURHOODS]
    core = totals[totals["segment"] == CORE20]
    cmp.summary = {
        "base": base_name, "other": other_name,
        "assets_added": int((cmp.assets["status"] == "added").sum()),
        "assets_closed": int((cmp.assets["status"] == "closed").sum()),
        "assets_moved": int((cmp.assets["status"] == "moved").sum()),
        "core20_newly_within_reach": {str(c): float(v) for c, v in
                                      zip(core["category"], core["newly_within_reach"])},
        "core20_no_longer_within_reach": {str(c): float(v) for c, v in
                                          zip(core["category"], core["no_longer_within_reach"])},
    }
    return cmp


def _plain_keys(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.astype({k: object for k in keys if k in df})


def _area_changes(base: pd.DataFrame, other: pd.DataFrame, segments: pd.DataFrame | None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    keys = ["area_code", "neighbourhood", "segment", "category"]
    cols = keys + ["population", "covered"] + AREA_MEASURES
    m = pd.merge(_plain_keys(base[cols], keys), _plain_keys(other[cols], keys), on=keys,
                 how="outer", suffixes=("_base", "_other"))
    m["population"] = m["population_other"].fillna(m["population_base"]).astype(float)
    was = m["covered_base"].fillna(False).to_numpy(dtype=bool)
    now = m["covered_other"].fillna(False).to_numpy(dtype=bool)
    changed = (was != now)
    for c in AREA_MEASURES:
        b, o = m[f"{c}_base"].to_numpy(dtype=float), m[f"{c}_other"].to_numpy(dtype=float)
        m[f"{c}_change"] = o - b
        changed |= ~np.isclose(b, o, rtol=0, atol=1e-9, equal_nan=True)
    m["newly"], m["lost"] = now & ~was, was & ~now
    area_cols = keys + ["population", "covered_base", "covered_other"] + \
        [f"{c}_{s}" for c in AREA_MEASURES for s in ("base", "other", "change")]
    areas = m.loc[changed, area_cols].astype({"covered_base": "boolean",
                                              "covered_other": "boolean"})
    return _reach(m, segments), _ordered(areas)


def _reach(m: pd.DataFrame, segments: pd.DataFrame | None) -> pd.DataFrame:
    """Residents newly / no longer within reach by neighbourhood, segment and category.

    Being within reach is a property of an area and a category (the same for every segment), so
    with the segment populations (area_code, segment, population) every segment is counted for
    every category, served or not (Core20 residents newly within reach of a GP practice, say);
    without them, only the segments each category serves (the rows of area_access).
    """
    flips = m[m["newly"] | m["lost"]]
    if segments is not None:
        flips = flips[flips["segment"] == ALL][["area_code", "neighbourhood", "category",
                                               "newly", "lost"]]
        seg = segments[["area_code", "segment", "population"]].astype(
            {"area_code": object, "segment": object})
        flips = flips.merge(seg[seg["area_code"].isin(set(flips["area_code"]))], on="area_code")
    pop = flips["population"].to_numpy(dtype=float)
    flips = flips.assign(newly_within_reach=np.where(flips["newly"], pop, 0.0),
                         no_longer_within_reach=np.where(flips["lost"], pop, 0.0))
    sums = ["newly_within_reach", "no_longer_within_reach"]
    per_nb = flips.groupby(KEYS, sort=False)[sums].sum().reset_index()
    total = per_nb.groupby(["segment", "category"], sort=False)[sums].sum().reset_index()
    total.insert(0, "neighbourhood", ALL_NEIGHBOURHOODS)
    reach = pd.concat([total, per_nb], ignore_index=True)
    reach = reach[(reach["newly_within_reach"] > 0) | (reach["no_longer_within_reach"] > 0)]
    reach = reach.assign(net_change=reach["newly_within_reach"] - reach["no_longer_within_reach"])
    return _ordered(reach.reindex(columns=KEYS + sums + ["net_change"]), total_first=True)


def _neighbourhoods(base: MappingResult, other: MappingResult) -> pd.DataFrame:
    have = set(base.neighbourhood_segments.columns) & set(other.neighbourhood_segments.columns)
    measures = [c for c in NEIGHBOURHOOD_MEASURES if c in have]
    cols = KEYS + ["population"] + measures
    b = _plain_keys(base.neighbourhood_segments[cols], KEYS)
    o = _plain_keys(other.neighbourhood_segments[cols], KEYS)
    m = pd.merge(b, o, on=KEYS, how="outer", suffixes=("_base", "_other"))
    out = m[KEYS].copy()
    out["population"] = m["population_other"].fillna(m["population_base"])
    for name in measures:
        bv = pd.to_numeric(m[f"{name}_base"], errors="coerce").astype(float)
        ov = pd.to_numeric(m[f"{name}_other"], errors="coerce").astype(float)
        out[f"{name}_base"], out[f"{name}_other"], out[f"{name}_change"] = bv, ov, ov - bv
    return _ordered(out)


def _asset_changes(base: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    cols = ["asset_id", "name", "category", "neighbourhood", "easting", "northing"]
    # two scenarios each adding a site give both the same next id: the same asset only when
    # the name and category agree too
    key = pd.Series(list(zip(base["asset_id"], base["name"], base["category"], strict=True)),
                    dtype=object)
    okey = pd.Series(list(zip(other["asset_id"], other["name"], other["category"],
                              strict=True)), dtype=object)
    m = pd.merge(base[cols].assign(_key=key.to_numpy()), other[cols].assign(_key=okey.to_numpy()),
                 on="_key", how="outer", suffixes=("_base", "_other"), indicator=True)
    m["asset_id"] = m["asset_id_other"].fillna(m["asset_id_base"]).astype("Int64")
    moved = (m["_merge"] == "both") & (
        ~np.isclose(m["easting_base"].astype(float), m["easting_other"].astype(float))
        | ~np.isclose(m["northing_base"].astype(float), m["northing_other"].astype(float)))
    status = np.select([m["_merge"] == "right_only", m["_merge"] == "left_only", moved],
                       ["added", "closed", "moved"], "")
    out = pd.DataFrame({"asset_id": m["asset_id"], "status": status})
    for c in cols[1:]:
        out[f"{c}_base"], out[f"{c}_other"] = m[f"{c}_base"], m[f"{c}_other"]
    out = out[out["status"] != ""]
    return out.sort_values(["status", "asset_id"], kind="stable").reset_index(drop=True)


def _ordered(df: pd.DataFrame, total_first: bool = False) -> pd.DataFrame:
    """Rows sorted: (the all-neighbourhoods total first,) Core20 and PLUS groups first."""
    if df.empty:
        return df.reset_index(drop=True)
    seg_key = df["segment"].astype(str).map(lambda s: segment_order(s)[0])
    order = pd.DataFrame({
        "t": (df["neighbourhood"] != ALL_NEIGHBOURHOODS).astype(int) if total_first else 0,
        "s": seg_key, "seg": df["segment"].astype(str), "cat": df["category"].astype(str),
        "nb": df["neighbourhood"].astype(str)}, index=df.index)
    idx = order.sort_values(["t", "s", "seg", "cat", "nb"], kind="stable").index
    return df.loc[idx].reset_index(drop=True)


def write_comparison(cmp: Comparison, out_dir: str | Path) -> list[Path]:
    """Write the comparison's four tables as CSV into ``out_dir`` (created if needed), all or
    none, through the one CSV writer (``phdesk.core.csv_out``)."""
    from phdesk.core.csv_out import write_csv_files

    return write_csv_files(out_dir, [(fname, getattr(cmp, attr), None)
                                     for attr, fname in FILES.items()])
