"""The mapping tables: their columns and meanings, assembling them, writing them as CSV.

``DESCRIPTIONS`` is the single source for the column documentation (docs/mapping.md repeats it
for readers; a test checks the two agree). Files are UTF-8 with a header row; numbers are written
with up to 6 decimals; empty cells are missing values (NaN).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError

if TYPE_CHECKING:
    from tests.core.legacy.mapping import MappingResult

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "neighbourhood_segments": {
        "neighbourhood": "neighbourhood name ('(no neighbourhood)' for areas in none)",
        "segment": "population segment (All, Core20, IMD Q1 (most deprived)…, Age …, …)",
        "category": "asset category",
        "population": "residents of the segment in the neighbourhood (need)",
        "assets_inside": "assets of the category located in the neighbourhood",
        "assets_per_10k": "assets_inside per 10,000 residents of the segment",
        "coverage_pct": "% of the segment living in areas within the radius of at least one "
                        "asset of the category",
        "coverage_lower": "Wilson 95% lower limit of coverage_pct (%)",
        "coverage_upper": "Wilson 95% upper limit of coverage_pct (%)",
        "access_2sfca": "2SFCA accessibility, capacity per 1,000 residents (population-weighted "
                        "mean of the areas)",
        "access_e2sfca": "E2SFCA accessibility (step weights), capacity per 1,000 residents",
        "overlap_pct": "% of the covered population within the radius of two or more assets",
        "gap_score": "100 x (neighbourhood's share of the segment's population - its share of "
                     "the category's accessible capacity), percentage points; > 0 = gap",
        "gap_rank": "rank of gap_score among neighbourhoods for the segment and category "
                    "(1 = biggest gap)",
    },
    "area_access": {
        "area_code": "area (LSOA) code",
        "neighbourhood": "neighbourhood of the area",
        "segment": "population segment",
        "category": "asset category",
        "population": "residents of the segment in the area",
        "assets_within": "assets of the category within the radius of the area's point",
        "nearest_m": "straight-line distance to the nearest asset of the category, metres",
        "covered": "True if assets_within >= 1",
        "access_2sfca": "2SFCA accessibility, capacity per 1,000 residents",
        "access_e2sfca": "E2SFCA accessibility, capacity per 1,000 residents",
    },
    "assets": {
        "asset_id": "asset id in the project",
        "source_id": "the source's own code (e.g. ODS code)",
        "name": "asset name",
        "category": "asset category",
        "area_code": "area containing the asset (empty if outside every area)",
        "neighbourhood": "neighbourhood containing the asset",
        "easting": "easting, metres (EPSG:27700)",
        "northing": "northing, metres (EPSG:27700)",
    },
    "cold_spots": {
        "area_code": "area (LSOA) code outside every catchment of the category",
        "neighbourhood": "neighbourhood of the area",
        "category": "asset category",
        "population": "residents of the area (segment All)",
        "nearest_m": "distance to the nearest asset of the category, metres",
        "imd_decile": "national IMD decile of the area (1 = most deprived; latest edition)",
    },
    "inequality": {
        "category": "asset category",
        "segment": "population segment",
        "measure": "coverage (%) or access_2sfca (per 1,000)",
        "sii": "slope index of inequality across IMD deciles: modelled difference in the "
               "measure from the most to the least deprived (units of the measure)",
        "sii_lower": "95% lower limit of sii (simulation)",
        "sii_upper": "95% upper limit of sii (simulation)",
        "rii": "relative index of inequality: (intercept + sii) / intercept",
        "rii_lower": "95% lower limit of rii",
        "rii_upper": "95% upper limit of rii",
        "intercept": "modelled value of the measure at the most deprived end",
        "deciles": "IMD deciles with residents of the segment (5 or more needed)",
        "note": "why sii is empty, when it is",
    },
}
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
