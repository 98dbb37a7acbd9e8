"""The Python API for analysts: ``import phdesk``, then these functions (the CLI uses them too).

Example::

    import phdesk

    with phdesk.open_project("kingsbridge.phdesk") as project:
        result = phdesk.run_mapping(project)                 # or scenario="New hub"
        tables = phdesk.results(project, result)             # protected data frames
        print(tables["neighbourhood_segments"].head())
        phdesk.export(project, "kingsbridge.xlsx", result=result)

Every table from :func:`results` and every file from :func:`export` has the project's
disclosure rule applied (``protected=False`` gives the exact figures for analysis that is not
shared).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from phdesk.core.disclosure import DisclosureRule
    from phdesk.core.mapping import MappingParams, MappingResult
    from phdesk.services.project_service import ProjectService


class OpenProject:
    """An open ``.phdesk`` project (close it, or use ``with``)."""

    def __init__(self, service: ProjectService) -> None:
        self.service = service

    @property
    def path(self) -> Path:
        return self.service.path

    def close(self) -> None:
        self.service.close()

    def __enter__(self) -> OpenProject:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<phdesk project {self.service.title()!r} ({self.path})>"

    def disclosure_rule(self) -> DisclosureRule:
        """The project's disclosure rule (``phdesk.core.disclosure.DisclosureRule``)."""
        return self.service.disclosure_rule()

    def set_disclosure_rule(self, rule: DisclosureRule) -> DisclosureRule:
        """Save a new rule (turning it off needs ``reason``); the change is logged."""
        return self.service.set_disclosure_rule(rule)


def _service(project) -> ProjectService:
    from phdesk.services.project_service import ProjectService

    if isinstance(project, OpenProject):
        return project.service
    if isinstance(project, ProjectService):
        return project
    raise TypeError("expected a project from phdesk.open_project()")


def open_project(path: str | Path) -> OpenProject:
    """Open a project file (an older file is backed up and upgraded first)."""
    from phdesk.services.project_service import ProjectService

    return OpenProject(ProjectService.open(path))


def run_mapping(project, scenario: str | None = None, *, radius_m: float | None = None,
                categories: list[str] | None = None, params: MappingParams | None = None,
                progress=None) -> MappingResult:
    """Run asset mapping on the current register (or on ``scenario``) and record the run.

    radius_m: one catchment radius in metres for every category; categories: only these;
    params: full ``MappingParams`` (default: the last run's parameters).
    """
    from phdesk.export import last_params, scenario_runs

    service = _service(project)
    if params is None:
        params = last_params(service)
        if radius_m is not None:
            params.default_radius_m, params.radius_override = float(radius_m), True
        if categories:
            params.categories = list(categories)
    result, _ = scenario_runs(service, scenario, None, params, progress)
    return result


def results(project, result: MappingResult | None = None, protected: bool = True
            ) -> dict[str, pd.DataFrame]:
    """The mapping tables as data frames (``neighbourhood_segments``, ``area_access``,
    ``assets``, ``cold_spots``, ``inequality``, …; columns: docs/mapping.md), with the project's
    disclosure rule applied unless ``protected=False``. Runs the mapping if no result given."""
    service = _service(project)
    result = result or service.last_result or run_mapping(project)
    if not protected:
        from phdesk.core.disclosure_tables import TABLES

        return {t: getattr(result, t).copy() for t in TABLES}
    from phdesk.export.bundle import build_bundle

    return build_bundle(service, result).tables


def export(project, out: str | Path, *, result: MappingResult | None = None,
           scenario: str | None = None, against: str | None = None,
           neighbourhoods: list[str] | None = None, progress=None, **options) -> list[Path]:
    """Write ``out`` by its extension (.xlsx, .pdf, .geojson, .png, .csv); returns the files.

    Without ``result`` the mapping (or ``scenario``, compared with ``against`` or the current
    register) is run first. PNG options: ``what`` (map | gaps), ``width``, ``height``, ``dpi``.
    """
    from phdesk.export import export as _export

    return _export(_service(project), out, result=result, scenario=scenario, against=against,
                   neighbourhoods=neighbourhoods, progress=progress, **options)


__all__ = ["open_project", "run_mapping", "results", "export", "OpenProject"]
