"""LSOA 2011 <-> 2021: the ONS lookup importer, and deprivation and population bridged at read
time (fixtures in tests/core/imports/fixtures_vintages.py, in the published layouts)."""

from __future__ import annotations

import pandas as pd
import pytest

from phdesk.core.errors import UserError
from phdesk.core.imports import detect, run_import
from phdesk.core.mapping import load_inputs
from phdesk.core.segments import project_segments
from phdesk.core.vintage_coverage import coverage, coverage_lines
from phdesk.core.vintages import area_deprivation
from phdesk.store import vintages as sv
from phdesk.store.queries import areas_frame
from tests.core.imports import fixtures_vintages as fv
from tests.core.imports.fixtures_a import write_csv


def deciles(project) -> dict:
    f = area_deprivation(project).frame
    return dict(zip(f["area_code"], f["decile"], strict=True))


def how(project) -> dict:
    f = area_deprivation(project).frame
    return dict(zip(f["area_code"], f["how"], strict=True))


def people(project, segment="All") -> dict:
    seg = project_segments(project).population
    s = seg[seg["segment"] == segment]
    return {str(a): round(float(p), 6) for a, p in zip(s["area_code"], s["population"],
                                                        strict=True)}


# -- the lookup importer ------------------------------------------------------------------------
def test_best_fit_lookup_detected_by_content_and_stored(project, tmp_path):
    path = fv.write_best_fit(tmp_path / "lookup.csv")
    kind, reason = detect(path)
    assert kind == "lsoa-lookup" and "best-fit" in reason and "'LSOA11CD'" in reason
    rep = run_import(project, path)
    assert rep.rows_accepted == 4 and rep.details["fit"] == "best"
    assert rep.details["merged_2021_areas"] == 1
    assert any("names only one of its 2021 children" in w for w in rep.warnings)
    pairs = sv.lookup_pairs(project)
    assert sorted(zip(pairs["lsoa11_code"], pairs["lsoa21_code"])) == sorted(fv.BEST)


def test_exact_fit_lookup_with_change_indicator_wins_over_best_fit(project, tmp_path):
    run_import(project, fv.write_best_fit(tmp_path / "best.csv"))
    path = fv.write_exact_fit(tmp_path / "exact.csv")
    kind, reason = detect(path)
    assert kind == "lsoa-lookup" and "'CHGIND'" in reason
    rep = run_import(project, path)
    assert rep.details["changes"] == {"merged": 2, "split": 2, "unchanged": 1}
    pairs = sv.lookup_pairs(project)
    assert sorted(zip(pairs["lsoa11_code"], pairs["lsoa21_code"], pairs["change"])) == sorted(
        fv.EXACT)


def test_bad_change_indicator_and_malformed_code_are_rejected_with_row(project, tmp_path):
    rows = [[fv.P1, "a", fv.P1, "a", "U", *fv.LAD, "", 1],
            [fv.P3, "a", fv.M, "a", "M", *fv.LAD, "", 4],
            [fv.P4, "a", fv.M, "a", "M", *fv.LAD, "", 5],
            [fv.P2, "b", fv.C1, "b", "Q", *fv.LAD, "", 2],
            ["E0100", "c", fv.C2, "c", "S", *fv.LAD, "", 3]]
    path = write_csv(tmp_path / "exact.csv", fv.EXACT_FIT_HEADER, rows)
    rep = run_import(project, path, accept_partial=True)
    rej = rep.sorted_rejections()
    assert rej[["row", "column"]].values.tolist() == [[5, "CHGIND"], [6, "LSOA11CD"]]
    assert project.scalar("SELECT count(*) FROM lsoa_lookup") == 3


def test_postcode_directory_with_both_lsoa_columns_is_not_a_lookup(tmp_path):
    path = write_csv(tmp_path / "pcd.csv", ["pcd", "lsoa11cd", "lsoa21cd", "lat", "long"],
                     [["N1 0AA", fv.P1, fv.P1, 51.5, -0.1]])
    assert detect(path)[0] != "lsoa-lookup"


