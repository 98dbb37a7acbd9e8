"""Polygons -> numpy ring arrays -> QPainterPaths, in bulk (EPSG:27700 metres).

Why it exists: drawing tens of thousands of polygons one ``drawPolygon`` call at a time is slow.
Every ring of every polygon is flattened once into numpy arrays, and a colour class is one
``QPainterPath`` made from a slice of those arrays. Two costs dominated a large map's first
paint and are avoided here (docs/ARCHITECTURE.md, map rendering):

- flattening through ``get_parts`` / ``get_rings`` makes a shapely object per part and ring;
  a simple polygon (one part, no holes, most areas) is one ring, so its coordinates come
  straight from ``get_coordinates`` and only the rest go the long way;
- ``pyqtgraph.arrayToQPath`` with a connect array serialises every vertex through a big-endian
  ``QDataStream``; :func:`array_path` writes the path's element array in place instead
  (pyqtgraph's own ``get_qpainterpath_element_array``, ~15x faster), after checking once that
  this Qt build lays the elements out as expected, else it falls back to ``arrayToQPath``.

Plain data in, arrays and paths out, no widget touched: safe on a worker thread.
"""

from __future__ import annotations

import logging

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from phdesk.core.rings import (  # noqa: F401 - part of this module's interface
    RingArrays,
    _ring_arrays_general,
    ring_arrays,
    runs,
    sum_by_polygon,
    vertex_means,
)

log = logging.getLogger(__name__)
_IN_PLACE: bool | None = None   # whether array_path may write element arrays (checked once)
_LAYOUT: tuple | None = None    # (see _layout)


_ELEMENT = np.dtype({"names": ["x", "y", "c"], "formats": ["<f8", "<f8", "<i4"],
                     "offsets": [0, 8, 16], "itemsize": 24})   # QPainterPath::Element


class _Field:
    """One field of ``n`` path elements at ``address`` (+ ``offset`` bytes), seen by numpy as
    a strided array to write into. (pyqtgraph's ``get_qpainterpath_element_array`` makes a
    ctypes array type per length and numpy converts it to a dtype each time: ~0.5 ms a path,
    a fifth of a large map's first paint.)"""

    __slots__ = ("__array_interface__",)

    def __init__(self, address: int, n: int, typestr: str, offset: int = 0):
        self.__array_interface__ = {"data": (address + offset, False), "shape": (n,),
                                    "strides": (_ELEMENT.itemsize,), "typestr": typestr,
                                    "version": 3}


def _new_path(n: int) -> tuple[QtGui.QPainterPath, int]:
    """An empty path holding ``n`` elements not yet written, and their address, through
    pyqtgraph's description of ``QPainterPathPrivate`` (the layout its
    ``enableExperimental`` ``arrayToQPath`` uses)."""
    unwrap, pointer, size, size_at, data_at = _LAYOUT or _layout()
    path = QtGui.QPainterPath()
    path.reserve(n)
    private = pointer.from_address(unwrap(path)).value
    size.from_address(private + size_at).value = n
    return path, pointer.from_address(private + data_at).value


def _layout() -> tuple:
    """What ``_new_path`` needs, looked up once (a path's memory is found ~400 times a paint)."""
    import ctypes

    from pyqtgraph.Qt import compat, internals

    global _LAYOUT
    private = internals.QPainterPathPrivate
    _LAYOUT = (compat.unwrapinstance, ctypes.c_void_p, ctypes.c_ssize_t, private.size.offset,
               private.data.offset)
    return _LAYOUT


def _write_types(address: int, connect: np.ndarray) -> None:
    """Element types: 0 = MoveTo where a ring starts, 1 = LineTo after a joined vertex
    (QPainterPath::ElementType)."""
    types = np.asarray(_Field(address, len(connect), "<i4", 16))
    types[0] = 0
    types[1:] = connect[:-1]


def _write_elements(x: np.ndarray, y: np.ndarray, connect: np.ndarray) -> QtGui.QPainterPath:
    """The path with its elements written in place."""
    path, at = _new_path(len(x))
    np.asarray(_Field(at, len(x), "<f8"))[:] = x
    np.asarray(_Field(at, len(x), "<f8", 8))[:] = y
    _write_types(at, connect)
    return path


def _write_xy(xy: np.ndarray, connect: np.ndarray) -> QtGui.QPainterPath:
    """The same from vertices as complex numbers (``RingArrays.xy``): one strided copy."""
    path, at = _new_path(len(xy))
    np.asarray(_Field(at, len(xy), "<c16"))[:] = xy
    _write_types(at, connect)
    return path


def _in_place_ok() -> bool:
    """Whether writing element arrays in place gives the path it should, on this Qt."""
    global _IN_PLACE
    if _IN_PLACE is None:
        try:
            x, y = np.array([0.0, 4.0, 4.0, 9.0, 7.5]), np.array([0.0, 0.0, 3.0, 1.0, -2.0])
            c = np.array([1, 1, 0, 1, 0], dtype=np.int32)
            types = [0, 1, 1, 0, 1]
            _IN_PLACE = all(p.elementCount() == 5 and all(
                (e := p.elementAt(i)).x == x[i] and e.y == y[i] and int(e.type.value) == types[i]
                for i in range(5)) and p.boundingRect() == QtCore.QRectF(0, -2, 9, 5)
                for p in (_write_elements(x, y, c), _write_xy(x + 1j * y, c)))
        except Exception:   # any surprise in the layout: the portable path
            _IN_PLACE = False
        if not _IN_PLACE:
            log.info("map paths: element arrays not writable here, using arrayToQPath")
    return _IN_PLACE


