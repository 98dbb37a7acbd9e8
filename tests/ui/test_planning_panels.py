"""Notes and ideas panels on the demo: CRUD with undo, saved at once; the view state drives them."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from phdesk.services.project_service import ProjectService
from phdesk.store import planning as store
from phdesk.ui.view_state import ViewState


class FakeWindow(QtWidgets.QWidget):
    """What the planning panels use of the main window: view state, undo stack, no runner."""

    def __init__(self) -> None:
        super().__init__()
        from PySide6 import QtGui

        self.view_state = ViewState(self)
        self.undo_stack = QtGui.QUndoStack(self)
        self.tasks = None


@pytest.fixture
def env(qtbot, demo_path):
    service = ProjectService.open(demo_path)
    win = FakeWindow()
    qtbot.addWidget(win)
    yield service, win
    service.close()


def _reopen_notes(path):
    s = ProjectService.open(path)
    try:
        return store.notes(s.project)
    finally:
        s.close()


def test_notes_add_edit_delete_with_undo_saved_at_once(env, demo_path):
    from phdesk.ui.notes_panel import NotesPanel

    service, win = env
    panel = NotesPanel(service, win)
    panel.here_check.setChecked(False)
    before = len(panel.notes)
    assert before >= 4 and panel.model.rowCount() == before   # the demo's notes are listed
    panel.planning.add_note({"text": "Bus 47 stopped running after 7pm", "source_kind": "resident",
                             "tags": ["transport"], "neighbourhood": "Eastfield"})
    assert len(panel.notes) == before + 1
    on_disk = _reopen_notes(demo_path)            # saved at once, visible to another reader
    new = on_disk[on_disk["text"] == "Bus 47 stopped running after 7pm"]
    assert len(new) == 1 and new["neighbourhood"].iloc[0] == "Eastfield"
    note_id = int(new["id"].iloc[0])
    panel.planning.update_note(note_id, {"text": "Bus 47 stops at 7pm"})
    assert panel.row(note_id)["text"] == "Bus 47 stops at 7pm"
    win.undo_stack.undo()
    assert panel.row(note_id)["text"] == "Bus 47 stopped running after 7pm"
    panel.choose(note_id)
    panel.delete_selected()
    assert note_id not in set(_reopen_notes(demo_path)["id"])
    win.undo_stack.undo()                         # back, with the same id
    assert panel.row(note_id)["tags"] == "transport"
    win.undo_stack.undo()                         # the edit was already undone: now the add
    win.undo_stack.undo()
    assert len(_reopen_notes(demo_path)) == before
    win.undo_stack.redo()
    assert note_id in set(_reopen_notes(demo_path)["id"])


def test_notes_filter_and_follow_the_neighbourhood(env):
    from phdesk.ui.notes_panel import NotesPanel, filter_notes

    service, win = env
    panel = NotesPanel(service, win)
    notes = panel.notes
    win.view_state.set(neighbourhood="Eastfield")
    expected = notes[notes["neighbourhood"] == "Eastfield"]
    assert 0 < panel.model.rowCount() == len(expected) < len(notes)
    panel.here_check.setChecked(False)
    assert panel.model.rowCount() == len(notes)
    panel.kind_combo.setCurrentText("resident")
    assert panel.model.rowCount() == (notes["source_kind"] == "resident").sum()
    word = notes["text"].iloc[0].split()[0]
    got = filter_notes(notes, text=word.upper())
    assert notes["id"].iloc[0] in set(got["id"])
    assert filter_notes(notes, tag="no such tag").empty
