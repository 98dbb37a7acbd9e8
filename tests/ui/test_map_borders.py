"""The map's fast geometry: ring arrays, paths written in place, neighbourhood borders found by
matching edges (and the union they fall back to), label points, and a first paint that does not
wait for the simplified rings."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
import shapely

from phdesk.ui import map_borders as mb
from phdesk.ui import map_layers as ml
from phdesk.ui import map_paths as mp
from phdesk.ui.map_panel import MapPanel
from tests.ui.map_fixtures import grid_areas, grid_assets, grid_profile


def _elements(path):
    return [(e.x, e.y, int(e.type.value)) for e in
            (path.elementAt(i) for i in range(path.elementCount()))]


def _segments(path) -> list[shapely.LineString]:
    """The path's line segments (LineTo elements after their previous point)."""
    el = _elements(path)
    return [shapely.LineString([el[i - 1][:2], el[i][:2]]) for i in range(1, len(el))
            if el[i][2] == 1]


def _length(path) -> float:
    return float(sum(s.length for s in _segments(path)))


def test_ring_arrays_match_the_parts_and_rings_route_for_every_kind_of_geometry():
    donut = shapely.box(0, 0, 10, 10).difference(shapely.box(2, 2, 4, 4))
    multi = shapely.MultiPolygon([shapely.box(20, 0, 21, 1), donut.buffer(0).reverse()])
    geoms = np.array([shapely.box(5, 5, 6, 7), None, multi, shapely.Point(1, 1), donut,
                      shapely.Polygon(), shapely.MultiPolygon([shapely.box(-3, -3, -1, -1)]),
                      shapely.MultiPolygon([donut]), shapely.box(30, 30, 31, 31)], dtype=object)
    r = mp.ring_arrays(geoms)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, vert_ring = shapely.get_coordinates(rings, return_index=True)
    assert np.array_equal(r.x, coords[:, 0]) and np.array_equal(r.y, coords[:, 1])
    owner = part_of[ring_of][vert_ring]
    assert np.array_equal(r.count, np.bincount(owner, minlength=len(geoms)))
    ends = np.flatnonzero(np.diff(vert_ring) != 0).tolist() + [len(coords) - 1]
    assert np.flatnonzero(r.connect == 0).tolist() == ends     # one break per ring


def test_paths_written_in_place_equal_pyqtgraphs_array_to_path():
    r = mp.ring_arrays(grid_areas()["geometry"].to_numpy())
    assert mp._in_place_ok()
    ours = mp.array_path(r.x, r.y, r.connect)
    theirs = pg.arrayToQPath(r.x, r.y, connect=r.connect, finiteCheck=False)
    assert _elements(ours) == _elements(theirs)
    assert ours.boundingRect() == theirs.boundingRect()


def test_paths_fall_back_to_array_to_path_when_elements_cannot_be_written(monkeypatch):
    monkeypatch.setattr(mp, "_IN_PLACE", False)
    x, y = np.array([0.0, 1.0, 1.0, 5.0, 6.0]), np.array([0.0, 0.0, 1.0, 5.0, 5.0])
    path = mp.array_path(x, y, np.array([1, 1, 0, 1, 0]))
    assert [t for *_, t in _elements(path)] == [0, 1, 1, 0, 1]


def _borders(geoms, groups):
    geoms = np.asarray(geoms, dtype=object)
    r = mp.ring_arrays(geoms)
    return mb.neighbourhood_borders(r, geoms, np.asarray(groups, dtype=object),
                                    shapely.STRtree(geoms))


