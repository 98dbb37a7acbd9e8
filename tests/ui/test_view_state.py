"""The view state: one change announced once; combos bound both ways; the window's panels
follow it (map, charts, neighbourhood list, notes)."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from phdesk.ui.view_state import ViewState, bind_combo


def test_changed_carries_only_what_changed(qtbot):
    state = ViewState()
    seen = []
    state.changed.connect(seen.append)
    assert state.set(category="GP practice", segment="Core20") == \
        {"category": "GP practice", "segment": "Core20"}
    assert state.set(category="GP practice") == {}          # no change: no signal
    state.set(category="Pharmacy", neighbourhood="")        # "" means none: no change
    assert seen == [{"category": "GP practice", "segment": "Core20"}, {"category": "Pharmacy"}]
    with pytest.raises(KeyError):
        state.set(colour="red")


def test_bound_combos_follow_each_other_and_survive_a_refill(qtbot):
    state = ViewState()
    a, b = QtWidgets.QComboBox(), QtWidgets.QComboBox()
    a.addItems(["Café", "GP practice", "Pharmacy"])
    b.addItems(["GP practice", "Pharmacy"])
    bind_combo(state, "category", a)
    bind_combo(state, "category", b)
    qtbot.wait(10)
    assert state.category in ("Café", "GP practice")   # the first combo to report
    a.setCurrentText("Pharmacy")                           # a user's choice
    assert state.category == "Pharmacy" and b.currentText() == "Pharmacy"
    state.set(category="Café")                             # b does not offer it: left alone
    assert a.currentText() == "Café" and b.currentText() == "Pharmacy"
    state.set(category="GP practice")
    b.blockSignals(True)                                   # a panel refilling its combo
    b.clear()
    b.addItems(["Pharmacy", "GP practice"])
    b.blockSignals(False)
    qtbot.waitUntil(lambda: b.currentText() == "GP practice", timeout=1000)
    assert state.category == "GP practice"


def test_window_panels_follow_the_view_state(make_main_window, qtbot):
    win = make_main_window()
    state = win.view_state
    state.set(neighbourhood="Eastfield")
    assert win.neighbourhood_panel.selected() == "Eastfield"
    assert win.charts_panel.neighbourhood_combo.currentText() == "Eastfield"
    assert win.map_panel._selected_nbhd == "Eastfield"
    notes = win.notes_panel
    qtbot.waitUntil(lambda: len(notes.notes) > 0, timeout=10000)
    shown = set(notes.shown["neighbourhood"])
    assert shown <= {"Eastfield"}
    # a choice on the map's category combo reaches the charts through the state
    cats = [win.map_panel.category_combo.itemText(i)
            for i in range(win.map_panel.category_combo.count())]
    if len(cats) >= 2:
        win.map_panel.category_combo.setCurrentIndex(1)
        assert state.category == cats[1]
        assert win.charts_panel.category_combo.currentText() in (cats[1], "")
    # the list tells the others; the map's own click is not echoed back to the map
    win.neighbourhood_panel.select("Westcombe")
    assert state.neighbourhood == "Westcombe" and win.map_panel._selected_nbhd == "Westcombe"


def test_hidden_panel_catches_up_when_shown(qtbot):
    from phdesk.ui.view_state import WhenShown

    state = ViewState()
    panel = QtWidgets.QWidget()
    qtbot.addWidget(panel)
    combo = QtWidgets.QComboBox(panel)
    combo.addItems(["Café", "GP practice", "Pharmacy"])
    calls = []
    shown = WhenShown.of(panel)
    state.follow("neighbourhood", lambda v: shown.run_or_defer(
        "nb", lambda: calls.append(state.neighbourhood)), panel)
    bind_combo(state, "category", combo, owner=panel)
    state.set(neighbourhood="Eastfield", category="Pharmacy")
    state.set(neighbourhood="Riverside")
    assert calls == [] and combo.currentText() == "Café"     # hidden: nothing redrawn yet
    panel.show()
    qtbot.waitExposed(panel)
    assert calls == ["Riverside"]                              # once, with the latest value
    assert combo.currentText() == "Pharmacy"
    state.set(neighbourhood="Northgate")
    assert calls == ["Riverside", "Northgate"]                 # visible: at once
