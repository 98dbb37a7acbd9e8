"""What the window and the command line call for scenarios, insight notes and change ideas.

A thin layer over ``phdesk.store.planning`` (the records) and ``phdesk.core.scenarios`` (the
what-if mapping), reached as ``ProjectService.planning``. Mapping results are kept per
(scenario, parameters, project data version) in a small least-recently-used cache, so switching
scenario A/B or back to the baseline does not recompute, and any import or edit that changes what
mapping reads makes the old results unreachable (docs/ARCHITECTURE.md, "Scenarios, insight and
ideas"). Plain Python, no Qt; long calls take progress and cancel callbacks and run off the GUI
thread.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.ideas import decisions_record, filter_notes, rank_ideas
from phdesk.core.progress import CancelFn, ProgressFn, as_progress
from phdesk.store import planning as store
from phdesk.store.edits import rename_neighbourhood

if TYPE_CHECKING:
    from phdesk.core.compare import Comparison
    from phdesk.core.mapping import MappingEngine, MappingInputs, MappingParams, MappingResult
    from phdesk.core.scenario_file import PreparedChanges
    from phdesk.services.project_service import ProjectService

CACHE_SIZE = 8   # results kept: baseline + a few scenarios under a couple of parameter sets


class PlanningService:
    """Scenarios, notes and ideas of one open project (``service.planning``)."""

    def __init__(self, service: ProjectService) -> None:
        self._service = service
        self._lock = threading.RLock()
        self._results: OrderedDict[tuple, MappingResult] = OrderedDict()
        self._inputs: tuple[str, MappingInputs] | None = None
        self._engine: tuple[tuple, MappingEngine] | None = None   # (params, data version)
        self._engine_lock = threading.Lock()   # one computation at a time per engine
        self._ids: tuple[MappingInputs, np.ndarray] | None = None

    @property
    def project(self):
        return self._service.project

    # -- records (each edit saved at once; update/delete return what undo needs) ----------------
    def scenarios(self) -> pd.DataFrame:
        return store.scenarios(self.project)

    def scenario_changes(self, name: str) -> pd.DataFrame:
        return store.scenario_changes(self.project, name)

    def read_changes(self, path: str | Path) -> PreparedChanges:
        """Check a file of changes (nothing saved); see ``phdesk.core.scenario_file``."""
        from phdesk.core.scenario_file import read_changes

        return read_changes(path, self.project)

    def save_scenario(self, name: str, changes: pd.DataFrame, description: str = "") -> int:
        return store.save_scenario(self.project, name, changes, description)

    def add_change(self, name: str, change: dict[str, Any], description: str = "") -> int:
        """Append one change (e.g. a site added by clicking the map) to scenario ``name``,
        creating the scenario if there is none; checked as a change file's row would be
        (UserError if wrong). Returns the scenario id; ``remove_change(name, -1)`` undoes it."""
        from phdesk.core.scenario_file import check_change

        row = check_change(change, self._service.assets())
        have = store.scenarios(self.project)
        exists = name in set(have["name"])
        current = (store.scenario_changes(self.project, name) if exists
                   else pd.DataFrame(columns=store.CHANGE_COLUMNS))
        if exists and not description:
            description = str(have.set_index("name").loc[name, "description"] or "")
        new = pd.DataFrame([row], columns=store.CHANGE_COLUMNS)
        both = new if current.empty else pd.concat([current, new], ignore_index=True)
        return store.save_scenario(self.project, name, both, description)

    def locate_postcode(self, postcode: str) -> tuple[float, float]:
        """Easting, northing (EPSG:27700 metres) of a postcode from the project's postcode
        lookup, for adding a site by postcode. UserError if malformed or not found."""
        from phdesk.core import geo

        norm = geo.normalise_postcode(pd.Series([postcode]))
        if not bool(geo.valid_postcode(norm).iloc[0]):
            raise UserError(f"{postcode!r}: malformed postcode")
        point = store.postcode_point(self.project, str(norm.iloc[0]))
        if point is None:
            raise UserError(f"{postcode!r}: postcode not found in the project's postcode lookup "
                            "(or it has no coordinates)")
        return point

    def remove_change(self, name: str, index: int) -> dict[str, Any]:
        """Remove the ``index``-th change (0-based) of scenario ``name``; returns it."""
        current = store.scenario_changes(self.project, name)
        if not -len(current) <= int(index) < len(current):
            raise UserError(f"scenario {name!r} has {len(current)} changes; no change {index}")
        removed = current.iloc[int(index)].to_dict()
        desc = store.scenarios(self.project).set_index("name").loc[name, "description"]
        store.save_scenario(self.project, name, current.drop(current.index[int(index)]), desc)
        return removed

    def rename_scenario(self, old: str, new: str) -> None:
        store.rename_scenario(self.project, old, new)

    def rename_neighbourhood(self, old: str, new: str) -> str:
        """Rename a neighbourhood (``store.edits.rename_neighbourhood``); returns the name saved.
        Every cached frame and result names it, so they go (the window maps again)."""
        saved = rename_neighbourhood(self.project, old, new)
        with self._lock:
            self._results.clear()
            self._inputs = self._engine = None
        self._service.invalidate()
        self._service.last_result = None
        return saved

    def delete_scenario(self, name: str) -> dict[str, Any]:
        return store.delete_scenario(self.project, name)

    def restore_scenario(self, row: dict[str, Any]) -> int:
        return store.restore_scenario(self.project, row)

    def notes(self, **filters: str | None) -> pd.DataFrame:
        """Notes, newest first; filters as ``phdesk.core.ideas.filter_notes`` (neighbourhood,
        source_kind, tag, scenario, text)."""
        notes = store.notes(self.project)
        return filter_notes(notes, **filters) if filters else notes

    def add_note(self, **fields: Any) -> int:
        return store.add_note(self.project, **fields)

    def update_note(self, note_id: int, **fields: Any) -> dict[str, Any]:
        return store.update_note(self.project, note_id, **fields)

    def delete_note(self, note_id: int) -> dict[str, Any]:
        return store.delete_note(self.project, note_id)

    def restore_note(self, row: dict[str, Any]) -> int:
        return store.restore_note(self.project, row)

    def ideas(self) -> pd.DataFrame:
        return store.ideas(self.project)

    def add_idea(self, **fields: Any) -> int:
        return store.add_idea(self.project, **fields)

    def update_idea(self, idea_id: int, **fields: Any) -> dict[str, Any]:
        return store.update_idea(self.project, idea_id, **fields)

    def delete_idea(self, idea_id: int) -> dict[str, Any]:
        return store.delete_idea(self.project, idea_id)

    def restore_idea(self, row: dict[str, Any]) -> int:
        return store.restore_idea(self.project, row)

    def set_decision(self, idea_id: int, decision: str | None, reason: str = "",
                     date: str | None = None) -> dict[str, Any]:
        return store.set_decision(self.project, idea_id, decision, reason, date)

    def criteria(self) -> pd.DataFrame:
        return store.criteria(self.project)

    def set_criterion(self, key: str, label: str | None = None, weight: float | None = None
                      ) -> dict[str, Any]:
        return store.set_criterion(self.project, key, label, weight)

    def scores(self) -> pd.DataFrame:
        return store.scores(self.project)

    def set_score(self, idea_id: int, criterion: str, value: float | None) -> float | None:
        return store.set_score(self.project, idea_id, criterion, value)

    def decisions(self) -> pd.DataFrame:
        """The "you said, we did" record (``phdesk.core.ideas.decisions_record``)."""
        return decisions_record(self.ideas(), store.notes(self.project))

    def ranked_ideas(self) -> pd.DataFrame:
        """Ideas best first with total, rank, impact and effort (``phdesk.core.ideas``)."""
        return rank_ideas(self.ideas(), self.scores(), self.criteria())

    # -- what-if mapping ---------------------------------------------------------------------------
    def inputs(self, version: str | None = None) -> MappingInputs:
        """The project's mapping inputs (cached per data version; ``version``: the project's
        ``data_version``, if just read)."""
        from phdesk.core.mapping import load_inputs

        if version is None:
            version = store.data_version(self.project)
        with self._lock:
            if self._inputs is None or self._inputs[0] != version:
                self._inputs = (version, load_inputs(self.project))
            return self._inputs[1]

    def result(self, name: str | None, params: MappingParams | None = None,
               progress: ProgressFn | None = None, cancelled: CancelFn | None = None
               ) -> MappingResult:
        """Mapping for scenario ``name`` (None: the baseline) under ``params``; cached. Nothing
        is written to the project.

        The live path: one live ``MappingEngine`` per (parameters, data version) runs the
        baseline and answers each scenario with ``whatif(assets, settings=...)``, recomputing
        only the categories whose sites or radius changed, from the baseline's catchment pairs.
        Both equal ``compute_mapping`` on the changed inputs (tests/services).
        """
        from phdesk.core.mapping import MappingParams

        params = params or MappingParams()
        # the changes are read once: the cache key and the computation use the same
        changes = None if name is None else store.scenario_changes(self.project, name)
        key = (name, _params_key(params), store.data_version(self.project),
               _changes_key(changes))
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        prog = as_progress(progress, cancelled)
        result = self._compute(changes, params, key[1:3], prog)
        result.summary["scenario"] = name
        with self._lock:
            self._results[key] = result
            while len(self._results) > CACHE_SIZE:
                self._results.popitem(last=False)
        return result

    def _compute(self, changes: pd.DataFrame | None, params: MappingParams, engine_key: tuple,
                 prog) -> MappingResult:
        from phdesk.core.mapping import MappingEngine

        inputs = self.inputs(engine_key[1])
        with self._lock:
            if self._engine is None or self._engine[0] != engine_key:
                # live: the baseline's catchment pairs are kept, so a scenario recomputes only
                # its changed sites' pairs (docs/ARCHITECTURE.md, "The mapping engine")
                self._engine = (engine_key, MappingEngine(inputs, dataclasses.replace(params),
                                                          live=True))
            engine = self._engine[1]
            if self._ids is None or self._ids[0] is not inputs:
                # the register's ids as apply_changes matches them, read once per inputs
                self._ids = (inputs, pd.to_numeric(inputs.assets["id"], errors="coerce")
                             .to_numpy(dtype=float))
            ids = self._ids[1]
        with self._engine_lock:
            return self._run(engine, inputs, changes, prog, ids)

    @staticmethod
    def _run(engine, inputs: MappingInputs, changes: pd.DataFrame | None, prog,
             ids: np.ndarray) -> MappingResult:
        from phdesk.core.scenarios import apply_changes

        if changes is None:
            return engine.run(prog)
        if not engine.has_run:   # the baseline first: a scenario updates its kernels
            engine.run(prog.sub(0.0, 0.9))
        moves = _moves(changes, ids)
        if moves is not None:   # sites moved (a drag on the map): no copy of the register
            prog.check()
            result = engine.whatif(move=moves)
            prog(1.0, "Mapping done")
            return result
        notes: list[str] = []
        # the segments a radius change's default "serves" come from, as with_changes takes them
        segments = ([str(x) for x in pd.unique(inputs.segments["segment"])]
                    if (changes["action"] == "radius").any() and len(inputs.segments) else None)
        assets, settings = apply_changes(inputs.assets, changes, inputs.settings, segments,
                                         notes=notes)
        prog.check()
        result = engine.whatif(assets, settings=settings)
        result.summary["notes"] = list(result.summary.get("notes", [])) + notes
        prog(1.0, "Mapping done")
        return result

    def compare(self, name: str, against: str | None = None,
                params: MappingParams | None = None, progress: ProgressFn | None = None,
                cancelled: CancelFn | None = None) -> Comparison:
        """Scenario ``name`` against scenario ``against`` (None: the baseline)."""
        from phdesk.core.compare import compare

        prog = as_progress(progress, cancelled)
        base = self.result(against, params, prog.sub(0.0, 0.5))
        other = self.result(name, params, prog.sub(0.5, 0.95))
        return compare(base, other, against or "baseline", name, segments=self.inputs().segments)

    def fill_reach(self, idea_id: int, params: MappingParams | None = None,
                   progress: ProgressFn | None = None, cancelled: CancelFn | None = None
                   ) -> float | None:
        """Score an idea's reach from its scenario: Core20 residents of its neighbourhood (all
        neighbourhoods if it has none) newly within reach, as ``phdesk.core.ideas.reach_score``.
        Returns the score saved, or None when the idea has no scenario."""
        from phdesk.core.scenarios import core20_reach_score

        idea = self.ideas().set_index("id").loc[int(idea_id)]
        if pd.isna(idea["scenario"]):
            return None
        cmp = self.compare(idea["scenario"], None, params, progress, cancelled)
        nb = idea["neighbourhood"] if pd.notna(idea["neighbourhood"]) else None
        score = core20_reach_score(self.inputs(), cmp, nb)
        store.set_score(self.project, int(idea_id), "reach", score, source="scenario")
        return score


def _moves(changes: pd.DataFrame, ids: np.ndarray) -> dict | None:
    """``{asset_id: (easting, northing)}`` when every change moves a site that is one row of the
    register (``ids``: its ids as numbers) to a place (metres), the last move of a site
    winning, as ``apply_changes`` makes them; else None (the changes are applied to a copy of
    the register)."""
    if changes.empty:
        return None
    cols = list(changes.columns)
    at = [cols.index(c) for c in ("action", "asset", "easting", "northing")]
    moves = {}
    for row in changes.to_numpy(dtype=object).tolist():   # plain values, no pandas per row
        action, asset, x, y = (row[k] for k in at)
        if (action != "move" or pd.isna(asset) or pd.isna(x) or pd.isna(y)
                or (ids == asset).sum() != 1):
            return None
        moves[int(asset)] = (float(x), float(y))
    return moves


def _params_key(params: MappingParams) -> str:
    return json.dumps(dataclasses.asdict(params), sort_keys=True, default=str)


def _changes_key(changes: pd.DataFrame | None) -> str:
    """The changes as text, every number as ``repr`` gives it (exactly: two moves a few
    millimetres apart are two keys)."""
    if changes is None:
        return ""
    return repr(changes.to_numpy(dtype=object).tolist())
