"""The mapping engine: stages over small work objects, kept between runs for live what-ifs.

Stages (docs/ARCHITECTURE.md, "The mapping engine"):

1. areas and population (``mapping_stages.prepare_areas``), kept while the inputs are the same;
2. placement of the assets (``mapping_stages.place_assets``) and the category rules;
3. per category: catchment pairs and the access kernels (``mapping_kernels.compute_kernel``),
   then the neighbourhood measures (``mapping_measures.neighbourhood_arrays``) - cached by what
   the category depends on (its sites, radius and demand), so a what-if that moves one site
   recomputes one category;
4. inequality (``mapping_inequality``), deferred until the table is asked for, cached the same
   way;
5. assembly: a :class:`~phdesk.core.mapping_result.MappingResult` over the arrays; long tables
   are built only when shown or written.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from phdesk.core.categories import DEFAULT_RADIUS_M
from phdesk.core.errors import UserError
from phdesk.core.mapping_inequality import inequality_rows
from phdesk.core.mapping_kernels import (
    RADIUS_SENSITIVITY,
    CategoryKernel,
    compute_kernel,
    fill_edges,
    signature,
)
from phdesk.core.mapping_measures import core20_share, neighbourhood_arrays, share_areas
from phdesk.core.mapping_result import MappingResult
from phdesk.core.mapping_reuse import moved_work
from phdesk.core.mapping_rules import category_rules, settings_key
from phdesk.core.mapping_stages import AreaWork, AssetWork, place_assets, prepare_areas
from phdesk.core.mapping_tables import ResultArrays
from phdesk.core.mapping_threads import using, workers
from phdesk.core.mapping_whatif import update_kernel
from phdesk.core.progress import Progress, ProgressFn, as_progress

SII_SEED = 20031  # fixed, so a run's inequality limits are reproducible


@dataclass
class MappingParams:
    """What to map and how. Radii in metres (straight line, EPSG:27700)."""

    default_radius_m: float = DEFAULT_RADIUS_M
    radius_m: dict[str, float] = field(default_factory=dict)   # per-category override (metres)
    radius_override: bool = False      # CLI --radius: default_radius_m for every category
    categories: list[str] | None = None   # None = all
    segments: list[str] | None = None     # None = all available
    e2sfca_weights: tuple[float, float, float] = (1.0, 0.68, 0.22)
    sii_repetitions: int = 10_000      # simulation draws for the SII/RII limits


@dataclass
class MappingInputs:
    """Everything the engine needs, as plain frames (EPSG:27700 metres).

    areas: code, neighbourhood (or None), geometry (shapely or None), centroid_e/n,
    pw_centroid_e/n, imd_decile (optional), level (optional).
    assets: id, name, category, easting, northing, capacity, source_id.
    segments: area_code, segment, population.
    neighbourhoods: name, geometry (optional; for areas missing from the lookup).
    settings: saved category settings: category, radius_m, serves (list), universal (optional).
    list_sizes: registered patients per GP practice code (upper case), the capacity of assets
    whose source_id matches (optional).
    info: where the population came from (copied into the summary).
    """

    areas: pd.DataFrame
    assets: pd.DataFrame
    segments: pd.DataFrame
    neighbourhoods: pd.DataFrame | None = None
    settings: pd.DataFrame | None = None
    info: dict = field(default_factory=dict)
    list_sizes: pd.Series | None = None


def _moved(assets: pd.DataFrame, move: dict) -> pd.DataFrame:
    """A copy of the register with the given sites at new places (UserError: unknown id)."""
    ids = assets["id"].to_numpy()
    east = assets["easting"].to_numpy(dtype=float, copy=True)
    north = assets["northing"].to_numpy(dtype=float, copy=True)
    for asset_id, (x, y) in move.items():
        hit = ids == asset_id
        if not hit.any():
            raise UserError(f"what-if: no asset with id {asset_id!r} to move")
        east[hit], north[hit] = float(x), float(y)
    return assets.assign(easting=east, northing=north)


def _area_counts(area: AreaWork) -> dict:
    """The summary's counts about the areas (the same for every run of an engine)."""
    if "summary_counts" not in area._cache:
        pts = pd.Series(area.point_src).value_counts()
        area._cache["summary_counts"] = dict(
            areas=area.n, areas_without_location=int((area.point_src == "none").sum()),
            area_points={str(k): int(v) for k, v in pts.items()},
            areas_without_imd_decile=int((~pd.notna(area.decile)).sum()),
            neighbourhoods=len(area.nb_list) if area.has_lookup else 0)
    return {k: dict(v) if isinstance(v, dict) else v
            for k, v in area._cache["summary_counts"].items()}   # a copy of its own


