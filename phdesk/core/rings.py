"""Polygons flattened to numpy ring arrays (EPSG:27700 metres): the one vertex layout the map
draws and the neighbourhood borders are found in (docs/ARCHITECTURE.md, map rendering). Pure
numpy and shapely, no Qt: the service builds borders from these too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely


@dataclass
class RingArrays:
    """All rings of ``n`` polygons flattened: vertex coordinates grouped by owner polygon.

    ``x``/``y`` metres; ``connect[i] == 1`` joins vertex i to i + 1 (0 at each ring's last
    vertex); vertices of polygon j are ``x[start[j]:start[j] + count[j]]``. ``coords``: the
    same vertices as one (n, 2) C-ordered array when the flattening made one (``x``/``y`` are
    then views of its columns, not contiguous); ``xy`` reads it as complex numbers, one
    16-byte item per vertex.
    """

    x: np.ndarray
    y: np.ndarray
    connect: np.ndarray
    start: np.ndarray
    count: np.ndarray
    coords: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.count)

    @property
    def xy(self) -> np.ndarray:
        """Vertex i as ``x[i] + 1j * y[i]`` (one gather moves both coordinates at once)."""
        c = self.coords
        if c is None or c.dtype != np.float64 or not c.flags.c_contiguous:
            c = np.column_stack([self.x, self.y]).astype(np.float64)
        return c.view(np.complex128).reshape(-1)

    def mask_for(self, polygons: np.ndarray) -> np.ndarray:
        """Vertex mask selecting the polygons where ``polygons`` (bool, length n) is True."""
        return np.repeat(np.asarray(polygons, dtype=bool), self.count)


def runs(start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Indices ``start[k] .. start[k] + count[k] - 1`` for every k, concatenated."""
    count = np.asarray(count, dtype=np.int64)
    total = int(count.sum())
    return np.repeat(np.asarray(start, dtype=np.int64) - (np.cumsum(count) - count),
                     count) + np.arange(total)


def ring_arrays(geoms) -> RingArrays:
    """Flatten (multi)polygons into ring arrays. ``None``/empty geometries get no vertices
    (nor do points or lines: they have no rings).

    ``get_coordinates`` lists every polygon's rings in order (parts, exterior before holes), so
    it gives all the vertices at once; only where the rings end needs finding. A polygon
    without holes is one ring: told per polygon (``get_num_interior_rings``), no pass over
    the vertices. A one-part multipolygon has no such count without a shapely object per
    part, so where there are any, every polygon is told by its vertices: one ring when its
    first vertex comes back only as its last. Only the others go through ``get_rings``."""
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    kind = shapely.get_type_id(geoms)
    if not np.isin(kind, (-1, 3, 6)).all():
        return _ring_arrays_general(geoms)
    coords = shapely.get_coordinates(geoms)
    count = shapely.get_num_coordinates(geoms).astype(np.int64)
    if int(count.sum()) != len(coords):
        return _ring_arrays_general(geoms)
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    last = start + count - 1
    if (kind == 6).any():
        single = _closed_once(coords, start, count)
    else:
        single = (kind == 3) & (count > 0) & (shapely.get_num_interior_rings(geoms) == 0)
    hard = np.flatnonzero(~single & (count > 0))
    connect = np.ones(len(coords), dtype=np.int32)
    connect[last[single]] = 0
    if len(hard):
        parts, part_of = shapely.get_parts(geoms[hard], return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        ring_owner = hard[part_of[ring_of]]
        ring_len = shapely.get_num_coordinates(rings).astype(np.int64)
        if not np.array_equal(np.bincount(ring_owner, weights=ring_len, minlength=n)[hard],
                              count[hard]):
            return _ring_arrays_general(geoms)
        # each ring's last vertex: its polygon's start + the lengths of its rings so far
        before = np.cumsum(ring_len) - ring_len
        first_ring = np.concatenate([[True], ring_owner[1:] != ring_owner[:-1]])
        base = before[np.maximum.accumulate(np.where(first_ring, np.arange(len(before)), 0))]
        connect[start[ring_owner] + before - base + ring_len - 1] = 0
    return _made(coords, connect, start, count)


def _closed_once(coords: np.ndarray, start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Per polygon: whether its first vertex comes back exactly once, as its last (then it
    is one ring; a self-touching ring is not, and goes the long way to the same answer)."""
    n = len(count)
    last = start + count - 1
    has = np.flatnonzero(count > 0)
    # (column by column and by repeat, not a 2-D gather: several times faster)
    again = (coords[:, 0] == np.repeat(coords[start[has], 0], count[has])) & \
        (coords[:, 1] == np.repeat(coords[start[has], 1], count[has]))   # equal to its first
    seen = np.zeros(n, dtype=np.int64)
    seen[has] = np.add.reduceat(again.astype(np.int32), start[has])
    single = seen == 2
    single[single] = again[last[single]]
    return single


def _made(coords: np.ndarray, connect: np.ndarray, start: np.ndarray, count: np.ndarray
          ) -> RingArrays:
    """The arrays, ``x``/``y`` as views of ``coords`` (two copies of every coordinate cost
    the first paint ~2 ms at England scale, and the paths gather from ``coords``)."""
    coords = np.ascontiguousarray(coords, dtype=np.float64).reshape(-1, 2)
    return RingArrays(coords[:, 0], coords[:, 1], connect, start, count, coords)


def _ring_arrays_general(geoms: np.ndarray) -> RingArrays:
    """Every ring through ``get_parts`` / ``get_rings`` (any geometry types)."""
    n = len(geoms)
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, vert_ring = shapely.get_coordinates(rings, return_index=True)
    owner = part_owner[ring_part][vert_ring] if len(coords) else np.zeros(0, dtype=np.int64)
    count = np.bincount(owner, minlength=n).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    connect = np.ones(len(coords), dtype=np.int32)
    if len(coords):
        connect[np.flatnonzero(np.diff(vert_ring) != 0)] = 0
        connect[-1] = 0
    return _made(coords, connect, start, count)


def sum_by_polygon(rings: RingArrays, values: np.ndarray) -> np.ndarray:
    """Sum of a per-vertex value over each polygon's vertices (0 for a polygon without any)."""
    out = np.zeros(rings.n)
    has = np.flatnonzero(rings.count > 0)
    if len(has):
        out[has] = np.add.reduceat(values, rings.start[has])
    return out


def vertex_means(rings: RingArrays) -> tuple[np.ndarray, np.ndarray]:
    """Mean x and y (metres) of each polygon's vertices: a centre, cheap (NaN if none)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return sum_by_polygon(rings, rings.x) / rings.count, \
            sum_by_polygon(rings, rings.y) / rings.count
