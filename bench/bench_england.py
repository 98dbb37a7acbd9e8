"""England-scale asset mapping: phdesk's compute_mapping against geopandas + PySAL access.

Synthetic England: 33,755 areas (Voronoi cells of clustered random points over 150 km x 150 km,
densified to about 75 vertices each), 1,250 neighbourhoods, 50,000 assets in 12 categories
(capacity 1-5), 20 population segments, 1,000 m catchments. Both sides start from the same
in-memory frames and produce the same tables (area access, neighbourhood measures, cold spots,
SII); the benchmark checks they agree before reporting times. Quick mode: one eighth of the size.

Baseline: assets to areas by ``geopandas.sjoin(predicate="within")``; catchment pairs by
``geopandas.sjoin(predicate="dwithin")``; nearest by ``geopandas.sjoin_nearest``; 2SFCA and E2SFCA
by PySAL ``access`` (one ``Access`` per category x segment); aggregation with pandas groupby;
Wilson limits in numpy; SII by ``phdesk.stats.sii`` (no peer package has it; same cost both sides).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import shapely

from phdesk.core.mapping import MappingInputs, MappingParams, compute_mapping

FULL = {"areas": 33_755, "assets": 50_000, "neighbourhoods": 1_250, "extent": 150_000.0}
CATEGORIES = ["GP practice", "Pharmacy", "Dentist", "Family hub", "Children's centre",
              "Social prescribing", "VCSE group", "Library", "Leisure centre", "Food bank",
              "Advice service", "Community centre"]
CAT_WEIGHTS = np.array([7, 11, 10, 2, 3, 4, 25, 3, 3, 3, 5, 6], dtype=float)
AGE_BANDS = ["0-4", "5-15", "16-24", "25-44", "45-64", "65-74", "75-84", "85+"]
AGE_SHARE = np.array([0.06, 0.13, 0.11, 0.27, 0.24, 0.10, 0.06, 0.03])
RADIUS = 1000.0
SEED = 20261122


def make_inputs(scale: float = 1.0, seed: int = SEED) -> MappingInputs:
    """The synthetic country at ``scale`` of the full size (density kept the same)."""
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
    n_assets = int(FULL["assets"] * scale)
    at = rng.integers(0, m, n_assets)  # assets sit near where people live
    assets = pd.DataFrame({
        "id": np.arange(1, n_assets + 1), "name": [f"asset {i}" for i in range(n_assets)],
        "category": rng.choice(CATEGORIES, n_assets, p=CAT_WEIGHTS / CAT_WEIGHTS.sum()),
        "easting": cx[at] + rng.normal(0, 250, n_assets),
        "northing": cy[at] + rng.normal(0, 250, n_assets),
        "capacity": rng.integers(1, 6, n_assets).astype(float), "source_id": None})
    return MappingInputs(areas=areas, assets=assets, segments=segments)


def wilson(x: np.ndarray, n: np.ndarray, z: float = 1.959963984540054):
    with np.errstate(divide="ignore", invalid="ignore"):
        root = z * np.sqrt(z * z + 4 * x * (1 - x / n))
        return (2 * x + z * z - root) / 2 / (n + z * z), (2 * x + z * z + root) / 2 / (n + z * z)


def baseline(inputs: MappingInputs, serves: dict[str, list[str]], sii_reps: int) -> dict:
    """The same tables with geopandas + PySAL access + pandas."""
    import access
    import geopandas as gpd

    from phdesk.core.mapping_measures import inequality_block

    areas = gpd.GeoDataFrame(inputs.areas[["code", "neighbourhood"]],
                             geometry=inputs.areas["geometry"], crs=27700)
    a = inputs.assets
    assets = gpd.GeoDataFrame(a[["id", "category", "capacity"]],
                              geometry=gpd.points_from_xy(a.easting, a.northing), crs=27700)
    placed = gpd.sjoin(assets, areas, predicate="within").drop_duplicates("id")
    pts = gpd.GeoDataFrame({"code": areas["code"], "neighbourhood": areas["neighbourhood"],
                            "decile": inputs.areas["imd_decile"]},
                           geometry=gpd.points_from_xy(inputs.areas.pw_centroid_e,
                                                       inputs.areas.pw_centroid_n), crs=27700)
    seg = inputs.segments.pivot(index="area_code", columns="segment", values="population")
    fn = access.weights.step_fn({RADIUS / 3: 1, 2 * RADIUS / 3: 0.68, RADIUS: 0.22})
    area_rows, nb_rows, cold, ineq = [], [], [], []
    for cat, cat_assets in assets.groupby("category"):
        sup = cat_assets.set_index("id")[["capacity", "geometry"]]
        pairs = gpd.sjoin(pts, cat_assets, predicate="dwithin", distance=RADIUS)
        pairs["metres"] = pairs.geometry.distance(
            gpd.GeoSeries(cat_assets.set_index("id").geometry.loc[pairs["id"]].to_numpy(),
                          index=pairs.index))
        cost = pairs[["code", "id", "metres"]].rename(columns={"code": "origin", "id": "dest"})
        near = gpd.sjoin_nearest(pts, cat_assets[["geometry"]], distance_col="d")
        near = near.groupby("code")["d"].min()
        within = pairs.groupby("code").size().reindex(pts["code"], fill_value=0)
        inside = placed[placed.category == cat].groupby("neighbourhood").size()
        for s in serves[cat]:
            demand = pts.set_index("code")[["geometry"]].assign(pop=seg[s])
            # PySAL gives S / 0 = inf for an asset whose catchment holds nobody of the segment;
            # phdesk counts such an asset as offering nothing: leave those assets out here
            reached = cost.assign(p=seg[s].reindex(cost["origin"]).to_numpy()).groupby(
                "dest")["p"].sum()
            live = reached.index[reached > 0]
            acc = access.Access(demand_df=demand, demand_value="pop", supply_df=sup.loc[live],
                                supply_value="capacity", cost_df=cost[cost["dest"].isin(live)],
                                cost_origin="origin", cost_dest="dest", cost_name="metres")
            a2 = acc.two_stage_fca(max_cost=RADIUS).iloc[:, 0] * 1000
            a3 = acc.enhanced_two_stage_fca(max_cost=RADIUS, weight_fn=fn).iloc[:, 0] * 1000
            t = pd.DataFrame({"area_code": pts["code"].to_numpy(),
                              "neighbourhood": pts["neighbourhood"].to_numpy(),
                              "segment": s, "category": cat,
                              "population": seg[s].reindex(pts["code"]).to_numpy(),
                              "assets_within": within.to_numpy(),
                              "nearest_m": near.reindex(pts["code"]).to_numpy()})
            t["covered"] = t["assets_within"] > 0
            t["access_2sfca"] = a2.reindex(pts["code"]).fillna(0).to_numpy()
            t["access_e2sfca"] = a3.reindex(pts["code"]).fillna(0).to_numpy()
            area_rows.append(t)
            p = t["population"]
            g = t.assign(cov=p * t.covered, multi=p * (t.assets_within >= 2),
                         pa2=p * t.access_2sfca, pa3=p * t.access_e2sfca).groupby(
                "neighbourhood")[["population", "cov", "multi", "pa2", "pa3"]].sum()
            g["coverage_pct"] = 100 * g["cov"] / g["population"]
            lo, hi = wilson(g["cov"].to_numpy(), g["population"].to_numpy())
            g["coverage_lower"], g["coverage_upper"] = 100 * lo, 100 * hi
            g["overlap_pct"] = 100 * g["multi"] / g["cov"]
            g["assets_inside"] = inside.reindex(g.index, fill_value=0)
            g["assets_per_10k"] = g["assets_inside"] / g["population"] * 10_000
            g["access_2sfca"] = g["pa2"] / g["population"]
            g["access_e2sfca"] = g["pa3"] / g["population"]
            prov = g["pa2"] / g["pa2"].sum() if g["pa2"].sum() > 0 else 0.0
            g["gap_score"] = (100 * (g["population"] / g["population"].sum() - prov)).where(
                g["population"] > 0)
            g["gap_rank"] = g["gap_score"].rank(ascending=False, method="min")
            nb_rows.append(g.assign(segment=s, category=cat).reset_index())
            if s == "All":
                cold.append(t.loc[~t.covered, ["area_code", "category", "population"]])
            for row in inequality_block(pts["decile"].to_numpy(dtype=float), p.to_numpy(),
                                        t["assets_within"].to_numpy(),
                                        t["access_2sfca"].to_numpy(), sii_reps, 1):
                ineq.append({"category": cat, "segment": s, **row})
    return {"area": pd.concat(area_rows, ignore_index=True),
            "nb": pd.concat(nb_rows, ignore_index=True),
            "cold": pd.concat(cold, ignore_index=True), "ineq": pd.DataFrame(ineq)}


def check_agree(result, base: dict) -> None:
    key = ["category", "segment", "area_code"]
    mine = result.area_access.astype({k: str for k in key}).set_index(key).sort_index()
    peer = base["area"].set_index(key).sort_index()
    assert mine.index.equals(peer.index), "different area rows"
    for col in ("access_2sfca", "access_e2sfca", "nearest_m", "population"):
        assert np.allclose(mine[col], peer[col], rtol=1e-9, atol=1e-9), col
    assert (mine["assets_within"].to_numpy() == peer["assets_within"].to_numpy()).all()
    nkey = ["category", "segment", "neighbourhood"]
    mine = result.neighbourhood_segments.set_index(nkey).sort_index()
    peer = base["nb"].set_index(nkey).sort_index().reindex(mine.index)
    for col in ("coverage_pct", "coverage_lower", "access_e2sfca", "gap_score", "assets_inside"):
        assert np.allclose(mine[col].astype(float), peer[col].astype(float), equal_nan=True,
                           rtol=1e-9, atol=1e-9), col
    assert len(result.cold_spots) == len(base["cold"])


def run(quick: bool = False) -> str:
    scale = 0.125 if quick else 1.0
    inputs = make_inputs(scale)
    params = MappingParams(default_radius_m=RADIUS)
    t0 = time.perf_counter()
    result = compute_mapping(inputs, params)
    ours = time.perf_counter() - t0
    serves = {c: v["serves"] for c, v in result.summary["categories"].items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySAL access warns about areas outside catchments
        t0 = time.perf_counter()
        base = baseline(inputs, serves, params.sii_repetitions)
        theirs = time.perf_counter() - t0
    check_agree(result, base)
    return f"phdesk {ours:.2f} s, baseline {theirs:.2f} s, ratio {ours / theirs:.3f}"


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