def array_path(x: np.ndarray, y: np.ndarray, connect: np.ndarray) -> QtGui.QPainterPath:
    """One QPainterPath through the points; ``connect[i] == 1`` joins point i to i + 1."""
    if len(x) == 0:
        return QtGui.QPainterPath()
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    connect = np.asarray(connect, dtype=np.int32)
    if _in_place_ok():
        return _write_elements(x, y, connect)
    return pg.arrayToQPath(x, y, connect=connect, finiteCheck=False)


def path_for(rings: RingArrays, polygons: np.ndarray | None = None) -> QtGui.QPainterPath:
    """One QPainterPath (odd-even fill, so holes stay holes) for the selected polygons."""
    if polygons is None:
        x, y, c = rings.x, rings.y, rings.connect
    else:
        m = rings.mask_for(polygons)
        x, y, c = rings.x[m], rings.y[m], rings.connect[m]
    path = array_path(x, y, c)
    path.setFillRule(QtCore.Qt.FillRule.OddEvenFill)
    return path


def vertex_box(rings: RingArrays) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) metres of every vertex (NaN when there are none)."""
    if not len(rings.x):
        return (np.nan,) * 4
    return (float(rings.x.min()), float(rings.y.min()), float(rings.x.max()),
            float(rings.y.max()))


def tile_ids(rings: RingArrays, per_tile: int = 500,
             box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """A square-grid tile number for each polygon (by its first vertex), about ``per_tile``
    polygons to a tile, so the map can skip paths outside the part on screen. ``box``: the
    vertices' ``vertex_box``, if known. (The first vertex, not the mean of all: two passes
    over every vertex less, and a tile only groups paths: opaque fills drawn without
    antialiasing give the same pixels whichever tile a polygon falls in.)"""
    n = rings.n
    k = max(1, int(np.ceil(np.sqrt(n / per_tile))))
    if k == 1 or len(rings.x) == 0:
        return np.zeros(n, dtype=np.int64)
    x0, y0, x1, y1 = vertex_box(rings) if box is None else box
    first = np.minimum(rings.start, len(rings.x) - 1)     # (a polygon without vertices: any)
    fx, fy = rings.x[first], rings.y[first]
    gx = np.clip(((fx - x0) / ((x1 - x0) or 1) * k).astype(np.int64), 0, k - 1)
    gy = np.clip(((fy - y0) / ((y1 - y0) or 1) * k).astype(np.int64), 0, k - 1)
    return gy * k + gx


def grouped_paths(rings: RingArrays, key: np.ndarray) -> list[tuple[int, QtGui.QPainterPath]]:
    """One path per distinct ``key`` value (int per polygon), built from contiguous slices after
    one reordering of the vertex arrays (no per-group masking of all vertices).

    The reordering gathers each vertex's x and y as one complex number (numpy's fast 16-byte
    gather; QPainterPath's 24-byte elements have none) and its connect code, and each path's
    elements are written from those slices: about two thirds of the time of gathering x, y and
    connect separately (docs/ARCHITECTURE.md, map rendering)."""
    key = np.asarray(key, dtype=np.int64)
    order = np.argsort(key, kind="stable")
    counts = rings.count[order]
    idx = runs(rings.start[order], counts)
    c = rings.connect.take(idx)
    if _in_place_ok():
        xy = rings.xy.take(idx)

        def make(a: int, b: int) -> QtGui.QPainterPath:
            return _write_xy(xy[a:b], c[a:b])
    else:
        x, y = rings.x[idx], rings.y[idx]

        def make(a: int, b: int) -> QtGui.QPainterPath:
            return array_path(x[a:b], y[a:b], c[a:b])
    keys_sorted = key[order]
    bounds = np.concatenate([[0], np.cumsum(counts)])
    out = []
    uniq = np.unique(keys_sorted)
    lo_hi = np.searchsorted(keys_sorted, np.concatenate([uniq, uniq + 1]))
    for j, k in enumerate(uniq):
        a, b = int(bounds[lo_hi[j]]), int(bounds[lo_hi[j + len(uniq)]])
        if b > a:
            path = make(a, b)
            path.setFillRule(QtCore.Qt.FillRule.OddEvenFill)
            out.append((int(k), path))
    return out


def class_paths(rings: RingArrays, classes: np.ndarray, tiles: np.ndarray | None = None
                ) -> list[tuple[int, QtGui.QPainterPath]]:
    """(class, path) pairs: one path per colour class (-1 = no data) and tile."""
    classes = np.asarray(classes, dtype=np.int64)
    tiles = np.zeros(len(classes), dtype=np.int64) if tiles is None else tiles
    n_tiles = int(tiles.max()) + 1 if len(tiles) else 1
    pairs = grouped_paths(rings, (classes + 1) * n_tiles + tiles)
    return [(k // n_tiles - 1, p) for k, p in pairs]


def boundary_path(geoms) -> QtGui.QPainterPath:
    """Outline-only path of polygons (for neighbourhood borders)."""
    return path_for(ring_arrays(geoms))


def circle_path(x: np.ndarray, y: np.ndarray, radius: float, segments: int = 48
                ) -> QtGui.QPainterPath:
    """Circles of ``radius`` metres around points, built in bulk (one path, winding fill so the
    union of overlapping catchments shows once)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) == 0 or radius <= 0:
        return QtGui.QPainterPath()
    t = np.linspace(0, 2 * np.pi, segments + 1)
    cx = (x[:, None] + radius * np.cos(t)[None, :]).ravel()
    cy = (y[:, None] + radius * np.sin(t)[None, :]).ravel()
    connect = np.ones((len(x), segments + 1), dtype=np.int32)
    connect[:, -1] = 0
    path = array_path(cx, cy, connect.ravel())
    path.setFillRule(QtCore.Qt.FillRule.WindingFill)
    return path