def _population_total(area: AreaWork) -> float:
    if "population_total" not in area._cache:
        area._cache["population_total"] = float(area.pop[:, 0].sum())
    return area._cache["population_total"]


def check_params(params: MappingParams) -> None:
    """Refuse radii that are not positive numbers and bad E2SFCA weights (UserError)."""
    radii = {"default": params.default_radius_m, **params.radius_m}
    bad = [f"{k} ({v!r})" for k, v in radii.items()
           if isinstance(v, bool) or not isinstance(v, numbers.Real)
           or not 0 < float(v) < float("inf")]
    if bad:
        raise UserError(f"catchment radius must be a positive number of metres: {', '.join(bad)}")
    # plain floats from here on (numpy numbers would be saved as strings in the run record)
    params.default_radius_m = float(params.default_radius_m)
    params.radius_m = {k: float(v) for k, v in params.radius_m.items()}
    w = params.e2sfca_weights
    if len(w) != 3 or any(not 0 <= float(x) < float("inf") for x in w) or not any(w):
        raise UserError(f"E2SFCA weights must be three numbers >= 0, not all 0 (got {w!r})")


@dataclass
class _Run:
    """What a live what-if starts from: the run's placed assets, kernels by category and each
    category's signature (``mapping_kernels.signature``)."""

    assets: AssetWork
    kernels: dict[str, CategoryKernel]
    sigs: list[tuple]

    def unchanged(self, aw: AssetWork, radii: list, demands: list) -> set[int]:
        """The categories of ``aw`` whose signature is the run's without computing it: the
        run's rows and codes (a site moved or resized), none of the category's sites at
        another place or capacity, the same radius and demand."""
        base = self.assets
        if (aw.frame is not base.frame or aw.cat_codes is not base.cat_codes
                or len(self.sigs) != len(aw.categories)):
            return set()
        rows = np.flatnonzero((aw.bx != base.bx) | (aw.by != base.by)
                              | (aw.capacity != base.capacity))
        changed = set(aw.cat_codes[rows].tolist())
        return {c for c, sig in enumerate(self.sigs)
                if c not in changed and sig[1] == float(radii[c]) and sig[2] == tuple(demands[c])}


