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


def test_points_in_any_equals_an_strtree_intersects_query():
    import shapely

    from phdesk.core.mapping_points import points_in_any

    # Voronoi cells (a hole where two are left out), points inside, on edges and vertices,
    # outside and unknown: the numpy candidate search must give the STRtree answer exactly
    rng = np.random.default_rng(11)
    seeds = rng.uniform(0, 10_000, (300, 2))
    box = shapely.box(0, 0, 10_000, 10_000)
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=box)), box)
    polys = np.delete(cells, [5, 6])
    shapely.prepare(polys)
    verts = shapely.get_coordinates(polys[:20])
    edge_mid = (verts[:-1] + verts[1:]) / 2
    xs = np.r_[rng.uniform(-2_000, 12_000, 5000), verts[:, 0], edge_mid[:, 0], np.nan, 5.0]
    ys = np.r_[rng.uniform(-2_000, 12_000, 5000), verts[:, 1], edge_mid[:, 1], 5.0, np.nan]
    ok = np.flatnonzero(np.isfinite(xs) & np.isfinite(ys))
    _, hit = shapely.STRtree(shapely.points(xs[ok], ys[ok])).query(polys, predicate="intersects")
    want = np.zeros(len(xs), dtype=bool)
    want[ok[hit]] = True
    got = points_in_any(xs, ys, polys, shapely.bounds(polys))
    assert np.array_equal(got, want)
    assert got[5000:5000 + len(verts)].all() and not got[-2:].any() and not got.all()
    one = points_in_any(xs[:1], ys[:1], polys, shapely.bounds(polys))
    assert one[0] == want[0]
    # a few points (a moved site's circle) take every box without the cells: the same answers,
    # on vertices and edges too
    for few in (slice(0, 8), slice(5000, 5064), slice(len(xs) - 40, len(xs))):
        got = points_in_any(xs[few], ys[few], polys, shapely.bounds(polys))
        assert np.array_equal(got, want[few])
    assert not points_in_any(np.zeros(0), np.zeros(0), polys, shapely.bounds(polys)).size


@pytest.mark.parametrize("searched", [0.0, 300.0])
def test_nearest_distance_equals_an_strtree_nearest_search(searched):
    import shapely

    from phdesk.core.mapping_access import nearest_distance

    # areas near and very far from the few sites (the search doubles its radius many times)
    rng = np.random.default_rng(5)
    ax = np.r_[rng.uniform(0, 20_000, 2000), 900_000.0, np.nan]
    ay = np.r_[rng.uniform(0, 20_000, 2000), -400_000.0, 10.0]
    bx, by = rng.uniform(5_000, 15_000, 30), rng.uniform(5_000, 15_000, 30)
    ok = np.isfinite(ax) & np.isfinite(ay)
    (qi, _), dist = shapely.STRtree(shapely.points(bx, by)).query_nearest(
        shapely.points(ax[ok], ay[ok]), return_distance=True, all_matches=False)
    want = np.full(len(ax), np.nan)
    want[np.flatnonzero(ok)[qi]] = dist
    i, j, d = PointGrid(ax, ay, max(searched, 1.0)).pairs(bx, by, searched) if searched else \
        (None, None, None)
    got = nearest_distance(ax, ay, bx, by, i, d, searched)
    # the areas searched beyond the pairs: the same figures as GEOS, to the last bit; those
    # with pairs take the pairs' (numpy hypot) distance, as before
    beyond = np.ones(len(ax), dtype=bool) if i is None else ~np.isin(np.arange(len(ax)), i)
    assert np.array_equal(got[beyond], want[beyond], equal_nan=True)
    assert np.allclose(got, want, rtol=1e-12, atol=0, equal_nan=True)
    assert beyond.sum() > 2 and (~beyond).sum() > (2 if searched else -1)
    assert np.isnan(nearest_distance(ax, ay, bx[:0], by[:0])).all()


@pytest.mark.parametrize("spread", [10, 10**9])   # a dense table of run starts; searchsorted
def test_sorted_keys_lookups_equal_searchsorted(spread):
    from phdesk.core.mapping_points import SortedKeys

    rng = np.random.default_rng(spread)
    keys = np.sort(rng.integers(0, spread * 50, 500))
    sk = SortedKeys(keys)
    assert (sk.first is None) == (spread > 10)
    v = np.r_[-5, -1, 0, keys, keys + 1, keys - 1, keys.max() + 1, keys.max() + 10**6]
    assert np.array_equal(sk.left(v), np.searchsorted(keys, v, side="left"))
    assert np.array_equal(sk.right(v), np.searchsorted(keys, v, side="right"))


def test_squared_distance_prefilter_keeps_points_one_ulp_either_side_of_the_radius():
    """The squared-distance prefilter sets nothing aside that ``hypot`` would keep: points a
    few ulps inside, on and outside the radius, at many angles, are kept exactly as a plain
    ``hypot(dx, dy) <= r`` test keeps them, with the same distances."""
    radius = 1000.0
    t = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    ax0, ay0 = 500_123.25, 200_456.5
    steps = [-3, -1, 0, 1, 3]
    ax = np.concatenate([np.nextafter(ax0 + radius * np.cos(t), np.inf) if s > 0 else
                         ax0 + radius * np.cos(t) * (1 + s * 1e-16) for s in steps])
    ay = np.tile(ay0 + radius * np.sin(t), len(steps))
    bx, by = np.array([ax0]), np.array([ay0])
    i, j, d = PointGrid(ax, ay, radius).pairs(bx, by, radius)
    want, dist = _brute(ax, ay, bx, by, radius)
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == want and len(i) == len(want)
    assert 0 < len(want) < len(ax)
    assert np.array_equal(d, dist[i, j])
