"""The measure catalogue: one home for every measure phdesk computes or shows.

Each :class:`Measure` gives a column's key (its name in the tables and CSV files), a plain-English
label for screens, its unit, the level it describes, a one- or two-sentence description (used for
tooltips, help and docs/mapping.md), its disclosure class and how many decimals to show.

Why one home: the map, charts, tables, CLI outputs, exports and the docs all name and describe
the same measures; written out in each of them they drifted apart (docs/ARCHITECTURE.md, "The
mapping engine"). Read labels and units from here; do not keep another list.

Disclosure classes (for exports that must not reveal small numbers of people):

* ``count`` - a count of people (population, residents covered);
* ``derived`` - a rate or share built on people counts (coverage %, access per 1,000);
* ``none`` - distances, counts of assets, public statistics (IMD deciles), model outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = ("area", "neighbourhood", "inequality", "asset")

#: Core20 (of Core20PLUS5): residents of the most deprived 20% of areas in England, i.e. national
#: IMD deciles 1 and 2. The one definition: segments, the map and the neighbourhood summary use it.
CORE20_DECILES = (1, 2)


def is_core20(decile) -> np.ndarray:
    """True where an area's national IMD decile is a Core20 decile (NaN/unknown: False)."""
    d = np.asarray(decile, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isin(d, CORE20_DECILES)

DISCLOSURE = ("count", "derived", "none")


@dataclass(frozen=True)
class Measure:
    """One measure. ``level``: where it is computed ("area" | "neighbourhood" | "inequality" |
    "asset"); ``also``: other levels where the same column means the same thing (e.g. 2SFCA
    access is per area and, population-weighted, per neighbourhood). ``decimals``: display
    rounding (CSV files keep full precision, see docs/mapping.md)."""

    key: str
    label: str
    unit: str
    level: str
    description: str
    disclosure: str
    decimals: int
    also: tuple[str, ...] = ()
    diverging: bool = False   # values either side of 0 mean opposite things (gap score)

    def __post_init__(self) -> None:
        if self.level not in LEVELS or any(lv not in LEVELS for lv in self.also):
            raise ValueError(f"{self.key}: unknown level {self.level!r} / {self.also!r}")
        if self.disclosure not in DISCLOSURE:
            raise ValueError(f"{self.key}: unknown disclosure class {self.disclosure!r}")

    def levels(self) -> tuple[str, ...]:
        return (self.level, *self.also)

    def format(self, value: float) -> str:
        """The value rounded for display, with thousands separators ('' when missing)."""
        try:
            v = float(value)
        except (TypeError, ValueError):
            return ""
        if v != v:   # NaN
            return ""
        return f"{v:,.{self.decimals}f}"


_PCT, _PP, _PER1K = "%", "percentage points", "per 1,000 residents"
_A, _N, _I, _S = "area", "neighbourhood", "inequality", "asset"

_ALL: tuple[Measure, ...] = (
    # -- people -------------------------------------------------------------------------------
    Measure("population", "Population (people)", "people", _A,
            "Residents of the population segment (everyone for 'All') in the area or "
            "neighbourhood: the need a service answers.", "count", 0, also=(_N,)),
    Measure("imd_decile", "IMD decile (1 = most deprived)", "decile", _A,
            "National Index of Multiple Deprivation decile of the area, 1 = the most deprived "
            "10% of areas in England, 10 = the least deprived.", "none", 0),
    Measure("core20_pct", "Core20 share of residents (%)", _PCT, _N,
            "Share of the neighbourhood's residents living in the most deprived 20% of areas in "
            "England (IMD deciles 1 and 2), the Core20 of Core20PLUS5.", "derived", 1),
    # -- reach --------------------------------------------------------------------------------
    Measure("assets_within", "Sites within reach (count)", "count", _A,
            "Sites of the category whose catchment radius reaches the area's point "
            "(population-weighted centroid where known).", "none", 0),
    Measure("nearest_m", "Distance to the nearest site (m)", "metres", _A,
            "Straight-line distance from the area's point to the nearest site of the "
            "category, in metres.", "none", 0),
    Measure("covered", "Within reach of a site", "yes/no", _A,
            "True when at least one site of the category is within reach of the area.",
            "none", 0),
    Measure("assets_inside", "Sites in the neighbourhood (count)", "count", _N,
            "Sites of the category located inside the neighbourhood.", "none", 0),
    Measure("assets_per_10k", "Sites per 10,000 residents", "per 10,000 residents", _N,
            "Sites of the category inside the neighbourhood per 10,000 residents of the "
            "segment.", "derived", 2),
    Measure("coverage_pct", "Residents within reach (%)", _PCT, _N,
            "Share of the segment's residents living in areas within reach of at least one "
            "site of the category. A count of all residents, not a sample: no interval.",
            "derived", 1),
    Measure("coverage_pct_r050", "Residents within reach at half the radius (%)", _PCT, _N,
            "Coverage with every catchment radius halved: how much the figure depends on "
            "the radius chosen.", "derived", 1),
    Measure("coverage_pct_r150", "Residents within reach at 1.5 times the radius (%)", _PCT, _N,
            "Coverage with every catchment radius 1.5 times as long: how much the figure "
            "depends on the radius chosen.", "derived", 1),
    Measure("choice_pct", "Residents with a choice of sites (%)", _PCT, _N,
            "Share of the segment's residents within reach of two or more sites of the "
            "category. High in any city; it is choice, not duplication.", "derived", 1),
    Measure("duplicated_pct", "Duplicated provision (% of need)", _PCT, _N,
            "Capacity the residents reach above the study area's rate per resident, counted "
            "only where they can reach two or more sites, as a share of what they would reach "
            "at that rate: provision beyond need where providers overlap.", "derived", 1),
    # -- access -------------------------------------------------------------------------------
    Measure("access_2sfca", "Places per 1,000 residents (2SFCA)", _PER1K, _A,
            "Two-step floating catchment access: each site's capacity shared among the people "
            "within its reach, summed over the sites within reach of the area, per 1,000 "
            "residents. A neighbourhood's figure is the mean over its residents.",
            "derived", 2, also=(_N,)),
    Measure("access_e2sfca", "Places per 1,000 residents (enhanced 2SFCA)", _PER1K, _A,
            "As 2SFCA, with nearer people and sites weighted more (step weights 1, 0.68, 0.22 "
            "over thirds of the radius).", "derived", 2, also=(_N,)),
    Measure("access_ratio", "Access against the study area (%)", _PCT, _N,
            "The neighbourhood's 2SFCA access as a percentage of the whole study area's: 100 = "
            "the same as the study area, 0 = no site within reach of anyone.", "derived", 0),
    Measure("no_site_pct", "Residents with no site within reach (%)", _PCT, _N,
            "Share of the segment's residents with no site of the category within reach, "
            "stated plainly (100 minus coverage).", "derived", 1),
    Measure("shortfall", "Shortfall against the study area (places)", "places", _N,
            "Capacity the neighbourhood's residents would need to reach the study area's rate "
            "per resident, in the category's capacity units (0 when at or above it).",
            "derived", 1),
    Measure("gap_score", "Gap score (points; above 0 = need exceeds provision)", _PP, _N,
            "The neighbourhood's share of the segment's residents minus its share of the "
            "capacity they reach, in percentage points; relative: it sums to 0 over the study "
            "area.", "derived", 1, diverging=True),
    Measure("gap_rank", "Gap rank (1 = biggest gap)", "rank", _N,
            "Rank of the gap score among the study area's neighbourhoods for the segment and "
            "category; areas outside the study area are never ranked.", "derived", 0),
    # -- inequality (SII/RII across IMD deciles) ----------------------------------------------
    Measure("sii", "Slope index of inequality", "units of the measure", _I,
            "Modelled difference in the measure from the most to the least deprived end of "
            "the IMD deciles; positive = the measure rises with affluence.", "derived", 2),
    Measure("sii_lower", "SII lower 95% limit", "units of the measure", _I,
            "95% lower limit of the SII (simulation).", "derived", 2),
    Measure("sii_upper", "SII upper 95% limit", "units of the measure", _I,
            "95% upper limit of the SII (simulation).", "derived", 2),
    Measure("rii", "Relative index of inequality", "ratio", _I,
            "Modelled value at the least deprived end divided by the value at the most "
            "deprived end; never negative.", "derived", 2),
    Measure("rii_lower", "RII lower 95% limit", "ratio", _I,
            "95% lower limit of the RII.", "derived", 2),
    Measure("rii_upper", "RII upper 95% limit", "ratio", _I,
            "95% upper limit of the RII.", "derived", 2),
    Measure("intercept", "Modelled value, most deprived", "units of the measure", _I,
            "Modelled value of the measure at the most deprived end.", "derived", 2),
    # -- assets -------------------------------------------------------------------------------
    Measure("capacity", "Capacity", "capacity units", _S,
            "What a site offers, in the category's capacity unit (registered patients for GP "
            "practices with list sizes; otherwise the register's capacity, else 1 per site).",
            "none", 0),
    Measure("easting", "Easting (m)", "metres", _S,
            "Easting of the site, metres (EPSG:27700).", "none", 0),
    Measure("northing", "Northing (m)", "metres", _S,
            "Northing of the site, metres (EPSG:27700).", "none", 0),
)

MEASURES: dict[str, Measure] = {m.key: m for m in _ALL}
if len(MEASURES) != len(_ALL):   # a key twice would silently hide one description
    raise RuntimeError("duplicate measure key in phdesk.core.measures")


def measure(key: str) -> Measure:
    """The measure with this key; KeyError naming it when there is none."""
    try:
        return MEASURES[key]
    except KeyError:
        raise KeyError(f"no measure {key!r} in phdesk.core.measures") from None


def measures_for(level: str) -> list[Measure]:
    """The measures computed at ``level`` (or meaning the same there), in catalogue order."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    return [m for m in _ALL if level in m.levels()]


__all__ = ["Measure", "MEASURES", "LEVELS", "DISCLOSURE", "CORE20_DECILES", "is_core20",
           "measure", "measures_for"]
