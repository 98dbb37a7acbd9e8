"""The live what-if (MappingEngine(live=True).whatif) against a full run with the change made for
real: one test per action (add, move, close, capacity, radius), for a universal and a targeted
category, and the kernel updated from the run's pairs rather than recomputed whole."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from phdesk.core import mapping_whatif
from phdesk.core.mapping import MappingEngine, MappingParams, compute_mapping
from phdesk.core.mapping_engine import MappingInputs
from phdesk.core.segments import ALL
from tests.core.test_mapping_engine import _icb

TABLES = ("neighbourhood_segments", "area_access", "assets", "cold_spots", "category_rules",
          "inequality")
ACTIONS = ("add", "move", "close", "capacity", "radius")


def _changed(inputs: MappingInputs, action: str, category: str, k: int = 0
             ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The register and settings with one change made to ``category``'s k-th site."""
    assets, settings = inputs.assets.copy(), None
    row = assets.index[assets["category"] == category][k]
    if action == "move":
        assets.loc[row, ["easting", "northing"]] += [700.0, -300.0]
    elif action == "add":
        new = assets.loc[[row]].assign(id=assets["id"].max() + 1,
                                       northing=lambda d: d.northing + 1500.0, capacity=25.0)
        assets = pd.concat([assets, new], ignore_index=True)
    elif action == "close":
        assets = assets.drop(index=row).reset_index(drop=True)
    elif action == "capacity":
        assets.loc[row, "capacity"] = 40.0
    else:
        settings = pd.DataFrame({"category": [category], "radius_m": [650.0],
                                 "serves": [[ALL, "Age 65+"] if category == "Day centre"
                                            else [ALL]]})
    return assets, settings


def _full(inputs, assets, settings, params):
    changed = MappingInputs(areas=inputs.areas, assets=assets, segments=inputs.segments,
                            neighbourhoods=inputs.neighbourhoods,
                            settings=settings if settings is not None else inputs.settings,
                            info=inputs.info, list_sizes=inputs.list_sizes)
    return compute_mapping(changed, params)


def _same_tables(a, b):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name).reset_index(drop=True),
                                      getattr(b, name).reset_index(drop=True), obj=name,
                                      check_exact=name != "inequality")


@pytest.fixture(scope="module")
def icb():
    inputs = _icb()
    params = MappingParams(sii_repetitions=1000)
    engine = MappingEngine(inputs, params, live=True)
    base = engine.run()
    return inputs, params, engine, base


@pytest.mark.parametrize("category", ["GP practice", "Day centre"])
@pytest.mark.parametrize("action", ACTIONS)
def test_live_whatif_equals_the_change_made_for_real(icb, action, category, monkeypatch):
    inputs, params, engine, base = icb
    assets, settings = _changed(inputs, action, category)
    if action != "radius":   # the kernel is updated from the run's pairs, never redone whole
        monkeypatch.setattr(mapping_whatif, "compute_kernel", _not_whole)
    live = engine.whatif(assets, settings=settings)
    _same_tables(live, _full(inputs, assets, settings, params))
    # only the changed category differs from the run; the rest are the run's own kernels
    changed = [k.category for k, b in zip(live.arrays.kernels, base.arrays.kernels, strict=True)
               if k is not b]
    assert changed == [category]
    ns, nb = live.neighbourhood_segments, base.neighbourhood_segments
    mine = ns["category"] == category
    assert not np.array_equal(ns.loc[mine, "access_2sfca"].to_numpy(dtype=float),
                              nb.loc[nb["category"] == category, "access_2sfca"]
                              .to_numpy(dtype=float), equal_nan=True)


def _not_whole(*_args, **_kwargs):
    raise AssertionError("the what-if computed the category's kernel whole")


def test_whatifs_in_a_row_are_each_from_the_run_not_the_last_whatif(icb):
    inputs, params, engine, _ = icb
    first, _ = _changed(inputs, "move", "Pharmacy", 2)
    engine.whatif(first)
    second, _ = _changed(inputs, "close", "Pharmacy", 5)
    _same_tables(engine.whatif(second), _full(inputs, second, None, params))
    site = int(inputs.assets.loc[inputs.assets["category"] == "Library", "id"].iloc[0])
    row = inputs.assets.set_index("id").loc[site]
    moved = engine.whatif(move={site: (row.easting + 300.0, row.northing + 50.0)})
    assets = inputs.assets.copy()
    assets.loc[assets["id"] == site, ["easting", "northing"]] = [row.easting + 300.0,
                                                                 row.northing + 50.0]
    _same_tables(moved, _full(inputs, assets, None, params))


def test_a_new_category_or_a_closed_last_site_falls_back_to_the_full_rules(icb):
    inputs, params, engine, _ = icb
    row = inputs.assets.iloc[[0]].assign(id=inputs.assets["id"].max() + 1,
                                         category="Family hub")
    added = pd.concat([inputs.assets, row], ignore_index=True)
    _same_tables(engine.whatif(added), _full(inputs, added, None, params))
    lib = inputs.assets["category"] == "Library"
    none_left = inputs.assets[~lib].reset_index(drop=True)
    _same_tables(engine.whatif(none_left), _full(inputs, none_left, None, params))


