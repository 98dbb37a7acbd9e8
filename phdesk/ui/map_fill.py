"""The choropleth item of the map canvas: filled paths drawn through an image cache.

Why it exists: filling a few hundred thousand vertices is too slow to repeat on every frame of a
pan, and a large map's first paint should not wait for paths it does not draw yet (full detail
while zoomed out, area edges, simplified fills still being made). docs/ARCHITECTURE.md, map
rendering.
"""

from __future__ import annotations

import logging

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from phdesk.ui import palettes

log = logging.getLogger(__name__)


class FillItem(pg.GraphicsObject):
    """The choropleth: filled paths (one per colour class), thin area edges and neighbourhood
    borders, all in map coordinates (metres), drawn through an image cache.

    Filling a few hundred thousand vertices takes tens of milliseconds, too slow to repeat on
    every frame of a pan. So the item renders the view plus a margin of ``MARGIN`` of the view on
    each side into an image once, and while the scale stays the same and the view stays inside
    that image, a repaint is one ``drawImage``. Zooming re-renders; the margin is kept small (an
    arrow-key pan, a tenth of the view, fits) because every zoom step pays for it: a half-view
    margin drew four times the view. The edge pen is cosmetic (constant pixel
    width) and edges are skipped when zoomed out so far that they would be a grey smear.
    """

    MARGIN = 0.15   # fraction of the view rendered beyond each edge (1.69 x the view's area)

    def __init__(self):
        super().__init__()
        self._paint_failed = False
        self._fills: list[tuple[QtGui.QPainterPath, QtGui.QBrush, QtCore.QRectF]] = []
        self._fills_later = None   # builds self._fills when first needed (see set_paths)
        self._lod_fills: list[tuple[QtGui.QPainterPath, QtGui.QBrush, QtCore.QRectF]] = []
        self._lod_later = None     # builds self._lod_fills (None while not ready)
        self._lod_m_per_px = float("inf")
        self.used_lod = False   # whether the last render used the simplified fills
        self._outline: list[tuple[QtGui.QPainterPath, QtCore.QRectF]] = []
        self._outline_later = None
        self._outline_pen = pg.mkPen(QtGui.QColor(255, 255, 255, 200), width=0.6)
        self._borders = QtGui.QPainterPath()
        self._border_pen = pg.mkPen(palettes.TEXT, width=1.6)
        # borders come in pieces (each shared edge once): round ends hide the seams
        self._border_pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        self._border_pen.setJoinStyle(QtCore.Qt.PenJoinStyle.RoundJoin)
        self._bounds: QtCore.QRectF | None = None
        self._rect = QtCore.QRectF()
        self.outline_min_pixels_per_km = 25.0  # draw area edges only when zoomed in this far
        self._cache: tuple[tuple[float, float], QtCore.QRectF, QtGui.QImage] | None = None
        self.renders = 0   # how many times the paths were really drawn (for tests and tuning)

    def set_paths(self, fills, outline=None, lod=None, bounds: QtCore.QRectF | None = None
                  ) -> None:
        """Replace the fill paths (and the area edges if given). No geometry work happens here.

        ``fills``: (path, brush) pairs, or a function returning them, called the first time a
        view is drawn without the simplified fills (a zoomed-out map, as at a project load,
        never needs the full-detail paths, the bulk of a recolour). Paths split by map tile
        let a zoomed-in render skip everything off screen. ``outline``: area edge paths, or a
        function returning them (drawn only zoomed in). ``lod``: (simplified fills, or a
        function returning them or None while they are not ready, metres per pixel from which
        to use them). ``bounds``: the map rectangle everything covers, needed when ``fills``
        is a function (else the fills are built now to measure them)."""
        self.prepareGeometryChange()
        self._bounds = None if bounds is None else QtCore.QRectF(bounds)
        if callable(fills) and bounds is None:
            fills = fills()
        self._fills_later = fills if callable(fills) else None
        self._fills = [] if self._fills_later else _measured(fills)
        self._lod_later, self._lod_fills = None, []
        self._lod_m_per_px = float("inf") if lod is None else float(lod[1])
        if lod is not None and callable(lod[0]):
            self._lod_later = lod[0]
        elif lod is not None:
            self._lod_fills = _measured(lod[0])
        if outline is not None:
            self._outline_later = outline if callable(outline) else None
            self._outline = [] if self._outline_later else \
                [(p, p.boundingRect()) for p in outline if not p.isEmpty()]
        self._update_rect()

    def _full_fills(self) -> list[tuple[QtGui.QPainterPath, QtGui.QBrush, QtCore.QRectF]]:
        if self._fills_later is not None:
            build, self._fills_later = self._fills_later, None
            self._fills = _measured(build())
        return self._fills

    def _simplified_fills(self):
        """The simplified fills, or None when there are none (yet)."""
        if self._lod_later is not None:
            pairs = self._lod_later()
            if pairs is None:
                return None
            self._lod_later, self._lod_fills = None, _measured(pairs)
        return self._lod_fills or None

    def _outline_paths(self) -> list[tuple[QtGui.QPainterPath, QtCore.QRectF]]:
        if self._outline_later is not None:
            build, self._outline_later = self._outline_later, None
            self._outline = [(p, p.boundingRect()) for p in build() if not p.isEmpty()]
        return self._outline

    def set_borders(self, path) -> None:
        """Neighbourhood borders, drawn over the fills in a dark, heavier line: a path, or a
        function returning it, called when first drawn (the borders may still be in the
        making on a worker thread; they lie within the fills' bounds)."""
        self.prepareGeometryChange()
        self._borders = path
        self._update_rect()

    def _border_path(self) -> QtGui.QPainterPath:
        if callable(self._borders):
            try:
                self._borders = self._borders()
            except Exception:   # (made on a worker) the map without borders, not no map
                log.exception("neighbourhood borders failed")
                self._borders = QtGui.QPainterPath()
        return self._borders

    def set_outline_visible_from(self, pixels_per_km: float) -> None:
        self.outline_min_pixels_per_km = pixels_per_km
        self.invalidate()

    def invalidate(self) -> None:
        self._cache = None
        self.update()

    def _update_rect(self) -> None:
        rect = QtCore.QRectF() if self._bounds is None else QtCore.QRectF(self._bounds)
        for *_, r in self._fills + self._lod_fills + self._outline:
            rect = rect.united(r)
        if not callable(self._borders):
            rect = rect.united(self._borders.boundingRect())
        self._rect = rect
        self.invalidate()

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    def rendered_area(self) -> QtCore.QRectF:
        """The map rectangle (metres) held in the image cache (empty when there is none)."""
        return QtCore.QRectF(self._cache[1]) if self._cache is not None else QtCore.QRectF()

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        # an exception escaping a Python paint() override can take the whole process down in a
        # frozen build (seen once in shiboken): log it and leave this frame unpainted instead
        try:
            self._paint(painter, widget)
        except Exception:
            if not self._paint_failed:
                log.exception("map paint failed")
            self._paint_failed = True

    def _paint(self, painter: QtGui.QPainter, widget) -> None:
        t = painter.worldTransform()
        # (isRotating, not an enum ">" comparison: that crashes PySide6 6.11 on Python 3.11)
        if t.isRotating() or widget is None:
            self._draw(painter, abs(t.m11()), self._rect)   # rotated or printing: direct
            return
        inv, ok = t.inverted()
        view = inv.mapRect(QtCore.QRectF(widget.rect())).intersected(self._rect)
        if view.isEmpty():
            return
        key = (round(t.m11(), 12), round(t.m22(), 12))
        if self._cache is None or self._cache[0] != key or not self._cache[1].contains(view):
            self._cache = self._render(t, view, widget.devicePixelRatioF())
        _, area, image = self._cache
        target = t.mapRect(area)
        painter.save()
        painter.resetTransform()
        painter.drawImage(QtCore.QPointF(round(target.left()), round(target.top())), image)
        painter.restore()

    def _render(self, t: QtGui.QTransform, view: QtCore.QRectF, dpr: float):
        """Draw the view plus ``MARGIN`` each side into an image at the current scale."""
        mx, my = view.width() * self.MARGIN, view.height() * self.MARGIN
        area = view.adjusted(-mx, -my, mx, my).intersected(self._rect)
        target = t.mapRect(area)
        left, top = round(target.left()), round(target.top())
        size = QtCore.QSize(int(target.width() * dpr) + 2, int(target.height() * dpr) + 2)
        image = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(dpr)
        image.fill(QtCore.Qt.GlobalColor.transparent)
        p = QtGui.QPainter(image)
        p.setTransform(t * QtGui.QTransform.fromTranslate(-left, -top))
        self._draw(p, abs(t.m11()), area)
        p.end()
        self.renders += 1
        return (round(t.m11(), 12), round(t.m22(), 12)), area, image

    def _draw(self, painter: QtGui.QPainter, pixels_per_metre: float, area: QtCore.QRectF
              ) -> None:
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        fills = None
        if pixels_per_metre > 0 and 1 / pixels_per_metre >= self._lod_m_per_px:
            fills = self._simplified_fills()   # (None until they are ready: every vertex)
        self.used_lod = fills is not None
        for path, brush, rect in fills if self.used_lod else self._full_fills():
            if rect.intersects(area):
                if self.used_lod:
                    # simplified neighbours no longer meet exactly: a hairline in the fill
                    # colour closes the sub-pixel gaps that would show as white specks
                    painter.setPen(pg.mkPen(brush.color(), width=1))
                painter.setBrush(brush)
                painter.drawPath(path)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        if pixels_per_metre * 1000 >= self.outline_min_pixels_per_km:
            painter.setPen(self._outline_pen)
            for path, rect in self._outline_paths():
                if rect.intersects(area):
                    painter.drawPath(path)
        if not self._border_path().isEmpty():
            painter.setPen(self._border_pen)
            painter.drawPath(self._borders)


def _measured(pairs) -> list[tuple[QtGui.QPainterPath, QtGui.QBrush, QtCore.QRectF]]:
    return [(p, b, p.boundingRect()) for p, b in pairs if not p.isEmpty()]
