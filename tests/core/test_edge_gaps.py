"""A river between a project's areas is not the project's edge (the Thames between London's
LSOAs, which boundary files clipped to the coastline leave out): the edge note counts only
catchments that run beyond the areas, not across a gap between them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from phdesk.core.edge_gaps import in_gap
from phdesk.core.mapping import MappingInputs, MappingParams, compute_mapping


def _banks(river_m: float) -> MappingInputs:
    """A 6 km x 6 km block of 1 km squares with a river ``river_m`` wide running east-west
    through it from y = 3000 (the squares north of it shifted up); one pharmacy on the south bank
    at (3000, 2150), 850 m from the water, one in the middle of the south bank at (3000, 1000)."""
    cells, codes = [], []
    for i in range(6):
        for j in range(6):
            y0 = j * 1000.0 + (river_m if j >= 3 else 0.0)
            cells.append(shapely.box(i * 1000.0, y0, i * 1000.0 + 1000, y0 + 1000))
            codes.append(f"A{i}{j}")
    cent = shapely.centroid(np.array(cells))
    areas = pd.DataFrame({
        "code": codes, "neighbourhood": "N1", "geometry": cells,
        "centroid_e": shapely.get_x(cent), "centroid_n": shapely.get_y(cent),
        "pw_centroid_e": np.nan, "pw_centroid_n": np.nan, "imd_decile": 5.0})
    assets = pd.DataFrame({
        "id": [1, 2], "name": ["Riverside", "Inland"], "category": "Pharmacy",
        "easting": [3000.0, 3000.0], "northing": [2150.0, 1000.0], "capacity": 1.0,
        "source_id": [None, None]})
    segments = pd.DataFrame({"area_code": codes, "segment": "All", "population": 100.0})
    return MappingInputs(areas=areas, assets=assets, segments=segments)


def _edge_sites(river_m: float, radius_m: float) -> int:
    r = compute_mapping(_banks(river_m), MappingParams(default_radius_m=radius_m,
                                                       radius_override=True))
    return int(r.category_rules.set_index("category").loc["Pharmacy", "edge_sites"])


def test_a_catchment_across_a_river_is_not_at_the_edge():
    # the riverside circle's northern point (3000, 3150) is in the 300 m river (3000..3300),
    # between the banks; no point is beyond the block, so neither site is at the edge
    assert _edge_sites(300.0, 1000.0) == 0
    # with no river at all: the same
    assert _edge_sites(0.0, 1000.0) == 0


def test_the_blocks_own_edge_is_still_the_edge():
    # at 1.5 km the inland site (3000, 1000) reaches y = -500, beyond the block's south side
    assert _edge_sites(300.0, 1500.0) >= 1


def test_a_gap_wider_than_a_kilometre_counts_as_beyond():
    # a 1.5 km "river" is a gap no probes 500 m either side span: the riverside circle's
    # northern point (3000, 3150) counts as beyond the areas
    assert _edge_sites(1500.0, 1000.0) == 1


def test_in_gap_needs_areas_on_both_sides_along_one_direction():
    west, east = shapely.box(0, 0, 1000, 1000), shapely.box(1400, 0, 2400, 1000)
    polys = np.array([west, east])
    shapely.prepare(polys)
    bounds = shapely.bounds(polys)
    x = np.array([1200.0, 1200.0, -300.0, 1200.0])
    y = np.array([500.0, 1300.0, 500.0, 980.0])
    # mid-river; above the river's mouth beyond both banks; west of the west bank; in the river
    # near the top corner (east-west probes land on both banks)
    assert in_gap(x, y, polys, bounds).tolist() == [True, False, False, True]
    assert in_gap(np.zeros(0), np.zeros(0), polys, bounds).tolist() == []
