"""Asset mapping: which assets serve which people, per neighbourhood, and where the gaps are.

:func:`run_mapping` reads a project, calls the pure :func:`compute_mapping` (plain frames and
shapely geometries in, a :class:`MappingResult` out, so tests and benchmarks need no project) and
records the run in ``mapping_runs``. :func:`write_outputs` writes the CSV tables. For live
what-ifs keep a :class:`MappingEngine` and call ``.whatif(assets)``.

Method in brief (details in docs/mapping.md): assets are placed in areas by point in polygon; each
area is represented by its population-weighted centroid (else its polygon centroid); an area is
within reach of a site when that point is within the category's radius (metres, EPSG:27700,
inclusive). The study area is the areas with a neighbourhood; residents of the other areas count
as demand only. Coverage, choice, 2SFCA/E2SFCA access, absolute and relative gap measures and
the SII/RII follow ``phdesk.core.mapping_kernels``, ``mapping_measures`` and
``mapping_inequality``; the engine's stages are in ``phdesk.core.mapping_engine``.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import TYPE_CHECKING

import pandas as pd

from phdesk.core.mapping_engine import (
    SII_SEED,
    MappingEngine,
    MappingInputs,
    MappingParams,
)
from phdesk.core.mapping_output import write_outputs
from phdesk.core.mapping_result import MappingResult
from phdesk.core.mapping_stages import NO_NEIGHBOURHOOD
from phdesk.core.progress import CancelFn, Cancelled, Progress, ProgressFn, as_progress

if TYPE_CHECKING:
    from phdesk.store.project import Project


def load_inputs(project: Project) -> MappingInputs:
    """Read a project's areas, assets, segments, settings and GP list sizes through
    ``phdesk.store.queries``."""

    from phdesk.core.categories import practice_codes_by_postcode
    from phdesk.core.segments import project_segments
    from phdesk.core.study_area import enclosed, enclosed_note
    from phdesk.core.vintages import area_deprivation
    from phdesk.store import queries

    areas = queries.areas_frame(project)
    dep = area_deprivation(project).frame   # bridged across LSOA vintages (core/vintages.py)
    areas["imd_decile"] = areas["code"].map(
        pd.Series(dep["decile"].to_numpy(dtype=float), index=dep["area_code"].astype(str)))
    table = project_segments(project)
    nbh = queries.neighbourhood_polygons(project)
    assets = practice_codes_by_postcode(queries.assets_frame(project),
                                        queries.gp_practices_by_postcode(project))
    info = dict(table.info)
    inside = enclosed_note(areas["code"].to_numpy()[enclosed(areas["geometry"],
                                                             areas["neighbourhood"])])
    if inside:   # said where the run's notes are read, not only after the import
        info["notes"] = [*info.get("notes", []), inside]
    return MappingInputs(areas=areas, assets=assets,
                         segments=table.population, neighbourhoods=nbh,
                         settings=queries.category_settings(project), info=info,
                         list_sizes=queries.gp_list_sizes(project))


def compute_mapping(inputs: MappingInputs, params: MappingParams | None = None,
                    progress: ProgressFn | Progress | None = None,
                    threads: int | None = None) -> MappingResult:
    """Compute every mapping table from plain inputs (no project, nothing written).
    ``threads``: the engine's worker threads (None: ``PHDESK_THREADS``, else the processors;
    1: none); the numbers are the same whatever the count.

    Raises UserError when there are no areas, no population or no placed assets.
    """
    return MappingEngine(inputs, params, threads=threads).run(progress)


def run_mapping(project: Project, params: MappingParams | None = None,
                progress: ProgressFn | Progress | None = None,
                cancelled: CancelFn | None = None, record: bool = True) -> MappingResult:
    """Read the project, compute the mapping and record the run in ``mapping_runs``.

    ``record=False`` records nothing (viewing, or outputs still to be written: call
    :func:`record_run` once they are).

    Raises UserError for a project without areas, population or placed assets, and
    ``Cancelled`` (nothing recorded) when ``cancelled()`` turns True.
    """
    from phdesk.store.project import utc_now

    params = params or MappingParams()
    prog = as_progress(progress, cancelled)
    started = utc_now()
    prog(0.0, "Reading the project")
    inputs = load_inputs(project)
    result = compute_mapping(inputs, params, prog.sub(0.05, 0.97))
    result.finished_at = utc_now()
    result.started_at = started
    if record:
        prog(0.98, "Recording the run")
        record_run(project, result, params)
    # the run is recorded: a cancel pressed now is too late and must not hide the result
    with contextlib.suppress(Cancelled):
        prog(1.0, "Mapping done")
    return result


def record_run(project: Project, result: MappingResult, params: MappingParams) -> int:
    """Record a computed run in ``mapping_runs``; returns its id (also set on ``result``)."""
    from phdesk.store import records

    result.run_id = records.record_mapping_run(
        project, result.started_at or result.finished_at, result.finished_at,
        dataclasses.asdict(params), result.summary)
    return result.run_id


__all__ = ["MappingParams", "MappingResult", "MappingInputs", "MappingEngine", "compute_mapping",
           "load_inputs", "run_mapping", "record_run", "write_outputs", "NO_NEIGHBOURHOOD",
           "SII_SEED"]
