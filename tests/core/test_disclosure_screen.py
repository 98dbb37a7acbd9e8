"""Workshop mode's tables under the disclosure rule."""

from __future__ import annotations

import pandas as pd

from phdesk.core.disclosure import PATIENT, PUBLIC, SUPPRESSED, DisclosureRule
from phdesk.core.disclosure_screen import LOST, NET, NEW, screen_table

CLASSES = {"All": PUBLIC, "Core20": PUBLIC, "Frailty": PATIENT}


def test_gaps_of_patient_segments_are_whole_points_without_coverage():
    gaps = pd.DataFrame({"category": ["GP", "GP"], "segment": ["Core20", "Frailty"],
                         "gap_score": [12.345, 9.87], "coverage_pct": [40.123, 33.3]})
    out = screen_table("gaps", gaps, CLASSES, DisclosureRule())
    assert out.iloc[0].tolist() == ["GP", "Core20", 12.345, 40.123]      # public: as it was
    assert out.iloc[1].tolist() == ["GP", "Frailty", 10.0, SUPPRESSED]


def test_reach_counts_of_patient_segments_are_protected_with_their_net_change():
    reach = pd.DataFrame({"Segment": ["All", "Frailty", "Frailty"], "Category": ["GP"] * 3,
                          NEW: [12.0, 3.0, 40.0], LOST: [0.0, 0.0, 52.0],
                          NET: [12.0, 3.0, -12.0]})
    out = screen_table("reach", reach, CLASSES, DisclosureRule())
    assert out.iloc[0][[NEW, LOST, NET]].tolist() == [12.0, 0.0, 12.0]
    assert out.iloc[1][NEW] == SUPPRESSED and out.iloc[1][NET] == SUPPRESSED
    assert out.iloc[2][[NEW, LOST, NET]].tolist() == [40.0, 50.0, -10.0]


def test_figures_only_change_when_the_base_population_is_patient_derived():
    figures = pd.DataFrame({"figure": ["Residents", "Living in Core20 areas", "Assets"],
                            "value": ["1,234", "40%", "12"]})
    assert screen_table("figures", figures, CLASSES, DisclosureRule()).equals(figures)
    out = screen_table("figures", figures, {"All": PATIENT}, DisclosureRule())
    assert out["value"].tolist() == ["1,235", SUPPRESSED, "12"]
    off = DisclosureRule(enabled=False, reason="agreed")
    assert screen_table("figures", figures, {"All": PATIENT}, off).equals(figures)


def test_screen_rows_take_the_exports_protected_values_by_row():
    """Workshop rows picked from a result keep their index; patient-derived rows show the
    value the exports show for that row; public rows and unmatched rows as they must."""
    from phdesk.core.disclosure_screen import screen_from_protected

    exact = pd.DataFrame({"category": ["GP"] * 3, "segment": ["Core20", "Frailty", "Frailty"],
                          "gap_score": [12.3, 9.8, -4.1], "coverage_pct": [40.1, 33.3, 20.0]},
                         index=[10, 11, 12])
    protected = exact.astype(object).copy()
    protected.loc[11, ["gap_score", "coverage_pct"]] = [10.0, SUPPRESSED]
    protected.loc[12, ["gap_score", "coverage_pct"]] = [-4.0, 20.0]
    picked = exact.loc[[11, 10, 12]]
    out = screen_from_protected(picked, protected, {"gap_score": "gap_score",
                                                    "coverage_pct": "coverage_pct"}, CLASSES)
    assert out.loc[10].tolist() == ["GP", "Core20", 12.3, 40.1]
    assert out.loc[11].tolist() == ["GP", "Frailty", 10.0, SUPPRESSED]
    assert out.loc[12].tolist() == ["GP", "Frailty", -4.0, 20.0]
    other = picked.rename(index={12: 99})          # a row of another result: hidden
    out = screen_from_protected(other, protected, {"gap_score": "gap_score"}, CLASSES)
    assert out.loc[99, "gap_score"] == SUPPRESSED
