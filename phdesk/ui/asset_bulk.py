"""Edits of many assets at once: one undo step, one save job, one transaction, one refresh.

Deleting 118 filtered assets used to push 118 commands: 118 save jobs, each followed by a full
re-read of the project (over a minute behind a "0 %" bar, and an import waited behind them). A
bulk command saves all rows in one job through ``ProjectService.delete_assets`` /
``update_assets`` (one transaction in ``phdesk.store.edits``), updates the table with one model
reset and tells the window once. Renaming or merging a category is a bulk edit of its assets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6 import QtGui, QtWidgets

if TYPE_CHECKING:
    from phdesk.ui.asset_register import AssetRegisterPanel


class BulkDeleteCommand(QtGui.QUndoCommand):
    """Delete many assets; undo puts every row back with its id."""

    def __init__(self, panel: AssetRegisterPanel, ids: list[int]) -> None:
        super().__init__(f"Delete {len(ids):,} assets")
        self.panel, self.ids = panel, list(ids)
        self.rows: list[dict[str, Any]] = []

    def _delete(self, service) -> list[dict[str, Any]]:
        self.rows = service.delete_assets(self.ids)
        return self.rows

    def redo(self) -> None:
        self.panel._save(self._delete, lambda _: self.panel.model.remove_rows(self.ids),
                         self.text())

    def undo(self) -> None:
        rows = self.rows
        self.panel._save(lambda s: s.restore_assets(rows),
                         lambda _: self.panel.model.add_rows([dict(r) for r in rows]),
                         f"Undo: {self.text()}")


class BulkEditCommand(QtGui.QUndoCommand):
    """Set fields of many assets (``{id: {field: value}}``); undo restores each one's values."""

    def __init__(self, panel: AssetRegisterPanel, changes: dict[int, dict[str, Any]],
                 text: str) -> None:
        super().__init__(text)
        self.panel, self.changes = panel, changes
        self.before: dict[int, dict[str, Any]] = {}

    def _update(self, service) -> dict[int, dict[str, Any]]:
        self.before = service.update_assets(self.changes)
        return self.before

    def redo(self) -> None:
        self.panel._save(self._update, lambda _: self.panel.model.set_many(self.changes),
                         self.text())

    def undo(self) -> None:
        before = self.before
        self.panel._save(lambda s: s.update_assets(before),
                         lambda _: self.panel.model.set_many(before), f"Undo: {self.text()}")


class RenameCategoryDialog(QtWidgets.QDialog):
    """Choose a category and its new name; an existing name merges the two."""

    def __init__(self, categories: list[str], current: str | None = None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Rename or merge a category")
        self.old = QtWidgets.QComboBox(self)
        self.old.addItems(categories)
        self.old.setAccessibleName("Category to rename")
        if current in categories:
            self.old.setCurrentText(current)
        self.new = QtWidgets.QComboBox(self)
        self.new.setEditable(True)
        self.new.addItems(categories)
        self.new.setCurrentText("")
        self.new.setAccessibleName("New name, or a category to merge into")
        self.new.lineEdit().setPlaceholderText("a new name, or an existing category to merge")
        note = QtWidgets.QLabel("Every asset of the category gets the new name. Choosing an "
                                "existing category merges the two. Undo (Ctrl+Z) reverses it.",
                                self)
        note.setWordWrap(True)
        form = QtWidgets.QFormLayout()
        form.addRow("&Category:", self.old)
        form.addRow("&New name:", self.new)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)

    def values(self) -> tuple[str, str]:
        return self.old.currentText(), self.new.currentText().strip()
