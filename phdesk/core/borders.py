"""Neighbourhood borders straight from the areas' ring arrays (no union), as plain arrays.

Why it exists: dissolving 33,755 areas into neighbourhoods took about a third of a large map's
first paint, yet the map only draws the dissolved shapes' outlines. In a coverage whose
neighbours share edges (as published boundaries do), an edge of an area is a neighbourhood
border exactly when the same edge (to 1 cm) belongs to an area of another neighbourhood, or to
no other area and has an outside: a sort of the edges finds them all. Where the data disagree
(an edge met by nothing on a side that is covered: boundaries that do not share vertices, or
slivers; an edge shared three times), the neighbourhoods concerned fall back to the union of
``outlines.dissolve``, so the picture is the same either way. The result is plain arrays
(``BorderLines``), so the service keeps it in the project file, keyed by ``border_signature``
of what it was built from, and later loads read it instead of computing it again
(docs/ARCHITECTURE.md, map rendering). No Qt: safe on a worker thread.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from phdesk.core.outlines import dissolve
from phdesk.core.rings import RingArrays, ring_arrays

SIDE_OFFSET_M = 0.5   # a lone edge is tested for an outside this far either side (metres)
FORMAT = 1            # of the arrays below; part of the signature, so a change rebuilds them
BORDER = 1            # ``code`` bit: the edge from this vertex to the next is a border
DRAWN = 2             # ``code`` bit: ... and it is drawn (each shared border once)


@dataclass
class BorderLines:
    """Every neighbourhood's border as polylines: neighbourhood ``names[k]`` owns vertices
    ``offsets[k]:offsets[k + 1]`` of ``x``, ``y`` (metres, EPSG:27700), and ``code[i]`` says
    whether the edge from vertex i to i + 1 is a border (``BORDER``) and drawn (``DRAWN``;
    0 ends a line). A neighbourhood's outline is its edges with ``BORDER``; the map draws all
    edges with ``DRAWN``, a border shared by two neighbourhoods once. ``fallback``: the
    neighbourhoods whose outline is their dissolved union (their areas' edges disagree)."""

    names: list
    offsets: np.ndarray   # int64, len(names) + 1
    x: np.ndarray         # float64
    y: np.ndarray         # float64
    code: np.ndarray      # int8
    fallback: list = field(default_factory=list)

    def equals(self, other: BorderLines) -> bool:
        return (self.names == other.names and np.array_equal(self.offsets, other.offsets)
                and np.array_equal(self.x, other.x) and np.array_equal(self.y, other.y)
                and np.array_equal(self.code, other.code)
                and list(self.fallback) == list(other.fallback))


def border_signature(rings: RingArrays, groups) -> str:
    """What the borders are built from, as a hex digest: every vertex of the areas (their
    geometry) and each area's neighbourhood (the assignment), with ``FORMAT``. Equal
    signatures give equal borders; any change to the areas or the lookup changes it.

    SHA-256 over each array's bytes, one update per array (no copies), and the assignment as
    codes (one array) plus each distinct name once: a string per area was most of its time
    (30 -> 15 ms at England scale; docs/ARCHITECTURE.md, map rendering)."""
    h = hashlib.sha256(f"borders-v{FORMAT};sha256;".encode())
    for a, dtype in ((rings.x, "<f8"), (rings.y, "<f8"), (rings.connect, "<i4"),
                     (rings.count, "<i8")):
        h.update(memoryview(np.ascontiguousarray(a, dtype=dtype)).cast("B"))
    codes, names = pd.factorize(pd.Series(groups, dtype=object))   # None / NaN: -1
    h.update(f";{len(codes)};".encode())
    h.update(memoryview(np.ascontiguousarray(codes, dtype="<i8")).cast("B"))
    h.update("".join(f"{len(str(g))}:{g}" for g in names).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def neighbourhood_border_lines(rings: RingArrays, geoms: np.ndarray, groups: np.ndarray,
                               tree) -> BorderLines:
    """Borders of the areas grouped by ``groups`` (one name or None per area; ``rings`` and
    ``tree`` built from ``geoms``, in the same order; ``tree`` an STRtree or a function
    returning it, called only when needed: the caller may still be building it). Safe on a
    worker thread."""
    codes, names = pd.factorize(pd.Series(groups, dtype=object), sort=True)
    codes = np.where(rings.count > 0, codes, -1)
    vg = np.repeat(codes, rings.count)
    e = np.flatnonzero(rings.connect == 1)              # edge e joins vertex e to e + 1
    # each vertex to 1 cm as one exact int64 (x and y in cm fit 31 bits each in EPSG:27700)
    q = (np.round(rings.x * 100).astype(np.int64) << 32) + \
        np.round(rings.y * 100).astype(np.int64)
    a, b = q[e], q[e + 1]
    lo, hi = np.minimum(a, b), np.maximum(a, b)          # the same edge either way round
    order, new_run, clash = _group_equal(lo, hi)
    run = np.cumsum(new_run) - 1
    run_len = np.bincount(run)[run]                      # per sorted edge
    sg = vg[e][order]                                    # group of each sorted edge
    point = (lo == hi)[order]                            # a repeated vertex is no edge
    # the other edge of a pair (runs of two): the next one for the first, the previous for
    # the second
    first = new_run & (run_len == 2)
    partner = np.full(len(sg), -1, dtype=np.int64)
    idx = np.flatnonzero(first)
    partner[idx], partner[idx + 1] = sg[idx + 1], sg[idx]
    lone = (run_len == 1) & ~point
    outside = _one_side_covered(rings, e[order[lone]], tree() if callable(tree) else tree)
    border = np.zeros(len(sg), dtype=bool)
    border[lone] = outside
    border |= (run_len == 2) & (partner != sg) & ~point
    bad = np.zeros(len(sg), dtype=bool)
    bad[lone] = ~outside
    bad |= ((run_len > 2) | clash) & ~point
    bad_groups = np.unique(sg[bad & (sg >= 0)])
    suspect = np.zeros(len(names) + 1, dtype=bool)       # [-1] for the ungrouped
    suspect[bad_groups] = True
    border &= (sg >= 0) & ~suspect[sg]
    drawn = border.copy()
    # each shared border once: drop the second of a pair when the first is drawn too
    second = idx + 1
    drawn[second[drawn[second] & drawn[idx]]] = False
    flags = np.zeros(len(sg), dtype=np.int8)
    flags[order] = border + 2 * drawn                    # back to edge order, in one pass
    border_v = np.zeros(len(rings.x), dtype=bool)
    border_v[e] = (flags & 1).astype(bool)
    drawn_v = np.zeros(len(rings.x), dtype=bool)
    drawn_v[e] = flags >= 2
    fallback = {}
    if len(bad_groups):
        slow = np.isin(codes, bad_groups)
        out = dissolve(geoms[slow], np.asarray(groups, dtype=object)[slow])
        fallback = dict(zip(out["group"], out["geometry"], strict=True))
    return _lines(rings, vg, border_v, drawn_v, list(names), fallback)

def _group_equal(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort edges (their two ends, each one int64) so equal ones are adjacent: (order, whether
    each sorted edge starts a run, whether it sits in a run with a different edge).

    One ``np.sort`` of a 64-bit word per edge, a hash of the edge in the high bits and its index
    in the low ones (several times faster than ``lexsort`` or ``argsort``). Two different
    edges with the same hash are caught by comparing neighbours' ends and reported in ``clash``
    (their neighbourhoods then take the slow path: never a wrong border).
    """
    m = len(lo)
    bits = max(1, int(m).bit_length())
    with np.errstate(over="ignore"):
        h = lo.astype(np.uint64) * _MIX[0]
        h ^= h >> np.uint64(29)
        h = (h ^ hi.astype(np.uint64)) * _MIX[1]
        h ^= h >> np.uint64(32)
    key = ((h >> np.uint64(bits)) << np.uint64(bits)) | np.arange(m, dtype=np.uint64)
    key = np.sort(key)
    order = (key & np.uint64((1 << bits) - 1)).astype(np.int64)
    hs = key >> np.uint64(bits)
    same_hash = hs[1:] == hs[:-1]
    slo, shi = lo[order], hi[order]
    differ = (slo[1:] != slo[:-1]) | (shi[1:] != shi[:-1])
    new_run = np.concatenate([[True], ~same_hash])
    clash = np.zeros(m, dtype=bool)
    bad = np.flatnonzero(same_hash & differ)
    clash[bad] = clash[bad + 1] = True
    return order, new_run, clash


_MIX = [np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9)]   # odd: bijective


def _one_side_covered(rings: RingArrays, e: np.ndarray, tree: shapely.STRtree) -> np.ndarray:
    """For lone edges (vertex e to e + 1): whether exactly one side, ``SIDE_OFFSET_M`` away from
    its middle, is inside an area (the edge has an outside)."""
    if not len(e):
        return np.zeros(0, dtype=bool)
    x0, y0, x1, y1 = rings.x[e], rings.y[e], rings.x[e + 1], rings.y[e + 1]
    length = np.maximum(np.hypot(x1 - x0, y1 - y0), 1e-9)
    nx, ny = -(y1 - y0) / length * SIDE_OFFSET_M, (x1 - x0) / length * SIDE_OFFSET_M
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    pts = shapely.points(np.concatenate([mx + nx, mx - nx]), np.concatenate([my + ny, my - ny]))
    hit, _ = tree.query(pts, predicate="intersects")
    covered = np.bincount(hit, minlength=len(pts)) > 0
    return covered[:len(e)] != covered[len(e):]


def _lines(rings: RingArrays, vg: np.ndarray, border_v: np.ndarray, drawn_v: np.ndarray,
           names: list, fallback: dict) -> BorderLines:
    """The border edges' vertices grouped by neighbourhood (ring order within each), then
    the fallback neighbourhoods' dissolved outlines (every edge a drawn border)."""
    keep = border_v.copy()
    keep[1:] |= border_v[:-1]                  # an edge's end vertex too
    kept = np.flatnonzero(keep)
    kept = kept[np.argsort(vg[kept], kind="stable")]
    code = (border_v[kept] * BORDER + drawn_v[kept] * DRAWN).astype(np.int8)
    counts = np.bincount(vg[kept], minlength=len(names)).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    extra = {}
    for k, name in enumerate(names):
        if name in fallback:
            r = ring_arrays(np.array([fallback[name]], dtype=object))
            extra[k] = (r.x, r.y, (r.connect * (BORDER | DRAWN)).astype(np.int8))
    if not extra:
        return BorderLines(names, starts, rings.x[kept], rings.y[kept], code)
    xs, ys, cs, sizes = [], [], [], []
    for k in range(len(names)):      # each neighbourhood: its edges, or its dissolved outline
        sl = slice(starts[k], starts[k + 1])
        px, py, pc = extra.get(k, (rings.x[kept[sl]], rings.y[kept[sl]], code[sl]))
        xs.append(px)
        ys.append(py)
        cs.append(pc)
        sizes.append(len(px))
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return BorderLines(names, offsets, np.concatenate(xs), np.concatenate(ys),
                       np.concatenate(cs).astype(np.int8), [names[k] for k in sorted(extra)])
