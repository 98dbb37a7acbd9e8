"""The neighbourhood list on the left of the window: one row per neighbourhood with its key
figures (population, % in Core20 areas, assets, and the biggest gap once mapping has run).
Selecting a row tells the map and the charts which neighbourhood to show."""

from __future__ import annotations

import math

import pandas as pd
from PySide6 import QtCore, QtGui, QtWidgets

COLUMNS = ["Neighbourhood", "Population", "% Core20", "Assets", "Biggest gap"]
SORT_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1


def _number_item(value: float, text: str) -> QtGui.QStandardItem:
    item = QtGui.QStandardItem(text)
    item.setData(-math.inf if value is None or pd.isna(value) else float(value), SORT_ROLE)
    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight
                          | QtCore.Qt.AlignmentFlag.AlignVCenter)
    return item


class NeighbourhoodPanel(QtWidgets.QWidget):
    """A sortable table of neighbourhoods; emits the selected name (None = all)."""

    neighbourhood_selected = QtCore.Signal(object)   # str | None

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QtGui.QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(COLUMNS)
        self.model.setSortRole(SORT_ROLE)
        self.view = QtWidgets.QTableView(self)
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setTabKeyNavigation(False)  # Tab moves on to the next control
        self.view.setAccessibleName("Neighbourhoods")
        self.view.setAccessibleDescription(
            "One row per neighbourhood: population, percentage living in Core20 areas (the most "
            "deprived 20% nationally), assets, and the biggest gap found by mapping. Select a row "
            "to show that neighbourhood on the map and charts.")
        self.view.selectionModel().selectionChanged.connect(self._on_selection)

        self.all_button = QtWidgets.QPushButton("Show &all neighbourhoods", self)
        self.all_button.setAccessibleName("Show all neighbourhoods")
        self.all_button.setAccessibleDescription("Clears the selection so the map and charts "
                                                 "show every neighbourhood")
        self.all_button.clicked.connect(self.clear_selection)
        self.caption = QtWidgets.QLabel(self)
        self.caption.setWordWrap(True)
        self.caption.setAccessibleName("Neighbourhood list notes")

        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.caption)
        lay.addWidget(self.all_button)
        self._blocking = False

    # -- data --------------------------------------------------------------------------------
    def set_data(self, summary: pd.DataFrame, gaps: pd.DataFrame | None = None) -> None:
        """Fill the list from ``ProjectService.neighbourhood_summary()`` and ``biggest_gaps()``."""
        selected = self.selected()
        gap_text = {}
        if gaps is not None and len(gaps):
            gap_text = {n: f"{c} · {s}" for n, s, c in
                        zip(gaps["neighbourhood"], gaps["segment"], gaps["category"], strict=True)}
        self._blocking = True
        try:
            self.model.setRowCount(0)
            for row in summary.itertuples(index=False):
                name = str(row.neighbourhood)
                pct = row.core20_pct
                items = [
                    QtGui.QStandardItem(name),
                    _number_item(row.population, f"{row.population:,.0f}"),
                    _number_item(pct, "–" if pd.isna(pct) else f"{pct:.0f}%"),
                    _number_item(row.assets, f"{int(row.assets):,}"),
                    QtGui.QStandardItem(gap_text.get(name, "–")),
                ]
                items[0].setData(name.casefold(), SORT_ROLE)
                items[4].setData(gap_text.get(name, ""), SORT_ROLE)
                items[2].setToolTip("Share of residents living in LSOAs among the most deprived "
                                    "20% in England (IMD deciles 1–2)")
                self.model.appendRow(items)
            self.view.resizeColumnsToContents()
        finally:
            self._blocking = False
        if not len(summary):
            self.caption.setText("No neighbourhoods yet: import a neighbourhood lookup "
                                 "(File ▸ Import data…).")
        elif not gap_text:
            self.caption.setText("Run mapping (F5) to find each neighbourhood's biggest gap.")
        else:
            self.caption.setText("Biggest gap: the category and segment with the highest gap "
                                 "score (high need, low provision).")
        self.select(selected, emit=False)

    def row_count(self) -> int:
        return self.model.rowCount()

    # -- selection ---------------------------------------------------------------------------
    def selected(self) -> str | None:
        rows = self.view.selectionModel().selectedRows(0)
        return rows[0].data() if rows else None

    def select(self, name: str | None, emit: bool = True) -> None:
        """Select a neighbourhood by name (None clears); ``emit=False`` for echoes from the map."""
        self._blocking = not emit
        try:
            if name is None:
                self.view.clearSelection()
                return
            hits = self.model.findItems(name, QtCore.Qt.MatchFlag.MatchExactly, 0)
            if hits:
                self.view.selectRow(hits[0].row())
                self.view.scrollTo(hits[0].index())
            else:
                self.view.clearSelection()
        finally:
            self._blocking = False

    def clear_selection(self) -> None:
        self.view.clearSelection()

    def _on_selection(self, *_: object) -> None:
        if not self._blocking:
            self.neighbourhood_selected.emit(self.selected())
