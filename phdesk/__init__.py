"""phdesk: offline neighbourhood health and care planning for England.

The Python API (see ``phdesk.api`` and README.md), imported on first use so that ``import
phdesk`` stays light:

``phdesk.open_project(path)``
    open a ``.phdesk`` project (use ``with``);
``phdesk.run_mapping(project, scenario=None, radius_m=None, categories=None)``
    run asset mapping (on a scenario if named) and return the result;
``phdesk.results(project, result=None, protected=True)``
    the five mapping tables as pandas data frames, disclosure control applied;
``phdesk.export(project, out, result=None, scenario=None, against=None, neighbourhoods=None)``
    write an .xlsx, .pdf, .geojson, .png or .csv output.
"""

__version__ = "0.1.0"

_API = ("open_project", "run_mapping", "results", "export", "OpenProject")


def __getattr__(name: str):
    if name in _API:
        # by name: ``phdesk.__version__`` is read by every layer, and a static import here
        # would make them all depend on the API (and the API on the services)
        import importlib

        return getattr(importlib.import_module("phdesk.api"), name)
    raise AttributeError(f"module 'phdesk' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
