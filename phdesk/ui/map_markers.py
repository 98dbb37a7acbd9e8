"""Asset markers: every category's markers in one graphics item, drawn as pixmap fragments.

Why it exists: a pyqtgraph ``ScatterPlotItem`` per category cost most of a large map's marker
time in Python (per item: style keys per point, a symbol atlas, signal wiring), for markers
that only differ by category. Here the points are arrays, each category's symbol (and its white
halo) is rendered once to a pixmap, and a paint maps the points to pixels in numpy and draws
each category with one ``drawPixmapFragments`` (the call ``ScatterPlotItem`` itself ends in).
A category is shown or hidden by a mask; picking reads the same arrays (docs/ARCHITECTURE.md,
map rendering).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import renderSymbol
from pyqtgraph.Qt import internals
from PySide6 import QtCore, QtGui

MARKER_PX = 12   # marker size, pixels (constant at any zoom)
HALO_PX = 17     # the white halo behind a marker, pixels
OUTLINE = "#1a1a1a"


class MarkerItem(pg.GraphicsObject):
    """Markers of ``categories`` at ``x``, ``y`` (metres); ``code[i]`` is point i's category
    index, ``ids[i]`` its asset id. One style (colour, pyqtgraph symbol name) per category."""

    def __init__(self):
        super().__init__()
        self.x = self.y = np.zeros(0)
        self.ids = np.zeros(0, dtype=np.int64)
        self.code = np.zeros(0, dtype=np.int64)
        self.categories: list[str] = []
        self.styles: list[tuple[str, str]] = []
        self.shown = np.zeros(0, dtype=bool)     # per category
        self.halo = False
        self._rect = QtCore.QRectF()
        self._pixmaps: tuple[float, list, list] | None = None   # (dpr, markers, halos)
        self._frags = internals.PrimitiveArray(QtGui.QPainter.PixmapFragment, 10)

    def set_markers(self, x, y, ids, code, categories: list[str],
                    styles: list[tuple[str, str]], halo: bool) -> None:
        self.prepareGeometryChange()
        self.x, self.y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self.ids, self.code = np.asarray(ids), np.asarray(code, dtype=np.int64)
        self.categories, self.styles = list(categories), list(styles)
        self.shown = np.ones(len(self.categories), dtype=bool)
        self.halo = bool(halo)
        self._pixmaps = None
        self._rect = QtCore.QRectF() if not len(self.x) else QtCore.QRectF(
            self.x.min(), self.y.min(), np.ptp(self.x), np.ptp(self.y))
        self.update()

    # ---- queries --------------------------------------------------------------------------
    def count(self, category: str | None = None, visible_only: bool = True) -> int:
        """Markers of one category (or all); hidden categories count 0 when visible_only."""
        keep = np.ones(len(self.x), dtype=bool) if not visible_only else self.shown[self.code]
        if category is not None:
            if category not in self.categories:
                return 0
            keep &= self.code == self.categories.index(category)
        return int(keep.sum())

    def is_shown(self, category: str) -> bool:
        return category in self.categories and bool(self.shown[self.categories.index(category)])

    def set_shown(self, category: str, on: bool) -> None:
        if category in self.categories:
            self.shown[self.categories.index(category)] = bool(on)
            self.update()

    def nearest(self, x: float, y: float, tolerance: float) -> int | None:
        """Id of the shown marker nearest the point (metres) within ``tolerance`` metres."""
        if not len(self.x):
            return None
        d = np.hypot(self.x - x, self.y - y)
        d[~self.shown[self.code]] = np.inf
        i = int(np.argmin(d))
        return int(self.ids[i]) if d[i] <= tolerance else None

    # ---- drawing --------------------------------------------------------------------------
    def boundingRect(self) -> QtCore.QRectF:
        if self._rect.isNull():
            return QtCore.QRectF()
        # markers keep their pixel size: pad by half a halo in map units
        pad = HALO_PX * max(self.pixelWidth() or 0.0, self.pixelHeight() or 0.0)
        return self._rect.adjusted(-pad, -pad, pad, pad)

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()   # the padding above is in pixels

    def _symbol_pixmaps(self, dpr: float) -> tuple[list, list]:
        if self._pixmaps is None or self._pixmaps[0] != dpr:
            pen, no_pen = pg.mkPen(OUTLINE, width=1), pg.mkPen(None)
            white = pg.mkBrush("#ffffff")
            marks = [QtGui.QPixmap.fromImage(renderSymbol(s, MARKER_PX, pen, pg.mkBrush(c),
                                                          dpr=dpr)) for c, s in self.styles]
            halos = [QtGui.QPixmap.fromImage(renderSymbol(s, HALO_PX, no_pen, white, dpr=dpr))
                     for _, s in self.styles] if self.halo else []
            self._pixmaps = (dpr, marks, halos)
        return self._pixmaps[1], self._pixmaps[2]

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        if not len(self.x) or not self.shown.any():
            return
        t = painter.transform()
        px = t.m11() * self.x + t.m21() * self.y + t.dx()
        py = t.m12() * self.x + t.m22() * self.y + t.dy()
        keep = self.shown[self.code]
        if widget is not None:   # only what is on screen (and a halo's width around it)
            w, h = widget.width(), widget.height()
            keep &= (px > -HALO_PX) & (px < w + HALO_PX) & (py > -HALO_PX) & (py < h + HALO_PX)
        dpr = widget.devicePixelRatioF() if widget is not None else 1.0
        marks, halos = self._symbol_pixmaps(dpr)
        painter.save()
        painter.resetTransform()
        rows = np.flatnonzero(keep)
        code = self.code[rows]
        order = np.argsort(code, kind="stable")
        rows, code = rows[order], code[order]
        cuts = np.searchsorted(code, np.arange(len(self.categories) + 1))
        for layer in (halos, marks):
            for k, pix in enumerate(layer):
                a, b = cuts[k], cuts[k + 1]
                if b > a:
                    self._draw(painter, px[rows[a:b]], py[rows[a:b]], pix, dpr)
        painter.restore()

    def _draw(self, painter, px, py, pixmap: QtGui.QPixmap, dpr: float) -> None:
        self._frags.resize(len(px))
        frags = self._frags.ndarray()
        frags[:, 0], frags[:, 1] = px, py                    # centre of each target
        frags[:, 2:6] = [0, 0, pixmap.width(), pixmap.height()]   # the whole source pixmap
        frags[:, 6:10] = [1 / dpr, 1 / dpr, 0.0, 1.0]        # scale x, y, rotation, opacity
        painter.drawPixmapFragments(*self._frags.drawargs(), pixmap)