class MappingEngine:
    """``MappingEngine(inputs, params).run()`` computes a full result; ``.whatif(assets)``
    computes the result for another asset register (a site added, moved, closed or resized)
    reusing every category whose sites did not change. Both return a MappingResult equal to
    ``compute_mapping`` on those inputs."""

    def __init__(self, inputs: MappingInputs, params: MappingParams | None = None,
                 live: bool = False, threads: int | None = None) -> None:
        """``live``: keep the run's catchment pairs (memory: a few numbers per area-site pair)
        so a what-if updates a changed category for its changed sites only; without it a
        changed category is computed whole (as ``compute_mapping`` does, which keeps none).
        ``threads``: worker threads for the stages that split (``core/mapping_threads``;
        None: ``PHDESK_THREADS``, else the processors; 1: none). Every number is the same
        whatever the count."""
        self.inputs = inputs
        self.threads = threads
        self.params = params or MappingParams()
        check_params(self.params)
        self.live = live
        self._area: AreaWork | None = None
        self._kept: dict[tuple, tuple] = {}     # signature -> (kernel, nb arrays) of the run
        self._recent: dict[tuple, tuple] = {}   # ... of the last what-if
        self._ineq: dict[tuple, list[dict]] = {}
        self._ids = None   # the register's ids (every row), read once for moves
        self._settings: tuple | None = None   # (inputs.settings, its settings_key)
        self._base: _Run | None = None   # the run's assets, kernels and signatures

    def areas(self) -> AreaWork:
        if self._area is None:
            i = self.inputs
            with using(self.threads):
                self._area = prepare_areas(i.areas, i.segments, i.neighbourhoods,
                                           self.params.segments)
        return self._area

    @property
    def has_run(self) -> bool:
        """True once :meth:`run` has computed the baseline a what-if is updated from."""
        return self._base is not None

    def run(self, progress: ProgressFn | Progress | None = None) -> MappingResult:
        with using(self.threads):
            result, self._kept = self._compute(self.inputs.assets, self.inputs.settings,
                                               as_progress(progress))
        arrays = result.arrays
        self._base = _Run(arrays.assets, {k.category: k for k in arrays.kernels},
                          list(self._kept))
        return result

    def whatif(self, assets: pd.DataFrame | None = None, *, move: dict | None = None,
               settings: pd.DataFrame | None = None) -> MappingResult:
        """The result with ``assets`` as the register (same columns as ``inputs.assets``), or
        the inputs' register with sites moved: ``move={asset_id: (easting, northing)}``
        (metres, EPSG:27700); ``settings``: other category settings (a radius changed).
        Only the categories whose sites or rules changed are recomputed (from the run's pairs
        when the engine is ``live``); the SII simulations wait until the inequality table is
        asked for."""
        work = None
        if move and assets is None and self._base is not None:   # the run's rows, a few moved
            if self._ids is None:
                self._ids = self.inputs.assets["id"].to_numpy()
            work = moved_work(self.areas(), self._base.assets, self._ids, move)
        if assets is None:
            assets = self.inputs.assets
        if move and work is None:
            assets = _moved(assets, move)
        if settings is None:
            settings = self.inputs.settings
        with using(self.threads):
            result, self._recent = self._compute(assets, settings, as_progress(None), work)
        return result

    def _kernel(self, area: AreaWork, aw: AssetWork, c: int, radius: float, demand: list[str]
                ) -> tuple[CategoryKernel, bool]:
        """A changed category's kernel: updated from the run's when the engine is live; and
        whether its edge test was left for ``fill_edges`` (done once for all new kernels)."""
        w = self.params.e2sfca_weights
        base = self._base.kernels.get(aw.categories[c]) if self._base else None
        if self.live and base is not None:
            return update_kernel(area, aw, c, radius, demand, w, base, self._base.assets), False
        return compute_kernel(area, aw, c, radius, demand, w, keep_pairs=self.live,
                              edges=False), True

    def _compute(self, assets: pd.DataFrame, settings: pd.DataFrame | None, prog,
                 work: AssetWork | None = None) -> tuple[MappingResult, dict]:
        """One run over ``assets`` (already placed: ``work``)."""
        t0 = time.perf_counter()
        params = self.params
        prog(0.0, "Preparing areas")
        area = self.areas()
        prog(0.05, "Placing assets")
        aw = work or place_assets(area, assets, params.categories, self.inputs.list_sizes,
                                  base=self._base.assets if self._base else None)
        if self._settings is None or self._settings[0] is not self.inputs.settings:
            self._settings = (self.inputs.settings, settings_key(self.inputs.settings))
        rules, rule_notes, lists = category_rules(
            aw, area, settings, params,
            self._settings[1] if settings is self.inputs.settings else None)
        radii, demands = lists["radius_m"], lists["demand"]
        same = self._base.unchanged(aw, radii, demands) if self._base else set()
        sigs, hits, todo = [], [], []
        for c in range(len(aw.categories)):
            sigs.append(self._base.sigs[c] if c in same else
                        signature(aw, c, float(radii[c]), list(demands[c])))
            hits.append(self._kept.get(sigs[c]) or self._recent.get(sigs[c]))
            if hits[c] is None:
                todo.append(c)
        # the changed categories, one part each on the engine's threads (each computed as on
        # its own: the same numbers whatever the thread count); what they share built first
        share_areas(area, [RADIUS_SENSITIVITY[1] * float(radii[c]) for c in todo])

        def one(c: int) -> tuple:
            k, deferred = self._kernel(area, aw, c, float(radii[c]), list(demands[c]))
            return k, neighbourhood_arrays(area, k), deferred

        new = []
        for n, (c, (k, nb, deferred)) in enumerate(zip(todo, workers().imap(one, todo),
                                                      strict=True)):
            prog(0.1 + 0.8 * n / len(todo), f"Mapped {aw.categories[c]}")
            hits[c] = (k, nb)
            if deferred:
                new.append(k)
        used = dict(zip(sigs, hits, strict=True))
        kernels, nbs = [h[0] for h in hits], [h[1] for h in hits]
        prog(0.9, "Checking the edges of the catchments")
        fill_edges(area, aw, new, remember=self.live)   # one test for every new kernel
        sigs = list(used)

        def inequality() -> list[dict]:
            todo = {sig: k for sig, k in zip(sigs, kernels, strict=True)
                    if sig not in self._ineq}
            if todo:   # the categories not yet simulated, set up and simulated together
                with using(self.threads):   # asked for later, maybe from another thread
                    found = inequality_rows(area, list(todo.values()),
                                            params.sii_repetitions, SII_SEED)
                self._ineq.update(zip(todo, found, strict=True))
            return [row for sig in sigs for row in self._ineq[sig]]

        prog(0.95, "Assembling")
        arrays = ResultArrays(area, aw, rules, kernels, nbs, core20_share(area), inequality,
                              lambda: all(sig in self._ineq for sig in sigs))
        summary = self._summary(area, aw, lists, rule_notes, kernels)
        summary["seconds"] = round(time.perf_counter() - t0, 3)
        prog(1.0, "Mapping done")
        return MappingResult(params, run_id=None, finished_at="", summary=summary,
                             arrays=arrays), used

    def _summary(self, area: AreaWork, aw, rules: dict[str, list], rule_notes: list[str],
                 kernels: list) -> dict:
        info = self.inputs.info
        summary = {k: v for k, v in info.items() if k != "notes"}
        notes = list(info.get("notes", [])) + area.notes + aw.notes + rule_notes
        edges = [f"{k.category} {k.edge_sites} of {k.reaching_sites} "
                 f"({100 * k.edge_capacity_share:.0f}% of their capacity)"
                 for k in kernels if k.edge_sites]
        if edges:
            notes.append(
                "sites within reach of the study area whose catchments run beyond the areas "
                f"with population: {'; '.join(edges)}. People beyond are not counted as "
                "demand, so access near the edge may read high: import the areas and "
                "population around the study area")
        summary.update(area.summary)
        summary.update(aw.summary)
        summary.update(_area_counts(area))
        summary.update(
            assets_mapped=len(aw.frame), catchment_pairs=sum(k.within_total for k in kernels),
            population_total=_population_total(area), segments=list(area.segments),
            categories={c: {"radius_m": float(r), "serves": list(sv), "universal": bool(u),
                            "demand": list(dm), "capacity_unit": cu, "assets": len(k.sites),
                            "edge_sites": k.edge_sites}
                        for c, r, sv, u, dm, cu, k in zip(
                            rules["category"], rules["radius_m"], rules["serves"],
                            rules["universal"], rules["demand"], rules["capacity_unit"], kernels,
                            strict=True)},
            notes=notes)
        return summary
