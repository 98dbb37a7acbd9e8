"""Issue rules on small hand-computed inputs: study area and context, edges, capacity from GP
list sizes, Core20 for every category, absolute measures beside the gap score, choice and
duplicated provision, extrapolated SII."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from phdesk.core.gap_ranking import headline_order
from phdesk.core.mapping import NO_NEIGHBOURHOOD, MappingParams, compute_mapping
from tests.core.mapping_data import random_inputs, square, tiny_inputs


def _three_areas():
    """tiny_inputs plus C (centre 2000,0; 600 people) with no neighbourhood: context."""
    inputs = tiny_inputs()
    inputs.areas.loc[2] = ["C", None, square(2000, 0), 2000.0, 0.0, np.nan, np.nan, 9.0]
    inputs.segments.loc[2] = ["C", "All", 600.0]
    return inputs


def test_context_areas_count_as_demand_but_are_never_reported():
    r = compute_mapping(_three_areas(), MappingParams())
    # Y (1500,0; capacity 1) reaches B (500 m) and C (500 m): R_Y = 1 / (300 + 600)
    # X (0,0; capacity 2) reaches A (0 m) and B (1000 m): R_X = 2 / 400
    b = r.area_access[(r.area_access.area_code == "B") & (r.area_access.segment == "All")]
    assert b["access_2sfca"].iloc[0] == pytest.approx(1000 * (2 / 400 + 1 / 900))
    ns = r.neighbourhood_segments
    assert set(ns["neighbourhood"]) == {"N1", "N2"}          # C is context: no row
    assert NO_NEIGHBOURHOOD not in set(ns["neighbourhood"])
    assert ns.loc[ns.segment == "All", "population"].sum() == 400
    assert set(r.cold_spots["area_code"]) <= {"A", "B"}
    c = r.area_access[r.area_access.area_code == "C"]
    assert len(c) and not c["study_area"].any()
    assert any("outside it are context" in n for n in r.summary["notes"])
    assert r.summary["context_areas"] == 1 and r.summary["study_population"] == 400


def test_without_a_lookup_everything_is_one_unranked_study_area():
    inputs = tiny_inputs()
    inputs.areas["neighbourhood"] = None
    ns = compute_mapping(inputs, MappingParams()).neighbourhood_segments
    assert ns["neighbourhood"].tolist() == [NO_NEIGHBOURHOOD]
    assert ns["population"].iloc[0] == 400
    assert ns["gap_score"].isna().all() and ns["gap_rank"].isna().all()


@pytest.mark.parametrize("chunk", [1, 12_500])
def test_edge_warning_counts_sites_whose_catchment_leaves_the_populated_areas(monkeypatch, chunk):
    # tested a site at a time, or all at once: the same figures
    monkeypatch.setattr("phdesk.core.mapping_kernels.EDGE_CHUNK", chunk)
    # the areas cover -500..1500 x -500..500; X (0,0) and Y (1500,0) at 1000 m both reach out
    r = compute_mapping(tiny_inputs(), MappingParams())
    rules = r.category_rules.set_index("category")
    assert rules.loc["Pharmacy", "sites_reaching_study_area"] == 2
    assert rules.loc["Pharmacy", "edge_sites"] == 2
    assert rules.loc["Pharmacy", "edge_capacity_pct"] == pytest.approx(100.0)
    assert any("catchments run beyond the areas with population: Pharmacy 2 of 2 (100% of "
               "their capacity)" in n for n in r.summary["notes"])
    # at 500 m X's circle stays inside A (touching its edges); Y reaches B at exactly 500 m
    # and runs east beyond it: 1 of 2 sites, capacity 1 of 3
    r = compute_mapping(tiny_inputs(), MappingParams(default_radius_m=500.0,
                                                     radius_override=True))
    rules = r.category_rules.set_index("category")
    assert rules.loc["Pharmacy", "edge_sites"] == 1
    assert rules.loc["Pharmacy", "edge_capacity_pct"] == pytest.approx(100 / 3)


def test_gp_capacity_is_the_registered_list_size_matched_on_practice_code():
    inputs = tiny_inputs()
    inputs.assets["category"] = "GP practice"
    inputs.assets["capacity"] = np.nan
    inputs.list_sizes = pd.Series({"FX1": 4000.0})     # Y (FY2) has no list size: capacity 1
    r = compute_mapping(inputs, MappingParams())
    assets = r.assets.set_index("name")
    assert assets.loc["X", "capacity"] == 4000 and assets.loc["Y", "capacity"] == 1
    a = r.area_access[(r.area_access.area_code == "A") & (r.area_access.segment == "All")]
    assert a["access_2sfca"].iloc[0] == pytest.approx(1000 * 4000 / 400)
    unit = r.category_rules.set_index("category").loc["GP practice", "capacity_unit"]
    assert unit == "registered patients / sites (capacity 1 each)"


def test_core20_is_reported_for_every_category_and_its_share_per_neighbourhood():
    inputs = tiny_inputs(second_category=True)
    inputs.segments = pd.concat([inputs.segments, pd.DataFrame(
        {"area_code": ["A", "B"], "segment": "Core20", "population": [100.0, 0.0]})])
    ns = compute_mapping(inputs, MappingParams()).neighbourhood_segments
    core = ns[ns.segment == "Core20"]
    assert set(core["category"]) == {"Pharmacy", "Library"}
    share = ns.drop_duplicates("neighbourhood").set_index("neighbourhood")["core20_pct"]
    assert share["N1"] == 100 and share["N2"] == 0      # A is decile 1, B decile 6


def test_no_provision_never_ranks_below_some_in_the_headline():
    # N1 (A) has a library far away (none within reach); N2 has some pharmacy access but a
    # bigger pharmacy gap score than N1's library row.
    inputs = tiny_inputs(second_category=True)
    r = compute_mapping(inputs, MappingParams())
    ns = r.neighbourhood_segments
    lib = ns[(ns.category == "Library") & (ns.segment == "All")].set_index("neighbourhood")
    assert lib["no_site_pct"].eq(100).all() and lib["access_ratio"].isna().all()  # no rate
    pharm = ns[(ns.category == "Pharmacy")].set_index("neighbourhood")
    assert pharm.loc["N1", "gap_score"] > 0 > pharm.loc["N2", "gap_score"]
    head = headline_order(ns).drop_duplicates("neighbourhood").set_index("neighbourhood")
    assert head.loc["N1", "category"] == "Library" and head.loc["N2", "category"] == "Library"
    assert head.loc["N1", "no_site_pct"] == 100


def test_access_ratio_shortfall_choice_and_duplicated_provision_by_hand():
    # A: 100 people, access 5 (X only); B: 300 people, access 5 + 10/3 (X and Y, a choice)
    # study rate R = (100 * 5 + 300 * 25/3) / 400 = 7.5 per 1,000
    ns = compute_mapping(tiny_inputs(), MappingParams()).neighbourhood_segments
    ns = ns.set_index("neighbourhood")
    rate = 7.5
    assert ns.loc["N1", "access_ratio"] == pytest.approx(100 * 5 / rate)
    assert ns.loc["N2", "access_ratio"] == pytest.approx(100 * (25 / 3) / rate)
    assert ns.loc["N1", "shortfall"] == pytest.approx(100 * (rate - 5) / 1000)   # 0.25 places
    assert ns.loc["N2", "shortfall"] == 0
    assert ns.loc["N1", "choice_pct"] == 0 and ns.loc["N2", "choice_pct"] == 100
    # N2: surplus above R where residents have a choice, over their need at the rate R
    assert ns.loc["N2", "duplicated_pct"] == pytest.approx(100 * 300 * (25 / 3 - rate)
                                                           / (300 * rate))
    assert ns.loc["N1", "duplicated_pct"] == 0


def test_sii_from_part_of_the_deciles_is_flagged_as_extrapolated():
    inputs = random_inputs(8, n_areas=150, n_assets=40, extent=8000.0)
    inputs.areas["imd_decile"] = np.clip(inputs.areas["imd_decile"], 3, 10)
    r = compute_mapping(inputs, MappingParams(sii_repetitions=1000))
    ineq = r.inequality
    assert (ineq["deciles"] == 8).all() and ineq["extrapolated"].all()
    assert ineq["note"].str.contains("deciles 3–10 only").all()
    assert (ineq["rii"].dropna() > 0).all()


def test_a_segment_of_a_few_residents_never_headlines_a_neighbourhood():
    table = pd.DataFrame({
        "neighbourhood": ["N1", "N1", "N1", "N2"],
        "segment": ["All", "Ethnicity: Roma", "Core20", "Ethnicity: Roma"],
        "category": ["GP practice"] * 4,
        "population": [9000.0, 12.0, 2000.0, 40.0],
        "access_ratio": [90.0, 20.0, 60.0, 50.0],   # the 12 people read worst
        "no_site_pct": [0.0, 80.0, 5.0, 0.0],
        "gap_score": [0.0, 1.0, 2.0, 1.0]})
    head = headline_order(table).drop_duplicates("neighbourhood").set_index("neighbourhood")
    assert head.loc["N1", "segment"] == "Core20"
    assert head.loc["N2", "segment"] == "Ethnicity: Roma"   # nothing larger: still a headline
