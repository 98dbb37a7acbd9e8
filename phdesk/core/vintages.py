"""Bridging LSOA 2011 and LSOA 2021 data at read time, so the order of imports does not matter.

IoD 2019 is on LSOA 2011 codes, IoD 2025, Census 2021 and the mid-2021+ estimates on LSOA 2021.
Most LSOAs kept their code; the rest were split, merged or redrawn. A *bridge* says, for each of
the project's areas (the targets), which areas of the data's vintage (the sources) it takes its
values from, and how (docs/mapping.md, "Vintages"):

``same code``
    the area's own code is in the data (unchanged LSOAs keep their code);
``lookup``
    the ONS LSOA 2011 -> 2021 lookup pairs it with one or more source areas;
``overlay``
    neither: the source area with the largest share of the target's polygon, from the boundaries
    of the other vintage held for bridging (the best-fit lookup names only one child of a split).

Deprivation (:func:`area_deprivation`): a split child takes its parent's rank and decile; an area
made of several source areas (a merge, or an irregular change) takes the rank and decile of the
**most deprived** of them (ranks cannot be averaged into a rank, the merged area holds every
resident of that parent, and the rule needs no other data). Where several IoD editions are held,
the edition on the areas' own vintage wins. Population bridging is in
:mod:`phdesk.core.vintage_population`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:
    from phdesk.store.project import Project

EDITION_VINTAGE = {2019: 2011, 2025: 2021}   # IoD edition -> LSOA vintage of its codes
SAME, LOOKUP, OVERLAY = "same code", "lookup", "overlay"
HOW_TEXT = {
    SAME: "same code",
    "split": "one parent in the lookup (a split child or a recoded area): the parent's rank "
             "and decile",
    "merged": "merged: most deprived parent's rank and decile",
    OVERLAY: "no lookup row: largest-overlap area of the other vintage",
}
DEP_COLUMNS = ["area_code", "decile", "rank", "edition", "how"]


@dataclass
class AreaDeprivation:
    """IMD per project area: ``frame`` (area_code, decile, rank, edition, how), the edition used,
    counts and plain-English notes for import reports and run summaries."""

    frame: pd.DataFrame
    edition: int | None = None
    summary: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def codeset(values) -> set[str]:
    """The distinct values of a column as a set of str (through numpy: iterating a pandas string
    column element by element took seconds at London scale)."""
    return set(pd.unique(np.asarray(values, dtype=object)).astype(str).tolist())


# -- the bridge ---------------------------------------------------------------------------------
def other_vintage(vintage: int) -> int:
    return 2011 if vintage == 2021 else 2021


def infer_vintage(areas: pd.DataFrame, pairs: pd.DataFrame) -> int | None:
    """The LSOA vintage of the project's areas: stored with them, else told by the lookup (codes
    only in its 2021 column are 2021 codes, and the other way round)."""
    stored = areas["vintage"].dropna() if "vintage" in areas else pd.Series(dtype=float)
    if len(stored):
        return int(stored.mode().iloc[0])
    if pairs.empty:
        return None
    codes = codeset(areas["code"])
    c11, c21 = codeset(pairs["lsoa11_code"]), codeset(pairs["lsoa21_code"])
    only21, only11 = c21 - c11, c11 - c21
    n21, n11 = len(codes & only21), len(codes & only11)
    return 2021 if n21 > n11 else 2011 if n11 > n21 else None


def build_bridge(targets: pd.DataFrame, target_vintage: int | None, sources: set[str],
                 pairs: pd.DataFrame, source_geoms: pd.DataFrame | None = None,
                 overlap: bool = False) -> pd.DataFrame:
    """target, source, how (same code | lookup | overlay), and with ``overlap`` overlap_m2 (shared
    area in square metres where both polygons are known, else NaN; not computed for same-code
    rows) for every target that has a source.

    targets: code, geometry (shapely EPSG:27700 or None). sources: codes holding the data.
    pairs: lsoa11_code, lsoa21_code. source_geoms: code, geometry of the sources' vintage.
    """
    codes = targets["code"].astype(str)
    same = codes[codes.isin(sources)]
    parts = [pd.DataFrame({"target": same.to_numpy(), "source": same.to_numpy(), "how": SAME})]
    rest = codeset(codes) - codeset(same)
    if rest and target_vintage in (2011, 2021) and not pairs.empty:
        t_col, s_col = (("lsoa21_code", "lsoa11_code") if target_vintage == 2021
                        else ("lsoa11_code", "lsoa21_code"))
        hit = pairs[pairs[t_col].isin(rest) & pairs[s_col].isin(sources)]
        parts.append(pd.DataFrame({"target": hit[t_col].to_numpy(), "source": hit[s_col].to_numpy(),
                                   "how": LOOKUP}))
        rest -= codeset(hit[t_col])
    if rest and source_geoms is not None and len(source_geoms):
        parts.append(overlay_largest_source(targets[codes.isin(rest)], source_geoms, sources))
    bridge = pd.concat(parts, ignore_index=True).drop_duplicates(["target", "source"])
    if not overlap:
        return bridge.assign(overlap_m2=np.nan)
    return _with_overlap(bridge, targets, source_geoms)


# a target is carried from a source only when the held polygons of the other vintage cover at
# least this share of it: a borough's areas must not take a neighbour's data through the sliver
# where generalised boundaries of two vintages overlap along the borough's edge
OVERLAY_MIN_COVERED = 0.5


def overlay_largest_source(targets: pd.DataFrame, geoms: pd.DataFrame,
                           sources: set[str] | None = None) -> pd.DataFrame:
    """Each target's source: the polygon of the other vintage (``geoms``: code, geometry, every
    one held) sharing the largest area (m²) with it, when that polygon holds the data
    (``sources``; None: any) and the held polygons cover at least ``OVERLAY_MIN_COVERED`` of
    the target. So Southwark's areas, which the Lewisham file's split parent touches along the
    borough boundary, are not given Lewisham's data: their largest share lies in a Southwark
    polygon, or (with only Lewisham's 2011 boundaries held) in no polygon held. Targets
    with no polygon are skipped."""
    tg = targets["geometry"].to_numpy(dtype=object)
    have = ~pd.isna(tg)
    empty = pd.DataFrame(columns=["target", "source", "how"])
    if not have.any() or geoms.empty:
        return empty
    tg, tcode = tg[have], targets["code"].to_numpy(dtype=object)[have]
    sg, scode = geoms["geometry"].to_numpy(dtype=object), geoms["code"].to_numpy(dtype=object)
    ti, si = shapely.STRtree(sg).query(tg, predicate="intersects")
    is_src = (np.ones(len(si), dtype=bool) if sources is None
              else pd.Index(scode[si].astype(str)).isin(list(sources)))
    near = np.isin(ti, ti[is_src])   # (only targets a source touches: the others cannot gain)
    ti, si, is_src = ti[near], si[near], is_src[near]
    if len(ti) == 0:
        return empty
    frame = pd.DataFrame({"t": ti, "s": si, "src": is_src,
                          "a": shapely.area(shapely.intersection(tg[ti], sg[si]))})
    frame = frame[frame["a"] > 0]
    covered = frame.groupby("t")["a"].sum()
    best = frame.sort_values("a").drop_duplicates("t", keep="last")
    whole = shapely.area(tg[best["t"].to_numpy()])
    ok = best["src"].to_numpy() & (covered.reindex(best["t"]).to_numpy() >=
                                   OVERLAY_MIN_COVERED * whole)
    best = best[ok]
    return pd.DataFrame({"target": tcode[best["t"].to_numpy()],
                         "source": scode[best["s"].to_numpy()], "how": OVERLAY})


def _with_overlap(bridge: pd.DataFrame, targets: pd.DataFrame,
                  source_geoms: pd.DataFrame | None) -> pd.DataFrame:
    """Add overlap_m2: the area (square metres) target and source polygons share."""
    bridge["overlap_m2"] = np.nan
    if bridge.empty or source_geoms is None or source_geoms.empty:
        return bridge
    tgeo = pd.Series(targets["geometry"].to_numpy(dtype=object), index=targets["code"].astype(str))
    sgeo = pd.Series(source_geoms["geometry"].to_numpy(dtype=object),
                     index=source_geoms["code"].astype(str))
    t = tgeo.reindex(bridge["target"]).to_numpy(dtype=object)
    s = sgeo.reindex(bridge["source"]).to_numpy(dtype=object)
    ok = ~pd.isna(t) & ~pd.isna(s) & (bridge["how"] != SAME).to_numpy()
    if ok.any():
        vals = np.full(len(bridge), np.nan)
        vals[ok] = shapely.area(shapely.intersection(t[ok], s[ok]))
        bridge["overlap_m2"] = vals
    return bridge


# -- deprivation --------------------------------------------------------------------------------
def choose_edition(editions: list[int], vintage: int | None) -> int | None:
    """The edition on the areas' own vintage when held, else the latest."""
    if not editions:
        return None
    matching = [e for e in editions if vintage is not None and EDITION_VINTAGE.get(e) == vintage]
    return max(matching) if matching else max(editions)


def bridge_deprivation(areas: pd.DataFrame, dep: pd.DataFrame, pairs: pd.DataFrame,
                       source_geoms: pd.DataFrame | None = None,
                       extra_codes: set[str] | None = None) -> AreaDeprivation:
    """Pure core of :func:`area_deprivation`.

    areas: code, vintage, geometry. dep: area_code, edition, rank, decile (every edition held).
    pairs: lsoa11_code, lsoa21_code. source_geoms: code, geometry of the other vintage's LSOAs.
    extra_codes: codes that are not areas (population without boundaries) given their own
    code's values; they are not counted in the summary.
    """
    vintage = infer_vintage(areas, pairs)
    edition = choose_edition(sorted({int(e) for e in dep["edition"].dropna()}), vintage)
    if edition is None:
        return AreaDeprivation(pd.DataFrame(columns=DEP_COLUMNS), None,
                               {"areas": len(areas), "with_decile": 0,
                                "without_decile": len(areas), "edition": None},
                               ["no deprivation data: import the English Indices of Deprivation"])
    rows = dep[dep["edition"] == edition].drop_duplicates("area_code").set_index("area_code")
    src_vintage = EDITION_VINTAGE.get(edition)
    bridged = vintage is not None and src_vintage is not None and src_vintage != vintage
    bridge = build_bridge(areas, vintage if bridged else None, codeset(rows.index),
                          pairs, source_geoms if bridged else None)
    bridge["rank"] = rows["rank"].reindex(bridge["source"]).to_numpy(dtype=float)
    bridge["decile"] = rows["decile"].reindex(bridge["source"]).to_numpy(dtype=float)
    if bridged:
        # a source split among several targets: each child takes it whole; several sources in
        # one target: the most deprived (lowest rank; decile where ranks are not given)
        n_src = bridge.groupby("target")["source"].transform("nunique")
        how = np.where(bridge["how"] == SAME, SAME, np.where(
            bridge["how"] == OVERLAY, OVERLAY, np.where(n_src > 1, "merged", "split")))
        bridge["how"] = how
    order = bridge.assign(_k=bridge["rank"].fillna(bridge["decile"] * 1e9)).sort_values("_k")
    best = order.drop_duplicates("target", keep="first")
    frame = pd.DataFrame({"area_code": areas["code"].astype(str).to_numpy()})
    frame = frame.merge(best[["target", "decile", "rank", "how"]].rename(
        columns={"target": "area_code"}), on="area_code", how="left")
    frame["edition"] = edition
    frame["how"] = frame["how"].where(frame["decile"].notna(), None)
    result = _describe(frame[DEP_COLUMNS], edition, vintage, src_vintage, bridged,
                       not pairs.empty)
    extra = sorted((extra_codes or set()) - codeset(frame["area_code"]))
    if extra:
        own = rows.reindex(extra)
        more = pd.DataFrame({"area_code": extra, "decile": own["decile"].to_numpy(float),
                             "rank": own["rank"].to_numpy(float), "edition": edition, "how": SAME})
        result.frame = pd.concat([result.frame, more[more["decile"].notna()]],
                                 ignore_index=True)
    return result


def _describe(frame: pd.DataFrame, edition: int, vintage: int | None, src_vintage: int | None,
              bridged: bool, have_lookup: bool = False) -> AreaDeprivation:
    missing = frame.loc[frame["decile"].isna(), "area_code"].tolist()
    counts = frame["how"].value_counts().to_dict()
    summary = {"edition": edition, "edition_vintage": src_vintage, "areas_vintage": vintage,
               "areas": len(frame), "with_decile": len(frame) - len(missing),
               "without_decile": len(missing), "without_decile_codes": missing[:20],
               "how": {str(k): int(v) for k, v in counts.items()}}
    notes = []
    if bridged:
        parts = [f"{v} {HOW_TEXT[k]}" for k, v in counts.items() if k in HOW_TEXT]
        notes.append(f"IMD from IoD {edition} (LSOA {src_vintage} codes) bridged to the "
                     f"project's LSOA {vintage} areas: {'; '.join(parts)}")
    if missing:
        notes.append(f"{len(missing)} of {len(frame)} areas "
                     f"{'has' if len(missing) == 1 else 'have'} no IMD decile (IoD {edition}): "
                     f"{', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}"
                     + ((f" — import the LSOA {src_vintage} boundaries that cover them"
                         if have_lookup else " — import the ONS LSOA 2011->2021 lookup and the "
                         f"LSOA {src_vintage} boundaries") + " to bridge them"
                        if bridged else ""))
    return AreaDeprivation(frame, edition, summary, notes)


def area_deprivation(project: Project, domain: str = "imd") -> AreaDeprivation:
    """IMD rank and decile for each of the project's LSOA areas, bridged across vintages.

    Areas of other levels (MSOA, ward) get none. The frame has one row per LSOA area.
    """
    from phdesk.store import vintages as sv

    areas = sv.lsoa_areas(project)
    pairs = sv.lookup_pairs(project)
    dep = sv.deprivation_editions(project, domain)
    vintage = infer_vintage(areas, pairs)
    geoms = sv.bridge_geometries(project, other_vintage(vintage)) if vintage else None
    return bridge_deprivation(areas, dep, pairs, geoms)
