"""The kept borders' signature (core.borders.border_signature): equal inputs, equal digests;
any change to a vertex, a ring's end or an area's neighbourhood, another digest."""

from __future__ import annotations

import numpy as np
import shapely

from phdesk.core.borders import border_signature
from phdesk.core.rings import ring_arrays


def _areas():
    geoms = np.array([shapely.box(i, j, i + 1, j + 1) for j in range(3) for i in range(3)],
                     dtype=object)
    return geoms, np.array(["A", "A", "B", None, "B", "B", "C", "C", np.nan], dtype=object)


def test_the_same_areas_and_lookup_give_the_same_signature():
    geoms, groups = _areas()
    sig = border_signature(ring_arrays(geoms), groups)
    assert sig == border_signature(ring_arrays(geoms.copy()), list(groups))
    # None and NaN are both "no neighbourhood", as the borders read them
    swapped = groups.copy()
    swapped[3], swapped[8] = np.nan, None
    assert border_signature(ring_arrays(geoms), swapped) == sig


def test_any_change_gives_another_signature():
    geoms, groups = _areas()
    sig = border_signature(ring_arrays(geoms), groups)
    seen = {sig}
    for k, g in ((0, "B"), (3, "A"), (2, None), (8, "C")):      # one area moved
        other = groups.copy()
        other[k] = g
        seen.add(border_signature(ring_arrays(geoms), other))
    renamed = np.where(groups == "C", "D", groups)                 # a neighbourhood renamed
    seen.add(border_signature(ring_arrays(geoms), renamed))
    # two names whose joined text is the same
    joined = np.array(["a\x1fb"] * 4 + ["c"] * 5, dtype=object)
    split = np.array(["a"] * 4 + ["b\x1fc"] * 5, dtype=object)
    seen.add(border_signature(ring_arrays(geoms), joined))
    seen.add(border_signature(ring_arrays(geoms), split))
    moved = geoms.copy()
    moved[4] = shapely.box(1, 1, 2, 2.01)                          # one vertex moved 1 cm
    seen.add(border_signature(ring_arrays(moved), groups))
    rings = ring_arrays(geoms)
    rings.connect[2] = 0                                           # a ring ends elsewhere
    seen.add(border_signature(rings, groups))
    assert len(seen) == 10
