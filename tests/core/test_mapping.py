"""compute_mapping on hand-computed cases (two areas, two assets) and on edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from phdesk.core.errors import UserError
from phdesk.core.mapping import NO_NEIGHBOURHOOD, MappingParams, compute_mapping
from phdesk.core.mapping_access import pairs_within, step_weights
from phdesk.core.mapping_output import COLUMNS
from tests.core.mapping_data import square, tiny_inputs


def _area(result, code, category="Pharmacy", segment="All"):
    a = result.area_access
    return a[(a.area_code == code) & (a.category == category) & (a.segment == segment)].iloc[0]


def _nbh(result, name, category="Pharmacy", segment="All"):
    t = result.neighbourhood_segments
    return t[(t.neighbourhood == name) & (t.category == category) & (t.segment == segment)].iloc[0]


def test_tiny_case_2sfca_by_hand():
    r = compute_mapping(tiny_inputs(), MappingParams())
    # distances: A-X 0, A-Y 1500 (out), B-X 1000 (in: inclusive), B-Y 500
    rx, ry = 2 / (100 + 300), 1 / 300
    assert _area(r, "A").access_2sfca == pytest.approx(1000 * rx)
    assert _area(r, "B").access_2sfca == pytest.approx(1000 * (rx + ry))


def test_tiny_case_e2sfca_by_hand():
    r = compute_mapping(tiny_inputs(), MappingParams())
    w0, w1000, w500 = 1.0, 0.22, 0.68   # inner third, outer third (1000 = r), middle third
    rx = 2 / (100 * w0 + 300 * w1000)
    ry = 1 / (300 * w500)
    assert _area(r, "A").access_e2sfca == pytest.approx(1000 * rx * w0)
    assert _area(r, "B").access_e2sfca == pytest.approx(1000 * (rx * w1000 + ry * w500))


def test_tiny_case_custom_step_weights():
    r = compute_mapping(tiny_inputs(), MappingParams(e2sfca_weights=(1.0, 0.5, 0.1)))
    rx, ry = 2 / (100 + 300 * 0.1), 1 / (300 * 0.5)
    assert _area(r, "B").access_e2sfca == pytest.approx(1000 * (rx * 0.1 + ry * 0.5))


def test_tiny_case_coverage_overlap_nearest():
    r = compute_mapping(tiny_inputs(), MappingParams())
    a, b = _area(r, "A"), _area(r, "B")
    assert (a.assets_within, b.assets_within) == (1, 2)
    assert a.covered and b.covered
    assert a.nearest_m == pytest.approx(0.0)
    assert b.nearest_m == pytest.approx(500.0)
    n2 = _nbh(r, "N2")
    assert n2.coverage_pct == pytest.approx(100.0)
    assert n2.choice_pct == pytest.approx(100.0)   # B's 300 people are within reach of X and Y
    n1 = _nbh(r, "N1")
    assert n1.choice_pct == pytest.approx(0.0)
    # the asset on B's edge belongs to B; X is in A
    assets = r.assets.set_index("name")
    assert assets.loc["X", "area_code"] == "A" and assets.loc["Y", "area_code"] == "B"
    assert (n1.assets_inside, n2.assets_inside) == (1, 1)
    assert n2.assets_per_10k == pytest.approx(1 / 300 * 10_000)


def test_radius_is_inclusive_and_override_shrinks_it():
    r = compute_mapping(tiny_inputs(), MappingParams(default_radius_m=999.0,
                                                     radius_override=True))
    assert _area(r, "B").assets_within == 1      # X at exactly 1000 m is now outside
    assert _area(r, "B").access_2sfca == pytest.approx(1000 * 1 / 300)
    r = compute_mapping(tiny_inputs(), MappingParams(radius_m={"Pharmacy": 400.0}))
    assert _area(r, "B").assets_within == 0 and not _area(r, "B").covered


def test_gap_score_by_hand():
    r = compute_mapping(tiny_inputs(), MappingParams())
    need = {"N1": 100 / 400, "N2": 300 / 400}
    pa = {"N1": 100 * _area(r, "A").access_2sfca, "N2": 300 * _area(r, "B").access_2sfca}
    total = sum(pa.values())
    for name in ("N1", "N2"):
        assert _nbh(r, name).gap_score == pytest.approx(100 * (need[name] - pa[name] / total))
    assert _nbh(r, "N1").gap_rank == 1 and _nbh(r, "N2").gap_rank == 2
    # 2SFCA's population-weighted access adds up to the capacity that reaches anyone (2 + 1)
    assert total == pytest.approx(3 * 1000)


def test_cold_spots_and_nearest_for_a_far_category():
    r = compute_mapping(tiny_inputs(second_category=True), MappingParams())
    cold = r.cold_spots[r.cold_spots.category == "Library"].set_index("area_code")
    assert set(cold.index) == {"A", "B"}
    assert cold.loc["A", "nearest_m"] == pytest.approx(5000.0)
    assert cold.loc["B", "population"] == 300
    assert cold.loc["A", "imd_decile"] == 1
    assert r.cold_spots[r.cold_spots.category == "Pharmacy"].empty
    lib = _nbh(r, "N1", "Library")
    assert lib.coverage_pct == 0 and lib.access_2sfca == 0


def test_coverage_has_no_interval_but_the_radius_sensitivity():
    """Coverage is a count of all residents (no sampling interval); instead it is given at half
    and 1.5 times the radius. A at 0 m from X; B at 1000 m from X and 500 m from Y."""
    inputs = tiny_inputs()
    inputs.areas["neighbourhood"] = ["N", "N"]
    r = compute_mapping(inputs, MappingParams(radius_m={"Pharmacy": 400.0}))
    n = _nbh(r, "N")
    assert n.coverage_pct == pytest.approx(25.0)        # only A (100 of 400) within 400 m
    assert n.coverage_pct_r050 == pytest.approx(25.0)   # 200 m: still only A
    assert n.coverage_pct_r150 == pytest.approx(100.0)  # 600 m: B reaches Y at 500 m
    assert n.no_site_pct == pytest.approx(75.0)
    assert "coverage_lower" not in r.neighbourhood_segments


def test_output_columns_are_the_documented_ones():
    r = compute_mapping(tiny_inputs(second_category=True), MappingParams())
    for name, cols in COLUMNS.items():
        assert list(getattr(r, name).columns) == cols, name


def test_universal_category_shares_capacity_among_everyone():
    """A pharmacy is universal: step one's demand is everyone, and a segment's figure is the
    same access averaged over its residents, so All and 65+ figures compare."""
    inputs = tiny_inputs()
    inputs.segments = pd.concat([inputs.segments, pd.DataFrame({
        "area_code": ["A", "B"], "segment": "Age 65+", "population": [10.0, 90.0]})])
    r = compute_mapping(inputs, MappingParams())
    assert set(r.neighbourhood_segments.segment) == {"All", "Age 65+"}
    b = _area(r, "B", segment="Age 65+")
    assert b.population == 90
    assert b.access_2sfca == pytest.approx(1000 * (2 / 400 + 1 / 300))   # everyone competes
    assert b.access_2sfca == pytest.approx(_area(r, "B").access_2sfca)
    # 65+ weighted mean over A (10 people, 5.0) and B (90 people, 8.33)
    ns = r.neighbourhood_segments.set_index(["neighbourhood", "segment"])
    assert ns.loc[("N2", "Age 65+"), "access_2sfca"] == pytest.approx(
        ns.loc[("N2", "All"), "access_2sfca"])
    rules = r.category_rules.set_index("category")
    assert bool(rules.loc["Pharmacy", "universal"]) and rules.loc["Pharmacy", "radius_m"] == 1000


def test_targeted_category_competes_within_its_target_group():
    """A children's centre is targeted: its capacity is shared by the young children within
    reach only; other segments' figures are that access averaged over their residents."""
    inputs = tiny_inputs()
    inputs.assets["category"] = "Children's centre"
    inputs.segments = pd.concat([inputs.segments, pd.DataFrame({
        "area_code": ["A", "B"], "segment": "Age 0-4", "population": [10.0, 30.0]})])
    r = compute_mapping(inputs, MappingParams())
    rx, ry = 2 / (10 + 30), 1 / 30
    b = _area(r, "B", category="Children's centre", segment="Age 0-4")
    assert b.access_2sfca == pytest.approx(1000 * (rx + ry))
    assert _area(r, "B", category="Children's centre").access_2sfca == pytest.approx(
        1000 * (rx + ry))   # All: the under-5s' access, averaged over everyone
    rules = r.category_rules.set_index("category")
    assert not rules.loc["Children's centre", "universal"]
    assert rules.loc["Children's centre", "demand"] == ["Age 0-4"]


