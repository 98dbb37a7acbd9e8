"""What-if scenarios: named changes layered on the asset register, never written into it.

A scenario's result is :func:`~phdesk.core.mapping.compute_mapping` on the project's inputs with
the changes applied to copies of the assets and category settings (:func:`apply_changes`, pure),
so it is exactly what the baseline would give if the changes were made for real: an added site
gets the id the register would give it (one more than the largest), a closed site is dropped, a
moved one takes its new coordinates, a capacity change replaces the capacity, a radius change
the category's radius (metres; a run's own radius options still win, as they do for the
baseline). See docs/ARCHITECTURE.md, "Scenarios, insight and ideas".
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from phdesk.core.categories import default_serves
from phdesk.core.compare import Comparison, compare, write_comparison
from phdesk.core.mapping import MappingInputs, MappingParams, MappingResult, compute_mapping
from phdesk.core.progress import ProgressFn
from phdesk.core.scenario_file import CHANGE_COLUMNS, PreparedChanges, read_changes

if TYPE_CHECKING:
    from phdesk.store.project import Project

__all__ = ["CHANGE_COLUMNS", "Comparison", "PreparedChanges", "apply_changes", "compare",
           "compare_scenarios",
           "read_changes", "run_scenario", "scenario_inputs", "write_comparison"]

SETTINGS_COLUMNS = ["category", "radius_m", "serves"]


def apply_changes(assets: pd.DataFrame, changes: pd.DataFrame, settings: pd.DataFrame | None,
                  segments: list[str] | None = None, notes: list[str] | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The asset register and category settings as they would be after ``changes`` (pure).

    ``assets``: the register frame (id, name, category, easting, northing, capacity, source_id,
    …); ``settings``: saved category settings (category, radius_m, serves); ``segments``: the
    segments available (for the default segments served by a category whose radius changes and
    has no saved settings). A change to an asset no longer in the register is skipped with a
    line in ``notes``. Inputs are not modified.
    """
    out = assets.copy()
    settings = (settings.copy() if settings is not None
                else pd.DataFrame(columns=SETTINGS_COLUMNS))
    ids = pd.to_numeric(out["id"], errors="coerce").to_numpy(dtype=float)
    next_id = int(np.nanmax(ids)) + 1 if np.isfinite(ids).any() else 1
    keep = np.ones(len(out), dtype=bool)
    edits = _Edits(out)   # moves and capacities, written once at the end (a live what-if)
    added: list[dict] = []
    for ch in changes.reindex(columns=CHANGE_COLUMNS).to_dict("records"):
        action = ch["action"]
        if action == "add":
            added.append(_new_asset(out.columns, next_id, ch))
            next_id += 1
            continue
        if action == "radius":
            settings = _set_radius(settings, out[keep], added, ch, segments or [])
            continue
        hit = (ids == ch["asset"]) & keep if pd.notna(ch["asset"]) else np.zeros(len(out), bool)
        if not hit.any():
            if notes is not None:
                notes.append(f"{action} asset {ch['asset']}: not in the asset register any "
                             "more; change skipped")
            continue
        if action == "close":
            keep &= ~hit
        elif action == "move":
            edits.set("easting", hit, ch["easting"])
            edits.set("northing", hit, ch["northing"])
        elif action == "capacity":
            edits.set("capacity", hit, float(ch["capacity"]))
    out = edits.apply()
    if not keep.all():
        out = out[keep]
    if added:
        out = pd.concat([out, pd.DataFrame(added, columns=out.columns)], ignore_index=True)
        out = out.astype({c: assets[c].dtype for c in ("id", "easting", "northing", "capacity")
                          if c in assets and len(assets)})
    return out.reset_index(drop=True), settings.reset_index(drop=True)