def test_borders_of_edge_matched_areas_are_the_dissolved_outlines_without_a_union():
    # Voronoi cells share exact edges (densified the same way on both sides)
    rng = np.random.default_rng(5)
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(rng.uniform(0, 3000, (80, 2))), extend_to=shapely.box(0, 0, 3000,
                                                                                  3000)))
    cells = shapely.segmentize(shapely.intersection(cells, shapely.box(0, 0, 3000, 3000)), 60.0)
    cx = shapely.get_x(shapely.centroid(cells))
    cy = shapely.get_y(shapely.centroid(cells))
    groups = np.where(cx < 1500, "W", np.where(cy < 1500, "SE", "NE")).astype(object)
    groups[0] = None                                   # one area in no neighbourhood
    b = _borders(cells, groups)
    assert not b.fallback                              # matched edges: no union needed
    dis = ml.dissolve(cells, groups).set_index("group")    # (rounded to 1 cm)
    outlines = {g: shapely.boundary(dis.loc[g, "geometry"]) for g in ("W", "SE", "NE")}
    for g, outline in outlines.items():
        own = b.path_of(g)
        assert _length(own) == pytest.approx(outline.length, rel=1e-5)
        mids = shapely.line_interpolate_point(_segments(own), 0.5, normalized=True)
        assert shapely.distance(mids, outline).max() < 0.01
    # the whole-map path draws each border once: the three outlines minus what they share
    shared = sum(_length(b.path_of(g)) for g in ("W", "SE", "NE"))
    union_of_outlines = shapely.union_all(list(outlines.values())).length
    assert _length(b.path) == pytest.approx(union_of_outlines, rel=1e-5)
    assert _length(b.path) < shared


def test_areas_that_do_not_share_vertices_fall_back_to_the_union():
    # the middle square is densified along its shared edges, its neighbours are not
    left, right = shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100)
    mid = shapely.segmentize(shapely.box(100, 0, 200, 100), 7.0)
    far = shapely.box(1000, 0, 1100, 100)
    b = _borders([left, mid, right, far], ["N", "N", "N", "F"])
    assert set(b.fallback) == {"N"}                    # only the spoiled neighbourhood
    assert _length(b.path_of("N")) == pytest.approx(800, rel=1e-6)   # 300 x 100 outline
    assert _length(b.path_of("F")) == pytest.approx(400, rel=1e-9)   # matched: edges
    assert _length(b.path) == pytest.approx(1200, rel=1e-6)
    assert b.path_of("nowhere").isEmpty()


def test_a_lone_edge_with_both_sides_covered_sends_its_neighbourhood_to_the_union():
    # a 20 cm slit between two squares, closed above and below: the edges beside it match
    # nothing, yet both their sides are covered; the union drops the hairline hole
    parts = [shapely.box(0, 0, 100, 100), shapely.box(100.2, 0, 200, 100),
             shapely.box(0, 100, 200, 200), shapely.box(0, -100, 200, 0)]
    slit = _borders(parts, ["N"] * 4)
    assert set(slit.fallback) == {"N"}
    assert _length(slit.path_of("N")) == pytest.approx(1000, rel=1e-6)   # 200 x 300 outline
    apart = _borders(parts[:1] + [shapely.box(105, 0, 200, 100)], ["N", "N"])   # a 5 m gap
    assert not apart.fallback and _length(apart.path_of("N")) == pytest.approx(790, rel=1e-9)


def test_label_points_lie_inside_their_neighbourhood_even_when_it_is_c_shaped():
    c_shape = [shapely.box(0, 0, 300, 100), shapely.box(0, 100, 100, 200),
               shapely.box(0, 200, 300, 300)]
    inner = shapely.box(100, 100, 300, 200)
    geoms = np.array(c_shape + [inner, None], dtype=object)
    groups = np.array(["C", "C", "C", "I", "lost"], dtype=object)
    labels = mb.neighbourhood_labels(mp.ring_arrays(geoms), geoms, groups).set_index("group")
    assert list(labels.index) == ["C", "I"]            # no geometry, no label
    c = shapely.union_all(c_shape)
    assert shapely.contains_xy(c, labels.loc["C", "label_x"], labels.loc["C", "label_y"])
    assert shapely.contains_xy(inner, labels.loc["I", "label_x"], labels.loc["I", "label_y"])


def test_layers_give_borders_labels_and_the_dissolved_shapes_on_demand():
    layers = ml.build_base_layers(grid_areas(), grid_assets())
    assert list(layers.labels["group"]) == ["North", "South"]
    assert _length(layers.nbhd_outline) == pytest.approx(14_000 + 4_000)   # edge + N/S
    nb = layers.nbhd.set_index("group")                # dissolved when first asked for
    assert nb.loc["North", "geometry"].area == pytest.approx(8e6)
    assert nb.loc["South", "label_x"] == layers.labels.set_index("group").loc["South", "label_x"]


