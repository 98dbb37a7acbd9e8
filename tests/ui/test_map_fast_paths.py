"""The first paint's fast paths equal the plain ones (docs/ARCHITECTURE.md, map rendering):
rings told one ring per polygon, class paths written in place from complex x + iy, tiles by
first vertex, labels shown when a hold ends."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
import shapely
from PySide6 import QtCore, QtGui

from phdesk.core import rings as core_rings
from phdesk.ui import map_paths
from phdesk.ui.map_panel import MapPanel
from tests.ui.map_fixtures import grid_areas, grid_assets, grid_profile


def _mixed(seed: int = 3) -> np.ndarray:
    """Polygons, holes, a self-touching ring, multipolygons of one and two parts, empties."""
    rng = np.random.default_rng(seed)
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(rng.uniform(0, 1000, (60, 2))), extend_to=shapely.box(0, 0, 1000,
                                                                                   1000)))
    cells = list(shapely.segmentize(shapely.intersection(cells, shapely.box(0, 0, 1000, 1000)),
                                    40.0))
    cells[3] = cells[3].difference(shapely.centroid(cells[3]).buffer(5))          # a hole
    cells[5] = shapely.MultiPolygon([cells[5]])                                   # one part
    cells[7] = shapely.MultiPolygon([cells[7], shapely.box(2000, 0, 2010, 10)])   # two parts
    cells[9] = shapely.Polygon([(0, 0), (4, 0), (2, 2), (4, 4), (0, 4), (2, 2), (0, 0)])
    cells[11] = shapely.MultiPolygon([cells[11].difference(shapely.centroid(cells[11])
                                                           .buffer(3))])          # part + hole
    return np.array(cells + [None, shapely.Polygon()], dtype=object)


def _same_rings(a: core_rings.RingArrays, b: core_rings.RingArrays) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f))
               for f in ("x", "y", "connect", "start", "count"))


@pytest.mark.parametrize("multi", [False, True])
def test_rings_told_per_polygon_equal_every_ring_the_long_way(multi):
    geoms = _mixed()
    if not multi:   # polygons only: the per-polygon count of holes decides
        geoms = np.array([g for g in geoms if g is None or g.geom_type != "MultiPolygon"],
                         dtype=object)
    fast = core_rings.ring_arrays(geoms)
    assert _same_rings(fast, core_rings._ring_arrays_general(geoms))
    assert np.array_equal(fast.xy, fast.x + 1j * fast.y)


def _elements(path: QtGui.QPainterPath) -> list[tuple[float, float, int]]:
    return [(e.x, e.y, int(e.type.value))
            for e in (path.elementAt(i) for i in range(path.elementCount()))]


def test_class_paths_written_in_place_equal_array_to_qpath(monkeypatch):
    rings = core_rings.ring_arrays(_mixed())
    classes = np.arange(rings.n) % 4 - 1
    tiles = map_paths.tile_ids(rings, per_tile=5)
    assert len(np.unique(tiles)) > 4
    fast = map_paths.class_paths(rings, classes, tiles)
    monkeypatch.setattr(map_paths, "_IN_PLACE", False)     # the portable arrayToQPath
    plain = map_paths.class_paths(rings, classes, tiles)
    assert [k for k, _ in fast] == [k for k, _ in plain]
    assert all(_elements(p) == _elements(q) for (_, p), (_, q) in zip(fast, plain, strict=True))
    assert all(p.fillRule() == QtCore.Qt.FillRule.OddEvenFill for _, p in fast)


def _render(pairs, size=(300, 300)) -> QtGui.QImage:
    brushes = [pg.mkBrush(c) for c in ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")]
    image = QtGui.QImage(*size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    p = QtGui.QPainter(image)
    p.setTransform(QtGui.QTransform.fromScale(0.29, -0.29) * QtGui.QTransform.fromTranslate(5,
                                                                                             295))
    p.setPen(QtCore.Qt.PenStyle.NoPen)
    for k, path in pairs:
        p.setBrush(brushes[k])
        p.drawPath(path)
    p.end()
    return image


def test_fills_split_by_any_tiles_draw_the_same_pixels():
    rings = core_rings.ring_arrays(_mixed()[:60])
    classes = np.arange(rings.n) % 5
    whole = _render(map_paths.class_paths(rings, classes))
    for per_tile in (2, 7, 20):
        tiles = map_paths.tile_ids(rings, per_tile=per_tile)
        assert _render(map_paths.class_paths(rings, classes, tiles)) == whole


def test_labels_of_a_held_panel_appear_when_the_hold_ends(qtbot):
    held = MapPanel()
    qtbot.addWidget(held)
    with held.held():
        held.set_base(grid_areas(), grid_assets())
        held.set_profile(grid_profile())
        assert len(held.view.labels) == 0        # not asked for yet: the worker has longer
    plain = MapPanel()
    qtbot.addWidget(plain)
    plain.set_base(grid_areas(), grid_assets())
    assert held.view.labels.names == plain.view.labels.names and len(plain.view.labels) > 0
    assert np.array_equal(held.view.labels.x, plain.view.labels.x)
    assert np.array_equal(held.view.labels.shown, plain.view.labels.shown)