def test_comparing_two_results_of_one_engine_equals_comparing_separate_runs(icb):
    """compare() skips the categories a what-if left unchanged and the merge of rows that are
    the same in both; the comparison is the one of two separate full runs."""
    from phdesk.core.compare import compare

    inputs, params, engine, base = icb
    assets, _ = _changed(inputs, "move", "GP practice", 3)
    fast = compare(base, engine.whatif(assets), segments=inputs.segments)
    slow = compare(compute_mapping(inputs, params), _full(inputs, assets, None, params),
                   segments=inputs.segments)
    assert len(fast.areas) and len(fast.reach)
    for name in ("reach", "neighbourhoods", "areas", "assets"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), obj=name)
    assert fast.summary == slow.summary


def _spy(monkeypatch, module, name):
    """Count the calls of ``module.name`` (still calling it)."""
    calls = []
    real = getattr(module, name)

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


@pytest.mark.parametrize("category", ["GP practice", "Day centre"])
def test_far_moves_update_only_what_the_site_reaches_and_the_nearest_sites(icb, category,
                                                                          monkeypatch):
    """Moves far enough that areas lose their last site within 1.5 x the radius, areas whose
    nearest site was the moved one search again, and areas beyond every catchment get the new
    place as their nearest: every table equals the full run's, from the changed sites only."""
    from phdesk.core import mapping_delta

    inputs, params, engine, base = icb
    monkeypatch.setattr(mapping_whatif, "kernel_from_pairs", _not_whole)
    monkeypatch.setattr(mapping_whatif, "compute_kernel", _not_whole)
    searches = _spy(monkeypatch, mapping_delta, "nearest_beyond")
    mine = inputs.assets[inputs.assets["category"] == category]
    c = base.arrays.assets.categories.index(category)
    old = base.arrays.kernels[c]
    # the area farthest from the category's sites, and a place nearer to it than its nearest
    # site but beyond 1.5 x the radius (so it stays among the areas searched)
    area = engine.areas()
    q = int(np.nanargmax(np.where(old.within_wide == 0, old.near, np.nan)))
    gap = (1.5 * old.radius_m + old.near[q]) / 2
    nearer = 0
    for k, (x, y) in enumerate([(-3000.0, -3000.0), (19_000.0, 500.0),
                                (area.ax[q], area.ay[q] + gap)]):
        assets = inputs.assets.copy()
        assets.loc[mine.index[k], ["easting", "northing"]] = [x, y]
        live = engine.whatif(assets)
        _same_tables(live, _full(inputs, assets, None, params))
        new = live.arrays.kernels[c]
        beyond = (old.within_wide == 0) & (new.within_wide == 0) & np.isfinite(old.near)
        nearer += int((new.near[beyond] < old.near[beyond]).sum())
    assert searches and nearer


def test_a_tie_in_the_nearest_site_search_is_left_to_the_full_search(icb, monkeypatch):
    """Two nearest sites at the same distance whose reported distances differ by a bit: which
    one a search takes depends on its order, so the update gives way to the full kernel."""
    inputs, params, engine, base = icb
    kernel = engine._base.kernels["Pharmacy"]
    monkeypatch.setattr(kernel.live, "near_tied", True)
    whole = _spy(monkeypatch, mapping_whatif, "kernel_from_pairs")
    assets, _ = _changed(inputs, "move", "Pharmacy", 4)
    _same_tables(engine.whatif(assets), _full(inputs, assets, None, params))
    assert whole


def test_nearest_beyond_says_when_tied_sites_report_different_distances():
    from phdesk.core.mapping_access import nearest_beyond

    # (a, b) and (hypot(a, b), 0) from the origin: the same hypot, GEOS distances a bit apart
    a, b = 491.7798645649925, 2192.3161865628367
    c = float(np.hypot(a, b))
    assert np.sqrt(a * a + b * b) != np.sqrt(c * c)
    q = np.array([0.0, 50_000.0])
    got, hyp, tied = nearest_beyond(q[:1], q[:1], np.array([a, c]), np.array([b, 0.0]), 0.0)
    assert tied and hyp[0] == c
    _, _, tied = nearest_beyond(q[:1], q[:1], np.array([a, 9000.0]), np.array([b, 0.0]), 0.0)
    assert not tied


def test_moving_a_site_the_run_did_not_place_places_the_register_again():
    """A move of an asset without coordinates in the run (not among its placed rows) goes
    through the register, as a full run would."""
    inputs = _icb()
    inputs.assets.loc[3, ["easting", "northing"]] = np.nan
    params = MappingParams(sii_repetitions=1000)
    engine = MappingEngine(inputs, params, live=True)
    engine.run()
    site = int(inputs.assets.loc[3, "id"])
    live = engine.whatif(move={site: (5000.0, 5000.0)})
    assets = inputs.assets.copy()
    assets.loc[3, ["easting", "northing"]] = [5000.0, 5000.0]
    _same_tables(live, _full(inputs, assets, None, params))
