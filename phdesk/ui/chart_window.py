"""Any chart, opened large in its own window (double-click a chart, or Enter when it has focus).

The charts share a bottom dock: on a 1366 x 768 screen each is a third of its width and a few
lines high. The large window draws the same chart afresh (same neighbourhood, category and
segment) at the window's size, so nothing is scaled up from a small picture; it is resizable and
can be exported as PNG.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.ui import chart_items as ci

EXPORT_WIDTH, EXPORT_DPI = 1600, 150   # pixels, dots per inch: as the export path's PNGs


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
            try:
                self.export_png(name)
            except OSError as exc:
                QtWidgets.QMessageBox.warning(self, "Export the chart", str(exc))

    def export_png(self, path, width: int = EXPORT_WIDTH, dpi: int = EXPORT_DPI) -> Path:
        """Render the chart (not a grab of the screen) ``width`` pixels wide, at the window's
        proportions, with ``dpi`` written in the file; returns the path written."""
        path = Path(path)
        if path.suffix.lower() != ".png":
            path = path.with_name(path.name + ".png")
        view = self.box.layout_widget          # a QGraphicsView: its scene drawn afresh
        source = view.viewport().rect()
        height = max(1, round(width * source.height() / max(source.width(), 1)))
        img = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32)
        img.fill(QtGui.QColor("#ffffff"))
        # drawn at the view's own size in logical pixels on an image whose device pixel ratio
        # makes it ``width`` real pixels: every item (text too) scales alike, as on a sharper
        # screen; a scaled target rect instead left pyqtgraph's tick labels out of proportion
        img.setDevicePixelRatio(width / max(source.width(), 1))
        painter = QtGui.QPainter(img)
        try:
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            view.render(painter, QtCore.QRectF(source), source)
        finally:
            painter.end()
        img.setDevicePixelRatio(1.0)
        img.setDotsPerMeterX(round(dpi / 0.0254))
        img.setDotsPerMeterY(round(dpi / 0.0254))
        if not img.save(str(path), "PNG"):
            raise OSError(f"{path}: cannot write the PNG (is the folder writable?)")
        return path


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
