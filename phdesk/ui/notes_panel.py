"""The notes panel: community and professional insight pinned to places.

Why it exists: what residents, VCSE partners, clinicians and council officers say about a place
(transport, language, digital exclusion, cost…) is evidence beside the numbers. The panel lists
the project's notes, filters them (by who said it, tag, neighbourhood, words), adds, edits and
deletes them (each an undoable command saved at once, through :mod:`phdesk.ui.planning_access`),
draws the filtered notes as pins on the map and goes to a note's place when it is chosen.
"""

from __future__ import annotations

import pandas as pd
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.core.ideas import filter_notes
from phdesk.store.planning import SOURCE_KINDS, SUGGESTED_TAGS, split_tags
from phdesk.ui.planning_access import PlanningAccess, planning_for

Qt = QtCore.Qt
ALL = "All"
COLUMNS = ["Date", "From", "Neighbourhood", "Tags", "Note"]
ID_ROLE = Qt.ItemDataRole.UserRole + 1


class NoteDialog(QtWidgets.QDialog):
    """Add or edit one note: text, who it came from, tags, neighbourhood, scenario."""

    def __init__(self, neighbourhoods: list[str], scenarios: list[str],
                 values: dict | None = None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        values = values or {}
        self.setWindowTitle("Edit note" if values.get("id") else "Add note")
        self.text = QtWidgets.QPlainTextEdit(str(values.get("text") or ""))
        self.text.setAccessibleName("Note text")
        self.text.setTabChangesFocus(True)
        self.kind = QtWidgets.QComboBox()
        self.kind.addItems(list(SOURCE_KINDS))
        self.kind.setCurrentText(str(values.get("source_kind") or "resident"))
        self.kind.setAccessibleName("Who it came from")
        self.author = QtWidgets.QLineEdit(str(values.get("author") or ""))
        self.author.setAccessibleName("Author or group (optional)")
        self.tags = QtWidgets.QLineEdit(str(values.get("tags") or ""))
        self.tags.setAccessibleName("Tags")
        self.tags.setPlaceholderText(", ".join(SUGGESTED_TAGS))
        self.tags.setCompleter(QtWidgets.QCompleter(list(SUGGESTED_TAGS), self.tags))
        self.neighbourhood = _combo_with_none(neighbourhoods, "(no neighbourhood)",
                                              values.get("neighbourhood"))
        self.neighbourhood.setAccessibleName("Neighbourhood")
        self.scenario = _combo_with_none(scenarios, "(no scenario)", values.get("scenario"))
        self.scenario.setAccessibleName("Linked scenario")
        form = QtWidgets.QFormLayout()
        for label, w in (("&Note", self.text), ("&From", self.kind), ("&Author", self.author),
                         ("&Tags", self.tags), ("Neighbour&hood", self.neighbourhood),
                         ("&Scenario", self.scenario)):
            form.addRow(label, w)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Save
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def _accept(self) -> None:
        if not self.text.toPlainText().strip():
            self.text.setFocus()
            self.text.setPlaceholderText("A note needs some text.")
            return
        self.accept()

    def values(self) -> dict:
        return {"text": self.text.toPlainText().strip(), "source_kind": self.kind.currentText(),
                "author": self.author.text().strip() or None,
                "tags": split_tags(self.tags.text()),
                "neighbourhood": self.neighbourhood.currentData(),
                "scenario": self.scenario.currentData()}


def _combo_with_none(items: list[str], none_text: str, current: str | None
                     ) -> QtWidgets.QComboBox:
    combo = QtWidgets.QComboBox()
    combo.addItem(none_text, None)
    for item in items:
        combo.addItem(item, item)
    i = combo.findData(current) if current else 0
    combo.setCurrentIndex(max(i, 0))
    return combo


NO_NOTES = ("No notes yet: add what people said (Add note…), or import a survey or "
            "workshop's comments (Import comments…)")


class NotesPanel(QtWidgets.QWidget):
    """List, filter, add/edit/delete notes; pins on the window's map; follows the view state."""

    note_chosen = QtCore.Signal(int)

    def __init__(self, service, window, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_ = window
        self.planning: PlanningAccess = planning_for(window, service)
        self.state = getattr(window, "view_state", None)
        self.notes = pd.DataFrame()
        self.shown = pd.DataFrame()
        self._neighbourhoods: list[str] = []
        self._scenarios: list[str] = []
        self.setAccessibleName("Notes panel")

        self.kind_combo = QtWidgets.QComboBox()
        self.kind_combo.addItems([ALL, *SOURCE_KINDS])
        self.kind_combo.setAccessibleName("Filter notes by who they came from")
        self.tag_combo = QtWidgets.QComboBox()
        self.tag_combo.addItem(ALL)
        self.tag_combo.setAccessibleName("Filter notes by tag")
        self.here_check = QtWidgets.QCheckBox("This neighbourhood only")
        self.here_check.setAccessibleName("Only notes about the chosen neighbourhood")
        self.here_check.setChecked(True)
        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("Search notes…")
        self.search.setAccessibleName("Search notes")
        self.search.setClearButtonEnabled(True)
        top = QtWidgets.QHBoxLayout()
        for label, w in (("From", self.kind_combo), ("Tag", self.tag_combo)):
            lab = QtWidgets.QLabel(label)
            lab.setBuddy(w)
            top.addWidget(lab)
            top.addWidget(w)
        top.addWidget(self.here_check)
        top.addWidget(self.search, 1)

        self.model = QtGui.QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(COLUMNS)
        self.view = QtWidgets.QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName("Notes")
        self.view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(True)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda *_: self.edit_selected())
        self.view.selectionModel().currentRowChanged.connect(self._on_current)

        self.add_button = QtWidgets.QPushButton("Add note…")
        self.add_button.setToolTip("Add a note about the chosen neighbourhood")
        self.edit_button = QtWidgets.QPushButton("Edit…")
        self.delete_button = QtWidgets.QPushButton("Delete")
        self.import_button = QtWidgets.QPushButton("Import comments…")
        self.import_button.setToolTip("Import a CSV or Excel file of survey or workshop "
                                      "comments as notes, each pinned to its place")
        self.count_label = QtWidgets.QLabel()
        self.count_label.setAccessibleName("Notes shown")
        for b, name in ((self.add_button, "Add note"), (self.edit_button, "Edit note"),
                        (self.delete_button, "Delete note"),
                        (self.import_button, "Import survey or workshop comments")):
            b.setAccessibleName(name)
        self.add_button.clicked.connect(self.open_add_dialog)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.import_button.clicked.connect(self.open_import)
        QtGui.QShortcut(QtGui.QKeySequence.StandardKey.Delete, self.view,
                        self.delete_selected, context=Qt.ShortcutContext.WidgetShortcut)
        bottom = QtWidgets.QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.delete_button, self.import_button):
            bottom.addWidget(b)
        bottom.addStretch(1)
        bottom.addWidget(self.count_label)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addLayout(bottom)

        for sig in (self.kind_combo.currentIndexChanged, self.tag_combo.currentIndexChanged,
                    self.here_check.toggled, self.search.textChanged):
            sig.connect(self.refilter)
        self.planning.changed.connect(lambda kind: kind in ("notes", "scenarios") and
                                      self.reload())
        if self.state is not None:
            self.state.follow("neighbourhood", lambda _v: self.refilter(), self)
        self.overlays = None
        map_panel = getattr(window, "map_panel", None)
        if map_panel is not None and hasattr(map_panel, "view"):
            from phdesk.ui.map_overlays import MapOverlays

            self.overlays = getattr(map_panel, "planning_overlays", None) or MapOverlays(map_panel)
            map_panel.planning_overlays = self.overlays
            self.overlays.note_clicked.connect(self.choose)
        self.reload()

    # -- data --------------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the notes (and the names the dialog offers) from the project."""
        self.planning.read_many(("notes", "scenarios"), self._loaded)
        self.planning.run(lambda s: s.neighbourhoods(), self._set_neighbourhoods,
                          "Reading neighbourhoods")

    def open_import(self) -> None:
        """The window's import wizard, reading every file as survey or workshop comments (the
        window reloads this list when they are imported)."""
        opener = getattr(self.window_, "open_import_wizard", None)
        if opener is not None:
            opener(kind="notes")

    def _set_neighbourhoods(self, names: list[str]) -> None:
        self._neighbourhoods = list(names)

    def _loaded(self, frames: dict) -> None:
        self.notes = frames["notes"]
        self._scenarios = frames["scenarios"]["name"].tolist()
        tags = sorted({t for v in self.notes["tags"].fillna("") for t in split_tags(v)})
        keep = self.tag_combo.currentText()
        self.tag_combo.blockSignals(True)
        self.tag_combo.clear()
        self.tag_combo.addItems([ALL, *tags])
        self.tag_combo.setCurrentIndex(max(self.tag_combo.findText(keep), 0))
        self.tag_combo.blockSignals(False)
        self.refilter()

    def neighbourhood(self) -> str | None:
        return self.state.neighbourhood if self.state is not None else None

    def refilter(self, *_) -> None:
        if self.notes.empty and not len(self.notes.columns):
            return
        kind = self.kind_combo.currentText()
        tag = self.tag_combo.currentText()
        here = self.neighbourhood() if self.here_check.isChecked() else None
        self.shown = filter_notes(self.notes, here, None if kind == ALL else kind,
                                  None if tag == ALL else tag, None,
                                  self.search.text().strip() or None)
        self._fill()
        if self.overlays is not None:
            self.overlays.set_notes(self.shown)

    def _fill(self) -> None:
        chosen = self.selected_id()
        self.model.setRowCount(0)
        for row in self.shown.itertuples(index=False):
            cells = [str(row.created_at or "")[:10], str(row.source_kind or ""),
                     str(row.neighbourhood or "–"), str(row.tags or ""), str(row.text)]
            items = [QtGui.QStandardItem(c) for c in cells]
            items[0].setData(int(row.id), ID_ROLE)
            items[4].setToolTip(str(row.text))
            self.model.appendRow(items)
        self.view.resizeColumnsToContents()
        self.view.setColumnWidth(4, max(self.view.columnWidth(4), 200))
        n, total = len(self.shown), len(self.notes)
        self.count_label.setText(
            NO_NOTES if total == 0 else
            f"{n} of {total} notes" if n != total else f"{total} notes")
        if chosen is not None:
            self.choose(chosen, go=False)

    # -- selection ---------------------------------------------------------------------------
    def selected_id(self) -> int | None:
        rows = self.view.selectionModel().selectedRows(0)
        return int(rows[0].data(ID_ROLE)) if rows else None

    def choose(self, note_id: int, go: bool = True) -> None:
        """Select a note in the list (a pin clicked on the map, or after an edit)."""
        for r in range(self.model.rowCount()):
            if self.model.item(r, 0).data(ID_ROLE) == note_id:
                self.view.selectRow(r)
                self.view.scrollTo(self.model.index(r, 0))
                if go:
                    self.note_chosen.emit(note_id)
                return

    def _on_current(self, current: QtCore.QModelIndex, _previous) -> None:
        if current.isValid() and self.overlays is not None:
            self.overlays.go_to(int(self.model.item(current.row(), 0).data(ID_ROLE)))

    def row(self, note_id: int) -> dict:
        return self.notes[self.notes["id"] == note_id].iloc[0].to_dict()

    # -- edits -------------------------------------------------------------------------------
    def open_add_dialog(self) -> None:
        dialog = NoteDialog(self._neighbourhoods, self._scenarios,
                            {"neighbourhood": self.neighbourhood(),
                             "scenario": self.state.scenario if self.state else None}, self)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.planning.add_note(dialog.values())

    def edit_selected(self) -> None:
        note_id = self.selected_id()
        if note_id is None:
            return
        before = self.row(note_id)
        dialog = NoteDialog(self._neighbourhoods, self._scenarios, before, self)
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        new = dialog.values()
        old_tags = split_tags(before.get("tags"))
        changes = {k: v for k, v in new.items()
                   if (old_tags if k == "tags" else _none(before.get(k))) != v}
        if changes:
            self.planning.update_note(note_id, changes)

    def delete_selected(self) -> None:
        note_id = self.selected_id()
        if note_id is not None:
            self.planning.delete_note(note_id)


def _none(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value
