"""What a PNG map is shaded by: the IMD decile (the default), or any measure the window's map
offers, taken from the export bundle's *protected* tables so the picture says no more than the
workbook (docs/ARCHITECTURE.md, "Outputs": one export path, one disclosure rule).

A value the rule hides (``*``) is drawn as "no data"; a profile population that is itself
patient-derived (the "All" segment from an extract) is not drawn at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

from phdesk.core.disclosure import PATIENT
from phdesk.core.errors import UserError
from phdesk.export.bundle import ExportBundle
from phdesk.ui import map_layers as ml
from phdesk.ui import map_text as mt


@dataclass(frozen=True)
class Shading:
    """Per area row of ``bundle.areas``: its class (-1 = no data); the classes' colours and
    legend labels; the legend's title."""

    title: str
    colours: list[str]
    labels: list[str]
    classes: np.ndarray


def measure_keys() -> list[str]:
    """Every measure a PNG map can be shaded by (the window map's list)."""
    return sorted({m.key for m in ml.MEASURES})


def shading(bundle: ExportBundle, key: str, level: str | None = None,
            category: str | None = None, segment: str | None = None) -> Shading:
    """Shade ``bundle.areas`` by the measure ``key`` at ``level`` ("areas" or
    "neighbourhoods"; the first the map offers when None), for one ``category`` and
    ``segment`` (default "All") when the measure comes from a mapping run."""
    found = [m for m in ml.MEASURES if m.key == key and level in (None, m.level)]
    if not found:
        raise UserError(f"PNG: no map measure {key!r}" + (f" for {level}" if level else "")
                        + f"; choose one of {', '.join(measure_keys())}")
    # "population" is both the profile's (everyone) and a run's (one segment): a category
    # asks for the run's
    measure = next((m for m in found if (m.source == "result") == (category is not None)),
                   found[0])
    areas = bundle.areas
    hidden = False
    if measure.source == "profile":
        profile = bundle.extra.get("profile")
        if profile is None:
            raise UserError(f"PNG: {measure.label} needs the project's area profile")
        hidden = measure.key != "imd_decile" and bundle.classes.get("All") == PATIENT
        values, _ = ml.measure_values(measure, areas, profile, None, None, None)
    else:
        cats = sorted(set(bundle.tables["area_access"]["category"].astype(str)))
        if category is None or category not in cats:
            raise UserError(f"PNG: {measure.label} is per category: give one of "
                            f"{', '.join(cats)}" + (f" (not {category!r})" if category else ""))
        segment = segment or "All"
        shown = SimpleNamespace(**{t: _numeric(bundle.tables[t], key) for t in
                                   ("area_access", "neighbourhood_segments")})
        values, _ = ml.measure_values(measure, areas, None, shown, segment, category)
    if hidden:
        values = np.full(len(areas), np.nan)
    classes = mt.classify_measure(measure, values)
    where = f" ({measure.level})" + (f", {category} · {segment}" if category else "")
    title = f"{measure.label}{where}" + (": hidden (patient-derived)" if hidden else "")
    return Shading(title, list(classes.colours), list(classes.labels),
                   np.asarray(classes.of_value, dtype=np.int64))


def _numeric(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """``table`` with column ``key`` as numbers (a protected ``*`` becomes NaN: no data)."""
    if key not in table:
        return table
    return table.assign(**{key: pd.to_numeric(table[key], errors="coerce")})
