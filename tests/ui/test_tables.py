"""DataFrameModel, FrameProxyModel and ResultsPanel: rows shown, numeric sorting, filters, CSV."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from PySide6 import QtCore

from phdesk.ui.tables import (
    RESULT_TABLES,
    DataFrameModel,
    FrameProxyModel,
    FrameView,
    ResultsPanel,
    format_value,
)

Qt = QtCore.Qt


@pytest.fixture
def frame():
    return pd.DataFrame({
        "neighbourhood": ["Riverside", "northgate", "Millbrook", "Eastfield", "Riverside"],
        "population": [12000, 950, 100500, 23, 4000],
        "coverage_pct": [55.55, np.nan, 10.0, 99.94, 0.0],
        "as_text": ["10", "9", "100", "1,200", "2"],
    })


def _column(proxy, col):
    return [proxy.index(r, col).data(Qt.ItemDataRole.DisplayRole) for r in range(proxy.rowCount())]


def test_model_shows_rows_and_columns(qtbot, frame):
    model = DataFrameModel(frame)
    assert model.rowCount() == 5 and model.columnCount() == 4
    # measures get the catalogue's plain-English label and its description as the tooltip
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Residents within reach (%)"
    tip = model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Share of the segment's residents" in tip and "coverage_pct" in tip
    assert model.index(2, 1).data() == "100,500"          # thousands separator
    assert model.index(0, 2).data() == "55.5" or model.index(0, 2).data() == "55.6"
    assert model.index(3, 2).data() == "99.9"             # one decimal for percentages
    assert model.index(1, 2).data() == ""                 # NaN is blank
    assert model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == "neighbourhood: Riverside"
    assert model.index(0, 1).data(SORT_ROLE_VALUE) == 12000
    model.set_frame(frame.head(2))
    assert model.rowCount() == 2


SORT_ROLE_VALUE = Qt.ItemDataRole.UserRole + 1


def test_format_value_plain_numbers():
    assert format_value(2019, "edition") == "2019"
    assert format_value(531000.0, "easting") == "531000"
    assert format_value(1234567, "population") == "1,234,567"
    assert format_value(None, "x") == ""


def test_numeric_columns_sort_numerically(qtbot, frame):
    view = FrameView("Test")
    qtbot.addWidget(view)
    view.set_frame(frame)
    view.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert _column(view.proxy, 1) == ["23", "950", "4,000", "12,000", "100,500"]
    view.view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert _column(view.proxy, 1) == ["100,500", "12,000", "4,000", "950", "23"]
    # text that is all numbers sorts as numbers, not as "10" < "100" < "2"
    view.view.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    assert _column(view.proxy, 3) == ["2", "9", "10", "100", "1,200"]
    # blanks go last in either direction
    view.view.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert _column(view.proxy, 2)[-1] == ""
    view.view.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert _column(view.proxy, 2)[-1] == ""
    # text sorts case-insensitively
    view.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert _column(view.proxy, 0) == ["Eastfield", "Millbrook", "northgate", "Riverside",
                                      "Riverside"]


def test_filter_reduces_rows(qtbot, frame):
    view = FrameView("Test")
    qtbot.addWidget(view)
    view.set_frame(frame)
    view.filter_edit.setText("river")
    assert view.proxy.rowCount() == 2
    assert view.count_label.text() == "2 of 5 rows"
    view.filter_edit.setText("")
    assert view.proxy.rowCount() == 5
    # a per-column filter: only the population column, numeric comparison
    view.column_combo.setCurrentIndex(2)     # 0 = all columns, 1 = neighbourhood, 2 = population
    view.filter_edit.setText(">=4000")
    assert sorted(_column(view.proxy, 1)) == sorted(["12,000", "100,500", "4,000"])
    # "95" appears in the population column ("950") only when searching all columns
    view.filter_edit.setText("95")
    assert _column(view.proxy, 1) == ["950"]


def test_filter_survives_sort(qtbot, frame):
    view = FrameView("Test")
    qtbot.addWidget(view)
    view.set_frame(frame)
    view.filter_edit.setText("riverside")
    view.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert _column(view.proxy, 1) == ["4,000", "12,000"]
    assert list(view.visible_frame()["population"]) == [4000, 12000]


def test_save_csv_writes_rows_shown(qtbot, frame, tmp_path):
    view = FrameView("Test")
    qtbot.addWidget(view)
    view.set_frame(frame)
    view.filter_edit.setText("riverside")
    out = view.save_csv(tmp_path / "out.csv")
    back = pd.read_csv(out)
    assert list(back.columns) == list(frame.columns)
    assert list(back["population"]) == [12000, 4000]


def test_results_panel_tabs(qtbot, frame):
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    result = SimpleNamespace(neighbourhood_segments=frame, area_access=frame.head(3),
                             cold_spots=frame.head(1), inequality=pd.DataFrame(),
                             assets=frame.head(2))
    panel.set_result(result)
    assert panel.tabs.count() == len(RESULT_TABLES)
    assert panel.views["neighbourhood_segments"].model.rowCount() == 5
    assert panel.views["area_access"].model.rowCount() == 3
    assert panel.views["inequality"].model.rowCount() == 0
    panel.views["neighbourhood_segments"].filter_edit.setText("mill")
    assert panel.views["neighbourhood_segments"].proxy.rowCount() == 1
    panel.set_result(None)
    assert panel.views["neighbourhood_segments"].model.rowCount() == 0


def test_proxy_sort_and_filter_big_frame(qtbot):
    n = 20_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.integers(0, 1000, n), "b": rng.choice(["x", "y", "z"], n)})
    model = DataFrameModel(df)
    proxy = FrameProxyModel()
    proxy.setSourceModel(model)
    proxy.set_text_filter("x")
    proxy.sort(0, Qt.SortOrder.AscendingOrder)
    vals = [proxy.index(r, 0).data(SORT_ROLE_VALUE) for r in range(50)]
    assert vals == sorted(vals)
    assert all(proxy.index(r, 1).data() == "x" for r in range(50))
