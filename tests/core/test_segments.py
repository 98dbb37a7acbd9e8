"""Population segments: base population without double counting, built-in and user segments."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from phdesk.core.errors import UserError
from phdesk.core.segments import (
    age_groups,
    build_segments,
    collapse,
    delete_user_segment,
    list_user_segments,
    parse_age_band,
    save_user_segment,
    segment_population,
)


def rows(records, dataset="Pop", group_type="none", provenance_id=1):
    """records: (area, age_band, sex, group_name, count)."""
    df = pd.DataFrame(records, columns=["area_code", "age_band", "sex", "group_name", "count"])
    df["dataset"], df["group_type"], df["provenance_id"] = dataset, group_type, provenance_id
    return df


AGE_SEX = rows([(a, band, sex, "", c) for a, k in (("A", 1), ("B", 2))
                for band, sex, c in (("0-4", "male", 5 * k), ("0-4", "female", 6 * k),
                                     ("5-64", "male", 40 * k), ("5-64", "female", 41 * k),
                                     ("65+", "male", 8 * k), ("65+", "female", 10 * k))])


def seg(table, name):
    p = table.population
    return p[p.segment == name].set_index("area_code")["population"]


def test_parse_age_band():
    assert parse_age_band("0-4") == (0, 4)
    assert parse_age_band("Aged 5 to 9") == (5, 9)
    assert parse_age_band("85+") == (85, math.inf)
    assert parse_age_band("90 and over") == (90, math.inf)
    assert parse_age_band("under 1") == (0, 0)
    assert parse_age_band("all") is None


def test_a_band_of_one_year_is_named_by_that_year():
    groups = age_groups(["0-4", "5-9", "10-14", "15", "16-17", "18-19", "20-24", "90+"])
    assert groups["Age 15"] == ["15"] and "Age 15-15" not in groups
    assert groups["Age 16-17"] == ["16-17"] and groups["Age 0-15"][-1] == "15"


def test_age_groups_from_bands():
    groups = age_groups(["0-4", "5-15", "16-24", "25-64", "65-74", "75+"])
    assert groups["Age 0-4"] == ["0-4"]
    assert groups["Age 0-15"] == ["0-4", "5-15"]
    assert groups["Age 16+"] == ["16-24", "25-64", "65-74", "75+"]   # nearest boundary to 18
    assert groups["Age 65+"] == ["65-74", "75+"]


def test_base_population_sums_age_by_sex_once():
    t = build_segments(AGE_SEX)
    assert seg(t, "All").to_dict() == {"A": 110, "B": 220}
    assert seg(t, "Age 0-4").to_dict() == {"A": 11, "B": 22}
    assert seg(t, "Age 65+").to_dict() == {"A": 18, "B": 36}


def test_totals_next_to_breakdowns_are_not_double_counted():
    both = pd.concat([AGE_SEX, rows([("A", "all", "all", "", 111), ("B", "all", "all", "", 222),
                                     ("A", "0-4", "all", "", 12)])])
    t = build_segments(both)
    assert seg(t, "All").to_dict() == {"A": 111, "B": 222}
    # A has a both-sexes row for 0-4: used instead of male + female
    assert seg(t, "Age 0-4").to_dict() == {"A": 12, "B": 22}
    assert collapse(both, ["area_code"], sex="female").to_dict() == {"A": 57, "B": 114}


def test_latest_population_dataset_is_used_and_named():
    old = rows([("A", "all", "all", "", 50)], dataset="Old", provenance_id=1)
    new = rows([("A", "all", "all", "", 70)], dataset="New", provenance_id=2)
    t = build_segments(pd.concat([new, old]))
    assert seg(t, "All").to_dict() == {"A": 70}
    assert t.info["population_dataset"] == "New"
    assert "New" in t.info["population_note"]


def test_the_most_recent_figures_come_before_the_newest_import():
    mye = rows([("A", "all", "all", "", 70)], dataset="ONS mid-2022 estimates", provenance_id=1)
    census = rows([("A", "all", "all", "", 65)], dataset="Census 2021 TS007A", provenance_id=2)
    t = build_segments(pd.concat([census, mye]))
    assert seg(t, "All").to_dict() == {"A": 70}
    assert "'ONS mid-2022 estimates' used there (more recent figures, 2022 against 2021)" in \
        t.info["population_note"]
    # the same for an ethnic group two censuses give (the later census imported first)
    e21 = rows([("A", "all", "all", "Asian", 30)], dataset="Census 2021 TS021",
               group_type="ethnicity", provenance_id=3)
    e11 = rows([("A", "all", "all", "Asian", 20)], dataset="Census 2011 ethnic group",
               group_type="ethnicity", provenance_id=4)
    t = build_segments(pd.concat([mye, e21, e11]))
    assert seg(t, "Ethnicity: Asian").to_dict() == {"A": 30}
    t = build_segments(pd.concat([e21, e11]))             # no population rows: their sum
    assert seg(t, "All").to_dict() == {"A": 30}


def test_fallback_to_ethnic_groups_without_subgroups_or_totals():
    eth = rows([("A", "all", "all", "White", 60), ("A", "all", "all", "Asian", 30),
                ("A", "all", "all", "Asian: Indian", 20), ("A", "all", "all", "Total", 90)],
               group_type="ethnicity")
    t = build_segments(eth)
    assert seg(t, "All").to_dict() == {"A": 90}
    assert t.info["population_source"] == "sum of ethnic groups"
    assert seg(t, "Ethnicity: Asian").to_dict() == {"A": 30}


def test_fallback_to_segment_extract_total():
    s = rows([("A", "all", "all", "All patients", 500), ("A", "all", "all", "Frailty", 40)],
             group_type="segment")
    t = build_segments(s)
    assert seg(t, "All").to_dict() == {"A": 500}
    assert seg(t, "Frailty").to_dict() == {"A": 40}
    assert build_segments(s[s.group_name == "Frailty"]).population.empty


def test_core20_and_quintiles_follow_deciles():
    t = build_segments(AGE_SEX, deciles=pd.Series({"A": 2.0, "B": 7.0}))
    assert seg(t, "Core20").to_dict() == {"A": 110, "B": 0}
    assert seg(t, "IMD Q1 (most deprived)").to_dict() == {"A": 110, "B": 0}
    assert seg(t, "IMD Q4").to_dict() == {"A": 0, "B": 220}
    assert t.kinds["Core20"] == "imd"
    # every resident is in exactly one quintile
    quint = t.population[t.population.segment.str.startswith("IMD Q")]
    assert quint.groupby("area_code")["population"].sum().to_dict() == {"A": 110, "B": 220}


def test_user_segments():
    user = {"Older women, Core20": {"age_bands": ["Age 65+"], "sex": "female",
                                    "imd_deciles": [1, 2]},
            "Young": {"age_bands": ["0-4"]}}
    t = build_segments(AGE_SEX, deciles=pd.Series({"A": 1.0, "B": 9.0}), user_segments=user)
    assert seg(t, "Older women, Core20").to_dict() == {"A": 10, "B": 0}
    assert seg(t, "Young").to_dict() == {"A": 11, "B": 22}
    assert t.kinds["Young"] == "user"


def test_user_segment_of_extract_segments():
    s = rows([("A", "all", "all", "Frailty", 40), ("A", "all", "all", "Dementia", 5)],
             group_type="segment", dataset="Ext", provenance_id=3)
    t = build_segments(pd.concat([AGE_SEX, s]),
                       user_segments={"Frail or dementia": {"segments": ["Frailty", "Dementia"]},
                                      "Frail women": {"segments": ["Frailty"], "sex": "female"}})
    assert seg(t, "Frail or dementia").to_dict() == {"A": 45, "B": 0}
    assert seg(t, "Frail women").sum() == 0
    assert any("Frail women" in n for n in t.info["notes"])


def test_save_list_delete_user_segments(project):
    save_user_segment(project, "Older", {"age_bands": ["65+"]})
    save_user_segment(project, "Older", {"age_bands": ["65+"], "sex": "male"})
    assert list_user_segments(project) == {"Older": {"age_bands": ["65+"], "sex": "male"}}
    with pytest.raises(UserError, match="sex"):
        save_user_segment(project, "Bad", {"sex": "other"})
    with pytest.raises(UserError, match="unknown keys"):
        save_user_segment(project, "Bad", {"colour": "red"})
    with pytest.raises(UserError, match="deciles"):
        save_user_segment(project, "Bad", {"imd_deciles": [0, 11]})
    assert delete_user_segment(project, "Older") is True
    assert delete_user_segment(project, "Older") is False
    assert list_user_segments(project) == {}


def test_segment_population_from_a_project(project):
    with project.transaction() as db:
        db["provenance"].insert({"id": 1, "file_name": "p.csv", "sha256": "x", "kind": "population",
                                 "rows_read": 1, "rows_accepted": 1, "rows_rejected": 0,
                                 "imported_at": "2026-01-01", "phdesk_version": "0"})
        db["population"].insert_all(AGE_SEX.to_dict("records"))
        db["deprivation"].insert_all([
            {"area_code": "A", "edition": 2015, "domain": "imd", "decile": 9},
            {"area_code": "A", "edition": 2019, "domain": "imd", "decile": 1},
            {"area_code": "B", "edition": 2019, "domain": "imd", "decile": 5}])
    save_user_segment(project, "Babies", {"age_bands": ["0-4"]})
    df = segment_population(project)
    assert list(df.columns) == ["area_code", "segment", "population"]
    got = df.set_index(["segment", "area_code"])["population"]
    assert got["Core20"].to_dict() == {"A": 110, "B": 0}     # the 2019 edition, not 2015
    assert got["Babies"].to_dict() == {"A": 11, "B": 22}


def test_broad_ethnic_groups_are_made_from_census_subgroups():
    eth = rows([("A", "all", "all", "Asian: Indian", 20), ("A", "all", "all", "Asian: Other", 5),
                ("A", "all", "all", "White: Irish", 7), ("A", "all", "all", "White", 70),
                ("B", "all", "all", "Asian: Indian", 1)], group_type="ethnicity")
    t = build_segments(pd.concat([AGE_SEX, eth]))
    assert seg(t, "Ethnicity: Asian").to_dict() == {"A": 25, "B": 1}
    assert seg(t, "Ethnicity: Asian: Indian").to_dict() == {"A": 20, "B": 1}
    assert seg(t, "Ethnicity: White").to_dict() == {"A": 70, "B": 0}   # its own row, not summed
    assert seg(t, "All").to_dict() == {"A": 110, "B": 220}             # population, not ethnicity


def test_age_segments_are_in_age_order():
    shuffled = AGE_SEX.sort_values("age_band", ascending=False)
    names = [s for s in build_segments(shuffled).kinds if s.startswith("Age ")]
    assert names[:3] == ["Age 0-4", "Age 5-64", "Age 65+"]


def test_broad_age_groups_need_a_band_edge_near_their_target():
    groups = age_groups(["0-4", "5-64", "65+"])
    assert "Age 5+" not in groups and "Age 65+" in groups


def test_user_segment_by_broad_ethnic_group():
    eth = rows([("A", "all", "all", "Asian: Indian", 20), ("A", "all", "all", "Asian: Other", 5),
                ("A", "all", "all", "White: Irish", 7)], group_type="ethnicity")
    t = build_segments(pd.concat([AGE_SEX, eth]),
                       user_segments={"Asian": {"ethnicity": ["Ethnicity: Asian"]},
                                      "Indian": {"ethnicity": ["Asian: Indian"]}})
    assert seg(t, "Asian").to_dict() == {"A": 25, "B": 0}
    assert seg(t, "Indian").to_dict() == {"A": 20, "B": 0}
