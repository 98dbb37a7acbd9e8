"""The first screens at real scale: the window fits a 1366 x 768 laptop screen (its status bar
was below the bottom edge), an empty project's map says what to import, and the previous
project's selection details go on File ▸ New."""

from __future__ import annotations


def test_the_window_fits_a_1366_by_768_screen(make_main_window):
    win = make_main_window()
    need = win.minimumSizeHint()
    # a maximised window on 1366 x 768 has about 1366 x 745 for itself under the title bar
    assert need.width() <= 1280 and need.height() <= 700, need
    for key in ("ideas", "scenarios", "assets", "notes", "results", "sources"):
        inner = win.docks[key].widget()
        assert inner.minimumSizeHint().height() < 200, key   # scrolls, never stretches


def test_an_empty_project_says_what_to_import(make_main_window, tmp_path, qtbot):
    win = make_main_window()
    asset = win.map_panel._layers.assets.iloc[0]
    win.map_panel.click_at(float(asset["easting"]), float(asset["northing"]))
    assert not win.map_panel.details.text().startswith("Click an area")   # shows a selection
    assert win.open_path(tmp_path / "new.phdesk", create=True)
    assert win.tasks.wait(30_000)
    assert win.empty_banner.isVisible()
    legend = [label for _, label in win.map_panel.legend.entries]
    assert legend == ["No areas yet: import boundaries"]
    assert win.map_panel.details.text().startswith("Click an area")
    # the new project's panels are in their scroll areas too
    assert win.docks["notes"].widget().widget() is win.notes_panel
