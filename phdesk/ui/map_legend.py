"""The map legend (a title and one swatch + class-break label per colour) and the marker icons
of the asset layer list.

Why it exists: a plain widget (not drawn inside the plot) so screen readers can read it, it
follows the application font, and it is included in the exported PNG next to the map.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.ui import palettes


class Legend(QtWidgets.QFrame):
    """Title plus rows of (colour swatch, label)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Map legend")
        self.setStyleSheet(f"Legend {{ background: #ffffff; border: 1px solid #bdbdbd; }}"
                           f"QLabel {{ color: {palettes.TEXT}; border: none; }}")
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(8, 6, 8, 6)
        self._layout.setSpacing(3)
        self.entries: list[tuple[str, str]] = []
        self.title = ""

    def set_entries(self, title: str, entries: list[tuple[str, str]]) -> None:
        """Replace the legend: ``entries`` are (colour '#rrggbb', label) from low to high."""
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.title, self.entries = title, list(entries)
        head = QtWidgets.QLabel(f"<b>{title}</b>".replace("\n", "<br>"))
        head.setWordWrap(True)
        self._layout.addWidget(head)
        for colour, label in entries:
            row = QtWidgets.QHBoxLayout()
            sw = QtWidgets.QLabel()
            pix = QtGui.QPixmap(22, 14)
            pix.fill(QtGui.QColor(colour))
            painter = QtGui.QPainter(pix)
            painter.setPen(QtGui.QColor("#666666"))
            painter.drawRect(0, 0, 21, 13)
            painter.end()
            sw.setPixmap(pix)
            text = QtWidgets.QLabel(label)
            text.setWordWrap(True)   # an empty state says what to import next, at length
            row.addWidget(sw)
            row.addWidget(text, 1)
            holder = QtWidgets.QWidget()
            holder.setLayout(row)
            row.setContentsMargins(0, 0, 0, 0)
            holder.setAccessibleName(f"{label}: colour {colour}")
            self._layout.addWidget(holder)
        self.setAccessibleDescription(f"{title}: " + "; ".join(lab for _, lab in entries))
        self.updateGeometry()

    def sizeHint(self) -> QtCore.QSize:
        return self._layout.sizeHint()


def marker_icon(colour: str, symbol: str, size: int = 18) -> QtGui.QIcon:
    """The category's marker drawn as an icon for the layer list."""
    pix = QtGui.QPixmap(size, size)
    pix.fill(QtCore.Qt.GlobalColor.transparent)
    p = QtGui.QPainter(pix)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    p.translate(size / 2, size / 2)
    p.scale(size * 0.7, size * 0.7)
    p.setPen(pg.mkPen("#1a1a1a", width=1.5 / (size * 0.7)))
    p.setBrush(pg.mkBrush(colour))
    p.drawPath(pg.graphicsItems.ScatterPlotItem.Symbols[symbol])
    p.end()
    return QtGui.QIcon(pix)


if __name__ == "__main__":
    import sys

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    legend = Legend()
    edges = palettes.class_breaks([1, 5, 9, 20, 40, 80, 160], 5)
    legend.set_entries("Example (people)", list(zip(palettes.sequential(len(edges) - 1),
                                                    palettes.legend_labels(edges), strict=True)))
    legend.show()
    sys.exit(app.exec())
