"""ChartsPanel: builds from a MappingResult-shaped fixture and from None (offscreen Qt)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.ui.charts import ChartsPanel
from tests.ui.map_fixtures import grid_profile, grid_result, grid_segment_population


def _items(box, kind):
    out = []
    for plot in box.layout_widget.ci.items:
        if isinstance(plot, pg.PlotItem):
            out += [i for i in plot.items if isinstance(i, kind)]
    return out


@pytest.fixture
def panel(qtbot):
    p = ChartsPanel()
    qtbot.addWidget(p)
    p.resize(1200, 800)
    return p


def test_without_result_shows_run_mapping_messages(panel):
    panel.set_data(None, grid_profile(), grid_segment_population())
    for box in (panel.need_chart, panel.gap_chart, panel.coverage_chart, panel.sii_chart):
        assert box.showing_message()
        assert box.message.text().startswith("Run mapping to see")
    # charts that need no mapping run are drawn from the profile and segment populations
    assert not panel.decile_chart.showing_message()
    assert not panel.composition_chart.showing_message()


def test_with_nothing_at_all(panel):
    panel.set_data(None, None, None)
    assert all(b.showing_message() for b in (panel.need_chart, panel.decile_chart,
                                             panel.composition_chart, panel.gap_chart))


def test_decile_profile_sums_population(panel):
    panel.set_data(None, grid_profile(), grid_segment_population())
    panel.set_neighbourhood("South")   # areas 0-3: deciles 1-4, population 1000..1300
    (bars,) = _items(panel.decile_chart, pg.BarGraphItem)
    heights = bars.opts["height"]
    assert list(heights[:4]) == [1000, 1100, 1200, 1300]
    assert float(np.sum(heights)) == 4600


def test_composition_excludes_all_and_sorts(panel):
    panel.set_data(None, grid_profile(), grid_segment_population())
    panel.set_neighbourhood("North")
    (bars,) = _items(panel.composition_chart, pg.BarGraphItem)
    assert list(bars.opts["width"]) == [0.5 * 14000, 0.2 * 14000]   # Core20, Age 65+


def test_result_charts_build(panel):
    panel.set_data(grid_result(), grid_profile(), grid_segment_population())
    panel.category_combo.setCurrentText("GP practice")
    panel.segment_combo.setCurrentText("All")
    for box in (panel.need_chart, panel.gap_chart, panel.coverage_chart, panel.sii_chart):
        assert not box.showing_message(), box.accessibleName()
    # coverage: sorted high -> low with the CI as error bars
    (bars,) = _items(panel.coverage_chart, pg.BarGraphItem)
    assert list(bars.opts["width"]) == [80.0, 40.0]
    (err,) = _items(panel.coverage_chart, pg.ErrorBarItem)
    assert list(err.opts["left"]) == [5.0, 5.0] and list(err.opts["right"]) == [4.0, 4.0]
    # SII: one row per category, sorted by SII
    (sii_err,) = _items(panel.sii_chart, pg.ErrorBarItem)
    assert list(sii_err.opts["x"]) == [-12.0, 4.0]
    # gap chart: quadrant labels and a label per neighbourhood
    texts = {t.textItem.toPlainText().strip() for t in _items(panel.gap_chart, pg.TextItem)}
    assert {"North", "South", "High need, low provision", "Low need, high provision"} <= texts


def test_need_chart_shares_and_provision(panel):
    panel.set_data(grid_result(), grid_profile(), grid_segment_population())
    panel.category_combo.setCurrentText("GP practice")
    panel.set_neighbourhood("South")
    need, prov = _items(panel.need_chart, pg.BarGraphItem)
    # South: Core20 2300 and Age 65+ 920 of 4600 residents
    assert list(need.opts["width"]) == pytest.approx([50.0, 20.0])
    assert list(prov.opts["width"]) == pytest.approx([2e4 / 2300, 2e4 / 920])


def test_segments_follow_category(panel):
    result = grid_result()
    ns = result.neighbourhood_segments
    result.neighbourhood_segments = ns[~((ns["category"] == "Pharmacy")
                                         & (ns["segment"] == "Age 65+"))]
    panel.set_data(result, grid_profile(), grid_segment_population())
    panel.category_combo.setCurrentText("Pharmacy")
    items = [panel.segment_combo.itemText(i) for i in range(panel.segment_combo.count())]
    assert items == ["All", "Core20"]


def test_fonts_and_text_colour_readable(panel):
    from phdesk.ui import palettes

    panel.set_data(grid_result(), grid_profile(), grid_segment_population())
    plot = panel.coverage_chart.layout_widget.ci.items
    plot = next(i for i in plot if isinstance(i, pg.PlotItem))
    axis = plot.getAxis("bottom")
    assert axis.style["tickFont"].pointSize() >= QtWidgets.QApplication.font().pointSize()
    colour = axis.textPen().color().name()
    assert palettes.contrast_ratio(colour, "#ffffff") >= 4.5
    assert palettes.contrast_ratio(palettes.MUTED_TEXT, "#ffffff") >= 4.5


def test_controls_accessible(panel):
    controls = [panel.neighbourhood_combo, panel.category_combo, panel.segment_combo,
                panel.export_button, panel.tabs]
    for w in controls:
        assert w.accessibleName()
        assert w.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus, w.accessibleName()
    charts = panel.findChildren(type(panel.gap_chart))
    assert len(charts) == 6 and all(c.accessibleName() for c in charts)


def test_export_button_calls_the_window_export_and_hides_without_one(panel, qtbot):
    panel.show()
    assert not panel.export_button.isVisible()
    calls = []
    panel.set_export_handler(lambda: calls.append("charts"))
    assert panel.export_button.isVisible()
    qtbot.mouseClick(panel.export_button, QtCore.Qt.MouseButton.LeftButton)
    assert calls == ["charts"]


def test_a_large_chart_exports_rendered_at_the_stated_width(panel, tmp_path, qtbot):
    """A chart opened large exports a rendering 1600 pixels wide at 150 dpi, whatever the size
    of its window on screen (never a grab of the widget)."""
    panel.set_data(grid_result(), grid_profile(), grid_segment_population())
    panel.gap_chart.open_large_requested.emit()
    window = panel.large_window
    qtbot.waitUntil(window.isVisible)
    window.resize(700, 500)
    window.redraw()
    out = window.export_png(tmp_path / "gaps")
    img = QtGui.QImage(str(out))
    assert out.name == "gaps.png" and img.width() == 1600
    assert img.height() > 0 and round(img.dotsPerMeterX() * 0.0254) == 150
    # the chart is drawn, not a blank page: many distinct colours
    colours = {img.pixel(x, y) for x in range(0, 1600, 20) for y in range(0, img.height(), 20)}
    assert len(colours) > 5
    window.close()


def test_long_row_labels_are_elided(qtbot):
    import pyqtgraph as pg

    from phdesk.ui.chart_items import set_row_labels

    plot = pg.PlotItem()
    long = "Ethnicity: White: English, Welsh, Scottish, Northern Irish or British"
    set_row_labels(plot, ["Core20", long])
    ticks = plot.getAxis("left")._tickLevels[0]
    assert ticks[0][1] == "Core20"
    assert ticks[1][1] != long and "…" in ticks[1][1] and ticks[1][1].startswith("Ethnicity")


def test_message_shows_at_the_top_of_a_tall_chart(qtbot):
    """The tall chart on the left of a tab is mostly below the fold of a short charts dock: its
    "run mapping first" message must be drawn near the top, where it can be seen."""
    from phdesk.ui.chart_items import ChartBox
    box = ChartBox("Tall")
    qtbot.addWidget(box)
    box.resize(400, 900)
    box.show_message("Run mapping to see something.")
    box.show()
    qtbot.waitExposed(box)
    img = box.grab().toImage()

    def dark_rows(top: int, bottom: int) -> int:
        return sum(any(QtGui.QColor(img.pixel(x, y)).lightness() < 150
                       for x in range(20, img.width() - 20, 2)) for y in range(top, bottom))

    line = box.fontMetrics().height()
    assert dark_rows(2, 6 * line) > 0          # the text is in the top few lines
    assert dark_rows(300, img.height() - 4) == 0


def test_areas_in_no_neighbourhood_get_their_charts(panel):
    """A project without a neighbourhood lookup: the mapping engine calls the areas
    "(no neighbourhood)"; the segment mix and deprivation profile must be drawn for them."""
    from phdesk.core.mapping import NO_NEIGHBOURHOOD
    profile = grid_profile().assign(neighbourhood=None)
    panel.set_data(None, profile, grid_segment_population())
    assert panel.neighbourhood_combo.currentText() == NO_NEIGHBOURHOOD
    assert not panel.composition_chart.showing_message()
    (bars,) = _items(panel.composition_chart, pg.BarGraphItem)
    total = float(profile["population"].sum())
    assert sorted(bars.opts["width"]) == pytest.approx([0.2 * total, 0.5 * total])
    (deciles,) = _items(panel.decile_chart, pg.BarGraphItem)
    assert float(np.sum(deciles.opts["height"])) == pytest.approx(total)


def test_context_areas_are_not_charted_as_a_neighbourhood(panel):
    """A study area inside a wider project (a borough's wards inside all of London's areas):
    the areas with no neighbourhood are context, so the neighbourhood list leaves them out and
    the charts open on a study-area neighbourhood."""
    from phdesk.core.mapping import NO_NEIGHBOURHOOD
    profile = grid_profile()
    context = profile.assign(neighbourhood=None, area_code=profile["area_code"] + "X")
    panel.set_data(grid_result(), pd.concat([profile, context], ignore_index=True),
                   grid_segment_population())
    names = [panel.neighbourhood_combo.itemText(i)
             for i in range(panel.neighbourhood_combo.count())]
    assert NO_NEIGHBOURHOOD not in names
    assert names == sorted(set(profile["neighbourhood"].dropna()))
    assert not panel.composition_chart.showing_message()


def test_long_title_does_not_push_the_chart_off_its_box(qtbot):
    """pyqtgraph widens a plot to fit its title: a long title cut off the bars' values and the
    axis at the right edge. The title is elided to the box instead."""
    from phdesk.ui.chart_items import ChartBox, hbars
    box = ChartBox("Narrow")
    qtbot.addWidget(box)
    box.resize(380, 300)
    box.show()
    qtbot.waitExposed(box)
    title = "Segments in Altrincham, Hale, Bowdon and Timperley North East (largest 12 of 25)"
    plot = box.new_plot(title, "Population (people)")
    hbars(plot, ["Age 20+", "Core20"], [176_571.0, 18_348.0])
    qtbot.wait(50)
    view_width = box.layout_widget.viewport().width()
    assert plot.sceneBoundingRect().right() <= view_width + 1
    shown = plot.titleLabel.text
    assert shown.endswith("…") or "…" in shown


def test_gap_chart_with_one_neighbourhood_explains_instead_of_plotting(panel):
    """With one neighbourhood (no lookup imported) the gap chart was a single point on an axis
    labelled "236301 236301 236301"; it says what it needs instead."""
    result = grid_result()
    ns = result.neighbourhood_segments
    result.neighbourhood_segments = ns[ns["neighbourhood"] == "North"].reset_index(drop=True)
    panel.set_data(result, grid_profile(), grid_segment_population())
    panel.category_combo.setCurrentText("GP practice")
    panel.segment_combo.setCurrentText("All")
    assert panel.gap_chart.showing_message()
    text = panel.gap_chart.message.text()
    assert "only one (North)" in text and "neighbourhood lookup" in text
    assert not panel.coverage_chart.showing_message()   # the others still draw
