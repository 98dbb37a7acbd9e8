"""Neighbourhood labels that never overlap: after every pan or zoom, a label whose box would
cover one already placed is hidden until there is room (zoom in and it comes back).

Greedy in priority order (the bigger neighbourhood first when sizes are known); the boxes are
the labels' on-screen rectangles, so the rule holds at any zoom and any font size. The labels
themselves are one ``LabelItem`` (docs/ARCHITECTURE.md, map rendering).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from phdesk.ui import palettes

MARGIN = 2.0   # pixels kept clear between two labels


def visible_labels(rects: Sequence[QtCore.QRectF], order: Sequence[int] | None = None
                   ) -> list[bool]:
    """Which labels to show: walking ``order`` (default: as given), keep a label unless its
    rectangle (grown by MARGIN) meets one already kept."""
    order = list(range(len(rects))) if order is None else list(order)
    kept: list[QtCore.QRectF] = []
    show = [False] * len(rects)
    for i in order:
        r = QtCore.QRectF(rects[i]).adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        if r.isEmpty() or any(r.intersects(k) for k in kept):
            continue
        kept.append(r)
        show[i] = True
    return show


def install_declutter(view, enabled, sizes: Sequence[float] | None = None) -> None:
    """Hide colliding labels of ``view`` (a MapView with a ``LabelItem`` ``labels`` and ``vb``)
    whenever its range changes; ``enabled()`` says whether labels are switched on at all."""
    def update(*_) -> None:
        labels = view.labels
        if not len(labels) or not enabled():
            return
        rects = labels.screen_rects()
        order = None
        if sizes is not None and len(sizes) == len(rects):
            order = sorted(range(len(rects)), key=lambda i: -float(sizes[i]))
        labels.set_shown(visible_labels(rects, order))
    view.vb.sigRangeChanged.connect(update)
    view.declutter_labels = update


class LabelItem(pg.GraphicsObject):
    """All neighbourhood labels in one item: bold dark text on a translucent box, a constant
    size in pixels, centred on its point (metres). One item painting a few dozen texts, not a
    ``TextItem`` each (each a text document, and a transform updated in Python on every range
    change: most of the labels' share of a large map's first paint)."""

    PAD = 4.0   # pixels of box around the text (as a text item's document margin)

    def __init__(self, background: tuple[int, int, int, int]):
        super().__init__()
        self._brush = QtGui.QBrush(QtGui.QColor(*background))
        self.names: list[str] = []
        self.x = self.y = np.zeros(0)
        self.shown = np.zeros(0, dtype=bool)
        self._size = np.zeros((0, 2))     # box width, height per label (pixels)
        self._font = QtGui.QFont()
        self._rect = QtCore.QRectF()

    def __len__(self) -> int:
        return len(self.names)

    def set_labels(self, names: list[str], xs, ys, font: QtGui.QFont) -> None:
        self.prepareGeometryChange()
        self.names = list(names)
        self.x, self.y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        self.set_font(font)
        self.shown = np.ones(len(self.names), dtype=bool)
        self._rect = QtCore.QRectF() if not len(self.x) else QtCore.QRectF(
            self.x.min(), self.y.min(), np.ptp(self.x), np.ptp(self.y))
        self.update()

    def set_font(self, font: QtGui.QFont) -> None:
        """Draw (and measure) the labels in ``font``, every property fixed: ``QPainter.setFont``
        fills unset ones from the widget's font, which may differ from the one measured."""
        self.prepareGeometryChange()
        f = QtGui.QFont(font)
        f.setFamily(f.family())
        if f.pixelSize() > 0:
            f.setPixelSize(f.pixelSize())
        else:
            f.setPointSizeF(f.pointSizeF())
        f.setBold(f.bold())
        self._font = f
        metrics = QtGui.QFontMetricsF(f)
        self._size = np.array([[metrics.horizontalAdvance(n) + 2 * self.PAD,
                                metrics.height() + 2 * self.PAD] for n in self.names]
                              ).reshape(-1, 2)
        self.update()

    def set_shown(self, shown) -> None:
        self.shown = np.asarray(shown, dtype=bool)
        self.update()

    def screen_rects(self) -> list[QtCore.QRectF]:
        """Every label's box on screen (scene pixels), shown or not."""
        t = self.sceneTransform()
        out = []
        for (w, h), x, y in zip(self._size, self.x, self.y, strict=True):
            c = t.map(QtCore.QPointF(x, y))
            out.append(QtCore.QRectF(c.x() - w / 2, c.y() - h / 2, w, h))
        return out

    def boundingRect(self) -> QtCore.QRectF:
        if self._rect.isNull() or not len(self._size):
            return QtCore.QRectF()
        w, h = self._size.max(axis=0) / 2
        px, py = self.pixelWidth() or 0.0, self.pixelHeight() or 0.0
        return self._rect.adjusted(-w * px, -h * py, w * px, h * py)

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()   # the boxes keep their size in pixels

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        if not self.shown.any():
            return
        t = painter.transform()
        painter.save()
        painter.resetTransform()
        painter.setFont(self._font)
        for i in np.flatnonzero(self.shown):
            w, h = self._size[i]
            c = t.map(QtCore.QPointF(self.x[i], self.y[i]))
            box = QtCore.QRectF(c.x() - w / 2, c.y() - h / 2, w, h)
            painter.fillRect(box, self._brush)
            painter.setPen(QtGui.QColor(palettes.TEXT))
            painter.drawText(box, QtCore.Qt.AlignmentFlag.AlignCenter, self.names[i])
        painter.restore()
