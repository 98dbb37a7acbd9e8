"""Where LSOA boundaries of two census vintages go (docs/ARCHITECTURE.md, "Imports and vintages").

Areas are keyed by code, and most LSOA codes are the same in 2011 and 2021, so the two vintages
cannot both be the project's areas. The newest LSOA vintage is the project's areas (mapped, given
population); LSOA boundaries of an older vintage are kept in ``bridge_areas``, used only to carry
data across vintages by overlay (``phdesk.core.vintages``):

* LSOA 2011 boundaries imported into a project with LSOA 2021 areas (or with option
  ``use=bridge``) go to ``bridge_areas``;
* LSOA 2021 boundaries imported into a project with LSOA 2011 areas become the areas, and the 2011
  ones move to ``bridge_areas`` (their neighbourhood assignments go with the codes that vanish).
"""

from __future__ import annotations

import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.imports import ImportContext
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.report import ImportReport

AREAS, BRIDGE, RETIRE = "areas", "bridge", "retire"
USES = {"areas", "bridge"}


def role(ctx: ImportContext, frame: pd.DataFrame, report: ImportReport, path_name: str) -> str:
    """``areas`` (plain upsert), ``bridge`` (kept for bridging only) or ``retire`` (become the
    areas; older-vintage LSOAs move to bridge_areas). Says which in the report."""
    use = str(ctx.options.get("use") or "").strip().lower()
    if use and use not in USES:
        raise UserError(f"{path_name}: option use must be 'areas' or 'bridge', not '{use}'")
    lsoa = frame[frame["level"] == "lsoa"]
    vintage = frame["vintage"].dropna()
    if lsoa.empty or vintage.empty:
        if use == BRIDGE:
            raise UserError(f"{path_name}: only LSOA boundaries with a vintage (2011 or 2021) "
                            "can be kept for bridging; give option vintage=YEAR")
        return AREAS
    v = int(vintage.iloc[0])
    stored = _stored_vintages(ctx)
    if use == BRIDGE or (use != AREAS and stored and v < max(stored)):
        report.warn(f"LSOA {v} boundaries kept for bridging vintages only (the project's areas "
                    f"are LSOA {max(stored) if stored else 'of another vintage'}); they are "
                    "used to carry deprivation and population across, never mapped")
        report.details["use"] = BRIDGE
        return BRIDGE
    older = [s for s in stored if s < v]
    if older:
        report.warn(f"LSOA {v} boundaries become the project's areas; the LSOA "
                    f"{', '.join(map(str, older))} boundaries are kept for bridging only")
        report.details["use"] = RETIRE
        return RETIRE
    return AREAS


def _stored_vintages(ctx: ImportContext) -> list[int]:
    if ctx.project is None:
        return []
    from phdesk.store.import_queries import lsoa_vintages

    return lsoa_vintages(ctx.project)


def default_groups(ctx: ImportContext, use: str, frame: pd.DataFrame, attrs: pd.DataFrame,
                   report: ImportReport) -> pd.Series | None:
    """MSOA name per row when these LSOAs should be grouped into MSOA neighbourhoods (no lookup
    or outlines yet), else None. Says so in the report."""
    from phdesk.core.imports.neighbourhood_rules import msoa_names
    from phdesk.store.import_queries import has_real_neighbourhoods

    if use == BRIDGE or frame.empty or not (frame["level"] == "lsoa").all():
        return None
    if ctx.project is not None and has_real_neighbourhoods(ctx.project):
        return None
    msoa = msoa_names(attrs, frame["name"] if frame["name"].notna().any()
                      else pd.Series([None] * len(frame)))
    if msoa.isna().all():
        return None
    report.warn(f"no neighbourhood lookup yet: the LSOAs are grouped into their "
                f"{msoa.nunique()} MSOAs as neighbourhoods (a neighbourhood lookup replaces them)")
    report.details["default_neighbourhoods"] = int(msoa.nunique())
    return msoa


def write(w: TableWriter, use: str, frame: pd.DataFrame, wkb, msoa: pd.Series | None = None
          ) -> bool:
    """Write for roles ``bridge`` and ``retire`` (True when written here: bridge); the caller
    upserts areas otherwise. ``retire`` moves older LSOAs aside first; ``msoa`` groups the areas
    into default MSOA neighbourhoods."""
    if use == BRIDGE:
        w.write_bridge_areas(frame.assign(geometry=list(wkb)))
        return True
    if use == RETIRE:
        w.retire_older_lsoas(int(frame["vintage"].dropna().iloc[0]), keep=set(frame["code"]))
    if msoa is not None and not w.has_real_neighbourhoods():
        have = msoa.notna().to_numpy()
        w.default_neighbourhoods(frame["code"][have].tolist(), msoa[have].astype(str).tolist())
    return False
