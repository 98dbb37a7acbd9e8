"""The mapping engine against established tools (test-only peers): geopandas for assignment,
PySAL ``access`` for 2SFCA and E2SFCA, on generated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from phdesk.core.mapping import MappingParams, compute_mapping
from tests.core.mapping_data import random_inputs

gpd = pytest.importorskip("geopandas")
access = pytest.importorskip("access")

CONFIGS = [  # seed, areas, assets, extent (m), radius (m), capacities
    (1, 60, 25, 6000.0, 1000.0, True),
    (2, 120, 40, 8000.0, 1500.0, True),
    (3, 40, 15, 5000.0, 800.0, False),
    (4, 90, 60, 7000.0, 1200.0, True),
]


def _points(inputs):
    """Area points for the peers: the population-weighted centroids (all set in random_inputs)."""
    a = inputs.areas
    assert a["pw_centroid_e"].notna().all()
    return gpd.GeoDataFrame({"code": a["code"]},
                            geometry=gpd.points_from_xy(a.pw_centroid_e, a.pw_centroid_n),
                            crs=27700)


def _peer_access(inputs, category, segment, radius, enhanced):
    """PySAL access for one category x segment, per 1,000, indexed by area code."""
    pts = _points(inputs)
    seg = inputs.segments[inputs.segments.segment == segment].set_index("area_code")
    demand = pts.set_index("code").assign(pop=seg["population"])
    assets = inputs.assets[inputs.assets.category == category]
    supply = gpd.GeoDataFrame({"cap": assets["capacity"].to_numpy()},
                              index=assets["id"].to_numpy(),
                              geometry=gpd.points_from_xy(assets.easting, assets.northing),
                              crs=27700)
    cross = pts.merge(pd.DataFrame({"dest": supply.index, "geomb": supply.geometry.values}),
                      how="cross")
    cost = pd.DataFrame({"origin": cross["code"], "dest": cross["dest"],
                         "metres": cross.geometry.distance(gpd.GeoSeries(cross["geomb"]))})
    a = access.Access(demand_df=demand, demand_value="pop", supply_df=supply,
                      supply_value="cap", cost_df=cost, cost_origin="origin", cost_dest="dest",
                      cost_name="metres")
    if enhanced:
        fn = access.weights.step_fn({radius / 3: 1, 2 * radius / 3: 0.68, radius: 0.22})
        out = a.enhanced_two_stage_fca(max_cost=radius, weight_fn=fn)
    else:
        out = a.two_stage_fca(max_cost=radius)
    return (out.iloc[:, 0] * 1000).reindex(demand.index).fillna(0.0)


# Whose residents compete for a category's capacity (the first step's demand), by definition
# (docs/mapping.md, "What access means"): universal categories share it among everyone, so
# every segment's area value is PySAL's with all residents as demand; a targeted one (a day
# centre: older people) among its target group, so every segment's area value is PySAL's with
# the 65+ as demand.
DEMAND = {"Pharmacy": "All", "GP practice": "All", "Day centre": "Age 65+"}


@pytest.mark.parametrize("seed,n_areas,n_assets,extent,radius,cap", CONFIGS)
def test_2sfca_and_e2sfca_agree_with_pysal_access(seed, n_areas, n_assets, extent, radius, cap):
    inputs = random_inputs(seed, n_areas, n_assets, extent, capacity=cap,
                           categories=tuple(DEMAND))
    result = compute_mapping(inputs, MappingParams(default_radius_m=radius))
    ours = result.area_access.set_index(["category", "segment", "area_code"]).sort_index()
    checked = 0
    for category in inputs.assets["category"].unique():
        for segment in ("All", "Age 65+"):
            mine = ours.loc[(category, segment)]
            for enhanced, col in ((False, "access_2sfca"), (True, "access_e2sfca")):
                peer = _peer_access(inputs, category, DEMAND[category], radius, enhanced)
                assert np.allclose(mine[col].reindex(peer.index), peer, rtol=1e-10,
                                   atol=1e-12), (category, segment, col)
                assert (peer > 0).any()  # the configuration exercises real catchments
                checked += 1
    assert checked == 12


def test_asset_assignment_agrees_with_geopandas_sjoin():
    inputs = random_inputs(11, n_areas=150, n_assets=400, extent=9000.0)
    result = compute_mapping(inputs, MappingParams())
    areas = gpd.GeoDataFrame(inputs.areas[["code"]], geometry=inputs.areas["geometry"],
                             crs=27700)
    pts = gpd.GeoDataFrame({"asset_id": inputs.assets["id"]},
                           geometry=gpd.points_from_xy(inputs.assets.easting,
                                                       inputs.assets.northing), crs=27700)
    joined = gpd.sjoin(pts, areas, predicate="within").set_index("asset_id")["code"]
    mine = result.assets.set_index("asset_id")["area_code"]
    assert len(joined) == len(pts)   # every generated asset is inside some area
    assert mine.reindex(joined.index).tolist() == joined.tolist()


def test_overlay_assignment_agrees_with_geopandas_overlay():
    inputs = random_inputs(12, n_areas=80, n_assets=20, extent=6000.0)
    rng = np.random.default_rng(12)
    seeds = shapely.multipoints(rng.uniform(0, 6000, (6, 2)))
    box = shapely.box(0, 0, 6000, 6000)
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds,
                                                                            extend_to=box)), box)
    inputs.neighbourhoods = pd.DataFrame({"name": [f"Hood {i}" for i in range(len(cells))],
                                          "geometry": cells})
    inputs.areas["neighbourhood"] = None
    result = compute_mapping(inputs, MappingParams())
    a = gpd.GeoDataFrame(inputs.areas[["code"]], geometry=inputs.areas["geometry"], crs=27700)
    n = gpd.GeoDataFrame(inputs.neighbourhoods[["name"]],
                         geometry=inputs.neighbourhoods["geometry"], crs=27700)
    ov = gpd.overlay(a, n, how="intersection")
    ov["ov"] = ov.area
    peer = ov.loc[ov.groupby("code")["ov"].idxmax()].set_index("code")["name"]
    mine = (result.area_access.drop_duplicates("area_code").set_index("area_code")
            ["neighbourhood"]).astype(str)
    assert mine.reindex(peer.index).tolist() == peer.tolist()
    assert len(peer) == len(inputs.areas)


def test_coverage_and_nearest_agree_with_brute_force_geopandas():
    inputs = random_inputs(21, n_areas=100, n_assets=30, extent=7000.0)
    result = compute_mapping(inputs, MappingParams(default_radius_m=900.0))
    pts = _points(inputs)
    ours = result.area_access[result.area_access.segment == "All"].set_index(
        ["category", "area_code"]).sort_index()
    for category, assets in inputs.assets.groupby("category"):
        a_pts = gpd.GeoSeries(gpd.points_from_xy(assets.easting, assets.northing), crs=27700)
        dist = np.array([a_pts.distance(p).to_numpy() for p in pts.geometry])
        mine = ours.loc[category].reindex(pts["code"])
        assert mine["assets_within"].tolist() == (dist <= 900.0).sum(axis=1).tolist()
        assert np.allclose(mine["nearest_m"], dist.min(axis=1))
