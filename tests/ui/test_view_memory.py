"""The map's Show/Measure/Category/Segment and the chosen neighbourhood are kept per project:
through an import, on reopening, per project in one window; a read-only project keeps them in
memory only; opening a project writes nothing."""

from __future__ import annotations

from phdesk.core.mapping import MappingParams
from phdesk.store import view_settings
from phdesk.store.project import Project

CSV = """Name,Category,Latitude,Longitude
Northgate Pharmacy,Pharmacy,51.4950,-0.1250
"""


def shown(win) -> dict:
    """What the map shows, read from its widgets (not from the view state)."""
    m = win.map_panel
    return {"level": m.level_combo.currentText(), "measure": m.measure_combo.currentText(),
            "category": m.category_combo.currentText(), "segment": m.segment_combo.currentText(),
            "neighbourhood": m._selected_nbhd,
            "list": win.neighbourhood_panel.selected()}


def saved(path) -> dict:
    with Project(path, read_only=True) as p:
        return view_settings.read(p)


def choose(win, qtbot) -> dict:
    """A user's choices, not the defaults: neighbourhoods, the last measure, the last category
    and segment, one neighbourhood."""
    m = win.map_panel
    m.level_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: m.measure_combo.count() > 3, timeout=5000)
    m.measure_combo.setCurrentIndex(m.measure_combo.count() - 1)
    m.category_combo.setCurrentIndex(m.category_combo.count() - 1)
    qtbot.wait(20)
    m.segment_combo.setCurrentIndex(m.segment_combo.count() - 1)
    win.neighbourhood_panel.select("Westcombe")
    want = shown(win)
    assert want["level"] == "Neighbourhoods" and want["list"] == "Westcombe"
    assert want["measure"] != m.measure_combo.itemText(0)
    return want


def test_choices_survive_an_import_and_reopening(make_main_window, qtbot, tmp_path):
    win = make_main_window()
    path = win.service.path
    win.run_mapping(MappingParams())
    assert win.tasks.wait(60_000)
    assert saved(path) == {}                       # opening and mapping chose nothing
    want = choose(win, qtbot)
    qtbot.waitUntil(lambda: saved(path).get("neighbourhood") == "Westcombe", timeout=10_000)
    kept = saved(path)
    assert kept["level"] == "neighbourhoods" and kept["category"] == want["category"]

    csv = tmp_path / "more.csv"                    # an import: the window reads it all again
    csv.write_text(CSV, encoding="utf-8")
    win.tasks.run(lambda _p, _c: win.service.run_import(csv, kind="assets"),
                  lambda _r: win._after_import(), "Import")
    assert win.tasks.wait(30_000)
    qtbot.wait(600)                                # the refresh after a batch of imports
    assert win.tasks.wait(60_000)
    qtbot.waitUntil(lambda: shown(win) == want, timeout=10_000)
    win.close()

    again = make_main_window(path)                 # reopened: the same view
    qtbot.waitUntil(lambda: shown(again) == want, timeout=10_000)
    assert again.view_state.neighbourhood == "Westcombe"


def test_each_project_in_one_window_keeps_its_own(make_main_window, qtbot, tmp_path,
                                                   demo_template):
    import shutil

    other = tmp_path / "other.phdesk"
    shutil.copy(demo_template, other)
    win = make_main_window()
    demo = win.service.path
    win.map_panel.level_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: saved(demo).get("level") == "neighbourhoods", timeout=10_000)
    assert win.open_path(other)
    assert win.tasks.wait(60_000)
    assert win.map_panel.level_combo.currentText() == "Areas"    # not the demo's choice
    assert saved(other) == {}
    assert win.open_path(demo)
    assert win.tasks.wait(60_000)
    qtbot.waitUntil(lambda: win.map_panel.level_combo.currentText() == "Neighbourhoods",
                    timeout=10_000)


def test_a_read_only_project_keeps_them_in_memory_only(qtbot, demo_path):
    from phdesk.services.project_service import ProjectService
    from phdesk.settings import Settings
    from phdesk.ui.main_window import MainWindow

    before = demo_path.read_bytes()
    win = MainWindow(ProjectService.open(demo_path, read_only=True), Settings())
    qtbot.addWidget(win)
    win.show()
    assert win.tasks.wait(60_000)
    win.map_panel.level_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: win.service.view_settings().get("level") == "neighbourhoods",
                    timeout=10_000)
    assert win.tasks.wait(10_000)
    win.close()
    assert demo_path.read_bytes() == before    # viewing never writes


def test_the_second_window_on_a_project_does_not_save_them(make_main_window, qtbot,
                                                           demo_path):
    first = make_main_window(demo_path)
    second = make_main_window(demo_path)
    assert second.read_only
    second.read_only_message.close()
    second.map_panel.level_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: second.service.view_settings().get("level") == "neighbourhoods",
                    timeout=10_000)
    assert second.tasks.wait(10_000)
    assert saved(demo_path) == {}
    first.close()
    second.close()
