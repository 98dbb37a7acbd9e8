"""Any chart, opened large in its own window (double-click a chart, or Enter when it has focus).

The charts share a bottom dock: on a 1366 x 768 screen each is a third of its width and a few
lines high. The large window draws the same chart afresh (same neighbourhood, category and
segment) at the window's size, so nothing is scaled up from a small picture; it is resizable and
can be exported as PNG.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from phdesk.ui import chart_items as ci


class ChartWindow(QtWidgets.QDialog):
    """One chart, large."""

    def __init__(self, panel, attr: str) -> None:
        super().__init__(panel.window())
        source = getattr(panel, attr)
        self.setWindowTitle(f"{source.accessibleName()} — phdesk")
        self.panel, self.attr = panel, attr
        self.box = ci.ChartBox(source.accessibleName(), self)
        self.box.open_large_requested.connect(lambda: None)   # already large
        export = QtWidgets.QPushButton("&Export PNG…", self)
        export.clicked.connect(self._export)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close,
                                             self)
        buttons.addButton(export, QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.box, 1)
        lay.addWidget(buttons)
        screen = (panel.screen() or QtWidgets.QApplication.primaryScreen()).availableGeometry()
        self.resize(int(screen.width() * 0.8), int(screen.height() * 0.8))

    def redraw(self) -> None:
        self.panel.draw_into(self.attr, self.box)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QtCore.QTimer.singleShot(0, self, self.redraw)   # drawn at its real size

    def _export(self) -> None:
        name, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export the chart as PNG",
                                                        f"{self.attr}.png", "PNG image (*.png)")
        if name:
            self.box.grab().save(name, "PNG")


def swap_and_draw(panel, attr: str, box: ci.ChartBox, draw) -> None:
    """Run ``draw()`` (which draws into ``panel.<attr>``) with ``box`` in that place."""
    own = getattr(panel, attr)
    setattr(panel, attr, box)
    try:
        draw()
    finally:
        setattr(panel, attr, own)


def open_large(panel, attr: str) -> ChartWindow:
    """Open the chart ``attr`` of ``panel`` (a ChartsPanel) large; not modal."""
    window = ChartWindow(panel, attr)
    window.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    panel.large_window = window
    return window
