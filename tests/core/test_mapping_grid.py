"""The catchment pair search (PointGrid) against a brute-force distance matrix."""

from __future__ import annotations

import numpy as np
import pytest

from phdesk.core.mapping_access import PointGrid


def _brute(ax, ay, bx, by, radius):
    d = np.hypot(ax[:, None] - bx[None, :], ay[:, None] - by[None, :])
    i, j = np.nonzero(d <= radius)
    return set(zip(i.tolist(), j.tolist(), strict=True)), d


@pytest.mark.parametrize("radius", [0.001, 37.5, 1000.0, 1500.0, 90_000.0])
def test_pairs_are_every_pair_within_the_radius_inclusive(radius):
    rng = np.random.default_rng(7)
    ax = rng.uniform(400_000, 450_000, 3000)
    ay = rng.uniform(100_000, 140_000, 3000)
    ax[::97] = np.nan                            # areas without a point
    ax[1:4], ay[1:4] = 420_000.0, 120_000.0      # whole metres: x + radius is exact below
    bx = np.r_[rng.uniform(390_000, 460_000, 400), 1e12, -1e12, np.nan]   # far off, unknown
    by = np.r_[rng.uniform(90_000, 150_000, 400), 120_000.0, 120_000.0, 5.0]
    # sites exactly on the radius of an area point, east, north and on the diagonal
    bx = np.r_[bx, ax[1] + radius, ax[2], ax[3] - radius]
    by = np.r_[by, ay[1], ay[2] + radius, ay[3]]
    grid = PointGrid(ax, ay, radius)
    i, j, d = grid.pairs(bx, by, radius)
    want, dist = _brute(ax, ay, bx, by, radius)
    got = set(zip(i.tolist(), j.tolist(), strict=True))
    assert got == want and len(got) == len(i)
    assert (np.diff(j) >= 0).all()               # ordered by site
    if radius >= 1:   # the sites placed exactly on the radius are within it (inclusive)
        assert {(1, 403), (2, 404), (3, 405)} <= got
    assert np.array_equal(d, dist[i, j])


def test_a_smaller_radius_on_a_wider_grid_and_empty_inputs():
    rng = np.random.default_rng(3)
    ax, ay = rng.uniform(0, 5000, 500), rng.uniform(0, 5000, 500)
    bx, by = rng.uniform(0, 5000, 50), rng.uniform(0, 5000, 50)
    grid = PointGrid(ax, ay, 1500.0)
    i, j, _ = grid.pairs(bx, by, 1000.0)
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == _brute(ax, ay, bx, by, 1000.0)[0]
    assert len(grid.pairs(np.zeros(0), np.zeros(0), 1000.0)[0]) == 0
    empty = PointGrid(np.full(3, np.nan), np.full(3, np.nan), 1000.0)
    assert len(empty.pairs(bx, by, 1000.0)[0]) == 0
    with pytest.raises(ValueError):
        grid.pairs(bx, by, 2000.0)


def test_points_in_polygons_same_answer_either_way_round_lowest_index_on_shared_edges():
    import shapely

    from phdesk.core.mapping_access import points_in_polygons

    # a 3 x 3 block of 100 m squares (one missing), points inside, on shared edges and corners
    polys = np.array([shapely.box(x, y, x + 100, y + 100) for y in (0, 100, 200)
                      for x in (0, 100, 200)] + [None], dtype=object)
    polys[4] = None
    xs = np.r_[50.0, 100.0, 100.0, 150.0, 200.0, 300.0, 350.0, np.nan, 250.0, 0.0]
    ys = np.r_[50.0, 50.0, 100.0, 150.0, 200.0, 300.0, 50.0, 10.0, 250.0, 0.0]

    def brute(x, y):
        if not (np.isfinite(x) and np.isfinite(y)):
            return -1
        hits = [k for k, g in enumerate(polys)
                if g is not None and shapely.intersects_xy(g, x, y)]
        return min(hits) if hits else -1

    want = np.array([brute(x, y) for x, y in zip(xs, ys, strict=True)])
    many = points_in_polygons(xs, ys, polys)          # more points than polygons
    few = np.array([points_in_polygons(xs[k:k + 1], ys[k:k + 1], polys)[0]
                    for k in range(len(xs))])           # one point at a time
    assert list(want) == [0, 0, 0, -1, 5, 8, -1, -1, 8, 0]
    assert np.array_equal(many, want) and np.array_equal(few, want)
    shapely.prepare(polys[[k for k, g in enumerate(polys) if g is not None]])
    assert np.array_equal(points_in_polygons(xs, ys, polys), want)
