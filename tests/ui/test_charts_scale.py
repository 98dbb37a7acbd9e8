"""Charts at real scale: thousands separators on axes, shares never past 100%, three charts side
by side in a 1366 x 768 window, and any chart opened large."""

from __future__ import annotations

import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6 import QtWidgets

from phdesk.ui import chart_items as ci
from phdesk.ui.charts import CHARTS, ChartsPanel
from tests.ui.map_fixtures import grid_profile, grid_result, grid_segment_population


def test_axis_ticks_use_thousands_separators():
    assert ci.thousands_tick_strings([0, 1_000_000, 2_000_000], 1, 1_000_000) == [
        "0", "1,000,000", "2,000,000"]
    assert ci.thousands_tick_strings([0.5, 1.0], 1, 0.5) == ["0.5", "1.0"]


def test_percent_bars_stop_at_100(qtbot):
    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    plot = w.addPlot()
    ci.hbars(plot, ["a", "b"], [92.0, 40.0], percent=True)
    assert plot.getViewBox().viewRange()[0][1] <= 100.0
    plot2 = w.addPlot(row=1, col=0)
    ci.hbars(plot2, ["a"], [30.0], percent=True)
    assert plot2.getViewBox().viewRange()[0][1] == pytest.approx(39.0)


@pytest.fixture
def panel(qtbot):
    p = ChartsPanel()
    qtbot.addWidget(p)
    p.resize(980, 280)   # the charts dock of a 1366 x 768 window
    p.show()
    p.set_data(grid_result(), grid_profile(), grid_segment_population())
    return p


def test_three_charts_fit_side_by_side_at_1366(panel):
    boxes = [panel.need_chart, panel.composition_chart, panel.decile_chart]
    assert sum(b.minimumWidth() for b in boxes) < 980 - 40
    tops = {b.mapTo(panel, b.rect().topLeft()).y() for b in boxes}
    assert len(tops) == 1   # one row, not stacked below the fold


def test_any_chart_opens_large_and_draws_the_same_chart(qtbot, panel):
    for attr in CHARTS:
        box = getattr(panel, attr)
        box.open_large_requested.emit()
        window = panel.large_window
        qtbot.waitUntil(lambda w=window: w.isVisible())
        window.resize(1400, 900)   # the offscreen screen is small; a real one gives 80% of it
        window.redraw()
        qtbot.wait(20)
        assert window.box.width() > box.width() and window.box.height() > box.height()
        assert window.box.showing_message() == box.showing_message(), attr
        if not box.showing_message():
            small = [type(i).__name__ for p in box.layout_widget.ci.items
                     if isinstance(p, pg.PlotItem) for i in p.items]
            large = [type(i).__name__ for p in window.box.layout_widget.ci.items
                     if isinstance(p, pg.PlotItem) for i in p.items]
            assert sorted(small) == sorted(large), attr
        assert getattr(panel, attr) is box   # the panel keeps its own box
        window.close()
    assert isinstance(panel.large_window, QtWidgets.QDialog)


def _rows(box) -> int:
    plot = next(i for i in box.layout_widget.ci.items if isinstance(i, pg.PlotItem))
    return len(plot.getAxis("left")._tickLevels[0])


def test_a_chart_drawn_tall_is_drawn_again_when_its_box_shrinks(qtbot):
    """At 1366 x 768 the charts were drawn while the dock was still tall, then the dock shrank
    as the window filled: a dozen bar labels piled up in a few lines. A box that changes height
    by a text line now has its chart drawn again for its new height."""
    p = ChartsPanel()
    qtbot.addWidget(p)
    p.resize(1100, 900)
    p.show()
    profile = grid_profile()
    many = pd.concat([pd.DataFrame({"area_code": profile["area_code"], "segment": f"Group {k}",
                                    "population": profile["population"] * (k + 1) / 40})
                      for k in range(14)], ignore_index=True)   # 14 segments: more than fit
    p.set_data(grid_result(), profile, many)
    nb = p.neighbourhood_combo.itemText(0)
    p.set_neighbourhood(nb)
    box = p.composition_chart
    tall = _rows(box)
    assert tall == box.max_rows()
    p.resize(1100, 300)
    qtbot.waitUntil(lambda: _rows(box) < tall, timeout=3000)
    assert _rows(box) == box.max_rows()
