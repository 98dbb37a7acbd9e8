"""The scenarios panel in the window: edits saved at once and undoable, the register untouched;
switching scenario shows its results everywhere; a comparison fills the compare view."""

from __future__ import annotations

import numpy as np

from phdesk.core.mapping import MappingParams


def _idle(win, qtbot):
    qtbot.waitUntil(lambda: not win.tasks.busy(), timeout=120_000)


def test_add_site_by_map_click_switch_and_compare(make_main_window, qtbot):
    win = make_main_window()
    win.run_mapping(MappingParams())
    _idle(win, qtbot)
    base = win.service.last_result
    assets_before = win.service.assets().copy()
    panel = win.scenario_panel
    win.view_state.set(category="GP practice", neighbourhood="Eastfield")
    panel.new_scenario("A: GP in Eastfield")
    _idle(win, qtbot)
    assert win.view_state.scenario == "A: GP in Eastfield"
    assert panel.add_map_button.isEnabled()
    # a click on the map where the neighbourhood is: the site goes there
    nb = win.map_panel._layers.nbhd.set_index("group").loc["Eastfield"]
    x, y = float(nb["label_x"]), float(nb["label_y"])
    panel.add_map_button.setChecked(True)
    win.map_panel.view.mouse_clicked.emit(x, y)
    _idle(win, qtbot)
    qtbot.waitUntil(lambda: panel.change_list.count() == 1, timeout=10_000)
    changes = win.service.planning.scenario_changes("A: GP in Eastfield")
    assert changes["action"].tolist() == ["add"] and changes["category"].iloc[0] == "GP practice"
    assert np.isclose(changes["easting"].iloc[0], x)
    # the scenario's results are shown (mapped in the background), not the baseline's
    qtbot.waitUntil(lambda: "A: GP in Eastfield" in win.scenario_results, timeout=120_000)
    shown = win.current_result()
    assert shown is not base and shown.summary.get("scenario") == "A: GP in Eastfield"
    assert win.map_panel._result is shown
    # compare with the baseline: Core20 first among the segments gaining reach
    win.view_state.set(comparison="baseline")
    panel.run_compare()
    _idle(win, qtbot)
    cmp = panel.compare_view.comparison
    assert cmp is not None and cmp.other == "A: GP in Eastfield"
    reach = panel.compare_view.reach.model.frame()
    assert len(reach) and (reach["Newly within reach (residents)"] > 0).any()
    # undo removes the site, and nothing ever touched the register
    win.undo_stack.undo()
    _idle(win, qtbot)
    qtbot.waitUntil(lambda: panel.change_list.count() == 0, timeout=10_000)
    assert win.service.assets().equals(assets_before)
    win.view_state.set(scenario=None)
    assert win.current_result() is win.service.last_result


def test_a_postcode_is_placed_like_a_changes_file_row(demo_path, qtbot):
    from PySide6 import QtWidgets

    from phdesk.services.project_service import ProjectService
    from phdesk.ui.planning_access import PlanningAccess

    service = ProjectService.open(demo_path)
    with service.project.transaction() as db:
        db["postcodes"].insert({"postcode": "SE135AB", "easting": 535620.0,
                                "northing": 180480.0, "lsoa_code": None})
    holder = QtWidgets.QWidget()
    qtbot.addWidget(holder)
    access = PlanningAccess(service, parent=holder)
    found, failed = [], []
    access.failed.connect(failed.append)
    access.locate_postcode("se13 5ab", "GP practice", found.append)
    access.locate_postcode("ZZ9 9ZZ", "GP practice", found.append)
    assert found == [(535620.0, 180480.0), None]
    assert len(failed) == 1 and "ZZ9 9ZZ" in failed[0]
    service.close()
