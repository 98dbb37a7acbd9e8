"""Small mapping inputs built in code (EPSG:27700 metres), shared by the mapping tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from phdesk.core.mapping import MappingInputs


def square(cx: float, cy: float, half: float = 500.0) -> shapely.Polygon:
    return shapely.box(cx - half, cy - half, cx + half, cy + half)


def tiny_inputs(second_category: bool = False) -> MappingInputs:
    """Two 1 km squares A (centre 0,0; 100 people; neighbourhood N1) and B (centre 1000,0; 300
    people; N2); assets X at (0,0) capacity 2 and Y at (1500,0) capacity 1, both "Pharmacy"
    (Y on B's east edge). Optionally a "Library" far away at (5000,0)."""
    areas = pd.DataFrame({
        "code": ["A", "B"], "neighbourhood": ["N1", "N2"],
        "geometry": [square(0, 0), square(1000, 0)],
        "centroid_e": [0.0, 1000.0], "centroid_n": [0.0, 0.0],
        "pw_centroid_e": [np.nan, np.nan], "pw_centroid_n": [np.nan, np.nan],
        "imd_decile": [1.0, 6.0]})
    assets = pd.DataFrame({
        "id": [1, 2], "name": ["X", "Y"], "category": ["Pharmacy", "Pharmacy"],
        "easting": [0.0, 1500.0], "northing": [0.0, 0.0], "capacity": [2.0, 1.0],
        "source_id": ["FX1", "FY2"]})
    if second_category:
        assets.loc[len(assets)] = [3, "Z", "Library", 5000.0, 0.0, 1.0, None]
    segments = pd.DataFrame({"area_code": ["A", "B"], "segment": ["All", "All"],
                             "population": [100.0, 300.0]})
    return MappingInputs(areas=areas, assets=assets, segments=segments)


def random_inputs(seed: int, n_areas: int = 60, n_assets: int = 25, extent: float = 6000.0,
                  categories: tuple[str, ...] = ("Pharmacy", "GP practice"),
                  capacity: bool = True) -> MappingInputs:
    """Voronoi areas over a square, random populations and assets (for peer comparisons)."""
    rng = np.random.default_rng(seed)
    seeds = shapely.multipoints(rng.uniform(0, extent, (n_areas, 2)))
    box = shapely.box(0, 0, extent, extent)
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box))
    cells = shapely.intersection(cells, box)
    cent = shapely.centroid(cells)
    k = len(cells)
    areas = pd.DataFrame({
        "code": [f"E{i:05d}" for i in range(k)], "neighbourhood": [f"N{i % 4}" for i in range(k)],
        "geometry": cells, "centroid_e": shapely.get_x(cent), "centroid_n": shapely.get_y(cent),
        "imd_decile": rng.integers(1, 11, k).astype(float)})
    # nudge half the population-weighted centroids off the polygon centroid
    shift = rng.uniform(-150, 150, (k, 2)) * (rng.random((k, 1)) < 0.5)
    areas["pw_centroid_e"] = areas["centroid_e"] + shift[:, 0]
    areas["pw_centroid_n"] = areas["centroid_n"] + shift[:, 1]
    assets = pd.DataFrame({
        "id": np.arange(1, n_assets + 1), "name": [f"asset {i}" for i in range(n_assets)],
        "category": rng.choice(list(categories), n_assets),
        "easting": rng.uniform(0, extent, n_assets), "northing": rng.uniform(0, extent, n_assets),
        "capacity": rng.integers(1, 6, n_assets).astype(float) if capacity
        else np.ones(n_assets), "source_id": None})
    total = rng.integers(800, 2500, k).astype(float)
    older = np.round(total * rng.uniform(0.1, 0.3, k))
    segments = pd.concat([
        pd.DataFrame({"area_code": areas["code"], "segment": "All", "population": total}),
        pd.DataFrame({"area_code": areas["code"], "segment": "Age 65+", "population": older}),
    ], ignore_index=True)
    return MappingInputs(areas=areas, assets=assets, segments=segments)
