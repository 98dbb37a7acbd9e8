"""The editable asset register: add, edit in the table, delete — each undoable, each saved at once.

Every change is a ``QUndoCommand`` on one ``QUndoStack`` (Ctrl+Z / Ctrl+Shift+Z). A command saves
through the service on the task runner's DB worker (jobs there run one after another, so a save
queued behind an import waits its turn instead of freezing the window); the table is updated
when the save is done, so it always shows what the project file holds. Deleting keeps the whole
row so that undo restores it with the same id.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.core.geo import in_gb_bng, normalise_postcode, valid_postcode
from phdesk.ui.tables import DataFrameModel, FrameView

Qt = QtCore.Qt

COLUMNS = ["id", "name", "category", "easting", "northing", "postcode", "capacity", "source"]
EDITABLE = ("name", "category", "easting", "northing", "postcode", "capacity")
NUMERIC = ("easting", "northing", "capacity")


class InvalidEdit(ValueError):
    """An edit the register refuses; the message is shown to the user."""


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or \
        (isinstance(value, str) and not value.strip()) or value is pd.NA


def _number(field: str, value: Any) -> float | None:
    if _is_blank(value):
        return None
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        raise InvalidEdit(f"{field.capitalize()} must be a number (got '{value}').") from None


def validate(changes: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check and tidy the changed fields of one asset; raises :class:`InvalidEdit`.

    ``current`` is the asset as it is (for checking a new easting against its northing).
    Eastings/northings are EPSG:27700 metres and must fall inside Great Britain.
    """
    current = current or {}
    out: dict[str, Any] = {}
    for field, value in changes.items():
        if field in ("name", "category"):
            if _is_blank(value):
                raise InvalidEdit(f"An asset needs a {field}; it cannot be empty.")
            out[field] = str(value).strip()
        elif field == "capacity":
            cap = _number("capacity", value)
            if cap is None or cap < 0:
                raise InvalidEdit("Capacity must be a number of 0 or more.")
            out[field] = cap
        elif field in ("easting", "northing"):
            out[field] = _number(field, value)
        elif field == "postcode":
            if _is_blank(value):
                out[field] = None
                continue
            norm = normalise_postcode(pd.Series([str(value)]))
            if not bool(valid_postcode(norm).iloc[0]):
                raise InvalidEdit(f"'{value}' is not a UK postcode (e.g. SW1A 1AA).")
            code = str(norm.iloc[0])
            out[field] = f"{code[:-3]} {code[-3:]}"
        else:
            out[field] = value
    if "easting" in out or "northing" in out:
        e = out.get("easting", current.get("easting"))
        n = out.get("northing", current.get("northing"))
        e = None if _is_blank(e) else float(e)
        n = None if _is_blank(n) else float(n)
        # a point needs both; one alone is checked against the grid's range for that axis
        test_e = e if e is not None else 400_000.0
        test_n = n if n is not None else 400_000.0
        if (e is not None or n is not None) and not bool(in_gb_bng([test_e], [test_n])[0]):
            raise InvalidEdit(
                f"Easting {_fmt(e)}, northing {_fmt(n)} is outside Great Britain "
                "(British National Grid, metres: easting 0–700,000, northing 0–1,300,000).")
    return out


def _fmt(v: float | None) -> str:
    return "(blank)" if v is None else f"{v:,.0f}"


