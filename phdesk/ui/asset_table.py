"""The asset register's table: its model, cell editors and the checks every edit passes.

Edits in a cell are not written by the model: it passes them to the panel
(:mod:`phdesk.ui.asset_register`), which validates them here and saves them as undoable commands.
Eastings/northings are EPSG:27700 metres.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from PySide6 import QtCore, QtWidgets

from phdesk.core.geo import in_gb_bng, normalise_postcode, valid_postcode
from phdesk.ui.tables import DataFrameModel

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


def normalise_assets(frame: pd.DataFrame) -> pd.DataFrame:
    """The register's columns with fixed dtypes (so cells can be set in place)."""
    frame = frame.reindex(columns=COLUMNS).copy()
    for c in frame.columns:
        if c in NUMERIC:
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
        elif c == "id":
            frame[c] = frame[c].astype("int64")
        else:
            frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame


def same_assets(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """True when two register frames hold the same rows, whatever their order or dtypes."""
    if len(a) != len(b) or list(a.columns) != list(b.columns):
        return False

    def rows(df: pd.DataFrame) -> list[list[Any]]:
        df = df.sort_values("id", kind="stable").astype(object)
        return df.where(df.notna(), None).to_numpy().tolist()

    return rows(a) == rows(b)


class AssetTableModel(DataFrameModel):
    """The register as a table; edits in a cell are passed to the panel, not written here."""

    edit_requested = QtCore.Signal(int, str, object)   # asset id, field, new value

    def set_frame(self, frame: pd.DataFrame) -> None:
        super().set_frame(normalise_assets(frame))

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

    # -- many rows at once: one model reset, so the table, the filter and the counts follow once
    def remove_rows(self, asset_ids: list[int]) -> None:
        gone = set(int(i) for i in asset_ids)
        self.beginResetModel()
        self._set(self._df[~self._df["id"].isin(gone)].reset_index(drop=True))
        self.endResetModel()

    def add_rows(self, rows: list[dict[str, Any]]) -> None:
        extra = pd.DataFrame([{c: r.get(c) for c in COLUMNS} for r in rows], columns=COLUMNS)
        frame = pd.concat([self._df, extra], ignore_index=True) if len(self._df) else extra
        self.beginResetModel()
        self._set(self._fixed(frame.sort_values("id", kind="stable").reset_index(drop=True)))
        self.endResetModel()

    def set_many(self, values: dict[int, dict[str, Any]]) -> None:
        frame = self._df.copy()
        where = pd.Series(np.arange(len(frame)), index=frame["id"].to_numpy())
        for asset_id, change in values.items():
            if int(asset_id) not in where.index:
                continue
            for field, value in change.items():
                if field in COLUMNS:
                    frame.iat[int(where[int(asset_id)]), COLUMNS.index(field)] = (
                        np.nan if field in NUMERIC and value is None else value)
        self.beginResetModel()
        self._set(self._fixed(frame))
        self.endResetModel()

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
        where = QtWidgets.QLabel("Place it by its postcode, or by easting and northing (British "
                                 "National Grid, metres) if the postcode is not in the "
                                 "project's postcode lookup.", self)
        where.setWordWrap(True)
        where.setAccessibleName("How to place the asset")
        form.addRow(where)
        # room for a real name ("Shay Lane Medical Centre (Kelman)"): the dialog was about
        # 20 characters wide, its title cut to "Add asse…"
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
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
