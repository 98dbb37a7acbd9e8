"""MapPanel and the bulk path building behind it (offscreen Qt)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.ui import map_layers as ml
from phdesk.ui import palettes
from phdesk.ui.map_panel import MapPanel
from tests.ui.map_fixtures import (
    X0,
    Y0,
    centroid,
    grid_areas,
    grid_assets,
    grid_profile,
    grid_result,
)


@pytest.fixture
def panel(qtbot):
    p = MapPanel()
    qtbot.addWidget(p)
    p.resize(1000, 700)
    p.set_base(grid_areas(), grid_assets())
    p.set_profile(grid_profile())
    p.show()
    qtbot.waitExposed(p)
    p.view.reset_view()
    return p


def test_counts_areas_and_assets_per_layer(panel):
    assert panel.area_count() == 12
    assert panel.categories() == ["GP practice", "Pharmacy"]
    assert panel.asset_count("GP practice") == 3
    assert panel.asset_count("Pharmacy") == 2      # the unplaced pharmacy is not drawn
    assert panel.layer_list.count() == 2


@pytest.mark.parametrize("halo_max", [0, 3000])
def test_layers_with_and_without_halos(qtbot, monkeypatch, halo_max):
    monkeypatch.setattr("phdesk.ui.map_panel.HALO_MAX_MARKERS", halo_max)
    p = MapPanel()
    qtbot.addWidget(p)
    p.set_base(grid_areas(), grid_assets())
    assert p.asset_count("Pharmacy") == 2
    assert p.view.markers.halo == (halo_max > 0)
    p.set_layer_visible("Pharmacy", False)
    assert p.asset_count() == 3 and p.hit_test(X0 + 1100, Y0 + 2100) == ("area", 9)


def test_toggling_a_layer_hides_its_markers(panel):
    item = panel.layer_list.item(1)
    assert item.data(QtCore.Qt.ItemDataRole.UserRole) == "Pharmacy"
    item.setCheckState(QtCore.Qt.CheckState.Unchecked)
    assert not panel.view.markers.is_shown("Pharmacy")
    assert panel.asset_count("Pharmacy") == 0
    assert panel.asset_count() == 3
    panel.set_layer_visible("Pharmacy", True)
    assert panel.asset_count() == 5


def test_hidden_assets_are_not_hit(panel):
    x, y = X0 + 1100, Y0 + 2100                    # Chemist A
    assert panel.hit_test(x, y) == ("asset", 4)
    panel.set_layer_visible("Pharmacy", False)
    assert panel.hit_test(x, y) == ("area", 9)     # the square under it


def test_mouse_click_on_area_centroid_selects_it(panel, qtbot):
    x, y = centroid(5)
    pos = panel.view.map_to_widget(x, y)
    with qtbot.waitSignal(panel.area_selected, timeout=2000) as sig:
        qtbot.mouseClick(panel.view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    assert sig.args == ["E01000005"]
    assert "Area 5" in panel.details.text()
    assert not panel.view.highlight.path().isEmpty()


def test_click_on_asset_emits_asset_id(panel, qtbot):
    with qtbot.waitSignal(panel.asset_selected, timeout=1000) as sig:
        panel.click_at(X0 + 2250 + 5, Y0 + 1250 - 5)
    assert sig.args == [2]
    assert "GP Two" in panel.details.text()


def test_click_outside_everything_emits_nothing(panel, qtbot):
    with qtbot.assertNotEmitted(panel.area_selected):
        panel.click_at(X0 - 5000, Y0 - 5000)


def test_hover_text_area_and_asset(panel):
    assert panel.set_measure("population", "areas")
    text = panel.hover_text(*centroid(2))
    assert text.splitlines()[0] == "Area 2 (E01000002)"
    assert "South" in text
    assert "Population (people): 1,200" in text
    assert panel.hover_text(X0 + 1100, Y0 + 2100) == "Chemist A\nPharmacy"
    assert panel.hover_text(X0 - 9000, Y0) == ""


def test_legend_breaks_monotonic_and_cover_data(panel):
    assert panel.set_measure("population", "areas")
    edges = panel.legend_breaks()
    assert np.all(np.diff(edges) > 0)
    assert edges[0] == 1000 and edges[-1] == 2100
    assert len(panel.legend.entries) == len(edges) - 1
    colours = [c for c, _ in panel.legend.entries]
    assert colours == palettes.sequential(len(edges) - 1)


def test_imd_decile_uses_fixed_deciles(panel):
    assert panel.set_measure("imd_decile", "areas")
    assert panel.legend_breaks().tolist() == [d + 0.5 for d in range(11)]
    assert panel.legend.entries[0][1].startswith("1 ")


def test_result_neighbourhood_measure_and_click(panel, qtbot):
    panel.set_result(grid_result())
    assert panel.set_measure("gap_score", "neighbourhoods")
    panel.category_combo.setCurrentText("GP practice")
    panel.segment_combo.setCurrentText("All")
    edges = panel.legend_breaks()
    assert edges[0] == -2.5 and edges[-1] == 2.5           # diverging, centred on zero
    assert "South" in panel.hover_text(*centroid(0)) and "-1.5" in panel.hover_text(*centroid(0))
    with qtbot.assertNotEmitted(panel.area_selected):
        with qtbot.waitSignal(panel.neighbourhood_selected) as sig:
            panel.click_at(*centroid(6))
    assert sig.args == ["North"]


def test_area_result_measure_follows_segment_and_category(panel):
    panel.set_result(grid_result())
    assert panel.set_measure("access_2sfca", "areas")
    panel.category_combo.setCurrentText("Pharmacy")
    assert panel.hover_text(*centroid(3)).endswith(": 5.3")
    panel.category_combo.setCurrentText("GP practice")
    assert panel.hover_text(*centroid(3)).endswith(": 0.3")


def test_select_neighbourhood_outlines_it(panel):
    panel.select_neighbourhood("North")
    r = panel.view.highlight.path().boundingRect()
    assert (r.left(), r.bottom(), r.width(), r.height()) == pytest.approx(
        (X0, Y0 + 3000, 4000, 2000))
    panel.select_neighbourhood(None)
    assert panel.view.highlight.path().isEmpty()


def test_catchment_circles_use_result_radius(panel):
    panel.set_result(grid_result())
    panel.category_combo.setCurrentText("Pharmacy")
    panel.catchment_check.setChecked(True)
    r = panel.view.catchments.path().boundingRect()
    # pharmacies at x 1100 and 2900 with the 500 m radius from MappingParams.radius_m
    assert r.left() == pytest.approx(X0 + 600) and r.width() == pytest.approx(2800)
    panel.catchment_check.setChecked(False)
    assert panel.view.catchments.path().isEmpty()


def test_keyboard_zoom_pan_home(panel, qtbot):
    view = panel.view
    (x0, x1), _ = view.vb.viewRange()
    qtbot.keyClick(view, QtCore.Qt.Key.Key_Plus)
    (a0, a1), _ = view.vb.viewRange()
    assert a1 - a0 == pytest.approx(0.8 * (x1 - x0), rel=1e-3)
    qtbot.keyClick(view, QtCore.Qt.Key.Key_Right)
    (b0, b1), _ = view.vb.viewRange()
    assert b0 > a0
    qtbot.keyClick(view, QtCore.Qt.Key.Key_Home)
    (c0, c1), _ = view.vb.viewRange()
    assert (c0, c1) == pytest.approx((x0, x1), rel=1e-6)


def test_controls_have_accessible_names_and_take_focus(panel):
    widgets = panel.findChildren(QtWidgets.QComboBox) + panel.findChildren(
        QtWidgets.QAbstractButton) + [panel.layer_list, panel.view]
    assert len(widgets) >= 9
    for w in widgets:
        assert w.accessibleName(), w
        assert w.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus, w.accessibleName()


def test_export_button_calls_the_window_export_and_hides_without_one(panel, qtbot):
    """The map's Export PNG button goes through the window's one export path (rendered at a
    stated size under the disclosure rule); a panel with nowhere to export shows no button."""
    panel.show()
    assert not panel.export_button.isVisible()
    calls = []
    panel.set_export_handler(lambda: calls.append("map"))
    assert panel.export_button.isVisible()
    qtbot.mouseClick(panel.export_button, QtCore.Qt.MouseButton.LeftButton)
    assert calls == ["map"]


def test_no_data_yet_shows_outlines(qtbot):
    p = MapPanel()
    qtbot.addWidget(p)
    p.set_base(grid_areas(), grid_assets().iloc[:0])
    assert p.current_measure() is None
    assert p.measure_combo.currentText().startswith("Outlines only")
    assert p.asset_count() == 0 and p.area_count() == 12


def test_ring_arrays_keep_holes_and_multipolygons():
    donut = shapely.box(0, 0, 10, 10).difference(shapely.box(4, 4, 6, 6))
    multi = shapely.MultiPolygon([shapely.box(20, 0, 21, 1), shapely.box(30, 0, 31, 1)])
    rings = ml.ring_arrays(np.array([donut, None, multi], dtype=object))
    assert rings.count.tolist() == [10, 0, 10]
    assert int((rings.connect == 0).sum()) == 4          # four rings, each ends unconnected
    path = ml.path_for(rings, np.array([True, False, False]))
    assert path.contains(QtCore.QPointF(1, 1))
    assert not path.contains(QtCore.QPointF(5, 5))       # inside the hole
    assert not path.contains(QtCore.QPointF(20.5, 0.5))  # other polygon not selected


def test_area_at_uses_the_polygon_not_its_box():
    tri = shapely.Polygon([(0, 0), (10, 0), (0, 10)])
    layers = ml.build_base_layers(
        pd.DataFrame({"code": ["A"], "name": ["A"], "neighbourhood": [None],
                      "geometry": [tri]}), pd.DataFrame())
    assert ml.area_at(layers, 1, 1) == 0
    assert ml.area_at(layers, 9, 9) is None               # inside the bbox, outside the shape


def test_dissolve_removes_hairline_gaps_but_keeps_real_holes():
    # a 1 cm slit between two squares, closed above and below: union leaves a 1 m2 hole
    parts = [shapely.box(0, 0, 100, 100), shapely.box(100.01, 0, 200, 100),
             shapely.box(0, 100, 200, 200), shapely.box(0, -100, 200, 0)]
    assert shapely.get_num_interior_rings(shapely.union_all(parts)) == 1
    # a real enclave: a 400 x 400 m ring of squares around a 200 x 200 m hole
    ring = shapely.box(1000, 0, 1400, 400).difference(shapely.box(1100, 100, 1300, 300))
    out = ml.dissolve(parts + [ring], ["N"] * 4 + ["E"])
    holes = dict(zip(out["group"], shapely.get_num_interior_rings(out["geometry"]),
                     strict=True))
    assert holes == {"N": 0, "E": 1}


def test_panning_reuses_the_rendered_fill_zooming_redraws(panel, qtbot):
    qtbot.wait(20)                           # let the first layout and paint happen
    vp = panel.view.viewport()
    vp.repaint()
    fill = panel.view.fill
    before = fill.renders
    assert before >= 1
    panel.view.pan(0.05, 0)
    vp.repaint()
    assert fill.renders == before            # a small pan stays inside the cached margin
    panel.view.zoom(0.8)
    vp.repaint()
    assert fill.renders == before + 1        # a new scale is drawn afresh
    fill.set_paths([])                       # new data invalidates the cache
    vp.repaint()
    assert fill.renders == before + 2


def test_class_paths_split_by_tile_cover_each_polygon_once():
    areas = grid_areas()
    rings = ml.ring_arrays(areas["geometry"].to_numpy())
    tiles = ml.tile_ids(rings, per_tile=2)
    assert len(np.unique(tiles)) > 1
    classes = np.array([0, 1, 2, -1] * 3)
    pairs = ml.class_paths(rings, classes, tiles)
    assert sum(p.elementCount() for _, p in pairs) == len(rings.x)
    for i in range(len(areas)):
        pt = QtCore.QPointF(*centroid(i))
        owners = [k for k, p in pairs if p.contains(pt)]
        assert owners == [classes[i]]


def test_map_text_backgrounds_keep_contrast_over_every_fill():
    from phdesk.ui.map_view import LABEL_BACKGROUND

    *rgb, alpha = LABEL_BACKGROUND
    a = alpha / 255
    fills = palettes.sequential(10) + palettes.diverging(11) + palettes.CATEGORICAL + ["#000000"]
    for colour in fills:
        under = palettes.to_rgb(colour)
        blended = [a * c + (1 - a) * u for c, u in zip(rgb, under, strict=True)]
        assert palettes.contrast_ratio(palettes.TEXT, blended) >= 4.5, colour


def test_result_can_be_cleared(panel):
    panel.set_result(grid_result())
    assert panel.set_measure("gap_score", "neighbourhoods")
    panel.set_result(None)
    keys = {panel.measure_combo.itemData(i).key for i in range(panel.measure_combo.count())}
    assert keys == {"population", "core20_pct"}
    assert not panel.segment_combo.isEnabled()


def test_tab_reaches_every_control(panel):
    panel.set_export_handler(lambda: None)   # the button shows when a window can export
    wanted = [panel.level_combo, panel.measure_combo, panel.breaks_combo, panel.category_combo,
              panel.segment_combo, panel.catchment_check, panel.labels_check,
              panel.export_button, panel.view, panel.layer_list]
    seen, w = [], panel.level_combo
    for _ in range(200):
        if w.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus and w.isEnabled():
            seen.append(w)
        w = w.nextInFocusChain()
        if w is panel.level_combo:
            break
    assert [c for c in wanted if c.isEnabled() and c not in seen] == []


def test_areas_without_boundaries_still_show_assets(qtbot):
    areas = grid_areas().assign(geometry=None)
    p = MapPanel()
    qtbot.addWidget(p)
    p.set_base(areas, grid_assets())
    p.set_profile(grid_profile())
    assert p.asset_count() == 5
    assert p.hit_test(*centroid(5)) is None
    assert p.hit_test(X0 + 250, Y0 + 250) == ("asset", 1)
    assert p.view.fill.boundingRect().isEmpty()


def test_zoomed_out_big_maps_draw_simplified_polygons(qtbot, monkeypatch):
    monkeypatch.setattr(ml, "LOD_MIN_VERTICES", 0)     # treat the small grid as big data
    p = MapPanel()
    qtbot.addWidget(p)
    p.resize(800, 600)
    p.set_base(grid_areas(), grid_assets())
    p.set_profile(grid_profile())
    assert p.set_measure("population", "areas")
    assert p._layers.lod is not None and p._layers.lod_m_per_px == pytest.approx(4000 / 2000)
    p.show()
    qtbot.waitExposed(p)
    qtbot.wait(20)                                    # let the first layout and paint happen
    vp = p.view.viewport()
    p.view.reset_view()
    vp.repaint()
    assert p.view.fill.renders >= 1
    assert p.view.metres_per_pixel() > 2
    assert p.view.fill.used_lod                       # everything in view: simplified
    p.view.zoom(0.1)
    vp.repaint()
    assert p.view.metres_per_pixel() < 2
    assert not p.view.fill.used_lod                   # zoomed in: every vertex


def test_a_failing_paint_is_logged_not_raised(qtbot, caplog, monkeypatch):
    """An exception inside the choropleth's paint() must not escape into Qt."""
    from PySide6 import QtGui

    from phdesk.ui.map_view import FillItem

    item = FillItem()

    def broken(painter, widget):
        raise RuntimeError("boom")

    monkeypatch.setattr(item, "_paint", broken)
    img = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(img)
    try:
        with caplog.at_level("ERROR"):
            item.paint(painter, None, None)
            item.paint(painter, None, None)
    finally:
        painter.end()
    assert [r.message for r in caplog.records].count("map paint failed") == 1


