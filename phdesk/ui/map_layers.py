"""Bulk geometry -> QPainterPath building for the map (EPSG:27700 metres).

Why it exists: drawing tens of thousands of polygons one ``drawPolygon`` call at a time is slow
(DESIGN.md, Known traps). Here every ring of every polygon is flattened once into numpy arrays
(shapely 2 vectorised ``get_parts`` / ``get_rings`` / ``get_coordinates``), and a colour class is
one ``QPainterPath`` built from a boolean mask over those arrays (``pyqtgraph.arrayToQPath`` with
a connect array that breaks between rings). These functions take plain data and return arrays or
paths, touch no widget, and so can run on a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyqtgraph as pg
import shapely
from PySide6 import QtCore, QtGui

from phdesk.core import measures as catalogue
from phdesk.ui.map_outlines import dissolve  # noqa: F401 - part of this module's interface


@dataclass
class RingArrays:
    """All rings of ``n`` polygons flattened: vertex coordinates grouped by owner polygon.

    ``x``/``y`` metres; ``connect[i] == 1`` joins vertex i to i + 1 (0 at each ring's last
    vertex); vertices of polygon j are ``x[start[j]:start[j] + count[j]]``.
    """

    x: np.ndarray
    y: np.ndarray
    connect: np.ndarray
    start: np.ndarray
    count: np.ndarray

    @property
    def n(self) -> int:
        return len(self.count)

    def mask_for(self, polygons: np.ndarray) -> np.ndarray:
        """Vertex mask selecting the polygons where ``polygons`` (bool, length n) is True."""
        return np.repeat(np.asarray(polygons, dtype=bool), self.count)


def ring_arrays(geoms) -> RingArrays:
    """Flatten (multi)polygons into ring arrays. ``None``/empty geometries get no vertices."""
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    valid = np.array([g is not None for g in geoms], dtype=bool)
    g = np.full(n, None, dtype=object)
    g[valid] = geoms[valid]
    parts, part_owner = shapely.get_parts(g, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, vert_ring = shapely.get_coordinates(rings, return_index=True)
    owner = part_owner[ring_part][vert_ring] if len(coords) else np.zeros(0, dtype=np.int64)
    # get_parts/get_rings/get_coordinates keep input order, so each polygon's vertices are one run
    count = np.bincount(owner, minlength=n).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    connect = np.ones(len(coords), dtype=np.int32)
    if len(coords):
        last = np.flatnonzero(np.diff(vert_ring) != 0)
        connect[last] = 0
        connect[-1] = 0
    return RingArrays(coords[:, 0].copy(), coords[:, 1].copy(), connect, start, count)


def path_for(rings: RingArrays, polygons: np.ndarray | None = None) -> QtGui.QPainterPath:
    """One QPainterPath (odd-even fill, so holes stay holes) for the selected polygons."""
    if polygons is None:
        x, y, c = rings.x, rings.y, rings.connect
    else:
        m = rings.mask_for(polygons)
        x, y, c = rings.x[m], rings.y[m], rings.connect[m]
    if len(x) == 0:
        return QtGui.QPainterPath()
    path = pg.arrayToQPath(x, y, connect=c, finiteCheck=False)
    path.setFillRule(QtCore.Qt.FillRule.OddEvenFill)
    return path


def tile_ids(rings: RingArrays, per_tile: int = 500) -> np.ndarray:
    """A square-grid tile number for each polygon (by the mean of its vertices), about
    ``per_tile`` polygons to a tile, so the map can skip paths outside the part on screen."""
    n = rings.n
    k = max(1, int(np.ceil(np.sqrt(n / per_tile))))
    if k == 1 or len(rings.x) == 0:
        return np.zeros(n, dtype=np.int64)
    owner = np.repeat(np.arange(n), rings.count)
    cnt = np.maximum(rings.count, 1)
    mx = np.bincount(owner, weights=rings.x, minlength=n) / cnt
    my = np.bincount(owner, weights=rings.y, minlength=n) / cnt
    gx = np.clip(((mx - rings.x.min()) / (np.ptp(rings.x) or 1) * k).astype(np.int64), 0, k - 1)
    gy = np.clip(((my - rings.y.min()) / (np.ptp(rings.y) or 1) * k).astype(np.int64), 0, k - 1)
    return gy * k + gx


def grouped_paths(rings: RingArrays, key: np.ndarray) -> list[tuple[int, QtGui.QPainterPath]]:
    """One path per distinct ``key`` value (int per polygon), built from contiguous slices after
    one reordering of the vertex arrays (no per-group masking of all vertices)."""
    key = np.asarray(key, dtype=np.int64)
    order = np.argsort(key, kind="stable")
    counts = rings.count[order]
    # vertex index of every vertex of the reordered polygons: start of its polygon + offset
    total = int(counts.sum())
    first = np.repeat(rings.start[order] - (np.cumsum(counts) - counts), counts)
    idx = first + np.arange(total)
    x, y, c = rings.x[idx], rings.y[idx], rings.connect[idx]
    keys_sorted = key[order]
    bounds = np.concatenate([[0], np.cumsum(counts)])
    out = []
    for k in np.unique(keys_sorted):
        lo, hi = np.searchsorted(keys_sorted, [k, k + 1])
        a, b = int(bounds[lo]), int(bounds[hi])
        if b > a:
            path = pg.arrayToQPath(x[a:b], y[a:b], connect=c[a:b], finiteCheck=False)
            path.setFillRule(QtCore.Qt.FillRule.OddEvenFill)
            out.append((int(k), path))
    return out


def class_paths(rings: RingArrays, classes: np.ndarray, tiles: np.ndarray | None = None
                ) -> list[tuple[int, QtGui.QPainterPath]]:
    """(class, path) pairs: one path per colour class (-1 = no data) and tile."""
    classes = np.asarray(classes, dtype=np.int64)
    tiles = np.zeros(len(classes), dtype=np.int64) if tiles is None else tiles
    n_tiles = int(tiles.max()) + 1 if len(tiles) else 1
    pairs = grouped_paths(rings, (classes + 1) * n_tiles + tiles)
    return [(k // n_tiles - 1, p) for k, p in pairs]


def boundary_path(geoms) -> QtGui.QPainterPath:
    """Outline-only path of polygons (for neighbourhood borders)."""
    return path_for(ring_arrays(geoms))


def circle_path(x: np.ndarray, y: np.ndarray, radius: float, segments: int = 48
                ) -> QtGui.QPainterPath:
    """Circles of ``radius`` metres around points, built in bulk (one path, winding fill so the
    union of overlapping catchments shows once)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) == 0 or radius <= 0:
        return QtGui.QPainterPath()
    t = np.linspace(0, 2 * np.pi, segments + 1)
    cx = (x[:, None] + radius * np.cos(t)[None, :]).ravel()
    cy = (y[:, None] + radius * np.sin(t)[None, :]).ravel()
    connect = np.ones((len(x), segments + 1), dtype=np.int32)
    connect[:, -1] = 0
    path = pg.arrayToQPath(cx, cy, connect=connect.ravel(), finiteCheck=False)
    path.setFillRule(QtCore.Qt.FillRule.WindingFill)
    return path


