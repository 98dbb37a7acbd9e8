"""The editable asset register: add, edit in the table, delete — each undoable, each saved at once.

Every change is a ``QUndoCommand`` on one ``QUndoStack`` (Ctrl+Z / Ctrl+Shift+Z). A command saves
through the service on the task runner's DB worker (jobs there run one after another, so a save
queued behind an import waits its turn instead of freezing the window); the table is updated
when the save is done, so it always shows what the project file holds. Deleting keeps the whole
row so that undo restores it with the same id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.ui.asset_bulk import BulkDeleteCommand, BulkEditCommand, RenameCategoryDialog
from phdesk.ui.asset_table import (
    COLUMNS,
    AddAssetDialog,
    AssetTableModel,
    CategoryDelegate,
    InvalidEdit,
    normalise_assets,
    same_assets,
    validate,
    validate_new,
)
from phdesk.ui.tables import FrameView

Qt = QtCore.Qt

__all__ = ["COLUMNS", "AddAssetDialog", "AssetRegisterPanel", "AssetTableModel", "InvalidEdit"]


class _SaveCommand(QtGui.QUndoCommand):
    """A command whose redo/undo each run one save job through the panel."""

    def __init__(self, panel: AssetRegisterPanel, text: str) -> None:
        super().__init__(text)
        self.panel = panel


class EditAssetCommand(_SaveCommand):
    def __init__(self, panel, asset_id: int, changes: dict[str, Any], before: dict[str, Any]):
        field = ", ".join(changes)
        super().__init__(panel, f"Edit {field} of asset {asset_id}")
        self.asset_id, self.changes, self.before = asset_id, changes, before

    def redo(self) -> None:
        self.panel._save(lambda s: s.update_asset(self.asset_id, self.changes),
                         lambda _: self.panel.model.set_values(self.asset_id, self.changes),
                         self.text())

    def undo(self) -> None:
        self.panel._save(lambda s: s.update_asset(self.asset_id, self.before),
                         lambda _: self.panel.model.set_values(self.asset_id, self.before),
                         f"Undo: {self.text()}")


class AddAssetCommand(_SaveCommand):
    def __init__(self, panel, values: dict[str, Any]):
        super().__init__(panel, f"Add asset '{values.get('name')}'")
        self.values = dict(values)
        self.asset_id: int | None = None

    def _add(self, service) -> int:
        # runs on the DB worker; a redo after undo puts the asset back with the same id
        values = {**self.values, "id": self.asset_id} if self.asset_id else self.values
        self.asset_id = service.add_asset(values)
        return self.asset_id

    def redo(self) -> None:
        self.panel._save(self._add, lambda new_id: self.panel.model.add_row(
            {**self.values, "id": new_id, "source": self.values.get("source") or "manual"}),
            self.text())

    def undo(self) -> None:
        self.panel._save(lambda s: s.delete_asset(self.asset_id),
                         lambda row: self.panel.model.remove_row(int(row["id"])),
                         f"Undo: {self.text()}")


class DeleteAssetCommand(_SaveCommand):
    def __init__(self, panel, asset_id: int, name: str):
        super().__init__(panel, f"Delete asset '{name}'")
        self.asset_id = asset_id
        self.row: dict[str, Any] | None = None

    def _delete(self, service) -> dict[str, Any]:
        self.row = service.delete_asset(self.asset_id)
        return self.row

    def redo(self) -> None:
        self.panel._save(self._delete, lambda _: self.panel.model.remove_row(self.asset_id),
                         self.text())

    def undo(self) -> None:
        self.panel._save(lambda s: s.restore_asset(self.row),
                         lambda _: self.panel.model.add_row(dict(self.row)),
                         f"Undo: {self.text()}")


class AssetRegisterPanel(QtWidgets.QWidget):
    """The asset register with add (Insert), in-cell edit, delete (Delete) and undo/redo.

    Parameters
    ----------
    service
        A ``ProjectService`` (``assets``, ``categories``, ``add_asset``, ``update_asset``,
        ``delete_asset``, ``restore_asset``).
    tasks
        The window's ``TaskRunner``; None runs saves at once on the GUI thread (previews, tests).
    """

    assets_changed = QtCore.Signal()
    message = QtCore.Signal(str)

    def __init__(self, service, tasks=None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.tasks = tasks
        self.undo_stack = QtGui.QUndoStack(self)
        self.model = AssetTableModel(parent=self)
        self.model.edit_requested.connect(self.edit_asset)
        self.table = FrameView("Asset register", parent=self, model=self.model)
        self.view = self.table.view
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.DoubleClicked
                                  | QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QtWidgets.QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.view.setItemDelegateForColumn(COLUMNS.index("category"),
                                           CategoryDelegate(self._categories, self.view))
        self._known_categories: list[str] = []

        self.add_button = QtWidgets.QPushButton("&Add asset…", self)
        self.add_button.setAccessibleName("Add asset")
        self.add_button.setToolTip("Add an asset (Insert)")
        self.add_button.clicked.connect(self.open_add_dialog)
        self.delete_button = QtWidgets.QPushButton("&Delete", self)
        self.delete_button.setAccessibleName("Delete selected assets")
        self.delete_button.setToolTip("Delete the selected assets (Delete); undo brings them back")
        self.delete_button.clicked.connect(self.delete_selected)
        self.rename_button = QtWidgets.QPushButton("Rename or &merge category…", self)
        self.rename_button.setAccessibleName("Rename or merge a category")
        self.rename_button.setToolTip("Give every asset of a category a new name, or merge it "
                                      "into another category")
        self.rename_button.clicked.connect(self.open_rename_dialog)
        # No shortcuts on these actions: the main window's Edit menu has Undo/Redo on the same
        # stack, and two actions on one key would make the key ambiguous (neither fires). The
        # table handles the keys itself when no window action has taken them (eventFilter).
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setToolTip("Undo (Ctrl+Z)")
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setToolTip("Redo (Ctrl+Shift+Z)")
        undo_btn, redo_btn = QtWidgets.QToolButton(self), QtWidgets.QToolButton(self)
        undo_btn.setDefaultAction(self.undo_action)
        redo_btn.setDefaultAction(self.redo_action)
        undo_btn.setAccessibleName("Undo")
        redo_btn.setAccessibleName("Redo")

        self.message_label = QtWidgets.QLabel(self)
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName("Asset register message")
        self.message_label.setForegroundRole(QtGui.QPalette.ColorRole.Highlight)
        self.message_label.hide()

        bar = QtWidgets.QHBoxLayout()
        for w in (self.add_button, self.delete_button, self.rename_button, undo_btn, redo_btn):
            bar.addWidget(w)
        bar.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.message_label)
        layout.addWidget(self.table, 1)
        # Tab in reading order: the buttons above the table come before it (they were created
        # after the table, so Tab reached Add and Delete only after the whole table)
        chain = [self.add_button, self.delete_button, self.rename_button, undo_btn, redo_btn,
                 self.table.filter_edit,
                 self.table.column_combo, self.table.save_button, self.view]
        for first, second in zip(chain, chain[1:]):
            QtWidgets.QWidget.setTabOrder(first, second)

        # Delete / Insert on the table (an event filter, not QShortcuts: those would also fire
        # while another part of the window has focus)
        self.view.installEventFilter(self)
        self.reload()

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if obj is not self.view or event.type() != QtCore.QEvent.Type.KeyPress:
            return super().eventFilter(obj, event)
        ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
        if event.matches(QtGui.QKeySequence.StandardKey.Redo) or (
                event.key() == Qt.Key.Key_Z and event.modifiers() == ctrl | shift):
            self.undo_stack.redo()
            return True
        if event.matches(QtGui.QKeySequence.StandardKey.Undo):
            self.undo_stack.undo()
            return True
        if event.modifiers() == Qt.KeyboardModifier.NoModifier and not getattr(
                self, "read_only", False):
            if event.key() == Qt.Key.Key_Delete:
                self.delete_selected()
                return True
            if event.key() == Qt.Key.Key_Insert:
                self.open_add_dialog()
                return True
        return super().eventFilter(obj, event)

    # -- loading -------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the register from the project again.

        When the register is as the table shows it (the reload that follows this panel's own
        saves) the table, its sort and the undo history are kept; when it changed underneath
        (an import) the table is replaced and the undo history cleared.
        """
        def done(result: tuple[pd.DataFrame, list[str]]) -> None:
            frame, categories = result
            self._known_categories = categories
            if same_assets(normalise_assets(frame), self.model.frame()):
                return
            self.undo_stack.clear()
            self.table.set_frame(frame)

        self._run(lambda s: (s.assets(), s.categories()), done, "Loading the asset register")

    def _categories(self) -> list[str]:
        in_table = self.model.frame()["category"].dropna().astype(str).tolist() \
            if self.model.rowCount() else []
        return sorted(set(self._known_categories) | set(in_table), key=str.casefold)

    # -- user actions --------------------------------------------------------------------------
    @QtCore.Slot(int, str, object)
    def edit_asset(self, asset_id: int, field: str, value: Any) -> bool:
        """Validate and save one field of one asset; False (and a message) if refused."""
        current = self.model.record(asset_id)
        try:
            changes = validate({field: value}, current)
        except InvalidEdit as exc:
            self.show_message(f"Not saved: {exc}")
            return False
        before = {k: current.get(k) for k in changes}
        if before == changes:
            return True
        self.clear_message()
        self.undo_stack.push(EditAssetCommand(self, asset_id, changes, before))
        return True

    def add_asset(self, values: dict[str, Any]) -> bool:
        """Validate and add an asset; False (and a message) if refused."""
        try:
            clean = validate_new(values)
        except InvalidEdit as exc:
            self.show_message(f"Not saved: {exc}")
            return False
        self.clear_message()
        self.undo_stack.push(AddAssetCommand(self, clean))
        return True

    def open_add_dialog(self) -> None:
        """Ask for a new asset and add it."""
        dialog = AddAssetDialog(self._categories(), self)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.add_asset(dialog.values())

    def selected_ids(self) -> list[int]:
        rows = {self.table.proxy.mapToSource(i).row()
                for i in self.view.selectionModel().selectedIndexes()}
        return [self.model.asset_id(r) for r in sorted(rows)]

    def delete_assets(self, ids: list[int]) -> None:
        """Delete assets: one undo step, one save job and one refresh for all of them."""
        if not ids or getattr(self, "read_only", False):
            return
        self.clear_message()
        if len(ids) == 1:
            name = self.model.record(ids[0]).get("name") or str(ids[0])
            self.undo_stack.push(DeleteAssetCommand(self, ids[0], name))
        else:
            self.undo_stack.push(BulkDeleteCommand(self, ids))

    def set_read_only(self, read_only: bool) -> None:
        """No adding, deleting, renaming or editing (the project is open in another window)."""
        self.read_only = read_only
        for w in (self.add_button, self.delete_button, self.rename_button):
            w.setEnabled(not read_only)
        triggers = QtWidgets.QAbstractItemView.EditTrigger
        self.view.setEditTriggers(triggers.NoEditTriggers if read_only else
                                  triggers.DoubleClicked | triggers.EditKeyPressed
                                  | triggers.AnyKeyPressed)

    def rename_category(self, old: str, new: str) -> bool:
        """Give every asset of category ``old`` the category ``new`` (an existing one merges
        them): one undoable step. False (and a message) when there is nothing to do."""
        new = (new or "").strip()
        if not new or new == old:
            self.show_message("Not renamed: give a new name for the category.")
            return False
        ids = [int(i) for i in self.model.frame().loc[
            self.model.frame()["category"].astype(str) == old, "id"]]
        if not ids:
            self.show_message(f"Not renamed: no asset has the category '{old}'.")
            return False
        self.clear_message()
        verb = "Merge" if new in self._categories() else "Rename"
        self.undo_stack.push(BulkEditCommand(
            self, {i: {"category": new} for i in ids},
            f"{verb} category '{old}' into '{new}' ({len(ids):,} assets)"))
        return True

    def open_rename_dialog(self) -> None:
        """Rename or merge a category (for the selected asset's category by default)."""
        ids = self.selected_ids()
        current = self.model.record(ids[0]).get("category") if ids else None
        dialog = RenameCategoryDialog(self._categories(), current, self)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.rename_category(*dialog.values())

    def delete_selected(self) -> None:
        """Delete the selected rows."""
        self.delete_assets(self.selected_ids())

    # -- messages ------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.show()
        self.message.emit(text)

    def clear_message(self) -> None:
        self.message_label.clear()
        self.message_label.hide()

    # -- saving --------------------------------------------------------------------------------
    def _run(self, job: Callable[[Any], Any], done: Callable[[Any], None], label: str,
             on_error: Callable[[BaseException], None] | None = None) -> None:
        if self.tasks is None:
            try:
                result = job(self.service)
            except Exception as exc:  # noqa: BLE001 - shown to the user like the runner does
                if on_error is None:
                    raise
                on_error(exc)
                return
            done(result)
            return
        self.tasks.run(lambda progress, cancelled: job(self.service), done, label,
                       on_error=on_error, cancellable=False)

    def _save(self, job: Callable[[Any], Any], done: Callable[[Any], None], label: str) -> None:
        """Run one save; on success update the table and tell listeners."""
        def finished(result: Any) -> None:
            done(result)
            self.assets_changed.emit()

        self._run(job, finished, label, on_error=self._save_failed)

    def _save_failed(self, exc: BaseException) -> None:
        # the table may no longer match the file: show the file's state; the history is void
        self.show_message(f"Could not save the change: {exc}. The register has been reloaded.")
        self.reload()


def _preview() -> int:  # pragma: no cover - manual preview
    """``python -m phdesk.ui.asset_register [PNG]``: the register of the demo project."""
    import sys
    import tempfile
    from pathlib import Path

    from phdesk.core.demo import write_demo
    from phdesk.services.project_service import ProjectService
    from phdesk.ui.tasks import TaskRunner

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    path = Path(tempfile.mkdtemp()) / "demo.phdesk"
    write_demo(path)
    service = ProjectService.open(path)
    window = QtWidgets.QMainWindow()
    tasks = TaskRunner(window)
    panel = AssetRegisterPanel(service, tasks, window)
    window.setCentralWidget(panel)
    window.setWindowTitle("phdesk — asset register (preview)")
    window.resize(1000, 600)
    window.show()
    if len(sys.argv) > 1:
        def shoot() -> None:
            tasks.wait()
            panel.edit_asset(panel.model.asset_id(0), "capacity", "4")
            tasks.wait()
            panel.edit_asset(panel.model.asset_id(1), "capacity", "-3")
            panel.view.selectRow(2)
            window.grab().save(sys.argv[1])
            app.quit()
        QtCore.QTimer.singleShot(800, shoot)
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
