"""Read-only table models over pandas frames: the model and its filter/sort proxy.

A :class:`DataFrameModel` answers Qt's questions straight from the frame's column arrays, so a
table of 100,000 rows costs no widget per cell. Sorting and filtering are done vectorised in
pandas: a Python ``lessThan`` would be called O(n log n) times across the Qt boundary, which takes
seconds on an LSOA-level table, so :class:`FrameProxyModel` asks the model to reorder itself and
keeps a boolean row mask for the filters.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
from PySide6 import QtCore

from phdesk.ui.help_content import column_label, column_tip

Qt = QtCore.Qt
_ROOT = QtCore.QModelIndex()
SORT_ROLE = Qt.ItemDataRole.UserRole + 1   # the raw value (numbers stay numbers)

# Columns whose numbers are codes or years, shown without thousands separators.
_PLAIN_NUMBER = re.compile(r"(^|_)(id|row|year|vintage|edition|rank_id|code)$|^(easting|northing)$"
                           r"|_(e|n)$")
_PERCENT = re.compile(r"(pct|percent|_share)($|_)|^coverage_(lower|upper)$")
_COORD_OR_METRES = re.compile(r"^(easting|northing)$|_(e|n|m)$")
_COMPARISON = re.compile(r"^\s*(<=|>=|<|>|=)\s*(-?[\d,]*\.?\d+)\s*$")


def pretty_header(column: str) -> str:
    """The header shown for a column: a measure's plain-English label from the catalogue
    (``access_2sfca`` -> "Places per 1,000 residents (2SFCA)"), else ``coverage_x`` ->
    ``coverage x``. CSV files keep the real names."""
    return column_label(column)


def format_value(value: Any, column: str = "") -> str:
    """Text shown for one cell: blank for missing, thousands separators, 1 decimal for percents."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        if _PLAIN_NUMBER.search(str(column).lower()):
            return str(int(value))
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return ""
        name = str(column).lower()
        if _PERCENT.search(name):
            return f"{v:,.1f}"
        if _COORD_OR_METRES.search(name):   # metres: whole metres are plenty
            return f"{v:.0f}" if _PLAIN_NUMBER.search(name) else f"{v:,.0f}"
        if _PLAIN_NUMBER.search(name):
            return f"{v:.0f}" if v.is_integer() else f"{v:.1f}"
        if v.is_integer() and abs(v) < 1e15:
            return f"{v:,.0f}"
        if abs(v) >= 100:
            return f"{v:,.1f}"
        return f"{v:,.3g}" if abs(v) < 0.01 else f"{v:,.2f}"
    return str(value)