LOD_MIN_VERTICES = 300_000   # below this, drawing every vertex is fast enough at any zoom


@dataclass
class BaseLayers:
    """Everything the map needs from the areas and assets, built off the GUI thread if wanted.

    ``areas``: code, name, neighbourhood (row order = polygon order of ``rings``);
    ``tiles``: tile number per area; ``outline``: area edges, one path per tile;
    ``nbhd``: dissolved neighbourhoods (group, geometry, label_x, label_y); ``nbhd_outline``:
    their borders; ``assets``: id, name, category, easting, northing (placed assets only);
    ``extent``: (xmin, ymin, xmax, ymax) metres.
    """

    areas: pd.DataFrame
    geoms: np.ndarray
    rings: RingArrays
    tiles: np.ndarray
    outline: list[QtGui.QPainterPath]
    nbhd: pd.DataFrame
    nbhd_outline: QtGui.QPainterPath
    assets: pd.DataFrame
    tree: shapely.STRtree
    extent: tuple[float, float, float, float]
    lod: RingArrays | None = None   # simplified rings for zoomed-out views (big data only)
    lod_m_per_px: float = float("inf")   # use ``lod`` at this many metres per pixel or more


def build_base_layers(areas: pd.DataFrame, assets: pd.DataFrame) -> BaseLayers:
    """Flatten area polygons, dissolve neighbourhoods, index areas for hit-testing.

    ``areas`` as ``queries.areas_frame`` (code, name, neighbourhood, geometry shapely EPSG:27700);
    ``assets`` as ``queries.assets_frame`` (id, name, category, easting, northing). Plain data
    in, plain data and QPainterPaths out: safe on a worker thread.
    """
    a = areas.reset_index(drop=True)
    geoms = (a["geometry"].to_numpy(dtype=object) if "geometry" in a
             else np.full(len(a), None, dtype=object))
    rings = ring_arrays(geoms)
    tiles = tile_ids(rings)
    outline = [p for _, p in grouped_paths(rings, tiles)]
    nb = a["neighbourhood"] if "neighbourhood" in a else pd.Series([None] * len(a))
    nbhd = dissolve(geoms, nb.astype(object).where(nb.notna(), None).to_numpy())
    nbhd_outline = boundary_path(nbhd["geometry"].to_numpy()) if len(nbhd) else \
        QtGui.QPainterPath()
    frame = pd.DataFrame({
        "code": a["code"].astype(str).to_numpy() if "code" in a else np.arange(len(a)).astype(str),
        "name": a["name"].astype(object).to_numpy() if "name" in a else None,
        "neighbourhood": nb.astype(object).where(nb.notna(), None).to_numpy(),
    })
    cols = ["id", "name", "category", "easting", "northing"]
    s = assets.reindex(columns=cols).copy() if assets is not None else pd.DataFrame(columns=cols)
    s["easting"] = pd.to_numeric(s["easting"], errors="coerce")
    s["northing"] = pd.to_numeric(s["northing"], errors="coerce")
    s = s[np.isfinite(s["easting"].to_numpy(float)) & np.isfinite(s["northing"].to_numpy(float))]
    s["category"] = s["category"].astype(object).where(s["category"].notna(), "Uncategorised")
    s = s.reset_index(drop=True)
    have = np.array([g is not None for g in geoms], dtype=bool)
    tree = shapely.STRtree(np.where(have, geoms, None))
    xs = np.concatenate([rings.x, s["easting"].to_numpy(float)])
    ys = np.concatenate([rings.y, s["northing"].to_numpy(float)])
    extent = ((float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
              if len(xs) else (0.0, 0.0, 1000.0, 1000.0))
    lod, lod_m = None, float("inf")
    if len(rings.x) > LOD_MIN_VERTICES:
        # Zoomed out, most areas are a few pixels: polygons simplified to half a pixel of the
        # view that shows everything draw the same picture from a fraction of the vertices.
        lod_m = max(extent[2] - extent[0], extent[3] - extent[1]) / 2000
        lod = ring_arrays(shapely.simplify(geoms, lod_m, preserve_topology=False))
    return BaseLayers(frame, geoms, rings, tiles, outline, nbhd, nbhd_outline, s, tree, extent,
                      lod, lod_m)


def area_at(layers: BaseLayers, x: float, y: float) -> int | None:
    """Row index of the area polygon containing the map point (metres), or None.

    STRtree candidates by bounding box, then an exact containment test on those few.
    """
    if not len(layers.geoms):
        return None
    hits = layers.tree.query(shapely.Point(x, y), predicate="intersects")
    return int(np.min(hits)) if len(hits) else None


@dataclass(frozen=True)
class Measure:
    """A value the map can colour by. ``source``: "profile" (no mapping run needed) or
    "result" (MappingResult.area_access for areas, .neighbourhood_segments for neighbourhoods).
    Labels come from the measure catalogue (``phdesk.core.measures``)."""

    key: str
    label: str
    level: str        # "areas" | "neighbourhoods"
    source: str       # "profile" | "result"
    diverging: bool = False


def _on_map(key: str, level: str, source: str, label: str | None = None) -> Measure:
    m = catalogue.MEASURES.get(key)
    return Measure(key, label or (m.label if m else key), level, source,
                   diverging=bool(m and m.diverging))


MEASURES = [
    _on_map("population", "areas", "profile"),
    _on_map("imd_decile", "areas", "profile"),
    _on_map("access_2sfca", "areas", "result"),
    _on_map("access_e2sfca", "areas", "result"),
    _on_map("nearest_m", "areas", "result"),
    _on_map("assets_within", "areas", "result"),
    # the run's population is the chosen segment's: said so, beside the profile's everyone
    _on_map("population", "areas", "result",
            "Segment " + catalogue.measure("population").label.lower()),
    _on_map("population", "neighbourhoods", "profile"),
    _on_map("core20_pct", "neighbourhoods", "profile"),
    _on_map("gap_score", "neighbourhoods", "result"),
    _on_map("coverage_pct", "neighbourhoods", "result"),
    _on_map("assets_per_10k", "neighbourhoods", "result"),
    _on_map("access_2sfca", "neighbourhoods", "result"),
    _on_map("access_ratio", "neighbourhoods", "result"),
    _on_map("no_site_pct", "neighbourhoods", "result"),
    _on_map("choice_pct", "neighbourhoods", "result"),
    _on_map("duplicated_pct", "neighbourhoods", "result"),
]


def available_measures(level: str, has_profile: bool, has_result: bool) -> list[Measure]:
    return [m for m in MEASURES if m.level == level
            and ((m.source == "profile" and has_profile) or (m.source == "result" and has_result))]


def measure_values(measure: Measure, areas: pd.DataFrame, profile: pd.DataFrame | None,
                   result, segment: str | None, category: str | None
                   ) -> tuple[np.ndarray, pd.Series | None]:
    """Values per area row (neighbourhood measures are broadcast to their areas) and, for
    neighbourhood measures, the Series indexed by neighbourhood name. NaN where unknown."""
    codes = areas["code"]
    if measure.level == "areas":
        if measure.source == "profile":
            s = _indexed(profile, "area_code", measure.key)
        else:
            df = _filter(result.area_access, segment, category)
            s = _indexed(df, "area_code", measure.key)
        return codes.map(s).to_numpy(dtype=float), None
    if measure.source == "profile":
        p = profile.dropna(subset=["neighbourhood"]) if profile is not None else None
        if p is None or p.empty:
            nb = pd.Series(dtype=float)
        elif measure.key == "population":
            nb = p.groupby("neighbourhood")["population"].sum(min_count=1)
        else:   # core20_pct: share of population living in Core20 areas (catalogue's rule)
            pop = pd.to_numeric(p["population"], errors="coerce")
            core = pop.where(catalogue.is_core20(pd.to_numeric(p["imd_decile"],
                                                                errors="coerce")), 0.0)
            g = pd.DataFrame({"n": p["neighbourhood"], "pop": pop, "core": core})
            tot = g.groupby("n")[["pop", "core"]].sum()
            nb = 100 * tot["core"] / tot["pop"].where(tot["pop"] > 0)
    else:
        df = _filter(result.neighbourhood_segments, segment, category)
        nb = _indexed(df, "neighbourhood", measure.key)
    nb = pd.Series(nb, dtype=float)
    return areas["neighbourhood"].map(nb).to_numpy(dtype=float), nb


def _filter(df: pd.DataFrame, segment: str | None, category: str | None) -> pd.DataFrame:
    keep = np.ones(len(df), dtype=bool)
    if segment is not None and "segment" in df:
        keep &= (df["segment"] == segment).to_numpy(dtype=bool)
    if category is not None and "category" in df:
        keep &= (df["category"] == category).to_numpy(dtype=bool)
    return df[keep]


def _indexed(df: pd.DataFrame | None, key: str, col: str) -> pd.Series:
    if df is None or df.empty or col not in df:
        return pd.Series(dtype=float)
    s = pd.to_numeric(df[col], errors="coerce")
    return pd.Series(s.to_numpy(float), index=df[key].to_numpy()).groupby(level=0).first()


def catchment_radius(result, category: str | None) -> float:
    """Catchment radius (metres) a mapping run used for a category: read from the run's
    ``category_rules`` (what the engine resolved from saved settings, parameters and defaults),
    so the circles are always the catchments the figures came from. 0 when there is no run or
    the category was not mapped."""
    if result is None or category is None:
        return 0.0
    radius = result.radius_m(category) if hasattr(result, "radius_m") else None
    return float(radius) if radius is not None else 0.0


if __name__ == "__main__":
    import time

    from shapely import voronoi_polygons

    rng = np.random.default_rng(0)
    pts = shapely.multipoints(rng.uniform(0, 40_000, (5000, 2)))
    polys = shapely.get_parts(voronoi_polygons(pts, extend_to=shapely.box(0, 0, 40_000, 40_000)))
    t0 = time.perf_counter()
    r = ring_arrays(polys)
    paths = class_paths(r, rng.integers(0, 5, len(polys)), tile_ids(r))
    print(f"{len(polys)} polygons, {len(r.x)} vertices, {len(paths)} paths in "
          f"{time.perf_counter() - t0:.3f} s")
