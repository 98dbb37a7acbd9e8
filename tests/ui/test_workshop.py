"""Workshop mode on the demo, driven by keys: stepping, one-key capture, scenario switch."""

from __future__ import annotations

import pandas as pd
from PySide6 import QtCore

from phdesk.ui import workshop_pages


def _open(win, qtbot):
    from phdesk.ui.workshop import WorkshopWindow

    ws = WorkshopWindow(win)
    qtbot.addWidget(ws)
    ws.resize(1280, 720)
    ws.start(full_screen=False)
    qtbot.waitUntil(lambda: len(ws.notes) > 0, timeout=10000)
    return ws


def test_page_keys_step_through_neighbourhoods(make_main_window, qtbot):
    win = make_main_window()
    ws = _open(win, qtbot)
    names = win.neighbourhood_panel.names()
    qtbot.keyClick(ws, QtCore.Qt.Key.Key_PageDown)
    assert win.view_state.neighbourhood == names[0] == ws.title.text()
    qtbot.keyClick(ws, QtCore.Qt.Key.Key_PageDown)
    qtbot.keyClick(ws, QtCore.Qt.Key.Key_Right)
    assert win.view_state.neighbourhood == names[2]
    assert ws.position.text() == f"3 of {len(names)}"
    assert win.neighbourhood_panel.selected() == names[2]    # the window follows
    qtbot.keyClick(ws, QtCore.Qt.Key.Key_PageUp)
    assert win.view_state.neighbourhood == names[1]
    page = ws.overview.toPlainText()
    assert "Residents" in page and "Living in Core20 areas" in page
    qtbot.keyClick(ws, QtCore.Qt.Key.Key_Home)
    assert win.view_state.neighbourhood is None and ws.title.text() == "All neighbourhoods"
    assert ws.position.text() == f"{len(names)} neighbourhoods"   # it said "8 areas"
    # the map's layer list is not in the workshop, nor its All / None / Only this buttons
    assert not ws.map.layer_list.isVisibleTo(ws) and not ws.map.layer_buttons.isVisibleTo(ws)


def test_one_key_capture_of_a_note_and_an_idea(make_main_window, qtbot, monkeypatch):
    win = make_main_window()
    ws = _open(win, qtbot)
    win.view_state.set(neighbourhood="Eastfield")
    answers = iter(["No bus to the surgery after 7pm #transport", "Evening GP clinic"])
    monkeypatch.setattr(workshop_pages, "ask", lambda *a: next(answers))
    qtbot.keyClick(ws, QtCore.Qt.Key.Key_N)
    qtbot.waitUntil(lambda: win.tasks.busy() is False, timeout=10000)
    notes = win.service.planning.notes()
    new = notes[notes["text"] == "No bus to the surgery after 7pm"]
    assert len(new) == 1 and new["tags"].iloc[0] == "transport"
    assert new["neighbourhood"].iloc[0] == "Eastfield"
    qtbot.keyClick(ws, QtCore.Qt.Key.Key_I)
    qtbot.waitUntil(lambda: "Evening GP clinic" in set(win.service.planning.ideas()["title"]),
                    timeout=10000)
    qtbot.waitUntil(lambda: "No bus to the surgery" in ws.overview.toPlainText(), timeout=10000)
    win.undo_stack.undo()                          # Ctrl+Z in the window undoes the idea
    qtbot.waitUntil(lambda: "Evening GP clinic" not in
                    set(win.service.planning.ideas()["title"]), timeout=10000)


def test_scenario_keys_switch_a_b_and_baseline(make_main_window, qtbot):
    win = make_main_window()
    for name in ("A: GP in Eastfield", "B: pharmacy in Eastfield"):
        win.service.planning.save_scenario(name, pd.DataFrame(columns=["action"]))
    ws = _open(win, qtbot)
    qtbot.waitUntil(lambda: len(ws.scenarios) >= 2, timeout=10000)
    qtbot.keyClick(ws, QtCore.Qt.Key.Key_B)
    assert win.view_state.scenario == ws.scenarios[1]
    assert ws.scenario_label.text().startswith(f"Scenario: {ws.scenarios[1]}")
    qtbot.keyClick(ws, QtCore.Qt.Key.Key_A)
    assert win.view_state.scenario == ws.scenarios[0]
    qtbot.waitUntil(lambda: win.scenario_panel.scenario_combo.currentData() == ws.scenarios[0],
                    timeout=10000)
    qtbot.keyClick(ws, QtCore.Qt.Key.Key_0)
    assert win.view_state.scenario is None
    qtbot.keyClick(ws, QtCore.Qt.Key.Key_Escape)
    assert not ws.isVisible()


