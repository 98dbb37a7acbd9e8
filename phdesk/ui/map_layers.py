"""The map's layers from areas and assets, and the measures it can colour by (EPSG:27700 metres).

Why it exists: everything the map draws is built here from plain data, off the GUI thread if
wanted: the areas' rings as numpy arrays and the paths made from them (``map_paths``), the
neighbourhood borders and label points (``map_borders``, from the same arrays: no union), the
asset table, a spatial index for hit-testing. What the first picture does not need is built on
first use (area edges, the dissolved neighbourhood shapes) or after it (the simplified rings
for zoomed-out views, on a background thread once the first paint is done).
docs/ARCHITECTURE.md, map rendering.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from PySide6 import QtCore, QtGui

from phdesk.core import measures as catalogue
from phdesk.core.outlines import dissolve
from phdesk.core.study_area import study_mask
from phdesk.ui.map_borders import Borders, neighbourhood_borders, neighbourhood_labels
from phdesk.ui.map_paths import (  # noqa: F401 - part of this module's interface
    RingArrays,
    array_path,
    boundary_path,
    circle_path,
    class_paths,
    grouped_paths,
    path_for,
    ring_arrays,
    tile_ids,
    vertex_box,
)

LOD_MIN_VERTICES = 300_000   # below this, drawing every vertex is fast enough at any zoom
# One background thread for the neighbourhood borders (needed by the first paint, made while
# the GUI thread builds the rest) and then the simplified rings (needed later). Their numpy
# sorts and GEOS calls release the GIL, so on two cores they run beside the GUI thread.
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="map-layers")


def _simplified(geoms: np.ndarray, tolerance_m: float) -> RingArrays:
    return ring_arrays(shapely.simplify(geoms, tolerance_m, preserve_topology=False))


class _Lazy:
    """A value made by ``make`` on its first ``get`` (from any thread; made once)."""

    def __init__(self, make):
        self._make, self._value, self._lock = make, None, threading.Lock()

    def get(self):
        with self._lock:
            if self._make is not None:
                self._value, self._make = self._make(), None
            return self._value


@dataclass
class BaseLayers:
    """Everything the map needs from the areas and assets.

    ``areas``: code, name, neighbourhood (row order = polygon order of ``rings``);
    ``tiles``: tile number per area; ``labels``: a point inside each neighbourhood (group,
    label_x, label_y; made on the background thread, the property waits); ``tree``: an
    STRtree of ``geoms`` for hit-testing (built on first use); ``borders``: neighbourhood
    borders (``.path``, ``.path_of(name)``), made on a background thread (the property waits
    for them); ``assets``: id, name,
    category, easting, northing (placed assets only);
    ``extent``: (xmin, ymin, xmax, ymax) metres. Built on first use: ``outline`` (area edges,
    one path per tile), ``nbhd`` (dissolved neighbourhoods: group, geometry, label_x,
    label_y). ``lod``: simplified rings for zoomed-out views of big data (None for small),
    made on a background thread (``start_lod``, after the first paint); ``lod_ready()`` says
    whether they are there yet.
    """

    areas: pd.DataFrame
    geoms: np.ndarray
    rings: RingArrays
    tiles: np.ndarray
    _labels: Future
    _borders: Future
    assets: pd.DataFrame
    _tree: _Lazy
    extent: tuple[float, float, float, float]
    lod_m_per_px: float = float("inf")   # use ``lod`` at this many metres per pixel or more
    _lod: Future | None = None
    _cache: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def bounds(self) -> QtCore.QRectF:
        """The rectangle the area polygons cover (metres; empty when there are none)."""
        if not len(self.rings.x):
            return QtCore.QRectF()
        with self._lock:   # (asked for by every recolour: four passes over every vertex)
            if "box" not in self._cache:
                self._cache["box"] = vertex_box(self.rings)
            x0, y0, x1, y1 = self._cache["box"]
            return QtCore.QRectF(x0, y0, x1 - x0, y1 - y0)

    @property
    def home(self) -> QtCore.QRectF:
        """The rectangle the map opens on (metres): the study area when the project holds
        context areas around it (areas in no neighbourhood beside areas in one: Lewisham's wards
        inside all of London's LSOAs), else everything (``extent``: areas and assets)."""
        study = study_mask(self.areas["neighbourhood"])
        if not study.all():
            x0, y0, x1, y1 = shapely.total_bounds(self.geoms[study])
            if np.isfinite([x0, y0, x1, y1]).all():
                return QtCore.QRectF(x0, y0, x1 - x0, y1 - y0)
        x0, y0, x1, y1 = self.extent
        return QtCore.QRectF(x0, y0, x1 - x0, y1 - y0)

    @property
    def labels(self) -> pd.DataFrame:
        return self._labels.result()

    @property
    def tree(self) -> shapely.STRtree:
        return self._tree.get()

    @property
    def borders(self) -> Borders:
        return self._borders.result()

    @property
    def nbhd_outline(self) -> QtGui.QPainterPath:
        return self.borders.path

    @property
    def outline(self) -> list[QtGui.QPainterPath]:
        """Area edges, one path per tile (drawn only zoomed in, so built on first need)."""
        with self._lock:
            if "outline" not in self._cache:
                self._cache["outline"] = [p for _, p in grouped_paths(self.rings, self.tiles)]
            return self._cache["outline"]

    @property
    def nbhd(self) -> pd.DataFrame:
        """Neighbourhoods dissolved from their areas (for the few views that fill or measure
        the shapes), with the border's label points; built on first use."""
        with self._lock:
            if "nbhd" not in self._cache:
                nb = self.areas["neighbourhood"].to_numpy(dtype=object)
                out = dissolve(self.geoms, nb).drop(columns=["label_x", "label_y"])
                self._cache["nbhd"] = out.merge(self.labels, on="group", how="left")
            return self._cache["nbhd"]

    def start_lod(self) -> None:
        """Start making the simplified rings on the background thread (once; big data only).
        Not at build time: on two cores they slowed the first paint, which never uses them."""
        with self._lock:
            if self._lod is None and self.lod_m_per_px != float("inf"):
                self._lod = _POOL.submit(_simplified, self.geoms, self.lod_m_per_px)

    def lod_ready(self) -> bool:
        return self._lod is not None and self._lod.done()

    @property
    def lod(self) -> RingArrays | None:
        """The simplified rings (started if need be; waits for the background thread), None
        for small data."""
        self.start_lod()
        return None if self._lod is None else self._lod.result()


def build_base_layers(areas: pd.DataFrame, assets: pd.DataFrame, border_lines=None
                      ) -> BaseLayers:
    """Flatten area polygons, find neighbourhood borders, index areas for hit-testing.

    ``areas`` as ``queries.areas_frame`` (code, name, neighbourhood, geometry shapely EPSG:27700);
    ``assets`` as ``queries.assets_frame`` (id, name, category, easting, northing);
    ``border_lines(rings, geoms, groups, tree)`` gives the borders' arrays
    (``core.borders.BorderLines``; e.g. ``ProjectService.neighbourhood_borders``, which keeps
    them in the project), by default found now. Plain data in, plain data and QPainterPaths
    out: safe on a worker thread.
    """
    a = areas.reset_index(drop=True)
    geoms = (a["geometry"].to_numpy(dtype=object) if "geometry" in a
             else np.full(len(a), None, dtype=object))
    rings = ring_arrays(geoms)
    nb = a["neighbourhood"] if "neighbourhood" in a else pd.Series([None] * len(a))
    nb = nb.astype(object).where(nb.notna(), None).to_numpy()
    # The label points and then the borders (the first paint's longest job, unless kept) are
    # made on the worker from the rings, while this thread builds the rest. The index (for
    # hit-testing, and for borders that must be found) is built on first need: a first paint
    # of kept borders never uses it.
    tree = _Lazy(lambda: shapely.STRtree(geoms))
    labels = _POOL.submit(neighbourhood_labels, rings, geoms, nb)
    if border_lines is None:
        borders = _POOL.submit(neighbourhood_borders, rings, geoms, nb, tree.get)
    else:
        borders = _POOL.submit(lambda: Borders(border_lines(rings, geoms, nb, tree.get)))
    box = vertex_box(rings)   # (one pass per side over every vertex, for all who ask)
    tiles = tile_ids(rings, box=box)
    frame = pd.DataFrame({
        "code": a["code"].astype(str).to_numpy() if "code" in a else np.arange(len(a)).astype(str),
        "name": a["name"].astype(object).to_numpy() if "name" in a else None,
        "neighbourhood": nb,
    })
    cols = ["id", "name", "category", "easting", "northing"]
    s = assets.reindex(columns=cols).copy() if assets is not None else pd.DataFrame(columns=cols)
    s["easting"] = pd.to_numeric(s["easting"], errors="coerce")
    s["northing"] = pd.to_numeric(s["northing"], errors="coerce")
    s = s[np.isfinite(s["easting"].to_numpy(float)) & np.isfinite(s["northing"].to_numpy(float))]
    s["category"] = s["category"].astype(object).where(s["category"].notna(), "Uncategorised")
    s = s.reset_index(drop=True)
    xs, ys = s["easting"].to_numpy(float), s["northing"].to_numpy(float)
    if len(rings.x):
        xs = np.concatenate([[box[0], box[2]], xs])
        ys = np.concatenate([[box[1], box[3]], ys])
    extent = ((float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
              if len(xs) else (0.0, 0.0, 1000.0, 1000.0))
    lod_m = float("inf")
    if len(rings.x) > LOD_MIN_VERTICES:
        # Zoomed out, most areas are a few pixels: polygons simplified to half a pixel of the
        # view that shows everything draw the same picture from a fraction of the vertices.
        # The first paint does not wait for them (it draws every vertex, as fast as building
        # them would be); they are started once it is done (``lod_fills``), and views after
        # it use them once they are there.
        lod_m = max(extent[2] - extent[0], extent[3] - extent[1]) / 2000
    layers = BaseLayers(frame, geoms, rings, tiles, labels, borders, s, tree, extent, lod_m)
    layers._cache["box"] = box
    return layers


def lod_fills(layers: BaseLayers, classes: np.ndarray, brushes: list
              ) -> tuple[object, float] | None:
    """(builder, metres per pixel) of fill paths from the simplified rings, for zoomed-out
    views of big data (None for small data). The builder (``FillItem.set_paths``) returns
    (path, brush) pairs, or None while the rings are still being made."""
    if layers.lod_m_per_px == float("inf"):
        return None

    def build():
        if not layers.lod_ready():
            # (asked for while drawing: started when this paint is over, not beside it)
            QtCore.QTimer.singleShot(0, layers.start_lod)
            return None
        return [(p, brushes[k]) for k, p in class_paths(layers.lod, classes, layers.tiles)]
    return build, layers.lod_m_per_px


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
        return _lookup(s, codes), None
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


def _lookup(s: pd.Series, keys: pd.Series) -> np.ndarray:
    """``keys.map(s)`` as floats (NaN where a key is not in ``s``'s unique index), without
    ``map``'s pointwise cast of a string column back to its dtype (most of a recolour's
    lookup at England scale)."""
    if s.empty:
        return np.full(len(keys), np.nan)
    at = s.index.get_indexer(keys.to_numpy(dtype=object))
    return np.where(at >= 0, s.to_numpy(dtype=float)[at], np.nan)


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
    s = pd.Series(pd.to_numeric(df[col], errors="coerce").to_numpy(float),
                  index=df[key].to_numpy())
    # one row per key (the usual case) needs no grouping; else the first value known per key
    return s if s.index.is_unique else s.groupby(level=0).first()


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
