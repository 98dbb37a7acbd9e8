"""The synthetic England the mapping benchmarks share (bench_england, bench_whatif).

Synthetic England: 33,755 areas (Voronoi cells of clustered random points over 150 km x 150 km,
densified to about 75 vertices each), 1,250 neighbourhoods, 50,000 assets in 12 categories
(capacity 1-5), 20 population segments, 1,000 m catchments, and saved category settings in which
every category serves all 20 segments (12 x 20 = 240 category x segment blocks, as in a national
run where every segment is asked for). ``scale`` keeps the density: 0.125 is the quick size,
0.05 an ICB (about 1,700 areas).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from phdesk.core.mapping import MappingInputs

FULL = {"areas": 33_755, "assets": 50_000, "neighbourhoods": 1_250, "extent": 150_000.0}
CATEGORIES = ["GP practice", "Pharmacy", "Dentist", "Family hub", "Children's centre",
              "Social prescribing", "VCSE group", "Library", "Leisure centre", "Food bank",
              "Advice service", "Community centre"]
CAT_WEIGHTS = np.array([7, 11, 10, 2, 3, 4, 25, 3, 3, 3, 5, 6], dtype=float)
AGE_BANDS = ["0-4", "5-15", "16-24", "25-44", "45-64", "65-74", "75-84", "85+"]
AGE_SHARE = np.array([0.06, 0.13, 0.11, 0.27, 0.24, 0.10, 0.06, 0.03])
RADIUS = 1000.0
SEED = 20261122


def make_inputs(scale: float = 1.0, seed: int = SEED, n_assets: int | None = None,
                all_segments: bool = True) -> MappingInputs:
    """The synthetic country at ``scale`` of the full size (density kept the same).

    ``n_assets``: how many assets (default: the full 50,000 times ``scale``); ``all_segments``:
    save settings in which every category serves every segment (else the default serves)."""
    rng = np.random.default_rng(seed)
    n = int(FULL["areas"] * scale)
    extent = FULL["extent"] * np.sqrt(scale)
    # 70% of areas in towns (Gaussian clusters), the rest spread out: uneven density as in England
    towns = rng.uniform(0.05, 0.95, (max(4, int(60 * scale)), 2)) * extent
    k_town = int(0.7 * n)
    centres = towns[rng.integers(0, len(towns), k_town)]
    pts = np.vstack([centres + rng.normal(0, extent / 40, (k_town, 2)),
                     rng.uniform(0, extent, (n - k_town, 2))])
    pts = np.clip(pts, 1, extent - 1)
    box = shapely.box(0, 0, extent, extent)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box))
    cells = shapely.intersection(cells, box)
    cells = shapely.segmentize(cells, shapely.length(cells) / 74)  # about 75 vertices each
    m = len(cells)
    cent = shapely.centroid(cells)
    cx, cy = shapely.get_x(cent), shapely.get_y(cent)
    codes = np.array([f"E01{i:06d}" for i in range(m)], dtype=object)
    # neighbourhoods: nearest of some seed areas
    hood_seeds = rng.choice(m, max(4, int(FULL["neighbourhoods"] * scale)), replace=False)
    tree = shapely.STRtree(shapely.points(cx[hood_seeds], cy[hood_seeds]))
    hood = tree.query_nearest(shapely.points(cx, cy), all_matches=False)[1]
    deprived = rng.random(m)
    areas = pd.DataFrame({
        "code": codes, "neighbourhood": np.array([f"N{h:04d}" for h in hood], dtype=object),
        "geometry": cells, "centroid_e": cx, "centroid_n": cy,
        "pw_centroid_e": cx + rng.normal(0, 60, m), "pw_centroid_n": cy + rng.normal(0, 60, m),
        "imd_decile": np.ceil(deprived * 10).clip(1, 10)})
    total = rng.integers(1_200, 2_500, m).astype(float)
    shares = AGE_SHARE * rng.uniform(0.8, 1.2, (m, len(AGE_SHARE)))
    ages = np.round(total[:, None] * shares / shares.sum(axis=1, keepdims=True))
    total = ages.sum(axis=1)
    cols = {"All": total}
    cols["Core20"] = np.where(areas["imd_decile"] <= 2, total, 0.0)
    quint = np.ceil(areas["imd_decile"].to_numpy() / 2)
    for q, name in enumerate(["IMD Q1 (most deprived)", "IMD Q2", "IMD Q3", "IMD Q4", "IMD Q5"]):
        cols[name] = np.where(quint == q + 1, total, 0.0)
    for k, band in enumerate(AGE_BANDS):
        cols[f"Age {band}"] = ages[:, k]
    cols["Age 0-15"] = ages[:, :2].sum(axis=1)
    cols["Age 16+"] = ages[:, 2:].sum(axis=1)
    cols["Age 65+"] = ages[:, 5:].sum(axis=1)
    cols["Long-term condition"] = np.round(total * rng.uniform(0.15, 0.35, m))
    cols["Frailty"] = np.round(cols["Age 65+"] * rng.uniform(0.1, 0.3, m))
    wide = pd.DataFrame(cols)
    wide["area_code"] = codes
    segments = wide.melt(id_vars="area_code", var_name="segment", value_name="population")
    n_assets = int(FULL["assets"] * scale) if n_assets is None else int(n_assets)
    at = rng.integers(0, m, n_assets)  # assets sit near where people live
    assets = pd.DataFrame({
        "id": np.arange(1, n_assets + 1), "name": [f"asset {i}" for i in range(n_assets)],
        "category": rng.choice(CATEGORIES, n_assets, p=CAT_WEIGHTS / CAT_WEIGHTS.sum()),
        "easting": cx[at] + rng.normal(0, 250, n_assets),
        "northing": cy[at] + rng.normal(0, 250, n_assets),
        "capacity": rng.integers(1, 6, n_assets).astype(float), "source_id": None})
    settings = None
    if all_segments:
        names = list(cols)
        settings = pd.DataFrame({"category": CATEGORIES, "radius_m": RADIUS,
                                 "serves": [names] * len(CATEGORIES)})
    return MappingInputs(areas=areas, assets=assets, segments=segments, settings=settings)