def test_areas_without_lookup_are_assigned_by_largest_overlap():
    inputs = tiny_inputs()
    inputs.areas["neighbourhood"] = [None, "N2"]
    inputs.neighbourhoods = pd.DataFrame({
        "name": ["West", "East"],
        # West covers 70% of A, East 30% of A
        "geometry": [shapely.box(-600, -600, 200, 600), shapely.box(200, -600, 2000, 600)]})
    r = compute_mapping(inputs, MappingParams())
    assert _area(r, "A").neighbourhood == "West"
    assert r.summary["areas_assigned_by_overlay"] == 1
    inputs.neighbourhoods = None
    r = compute_mapping(inputs, MappingParams())
    assert _area(r, "A").neighbourhood == NO_NEIGHBOURHOOD


def test_population_weighted_centroid_is_preferred():
    inputs = tiny_inputs()
    inputs.areas["pw_centroid_e"] = [-400.0, np.nan]
    inputs.areas["pw_centroid_n"] = [0.0, np.nan]
    r = compute_mapping(inputs, MappingParams())
    assert _area(r, "A").nearest_m == pytest.approx(400.0)
    # without any stored centroid, the polygon's centroid is used
    inputs.areas[["centroid_e", "centroid_n", "pw_centroid_e", "pw_centroid_n"]] = np.nan
    r = compute_mapping(inputs, MappingParams())
    assert _area(r, "B").nearest_m == pytest.approx(500.0)
    assert r.summary["area_points"] == {"polygon": 2}
    assert r.summary["areas_without_imd_decile"] == 0


