"""The neighbourhood list on the left of the window: one row per neighbourhood with its key
figures (population, % in Core20 areas, assets, and the biggest gap once mapping has run).
Selecting a row tells the map and the charts which neighbourhood to show."""

from __future__ import annotations

import math

import pandas as pd
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.core.gap_ranking import FEW_SITES, Headlines, gap_label

# The biggest gap is a second line under the name: five columns do not fit beside the map on a
# laptop screen, and a wrapped line keeps every figure readable without scrolling sideways.
COLUMNS = ["Neighbourhood", "People", "Core20", "Assets"]
HEADER_TIPS = ["Neighbourhood name; after mapping, its biggest gap (asset category · segment)",
               "Population (residents)",
               "Percentage of residents living in LSOAs among the most deprived 20% in England "
               "(IMD deciles 1–2)",
               "Assets placed inside the neighbourhood"]
SORT_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
NAME_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2


def _number_item(value: float, text: str) -> QtGui.QStandardItem:
    item = QtGui.QStandardItem(text)
    item.setData(-math.inf if value is None or pd.isna(value) else float(value), SORT_ROLE)
    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight
                          | QtCore.Qt.AlignmentFlag.AlignVCenter)
    return item


def _said_once(heads: Headlines) -> str:
    """The lines under the list for categories that headline no neighbourhood."""
    text = ""
    if heads.absent:
        text += f"No site within reach of anyone in the study area: {', '.join(heads.absent)}.\n"
    if heads.few:
        named = ", ".join(f"{c} ({k} site{'s' if k != 1 else ''})" for c, k in heads.few)
        text += (f"Fewer than {FEW_SITES} sites, so not a neighbourhood's headline: "
                 f"{named}.\n")
    return text


