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
    from phdesk.core.ideas import filter_notes
    from phdesk.ui.notes_panel import NotesPanel

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
    panel.kind_combo.setCurrentText("All")
    panel.search.setText(word.upper())
    assert notes["id"].iloc[0] in set(panel.shown["id"])
    got = filter_notes(notes, text=word.upper())
    assert notes["id"].iloc[0] in set(got["id"])
    assert filter_notes(notes, tag="no such tag").empty


def _reopen(path, what):
    s = ProjectService.open(path)
    try:
        return getattr(store, what)(s.project)
    finally:
        s.close()


def test_ideas_ranking_follows_a_weight_change_and_scores(env, demo_path):
    from phdesk.ui.ideas_panel import IdeasPanel

    service, win = env
    panel = IdeasPanel(service, win)
    assert win.undo_stack.count() == 0          # showing the weights saved nothing
    a = panel.planning
    a.add_idea({"title": "Cheap quick fix", "neighbourhood": "Eastfield"})
    a.add_idea({"title": "Big reach project", "neighbourhood": "Eastfield"})
    mine = panel.ideas[panel.ideas["title"].isin(["Cheap quick fix", "Big reach project"])]
    ids = dict(zip(mine["title"], mine["id"], strict=True))
    crit = panel.criteria.set_index("key")
    impact = [k for k in crit.index if crit.loc[k, "axis"] == "impact"][0]
    effort = [k for k in crit.index if crit.loc[k, "axis"] == "effort"][0]
    for k in crit.index:   # the same on every criterion but these two
        for t in ids:
            a.set_score(int(ids[t]), k, 3)
    a.set_score(int(ids["Big reach project"]), impact, 5)
    a.set_score(int(ids["Cheap quick fix"]), impact, 1)
    hib = bool(crit.loc[effort, "higher_is_better"])
    a.set_score(int(ids["Cheap quick fix"]), effort, 5 if hib else 0)
    a.set_score(int(ids["Big reach project"]), effort, 0 if hib else 5)

    def order():
        r = panel.ranked
        r = r[r["title"].isin(ids)]
        return r["title"].tolist()

    panel.weights[effort].setValue(0.0)
    panel.weights[impact].setValue(5.0)
    assert order() == ["Big reach project", "Cheap quick fix"]
    panel.weights[impact].setValue(0.0)
    panel.weights[effort].setValue(5.0)
    assert order() == ["Cheap quick fix", "Big reach project"]
    saved = _reopen(demo_path, "criteria").set_index("key")
    assert saved.loc[effort, "weight"] == 5.0 and saved.loc[impact, "weight"] == 0.0
    win.undo_stack.undo()                       # the weight of effort back to 0, saved
    assert _reopen(demo_path, "criteria").set_index("key").loc[effort, "weight"] == 0.0
    assert panel.weights[effort].value() == 0.0
    # the table shows the rank and the chart places every scored idea
    assert not panel.chart.showing_message()
    assert set(ids) <= set(panel.chart.points["title"])


def test_decision_recorded_with_reason_and_date(env, demo_path):
    from phdesk.ui.ideas_panel import IdeasPanel

    service, win = env
    panel = IdeasPanel(service, win)
    panel.planning.add_idea({"title": "Pop-up GP clinic", "neighbourhood": "Eastfield"})
    idea_id = int(panel.ideas.loc[panel.ideas["title"] == "Pop-up GP clinic", "id"].iloc[0])
    panel.planning.add_note({"text": "No GP within a bus ride", "source_kind": "resident",
                             "idea_id": idea_id})
    panel.choose(idea_id)
    panel.decision_combo.setCurrentIndex(panel.decision_combo.findData("agreed"))
    panel.reason_edit.setText("Closes the Core20 GP gap")
    panel.date_edit.setDate(panel.date_edit.date().fromString("2026-12-03", "yyyy-MM-dd"))
    panel.record_decision()
    row = _reopen(demo_path, "ideas").set_index("id").loc[idea_id]
    assert (row["decision"], row["decision_reason"], str(row["decided_at"])[:10]) == \
        ("agreed", "Closes the Core20 GP gap", "2026-12-03")
    page = panel.said_did.toPlainText()
    assert "Pop-up GP clinic" in page and "No GP within a bus ride" in page
    assert "Closes the Core20 GP gap" in page
    win.undo_stack.undo()
    assert pd_isna(_reopen(demo_path, "ideas").set_index("id").loc[idea_id, "decision"])


def pd_isna(v):
    import pandas as pd

    return v is None or pd.isna(v)
