"""Keyboard use of the main window: the focus chain stays on screen and always shows a focus ring,
Ctrl+1…6 land on each panel's main control, the map pans and zooms from the keyboard, and
Ctrl+Z undoes a register edit from a text field."""

from __future__ import annotations

from PySide6 import QtCore, QtTest, QtWidgets

from phdesk.ui.keyboard import on_screen

Key = QtCore.Qt.Key


def _press(widget, key, modifier=QtCore.Qt.KeyboardModifier.NoModifier):
    QtTest.QTest.keyClick(widget, key, modifier)
    QtWidgets.QApplication.processEvents()


def _focused():
    return QtWidgets.QApplication.focusWidget()


def test_tab_walks_only_visible_panels_with_a_focus_ring(qtbot, make_main_window):
    win = make_main_window()
    win.activateWindow()
    win.commands["view.focus.map"].trigger()
    qtbot.waitUntil(lambda: _focused() is win.map_panel.view)
    ring = win.focus_ring
    seen = []
    for _ in range(45):
        _press(_focused(), Key.Key_Tab)
        w = _focused()
        assert w is not None
        seen.append(f"{type(w).__name__}:{w.accessibleName()}")
        # never inside a dock tabbed behind another one
        assert on_screen(w), f"Tab reached a hidden control: {seen[-1]}"
        QtWidgets.QApplication.processEvents()
        ring.follow()
        assert ring.isVisible(), f"no focus ring on {seen[-1]}"
        inner = QtCore.QRect(w.mapTo(win, QtCore.QPoint(0, 0)), w.size())
        assert ring.geometry().contains(inner), seen[-1]
    # the walk went round: the map canvas again, and the tabbed-away panels never
    assert "MapView:Map" in seen
    assert not any("Asset register" in s or "Imports" in s for s in seen), seen
    hidden = [d for d in win.docks.values() if d.visibleRegion().isEmpty()]
    assert hidden, "the test expects tabbed docks behind the charts"


def test_ctrl_number_lands_on_each_panels_main_control(qtbot, make_main_window):
    win = make_main_window()
    win.activateWindow()
    expected = {
        "view.focus.neighbourhoods": lambda w: isinstance(w, QtWidgets.QTableView)
        and win.neighbourhood_panel.isAncestorOf(w),
        "view.focus.map": lambda w: w is win.map_panel.view,
        "view.focus.charts": lambda w: w is win.charts_panel.neighbourhood_combo,
        "view.focus.results": lambda w: isinstance(w, QtWidgets.QTableView)
        and win.results_panel.isAncestorOf(w),
        "view.focus.assets": lambda w: w is win.asset_panel.view,
        "view.focus.sources": lambda w: isinstance(w, QtWidgets.QTableView)
        and win.provenance_panel.isAncestorOf(w),
    }
    for name, check in expected.items():
        win.commands[name].trigger()
        QtWidgets.QApplication.processEvents()
        qtbot.waitUntil(lambda c=check: c(_focused()), timeout=3000)
        assert on_screen(_focused()), name


def test_map_canvas_pans_and_zooms_from_the_keyboard(qtbot, make_main_window):
    win = make_main_window()
    win.commands["view.focus.map"].trigger()
    view = win.map_panel.view
    qtbot.waitUntil(lambda: _focused() is view)
    (x0, x1), (y0, y1) = view.vb.viewRange()
    _press(view, Key.Key_Right)
    (a0, a1), _ = view.vb.viewRange()
    assert a0 > x0 and abs((a1 - a0) - (x1 - x0)) < 1e-6 * (x1 - x0)   # panned, same width
    _press(view, Key.Key_Plus)
    (b0, b1), _ = view.vb.viewRange()
    assert (b1 - b0) < (a1 - a0)                                       # zoomed in


def test_undo_a_register_edit_from_a_text_field(qtbot, make_main_window):
    win = make_main_window()
    panel = win.asset_panel
    before = panel.model.rowCount()
    first = int(panel.model.frame()["id"].iloc[0])
    panel.delete_assets([first])
    assert win.tasks.wait(30_000)
    qtbot.waitUntil(lambda: panel.model.rowCount() == before - 1)
    win.commands["view.focus.results"].trigger()
    edit = win.results_panel.views["neighbourhood_segments"].filter_edit
    edit.setFocus()
    qtbot.waitUntil(lambda: _focused() is edit)
    _press(edit, Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert win.tasks.wait(30_000)
    qtbot.waitUntil(lambda: panel.model.rowCount() == before, timeout=5000)
    # a field with its own typing undoes that first
    edit.setText("")
    QtTest.QTest.keyClicks(edit, "abc")
    _press(edit, Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert edit.text() != "abc"
    assert panel.model.rowCount() == before


def test_register_buttons_come_before_the_table(make_main_window):
    win = make_main_window()
    panel = win.asset_panel
    order, w = [], panel.add_button
    for _ in range(12):
        order.append(w)
        w = w.nextInFocusChain()
        while w.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus == 0:
            w = w.nextInFocusChain()
    assert order.index(panel.delete_button) < order.index(panel.view)


def test_project_switch_frees_the_old_result_and_clears_details(qtbot, make_main_window,
                                                                 tmp_path):
    import gc
    import weakref

    from phdesk.core.mapping import MappingParams

    win = make_main_window()
    win.run_mapping(MappingParams())
    assert win.tasks.wait(60_000)
    old_service = win.service
    result = weakref.ref(old_service.last_result)
    win.map_panel.details.setText("Eastfield: 12,000 residents")
    assert win.open_path(tmp_path / "other.phdesk", create=True)
    assert win.tasks.wait(60_000)
    assert "Eastfield" not in win.map_panel.details.text()
    assert old_service.last_result is None
    gc.collect()
    assert result() is None, "the old project's mapping result is still held"