def test_assets_without_coordinates_are_skipped_with_a_note():
    inputs = tiny_inputs()
    inputs.assets.loc[2] = [3, "Nowhere", "Pharmacy", np.nan, np.nan, 1.0, None]
    r = compute_mapping(inputs, MappingParams())
    assert r.summary["assets_skipped_no_coordinates"] == 1
    assert any("Nowhere" in n for n in r.summary["notes"])
    assert len(r.assets) == 2


def test_missing_inputs_raise_user_errors():
    inputs = tiny_inputs()
    with pytest.raises(UserError, match="no areas"):
        compute_mapping(type(inputs)(inputs.areas.iloc[:0], inputs.assets, inputs.segments))
    with pytest.raises(UserError, match="no population"):
        compute_mapping(type(inputs)(inputs.areas, inputs.assets, inputs.segments.iloc[:0]))
    with pytest.raises(UserError, match="no assets"):
        compute_mapping(type(inputs)(inputs.areas, inputs.assets.iloc[:0], inputs.segments))
    with pytest.raises(UserError, match="Librar"):
        compute_mapping(inputs, MappingParams(categories=["Library"]))


def test_category_filter_is_case_insensitive():
    r = compute_mapping(tiny_inputs(second_category=True), MappingParams(categories=["library"]))
    assert set(r.area_access.category) == {"Library"}


def test_pairs_within_matches_brute_force():
    rng = np.random.default_rng(5)
    ax, ay = rng.uniform(0, 3000, 200), rng.uniform(0, 3000, 200)
    bx, by = rng.uniform(0, 3000, 40), rng.uniform(0, 3000, 40)
    radius = rng.choice([300.0, 700.0, 1000.0], 40)
    i, j, d = pairs_within(ax, ay, bx, by, radius)
    dist = np.hypot(ax[:, None] - bx[None, :], ay[:, None] - by[None, :])
    want = set(zip(*np.nonzero(dist <= radius[None, :]), strict=True))
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == want
    assert np.allclose(d, dist[i, j])


def test_step_weight_zones_are_inclusive_at_their_outer_edge():
    d = np.array([0, 100, 100.0000001, 200, 250, 300, 300.001])
    w = step_weights(d, 300.0, (1, 0.68, 0.22))
    assert w.tolist() == [1, 1, 0.68, 0.68, 0.22, 0.22, 0]


def test_step_weights_equal_the_legacy_select():
    from tests.core.legacy.mapping_access import step_weights as legacy

    rng = np.random.default_rng(3)
    d = np.r_[rng.uniform(0, 1600, 5000), 1000 / 3, 2000 / 3, 1000.0, np.nan, 0.0, -1.0]
    r = rng.uniform(300, 1200, len(d))
    for radius in (1000.0, r):
        want = legacy(d, radius, (1.0, 0.68, 0.22))
        got = step_weights(d, radius, (1.0, 0.68, 0.22))
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_square_helper_geometry():
    assert square(0, 0).area == 1_000_000


