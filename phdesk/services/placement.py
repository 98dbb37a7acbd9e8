"""Which area polygon each asset point falls in, for the service's neighbourhood summary.

Kept apart from ``project_service`` (the window's one door) because it is plain geometry over
frames; ``project_service`` re-exports it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def assign_points(assets: pd.DataFrame, areas: pd.DataFrame) -> pd.Series:
    """Code of the area polygon containing each asset (one STRtree query for all points).

    Eastings/northings and polygons are EPSG:27700 metres. Assets without coordinates or outside
    every polygon are left out; a point on a shared boundary goes to the area listed first, as
    in the mapping engine (``phdesk.core.mapping_access.points_in_polygons``), so the
    neighbourhood summary counts the same assets as the mapping tables.
    """
    from phdesk.core.mapping_access import points_in_polygons

    placed = assets.dropna(subset=["easting", "northing"])
    geoms = areas["geometry"].to_numpy(dtype=object) if "geometry" in areas else np.array([])
    if placed.empty or not len(geoms):
        return pd.Series(dtype=object, name="area_code")
    k = points_in_polygons(placed["easting"].to_numpy(float), placed["northing"].to_numpy(float),
                           geoms)
    codes = areas["code"].to_numpy(dtype=object)
    return pd.Series(codes[k[k >= 0]], index=placed["id"].to_numpy()[k >= 0], name="area_code")
