"""Table views over pandas frames: a filterable view with CSV export, and the results panel.

The models behind them live in :mod:`phdesk.ui.frame_model`.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
from PySide6 import QtCore, QtWidgets

from phdesk.ui.frame_model import (  # noqa: F401  (re-exported: other panels import them here)
    SORT_ROLE,
    DataFrameModel,
    FrameProxyModel,
    format_value,
    pretty_header,
)

Qt = QtCore.Qt
log = logging.getLogger(__name__)
ASYNC_FILTER_ROWS = 20_000   # below this a filter takes a few ms: done at once on the GUI thread
_POOL: ThreadPoolExecutor | None = None


def _filter_pool() -> ThreadPoolExecutor:
    """One worker thread for every table's filters (they are short, and the newest wins)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="phdesk-filter")
    return _POOL


def make_table_view(model: QtCore.QAbstractItemModel, name: str,
                    parent: QtWidgets.QWidget | None = None) -> QtWidgets.QTableView:
    """A sortable, keyboard-navigable table view with an accessible name."""
    view = QtWidgets.QTableView(parent)
    view.setModel(model)
    # no sort until the user asks (enabling sorting would otherwise sort by column 0 at once)
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    view.setSortingEnabled(True)
    view.horizontalHeader().setSortIndicatorShown(True)
    view.horizontalHeader().setSectionsMovable(True)
    view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setTabKeyNavigation(False)   # Tab leaves the table; arrow keys move inside it
    view.setWordWrap(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().hide()    # the row count is shown above; ids are real columns
    view.setAccessibleName(name)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    # size columns from the first rows only: measuring every cell of a 5,000-row result froze the
    # window for seconds (Qt's default looks at 1,000 rows)
    view.horizontalHeader().setResizeContentsPrecision(60)
    return view


class FrameView(QtWidgets.QWidget):
    """One frame: a filter box (all columns or one), a row count, an optional Save as CSV…
    button and the table."""

    _filter_done = QtCore.Signal(int, object, object, object)   # token, generation, filters, future

    def __init__(self, title: str, save_label: str | None = "Save as CSV…",
                 parent: QtWidgets.QWidget | None = None, model: DataFrameModel | None = None
                 ) -> None:
        super().__init__(parent)
        self.title = title
        self.model = model if model is not None else DataFrameModel(parent=self)
        self.proxy = FrameProxyModel(self)
        self.proxy.setSourceModel(self.model)

        self.filter_edit = QtWidgets.QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName(f"Filter {title}")
        self.filter_edit.setToolTip("Show rows containing this text; in one column, numbers can "
                                    "be compared, e.g. >5 or <=10")
        self.column_combo = QtWidgets.QComboBox(self)
        self.column_combo.setAccessibleName(f"Filter column of {title}")
        self.count_label = QtWidgets.QLabel(self)
        self.save_button = QtWidgets.QPushButton(save_label or "", self)
        self.save_button.setAccessibleName(f"{save_label} ({title})" if save_label else "")
        self.save_button.setVisible(bool(save_label))
        self.save_button.clicked.connect(lambda: self.save_csv())
        self.view = make_table_view(self.proxy, f"{title} table", self)

        label = QtWidgets.QLabel("&Filter:", self)
        label.setBuddy(self.filter_edit)
        self.top_bar = top = QtWidgets.QHBoxLayout()
        top.addWidget(label)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(QtWidgets.QLabel("in", self))
        top.addWidget(self.column_combo)
        top.addWidget(self.count_label)
        top.addWidget(self.save_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

        self._filter_token = 0
        self._pending: int | None = None   # the token of the filter computing on the worker
        self._filter_done.connect(self._filter_finished, QtCore.Qt.ConnectionType.QueuedConnection)
        self.filter_edit.textChanged.connect(self._apply_filter)
        self.column_combo.currentIndexChanged.connect(self._apply_filter)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset,
                       self.proxy.layoutChanged):
            # queued: the proxy's own row mask follows the same signals and must go first
            # (the count read before it was one off after a delete)
            signal.connect(lambda *_: QtCore.QTimer.singleShot(0, self, self._update_count))
        self.set_frame(pd.DataFrame())

    def set_frame(self, frame: pd.DataFrame | None) -> None:
        """Show ``frame`` (None = empty); the filter text is kept."""
        frame = pd.DataFrame() if frame is None else frame
        self.model.set_frame(frame)
        current = self.column_combo.currentText()
        self.column_combo.blockSignals(True)
        self.column_combo.clear()
        self.column_combo.addItem("all columns")
        # the model's columns: a model may show only some of the frame's (the asset register)
        self.column_combo.addItems([pretty_header(c) for c in self.model.frame().columns])
        idx = self.column_combo.findText(current)
        self.column_combo.setCurrentIndex(max(idx, 0))
        self.column_combo.blockSignals(False)
        self._apply_filter()
        self.view.resizeColumnsToContents()
        hdr = self.view.horizontalHeader()
        widest = 36 * self.fontMetrics().averageCharWidth()
        for c in range(self.model.columnCount()):   # long text columns must not push others away
            hdr.resizeSection(c, min(hdr.sectionSize(c), widest))

    def _apply_filter(self) -> None:
        """Filter the rows. Big tables are filtered on a worker thread, so typing never waits
        for the table (a 100,000-row result took 0.25 s a keystroke on the GUI thread); the
        newest text wins and masks for replaced frames are dropped."""
        text = self.filter_edit.text()
        col = self.column_combo.currentIndex() - 1
        filters = ("", {col: text}) if col >= 0 else (text, {})
        self._filter_token += 1
        if self.model.rowCount() < ASYNC_FILTER_ROWS:
            self.proxy.set_filters(*filters)
            self._pending = None
            self._update_count()
            return
        token, generation, match = self._filter_token, self.model.generation, self.model.matcher()
        self._pending = token
        self.count_label.setText("Filtering…")

        def job():
            if token != self._filter_token:   # newer typing: this text is not wanted any more
                return None
            mask = match(filters[0])
            for c, t in filters[1].items():
                mask &= match(t, c)
            return mask

        future = _filter_pool().submit(job)
        future.add_done_callback(lambda f: self._filter_done.emit(token, generation, filters, f))

    def _filter_finished(self, token: int, generation: int, filters, future) -> None:
        if token != self._filter_token:
            return
        self._pending = None
        if generation != self.model.generation:   # new rows or a new order meanwhile
            self._apply_filter()
            return
        try:
            mask = future.result()
        except Exception:  # noqa: BLE001 - fall back to filtering here; logged
            log.exception("filtering on the worker failed")
            self.proxy.set_filters(*filters)
        else:
            if mask is not None:
                self.proxy.set_precomputed(filters[0], filters[1], mask)
        self._update_count()

    def filter_pending(self) -> bool:
        """True while a filter is being computed on the worker."""
        return self._pending is not None

    def _update_count(self) -> None:
        if self._pending is not None:
            return   # "Filtering…" stays until the worker's mask is shown
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        rows = "row" if total == 1 else "rows"
        self.count_label.setText(f"{shown:,} of {total:,} {rows}" if shown != total
                                 else f"{total:,} {rows}")

    def visible_frame(self) -> pd.DataFrame:
        return self.proxy.visible_frame()

    def save_csv(self, path: str | Path | None = None) -> Path | None:
        """Write the rows shown (filtered, in shown order) as CSV; asks for a file if no path."""
        if path is None:
            default = re.sub(r"[^\w-]+", "_", self.title.lower()).strip("_") + ".csv"
            chosen, _ = QtWidgets.QFileDialog.getSaveFileName(
                self, f"Save {self.title} as CSV", default, "CSV files (*.csv)")
            if not chosen:
                return None
            path = chosen
        path = Path(path)
        from phdesk.core.errors import UserError
        from phdesk.export.csv_tables import write_frame

        try:   # the export path's CSV writer: formula-like text made safe (UTF-8 with BOM)
            write_frame(self.frame_to_save(), path, bom=True)
        except UserError as exc:
            QtWidgets.QMessageBox.warning(self, "Could not save", str(exc))
            return None
        return path

    def frame_to_save(self) -> pd.DataFrame:
        """What *Save as CSV* writes: the rows shown (the results panel replaces this with the
        same rows under the project's disclosure rule)."""
        return self.visible_frame()


RESULT_TABLES = [
    ("neighbourhood_segments", "Neighbourhoods by segment"),
    ("area_access", "Access by area"),
    ("cold_spots", "Cold spots"),
    ("inequality", "Inequality"),
    ("assets", "Assets"),
]


class ResultsPanel(QtWidgets.QWidget):
    """The mapping result as tabbed, filterable, sortable tables, each savable as CSV."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QtWidgets.QTabWidget(self)
        self.tabs.setAccessibleName("Mapping result tables")
        self.views: dict[str, FrameView] = {}
        for attr, title in RESULT_TABLES:
            view = FrameView(title, parent=self.tabs)
            view.frame_to_save = lambda a=attr: self.shareable_frame(a)
            self.views[attr] = view
            self.tabs.addTab(view, title)
        self._result: Any | None = None
        self.empty_label = QtWidgets.QLabel(
            "No mapping result yet: run the mapping to see the tables.", self)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.tabs, 1)
        self.set_result(None)

    def set_result(self, result: Any | None) -> None:
        """Show a MappingResult's frames (None clears the tables)."""
        self._result = result
        self.empty_label.setVisible(result is None)
        for attr, view in self.views.items():
            frame = getattr(result, attr, None) if result is not None else None
            view.set_frame(frame if isinstance(frame, pd.DataFrame) else None)

    def result(self) -> Any | None:
        """The MappingResult shown (None if none)."""
        return self._result

    def shareable_frame(self, attr: str) -> pd.DataFrame:
        """The rows of table ``attr`` shown, with the project's disclosure rule applied (the
        screen shows exact figures; a saved file leaves the window)."""
        view = self.views[attr]
        win = self.window()
        if self._result is None or getattr(win, "service", None) is None:
            return view.visible_frame()
        from phdesk.core.disclosure_tables import protect_result
        from phdesk.ui.export_actions import protection

        classes, rule, sums = protection(win, self._result)   # no database on the GUI thread
        shared = protect_result(self._result, classes, rule, candidates=sums)[attr]
        mask = view.proxy.shown_mask() if hasattr(view.proxy, "shown_mask") else None
        if mask is not None and len(mask) == len(shared):
            shared = shared[mask]
        return shared.reset_index(drop=True)

    def main_control(self) -> QtWidgets.QWidget:
        """Where Ctrl+4 lands: the table of the tab shown."""
        page = self.tabs.currentWidget()
        return page.view if isinstance(page, FrameView) else self.tabs


def _preview() -> int:  # pragma: no cover - manual preview
    """``python -m phdesk.ui.tables [PNG]``: the results panel on the demo project's mapping."""
    import sys
    import tempfile

    from phdesk.core.demo import write_demo
    from phdesk.core.mapping import MappingParams
    from phdesk.services.project_service import ProjectService

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    path = Path(tempfile.mkdtemp()) / "demo.phdesk"
    write_demo(path)
    result = ProjectService.open(path).run_mapping(MappingParams())
    panel = ResultsPanel()
    panel.set_result(result)
    view = panel.views["neighbourhood_segments"]
    view.view.sortByColumn(view.model.frame().columns.get_loc("gap_score"),
                           Qt.SortOrder.DescendingOrder)
    panel.resize(1100, 600)
    panel.show()
    if len(sys.argv) > 1:
        QtCore.QTimer.singleShot(500, lambda: (panel.grab().save(sys.argv[1]), app.quit()))
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