def test_biggest_gaps_are_ranked_by_the_shown_scores_and_skip_suppressed_ones():
    """Workshop mode ranks the gaps as the disclosure rule shows them: two patient-derived
    scores rounded to 12 keep their table order (the exact 12.4 > 11.6 is not hinted), and a
    suppressed score takes no place in the list."""
    import pandas as pd

    from phdesk.ui import workshop_pages as wp

    shown = pd.DataFrame({"category": ["GP", "Library", "Pharmacy", "Dentist", "Gym"],
                          "segment": ["65+", "Core20", "65+", "Core20", "All ages"],
                          "gap_score": [12.0, 12.0, "*", 30.0, 5.5],
                          "coverage_pct": ["*", "*", "*", "*", 80.0]},
                         index=[7, 3, 9, 1, 4])
    top = wp.biggest_gaps(shown, n=3)
    assert list(top["category"]) == ["Dentist", "GP", "Library"]
    assert list(top.index) == [1, 7, 3]
    assert list(wp.biggest_gaps(shown, n=10)["category"]) == ["Dentist", "GP", "Library", "Gym"]


def test_gaps_across_all_neighbourhoods_say_where_they_are():
    """On "All neighbourhoods" each of the biggest gaps names its neighbourhood, even when the
    top ones share one; one neighbourhood's own page does not repeat its name."""
    import pandas as pd

    from phdesk.ui import workshop_pages as wp

    gaps = pd.DataFrame({"neighbourhood": ["Catford", "Deptford"],
                         "category": ["Library", "GP practice"], "segment": ["Core20", "Age 65+"],
                         "gap_score": [20.0, 15.0], "coverage_pct": [0.0, 42.4]})
    page = wp.OverviewPage()
    figures = pd.DataFrame({"figure": ["Residents"], "value": ["1,000"]})
    empty = pd.DataFrame(columns=["text", "source_kind"])
    page.fill(figures, gaps, empty, pd.DataFrame(), no_result=False, everywhere=True)
    text = page.toPlainText()
    assert "Catford: Library · Core20: 0% within reach" in text
    assert "Deptford: GP practice · Age 65+: 42% within reach" in text
    page.fill(figures, gaps.iloc[:1], empty, pd.DataFrame(), no_result=False, everywhere=True)
    assert "Catford: Library · Core20: 0% within reach" in page.toPlainText()
    page.fill(figures, gaps.iloc[:1], empty, pd.DataFrame(), no_result=False)
    assert "Library · Core20: 0% within reach" in page.toPlainText()
    assert "Catford:" not in page.toPlainText()


def test_a_category_takes_one_place_in_the_biggest_gaps():
    """Core20 and IMD Q1 are the same residents: a category's gap came twice and pushed a
    third category off the list. Each category appears once per neighbourhood."""
    import pandas as pd

    from phdesk.ui import workshop_pages as wp

    shown = pd.DataFrame({"neighbourhood": ["N1"] * 4 + ["N2"],
                          "category": ["Archive", "Archive", "GP", "Library", "Archive"],
                          "segment": ["Core20", "IMD Q1 (most deprived)", "Core20", "Age 65+",
                                      "Core20"],
                          "gap_score": [30.0, 30.0, 20.0, 10.0, 25.0],
                          "coverage_pct": [0.0, 0.0, 10.0, 50.0, 0.0]})
    top = wp.biggest_gaps(shown[shown["neighbourhood"] == "N1"], n=3)
    assert list(top["category"]) == ["Archive", "GP", "Library"]
    assert list(top["segment"]) == ["Core20", "Core20", "Age 65+"]
    # across neighbourhoods the same category may come once for each
    assert list(wp.biggest_gaps(shown, n=3)["neighbourhood"]) == ["N1", "N2", "N1"]
