"""One export path for every output (window, command line, Python API), chosen by extension.

``.xlsx`` workbook, ``.pdf`` neighbourhood report, ``.geojson`` areas/neighbourhoods/assets in
EPSG:4326, ``.png`` the map or a chart, ``.csv`` the five mapping tables. Every format reads one
:class:`~phdesk.export.bundle.ExportBundle`, so the project's disclosure rule is applied once and
stated on every output (docs/ARCHITECTURE.md, "Outputs and disclosure control").
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING

from phdesk.core.csv_out import make_folder
from phdesk.core.errors import UserError
from phdesk.core.progress import as_progress

if TYPE_CHECKING:
    from phdesk.core.mapping import MappingParams, MappingResult
    from phdesk.export.bundle import ExportBundle
    from phdesk.services.project_service import ProjectService

# extension -> module with ``write(bundle, path, **options) -> list[Path]``; the Qt renderers
# live in phdesk.ui (core and this package cannot need a display)
WRITERS = {".xlsx": "phdesk.export.xlsx", ".csv": "phdesk.export.csv_tables",
           ".geojson": "phdesk.export.geojson", ".pdf": "phdesk.ui.report_pdf",
           ".png": "phdesk.ui.report_png"}
FORMATS = {".xlsx": "Excel workbook", ".pdf": "PDF report", ".geojson": "GeoJSON map data",
           ".png": "PNG image (map)", ".csv": "CSV tables"}


def writer_for(out: str | Path):
    """The writer module for ``out``'s extension; UserError naming the formats otherwise."""
    ext = Path(out).suffix.lower()
    if ext not in WRITERS:
        raise UserError(f"{out}: cannot export to '{ext or 'no extension'}'; use one of "
                        f"{', '.join(WRITERS)}")
    return importlib.import_module(WRITERS[ext])


def scenario_runs(service: ProjectService, scenario: str | None, against: str | None,
                  params: MappingParams | None, progress=None
                  ) -> tuple[MappingResult, MappingResult | None]:
    """(result, baseline or None): the current register's run (recorded), or a scenario's run
    and the run it is compared with (``against`` or the current register; scenario runs are not
    recorded, see ``phdesk.core.scenarios.run_scenario``)."""
    prog = as_progress(progress)
    if against and not scenario:
        raise UserError("--against needs --scenario (the scenario to compare with it)")
    if not scenario:
        return service.run_mapping(params or last_params(service), prog.sub(0, 0.8)), None
    try:
        from phdesk.core.scenarios import run_scenario
    except ImportError:
        raise UserError("scenarios are not available in this version of phdesk") from None
    import dataclasses

    params = params or last_params(service)
    result = run_scenario(service.project, scenario, dataclasses.replace(params),
                          prog.sub(0, 0.4))
    base = run_scenario(service.project, against, dataclasses.replace(params), prog.sub(0.4, 0.8))
    return result, base


def last_params(service: ProjectService) -> MappingParams:
    """The parameters of the project's last mapping run (the defaults if none)."""
    from phdesk.core.mapping import MappingParams

    run = service.last_run()
    if not run:
        return MappingParams()
    fields = MappingParams.__dataclass_fields__
    kept = {k: v for k, v in run["parameters"].items() if k in fields}
    if "e2sfca_weights" in kept:
        kept["e2sfca_weights"] = tuple(kept["e2sfca_weights"])
    return MappingParams(**kept)


def export(service: ProjectService, out: str | Path, *, result: MappingResult | None = None,
           base: MappingResult | None = None, scenario: str | None = None,
           against: str | None = None, neighbourhoods: list[str] | None = None,
           params: MappingParams | None = None, progress=None, cancelled=None,
           **options) -> list[Path]:
    """Write ``out`` (format by extension) from ``result``, running the mapping (or the
    scenario) first when no result is given. Returns the files written.

    options go to the writer (PNG: ``what`` = map | chart, ``width``/``height`` in pixels,
    ``dpi``).
    """
    prog = as_progress(progress, cancelled)
    writer = writer_for(out)
    make_folder(Path(out).parent)   # before the mapping: a bad folder fails at once
    if result is None:
        result, base = scenario_runs(service, scenario, against, params, prog.sub(0, 0.6))
    bundle = make_bundle(service, result, base=base, scenario=scenario, against=against,
                         neighbourhoods=neighbourhoods)
    prog(0.7, f"Writing {Path(out).name}")
    paths = writer.write(bundle, Path(out), **options)
    prog(1.0, "Export done")
    return paths


def write_map_tables(project, result: MappingResult, folder: str | Path) -> list[Path]:
    """``phdesk map --out FOLDER``: the five tables as ``FOLDER/<table>.csv`` through the same
    bundle (disclosure rule applied, text made safe) plus ``README.txt`` stating the rule."""
    from phdesk.export.csv_tables import write_readme, write_tables
    from phdesk.services.project_service import ProjectService

    bundle = make_bundle(ProjectService(project), result)
    folder = Path(folder)
    paths = write_tables(bundle.tables, folder)
    write_readme(bundle, folder / "README.txt", paths)
    return paths


def make_bundle(service, result, **kw) -> ExportBundle:
    from phdesk.export.bundle import build_bundle

    return build_bundle(service, result, **kw)


__all__ = ["export", "writer_for", "scenario_runs", "last_params", "WRITERS", "FORMATS"]


class _CallableModule(types.ModuleType):
    """``phdesk.export(project, out, ...)`` is the API function (``phdesk.api.export``); once
    this package is imported, Python makes ``phdesk.export`` the package itself, so the package
    is callable and calls that function."""

    def __call__(self, *args, **kwargs):
        from phdesk.api import export as api_export

        return api_export(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