# -- both vintages of boundaries ------------------------------------------------------------------
def test_2011_boundaries_beside_2021_areas_are_kept_for_bridging_only(project, tmp_path):
    run_import(project, fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021))
    rep = run_import(project, fv.write_boundaries(tmp_path / "lsoa11.geojson", 2011))
    assert rep.details["use"] == "bridge"
    assert any("kept for bridging" in w for w in rep.warnings)
    areas = areas_frame(project)
    assert sorted(areas["code"]) == sorted(fv.GEOM21) and set(areas["vintage"]) == {2021}
    assert sorted(sv.bridge_geometries(project, 2011)["code"]) == sorted(fv.GEOM11)


def test_2021_boundaries_after_2011_ones_become_the_areas(project, tmp_path):
    run_import(project, fv.write_boundaries(tmp_path / "lsoa11.geojson", 2011))
    rep = run_import(project, fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021))
    assert rep.details["use"] == "retire"
    assert sorted(areas_frame(project)["code"]) == sorted(fv.GEOM21)
    assert sorted(sv.bridge_geometries(project, 2011)["code"]) == sorted(fv.GEOM11)


def test_use_option_checked(project, tmp_path):
    with pytest.raises(UserError, match="option use must be"):
        run_import(project, fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021),
                   options={"use": "maybe"})


# -- deprivation ----------------------------------------------------------------------------------
@pytest.mark.parametrize("order", ["boundaries first", "data first"])
def test_iod2019_on_2021_areas_split_merge_and_overlay(project, tmp_path, order):
    files = [fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021),
             fv.write_iod2019(tmp_path / "File_1.csv"),
             fv.write_best_fit(tmp_path / "lookup.csv")]
    for f in files if order == "boundaries first" else files[::-1]:
        run_import(project, f)
    # without the 2011 boundaries the child missing from the best-fit file has no decile
    assert pd.isna(deciles(project)[fv.C1])
    assert any(fv.C1 in n and "no IMD decile" in n for n in area_deprivation(project).notes)
    run_import(project, fv.write_boundaries(tmp_path / "lsoa11.geojson", 2011))
    assert deciles(project) == {fv.P1: 5, fv.C1: 1, fv.C2: 1, fv.M: 2}   # M: P3, most deprived
    assert how(project) == {fv.P1: "same code", fv.C1: "overlay", fv.C2: "split",
                            fv.M: "merged"}
    dep = area_deprivation(project)
    assert dep.edition == 2019 and dep.summary["without_decile"] == 0
    assert "IoD 2019 (LSOA 2011 codes) bridged" in dep.notes[0]
    ranks = dict(zip(dep.frame["area_code"], dep.frame["rank"], strict=True))
    assert ranks[fv.M] == 5000 and ranks[fv.C1] == 1000


def test_exact_fit_lookup_needs_no_overlay(project, tmp_path):
    for f in [fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021),
              fv.write_iod2019(tmp_path / "File_1.csv"),
              fv.write_exact_fit(tmp_path / "exact.csv")]:
        run_import(project, f)
    assert deciles(project) == {fv.P1: 5, fv.C1: 1, fv.C2: 1, fv.M: 2}
    assert how(project)[fv.C1] == "split"


def test_edition_on_the_areas_vintage_wins_and_is_named(project, tmp_path):
    for f in [fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021),
              fv.write_iod2025(tmp_path / "imd2025_england_lsoa21.csv"),
              fv.write_iod2019(tmp_path / "File_1.csv"),       # imported last, still not used
              fv.write_best_fit(tmp_path / "lookup.csv")]:
        run_import(project, f)
    dep = area_deprivation(project)
    assert dep.edition == 2025
    assert deciles(project) == {c: d for c, (d, _, _) in fv.IOD2025.items()}
    assert set(dep.frame["how"]) == {"same code"}


