"""Small, exact fixtures for the map and chart tests: a 4 x 3 grid of 1 km squares (EPSG:27700),
two neighbourhoods, assets in two categories, and a MappingResult built from frames that follow
the contract columns (numbers chosen here, not computed by the engine)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from phdesk.core.mapping import MappingParams, MappingResult

X0, Y0, SIDE = 530_000.0, 180_000.0, 1000.0
COLS, ROWS = 4, 3


def grid_areas() -> pd.DataFrame:
    """12 square areas; row 0 (south) is "South", rows 1-2 are "North". Area i has centroid
    (X0 + 500 + 1000 * (i % 4), Y0 + 500 + 1000 * (i // 4))."""
    i = np.arange(COLS * ROWS)
    cx, cy = X0 + SIDE * (i % COLS), Y0 + SIDE * (i // COLS)
    geoms = shapely.box(cx, cy, cx + SIDE, cy + SIDE)
    return pd.DataFrame({
        "code": [f"E0100{k:04d}" for k in i],
        "name": [f"Area {k}" for k in i],
        "level": "lsoa", "vintage": 2021,
        "neighbourhood": np.where(i // COLS == 0, "South", "North").astype(object),
        "centroid_e": cx + SIDE / 2, "centroid_n": cy + SIDE / 2,
        "pw_centroid_e": cx + SIDE / 2, "pw_centroid_n": cy + SIDE / 2,
        "geometry": geoms,
    })


def centroid(i: int) -> tuple[float, float]:
    return X0 + 500 + SIDE * (i % COLS), Y0 + 500 + SIDE * (i // COLS)


def grid_assets() -> pd.DataFrame:
    """3 GP practices and 2 pharmacies at area corners/centres, plus one unplaced asset."""
    return pd.DataFrame({
        "id": [1, 2, 3, 4, 5, 6],
        "name": ["GP One", "GP Two", "GP Three", "Chemist A", "Chemist B", "No place"],
        "category": ["GP practice"] * 3 + ["Pharmacy"] * 2 + ["Pharmacy"],
        "easting": [X0 + 250, X0 + 2250, X0 + 3750, X0 + 1100, X0 + 2900, np.nan],
        "northing": [Y0 + 250, Y0 + 1250, Y0 + 2750, Y0 + 2100, Y0 + 300, np.nan],
        "postcode": None, "capacity": 1, "source_id": None, "source": "test", "address": None,
    })


def grid_profile() -> pd.DataFrame:
    """Population 1000 + 100 i; IMD decile 1 + (i % 10)."""
    a = grid_areas()
    i = np.arange(len(a))
    return pd.DataFrame({"area_code": a["code"], "neighbourhood": a["neighbourhood"],
                         "imd_decile": (1 + i % 10).astype(float),
                         "population": (1000 + 100 * i).astype(float)})


def grid_segment_population() -> pd.DataFrame:
    a = grid_areas()
    rows = []
    for seg, share in (("All", 1.0), ("Age 65+", 0.2), ("Core20", 0.5)):
        pop = grid_profile()["population"].to_numpy() * share
        rows.append(pd.DataFrame({"area_code": a["code"], "segment": seg, "population": pop}))
    return pd.concat(rows, ignore_index=True)


def grid_result() -> MappingResult:
    """A MappingResult: area access = area index / 10 for GP practice / All; neighbourhood
    gap scores North = 2.5, South = -1.5 for GP practice / All."""
    a = grid_areas()
    sp = grid_segment_population()
    rows = []
    for cat in ("GP practice", "Pharmacy"):
        part = sp.merge(a[["code", "neighbourhood"]], left_on="area_code", right_on="code")
        idx = part["area_code"].str[-4:].astype(int).to_numpy()
        rows.append(pd.DataFrame({
            "area_code": part["area_code"], "neighbourhood": part["neighbourhood"],
            "segment": part["segment"], "category": cat, "population": part["population"],
            "assets_within": idx % 3, "nearest_m": 100.0 * idx, "covered": idx % 3 > 0,
            "access_2sfca": idx / 10.0 + (0 if cat == "GP practice" else 5),
            "access_e2sfca": idx / 20.0}))
    area_access = pd.concat(rows, ignore_index=True)
    ns_rows = []
    for cat in ("GP practice", "Pharmacy"):
        for seg in ("All", "Age 65+", "Core20"):
            for nb, pop, gap, cov in (("North", 9000.0, 2.5, 40.0), ("South", 4600.0, -1.5, 80.0)):
                share = {"All": 1.0, "Age 65+": 0.2, "Core20": 0.5}[seg]
                ns_rows.append({
                    "neighbourhood": nb, "segment": seg, "category": cat,
                    "population": pop * share, "assets_inside": 2, "assets_per_10k":
                        2e4 / (pop * share), "coverage_pct": cov, "coverage_pct_r050": cov - 5,
                    "coverage_pct_r150": cov + 4, "access_2sfca": 0.5 if nb == "North" else 1.5,
                    "access_e2sfca": 0.4, "choice_pct": 10.0, "gap_score": gap,
                    "gap_rank": 1 if nb == "North" else 2})
    ns = pd.DataFrame(ns_rows)
    inequality = pd.DataFrame({
        "category": ["GP practice", "Pharmacy"], "segment": ["All", "All"],
        "measure": ["coverage", "coverage"], "sii": [-12.0, 4.0], "sii_lower": [-20.0, 1.0],
        "sii_upper": [-4.0, 7.0], "rii": [np.nan] * 2, "rii_lower": [np.nan] * 2,
        "rii_upper": [np.nan] * 2, "intercept": [50.0, 40.0]})
    empty = pd.DataFrame()
    return MappingResult(params=MappingParams(default_radius_m=800.0,
                                              radius_m={"Pharmacy": 500.0}),
                         neighbourhood_segments=ns, area_access=area_access, assets=empty,
                         cold_spots=empty, inequality=inequality, run_id=1,
                         finished_at="2026-11-22T08:00:00Z")
