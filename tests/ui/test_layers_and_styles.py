"""The layer list's All / None / Only this, and category styles that follow the name, not the
category's place in the project's list."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from phdesk.ui import palettes
from phdesk.ui.layer_list import make_layer_buttons, only_this, set_all

Checked, Unchecked = QtCore.Qt.CheckState.Checked, QtCore.Qt.CheckState.Unchecked


def test_a_category_keeps_its_style_across_projects():
    one = palettes.category_styles(["Pharmacy", "GP practice", "Library"])
    two = palettes.category_styles(["Food bank", "Pharmacy", "Youth club", "Advice", "Library"])
    assert one["Pharmacy"] == two["Pharmacy"] and one["Library"] == two["Library"]
    many = palettes.category_styles([f"Category {i}" for i in range(40)])
    assert len(set(many.values())) == 40   # distinct within a project, collisions resolved
    assert palettes.category_styles(["pharmacy"])["pharmacy"] == one["Pharmacy"]


def test_layer_list_all_none_only_this(qtbot):
    host = QtWidgets.QWidget()
    qtbot.addWidget(host)
    layers = QtWidgets.QListWidget(host)
    for name in ("GP practice", "Library", "Pharmacy"):
        item = QtWidgets.QListWidgetItem(name, layers)
        item.setData(QtCore.Qt.ItemDataRole.UserRole, name)
        item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Checked)
    buttons = make_layer_buttons(layers, host)
    states = lambda: [layers.item(i).checkState() for i in range(layers.count())]  # noqa: E731
    layers.setCurrentRow(1)
    only_this(layers)
    assert states() == [Unchecked, Checked, Unchecked]
    set_all(layers, Checked)
    assert states() == [Checked] * 3
    by_name = {b.text().replace("&", ""): b for b in buttons.findChildren(QtWidgets.QPushButton)}
    by_name["None"].click()
    assert states() == [Unchecked] * 3
    by_name["All"].click()
    assert states() == [Checked] * 3
    layers.setCurrentRow(2)
    by_name["Only this"].click()
    assert states() == [Unchecked, Unchecked, Checked]


def test_overlapping_labels_are_hidden_until_there_is_room():
    from phdesk.ui.map_labels import visible_labels

    r = QtCore.QRectF
    rects = [r(0, 0, 100, 20), r(50, 10, 100, 20), r(300, 0, 80, 20), r(0, 200, 50, 20)]
    assert visible_labels(rects) == [True, False, True, True]
    # the bigger neighbourhood wins the place
    assert visible_labels(rects, order=[1, 0, 2, 3]) == [False, True, True, True]
    # zoomed in: the same labels further apart all show
    apart = [r(0, 0, 100, 20), r(150, 40, 100, 20)]
    assert visible_labels(apart) == [True, True]


def test_map_labels_never_overlap_on_screen(qtbot, make_main_window):
    win = make_main_window()
    view = win.map_panel.view
    view.zoom(3.0)   # zoomed out: labels crowd together
    qtbot.wait(50)
    view.declutter_labels()
    shown = [r for r, on in zip(view.labels.screen_rects(), view.labels.shown, strict=True)
             if on]
    assert shown
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            assert not a.intersects(b)
    hidden_out = int((~view.labels.shown).sum())
    view.zoom(1 / 9.0)   # zoomed in: room for more
    qtbot.wait(50)
    view.declutter_labels()
    assert int((~view.labels.shown).sum()) <= hidden_out
    # zoomed in three times past the whole study area, the demo's eight labels all have room;
    # a label hidden at the crowded zoom must come back (it kept a stale size and stayed hidden)
    assert len(view.labels) == 8 and hidden_out > 0
    assert view.labels.shown.all() and view.labels.isVisible()


def test_an_empty_measure_says_what_to_import_next():
    from phdesk.ui.map_layers import MEASURES
    from phdesk.ui.map_text import empty_reason

    population = next(m for m in MEASURES if m.key == "population" and m.source == "profile")
    assert "import a population table" in empty_reason(population)
    deciles = next(m for m in MEASURES if m.key == "imd_decile")
    assert "Indices of Deprivation" in empty_reason(deciles)
    gap = next(m for m in MEASURES if m.key == "gap_score")
    assert "run mapping (F5)" in empty_reason(gap)
