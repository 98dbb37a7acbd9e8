"""What the map says in words and classes: tooltips, the details box, and how a measure's values
are grouped into legend classes.

Why it exists: MapPanel handles widgets and events; the wording and the class logic are plain
functions of data frames and numbers (no widgets), easy to test and to keep consistent.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from phdesk.core.measures import is_core20
from phdesk.ui import palettes
from phdesk.ui.map_layers import Measure


@dataclass
class Classes:
    """Legend classes of one measure: ``edges`` (k + 1), ``colours`` and ``labels`` (k each),
    and the class of every value (-1 = no data)."""

    edges: np.ndarray
    colours: list[str]
    labels: list[str]
    of_value: np.ndarray


WHOLE_NUMBER_KEYS = {"nearest_m", "population"}   # legends in whole metres / people


def classify_measure(measure: Measure, values: np.ndarray, method: str = "quantiles",
                     k: int = 5) -> Classes:
    """IMD deciles get ten fixed classes (1 = most deprived, darkest); a diverging measure whose
    values straddle 0 gets ``k`` equal classes symmetric about 0; anything else gets ``k``
    sequential classes by ``method`` (see ``palettes.class_breaks``)."""
    v = np.asarray(values, dtype=float)
    if measure.key == "imd_decile":
        edges = np.arange(0.5, 11.0, 1.0)
        labels = [f"{d}" + (" most deprived" if d == 1 else " least deprived" if d == 10
                            else "") for d in range(1, 11)]
        return Classes(edges, palettes.sequential(10)[::-1], labels, palettes.classify(v, edges))
    finite = v[np.isfinite(v)]
    if measure.diverging and len(finite) and finite.min() < 0 < finite.max():
        lim = float(np.abs(finite).max())
        edges = np.linspace(-lim, lim, k + 1)
        colours = palettes.diverging(k)
    else:
        edges = palettes.class_breaks(v, k, method)
        colours = palettes.sequential(max(0, len(edges) - 1))
    labels = palettes.legend_labels(edges)
    if measure.key in WHOLE_NUMBER_KEYS:   # metres and people: "20.5 – 366.5 m" reads as noise
        labels = [f"{a:,.0f} – {b:,.0f}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return Classes(edges, colours, labels, palettes.classify(v, edges))


def area_tooltip(area: pd.Series, measure: Measure | None, value: float) -> str:
    """Hover text for an area row (code, name, neighbourhood): name (code), neighbourhood and the
    measure's value; for a neighbourhood measure, the neighbourhood and its value."""
    label = measure.label if measure else ""
    shown = palettes.format_value(value) if measure else ""
    if measure is not None and measure.level == "neighbourhoods":
        return f"{area['neighbourhood'] or 'No neighbourhood'}\n{label}: {shown}"
    name = area["name"] if isinstance(area["name"], str) and area["name"] else area["code"]
    text = f"{name} ({area['code']})" if name != area["code"] else str(area["code"])
    if area["neighbourhood"]:
        text += f"\n{area['neighbourhood']}"
    return text + (f"\n{label}: {shown}" if label else "")


def asset_details(asset: pd.Series) -> str:
    """Details box (rich text) for an asset row: id, name, category, easting, northing."""
    return (f"<b>{html.escape(str(asset['name']))}</b><br>{html.escape(str(asset['category']))}"
            f"<br>Asset id {int(asset['id'])}<br>Easting {asset['easting']:,.0f} m, "
            f"northing {asset['northing']:,.0f} m")


def area_details(area: pd.Series, profile: pd.DataFrame | None, measure: Measure | None,
                 value: float) -> str:
    """Details box for an area: name, code, neighbourhood, population and IMD decile from the
    profile, and the measure's value."""
    parts = [f"<b>{html.escape(str(area['name'] or area['code']))}</b>", f"Area {area['code']}"]
    if area["neighbourhood"]:
        parts.append(f"Neighbourhood: {html.escape(str(area['neighbourhood']))}")
    if profile is not None:
        p = profile[profile["area_code"] == area["code"]]
        if len(p):
            parts.append(f"Population: {palettes.format_value(float(p['population'].iloc[0]))}")
            parts.append(f"IMD decile: {palettes.format_value(float(p['imd_decile'].iloc[0]))}")
    if measure is not None:
        parts.append(f"{html.escape(measure.label)}: {palettes.format_value(value)}")
    return "<br>".join(parts)


def neighbourhood_details(name: str, n_areas: int, profile: pd.DataFrame | None,
                          measure: Measure | None, values: pd.Series | None) -> str:
    """Details box for a neighbourhood: areas, population, Core20 share (IMD deciles 1-2) and
    the value of a neighbourhood measure."""
    parts = [f"<b>{html.escape(name)}</b>", f"{n_areas} areas"]
    if profile is not None and len(profile):
        p = profile[profile["neighbourhood"] == name]
        pop = pd.to_numeric(p["population"], errors="coerce")
        if pop.notna().any() and pop.sum() > 0:
            core = pop[is_core20(pd.to_numeric(p["imd_decile"], errors="coerce"))].sum()
            parts.append(f"Population: {palettes.format_value(float(pop.sum()))}")
            parts.append(f"In IMD deciles 1-2 (Core20): {100 * core / pop.sum():.0f}%")
    if measure is not None and values is not None and name in values.index:
        parts.append(f"{html.escape(measure.label)}: "
                     f"{palettes.format_value(float(values[name]))}")
    return "<br>".join(parts)


# what to import (or do) when a measure has no value for any area of the map
_EMPTY_NEXT = {
    "population": "import a population table (ONS mid-year estimates or Census 2021) coded by "
                  "the same LSOAs as the boundaries (2011 and 2021 codes differ)",
    "imd_decile": "import the Indices of Deprivation for these LSOAs (IoD 2019 is coded by "
                  "2011 LSOAs: add the ONS 2011→2021 lookup for 2021 boundaries)",
    "core20_pct": "import the Indices of Deprivation and a population table for these LSOAs",
}


def empty_reason(measure: Measure) -> str:
    """The legend's line when no area has a value: why, and what to import next."""
    if measure.source == "result":
        return "No data: run mapping (F5) with this category and segment"
    nxt = _EMPTY_NEXT.get(measure.key, "import data for these areas")
    return f"No data for any area: {nxt}"
