"""Map rendering behaviour: one recolour per project load, the region drawn on a zoom, and
neighbourhood outlines from polygons that do not share exact edges."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from phdesk.ui import map_layers as ml
from phdesk.ui.map_panel import MapPanel
from phdesk.ui.map_view import FillItem
from tests.ui.map_fixtures import grid_areas, grid_assets, grid_profile, grid_result


def test_a_project_load_recolours_the_map_once(make_main_window, qtbot):
    win = make_main_window()
    loads = []
    win.project_loaded.connect(lambda: loads.append(1))
    before = win.map_panel.recolours
    win.reload()
    qtbot.waitUntil(lambda: bool(loads), timeout=30_000)
    assert win.map_panel.recolours - before == 1


def test_held_panel_recolours_once_after_base_profile_and_result(qtbot):
    p = MapPanel()
    qtbot.addWidget(p)
    with p.held():
        p.set_base(grid_areas(), grid_assets())
        p.set_profile(grid_profile())
        p.set_result(grid_result())
        assert p.recolours == 0
    assert p.recolours == 1
    assert p.legend_breaks().size > 0          # the one recolour did colour the map
    p.set_profile(grid_profile())             # outside a hold each change recolours
    assert p.recolours == 2


@pytest.fixture
def shown(qtbot):
    p = MapPanel()
    qtbot.addWidget(p)
    p.resize(1000, 700)
    p.set_base(grid_areas(), grid_assets())
    p.set_profile(grid_profile())
    p.show()
    qtbot.waitExposed(p)
    p.view.reset_view()
    return p


def _view_rect(p: MapPanel):
    (x0, x1), (y0, y1) = p.view.vb.viewRange()
    return x0, y0, x1, y1


def test_a_zoom_renders_the_view_plus_a_small_margin(shown):
    fill = shown.view.fill
    shown.view.zoom(0.5)
    shown.view.viewport().repaint()
    x0, y0, x1, y1 = _view_rect(shown)
    area = fill.rendered_area()
    assert not area.isEmpty()
    # the image holds the view (as far as there is anything to draw) ...
    bounds = fill.boundingRect()
    assert area.left() <= max(x0, bounds.left()) + 1e-6
    assert area.right() >= min(x1, bounds.right()) - 1e-6
    # ... plus at most MARGIN of the view each side (a half-view margin drew 4 x the view)
    grow = 1 + 2 * FillItem.MARGIN
    assert area.width() <= (x1 - x0) * grow * 1.02
    assert area.height() <= (y1 - y0) * grow * 1.02


def test_an_arrow_key_pan_stays_inside_the_rendered_image(shown):
    fill = shown.view.fill
    shown.view.zoom(0.5)
    shown.view.viewport().repaint()
    before = fill.renders
    shown.view.pan(0.1, 0)
    shown.view.viewport().repaint()
    assert fill.renders == before


def test_outlines_of_polygons_with_extra_vertices_on_shared_edges():
    # three unit squares in a row; the middle one has extra vertices along both shared edges
    # (densified on one side only): not an exact coverage, so coverage_union alone fails
    left = shapely.box(0, 0, 100, 100)
    mid = shapely.segmentize(shapely.box(100, 0, 200, 100), 7.0)
    right = shapely.box(200, 0, 300, 100)
    with pytest.raises(shapely.errors.GEOSException):
        shapely.coverage_union_all([left, mid, right])
    out = ml.dissolve([left, mid, right], ["N", "N", "N"])
    geom = out["geometry"].iloc[0]
    assert geom.geom_type == "Polygon" and not list(geom.interiors)
    assert geom.area == pytest.approx(30_000, rel=1e-6)
    assert shapely.equals(shapely.normalize(shapely.simplify(geom, 0.01)),
                          shapely.normalize(shapely.box(0, 0, 300, 100)))


def test_outlines_of_polygons_with_gaps_and_overlaps_fall_back_to_a_union():
    # each cell simplified on its own: neighbours no longer meet exactly (slivers both ways)
    rng = np.random.default_rng(3)
    pts = shapely.multipoints(rng.uniform(0, 2000, (60, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=shapely.box(0, 0, 2000,
                                                                                 2000)))
    cells = shapely.intersection(shapely.segmentize(cells, 5.0), shapely.box(0, 0, 2000, 2000))
    rough = shapely.simplify(cells, 3.0, preserve_topology=True)
    groups = np.where(shapely.get_x(shapely.centroid(cells)) < 1000, "W", "E")
    out = ml.dissolve(rough, groups).set_index("group")
    for g in ("W", "E"):
        geom = out.loc[g, "geometry"]
        assert shapely.is_valid(geom)
        assert shapely.get_num_interior_rings(shapely.get_parts(geom)).sum() == 0
        assert geom.area == pytest.approx(shapely.union_all(rough[groups == g]).area, rel=1e-3)


def test_the_gui_thread_guard_flags_ui_code_reading_the_project(gui_thread_db_guard, qtbot,
                                                               project):
    """The UI tests' guard (tests/ui/conftest.py) is live: a read made by phdesk.ui code on the
    GUI thread while a window shows is recorded; the same read on a worker thread is not."""
    import threading

    from PySide6 import QtWidgets

    shown = QtWidgets.QWidget()
    qtbot.addWidget(shown)
    shown.show()
    # a function whose code object says it lives in phdesk/ui, as a panel's method would
    ui_file = str(ml.__file__).replace("map_layers.py", "some_panel.py")
    scope: dict = {}
    exec(compile("def read(p):\n    return p.counts()\n", ui_file, "exec"), scope)
    scope["read"](project)
    assert set(gui_thread_db_guard) == {"some_panel.py:2 (read)"}   # one per query
    gui_thread_db_guard.clear()
    worker = threading.Thread(target=scope["read"], args=(project,))
    worker.start()
    worker.join()
    assert gui_thread_db_guard == []


def test_a_zoomed_out_recolour_leaves_the_full_detail_fills_until_a_zoom_needs_them(
        qtbot, monkeypatch):
    monkeypatch.setattr(ml, "LOD_MIN_VERTICES", 0)    # simplified fills even for the small grid
    p = MapPanel()
    qtbot.addWidget(p)
    p.resize(1000, 700)
    with p.held():
        p.set_base(grid_areas(), grid_assets())
        p.set_profile(grid_profile())
    p.show()
    qtbot.waitExposed(p)
    qtbot.wait(20)                             # let the first layout and paint happen
    p.view.reset_view()
    p.view.viewport().repaint()
    assert p._layers.lod is not None           # (made on a worker thread: wait for them)
    before = p.recolours
    assert p.set_measure("imd_decile", "areas", "profile")     # recolour the whole map
    assert p.recolours == before + 1
    p.view.viewport().repaint()
    fill = p.view.fill
    assert fill.renders >= 1 and fill.used_lod   # whole map: the simplified fills drawn
    assert fill._fills_later is not None and fill._fills == []     # full detail not built
    p.view.zoom(0.02)
    p.view.viewport().repaint()
    assert not fill.used_lod
    assert fill._fills_later is None and len(fill._fills) > 0      # built on the first need