def _plain(value: Any) -> Any:
    """NaN/NA -> None and numpy scalars -> Python, for the service."""
    if _is_blank(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


class AssetTableModel(DataFrameModel):
    """The register as a table; edits in a cell are passed to the panel, not written here."""

    edit_requested = QtCore.Signal(int, str, object)   # asset id, field, new value

    def set_frame(self, frame: pd.DataFrame) -> None:
        frame = frame.reindex(columns=COLUMNS).copy()
        for c in frame.columns:  # fixed dtypes, so cells can be set in place
            if c in NUMERIC:
                frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
            elif c == "id":
                frame[c] = frame[c].astype("int64")
            else:
                frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
        super().set_frame(frame)

    def flags(self, index: QtCore.QModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and self.column_name(index.column()) in EDITABLE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: QtCore.QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.EditRole and index.isValid():
            value = self._values[index.column()][index.row()]
            if _is_blank(value):
                return ""
            if isinstance(value, float):
                return f"{value:g}" if self.column_name(index.column()) == "capacity" \
                    else f"{value:.0f}"
            return str(value)
        return super().data(index, role)

    def setData(self, index: QtCore.QModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        self.edit_requested.emit(self.asset_id(index.row()), self.column_name(index.column()),
                                 value)
        return False   # the panel's command saves it and then calls set_values

    # -- row access by asset id --------------------------------------------------------------
    def asset_id(self, row: int) -> int:
        return int(self._values[0][row])

    def row_of(self, asset_id: int) -> int | None:
        hits = np.flatnonzero(self._df["id"].to_numpy() == asset_id)
        return int(hits[0]) if len(hits) else None

    def record(self, asset_id: int) -> dict[str, Any]:
        row = self.row_of(asset_id)
        if row is None:
            return {}
        return {c: _plain(self._values[i][row]) for i, c in enumerate(COLUMNS)}

    def set_values(self, asset_id: int, values: dict[str, Any]) -> None:
        row = self.row_of(asset_id)
        if row is None:
            return
        for field, value in values.items():
            if field not in COLUMNS:
                continue
            col = COLUMNS.index(field)
            value = np.nan if field in NUMERIC and value is None else value
            self._df.iat[row, col] = value
            self._values[col][row] = None if _is_blank(value) else value
            self._search.pop(col, None)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def add_row(self, values: dict[str, Any]) -> None:
        n = len(self._df)
        row = pd.DataFrame([{c: values.get(c) for c in COLUMNS}])
        frame = pd.concat([self._df, row], ignore_index=True) if n else row
        self.beginInsertRows(QtCore.QModelIndex(), n, n)
        self._set(self._fixed(frame))
        self.endInsertRows()

    def remove_row(self, asset_id: int) -> None:
        row = self.row_of(asset_id)
        if row is None:
            return
        self.beginRemoveRows(QtCore.QModelIndex(), row, row)
        self._set(self._df.drop(index=row).reset_index(drop=True))
        self.endRemoveRows()

    @staticmethod
    def _fixed(frame: pd.DataFrame) -> pd.DataFrame:
        for c in NUMERIC:
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
        frame["id"] = frame["id"].astype("int64")
        return frame


class CategoryDelegate(QtWidgets.QStyledItemDelegate):
    """Category cells edit in a combo of the known categories that also takes new text."""

    def __init__(self, categories: Callable[[], list[str]], parent: QtCore.QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self._categories = categories

    def createEditor(self, parent, option, index):
        combo = QtWidgets.QComboBox(parent)
        combo.setEditable(True)
        combo.setInsertPolicy(QtWidgets.QComboBox.InsertPolicy.NoInsert)
        combo.addItems(self._categories())
        combo.setAccessibleName("Category")
        return combo

    def setEditorData(self, editor, index):
        editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(self, editor, model, index):
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


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


class AddAssetDialog(QtWidgets.QDialog):
    """Name, category, location and capacity of a new asset, checked before it is accepted."""

    def __init__(self, categories: list[str], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add asset")
        self.name = QtWidgets.QLineEdit(self)
        self.category = QtWidgets.QComboBox(self)
        self.category.setEditable(True)
        self.category.addItems(categories)
        self.category.setCurrentText("")
        self.easting = QtWidgets.QLineEdit(self)
        self.northing = QtWidgets.QLineEdit(self)
        self.postcode = QtWidgets.QLineEdit(self)
        self.capacity = QtWidgets.QLineEdit("1", self)
        self.error = QtWidgets.QLabel(self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem with the new asset")
        form = QtWidgets.QFormLayout(self)
        for label, widget, hint in [
                ("&Name", self.name, "Name"), ("&Category", self.category, "Category"),
                ("&Easting (m)", self.easting, "Easting, British National Grid metres"),
                ("N&orthing (m)", self.northing, "Northing, British National Grid metres"),
                ("&Postcode", self.postcode, "Postcode"),
                ("Ca&pacity", self.capacity, "Capacity, 0 or more")]:
            widget.setAccessibleName(hint)
            form.addRow(label, widget)
        form.addRow(self.error)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._values: dict[str, Any] = {}

    def raw_values(self) -> dict[str, Any]:
        return {"name": self.name.text(), "category": self.category.currentText(),
                "easting": self.easting.text(), "northing": self.northing.text(),
                "postcode": self.postcode.text(), "capacity": self.capacity.text()}

    def accept(self) -> None:
        try:
            self._values = validate_new(self.raw_values())
        except InvalidEdit as exc:
            self.error.setText(str(exc))
            return
        super().accept()

    def values(self) -> dict[str, Any]:
        return self._values


def validate_new(values: dict[str, Any]) -> dict[str, Any]:
    """Check a whole new asset (name, category, capacity and its location)."""
    values = {**values}
    if _is_blank(values.get("capacity")):
        values["capacity"] = 1.0
    for field in ("name", "category", "capacity"):
        values.setdefault(field, None)
    out = validate(values)
    if (out.get("easting") is None) != (out.get("northing") is None):
        raise InvalidEdit("Give both an easting and a northing, or neither.")
    if out.get("easting") is None and not out.get("postcode"):
        raise InvalidEdit("Give the asset's easting and northing, or its postcode.")
    return out


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
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QtGui.QKeySequence.StandardKey.Undo])
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QtGui.QKeySequence("Ctrl+Shift+Z"),
                                       QtGui.QKeySequence.StandardKey.Redo])
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
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
        for w in (self.add_button, self.delete_button, undo_btn, redo_btn):
            bar.addWidget(w)
        bar.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.message_label)
        layout.addWidget(self.table, 1)

        # Delete / Insert on the table (an event filter, not QShortcuts: those would also fire
        # while another part of the window has focus)
        self.view.installEventFilter(self)
        self.reload()

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if obj is self.view and event.type() == QtCore.QEvent.Type.KeyPress \
                and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            if event.key() == Qt.Key.Key_Delete:
                self.delete_selected()
                return True
            if event.key() == Qt.Key.Key_Insert:
                self.open_add_dialog()
                return True
        return super().eventFilter(obj, event)

    # -- loading -------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the register from the project again (after an import); clears undo history."""
        def done(result: tuple[pd.DataFrame, list[str]]) -> None:
            frame, categories = result
            self._known_categories = categories
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
        """Delete assets (one undo step for all of them)."""
        if not ids:
            return
        self.clear_message()
        if len(ids) > 1:
            self.undo_stack.beginMacro(f"Delete {len(ids)} assets")
        for asset_id in ids:
            name = self.model.record(asset_id).get("name") or str(asset_id)
            self.undo_stack.push(DeleteAssetCommand(self, asset_id, name))
        if len(ids) > 1:
            self.undo_stack.endMacro()

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