def test_the_first_paint_does_not_wait_for_the_simplified_rings(qtbot, monkeypatch):
    monkeypatch.setattr(ml, "LOD_MIN_VERTICES", 0)     # simplified rings even for the grid
    gate = threading.Event()
    real = ml._simplified

    def slow(geoms, tolerance):
        assert gate.wait(30)
        return real(geoms, tolerance)

    monkeypatch.setattr(ml, "_simplified", slow)
    p = MapPanel()
    qtbot.addWidget(p)
    p.resize(800, 600)
    with p.held():
        p.set_base(grid_areas(), grid_assets())
        p.set_profile(grid_profile())
    try:
        p.show()
        qtbot.waitExposed(p)
        qtbot.wait(20)                                 # let the first layout happen
        p.view.reset_view()
        p.view.viewport().repaint()
        fill = p.view.fill
        assert not p._layers.lod_ready()
        assert fill.renders >= 1 and not fill.used_lod     # drawn in full detail meanwhile
    finally:
        gate.set()
    qtbot.waitUntil(p._layers.lod_ready, timeout=10_000)
    p.view.zoom(1.25)                                  # the next render may use them
    p.view.viewport().repaint()
    assert fill.used_lod


def test_measure_values_keep_the_first_known_value_of_a_repeated_key():
    layers = ml.build_base_layers(grid_areas(), grid_assets())
    prof = grid_profile()
    dup = pd.concat([prof.iloc[[0]].assign(population=np.nan), prof])   # area 0 twice
    m = next(m for m in ml.MEASURES if m.key == "population" and m.level == "areas")
    values, _ = ml.measure_values(m, layers.areas, dup, None, None, None)
    assert values[0] == 1000 and values[5] == 1500


def test_borders_that_fail_on_their_worker_leave_the_map_drawn_without_them(qtbot, caplog,
                                                                            monkeypatch):
    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(ml, "neighbourhood_borders", broken)
    p = MapPanel()
    qtbot.addWidget(p)
    p.resize(800, 600)
    p.set_base(grid_areas(), grid_assets())
    p.show()
    qtbot.waitExposed(p)
    qtbot.wait(20)
    with caplog.at_level("ERROR"):
        p.view.reset_view()
        p.view.viewport().repaint()
    assert p.view.fill.renders >= 1 and not p.view.fill._paint_failed
    assert "neighbourhood borders failed" in caplog.text


def test_a_project_load_draws_the_borders_it_keeps_in_the_project(demo_path):
    from phdesk.services.project_service import ProjectService
    from phdesk.ui.project_data import load_project_data

    paths = []
    for _ in range(2):                          # the first load finds them, the second reads them
        service = ProjectService.open(demo_path)
        try:
            layers = load_project_data(service, ml.build_base_layers).map_layers
            paths.append(_elements(layers.borders.path))
            service.borders.wait()              # (written on a thread of their own)
            assert service.project.scalar("SELECT count(*) FROM map_borders") == 1
        finally:
            service.close()
    assert len(paths[0]) > 0 and np.array_equal(paths[0], paths[1])


def test_the_map_opens_on_the_study_area_not_its_context():
    """A study area inside a wider project (a borough's wards inside all of London's areas): the
    map's opening view is the study area's extent; with no context, everything."""
    from tests.ui.map_fixtures import X0, Y0, grid_areas
    areas = grid_areas()
    assets = areas.iloc[:0].assign(id=[], category=[], easting=[], northing=[])
    whole = ml.build_base_layers(areas, assets).home
    assert (whole.left(), whole.top(), whole.width(), whole.height()) == (X0, Y0, 4000, 3000)
    areas.loc[areas["neighbourhood"] == "North", "neighbourhood"] = None    # rows 1-2: context
    home = ml.build_base_layers(areas, assets).home
    assert (home.left(), home.top(), home.width(), home.height()) == (X0, Y0, 4000, 1000)