def test_categorical_segment_frame_gives_the_same_result():
    plain = compute_mapping(tiny_inputs(), MappingParams())
    inputs = tiny_inputs()
    inputs.segments = inputs.segments.astype({"area_code": "category", "segment": "category"})
    cat = compute_mapping(inputs, MappingParams())
    cols = ["access_2sfca", "access_e2sfca", "population", "nearest_m"]
    assert np.allclose(cat.area_access[cols], plain.area_access[cols])


def test_areas_of_the_population_level_are_used():
    inputs = tiny_inputs()
    inputs.areas["level"] = "lsoa"
    inputs.areas.loc[2] = {"code": "M1", "neighbourhood": "N1", "level": "msoa",
                           "geometry": shapely.box(-500, -500, 1500, 500),
                           "centroid_e": 500.0, "centroid_n": 0.0}
    r = compute_mapping(inputs, MappingParams())
    assert set(r.area_access.area_code) == {"A", "B"}
    assert set(r.assets.area_code) == {"A", "B"}
    assert any("lsoa" in n for n in r.summary["notes"])


@pytest.mark.parametrize("params,match", [
    (MappingParams(default_radius_m=0), "radius"),
    (MappingParams(radius_m={"Pharmacy": -5.0}), "Pharmacy"),
    (MappingParams(e2sfca_weights=(1.0, -0.5, 0.2)), "weights"),
])
def test_bad_parameters_are_user_errors(params, match):
    with pytest.raises(UserError, match=match):
        compute_mapping(tiny_inputs(), params)


def test_inequality_rows_are_phe_transformed_models_of_decile_aggregates():
    """Coverage: logit model of the empirical proportions with the between-area standard error
    on the logit scale; access: log model. Computed here from area_access independently."""
    from phdesk.core.mapping import SII_SEED
    from phdesk.stats import sii
    from tests.core.mapping_data import random_inputs

    inputs = random_inputs(8, n_areas=150, n_assets=40, extent=8000.0)
    r = compute_mapping(inputs, MappingParams(sii_repetitions=2000))
    a = r.area_access[(r.area_access.category == "Pharmacy") & (r.area_access.segment == "All")]
    a = a.merge(inputs.areas[["code", "imd_decile"]], left_on="area_code", right_on="code")
    a = a.assign(c=a.covered.astype(float), w=a.population)
    rows = []
    for _, g in a.groupby("imd_decile"):
        w = g.w.to_numpy()
        n_eff = w.sum() ** 2 / (w ** 2).sum()

        def mean_se(x, w=w, n_eff=n_eff):
            m = (w * x).sum() / w.sum()
            return m, np.sqrt(max((w * x * x).sum() / w.sum() - m * m, 0) / n_eff)
        cm, cse = mean_se(g.c.to_numpy())
        am, ase = mean_se(g.access_2sfca.to_numpy())
        rows.append((w.sum(), (w * g.c).sum(), cse, am, ase))
    pop, cov, cse, am, ase = map(np.array, zip(*rows, strict=True))
    c = 0.5 / pop.mean()
    prop = np.clip(cov / pop, c, 1 - c)
    want = sii(prop, pop, se=cse / (prop * (1 - prop)), value_type=2, transform=True,
               multiplier=100, repetitions=2000, seed=SII_SEED)
    ineq = r.inequality.set_index(["category", "segment", "measure"])
    got = ineq.loc[("Pharmacy", "All", "coverage")]
    assert got["deciles"] == 10 and got["model"] == "logit" and not got["extrapolated"]
    for f in ("sii", "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper", "intercept"):
        assert got[f] == pytest.approx(getattr(want, f)), f
    acc = ineq.loc[("Pharmacy", "All", "access_2sfca")]
    want = sii(am, pop, se=ase / am, value_type=1, transform=True, repetitions=2000,
               seed=SII_SEED)
    assert acc["model"] == "log"
    assert acc["rii"] == pytest.approx(want.rii) and acc["sii"] == pytest.approx(want.sii)
    assert (r.inequality["rii"].dropna() > 0).all()
