"""Disclosure control on real mapping tables and on a scenario comparison."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from phdesk.core.disclosure import PATIENT, PUBLIC, SUPPRESSED, DisclosureRule
from phdesk.core.disclosure_compare import compare_runs
from phdesk.core.disclosure_tables import protect_result
from phdesk.core.mapping import MappingParams, compute_mapping
from phdesk.core.safe_text import safe_csv_frame, safe_csv_value
from tests.core.mapping_data import random_inputs

RARE = "Rare condition"


def inputs_with_rare(seed: int = 3):
    inp = random_inputs(seed, n_areas=40, n_assets=12, categories=("GP practice",))
    rng = np.random.default_rng(seed)
    codes = inp.areas["code"]
    rare = pd.DataFrame({"area_code": codes, "segment": RARE,
                         "population": rng.choice([0.0, 1, 2, 3, 4, 6, 9, 11, 14], len(codes))})
    inp.segments = pd.concat([inp.segments, rare], ignore_index=True)
    inp.settings = pd.DataFrame({"category": ["GP practice"], "radius_m": [900.0],
                                 "serves": [["All", "Age 65+", RARE]]})
    return inp


CLASSES = {"All": PUBLIC, "Age 65+": PUBLIC, RARE: PATIENT}
PARAMS = MappingParams(sii_repetitions=1000)


@pytest.fixture(scope="module")
def runs():
    inp = inputs_with_rare()
    base = compute_mapping(inp, dataclasses.replace(PARAMS))
    more = dataclasses.replace(inp, assets=pd.concat([inp.assets, pd.DataFrame({
        "id": [999], "name": ["New hub"], "category": ["GP practice"], "easting": [3000.0],
        "northing": [3000.0], "capacity": [2.0], "source_id": [None]})], ignore_index=True))
    other = compute_mapping(more, dataclasses.replace(PARAMS))
    return base, other


def test_public_segments_unchanged_patient_counts_protected(runs):
    base, _ = runs
    t = protect_result(base, CLASSES, DisclosureRule())
    ns, exact = t["neighbourhood_segments"], base.neighbourhood_segments
    pub = ns["segment"] != RARE
    pd.testing.assert_frame_equal(ns[pub].astype(object), exact[pub].astype(object))
    aa = t["area_access"]
    rare = aa[aa["segment"] == RARE]
    exact_rare = base.area_access[base.area_access["segment"] == RARE]
    small = exact_rare["population"].between(1, 7).to_numpy()
    assert (rare["population"].to_numpy()[small] == SUPPRESSED).all()
    shown = rare["population"].to_numpy()[~small]
    assert all(v == SUPPRESSED or v == 0 or v % 5 == 0 for v in shown)
    assert (rare["access_2sfca"] == SUPPRESSED).all()


def test_rates_built_on_hidden_counts_are_hidden(runs):
    base, _ = runs
    ns = protect_result(base, CLASSES, DisclosureRule(threshold=1000))["neighbourhood_segments"]
    rare = ns[ns["segment"] == RARE]
    hidden = rare["population"] == SUPPRESSED
    assert hidden.any()
    for col in ("assets_per_10k", "coverage_pct", "coverage_pct_r050", "access_2sfca",
                "gap_score", "choice_pct", "access_ratio", "duplicated_pct"):
        assert (rare.loc[hidden, col] == SUPPRESSED).all(), col


def test_shown_rates_are_computed_from_the_shown_counts(runs):
    base, _ = runs
    ns = protect_result(base, CLASSES, DisclosureRule())["neighbourhood_segments"]
    for _, r in ns[(ns["segment"] == RARE) & (ns["population"] != SUPPRESSED)].iterrows():
        if r["population"]:
            assert r["assets_per_10k"] == pytest.approx(r["assets_inside"] / r["population"]
                                                        * 10_000)
        if r["coverage_pct"] not in (SUPPRESSED,) and pd.notna(r["coverage_pct"]):
            covered = r["coverage_pct"] * r["population"] / 100
            assert covered == pytest.approx(round(covered))       # a shown (rounded) count
            assert round(covered) % 5 == 0


@pytest.mark.parametrize("base_rounding", [1, 5])
def test_scenario_change_is_protected_and_cannot_be_recovered(runs, base_rounding):
    base, other = runs
    rule = DisclosureRule(rounding_base=base_rounding)
    tables, cmp = compare_runs(base, other, CLASSES, rule)
    rare = cmp[cmp["segment"] == RARE]
    exact_b = base.neighbourhood_segments.set_index(["neighbourhood", "segment", "category"])
    exact_s = other.neighbourhood_segments.set_index(["neighbourhood", "segment", "category"])
    checked = 0
    for _, r in rare.iterrows():
        k = (r["neighbourhood"], r["segment"], r["category"])
        cov_b = exact_b.loc[k, "coverage_pct"] * exact_b.loc[k, "population"] / 100
        cov_s = exact_s.loc[k, "coverage_pct"] * exact_s.loc[k, "population"] / 100
        change = round(cov_s - cov_b)
        if 1 <= abs(change) <= 7:
            checked += 1
            assert r["covered_change"] == SUPPRESSED
            if base_rounding == 1:   # exact counts: one of the two runs' counts is hidden too
                assert SUPPRESSED in (r["covered_base"], r["covered_scenario"])
        if SUPPRESSED not in (r["covered_base"], r["covered_scenario"], r["covered_change"]):
            assert r["covered_change"] == r["covered_scenario"] - r["covered_base"]
    assert checked, "the new hub should bring a few people of the rare segment within reach"
    pub = cmp[cmp["segment"] == "All"]
    assert not (pub == SUPPRESSED).any().any()
    assert (tables["neighbourhood_segments"]["segment"] == RARE).any()


def test_safe_text_prefixes_formula_like_text_only():
    for s in ("=1+1", "+44 20", "-x", "@SUM(A1)", "\tx", "\rx"):
        assert safe_csv_value(s) == "'" + s
    for v in ("plain", "", 5, -3.5, None, "a=b"):
        assert safe_csv_value(v) == v
    df = pd.DataFrame({"name": ["=HYPERLINK(1)", "ok"], "n": [-1.0, 2.0],
                       "cat": pd.Categorical(["@x", "y"])})
    out = safe_csv_frame(df)
    assert out["name"].tolist() == ["'=HYPERLINK(1)", "ok"]
    assert out["n"].tolist() == [-1.0, 2.0]
    assert out["cat"].astype(str).tolist() == ["'@x", "y"]


def test_base_population_from_an_extract_protects_all_and_cold_spots():
    from phdesk.core.disclosure import segment_classes

    inp = random_inputs(5, n_areas=30, n_assets=4, categories=("GP practice",))
    rng = np.random.default_rng(5)
    inp.segments = pd.DataFrame({"area_code": inp.areas["code"], "segment": "All",
                                 "population": rng.choice([1.0, 3, 6, 8, 12, 30], 30)})
    result = compute_mapping(inp, dataclasses.replace(PARAMS))
    classes = segment_classes({"All": "all"}, "segment extract total (All patients)")
    assert classes == {"All": PATIENT}
    t = protect_result(result, classes, DisclosureRule())
    cold = t["cold_spots"]
    exact = result.cold_spots
    assert len(cold) and (cold["population"].to_numpy()[exact["population"].between(1, 7)]
                          == SUPPRESSED).all()
    shown = [v for v in cold["population"] if v != SUPPRESSED]
    assert all(v % 5 == 0 for v in shown)
    ns = t["neighbourhood_segments"]
    assert all(v == SUPPRESSED or v % 5 == 0 for v in ns["population"])
