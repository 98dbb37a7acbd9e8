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
