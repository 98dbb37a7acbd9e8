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
    vertex); vertices of polygon j are ``x[start[j]:start[j] + count[j]]``.
    """

    x: np.ndarray
    y: np.ndarray
    connect: np.ndarray
    start: np.ndarray
    count: np.ndarray

    @property
    def n(self) -> int:
        return len(self.count)

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
    it gives all the vertices at once; only where the rings end needs finding. A polygon whose
    first vertex comes back only as its last is one ring (most areas, whether stored as
    polygons or one-part multipolygons); only the others go through ``get_rings``."""
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    if not np.isin(shapely.get_type_id(geoms), (-1, 3, 6)).all():
        return _ring_arrays_general(geoms)
    coords = shapely.get_coordinates(geoms)
    count = shapely.get_num_coordinates(geoms).astype(np.int64)
    if int(count.sum()) != len(coords):
        return _ring_arrays_general(geoms)
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    last = start + count - 1
    has = np.flatnonzero(count > 0)
    # (column by column and by repeat, not a 2-D gather: several times faster)
    again = (coords[:, 0] == np.repeat(coords[start[has], 0], count[has])) & \
        (coords[:, 1] == np.repeat(coords[start[has], 1], count[has]))   # equal to its first
    seen = np.zeros(n, dtype=np.int64)
    seen[has] = np.add.reduceat(again.astype(np.int32), start[has])
    single = seen == 2
    single[single] = again[last[single]]
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
    return RingArrays(coords[:, 0].copy(), coords[:, 1].copy(), connect, start, count)


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
    return RingArrays(coords[:, 0].copy(), coords[:, 1].copy(), connect, start, count)


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