def test_measures_without_data_are_not_offered(qtbot):
    """Boundaries only: every area's population is 0 and no IMD decile; the map offered
    "Population" anyway (one colour, a "0 – 0" legend). It shows outlines until data comes."""
    p = MapPanel()
    qtbot.addWidget(p)
    p.set_base(grid_areas(), grid_assets().iloc[:0])
    empty = grid_profile().assign(population=0.0, imd_decile=np.nan)
    p.set_profile(empty)
    assert p.current_measure() is None
    assert p.measure_combo.currentText().startswith("Outlines only")
    p.set_profile(grid_profile().assign(population=0.0))        # deciles imported, no people
    offered = [p.measure_combo.itemText(i) for i in range(p.measure_combo.count())]
    assert offered == ["IMD decile (1 = most deprived)"]
    p.set_profile(grid_profile())
    offered = [p.measure_combo.itemText(i) for i in range(p.measure_combo.count())]
    assert "Population (people)" in offered and "IMD decile (1 = most deprived)" in offered


def test_distance_legend_in_whole_metres():
    """Legend classes for distances (and people) read "21 – 367", not "20.5 – 366.5"."""
    from phdesk.ui.map_layers import MEASURES
    from phdesk.ui.map_text import classify_measure

    nearest = next(m for m in MEASURES if m.key == "nearest_m")
    values = np.array([20.5, 180.25, 366.5, 500.75, 623.1, 833.9, 1111.4, 2484.2])
    labels = classify_measure(nearest, values).labels
    assert labels and not any("." in lab for lab in labels)
    assert labels[0].startswith("20 – ") or labels[0].startswith("21 – ")
    access = next(m for m in MEASURES if m.key == "access_2sfca")
    assert any("." in lab for lab in classify_measure(access, values / 1000).labels)


def _pixel_at(panel, x: float, y: float) -> QtGui.QColor:
    """The colour the map shows at a map point (metres), from a grab of the canvas."""
    image = panel.view.grab().toImage()
    pos = panel.view.map_to_widget(x, y)
    dpr = image.devicePixelRatio()
    return image.pixelColor(round(pos.x() * dpr), round(pos.y() * dpr))


def test_markers_are_painted_in_their_category_colour_and_hidden_with_their_layer(panel):
    colour = QtGui.QColor(palettes.category_styles(["GP practice", "Pharmacy"])["Pharmacy"][0])
    chemist_a = (X0 + 1100, Y0 + 2100)

    def close(c: QtGui.QColor) -> bool:
        return max(abs(c.red() - colour.red()), abs(c.green() - colour.green()),
                   abs(c.blue() - colour.blue())) <= 8

    assert close(_pixel_at(panel, *chemist_a))
    panel.set_layer_visible("Pharmacy", False)
    assert not close(_pixel_at(panel, *chemist_a))    # the fill shows through again
    panel.set_layer_visible("Pharmacy", True)
    assert close(_pixel_at(panel, *chemist_a))
