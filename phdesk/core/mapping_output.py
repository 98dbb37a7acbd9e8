"""The mapping tables: their columns and meanings, assembling them, writing them as CSV.

``TABLES`` lists each table's columns; ``DESCRIPTIONS`` describes them, measures from the
catalogue ``phdesk.core.measures`` (docs/mapping.md repeats them for readers; a test checks the
columns agree). Files are UTF-8 with a header row; numbers are written
with up to 6 decimals; empty cells are missing values (NaN).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.measures import measure

if TYPE_CHECKING:
    from phdesk.core.mapping import MappingResult

# Identifier columns (what a row is about); the measures' descriptions live in the catalogue,
# phdesk.core.measures, and are looked up by column name below.
IDENTIFIERS: dict[str, str] = {
    "neighbourhood": "neighbourhood name",
    "segment": "population segment (All, Core20, IMD Q1 (most deprived)…, Age …, …)",
    "category": "asset category",
    "area_code": "area (LSOA) code",
    "asset_id": "asset id in the project",
    "source_id": "the source's own code (e.g. ODS code)",
    "name": "asset name",
    "measure": "coverage (%) or access_2sfca (per 1,000)",
    "deciles": "IMD deciles with residents of the segment (5 or more needed)",
    "note": "why sii is empty, when it is",
}
# columns of today's tables that the catalogue no longer describes (replaced in the next change)
_LEGACY: dict[str, str] = {
    "coverage_lower": "Wilson 95% lower limit of coverage_pct (%)",
    "coverage_upper": "Wilson 95% upper limit of coverage_pct (%)",
    "overlap_pct": "% of the covered population within the radius of two or more assets",
}
TABLES: dict[str, list[str]] = {
    "neighbourhood_segments": [
        "neighbourhood", "segment", "category", "population", "assets_inside", "assets_per_10k",
        "coverage_pct", "coverage_lower", "coverage_upper", "access_2sfca", "access_e2sfca",
        "overlap_pct", "gap_score", "gap_rank"],
    "area_access": [
        "area_code", "neighbourhood", "segment", "category", "population", "assets_within",
        "nearest_m", "covered", "access_2sfca", "access_e2sfca"],
    "assets": [
        "asset_id", "source_id", "name", "category", "area_code", "neighbourhood", "easting",
        "northing"],
    "cold_spots": [
        "area_code", "neighbourhood", "category", "population", "nearest_m", "imd_decile"],
    "inequality": [
        "category", "segment", "measure", "sii", "sii_lower", "sii_upper", "rii", "rii_lower",
        "rii_upper", "intercept", "deciles", "note"],
}


def _describe(column: str) -> str:
    if column in IDENTIFIERS:
        return IDENTIFIERS[column]
    if column in _LEGACY:
        return _LEGACY[column]
    m = measure(column)
    return f"{m.description} ({m.unit})" if m.unit not in ("yes/no",) else m.description


DESCRIPTIONS: dict[str, dict[str, str]] = {
    table: {c: _describe(c) for c in cols} for table, cols in TABLES.items()}
COLUMNS: dict[str, list[str]] = {k: list(v) for k, v in DESCRIPTIONS.items()}


def frame_of(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """The parts stacked, in ``columns`` order (an empty frame with them if none)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def neighbourhood_table(parts: list[dict], nb_list: list[str]) -> pd.DataFrame:
    """neighbourhood_segments from per category x segment blocks of arrays."""
    cols = COLUMNS["neighbourhood_segments"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat([pd.DataFrame(p) for p in parts], ignore_index=True)
    out["neighbourhood"] = np.asarray(nb_list, dtype=object)[out["neighbourhood"].to_numpy()]
    out["assets_inside"] = out["assets_inside"].astype(np.int64)
    out["gap_rank"] = out["gap_rank"].astype("Int64")
    return out[cols]


def area_table(parts: dict[str, list], codes: np.ndarray, nb_cat: pd.Categorical,
               segments: list[str], categories: list[str]) -> pd.DataFrame:
    """area_access from per category x segment blocks of area arrays."""
    cols = COLUMNS["area_access"]
    if not parts["seg"]:
        return pd.DataFrame(columns=cols)
    reps = len(parts["seg"])
    within = np.concatenate(parts["within"])
    # categorical text columns: building 1M+ Python strings would dominate at England scale
    area = (pd.Categorical.from_codes(np.tile(np.arange(len(codes)), reps), categories=codes)
            if len(set(codes)) == len(codes) else np.tile(codes, reps))
    out = pd.DataFrame({
        "area_code": area,
        "neighbourhood": pd.Categorical.from_codes(np.tile(nb_cat.codes, reps),
                                                   categories=nb_cat.categories),
        "segment": pd.Categorical.from_codes(np.concatenate(parts["seg"]), categories=segments),
        "category": pd.Categorical.from_codes(np.concatenate(parts["cat"]),
                                              categories=categories),
        "population": np.concatenate(parts["pop"]),
        "assets_within": within.astype(np.int64),
        "nearest_m": np.concatenate(parts["near"]),
        "covered": within > 0,
        "access_2sfca": np.concatenate(parts["a2"]),
        "access_e2sfca": np.concatenate(parts["a3"]),
    })
    return out[cols]


def write_outputs(result: MappingResult, out_dir: str | Path) -> list[Path]:
    """Write the five tables as ``<name>.csv`` into ``out_dir`` (created if needed).

    Returns the paths written. Raises UserError if the folder cannot be written.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    paths = []
    for name, cols in COLUMNS.items():
        frame = getattr(result, name).reindex(columns=cols)
        floats = frame.select_dtypes("float").columns
        frame[floats] = frame[floats].round(6) + 0.0   # + 0.0: -1e-9 is written 0.0, not -0.0
        path = out / f"{name}.csv"
        try:
            frame.to_csv(path, index=False, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{path}: cannot write ({exc.strerror})") from None
        paths.append(path)
    return paths
