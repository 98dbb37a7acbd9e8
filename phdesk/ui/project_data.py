"""What the main window shows, read from the project in one background job, and the mapping
parameters of a recorded run. Plain data: nothing here touches a widget."""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:   # only for the annotations: the window imports this before pandas is loaded
    import pandas as pd

    from phdesk.services.project_service import ProjectService

log = logging.getLogger(__name__)


@dataclass
class ProjectData:
    """Everything the panels show, read in one background job."""

    counts: dict[str, int]
    areas: pd.DataFrame
    assets: pd.DataFrame
    summary: pd.DataFrame
    area_profile: pd.DataFrame
    segment_population: pd.DataFrame
    categories: list[str]
    segments: list[str]
    category_settings: pd.DataFrame
    last_run: dict | None
    map_layers: Any = None      # prebuilt map geometry (paths), when the map panel can take it
    provenance: pd.DataFrame | None = None   # the imports (provenance table), for the sources
    view: dict | None = None    # the window's saved choices (store/view_settings.py)


def load_project_data(service: ProjectService, build_layers=None) -> ProjectData:
    """Read what the window shows (runs on the DB worker); ``build_layers(areas, assets,
    border_lines)`` prepares the map's geometry off the GUI thread too, with the
    neighbourhood borders the service keeps in the project."""
    data = ProjectData(
        counts=service.counts(), areas=service.areas(), assets=service.assets(),
        summary=service.neighbourhood_summary(), area_profile=service.area_profile(),
        segment_population=service.segment_population(), categories=service.categories(),
        segments=service.segments(), category_settings=service.category_settings(),
        last_run=service.last_run(), provenance=service.provenance(),
        view=service.view_settings())
    if build_layers is not None:
        data.map_layers = build_layers(data.areas, data.assets, service.neighbourhood_borders)
    return data


def params_from_run(run: dict | None):
    """MappingParams rebuilt from a recorded run's parameters (None if there is no run)."""
    if not run or not isinstance(run.get("parameters"), dict):
        return None
    from phdesk.core.mapping import MappingParams

    known = {f.name for f in fields(MappingParams)}
    values: dict[str, Any] = {k: v for k, v in run["parameters"].items() if k in known}
    if "e2sfca_weights" in values:
        values["e2sfca_weights"] = tuple(values["e2sfca_weights"])
    try:
        return MappingParams(**values)
    except (TypeError, ValueError):
        log.warning("could not rebuild mapping parameters from run %s", run.get("id"))
        return None