class DataFrameModel(QtCore.QAbstractTableModel):
    """A read-only table model over a DataFrame (rows in the frame's current order).

    ``SORT_ROLE`` gives the raw value, ``DisplayRole`` the formatted text, ``ToolTipRole`` the
    full text with the column name.
    """

    def __init__(self, frame: pd.DataFrame | None = None, parent: QtCore.QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self._df = pd.DataFrame()
        self._values: list[np.ndarray] = []
        self._numeric: list[bool] = []
        self._search: dict[int, pd.Series] = {}
        self.set_frame(frame if frame is not None else pd.DataFrame())

    # -- the frame ---------------------------------------------------------------------------
    def set_frame(self, frame: pd.DataFrame) -> None:
        """Show a new frame (its index is dropped; row order is kept)."""
        self.beginResetModel()
        self._set(frame.reset_index(drop=True))
        self.endResetModel()

    def _set(self, frame: pd.DataFrame) -> None:
        self._df = frame
        self._shape = frame.shape   # Qt asks for the counts tens of thousands of times
        self._values = [frame.iloc[:, i].to_numpy(dtype=object, na_value=None, copy=True)
                        for i in range(frame.shape[1])]
        self._numeric = [pd.api.types.is_numeric_dtype(frame.dtypes.iloc[i])
                         and not pd.api.types.is_bool_dtype(frame.dtypes.iloc[i])
                         for i in range(frame.shape[1])]
        self._search = {}

    def frame(self) -> pd.DataFrame:
        """The frame as shown (current sort order)."""
        return self._df

    def column_name(self, column: int) -> str:
        return str(self._df.columns[column])

    def is_numeric(self, column: int) -> bool:
        return self._numeric[column]

    # -- Qt model interface ------------------------------------------------------------------
    def rowCount(self, parent: QtCore.QModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else self._shape[0]

    def columnCount(self, parent: QtCore.QModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else self._shape[1]

    def data(self, index: QtCore.QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        col = index.column()
        value = self._values[col][index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return format_value(value, self.column_name(col))
        if role == Qt.ItemDataRole.ToolTipRole:
            text = format_value(value, self.column_name(col))
            return f"{pretty_header(self.column_name(col))}: {text}" if text else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self._numeric[col]:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == SORT_ROLE:
            return value
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < self._df.shape[1]:
            if role == Qt.ItemDataRole.DisplayRole:
                return pretty_header(self.column_name(section))
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{column_tip(self.column_name(section))} Click to sort."
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    # -- vectorised sort and filter (used by FrameProxyModel) ---------------------------------
    def sort_positions(self, column: int, order: Qt.SortOrder) -> np.ndarray:
        """Row positions that sort ``column``: numbers (or text that is all numbers) numerically,
        text case-insensitively; blanks always last."""
        s = self._df.iloc[:, column]
        if not self._numeric[column] and not pd.api.types.is_bool_dtype(s.dtype):
            as_num = pd.to_numeric(s.astype("string").str.replace(",", "", regex=False),
                                   errors="coerce")
            all_numbers = as_num.notna().sum() == s.notna().sum()
            s = as_num if all_numbers else s.astype("string").str.casefold()
        key = pd.Series(s.to_numpy(), index=np.arange(len(s)))
        ascending = order == Qt.SortOrder.AscendingOrder
        ordered = key.sort_values(ascending=ascending, na_position="last", kind="stable")
        return ordered.index.to_numpy()

    def apply_order(self, positions: np.ndarray) -> None:
        """Reorder rows (a layout change, so views keep their selection)."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        inverse = np.empty(len(positions), dtype=int)
        inverse[positions] = np.arange(len(positions))
        search = {c: s.iloc[positions].reset_index(drop=True) for c, s in self._search.items()}
        self._set(self._df.iloc[positions].reset_index(drop=True))
        self._search = search
        self.changePersistentIndexList(
            old, [self.index(int(inverse[i.row()]), i.column()) for i in old])
        self.layoutChanged.emit()

    def search_text(self, column: int) -> pd.Series:
        """Lower-case display text of a column (cached) for filtering."""
        return _search_text(self._df, self._values, self._numeric, self._search, column)

    def match_mask(self, text: str, column: int | None = None) -> np.ndarray:
        """Rows whose text contains ``text`` (in ``column`` or any column). On a numeric column
        ``>5``, ``<=10``, ``=3`` compare numbers."""
        return self.matcher()(text, column)

    def matcher(self):
        """``match(text, column) -> mask`` over the frame as it is now. Safe to call on another
        thread: it keeps its own references, so a new frame shown meanwhile is not touched (the
        caller checks :attr:`generation` before using the mask)."""
        df, values, numeric, search = self._df, self._values, self._numeric, self._search

        def match(text: str, column: int | None = None) -> np.ndarray:
            return _match(df, values, numeric, search, text, column)
        return match

    @property
    def generation(self) -> int:
        """Changes whenever the rows change (a mask computed before is then stale)."""
        return id(self._search)


def _search_text(df: pd.DataFrame, values: list, numeric: list, search: dict,
                 column: int) -> pd.Series:
    if column not in search:
        name = str(df.columns[column])
        if numeric[column]:
            text = [format_value(v, name) for v in values[column]]
        else:
            text = ["" if v is None else str(v) for v in values[column]]
        search[column] = pd.Series(text, dtype="string").str.casefold()
    return search[column]


def _match(df: pd.DataFrame, values: list, numeric: list, search: dict, text: str,
           column: int | None) -> np.ndarray:
    n = len(df)
    text = text.strip()
    if not text:
        return np.ones(n, dtype=bool)
    if column is not None and numeric[column]:
        m = _COMPARISON.match(text)
        if m:
            op, num = m.group(1), float(m.group(2).replace(",", ""))
            vals = pd.to_numeric(df.iloc[:, column], errors="coerce").to_numpy(float)
            with np.errstate(invalid="ignore"):
                res = {"<": vals < num, ">": vals > num, "<=": vals <= num,
                       ">=": vals >= num, "=": vals == num}[op]
            return np.asarray(res, dtype=bool)
    needle = text.casefold()
    cols = [column] if column is not None else range(df.shape[1])
    mask = np.zeros(n, dtype=bool)
    for c in cols:
        found = _search_text(df, values, numeric, search, c).str.contains(needle, regex=False)
        mask |= found.fillna(False).to_numpy(bool)
    return mask


class FrameProxyModel(QtCore.QSortFilterProxyModel):
    """Numeric-aware sorting and text filters (all columns, and per column) over a DataFrameModel.

    Sorting reorders the source model with pandas (see the module docstring for why); filtering
    keeps one boolean mask over the source rows, recomputed when a filter changes.
    """

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._column_filters: dict[int, str] = {}
        self._mask: np.ndarray | None = None
        self._sorted: tuple[int, Qt.SortOrder] | None = None

    def setSourceModel(self, model: QtCore.QAbstractItemModel) -> None:
        super().setSourceModel(model)
        model.modelReset.connect(self._on_reset)
        # rows added, removed or edited (the asset register): the mask must follow the rows
        for signal in (model.rowsInserted, model.rowsRemoved, model.dataChanged):
            signal.connect(lambda *_: self._recompute())
        self._on_reset()

    def _source(self) -> DataFrameModel:
        return self.sourceModel()

    def _on_reset(self) -> None:
        # a new frame: re-apply the filters and the last sort (a refreshed result keeps its order)
        self._recompute()
        if self._sorted is not None and self._sorted[0] < self._source().columnCount():
            self.sort(*self._sorted)

    def set_text_filter(self, text: str) -> None:
        """Keep rows where any column contains ``text`` (case-insensitive)."""
        self._text = text
        self._recompute()

    def set_column_filter(self, column: int, text: str) -> None:
        """Keep rows where ``column`` contains ``text`` (or compares, e.g. ``>=5``)."""
        if text.strip():
            self._column_filters[column] = text
        else:
            self._column_filters.pop(column, None)
        self._recompute()

    def set_filters(self, text: str = "", column_filters: dict[int, str] | None = None) -> None:
        """Replace all filters at once (one recomputation)."""
        self._text = text
        self._column_filters = {c: t for c, t in (column_filters or {}).items() if t.strip()}
        self._recompute()

    def set_precomputed(self, text: str, column_filters: dict[int, str], mask: np.ndarray
                        ) -> None:
        """Use a mask computed elsewhere (off the GUI thread) for these filters."""
        self._text = text
        self._column_filters = {c: t for c, t in column_filters.items() if t.strip()}
        self._apply_mask(mask)

    def filters(self) -> tuple[str, dict[int, str]]:
        return self._text, dict(self._column_filters)

    def _recompute(self) -> None:
        src = self._source()
        if src is None:
            return
        mask = src.match_mask(self._text)
        for col, text in self._column_filters.items():
            if col < src.columnCount():
                mask &= src.match_mask(text, col)
        self._apply_mask(mask)

    def _apply_mask(self, mask: np.ndarray) -> None:
        # beginFilterChange/endFilterChange replace the deprecated invalidateFilter (Qt 6.10+)
        has_begin = hasattr(self, "beginFilterChange")
        if has_begin:
            self.beginFilterChange()
        self._mask = mask
        if has_begin:
            self.endFilterChange(QtCore.QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - Qt < 6.10
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QtCore.QModelIndex) -> bool:
        return self._mask is None or source_row >= len(self._mask) or bool(self._mask[source_row])

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        src = self._source()
        if src is None or not 0 <= column < src.columnCount():
            return
        positions = src.sort_positions(column, order)
        if self._mask is not None and len(self._mask) == len(positions):
            self._mask = self._mask[positions]
        self._sorted = (column, order)
        src.apply_order(positions)

    def shown_mask(self) -> np.ndarray | None:
        """Which rows of the source frame pass the filter (None: all)."""
        return self._mask

    def visible_frame(self) -> pd.DataFrame:
        """The rows shown, in the order shown, with their real column names."""
        df = self._source().frame()
        if self._mask is None or len(self._mask) != len(df):
            return df
        return df[self._mask].reset_index(drop=True)
