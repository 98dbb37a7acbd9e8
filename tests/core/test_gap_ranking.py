"""The one ranking of the biggest gaps (workshop and reports)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from phdesk.core.gap_ranking import (
    FEW_SITES,
    absent_everywhere,
    biggest_gaps,
    few_sites,
    headline_order,
    headlines,
    neighbourhood_headlines,
    scarce_categories,
)


def test_ranked_by_the_shown_score_one_place_per_category_and_never_all():
    shown = pd.DataFrame({
        "neighbourhood": "N1",
        "category": ["Archive", "Archive", "GP", "Library", "Dentist", "GP"],
        "segment": ["Core20", "IMD Q1 (most deprived)", "All", "Age 65+", "Core20", "Age 65+"],
        "gap_score": [15.9, 15.9, 40.0, "*", 12.0, 14.0]}, index=[10, 11, 12, 13, 14, 15])
    top = biggest_gaps(shown, 5)
    # "All" has no gap; "*" (suppressed) takes no place; Archive once, with its first row
    assert list(top.index) == [10, 15, 14]
    assert list(top["category"]) == ["Archive", "GP", "Dentist"]
    assert len(biggest_gaps(shown, 2)) == 2


def _headline_table() -> pd.DataFrame:
    # Archive: no one in the study area within reach (N1 and N2); GP: N1 has less than N2
    return pd.DataFrame({
        "neighbourhood": ["N1", "N1", "N2", "N2", "N1", "N2"],
        "segment": ["All", "All", "All", "All", "Core20", "Core20"],
        "category": ["Archive", "GP", "Archive", "GP", "GP", "GP"],
        "population": [5000.0, 5000.0, 4000.0, 4000.0, 900.0, 800.0],
        "access_ratio": [np.nan, 60.0, np.nan, 140.0, 40.0, 150.0],
        "no_site_pct": [100.0, 20.0, 100.0, 0.0, 30.0, 0.0],
        "gap_score": [1.0, 0.0, 1.0, 0.0, 3.0, -2.0]})


def test_a_category_absent_everywhere_is_said_once_not_as_every_headline():
    table = _headline_table()
    assert absent_everywhere(table) == ["Archive"]
    # the plain order still puts absence first (issue 8) ...
    plain = headline_order(table).drop_duplicates("neighbourhood").set_index("neighbourhood")
    assert set(plain["category"]) == {"Archive"}
    # ... the headlines leave out what is absent from the whole study area
    head = neighbourhood_headlines(table).set_index("neighbourhood")
    assert head.loc["N1", "category"] == "GP" and head.loc["N1", "segment"] == "Core20"
    assert head.loc["N2", "category"] == "GP"
    assert list(neighbourhood_headlines(table)["neighbourhood"]) == ["N1", "N2"]   # worst first


def test_absence_in_one_neighbourhood_still_leads_its_headline():
    table = _headline_table()
    table.loc[2, "no_site_pct"] = 90.0          # N2's residents: 10% reach an archive
    table.loc[2, "access_ratio"] = 100.0
    assert absent_everywhere(table) == []
    head = neighbourhood_headlines(table).set_index("neighbourhood")
    assert head.loc["N1", "category"] == "Archive"   # none within reach in N1, some elsewhere


def test_a_neighbourhood_with_only_absent_categories_keeps_its_absence():
    table = _headline_table()
    only = table[table["category"] == "Archive"]
    head = neighbourhood_headlines(only).set_index("neighbourhood")
    assert list(head["category"]) == ["Archive", "Archive"]
    assert absent_everywhere(table.drop(columns="no_site_pct")) == []


def test_a_segment_of_a_few_residents_never_leads_the_biggest_gaps():
    shown = pd.DataFrame({
        "neighbourhood": "Altrincham",
        "category": ["Library", "Food bank", "Dentist", "GP", "Pharmacy"],
        "segment": ["Ethnicity: White: Roma", "IMD Q5", "IMD Q3", "Core20", "Age 65+"],
        "population": [12.0, 8493.0, 1660.0, "*", 2100.0],    # "*": a suppressed count
        "gap_score": [18.4, 10.6, 4.8, 30.0, 2.0]})
    top = biggest_gaps(shown, 5)
    assert list(top["segment"]) == ["IMD Q5", "IMD Q3", "Age 65+", "Core20",
                                    "Ethnicity: White: Roma"]
    assert list(biggest_gaps(shown.drop(columns="population"), 2)["segment"]) == [
        "Core20", "Ethnicity: White: Roma"]   # no population: by score alone


def test_a_category_with_too_few_sites_is_said_once_not_as_headlines():
    """Trafford's one "Lostock High School run library" headlined 19 of 21 wards ("no site
    within reach"): a category with fewer than FEW_SITES sites cannot tell neighbourhoods apart."""
    table = _headline_table()
    table.loc[2, ["no_site_pct", "access_ratio"]] = [90.0, 100.0]   # some of N2 reach it
    sites = pd.Series({"Archive": 1, "GP": 40, "Hospice": 2, "Gym": 0})
    rules = sites.rename("sites").rename_axis("category").reset_index()   # category_rules
    assert few_sites(sites) == [("Archive", 1), ("Hospice", 2)]
    assert FEW_SITES == 3
    plain = neighbourhood_headlines(table).set_index("neighbourhood")
    assert plain.loc["N1", "category"] == "Archive"          # absence leads without the rule
    heads = headlines(table, rules)
    assert heads.absent == [] and heads.few == [("Archive", 1), ("Hospice", 2)]
    got = heads.gaps.set_index("neighbourhood")
    assert list(got["category"]) == ["GP", "GP"] and got.loc["N1", "segment"] == "Core20"
    assert list(got["sites"]) == [40, 40]
    # a category both absent everywhere and scarce is said once, as absent
    table.loc[2, ["no_site_pct", "access_ratio"]] = [100.0, np.nan]
    heads = headlines(table, rules)
    assert heads.absent == ["Archive"] and heads.few == [("Hospice", 2)]
    # only scarce categories: the worst of them stays the headline
    only = headlines(table[table["category"] == "Archive"], rules).gaps
    assert list(only["category"]) == ["Archive", "Archive"]
    empty = headlines(None, None)
    assert empty.gaps.empty and empty.absent == [] and empty.few == []


def test_biggest_gaps_put_categories_of_too_few_sites_after_the_others():
    """Altrincham's report listed four categories tied at 10.5 pp, three of them of one or two
    sites in all Trafford: no site near scores the segment's whole need share."""
    shown = pd.DataFrame({
        "neighbourhood": "Altrincham",
        "category": ["School library", "Children's centre", "Food bank", "Dentist"],
        "segment": ["IMD Q5"] * 3 + ["IMD Q3"],
        "population": [8389.0, 8389.0, 8389.0, 1645.0],
        "gap_score": [10.5, 10.5, 10.5, 4.8]})
    rules = pd.DataFrame({"category": ["School library", "Children's centre", "Food bank",
                                       "Dentist"], "sites": [1, 2, 7, 53]})
    aside = scarce_categories(rules)
    assert aside == ["School library", "Children's centre"]
    top = biggest_gaps(shown, 3, aside)
    assert list(top["category"]) == ["Food bank", "Dentist", "School library"]
    assert list(biggest_gaps(shown, 3)["category"]) == ["School library", "Children's centre",
                                                        "Food bank"]
    assert scarce_categories(None) == [] and scarce_categories(rules.drop(columns="sites")) == []