def test_mapping_inputs_carry_bridged_deciles_and_notes(project, tmp_path):
    for f in [fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021),
              fv.write_boundaries(tmp_path / "lsoa11.geojson", 2011),
              fv.write_iod2019(tmp_path / "File_1.csv"),
              fv.write_best_fit(tmp_path / "lookup.csv"),
              fv.write_london_pop(tmp_path / "london-mid2020-pop.csv")]:
        run_import(project, f)
    inputs = load_inputs(project)
    got = dict(zip(inputs.areas["code"], inputs.areas["imd_decile"], strict=True))
    assert got == {fv.P1: 5, fv.C1: 1, fv.C2: 1, fv.M: 2}
    assert any("bridged" in n for n in inputs.info["notes"])
    assert inputs.info["imd_edition"] == 2019


# -- population ------------------------------------------------------------------------------
def test_2011_population_split_by_area_and_merged_by_sum(project, tmp_path):
    for f in [fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021),
              fv.write_boundaries(tmp_path / "lsoa11.geojson", 2011),
              fv.write_best_fit(tmp_path / "lookup.csv"),
              fv.write_london_pop(tmp_path / "london-mid2020-pop.csv")]:
        run_import(project, f)
    got = people(project)
    # P2's 2,000 people: 30% of its polygon is C1, 70% is C2; P3 + P4 = M
    assert got == {fv.P1: 1500, fv.C1: 600, fv.C2: 1400, fv.M: 1600}
    assert sum(got.values()) == sum(fv.POP2020.values())       # nobody dropped
    notes = project_segments(project).info["notes"]
    assert any("4 areas of another LSOA vintage" not in n and "carried onto" in n
               and "shared by area" in n for n in notes)


def test_2011_population_split_equally_without_2011_boundaries(project, tmp_path):
    for f in [fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021),
              fv.write_exact_fit(tmp_path / "exact.csv"),
              fv.write_london_pop(tmp_path / "london-mid2020-pop.csv")]:
        run_import(project, f)
    assert people(project) == {fv.P1: 1500, fv.C1: 1000, fv.C2: 1000, fv.M: 1600}


def test_population_that_cannot_be_bridged_is_named_not_dropped_silently(project, tmp_path):
    run_import(project, fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021))
    run_import(project, fv.write_london_pop(tmp_path / "london-mid2020-pop.csv"))
    notes = project_segments(project).info["notes"]
    hit = [n for n in notes if "cannot be bridged" in n]
    assert hit and all(c in hit[0] for c in (fv.P2, fv.P3, fv.P4))
    assert "3,600 residents not counted" in hit[0]
    cov = coverage(project)
    assert cov["areas_without_population"] == 3
    assert any("cannot be bridged" in line for line in coverage_lines(cov))


def test_population_datasets_for_different_places_combine(project, tmp_path):
    other = {"E01000001": 1000, "E01000002": 1200}
    run_import(project, fv.write_london_pop(tmp_path / "london-mid2020-pop.csv",
                                            {fv.P1: 1500}))
    run_import(project, fv.write_london_pop(tmp_path / "london-mid2019-pop.csv", other))
    got = people(project)
    assert got == {fv.P1: 1500, "E01000001": 1000, "E01000002": 1200}
    info = project_segments(project).info
    assert "each for its own areas" in info["population_note"]


def test_where_two_datasets_cover_an_area_the_planners_order_decides(project, tmp_path):
    run_import(project, fv.write_london_pop(tmp_path / "london-mid2020-pop.csv", {fv.P1: 1500}))
    run_import(project, fv.write_london_pop(tmp_path / "london-mid2019-pop.csv", {fv.P1: 1400}))
    # by default the most recent figures, not the newest import: mid-2020 was imported first
    assert people(project) == {fv.P1: 1500}
    assert "(more recent figures, 2020 against 2019)" in \
        project_segments(project).info["population_note"]
    sv.set_population_order(project, ["ONS mid-2019 estimates"])
    assert people(project) == {fv.P1: 1400}
    assert "the project's setting" in project_segments(project).info["population_note"]


