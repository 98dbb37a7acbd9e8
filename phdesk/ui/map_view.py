"""The map canvas: a pyqtgraph plot in EPSG:27700 metres with a few bulk-drawn graphics items.

Why it exists: MapPanel (toolbar, legend, data) stays separate from the drawing. The canvas
holds a ``FillItem`` (the choropleth and neighbourhood borders: one QPainterPath per colour
class, drawn through an image cache so panning is a blit), a highlight, catchment circles,
asset markers (all categories in one item) and labels (one item). It reports mouse moves and
clicks in map coordinates and handles the keyboard: + / - zoom, arrow keys pan, Home resets.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.ui import palettes
from phdesk.ui.map_fill import FillItem
from phdesk.ui.map_labels import LabelItem
from phdesk.ui.map_markers import MarkerItem

# translucent white behind text on the map: dark text stays >= 4.5:1 over any fill colour
LABEL_BACKGROUND = (255, 255, 255, 215)


class MapView(pg.PlotWidget):
    """Equal-aspect map canvas without axes. Emits positions in metres (EPSG:27700)."""

    mouse_moved = QtCore.Signal(float, float)
    mouse_clicked = QtCore.Signal(float, float)
    mouse_left = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent, background="w")
        self.setAccessibleName("Map")
        self.setAccessibleDescription(
            "Map of areas, neighbourhoods and assets. Plus and minus zoom, arrow keys pan, "
            "Home shows everything.")
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        plot = self.getPlotItem()
        plot.setAspectLocked(True)
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.getViewBox().setDefaultPadding(0.02)
        self.vb = plot.getViewBox()
        self.fill = FillItem()
        self.fill.setZValue(0)
        self.vb.addItem(self.fill)
        self.highlight = QtWidgets.QGraphicsPathItem()
        self.highlight.setPen(pg.mkPen("#000000", width=3.2))
        self.highlight.setZValue(3)
        self.vb.addItem(self.highlight)
        self.catchments = QtWidgets.QGraphicsPathItem()
        self.catchments.setZValue(4)
        self.catchments.setPen(pg.mkPen(QtGui.QColor(0, 0, 0, 140), width=1,
                                        style=QtCore.Qt.PenStyle.DashLine))
        self.vb.addItem(self.catchments)
        self.scale_bar = pg.ScaleBar(size=1000, suffix="m", brush=palettes.TEXT,
                                     pen=pg.mkPen(palettes.TEXT))
        self.scale_bar.text.setColor(palettes.TEXT)
        self.scale_bar.text.fill = pg.mkBrush(LABEL_BACKGROUND)   # readable over dark fills
        self.scale_bar.setParentItem(self.vb)
        self.scale_bar.anchor((1, 1), (1, 1), offset=(-24, -24))
        self.labels = LabelItem(LABEL_BACKGROUND)
        self.labels.setZValue(6)
        self.vb.addItem(self.labels)
        self.markers = MarkerItem()
        self.markers.setZValue(5)
        self.vb.addItem(self.markers)
        self._home = QtCore.QRectF()
        self.scene().sigMouseMoved.connect(self._on_moved)
        self.scene().sigMouseClicked.connect(self._on_clicked)
        self.vb.sigRangeChanged.connect(self._update_scale_bar)

    # ---- view -----------------------------------------------------------------------------
    def set_home(self, rect: QtCore.QRectF) -> None:
        """Remember the full extent (metres) and show it."""
        self._home = QtCore.QRectF(rect)
        self.reset_view()

    def reset_view(self) -> None:
        if self._home.isValid() and not self._home.isEmpty():
            self.vb.setRange(self._home, padding=0.02)

    def zoom(self, factor: float) -> None:
        """factor < 1 zooms in, about the centre of the view."""
        self.vb.scaleBy((factor, factor))

    def pan(self, fx: float, fy: float) -> None:
        """Move the view by a fraction of its width/height."""
        (x0, x1), (y0, y1) = self.vb.viewRange()
        self.vb.translateBy(x=fx * (x1 - x0), y=fy * (y1 - y0))

    def metres_per_pixel(self) -> float:
        (x0, x1), _ = self.vb.viewRange()
        return (x1 - x0) / max(1.0, self.vb.width())

    def map_to_widget(self, x: float, y: float) -> QtCore.QPoint:
        """Widget pixel position of a map point (for tests and tooltips)."""
        scene = self.vb.mapViewToScene(QtCore.QPointF(x, y))
        return self.mapFromScene(scene)

    def _update_scale_bar(self, *_):
        # a round length (1, 2 or 5 x 10^k metres) about a fifth of the view width
        (x0, x1), _ = self.vb.viewRange()
        target = max((x1 - x0) / 5, 1.0)
        mag = 10 ** int(f"{target:e}".split("e")[1])
        size = max((m * mag for m in (1, 2, 5) if m * mag <= target), default=mag)
        if size != self.scale_bar.size:
            self.scale_bar.size = size
            text = f"{size / 1000:g} km" if size >= 1000 else f"{size:g} m"
            self.scale_bar.text.setText(text)
        self.scale_bar.updateBar()

    # ---- input ----------------------------------------------------------------------------
    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        key = ev.key()
        k = QtCore.Qt.Key
        moves = {k.Key_Left: (-0.1, 0), k.Key_Right: (0.1, 0), k.Key_Up: (0, 0.1),
                 k.Key_Down: (0, -0.1)}
        if key in (k.Key_Plus, k.Key_Equal):
            self.zoom(0.8)
        elif key in (k.Key_Minus, k.Key_Underscore):
            self.zoom(1.25)
        elif key in moves:
            self.pan(*moves[key])
        elif key == k.Key_Home:
            self.reset_view()
        else:
            super().keyPressEvent(ev)
            return
        ev.accept()

    def _on_moved(self, scene_pos: QtCore.QPointF) -> None:
        if not self.vb.sceneBoundingRect().contains(scene_pos):
            self.mouse_left.emit()
            return
        p = self.vb.mapSceneToView(scene_pos)
        self.mouse_moved.emit(p.x(), p.y())

    def _on_clicked(self, ev) -> None:
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        p = self.vb.mapSceneToView(ev.scenePos())
        self.mouse_clicked.emit(p.x(), p.y())

    def leaveEvent(self, ev) -> None:
        self.mouse_left.emit()
        super().leaveEvent(ev)

    # ---- layers ---------------------------------------------------------------------------
    def set_labels(self, names, xs, ys) -> None:
        """Neighbourhood labels (dark text on a translucent white box: contrast >= 4.5), in the
        view's font, bold."""
        font = QtGui.QFont(self.font())
        font.setBold(True)
        self.labels.set_labels([str(n) for n in names], xs, ys, font)

    def changeEvent(self, ev: QtCore.QEvent) -> None:
        """A new font (workshop mode's style sheet, applied after the labels were set) gives the
        labels new boxes: they were measured in the old font and drawn in the new one, so a
        projector's larger text overran its box ("501372" for "E05013721")."""
        super().changeEvent(ev)
        if ev.type() == QtCore.QEvent.Type.FontChange and len(self.labels):
            font = QtGui.QFont(self.font())
            font.setBold(True)
            self.labels.set_font(font)
            if hasattr(self, "declutter_labels"):
                self.declutter_labels()

    def set_labels_visible(self, on: bool) -> None:
        self.labels.setVisible(on)

    def set_markers(self, x, y, ids, code, categories, styles, halo: bool = True) -> None:
        """Asset markers (``map_markers.MarkerItem``): one category index per point, one
        (colour, symbol) per category; ``halo``: a white halo behind each (it doubles the
        drawing cost, so MapPanel asks for it only when markers are few enough to pick out)."""
        self.markers.set_markers(x, y, ids, code, categories, styles, halo)


if __name__ == "__main__":
    import sys

    from phdesk.ui import map_layers
    from phdesk.ui.preview_data import demo_inputs

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    areas = demo_inputs()["areas"]
    layers = map_layers.build_base_layers(areas, areas.iloc[:0].assign(id=[], category=[]))
    view = MapView()
    colours = palettes.sequential(len(layers.outline))
    view.fill.set_paths([(p, pg.mkBrush(c)) for p, c in zip(layers.outline, colours,
                                                           strict=True)], layers.outline)
    view.fill.set_borders(layers.nbhd_outline)
    view.set_labels(layers.labels["group"], layers.labels["label_x"], layers.labels["label_y"])
    view.set_home(layers.home)
    view.resize(900, 700)
    view.show()
    sys.exit(app.exec())
