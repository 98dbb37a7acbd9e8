"""Building blocks for phdesk's charts: a chart box that shows a plot or a message, and helpers
for labelled bar charts, error bars and readable styling with pyqtgraph.

Why it exists: ChartsPanel draws six charts; they share the same look (application font, dark
text on white, units in axis titles) and the same "nothing to show yet" behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.ui import palettes

AXIS_PEN = "#333333"    # axis lines and ticks on white: 12.6:1


def app_font() -> QtGui.QFont:
    app = QtWidgets.QApplication.instance()
    return QtGui.QFont(app.font()) if app is not None else QtGui.QFont()


class ChartBox(QtWidgets.QStackedWidget):
    """One chart: a pyqtgraph layout, or a centred message when there is nothing to plot."""

    def __init__(self, name: str, parent: QtWidgets.QWidget | None = None, lines: int = 13):
        """``lines``: the least height, in text lines (two stacked plots need about 20)."""
        super().__init__(parent)
        self.setAccessibleName(name)
        self.drawn_height: int | None = None   # the height the chart was drawn for
        self.message = QtWidgets.QLabel()
        # at the top, not centred: the tall chart on the left of a tab is mostly below the fold
        # of the charts dock, and a centred message there looked like an empty white box
        self.message.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter
                                  | QtCore.Qt.AlignmentFlag.AlignTop)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {palettes.MUTED_TEXT}; background: #ffffff;"
                                   "border: 1px solid #d0d0d0; padding: 12px;")
        self.message.setAccessibleName(f"{name}: message")
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.setBackground("w")
        self.layout_widget.setAccessibleName(name)
        self.addWidget(self.message)
        self.addWidget(self.layout_widget)
        # three side by side in a 1366 x 768 window's bottom dock; any chart opens large
        # (double-click, or Enter when it has the focus: see phdesk.ui.chart_window)
        line = self.fontMetrics().height()
        self.setMinimumSize(line * 19, line * lines)
        self.layout_widget.setToolTip(f"{name}: double-click or press Enter to open it large")
        self.layout_widget.installEventFilter(self)

    open_large_requested = QtCore.Signal()
    # the box's height changed by a text line or more since it was drawn: rows that fitted may
    # now collide (the dock shrank as the window filled), or more rows fit
    resized = QtCore.Signal()

    def effective_height(self) -> int:
        return max(self.height(), self.minimumHeight())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        drawn = self.drawn_height
        if drawn is not None and abs(self.effective_height() - drawn) >= \
                self.fontMetrics().height():
            self.drawn_height = None   # once, until it is drawn again
            self.resized.emit()

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind == QtCore.QEvent.Type.MouseButtonDblClick or (
                kind == QtCore.QEvent.Type.KeyPress
                and event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter)):
            self.open_large_requested.emit()
            return True
        return super().eventFilter(obj, event)

    def max_rows(self, plots: int = 1, most: int = 12) -> int:
        """How many bar rows fit one of ``plots`` stacked plots at this box's height without
        their labels colliding (a row needs about 1.5 text lines; title and axis take 5)."""
        line = self.fontMetrics().height()
        per_plot = self.effective_height() / max(1, plots) - 5 * line
        return int(max(3, min(most, per_plot // (1.5 * line))))

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.layout_widget.clear()
        self.setCurrentWidget(self.message)

    def showing_message(self) -> bool:
        return self.currentWidget() is self.message

    def new_plot(self, title: str, x_label: str = "", y_label: str = "", row: int = 0
                 ) -> pg.PlotItem:
        """Clear (unless adding a further row) and return a styled plot."""
        if row == 0:
            self.layout_widget.clear()
            self.drawn_height = self.effective_height()
        self.setCurrentWidget(self.layout_widget)
        plot = self.layout_widget.addPlot(row=row, col=0)
        # a title wider than the box made pyqtgraph widen the plot past the box's right edge
        # (values, axis and title cut off): elide it to the width the box has
        style_plot(plot, title, x_label, y_label,
                   title_width=max(self.width(), self.minimumWidth()) - 40)
        return plot


def style_plot(plot: pg.PlotItem, title: str, x_label: str, y_label: str,
               title_width: int | None = None) -> None:
    """Readable defaults: the application font, dark text, no mouse zoom (charts are static).
    ``title_width`` (pixels): elide a longer title."""
    font = app_font()
    pt = max(9, font.pointSize())
    if title_width is not None:
        bold = QtGui.QFont(font)
        bold.setPointSize(pt + 1)
        bold.setBold(True)
        title = QtGui.QFontMetrics(bold).elidedText(title, QtCore.Qt.TextElideMode.ElideRight,
                                                    max(80, title_width))
    plot.setTitle(title, color=palettes.TEXT, size=f"{pt + 1}pt", bold=True)
    if title_width is not None:
        # over the whole chart, the row labels' column too: the elided width is all it needs
        plot.layout.removeItem(plot.titleLabel)
        plot.layout.addItem(plot.titleLabel, 0, 0, 1, 3)
    for side, text in (("bottom", x_label), ("left", y_label)):
        ax = plot.getAxis(side)
        ax.setPen(pg.mkPen(AXIS_PEN))
        ax.setTextPen(pg.mkPen(palettes.TEXT))
        ax.setStyle(tickFont=font)
        ax.enableAutoSIPrefix(False)   # "(x0.001)" in an axis title only confuses
        ax.tickStrings = thousands_tick_strings   # "2,000,000", never "2e+06"
        if text:
            plot.setLabel(side, text, color=palettes.TEXT, **{"font-size": f"{pt}pt"})
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.getViewBox().setMouseEnabled(x=False, y=False)
    plot.showGrid(x=False, y=False)


def thousands_tick_strings(values, scale, spacing) -> list[str]:
    """Axis tick labels with thousands separators and as many decimals as the spacing needs
    (pyqtgraph's own switch to "2e+06" for big numbers)."""
    step = abs(spacing * scale) or 1.0
    places = 0 if step >= 1 else min(6, int(np.ceil(-np.log10(step))))
    return [f"{v * scale:,.{places}f}" for v in values]


INSIDE_FROM = 0.6   # share of the value axis past which a bar's value is written inside it


def hbars(plot: pg.PlotItem, labels: Sequence[str], values, colour: str = "#0072B2",
          offset: float = 0.0, height: float = 0.7, name: str | None = None,
          value_labels: bool = True, percent: bool = False) -> pg.BarGraphItem:
    """Horizontal bars, one per label, top to bottom, with the labels on the left axis and
    each value written at the end of its bar (so a zero still reads as "0"). ``percent``: the
    axis stops at 100 (a share past 100% reads as an error). The value of a bar longer than
    INSIDE_FROM of the axis goes inside its end, in the text colour that contrasts with the
    bar: outside it ran off a narrow chart ("38,1" for 38,154 at 1366×768)."""
    v = np.nan_to_num(np.asarray(values, dtype=float))
    y = np.arange(len(labels), dtype=float) + offset
    bars = pg.BarGraphItem(x0=np.zeros(len(v)), y=y, width=v, height=height,
                           brush=pg.mkBrush(colour), pen=pg.mkPen("#1a1a1a", width=0.5),
                           name=name)
    plot.addItem(bars)
    set_row_labels(plot, labels)
    plot.setYRange(-0.6, len(labels) - 0.4, padding=0)
    top = float(np.nanmax(v)) if len(v) else 1.0
    top = top if top > 0 else 1.0
    right = min(top * 1.3, 100.0) if percent else top * 1.3   # room for the value labels
    plot.setXRange(0, max(right, top), padding=0)
    if value_labels:
        for yi, vi in zip(y, v, strict=True):
            inside = vi > max(right, top) * INSIDE_FROM
            label = palettes.format_value(float(vi))
            text(plot, (label + " ") if inside else (" " + label), float(vi), float(yi),
                 anchor=(1, 0.5) if inside else (0, 0.5),
                 colour=palettes.text_colour_on(colour) if inside else palettes.MUTED_TEXT)
    return bars


def set_row_labels(plot: pg.PlotItem, labels: Sequence[str]) -> None:
    """Text labels for rows 0..n-1 on the left axis, first row at the top. The axis is sized to
    the longest label now (pyqtgraph would otherwise widen it only after a repaint)."""
    ax = plot.getAxis("left")
    fm = QtGui.QFontMetrics(app_font())
    # long census names ("Ethnicity: White: English, Welsh, Scottish, …") would squeeze the bars
    # off the chart: elide them to about 32 characters
    limit = 32 * fm.averageCharWidth()
    shown = [fm.elidedText(str(s), QtCore.Qt.TextElideMode.ElideMiddle, limit) for s in labels]
    ax.setTicks([[(float(i), s) for i, s in enumerate(shown)]])
    ax.setWidth(max((fm.horizontalAdvance(s) for s in shown), default=20) + 18)
    plot.invertY(True)


def vbars(plot: pg.PlotItem, labels: Sequence[str], values, colours: Sequence[str]
          ) -> pg.BarGraphItem:
    """Vertical bars with text ticks on the bottom axis; one colour per bar."""
    v = np.nan_to_num(np.asarray(values, dtype=float))
    x = np.arange(len(labels), dtype=float)
    bars = pg.BarGraphItem(x=x, height=v, width=0.75, brushes=[pg.mkBrush(c) for c in colours],
                           pen=pg.mkPen("#1a1a1a", width=0.5))
    plot.addItem(bars)
    plot.getAxis("bottom").setTicks([[(float(i), str(s)) for i, s in enumerate(labels)]])
    top = float(np.nanmax(v)) if len(v) else 1.0
    plot.setYRange(0, top * 1.1 if top > 0 else 1.0, padding=0)
    plot.setXRange(-0.6, len(labels) - 0.4, padding=0)
    return bars


def hintervals(plot: pg.PlotItem, centre, lower, upper, y=None) -> pg.ErrorBarItem:
    """Horizontal error bars (lower..upper) at rows 0..n-1 (or ``y``)."""
    c = np.asarray(centre, dtype=float)
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    y = np.arange(len(c), dtype=float) if y is None else np.asarray(y, dtype=float)
    item = pg.ErrorBarItem(x=c, y=y, left=np.nan_to_num(c - lo), right=np.nan_to_num(hi - c),
                           beam=0.25, pen=pg.mkPen("#1a1a1a", width=1.5))
    plot.addItem(item)
    return item


def text(plot: pg.PlotItem, s: str, x: float, y: float, anchor=(0, 0.5), bold: bool = False,
         colour: str = palettes.TEXT) -> pg.TextItem:
    """A label in data coordinates, in the application font."""
    item = pg.TextItem(s, color=colour, anchor=anchor)
    font = app_font()
    font.setBold(bold)
    item.setFont(font)
    item.setPos(x, y)
    plot.addItem(item)
    return item


def legend(plot: pg.PlotItem, entries: Sequence[tuple[str, str]]) -> pg.LegendItem:
    """A small legend of (colour, label) swatches, top right, dark text on white."""
    leg = pg.LegendItem(offset=(-10, 10), labelTextColor=palettes.TEXT,
                        brush=pg.mkBrush(255, 255, 255, 230), pen=pg.mkPen("#bdbdbd"))
    leg.setParentItem(plot.getViewBox())
    for colour, label in entries:
        sample = pg.BarGraphItem(x=[0], height=[1], width=1, brush=pg.mkBrush(colour))
        leg.addItem(sample, label)
    return leg


if __name__ == "__main__":
    import sys

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    box = ChartBox("Example")
    plot = box.new_plot("Example bars with intervals", "Value (units)")
    hbars(plot, ["First", "Second", "Third"], [3, 5, 2], value_labels=False)
    hintervals(plot, [3, 5, 2], [2.5, 4, 1.2], [3.4, 6, 2.9])
    box.resize(600, 400)
    box.show()
    sys.exit(app.exec())
