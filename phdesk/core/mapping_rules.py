"""The category rules a run maps by (radius, segments served, demand, capacity unit), from the
saved category settings and the run's parameters; remembered per settings and parameters, so a
what-if that moves a site asks again for nothing (docs/ARCHITECTURE.md, "The mapping engine").
"""

from __future__ import annotations

import pandas as pd

from phdesk.core.categories import category_table
from phdesk.core.mapping_stages import AreaWork, AssetWork
from phdesk.core.segments import ALL

CAPACITY_UNITS = {"list size": "registered patients", "capacity": "capacity (asset register)",
                  "default": "sites (capacity 1 each)"}


def category_rules(assets: AssetWork, area: AreaWork, settings: pd.DataFrame | None,
                   params, saved: str | None = None
                   ) -> tuple[pd.DataFrame, list[str], dict[str, list]]:
    """The rules each category is mapped by: category, radius_m (metres), serves (segments),
    universal, demand (segments whose residents compete for the capacity), capacity_unit;
    the notes; and the same columns as lists (the frame and lists are shared between calls:
    read them only; ``mapping_tables.category_rules`` copies the frame).

    Targeted categories whose served segments are not in the data fall back to universal,
    with a note. Remembered per (categories, settings, parameters, capacity units): a what-if
    that moves a site asks again with the same. ``saved``: ``settings`` as
    :func:`settings_key` gives it, if already known.
    """
    units = assets.__dict__.get("_units")   # kept with a what-if's unchanged capacities
    if units is None:
        have = set(zip(assets.cat_codes.tolist(), assets.capacity_source.tolist(), strict=True))
        units = assets.__dict__["_units"] = tuple(
            " / ".join(CAPACITY_UNITS[s] for s in ("list size", "capacity", "default")
                       if (k, s) in have) for k in range(len(assets.categories)))
    if saved is None:
        saved = settings_key(settings)
    key = (tuple(assets.categories), saved, params.default_radius_m, params.radius_override,
           tuple(sorted(params.radius_m.items())), params.segments is None, units)
    memo = area._cache.setdefault("category_rules", {})
    if key not in memo:
        rules, notes = _category_rules(assets.categories, area, settings, params, list(units))
        memo[key] = rules, notes, {c: rules[c].tolist() for c in rules.columns}
    rules, notes, lists = memo[key]
    return rules, list(notes), lists


def settings_key(settings: pd.DataFrame | None) -> str | None:
    """The saved category settings as text: the rules are remembered by it."""
    return None if settings is None else settings.to_json(orient="split", default_handler=str)


def _category_rules(categories: list[str], area: AreaWork, settings: pd.DataFrame | None,
                    params, units: list[str]) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    table = category_table(categories, settings, area.segments, params.default_radius_m)
    radius = [params.default_radius_m if params.radius_override else
              float(params.radius_m.get(c, r)) for c, r in zip(table["category"],
                                                                table["radius_m"], strict=True)]
    serves, demand = [], []
    for c, sv, uni in zip(table["category"], table["serves"], table["universal"], strict=True):
        missing = [s for s in sv if s not in area.segments]
        if missing and params.segments is None:
            notes.append(f"{c}: serves segments not in the data: {', '.join(missing)}")
        present = [s for s in sv if s in area.segments]
        targets = [s for s in present if s != ALL]
        if not uni and not targets:
            notes.append(f"{c}: targeted, but none of its segments is in the data: everyone "
                         "counts as its demand")
        serves.append(present)
        demand.append(targets if (not uni and targets) else [ALL])
    rules = pd.DataFrame({"category": table["category"], "radius_m": radius, "serves": serves,
                          "universal": [d == [ALL] for d in demand], "demand": demand,
                          "capacity_unit": units})
    return rules, notes
