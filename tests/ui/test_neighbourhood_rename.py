"""Renaming a neighbourhood in the window: saved at once, undoable, the selection kept, every
panel and the results on the new name; names already taken or empty refused."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from phdesk.core.mapping import MappingParams
from phdesk.services.project_service import ProjectService
from phdesk.ui.window_rename import rename


def _mapped(make_main_window):
    win = make_main_window()
    win.run_mapping(MappingParams())
    assert win.tasks.wait(60_000)
    return win


def test_rename_is_saved_mapped_again_undone_and_keeps_the_selection(make_main_window):
    win = _mapped(make_main_window)
    names = win.neighbourhood_panel.names()
    old, other = names[0], names[1]
    win.view_state.set(neighbourhood=old)
    assert rename(win, old, "  Riverside   North ") is None
    assert win.tasks.wait(60_000)
    new = "Riverside North"
    assert new in win.neighbourhood_panel.names() and old not in win.neighbourhood_panel.names()
    assert win.view_state.neighbourhood == new and win.neighbourhood_panel.selected() == new
    result = win.service.last_result   # mapped again on the new name
    assert result is not None and new in set(result.neighbourhood_segments["neighbourhood"])
    assert old not in set(result.neighbourhood_segments["neighbourhood"])
    assert new in win.map_panel.view.labels.names and old not in win.map_panel.view.labels.names
    # saved in the file at once
    other_service = ProjectService.open(win.service.path, read_only=True)
    try:
        assert new in other_service.neighbourhoods() and old not in other_service.neighbourhoods()
    finally:
        other_service.close()
    # refused: a name in use, an empty one; nothing pushed
    depth = win.undo_stack.count()
    assert "already a neighbourhood" in rename(win, new, other)
    assert "needs a name" in rename(win, new, "   ")
    assert win.undo_stack.count() == depth
    win.undo_stack.undo()
    assert win.tasks.wait(60_000)
    assert old in win.neighbourhood_panel.names() and new not in win.neighbourhood_panel.names()
    assert win.view_state.neighbourhood == old


def test_f2_in_the_list_asks_for_the_new_name(make_main_window, qtbot):
    win = make_main_window()
    panel = win.neighbourhood_panel
    old = panel.names()[0]
    panel.select(old)
    panel.view.setFocus()

    def answer():
        dialog = next(w for w in QtWidgets.QApplication.topLevelWidgets()
                      if isinstance(w, QtWidgets.QInputDialog) and w.isVisible())
        assert old in dialog.labelText()
        dialog.setTextValue("Hilltop")
        dialog.accept()

    QtCore.QTimer.singleShot(200, answer)
    panel.rename_action.trigger()
    assert win.tasks.wait(60_000)
    qtbot.waitUntil(lambda: "Hilltop" in panel.names(), timeout=10_000)
    assert old not in panel.names() and win.undo_stack.count() == 1
