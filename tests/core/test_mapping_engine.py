"""The engine in stages against the engine before them (tests/core/legacy, a frozen copy) on the
definitions that did not change, and the live what-if against a full run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from phdesk.core.mapping import MappingEngine, MappingParams, compute_mapping, load_inputs
from phdesk.store.project import Project
from tests.core.legacy.mapping import compute_mapping as legacy_mapping
from tests.core.mapping_data import random_inputs

ICB_CATEGORIES = ("GP practice", "Pharmacy", "Library", "Day centre", "Children's centre")


def _icb():
    """A generated ICB-like place: 500 areas, 400 sites in five categories, segments All, 65+
    and 0-4 (the day centre targets the 65+, the children's centre the under-5s)."""
    inputs = random_inputs(31, n_areas=500, n_assets=400, extent=20_000.0,
                           categories=ICB_CATEGORIES)
    young = inputs.segments[inputs.segments.segment == "All"].assign(
        segment="Age 0-4", population=lambda d: np.round(d.population * 0.06))
    inputs.segments = pd.concat([inputs.segments, young], ignore_index=True)
    return inputs


def _demo_inputs(demo_path):
    project = Project(demo_path)
    try:
        return load_inputs(project)
    finally:
        project.close()


def _unchanged_blocks(new):
    """(category, segment) blocks whose definition did not change: universal categories for
    All; targeted categories for each of their target segments."""
    rules = new.category_rules
    out = []
    for cat, universal, demand in zip(rules["category"], rules["universal"], rules["demand"],
                                      strict=True):
        out += [(cat, "All")] if universal else [(cat, s) for s in demand]
    return out


def _compare(inputs, params):
    new = compute_mapping(inputs, params)
    old = legacy_mapping(inputs, params)
    blocks = _unchanged_blocks(new)
    assert blocks
    key = ["category", "segment", "area_code"]
    na = new.area_access.astype({k: str for k in key}).set_index(key).sort_index()
    oa = old.area_access.astype({k: str for k in key}).set_index(key).sort_index()
    nk = ["category", "segment", "neighbourhood"]
    nn = new.neighbourhood_segments.astype({k: str for k in nk}).set_index(nk).sort_index()
    on = old.neighbourhood_segments.astype({k: str for k in nk}).set_index(nk).sort_index()
    for block in blocks:
        a, b = na.loc[block].sort_index(), oa.loc[block].sort_index()
        assert a.index.equals(b.index), block
        for col in ("population", "nearest_m", "access_2sfca", "access_e2sfca"):
            assert np.allclose(a[col], b[col], rtol=1e-9, atol=1e-9, equal_nan=True), (block, col)
        assert (a["assets_within"].to_numpy() == b["assets_within"].to_numpy()).all(), block
        x, y = nn.loc[block].sort_index(), on.loc[block].sort_index()
        assert x.index.equals(y.index), block
        for col in ("population", "assets_inside", "assets_per_10k", "coverage_pct",
                    "access_2sfca", "access_e2sfca", "gap_score", "gap_rank"):
            assert np.allclose(x[col].astype(float), y[col].astype(float), rtol=1e-9, atol=1e-9,
                               equal_nan=True), (block, col)
    cold = ["category", "area_code"]
    pd.testing.assert_frame_equal(
        new.cold_spots.sort_values(cold).reset_index(drop=True).astype({"neighbourhood": str}),
        old.cold_spots.sort_values(cold).reset_index(drop=True).astype({"neighbourhood": str}),
        check_dtype=False)
    shared = [c for c in old.assets.columns]
    pd.testing.assert_frame_equal(new.assets[shared], old.assets[shared], check_dtype=False)
    return blocks


def test_new_engine_equals_old_on_unchanged_definitions_generated_icb():
    blocks = _compare(_icb(), MappingParams(sii_repetitions=1000))
    assert ("Day centre", "Age 65+") in blocks and ("Children's centre", "Age 0-4") in blocks
    assert ("GP practice", "All") in blocks


def test_new_engine_equals_old_on_unchanged_definitions_demo(demo_path):
    blocks = _compare(_demo_inputs(demo_path), MappingParams(sii_repetitions=1000))
    assert len(blocks) >= 5


def _tables_equal(a, b):
    for name in ("neighbourhood_segments", "area_access", "assets", "cold_spots", "inequality",
                 "category_rules"):
        pd.testing.assert_frame_equal(getattr(a, name).reset_index(drop=True),
                                      getattr(b, name).reset_index(drop=True), obj=name)


@pytest.mark.parametrize("change", ["move", "add", "close", "capacity"])
def test_whatif_equals_a_full_run_on_the_changed_assets(change):
    inputs = _icb()
    params = MappingParams(sii_repetitions=1000)
    engine = MappingEngine(inputs, params)
    base = engine.run()
    assets = inputs.assets.copy()
    gp = assets.index[assets["category"] == "GP practice"][0]
    if change == "move":
        assets.loc[gp, "easting"] += 800.0
    elif change == "add":
        row = assets.loc[[gp]].assign(id=assets["id"].max() + 1, northing=lambda d: d.northing
                                      + 1500)
        assets = pd.concat([assets, row], ignore_index=True)
    elif change == "close":
        assets = assets.drop(index=gp).reset_index(drop=True)
    else:
        assets.loc[gp, "capacity"] = 40.0
    whatif = engine.whatif(assets)
    full = compute_mapping(type(inputs)(**{**inputs.__dict__, "assets": assets}), params)
    _tables_equal(whatif, full)
    # only GP practice changed; every other category's figures are the base run's
    ns_w = whatif.neighbourhood_segments
    ns_b = base.neighbourhood_segments
    other = ns_w["category"] != "GP practice"
    pd.testing.assert_frame_equal(ns_w[other].reset_index(drop=True),
                                  ns_b[ns_b["category"] != "GP practice"].reset_index(drop=True))
    gp_rows = ~other
    assert not np.allclose(ns_w.loc[gp_rows, "access_2sfca"].astype(float),
                           ns_b.loc[ns_b["category"] == "GP practice", "access_2sfca"]
                           .astype(float), equal_nan=True)


def test_whatif_reuses_unchanged_kernels_and_move_by_id():
    inputs = _icb()
    engine = MappingEngine(inputs, MappingParams(sii_repetitions=1000))
    base = engine.run()
    site = int(inputs.assets.loc[inputs.assets["category"] == "Library", "id"].iloc[0])
    row = inputs.assets.loc[inputs.assets["id"] == site].iloc[0]
    moved = engine.whatif(move={site: (row.easting + 600.0, row.northing)})
    same = [k for k, b in zip(moved.arrays.kernels, base.arrays.kernels, strict=True) if k is b]
    assert len(same) == len(ICB_CATEGORIES) - 1   # only the library's kernel was recomputed
    assert moved.assets.set_index("asset_id").loc[site, "easting"] == row.easting + 600.0
    with pytest.raises(Exception, match="no asset with id"):
        engine.whatif(move={-5: (0.0, 0.0)})
