"""The one object the desktop app talks to: an open project and the jobs that can be run on it.

Plain Python (no Qt), so every method can be tested without a window and called from the UI's
worker thread. The :class:`~phdesk.store.project.Project` lock serialises access to the file;
frames that are costly to build (areas with their polygons, the neighbourhood summary) are cached
here and dropped whenever an import or an edit changes what they are built from.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from phdesk.core import imports
from phdesk.core.gap_ranking import Headlines, headlines
from phdesk.core.measures import is_core20
from phdesk.core.progress import CancelFn, ProgressFn
from phdesk.services.borders import BorderKeeper
from phdesk.services.placement import assign_points
from phdesk.services.planning import PlanningService
from phdesk.store import edits, queries, view_settings
from phdesk.store.project import SUFFIX, Project

if TYPE_CHECKING:
    from phdesk.core.imports import ImportReport, Prepared
    from phdesk.core.mapping import MappingParams, MappingResult

log = logging.getLogger(__name__)

__all__ = ["SUFFIX", "ProjectService", "assign_points"]   # SUFFIX: the project file extension

SUMMARY_COLUMNS = ["neighbourhood", "areas", "population", "core20_pct", "assets"]


class ProjectService:
    """An open project plus cached views of it for the UI.

    Parameters
    ----------
    project
        The open project; the service owns it and closes it in :meth:`close`.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.path = Path(project.path)
        self.last_result: MappingResult | None = None
        self.record_runs = True  # False: viewing only (screenshots) records no mapping run
        self._cache: dict[str, Any] = {}
        self._cache_lock = threading.RLock()
        self._title = self._read_title()   # read here, off the GUI thread (see title())
        self.planning = PlanningService(self)   # scenarios, notes, ideas (services/planning.py)
        self._view: dict[str, str] | None = None   # the window's choices, once set this session
        self.borders = BorderKeeper(project)   # the map's borders, kept in the project

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, read_only: bool = False,
             notice: Callable[[str], None] | None = None) -> ProjectService:
        """Open an existing project (migrating an older file after a backup copy);
        ``notice`` hears the project's messages (waiting for a lock, opened read-only)."""
        return cls(Project(path, read_only=read_only, notice=notice))

    @classmethod
    def create(cls, path: str | Path) -> ProjectService:
        """Create a new, empty project file; refuses to overwrite."""
        return cls(Project.create(path))

    @staticmethod
    def write_demo(path: str | Path) -> dict[str, int]:
        """Write the demo project to a new file ``path``; rows written per table."""
        from phdesk.core.demo import write_demo

        return write_demo(path)

    def close(self) -> None:
        # cached frames and the last result go with the project (a long session switching
        # projects kept every old project's frames alive)
        self.invalidate()
        self.last_result = None
        self.borders.wait()   # (a write of the borders under way ends first)
        self.project.close()

    def title(self) -> str:
        """The project's display name (its ``name`` meta value, else the file name).

        Read once, when the service is made (off the GUI thread), so the window can show it
        without touching the file."""
        return self._title

    def _read_title(self) -> str:
        return self.project.meta("name") or self.path.stem

    def invalidate(self) -> None:
        """Forget cached frames (after an import, an edit or a mapping run)."""
        with self._cache_lock:
            self._cache.clear()

    def _cached(self, key: str, build):
        with self._cache_lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]

    @property
    def read_only_reason(self) -> str | None:
        """Why nothing can be saved (the file or its folder is read-only, another window has
        it), or None when the project can be written."""
        return self.project.read_only_reason

    def make_read_only(self, reason: str) -> None:
        """Refuse every write from now on, saying ``reason`` (another window has the project)."""
        self.project.read_only_reason = self.project.read_only_reason or reason

    # -- the window's choices (store/view_settings.py) ------------------------------------------
    def view_settings(self) -> dict[str, str]:
        """The map's Show/Measure/Category/Segment and the neighbourhood last chosen."""
        return dict(self._view) if self._view is not None else view_settings.read(self.project)

    def save_view_settings(self, values: dict) -> None:
        """Keep the window's choices; in the file unless the project is read-only (then in
        memory for this session only: viewing never writes)."""
        self._view = view_settings.clean(values)
        if not self.project.read_only:
            view_settings.write(self.project, self._view)

    # -- reads -------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Row counts of the main tables (areas, neighbourhoods, assets, population, …)."""
        return self.project.counts()

    def last_run(self) -> dict | None:
        """The last recorded mapping run (id, started_at, finished_at, parameters, summary)."""
        return queries.last_mapping_run(self.project)

    def areas(self) -> pd.DataFrame:
        """Areas with neighbourhood and shapely polygons in EPSG:27700 (cached).

        An area missing from the neighbourhood lookup gets the neighbourhood polygon it overlaps
        most, as in the mapping (docs/mapping.md), so the summary and map agree with its tables.
        """
        return self._cached("areas", self._build_areas)

    def _build_areas(self) -> pd.DataFrame:
        from phdesk.core.mapping_stages import fill_neighbourhoods

        df = queries.areas_frame(self.project)
        if df["neighbourhood"].isna().any():
            nbh = queries.neighbourhood_polygons(self.project)
            if nbh["geometry"].notna().any():
                df["neighbourhood"], _ = fill_neighbourhoods(
                    df["neighbourhood"].to_numpy(dtype=object),
                    df["geometry"].to_numpy(dtype=object), nbh["name"].to_numpy(dtype=object),
                    nbh["geometry"].to_numpy(dtype=object))
        return df

    def neighbourhood_borders(self, rings, geoms, groups, tree):
        """The map's neighbourhood borders (``core.borders.BorderLines``), kept in the project
        once found (``services.borders``; a worker thread, not the GUI thread)."""
        return self.borders.get(rings, geoms, groups, tree)

    def assets(self) -> pd.DataFrame:
        """The asset register (eastings/northings in EPSG:27700 metres)."""
        return self._cached("assets", lambda: queries.assets_frame(self.project))

    def neighbourhoods(self) -> list[str]:
        return queries.neighbourhoods(self.project)

    def categories(self) -> list[str]:
        """Asset categories in the register or with saved settings, sorted."""
        cats = set(self.assets()["category"].dropna().astype(str))
        cats |= set(queries.category_settings(self.project)["category"].astype(str))
        return sorted(cats, key=str.casefold)

    def segments(self) -> list[str]:
        """The population segments the project can map (from :meth:`segment_population`)."""
        seg = self.segment_population()
        return list(dict.fromkeys(seg["segment"].astype(str))) if len(seg) else []

    def segment_population(self) -> pd.DataFrame:
        """area_code, segment, population (see ``phdesk.core.segments``)."""
        def build() -> pd.DataFrame:
            from phdesk.core.segments import segment_population

            return segment_population(self.project)
        return self._cached("segment_population", build)

    def area_population(self) -> pd.Series:
        """Base population per area code: the ``All`` segment of :meth:`segment_population`."""
        def build() -> pd.Series:
            seg = self.segment_population()
            base = seg[seg["segment"] == "All"]
            return base.groupby(base["area_code"].astype(str))["population"].sum().astype(float)
        return self._cached("area_population", build)

    def imd_deciles(self) -> pd.Series:
        """IMD decile (1 = most deprived 10% nationally) per area: the edition on the areas'
        vintage, bridged across LSOA vintages (phdesk.core.vintages)."""
        def build() -> pd.Series:
            from phdesk.core.vintages import area_deprivation

            dep = area_deprivation(self.project).frame
            return pd.Series(pd.to_numeric(dep["decile"]).to_numpy(dtype=float),
                             index=dep["area_code"].astype(str), name="imd_decile")
        return self._cached("imd", build)

    def area_profile(self) -> pd.DataFrame:
        """area_code, neighbourhood, imd_decile, population: one row per area."""
        def build() -> pd.DataFrame:
            areas = self.areas()
            codes = areas["code"].astype(str)
            return pd.DataFrame({
                "area_code": codes.to_numpy(),
                "neighbourhood": areas["neighbourhood"].to_numpy(dtype=object),
                "imd_decile": self.imd_deciles().reindex(codes).to_numpy(),
                "population": self.area_population().reindex(codes).fillna(0.0).to_numpy(),
            })
        return self._cached("area_profile", build)

    def asset_areas(self) -> pd.Series:
        """Area code containing each placed asset (index: asset id; unplaced assets absent)."""
        def build() -> pd.Series:
            return assign_points(self.assets(), self.areas())
        return self._cached("asset_areas", build)

    def neighbourhood_summary(self) -> pd.DataFrame:
        """One row per neighbourhood: areas, population, core20_pct (0-100), assets.

        ``core20_pct`` is the share of the neighbourhood's population living in IMD deciles 1-2;
        NaN where the project has no deprivation data. ``assets`` counts placed assets inside the
        neighbourhood's areas.
        """
        return self._cached("summary", self._build_summary)

    def _build_summary(self) -> pd.DataFrame:
        prof = self.area_profile()
        prof = prof[prof["neighbourhood"].notna()]
        if prof.empty:
            return pd.DataFrame(columns=SUMMARY_COLUMNS)
        core20 = is_core20(prof["imd_decile"])   # the one Core20 definition
        have_imd = prof["imd_decile"].notna()
        grouped = prof.assign(
            core20_pop=np.where(core20, prof["population"], 0.0),
            imd_pop=np.where(have_imd, prof["population"], 0.0),
        ).groupby("neighbourhood", sort=True)
        out = grouped.agg(areas=("area_code", "size"), population=("population", "sum"),
                          core20_pop=("core20_pop", "sum"), imd_pop=("imd_pop", "sum"))
        with np.errstate(invalid="ignore", divide="ignore"):
            out["core20_pct"] = np.where(out["imd_pop"] > 0,
                                         100.0 * out["core20_pop"] / out["imd_pop"], np.nan)
        area_nbh = prof.set_index("area_code")["neighbourhood"]
        asset_nbh = self.asset_areas().map(area_nbh)
        out["assets"] = asset_nbh.value_counts().reindex(out.index).fillna(0).astype(int)
        out = out.reset_index()
        return out[SUMMARY_COLUMNS]

    def biggest_gaps(self, result: MappingResult | None = None) -> pd.DataFrame:
        """The headline row per neighbourhood (``headlines(result).gaps``)."""
        return self.headlines(result).gaps

    def headlines(self, result: MappingResult | None = None) -> Headlines:
        """Each neighbourhood's headline gap, and the categories said once instead (absent
        from the whole study area; fewer than ``FEW_SITES`` sites) by the one rule,
        ``phdesk.core.gap_ranking.headlines``, for the run (default: the last)."""
        result = result or self.last_result
        if result is None or result.neighbourhood_segments is None:
            return headlines(None, None)
        return headlines(result.neighbourhood_segments, result.category_rules)

    def provenance(self) -> pd.DataFrame:
        return self.project.provenance()

    def disclosure_rule(self):
        """The project's disclosure rule (``phdesk.core.disclosure.DisclosureRule``)."""
        from phdesk.store.outputs import disclosure_rule

        return disclosure_rule(self.project)

    def set_disclosure_rule(self, rule):
        """Save the rule (off only with a reason; every change is logged); returns it."""
        from phdesk.store.outputs import save_disclosure_rule

        return save_disclosure_rule(self.project, rule)

    def category_settings(self) -> pd.DataFrame:
        """Effective settings per category: category, radius_m (metres), serves (segment names),
        source (``saved`` | ``default``) — see ``phdesk.core.categories.category_table``."""
        from phdesk.core.categories import category_table

        cats = set(self.assets()["category"].dropna().astype(str))
        saved = queries.category_settings(self.project)
        cats |= set(saved["category"].astype(str))
        return category_table(sorted(cats, key=str.casefold), saved, self.segments())

    def save_category_settings(self, df: pd.DataFrame) -> None:
        """Save radius (metres, > 0) and served segments for each row of ``df``.

        Raises :class:`~phdesk.core.errors.UserError` for a bad row; nothing is saved then.
        """
        from phdesk.core.categories import save_category_settings

        save_category_settings(self.project, df[["category", "radius_m", "serves"]])

    # -- jobs ----------------------------------------------------------------------------------
    def run_mapping(self, params: MappingParams, progress: ProgressFn | None = None,
                    cancelled: CancelFn | None = None) -> MappingResult:
        """Run asset mapping (``phdesk.core.mapping.run_mapping``) and keep the result."""
        from phdesk.core.mapping import run_mapping

        # viewing only (a screenshot) or a read-only project: compute, record nothing
        record = self.record_runs and not getattr(self.project, "read_only", False)
        result = run_mapping(self.project, params, progress=progress, cancelled=cancelled,
                             record=record)
        self.last_result = result
        return result

    def prepare_import(self, path: str | Path, kind: str | None = None,
                       options: dict[str, Any] | None = None, progress: ProgressFn | None = None,
                       cancelled: CancelFn | None = None) -> Prepared:
        """Read and validate a file; writes nothing."""
        return imports.prepare_import(self.project, path, kind, options, progress, cancelled)

    def run_import(self, path: str | Path, kind: str | None = None, accept_partial: bool = False,
                   options: dict[str, Any] | None = None, progress: ProgressFn | None = None,
                   cancelled: CancelFn | None = None) -> ImportReport:
        """Detect, validate and import one file in one transaction (``phdesk import``).

        Raises ``ImportRejected`` (nothing written) as :meth:`commit_import` does."""
        from phdesk.core.progress import as_progress

        prog = as_progress(progress, cancelled)
        prepared = self.prepare_import(path, kind, options, prog.sub(0, 0.6))
        return self.commit_import(prepared, accept_partial, prog.sub(0.6, 1.0))

    def commit_import(self, prepared: Prepared, accept_partial: bool = False,
                      progress: ProgressFn | None = None, cancelled: CancelFn | None = None
                      ) -> ImportReport:
        """Write a prepared import in one transaction (a cancel rolls it all back)."""
        try:
            return imports.commit_import(self.project, prepared, accept_partial, progress,
                                         cancelled)
        finally:
            self.invalidate()

    def add_asset(self, values: dict[str, Any]) -> int:
        try:
            return edits.add_asset(self.project, values)
        finally:
            self._drop_asset_caches()

    def update_asset(self, asset_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        try:
            return edits.update_asset(self.project, asset_id, changes)
        finally:
            self._drop_asset_caches()

    def delete_asset(self, asset_id: int) -> dict[str, Any]:
        try:
            return edits.delete_asset(self.project, asset_id)
        finally:
            self._drop_asset_caches()

    def restore_asset(self, row: dict[str, Any]) -> int:
        try:
            return edits.restore_asset(self.project, row)
        finally:
            self._drop_asset_caches()

    def delete_assets(self, ids: list[int]) -> list[dict[str, Any]]:
        """Delete many assets in one transaction; their rows, for undo."""
        try:
            return edits.delete_assets(self.project, ids)
        finally:
            self._drop_asset_caches()

    def restore_assets(self, rows: list[dict[str, Any]]) -> int:
        try:
            return edits.restore_assets(self.project, rows)
        finally:
            self._drop_asset_caches()

    def update_assets(self, changes: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
        """Change many assets in one transaction; their previous values, for undo."""
        try:
            return edits.update_assets(self.project, changes)
        finally:
            self._drop_asset_caches()

    def asset_ids_in_category(self, category: str) -> list[int]:
        return edits.asset_ids_in_category(self.project, category)

    def _drop_asset_caches(self) -> None:
        with self._cache_lock:
            for key in ("assets", "asset_areas", "summary"):
                self._cache.pop(key, None)

