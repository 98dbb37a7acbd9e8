"""The map benchmarks' baseline: a bare pyqtgraph draw of the same polygons and assets.

What a competent pyqtgraph user would write for a choropleth without phdesk: flatten every ring
with shapely 2 (``get_parts`` / ``get_rings`` / ``get_coordinates``), one ``arrayToQPath`` per
colour class (a connect array breaks between rings), one ``QGraphicsPathItem`` per class with no
pen, one ``ScatterPlotItem`` for the assets, in an aspect-locked ``PlotWidget`` without axes. No
image cache, no level of detail, no neighbourhood borders, no spatial index: the floor of drawing
the same picture with the same library.

``tuned=True`` is the fastest bare draw we know with the same library: polygons with one ring
(all of the benchmark's) flattened by one ``get_coordinates`` (no ring objects), and
pyqtgraph's ``enableExperimental`` option, under which ``arrayToQPath`` writes the path's
element array in place instead of going through a ``QDataStream``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6 import QtCore, QtWidgets

COLOURS = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"]   # viridis, 5 classes


def quintile_classes(values: np.ndarray) -> np.ndarray:
    """Class 0-4 of each value by quintile."""
    edges = np.nanquantile(values, [0.2, 0.4, 0.6, 0.8])
    return np.digitize(values, edges)


class BareMap:
    """The bare map in a ``size`` widget; ``recolour`` rebuilds the class paths."""

    def __init__(self, size: tuple[int, int] = (1000, 800), tuned: bool = False):
        self.tuned = tuned
        self.widget = pg.PlotWidget(background="w")
        plot = self.widget.getPlotItem()
        plot.setAspectLocked(True)
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        self.vb = plot.getViewBox()
        self.widget.resize(*size)
        self.items: list[QtWidgets.QGraphicsPathItem] = []
        self.x = self.y = self.connect = self.owner = None

    def draw(self, geoms: np.ndarray, classes: np.ndarray, ax: np.ndarray, ay: np.ndarray
             ) -> None:
        """Flatten the polygons, add one path per class and the asset scatter, show all."""
        if self.tuned and (shapely.get_num_geometries(geoms) == 1).all() and \
                (shapely.get_num_interior_rings(geoms) == 0).all():
            coords, vert_ring = shapely.get_coordinates(geoms, return_index=True)  # one ring each
            self.owner = vert_ring
        else:
            parts, part_owner = shapely.get_parts(geoms, return_index=True)
            rings, ring_part = shapely.get_rings(parts, return_index=True)
            coords, vert_ring = shapely.get_coordinates(rings, return_index=True)
            self.owner = part_owner[ring_part][vert_ring]
        self.x, self.y = coords[:, 0].copy(), coords[:, 1].copy()
        self.connect = np.ones(len(coords), dtype=np.int32)
        self.connect[np.flatnonzero(np.diff(vert_ring) != 0)] = 0
        self.connect[-1] = 0
        for colour in COLOURS:
            item = QtWidgets.QGraphicsPathItem()
            item.setPen(pg.mkPen(None))
            item.setBrush(pg.mkBrush(colour))
            self.vb.addItem(item)
            self.items.append(item)
        self.recolour(classes)
        self.vb.addItem(pg.ScatterPlotItem(x=ax, y=ay, size=8, brush=pg.mkBrush("#d55e00"),
                                           pen=pg.mkPen("#1a1a1a"), pxMode=True))
        self.vb.setRange(QtCore.QRectF(self.x.min(), self.y.min(), np.ptp(self.x),
                                       np.ptp(self.y)), padding=0.02)

    def recolour(self, classes: np.ndarray) -> None:
        """One path per class from a vertex mask over the flattened rings."""
        vc = np.asarray(classes)[self.owner]
        before = pg.getConfigOption("enableExperimental")
        pg.setConfigOptions(enableExperimental=self.tuned)
        try:
            for k, item in enumerate(self.items):
                m = vc == k
                item.setPath(pg.arrayToQPath(self.x[m], self.y[m], connect=self.connect[m],
                                             finiteCheck=False))
        finally:
            pg.setConfigOptions(enableExperimental=before)

    def paint(self) -> None:
        """Paint the view now (as the first paint after show, or a frame after a change)."""
        self.widget.viewport().repaint()

    def zoom(self, factor: float) -> None:
        self.vb.scaleBy((factor, factor))