class _Edits:
    """Values set in a register's columns, written once: a float column as one array, any
    other through ``.loc`` (as a change made row by row would leave it)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.arrays: dict[str, np.ndarray] = {}

    def set(self, column: str, hit: np.ndarray, value) -> None:
        col = self.frame[column]
        if col.dtype.kind == "f" and isinstance(value, (int, float)):
            if column not in self.arrays:
                self.arrays[column] = col.to_numpy(dtype=float, copy=True)
            self.arrays[column][hit] = value
        else:
            self.frame.loc[hit, column] = value

    def apply(self) -> pd.DataFrame:
        for column, values in self.arrays.items():   # the frame is the caller's own copy
            self.frame[column] = values
        return self.frame


def _new_asset(columns: pd.Index, asset_id: int, ch: dict) -> dict:
    """The row a register would hold for an added site (as ``phdesk.store.edits.add_asset``)."""
    cap = ch.get("capacity")
    row = {c: None for c in columns}
    row.update(id=asset_id, name=ch["name"], category=ch["category"],
               easting=float(ch["easting"]), northing=float(ch["northing"]),
               capacity=1.0 if cap is None or pd.isna(cap) else float(cap))
    if "source" in row:
        row["source"] = "scenario"
    return row


def _set_radius(settings: pd.DataFrame, assets: pd.DataFrame, added: list[dict], ch: dict,
                segments: list[str]) -> pd.DataFrame:
    """Settings with the radius (metres) of the category named in ``ch`` replaced; the category
    is matched case-insensitively to every spelling in the register (as mapping selects them)."""
    wanted = str(ch["category"]).casefold()
    spellings = {str(c) for c in assets["category"].dropna()} | {a["category"] for a in added}
    targets = sorted(c for c in spellings if c.casefold() == wanted) or [str(ch["category"])]
    settings = settings.copy()
    for cat in targets:
        hit = settings["category"].astype(str) == cat
        if hit.any():
            settings.loc[hit, "radius_m"] = float(ch["radius_m"])
        else:
            settings = pd.concat([settings, pd.DataFrame(
                [[cat, float(ch["radius_m"]), default_serves(cat, segments)]],
                columns=SETTINGS_COLUMNS)], ignore_index=True)
    return settings


def with_changes(inputs: MappingInputs, changes: pd.DataFrame) -> MappingInputs:
    """Mapping inputs with ``changes`` applied (the inputs themselves are not modified)."""
    notes: list[str] = []
    segments = [str(s) for s in pd.unique(inputs.segments["segment"])] \
        if len(inputs.segments) else []
    assets, settings = apply_changes(inputs.assets, changes, inputs.settings, segments, notes)
    info = dict(inputs.info)
    if notes:
        info["notes"] = list(info.get("notes", [])) + notes
    return dataclasses.replace(inputs, assets=assets, settings=settings, info=info)


def scenario_inputs(project: Project, name: str | None) -> MappingInputs:
    """The project's mapping inputs, with scenario ``name``'s changes applied (None: baseline)."""
    from phdesk.core.mapping import load_inputs

    inputs = load_inputs(project)
    if name is None:
        return inputs
    from phdesk.store import planning

    return with_changes(inputs, planning.scenario_changes(project, name))


def run_scenario(project: Project, name: str | None, params: MappingParams | None = None,
                 progress: ProgressFn | None = None) -> MappingResult:
    """Mapping as if scenario ``name``'s changes were made (None: the baseline). Nothing is
    written: not the register, not the run log (a scenario is not a run of the baseline)."""
    result = compute_mapping(scenario_inputs(project, name), params, progress)
    result.summary["scenario"] = name
    return result


def compare_scenarios(project: Project, name: str, against: str | None = None,
                      params: MappingParams | None = None) -> Comparison:
    """Scenario ``name`` compared with scenario ``against`` (None: the baseline), both mapped
    with the same ``params``; every segment counted in the reach table."""
    from phdesk.core.mapping import load_inputs
    from phdesk.store import planning

    inputs = load_inputs(project)
    changes = {n: planning.scenario_changes(project, n) for n in (name, against) if n}
    base_inputs = with_changes(inputs, changes[against]) if against else inputs
    params = params or MappingParams()
    base = compute_mapping(base_inputs, dataclasses.replace(params))
    other = compute_mapping(with_changes(inputs, changes[name]), dataclasses.replace(params))
    return compare(base, other, against or "baseline", name, segments=inputs.segments)


def core20_reach_score(inputs: MappingInputs, cmp: Comparison,
                       neighbourhood: str | None) -> float:
    """The reach score (0-5, ``phdesk.core.ideas.reach_score``) of a comparison: Core20
    residents newly within reach (any category) as a share of the Core20 residents of
    ``neighbourhood`` (None: of all neighbourhoods)."""
    from phdesk.core.compare import ALL_NEIGHBOURHOODS
    from phdesk.core.ideas import reach_score
    from phdesk.core.segments import CORE20

    seg = inputs.segments
    core = seg[seg["segment"].astype(str) == CORE20]
    if neighbourhood:
        areas = inputs.areas
        codes = set(areas.loc[areas["neighbourhood"] == neighbourhood, "code"].astype(str))
        core = core[core["area_code"].astype(str).isin(codes)]
    newly = cmp.newly_within_reach(CORE20, neighbourhood=neighbourhood or ALL_NEIGHBOURHOODS)
    return reach_score(newly, float(core["population"].sum()))