def test_datasets_of_the_same_year_or_none_fall_back_to_the_newest_import(project, tmp_path):
    run_import(project, fv.write_london_pop(tmp_path / "london-mid2020-pop.csv", {fv.P1: 1500}))
    run_import(project, fv.write_london_pop(tmp_path / "london-mid2020-pop.csv", {fv.P1: 1450}),
               options={"dataset": "Borough estimates 2020"})
    assert people(project) == {fv.P1: 1450}                         # the same year: newest
    assert "(newest import)" in project_segments(project).info["population_note"]
    run_import(project, fv.write_london_pop(tmp_path / "ours.csv", {fv.P1: 1300}),
               options={"dataset": "Our own counts"})
    assert people(project) == {fv.P1: 1450}           # a name without a year comes after


def test_dataset_year_reads_the_year_a_name_gives():
    from phdesk.core.vintage_population import dataset_year, default_order

    assert dataset_year("ONS mid-2022 estimates") == 2022
    assert dataset_year("Census 2021 TS007A") == 2021
    assert dataset_year("trafford_population_2024") == 2024
    assert dataset_year("Census 2021 TS007A for 2023 wards") == 2023   # the last year named
    assert dataset_year("Our own counts") is None
    assert dataset_year("Area 12345 counts") is None                 # not a year: five digits
    newest = pd.Series({"Census 2021 TS007A": 3.0, "ONS mid-2022 estimates": 2.0,
                        "Our own counts": 9.0, "ONS mid-2021 estimates": 1.0})
    assert default_order(newest) == ["ONS mid-2022 estimates", "Census 2021 TS007A",
                                     "ONS mid-2021 estimates", "Our own counts"]


# -- coverage --------------------------------------------------------------------------------
def test_coverage_counts_areas_and_residents_without_decile_or_population(project, tmp_path):
    for f in [fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021),
              fv.write_iod2019(tmp_path / "File_1.csv"),
              fv.write_best_fit(tmp_path / "lookup.csv"),
              fv.write_london_pop(tmp_path / "london-mid2020-pop.csv")]:
        rep = run_import(project, f)
    # no 2011 boundaries: C1 has no decile (and its share of P2 is not known: equal split
    # is impossible without knowing C1 is P2's child, so P2 goes whole to C2)
    cov = coverage(project)
    assert cov["areas"] == 4 and cov["areas_without_decile"] == 1
    assert cov["residents_without_decile"] == 0 and cov["areas_without_population"] == 1
    assert cov["Core20"] == 2000 + 1600            # C2 (decile 1) and M (decile 2)
    assert rep.details["coverage"]["areas_without_decile"] == 1
    assert "no IMD decile (IoD 2019): 1 area," in rep.to_text()


def test_prefer_option_sets_the_planners_order(project, tmp_path):
    run_import(project, fv.write_london_pop(tmp_path / "london-mid2019-pop.csv", {fv.P1: 1400}),
               options={"prefer": "this"})
    run_import(project, fv.write_london_pop(tmp_path / "london-mid2020-pop.csv", {fv.P1: 1500}))
    assert sv.population_order(project) == ["ONS mid-2019 estimates"]
    assert people(project) == {fv.P1: 1400}   # neither the newest nor the latest: the planner's
    run_import(project, fv.write_london_pop(tmp_path / "london-mid2019-pop.csv", {fv.P1: 1400}),
               options={"prefer": "others"})
    assert people(project) == {fv.P1: 1500}
    with pytest.raises(UserError, match="option prefer must be"):
        run_import(project, fv.write_london_pop(tmp_path / "x-mid2020-pop.csv", {fv.P1: 1}),
                   options={"prefer": "mine"})