class NeighbourhoodPanel(QtWidgets.QWidget):
    """A sortable table of neighbourhoods; emits the selected name (None = all)."""

    neighbourhood_selected = QtCore.Signal(object)   # str | None
    rename_requested = QtCore.Signal(str)             # the selected neighbourhood's name

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QtGui.QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(COLUMNS)
        for i, tip in enumerate(HEADER_TIPS):
            self.model.setHeaderData(i, QtCore.Qt.Orientation.Horizontal, tip,
                                     QtCore.Qt.ItemDataRole.ToolTipRole)
        self.model.setSortRole(SORT_ROLE)
        self.view = QtWidgets.QTableView(self)
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(True)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.ResizeToContents)   # two-line rows after mapping
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        header.setSortIndicatorShown(True)
        self.view.sortByColumn(0, QtCore.Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._on_sorted)
        self.view.setTabKeyNavigation(False)  # Tab moves on to the next control
        self.view.setAccessibleName("Neighbourhoods")
        self.view.setAccessibleDescription(
            "One row per neighbourhood: its name and the biggest gap found by mapping, population, "
            "percentage living in Core20 areas (the most deprived 20% nationally) and assets. "
            "Select a row to show that neighbourhood on the map and charts; F2 renames it.")
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        # F2 and the context menu: a lookup of codes only (ward codes) gets names a room can read
        self.rename_action = QtGui.QAction("&Rename neighbourhood…", self.view)
        self.rename_action.setShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_F2))
        self.rename_action.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetShortcut)
        self.rename_action.setEnabled(False)
        self.rename_action.triggered.connect(self._request_rename)
        self.view.addAction(self.rename_action)
        self.view.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.ActionsContextMenu)

        self.all_button = QtWidgets.QPushButton("Sho&w all neighbourhoods", self)
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
    def set_data(self, summary: pd.DataFrame, heads: Headlines | None = None) -> None:
        """Fill the list from ``ProjectService.neighbourhood_summary()`` and ``headlines()``:
        each neighbourhood's headline gap, and under the list the categories said once instead
        (none within reach of the study area; too few sites to tell neighbourhoods apart)."""
        selected = self.selected()
        heads = heads or Headlines()
        gaps = heads.gaps
        gap_text = {}
        if gaps is not None and len(gaps):
            sites = gaps["sites"] if "sites" in gaps else pd.Series(pd.NA, index=gaps.index)
            gap_text = {r.neighbourhood: gap_label(r) + (f" ({k} site{'s' if k != 1 else ''})"
                                                         if pd.notna(k) and k < FEW_SITES
                                                         else "")
                        for r, k in zip(gaps.itertuples(), sites, strict=True)}
        self._blocking = True
        try:
            self.model.setRowCount(0)
            for row in summary.itertuples(index=False):
                name = str(row.neighbourhood)
                pct = row.core20_pct
                gap = gap_text.get(name)
                first = QtGui.QStandardItem(f"{name}\nGap: {gap}" if gap else name)
                first.setData(name, NAME_ROLE)
                first.setData(name.casefold(), SORT_ROLE)
                first.setToolTip(f"{name}: biggest gap {gap} (asset category · segment)" if gap
                                 else name)
                items = [
                    first,
                    _number_item(row.population, f"{row.population:,.0f}"),
                    _number_item(pct, "–" if pd.isna(pct) else f"{pct:.0f}%"),
                    _number_item(row.assets, f"{int(row.assets):,}"),
                ]
                items[2].setToolTip("Share of residents living in LSOAs among the most deprived "
                                    "20% in England (IMD deciles 1–2)")
                self.model.appendRow(items)
            header = self.view.horizontalHeader()
            self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
            self._fit_number_columns()
        finally:
            self._blocking = False
        if not len(summary):
            self.caption.setText("No neighbourhoods yet: import a neighbourhood lookup "
                                 "(File ▸ Import data…).")
        elif not gap_text:
            self.caption.setText("Run mapping (F5) to find each neighbourhood's biggest gap.")
        else:
            self.caption.setText(_said_once(heads) + "Gap: the asset category and population "
                                 "segment with the lowest access against the study area (no "
                                 "site within reach first), then the highest gap score.")
        self.select(selected, emit=False)

    def _fit_number_columns(self) -> None:
        """Number columns just wide enough for their text; the name column takes the rest."""
        fm = self.view.fontMetrics()
        em = fm.averageCharWidth()
        sorted_col = self.view.horizontalHeader().sortIndicatorSection()
        for col in range(1, len(COLUMNS)):
            texts = [COLUMNS[col]] + [self.model.item(r, col).text()
                                      for r in range(self.model.rowCount())]
            pad = em * (4 if col == sorted_col else 2)   # cell margins (+ the sort arrow)
            self.view.setColumnWidth(col, max(fm.horizontalAdvance(t) for t in texts) + pad)

    def row_count(self) -> int:
        return self.model.rowCount()

    # -- selection ---------------------------------------------------------------------------
    def selected(self) -> str | None:
        rows = self.view.selectionModel().selectedRows(0)
        return rows[0].data(NAME_ROLE) if rows else None

    def names(self) -> list[str]:
        """Neighbourhood names in the order shown."""
        return [self.model.item(r, 0).data(NAME_ROLE) for r in range(self.model.rowCount())]

    def gap_text(self, name: str) -> str | None:
        """The biggest-gap line shown for ``name`` (None before mapping)."""
        for r in range(self.model.rowCount()):
            item = self.model.item(r, 0)
            if item.data(NAME_ROLE) == name:
                lines = item.text().split("\n")
                return lines[1].removeprefix("Gap: ") if len(lines) > 1 else None
        return None

    def select(self, name: str | None, emit: bool = True) -> None:
        """Select a neighbourhood by name (None clears); ``emit=False`` for echoes from the map."""
        self._blocking = not emit
        try:
            if name is None:
                self.view.clearSelection()
                return
            rows = [r for r in range(self.model.rowCount())
                    if self.model.item(r, 0).data(NAME_ROLE) == name]
            if rows:
                self.view.selectRow(rows[0])
                self.view.scrollTo(self.model.index(rows[0], 0))
            else:
                self.view.clearSelection()
        finally:
            self._blocking = False

    def clear_selection(self) -> None:
        self.view.clearSelection()

    def _on_sorted(self, *_: object) -> None:
        self._fit_number_columns()

    def _request_rename(self) -> None:
        name = self.selected()
        if name is not None:
            self.rename_requested.emit(name)

    def _on_selection(self, *_: object) -> None:
        self.rename_action.setEnabled(self.selected() is not None)
        if not self._blocking:
            self.neighbourhood_selected.emit(self.selected())
