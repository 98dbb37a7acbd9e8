"""Population of another census vintage, and population datasets for different places.

Bridging (docs/mapping.md, "Vintages"): a population dataset's rows for codes that are not the
project's areas are carried onto them through :func:`phdesk.core.vintages.build_bridge`:

* several source areas in one project area (a merge): their counts are **summed**;
* one source area split among several project areas: its counts are **shared by area** — each
  child gets the share of the parent's polygon it holds (both vintages' boundaries held), else an
  **equal share** per child;
* codes that cannot be bridged are never dropped silently: they are counted and named in the
  notes (outside the project's areas, or unknown without a lookup).

Several datasets (:func:`choose_datasets`): each area takes its rows from one dataset, so
datasets for different places combine; where two cover the same area, the planner's order
(``phdesk.store.vintages.population_order``) decides, else the most recent figures (the latest
year in the dataset's name: ONS mid-2022 before Census 2021), else the newest import; the
reports say so. The order of imports alone must not decide which residents a run counts.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from phdesk.core.segment_rows import PopulationRows
from phdesk.core.vintages import build_bridge, codeset

KEYS = ["dataset", "area_code", "age_band", "sex", "group_type", "group_name"]


def residents(rows: pd.DataFrame) -> float:
    """People in long population rows (group type ``none``), without double counting."""
    none = rows[rows["group_type"].astype(str) == "none"] if "group_type" in rows else rows
    if none.empty:
        return 0.0
    areas = pd.Index(pd.unique(none["area_code"].astype(str)))
    return float(PopulationRows(none, areas).total().sum())


def _shares(bridge: pd.DataFrame) -> np.ndarray:
    """Weight of each (target, source) row: 1 for a source in one target; for a source split
    among several, its share of the shared area (m²) when every overlap is known, else 1/n."""
    by = bridge.groupby("source")
    n = by["target"].transform("size").to_numpy(float)
    area = bridge["overlap_m2"].to_numpy(float)
    total = by["overlap_m2"].transform("sum").to_numpy(float)
    good = pd.Series((area > 0) & np.isfinite(area), index=bridge.index)
    known = good.groupby(bridge["source"]).transform("all").to_numpy(bool)
    return np.where(n == 1, 1.0, np.where(known, area / np.where(total > 0, total, 1), 1.0 / n))


def bridge_population(pop: pd.DataFrame, areas: pd.DataFrame, vintage: int | None,
                      pairs: pd.DataFrame, source_geoms: pd.DataFrame | None = None
                      ) -> tuple[pd.DataFrame, list[str], dict]:
    """Population rows with other-vintage codes carried onto the project's LSOA areas.

    pop: long rows (KEYS + count, provenance_id). areas: code, geometry of the project's LSOAs.
    Returns the rows, notes, and per-dataset counts {dataset: {bridged_codes, to_areas,
    residents_bridged, outside_codes, residents_outside, unknown_codes, residents_unknown}}.
    """
    if pop.empty or areas.empty:
        return pop, [], {}
    project_codes = codeset(areas["code"])
    out, notes, summary = [], [], {}
    for name, rows in pop.groupby("dataset", sort=False):
        codes = rows["area_code"].astype(str)
        in_data = codeset(codes)
        foreign = in_data - project_codes
        if not foreign:
            out.append(rows)
            continue
        targets = areas[~areas["code"].astype(str).isin(in_data)]
        bridge = build_bridge(targets, vintage, foreign, pairs, source_geoms, overlap=True)
        bridge = bridge[bridge["how"] != "same code"]
        bridge = bridge.assign(share=_shares(bridge))
        moved = rows.merge(bridge[["source", "target", "share"]], left_on="area_code",
                           right_on="source", how="inner")
        moved = moved.assign(area_code=moved["target"], count=moved["count"] * moved["share"])
        moved = moved.groupby(KEYS, as_index=False, sort=False).agg(
            count=("count", "sum"), provenance_id=("provenance_id", "max"))
        used = codeset(bridge["source"])
        left = foreign - used
        known = codeset(pairs["lsoa11_code"]) | codeset(pairs["lsoa21_code"])
        outside = {c for c in left if c in known}
        unknown = left - outside
        stats = {"bridged_codes": int(bridge["source"].nunique()),
                 "to_areas": int(bridge["target"].nunique()),
                 "residents_bridged": residents(rows[codes.isin(used)]),
                 "outside_codes": len(outside),
                 "residents_outside": residents(rows[codes.isin(outside)]),
                 "unknown_codes": len(unknown),
                 "residents_unknown": residents(rows[codes.isin(unknown)])}
        summary[str(name)] = stats
        notes += _notes(str(name), stats, sorted(unknown), bridge)
        out += [rows[codes.isin(project_codes)], moved]
    return pd.concat(out, ignore_index=True), notes, summary


def _notes(name: str, s: dict, unknown: list[str], bridge: pd.DataFrame) -> list[str]:
    notes = []
    if s["bridged_codes"]:
        split = int((bridge.groupby("source")["target"].nunique() > 1).sum())
        merged = int((bridge.groupby("target")["source"].nunique() > 1).sum())
        by_area = bridge["overlap_m2"].notna().all()
        notes.append(
            f"population '{name}': {s['bridged_codes']} areas of another LSOA vintage "
            f"({s['residents_bridged']:,.0f} residents) carried onto {s['to_areas']} project "
            f"areas ({split} split, shared {'by area' if by_area else 'equally among children'};"
            f" {merged} merged, summed)")
    if s["unknown_codes"]:
        notes.append(
            f"population '{name}': {s['unknown_codes']} area codes are not the project's areas "
            f"and cannot be bridged ({s['residents_unknown']:,.0f} residents not counted): "
            f"{', '.join(unknown[:10])}{' …' if len(unknown) > 10 else ''} — if they are LSOA "
            "2011 codes, import the ONS LSOA 2011->2021 lookup (and the LSOA 2011 boundaries)")
    if s["outside_codes"]:
        notes.append(f"population '{name}': {s['outside_codes']} areas outside the project's "
                     f"areas ({s['residents_outside']:,.0f} residents) not counted")
    return notes


def dataset_year(name: str) -> int | None:
    """The reference year in a population dataset's name ("ONS mid-2022 estimates" 2022,
    "Census 2021 TS007A" 2021, "trafford_population_2024" 2024), None when it names none."""
    years = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", str(name))
    return int(years[-1]) if years else None


def default_order(newest_import: pd.Series) -> list[str]:
    """Datasets (index: name, value: their newest provenance id) most recent figures first:
    the latest year in the name, then the newest import (a dataset whose name gives no year
    comes after those that do)."""
    key = {d: (dataset_year(d) or 0, float(p)) for d, p in newest_import.items()}
    return sorted(key, key=key.get, reverse=True)


def choose_datasets(none: pd.DataFrame, order: list[str] | None = None
                    ) -> tuple[pd.DataFrame, dict]:
    """Rows of one dataset per area: the first of ``order`` (the planner's) that covers the area,
    else the most recent figures (:func:`default_order`). Returns the rows and the info for the
    run summary."""
    pid = none["provenance_id"].fillna(-1).to_numpy(dtype=float)
    ds = none["dataset"].astype(str)
    newest = pd.Series(pid, index=ds.index).groupby(ds).max()
    order = [d for d in (order or []) if d in newest.index]
    rank = {d: k for k, d in enumerate(order)}
    later = [d for d in default_order(newest) if d not in rank]
    rank.update({d: len(order) + k for k, d in enumerate(later)})
    r = ds.map(rank).to_numpy(int)
    area = none["area_code"].astype(str)
    best = pd.Series(r, index=area.index).groupby(area).transform("min").to_numpy(int)
    rows = none[r == best]
    present = codeset(rows["dataset"])
    used = [d for d in sorted(rank, key=rank.get) if d in present]
    info = {"population_dataset": ", ".join(used), "population_source": "population",
            "population_datasets": used}
    if len(rank) > 1:
        cover = {d: codeset(a) for d, a in area.groupby(ds)}
        overlaps = []
        names = sorted(rank, key=rank.get)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                n = len(cover[a] & cover[b])
                if n:
                    why = _why(a, b, order)
                    overlaps.append(f"'{a}' and '{b}' both cover {n} areas; '{a}' used there "
                                    f"({why})")
        info["population_note"] = (
            f"{len(rank)} population datasets combined ({', '.join(used)})"
            + (": " + "; ".join(overlaps) if overlaps else ", each for its own areas"))
    return rows, info


def _why(used: str, other: str, order: list[str]) -> str:
    """Why ``used`` was taken before ``other`` where both cover an area (for the run notes)."""
    if used in order or other in order:
        return "the project's setting"
    y1, y2 = dataset_year(used), dataset_year(other)
    if y1 and y1 != (y2 or 0):
        return f"more recent figures, {y1}" + (f" against {y2}" if y2 else "")
    return "newest import"
