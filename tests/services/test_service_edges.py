"""ProjectService edge cases shared with the mapping engine."""

from __future__ import annotations

import numpy as np
import pandas as pd

from phdesk.core.mapping_access import points_in_polygons
from phdesk.services.project_service import assign_points
from tests.core.mapping_data import square


def test_boundary_assets_go_to_the_same_area_as_in_the_mapping():
    # four 1 km squares meeting at (0, 0); assets at the shared corner, on a shared edge and
    # inside one square; polygons listed in an order the spatial index does not keep
    polys = [square(500, 500), square(-500, 500), square(500, -500), square(-500, -500)]
    areas = pd.DataFrame({"code": ["NE", "NW", "SE", "SW"],
                          "geometry": np.array(polys, dtype=object)})
    assets = pd.DataFrame({"id": [1, 2, 3, 4], "easting": [0.0, 0.0, -300.0, np.nan],
                           "northing": [0.0, -500.0, -300.0, 0.0]})
    got = assign_points(assets, areas)
    k = points_in_polygons(assets["easting"].to_numpy(), assets["northing"].to_numpy(),
                           areas["geometry"].to_numpy(dtype=object))
    assert got.to_dict() == {1: "NE", 2: "SE", 3: "SW"}
    assert got.to_dict() == {int(i): areas["code"][j] for i, j in zip(assets["id"], k) if j >= 0}


def test_areas_outside_the_lookup_take_the_neighbourhood_polygon_as_in_the_mapping(project):
    import shapely

    from phdesk.core.mapping import run_mapping
    from phdesk.services.project_service import ProjectService
    from tests.core.test_mapping_run import fill_tiny_project

    fill_tiny_project(project)
    with project.transaction() as db:   # no lookup; N1 drawn as a polygon over area A
        db.execute("DELETE FROM area_neighbourhood")
        db.execute("UPDATE neighbourhoods SET geometry = ? WHERE name = 'N1'",
                   [shapely.to_wkb(shapely.box(-600, -600, 400, 600))])
    svc = ProjectService(project)
    result = run_mapping(project)
    mapped = result.area_access.drop_duplicates("area_code").set_index("area_code")
    areas = svc.areas().set_index("code")
    assert mapped.loc["A", "neighbourhood"] == areas.loc["A", "neighbourhood"] == "N1"
    assert pd.isna(areas.loc["B", "neighbourhood"])
    summary = svc.neighbourhood_summary().set_index("neighbourhood")
    assert list(summary.index) == ["N1"]
    assert summary.loc["N1", "population"] == 100 and summary.loc["N1", "assets"] == 1
