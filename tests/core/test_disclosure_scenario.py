"""Disclosure control of a scenario comparison (reach, differences, areas) and of gap scores."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from phdesk.core.compare import ALL_NEIGHBOURHOODS, compare
from phdesk.core.disclosure import SUPPRESSED, DisclosureRule, protect
from phdesk.core.disclosure_compare import run_cells
from phdesk.core.disclosure_scenario import add_reach_cells, protect_comparison
from phdesk.core.disclosure_tables import protect_result
from tests.core.test_disclosure import attack
from tests.core.test_disclosure_tables import CLASSES, RARE, inputs_with_rare, runs  # noqa: F401

SUMS = ["newly_within_reach", "no_longer_within_reach"]


@pytest.fixture(scope="module")
def compared(runs):  # noqa: F811
    base, other = runs
    segments = inputs_with_rare().segments
    return base, other, segments, compare(base, other, segments=segments)


@pytest.mark.parametrize("rounding", [1, 5])
def test_no_hidden_reach_count_can_be_worked_out(compared, rounding):
    """An attacker with every shown count and every relation (areas -> neighbourhoods ->
    all neighbourhoods, newly - lost = change in people covered, both runs) cannot pin any
    hidden count to one value (the attacker's best bounds by linear programmes)."""
    base, other, segments, _ = compared
    rule = DisclosureRule(rounding_base=rounding)
    cells = run_cells(base, other, CLASSES)
    add_reach_cells(cells, base.area_access, other.area_access, {RARE}, segments)
    reach_keys = [k for k in cells.values if k[0] in SUMS]
    assert any(0 < cells.values[k] <= 7 for k in reach_keys), "the fixture needs small reach"
    p = protect(cells.values, cells.relations, rule)
    assert any(k in p.primary for k in reach_keys)
    for k, (lo, hi) in attack(cells.values, cells.relations, p, rule).items():
        assert math.floor(hi + 1e-6) - math.ceil(lo - 1e-6) >= 1, (k, lo, hi)


def test_comparison_tables_show_protected_counts_and_differences_of_them(compared):
    base, other, segments, cmp = compared
    out, p = protect_comparison(cmp, base, other, CLASSES, DisclosureRule(), segments=segments)
    assert p is not None
    exact = cmp.reach.set_index(["neighbourhood", "segment", "category"])
    rare = out.reach[out.reach["segment"] == RARE]
    assert ALL_NEIGHBOURHOODS in set(rare["neighbourhood"])
    for _, r in rare.iterrows():
        k = (r["neighbourhood"], r["segment"], r["category"])
        for c in SUMS:
            n = exact.loc[k, c]
            assert r[c] == SUPPRESSED if 1 <= n <= 7 else r[c] == SUPPRESSED or r[c] % 5 == 0
        if SUPPRESSED not in (r[SUMS[0]], r[SUMS[1]], r["net_change"]):
            assert r["net_change"] == r[SUMS[0]] - r[SUMS[1]]
    pd.testing.assert_frame_equal(out.reach[out.reach["segment"] != RARE],
                                  cmp.reach[cmp.reach["segment"] != RARE], check_dtype=False)
    areas = out.areas[out.areas["segment"] == RARE]
    assert len(areas) and (areas["access_2sfca_other"] == SUPPRESSED).all()
    assert all(v == SUPPRESSED or v % 5 == 0 for v in areas["population"])
    nbs = out.neighbourhoods[out.neighbourhoods["segment"] == RARE]
    assert (nbs["access_2sfca_change"] == SUPPRESSED).all()
    shown = nbs[(nbs[["coverage_pct_base", "coverage_pct_other"]] != SUPPRESSED).all(axis=1)]
    assert np.allclose(shown["coverage_pct_change"].astype(float),
                       shown["coverage_pct_other"].astype(float)
                       - shown["coverage_pct_base"].astype(float))
    off, none = protect_comparison(cmp, base, other, CLASSES,
                                   DisclosureRule(enabled=False, reason="test"))
    assert none is None and off is cmp


@pytest.mark.parametrize("threshold", [7, 1000])
def test_gap_scores_of_patient_segments_come_from_the_shown_counts(runs, threshold):  # noqa: F811
    """need = shown residents, provision = shown residents x access per resident, whole
    points; every score of a segment x category hidden when one neighbourhood is."""
    base, _ = runs
    ns = protect_result(base, CLASSES, DisclosureRule(threshold=threshold))[
        "neighbourhood_segments"]
    exact = base.neighbourhood_segments
    rare, ex = ns[ns["segment"] == RARE], exact[exact["segment"] == RARE]
    hidden = 0
    for cat, g in rare.groupby("category"):
        e = ex[ex["category"] == cat]
        known = e["gap_score"].notna().to_numpy()
        if (g["population"] == SUPPRESSED).any():
            hidden += 1
            assert (g["gap_score"].to_numpy()[known] == SUPPRESSED).all()
            continue
        need = g["population"].astype(float).to_numpy()
        prov = need * e["access_2sfca"].fillna(0).to_numpy()
        want = np.round(100 * (need / need.sum() - prov / prov.sum()))
        got = g["gap_score"].astype(float).to_numpy()
        assert np.allclose(got[known], want[known])
    assert hidden == (0 if threshold == 7 else rare["category"].nunique())
