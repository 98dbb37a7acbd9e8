"""What the map's first paint no longer does on the GUI thread (docs/ARCHITECTURE.md, map
rendering): the hit-testing index is built on first need, the label points come from the map
worker; both give what building them directly gives."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import shapely

from phdesk.ui import map_borders as mb
from phdesk.ui import map_layers as ml
from phdesk.ui import map_paths as mp
from tests.ui.map_fixtures import grid_areas, grid_assets


def test_the_index_is_built_on_first_need_and_answers_as_a_direct_one(monkeypatch):
    built = []
    real = shapely.STRtree
    monkeypatch.setattr(ml.shapely, "STRtree", lambda g: built.append(1) or real(g))
    areas = grid_areas()
    kept = mb.neighbourhood_borders(mp.ring_arrays(areas["geometry"].to_numpy()),
                                    areas["geometry"].to_numpy(),
                                    areas["neighbourhood"].to_numpy(object),
                                    real(areas["geometry"].to_numpy())).lines
    layers = ml.build_base_layers(areas, grid_assets(), lambda *_a: kept)
    assert not layers.borders.path.isEmpty()   # kept borders: nothing needed the index
    assert built == []
    direct = real(areas["geometry"].to_numpy())
    x0, y0, x1, y1 = shapely.total_bounds(areas["geometry"].to_numpy())
    rng = np.random.default_rng(4)
    pts = shapely.points(rng.uniform(x0 - 500, x1 + 500, 200),
                         rng.uniform(y0 - 500, y1 + 500, 200))
    for p in pts:
        hits = direct.query(p, predicate="intersects")
        want = int(np.min(hits)) if len(hits) else None
        assert ml.area_at(layers, *shapely.get_coordinates(p)[0]) == want
    assert built == [1]   # built once, however often asked
    assert layers.tree is layers.tree


def test_borders_found_without_kept_ones_still_get_the_index():
    layers = ml.build_base_layers(grid_areas(), grid_assets())
    assert not layers.borders.path.isEmpty()


def test_the_lazy_value_is_made_once_across_threads():
    made = []
    lazy = ml._Lazy(lambda: made.append(1) or object())
    got = []
    threads = [threading.Thread(target=lambda: got.append(lazy.get())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert made == [1] and len({id(g) for g in got}) == 1


def test_label_points_from_the_worker_equal_the_direct_ones():
    areas = grid_areas()
    layers = ml.build_base_layers(areas, grid_assets())
    geoms = areas["geometry"].to_numpy()
    direct = mb.neighbourhood_labels(mp.ring_arrays(geoms), geoms,
                                     areas["neighbourhood"].to_numpy(object))
    pd.testing.assert_frame_equal(layers.labels, direct)


def test_the_measure_lookup_equals_series_map():
    keys = pd.Series(["E1", "E2", "E9", None, "E3", "E1"], dtype=object)
    cases = [pd.Series([1.0, np.nan, 3.0, 4.0], index=["E1", "E2", "E3", None]),
             pd.Series([5.0, 6.0], index=[1, 2]),          # codes that cannot match
             pd.Series(dtype=float)]
    for s in cases:
        np.testing.assert_array_equal(ml._lookup(s, keys), keys.map(s).to_numpy(dtype=float))
    strs = keys.fillna("E0").astype("string")               # a string column, as areas have
    np.testing.assert_array_equal(ml._lookup(cases[0], strs),
                                  strs.map(cases[0]).to_numpy(dtype=float))
