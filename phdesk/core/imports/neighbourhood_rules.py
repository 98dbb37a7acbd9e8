"""Rules that keep neighbourhoods honest (docs/imports-b.md, "Neighbourhoods and places").

* A lookup row for an area that is not in the project creates nothing (counted in the report);
  a row on the other LSOA vintage's code is carried to the project's areas through the stored
  ONS LSOA 2011 -> 2021 lookup first.
* A name that spans two local authorities (a national ward lookup has 18 pairs of same-named
  London wards) stays two neighbourhoods, qualified by the authority: "Lea Bridge (Hackney)".
* Without any lookup, the LSOAs are grouped into their MSOAs ("Hackney 001A" -> "Hackney 001")
  so there is something to compare at once; those default groups give way to the first lookup.
"""

from __future__ import annotations

import re

import pandas as pd

from phdesk.core.imports import ImportContext
from phdesk.core.imports.report import ImportReport

_LSOA_NAME = re.compile(r"^(.*\S\s*\d{3})[A-Z]$")


def onto_project(lookup: pd.DataFrame, ctx: ImportContext, report: ImportReport) -> pd.DataFrame:
    """Rows (area_code, neighbourhood, la) for the project's areas only."""
    known = ctx.known_areas
    if ctx.project is None:
        return lookup
    if not known:
        report.warn("the project has no areas yet: every row creates a neighbourhood; import "
                    "the boundaries first so that rows for other areas are skipped")
        return lookup
    inside = lookup["area_code"].isin(known)
    out, rest = lookup[inside], lookup[~inside]
    carried = _carry(rest, ctx, known - set(out["area_code"]))
    if len(carried):
        report.details["carried_across_vintages"] = len(carried)
        report.warn(f"{len(carried)} project areas named through the ONS LSOA 2011->2021 lookup "
                    "(the lookup file is on the other vintage's codes)")
    used = set(carried.attrs.get("sources", []))
    skipped = int((~rest["area_code"].isin(used)).sum())
    if skipped:
        report.details["skipped_not_in_project"] = skipped
        report.warn(f"{skipped} rows are for areas not in the project: skipped, no "
                    "neighbourhood created for them")
    return pd.concat([out, carried], ignore_index=True)


def _carry(rest: pd.DataFrame, ctx: ImportContext, wanted: set[str]) -> pd.DataFrame:
    """Rows for project areas reached from other-vintage codes through the stored lookup; an
    area reached from two names takes the first (file order)."""
    from phdesk.store.vintages import lookup_pairs

    empty = rest.iloc[0:0].copy()
    empty.attrs["sources"] = []
    if rest.empty or not wanted:
        return empty
    pairs = lookup_pairs(ctx.project)
    both = pd.concat([pairs.rename(columns={"lsoa11_code": "src", "lsoa21_code": "dst"}),
                      pairs.rename(columns={"lsoa21_code": "src", "lsoa11_code": "dst"})])
    both = both[both["src"] != both["dst"]]
    hit = rest.merge(both[["src", "dst"]], left_on="area_code", right_on="src")
    hit = hit[hit["dst"].isin(wanted)][["src", "dst"]]
    over = _overlay_children(ctx, rest, wanted - set(hit["dst"]))
    hit = pd.concat([hit, over], ignore_index=True)
    sources = sorted(set(hit["src"]))
    hit = rest.merge(hit.drop_duplicates("dst"), left_on="area_code", right_on="src")
    out = hit.assign(area_code=hit["dst"])[list(rest.columns)].reset_index(drop=True)
    out.attrs["sources"] = sources
    return out


def _overlay_children(ctx: ImportContext, rest: pd.DataFrame, wanted: set[str]) -> pd.DataFrame:
    """src, dst for project areas the lookup does not name (split children left out of the
    best-fit file): the other-vintage area holding most of each, from the bridging boundaries."""
    from phdesk.core.vintages import other_vintage, overlay_largest_source
    from phdesk.store import vintages as sv

    if not wanted:
        return pd.DataFrame(columns=["src", "dst"])
    areas = sv.lsoa_areas(ctx.project)
    vintages = areas["vintage"].dropna()
    if vintages.empty:
        return pd.DataFrame(columns=["src", "dst"])
    geoms = sv.bridge_geometries(ctx.project, other_vintage(int(vintages.mode().iloc[0])))
    best = overlay_largest_source(areas[areas["code"].isin(wanted)], geoms,
                                  set(rest["area_code"].astype(str)))
    return pd.DataFrame({"src": best["source"].to_numpy(), "dst": best["target"].to_numpy()})


def qualify_by_authority(lookup: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    """Names found in two or more local authorities become "Name (Authority)"."""
    if "la" not in lookup or lookup["la"].isna().all():
        return lookup
    la = lookup["la"].astype("string").str.strip()
    spread = la.groupby(lookup["neighbourhood"].str.lower()).nunique()
    shared = set(spread.index[spread > 1])
    hit = lookup["neighbourhood"].str.lower().isin(shared) & la.notna()
    if hit.any():
        lookup = lookup.copy()
        lookup.loc[hit, "neighbourhood"] = lookup.loc[hit, "neighbourhood"] + " (" + la[hit] + ")"
        example = ", ".join(f"'{n}'" for n in lookup.loc[hit, "neighbourhood"].drop_duplicates()
                            .head(2))
        report.warn(f"{len(shared)} neighbourhood names are used in more than one local "
                    f"authority; kept apart, qualified by the authority (e.g. {example})")
        report.details["names_qualified_by_authority"] = len(shared)
    return lookup


def msoa_names(attrs: pd.DataFrame, names: pd.Series) -> pd.Series:
    """The MSOA name of each LSOA: an MSOA name column of the boundary file (MSOA21NM,
    MSOA11NM), else the LSOA name without its final letter ("Hackney 001A" -> "Hackney 001");
    None where neither is known."""
    for col in attrs.columns:
        if re.fullmatch(r"(?i)msoa\d\dnm|msoa_name|msoa name", str(col)):
            return attrs[col].astype("string").str.strip().reset_index(drop=True)
    got = names.astype("string").str.strip().str.extract(_LSOA_NAME)[0]
    return got.reset_index(drop=True)

