"""Which areas are the study area (docs/mapping.md, "Study area and edges"): the one rule the
engine, the map's opening view, the charts and the reports share.

The study area is the areas with a neighbourhood; the others are *context* (their residents count
as demand, they are never reported). With no neighbourhood at all the whole project is the study
area, one unnamed neighbourhood. The engine's ``AreaWork.study`` is this mask.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def has_name(neighbourhoods) -> np.ndarray:
    """True for each area with a neighbourhood name (None, NaN or blank: none).

    Each distinct name is tested once, not each area: England's 33,755 areas have a few
    hundred names (5 ms of string work per area -> under 1 ms; docs/ARCHITECTURE.md, map
    rendering)."""
    codes, names = pd.factorize(np.asarray(neighbourhoods, dtype=object).ravel())
    ok = np.array([str(n).strip() != "" for n in names], dtype=bool)
    return (codes >= 0) & np.append(ok, False)[codes]   # (code -1, no name: the False)


def study_mask(neighbourhoods) -> np.ndarray:
    """True for each area in the study area, given each area's neighbourhood name (None, NaN or
    blank: none)."""
    has = has_name(neighbourhoods)
    return has if has.any() else np.ones(len(has), dtype=bool)


ENCLOSED_GAP_M = 5.0   # metres: generalised boundaries leave slivers between neighbours


def enclosed(geoms, neighbourhoods) -> np.ndarray:
    """Indices of the areas without a neighbourhood whose every neighbour (the areas within
    ``ENCLOSED_GAP_M`` metres; at least one) has one: inside the study area or on its outer edge
    with nothing else beside them (not required to be ringed: Trafford's E01034000 has the
    borough boundary along a third of its edge).

    Such an area is almost always a slip of the lookup, not context: a split LSOA 2021 that the
    ONS best-fit lookup leaves out gets nothing from a lookup on LSOA 2011 codes (E01034000,
    1,471 residents, read as "outside the study area")."""
    has = has_name(neighbourhoods)
    geoms = np.asarray(geoms, dtype=object)
    none = np.empty(0, dtype=np.intp)
    if has.all() or not has.any():
        return none
    import shapely

    tree = shapely.STRtree(geoms)
    # only an area touching the study area can be inside it: a borough in a region has a few
    # hundred such, not the region's thousands (London: 0.47 s -> a few hundredths)
    named = np.flatnonzero(has & (geoms != None))  # noqa: E711 - elementwise
    _, touching = tree.query(geoms[named], predicate="dwithin", distance=ENCLOSED_GAP_M)
    candidates = np.unique(touching[~has[touching]])
    if not len(candidates):
        return none
    src, dst = tree.query(geoms[candidates], predicate="dwithin", distance=ENCLOSED_GAP_M)
    keep = dst != candidates[src]
    src, dst = src[keep], dst[keep]
    near = np.bincount(src, minlength=len(candidates))
    outside = np.bincount(src, weights=~has[dst], minlength=len(candidates))
    return candidates[(near > 0) & (outside == 0)]


def enclosed_note(codes) -> str | None:
    """The note for areas found by :func:`enclosed` (None when there are none)."""
    codes = [str(c) for c in codes]
    if not codes:
        return None
    n = len(codes)
    shown = ", ".join(codes[:5]) + (", …" if n > 5 else "")
    return (f"{n} area{'s' if n != 1 else ''} {'have' if n != 1 else 'has'} no neighbourhood "
            f"though every area beside {'them' if n != 1 else 'it'} has one ({shown}): "
            f"{'they are' if n != 1 else 'it is'} treated as context and not reported. If the "
            "neighbourhood lookup is on LSOA 2011 codes, import the LSOA 2011 boundaries (option "
            "use=bridge) and then the lookup again; otherwise add "
            f"{'them' if n != 1 else 'it'} to the lookup")
