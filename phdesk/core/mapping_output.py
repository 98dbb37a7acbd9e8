"""The mapping tables: their columns and meanings, assembling them, writing them as CSV.

``TABLES`` lists each table's columns; ``DESCRIPTIONS`` describes them, measures from the
catalogue ``phdesk.core.measures`` (docs/mapping.md repeats them for readers; a test checks the
columns agree). Files are UTF-8 with a header row; numbers are written
with up to 6 decimals; empty cells are missing values (NaN).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from phdesk.core.measures import measure

if TYPE_CHECKING:
    from phdesk.core.mapping import MappingResult

# Identifier columns (what a row is about); the measures' descriptions live in the catalogue,
# phdesk.core.measures, and are looked up by column name below.
IDENTIFIERS: dict[str, str] = {
    "neighbourhood": "neighbourhood name (study-area neighbourhoods only; '(no neighbourhood)' "
                     "when the project has no lookup, or for a context area in area_access)",
    "segment": "population segment (All, Core20, IMD Q1 (most deprived)…, Age …, …)",
    "category": "asset category",
    "area_code": "area (LSOA) code",
    "study_area": "True for areas in the study area (with a neighbourhood); False for context "
                  "areas, whose residents count as demand but are not reported",
    "asset_id": "asset id in the project",
    "source_id": "the source's own code (e.g. ODS code)",
    "name": "asset name",
    "measure": "coverage (%) or access_2sfca (per 1,000)",
    "model": "the SII model: logit (proportions), log (rates) or linear (a rate with a decile "
             "at 0, which the log cannot take)",
    "deciles": "IMD deciles with residents of the segment (5 or more needed)",
    "extrapolated": "True when the deciles with residents do not reach decile 1 or 10",
    "note": "why a value is empty, or what to bear in mind",
    "radius_m": "catchment radius the run used, metres (straight line, EPSG:27700)",
    "serves": "segments the category serves (its target groups), separated by '; '",
    "universal": "True: everyone competes for the capacity (2SFCA demand = all residents); "
                 "False: only the target segments do",
    "demand": "segments whose residents are the first step's demand, separated by '; '",
    "capacity_unit": "what a site's capacity counts (registered patients, the register's "
                     "capacity, or sites at 1 each)",
    "sites": "placed sites of the category",
    "sites_reaching_study_area": "sites with an area of the study area within reach",
    "edge_sites": "of those, sites whose catchment runs beyond the areas with population",
    "edge_capacity_pct": "their share of the capacity of the sites reaching the study area (%)",
}
TABLES: dict[str, list[str]] = {
    "neighbourhood_segments": [
        "neighbourhood", "segment", "category", "population", "core20_pct", "assets_inside",
        "assets_per_10k", "coverage_pct", "coverage_pct_r050", "coverage_pct_r150",
        "choice_pct", "access_2sfca", "access_e2sfca", "access_ratio", "no_site_pct",
        "shortfall", "duplicated_pct", "gap_score", "gap_rank"],
    "area_access": [
        "area_code", "neighbourhood", "study_area", "segment", "category", "population",
        "assets_within", "nearest_m", "covered", "access_2sfca", "access_e2sfca"],
    "assets": [
        "asset_id", "source_id", "name", "category", "capacity", "area_code", "neighbourhood",
        "easting", "northing"],
    "cold_spots": [
        "area_code", "neighbourhood", "category", "population", "nearest_m", "imd_decile"],
    "inequality": [
        "category", "segment", "measure", "model", "sii", "sii_lower", "sii_upper", "rii",
        "rii_lower", "rii_upper", "intercept", "deciles", "extrapolated", "note"],
    "category_rules": [
        "category", "radius_m", "serves", "universal", "demand", "capacity_unit", "sites",
        "sites_reaching_study_area", "edge_sites", "edge_capacity_pct"],
}


def _describe(column: str) -> str:
    if column in IDENTIFIERS:
        return IDENTIFIERS[column]
    m = measure(column)
    return f"{m.description} ({m.unit})" if m.unit not in ("yes/no",) else m.description


DESCRIPTIONS: dict[str, dict[str, str]] = {
    table: {c: _describe(c) for c in cols} for table, cols in TABLES.items()}
COLUMNS: dict[str, list[str]] = {k: list(v) for k, v in DESCRIPTIONS.items()}


def write_outputs(result: MappingResult, out_dir: str | Path) -> list[Path]:
    """Write the tables as ``<name>.csv`` into ``out_dir`` (created if needed), the big ones
    chunk by chunk (one category at a time), straight from the run's arrays, through the one
    CSV writer (``phdesk.core.csv_out``: all or none, text made safe). Files keep full
    precision (6 decimals); screens round by the catalogue's ``decimals``.

    Returns the paths written. Raises UserError if the folder cannot be written.
    """
    from phdesk.core.csv_out import write_csv_files

    return write_csv_files(out_dir, [(f"{name}.csv", result.table_chunks(name), cols)
                                     for name, cols in COLUMNS.items()])
