"""Mapping at the edges: nobody covered, everybody covered, missing IMD, unplaced categories,
duplicate points, empty segments, awkward names in the CSV files."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from phdesk.core.errors import UserError
from phdesk.core.mapping import MappingParams, compute_mapping, write_outputs
from tests.core.mapping_data import random_inputs, tiny_inputs


def _quiet(inputs, params=None):
    """compute_mapping with every warning an error (no divide-by-zero noise allowed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return compute_mapping(inputs, params)


def test_no_coverage_anywhere_gives_no_inequality_and_no_negative_rii():
    # radius 1 m: no area point is that close to an asset, so coverage and access are 0 in
    # every IMD decile. Coverage (logit of the empirical proportion): no slope, RII 1. Access:
    # the log cannot take 0, so the linear model, whose RII 0 / 0 is left empty with a note.
    inputs = random_inputs(3, categories=("Pharmacy",))
    params = MappingParams(default_radius_m=1.0, radius_override=True, sii_repetitions=1000)
    result = _quiet(inputs, params)
    assert (result.area_access["assets_within"] == 0).all()
    ineq = result.inequality.set_index("measure")
    assert set(ineq.index) == {"coverage", "access_2sfca"} and (ineq["deciles"] == 10).all()
    cov, acc = ineq.loc["coverage"], ineq.loc["access_2sfca"]
    assert (cov["model"] == "logit").all() and (acc["model"] == "linear").all()
    assert np.allclose(cov["sii"], 0, atol=1e-9) and np.allclose(cov["rii"], 1, atol=1e-9)
    assert (cov[["rii", "rii_lower", "rii_upper"]] > 0).all().all()
    assert (acc["sii"] == 0).all() and (acc["intercept"] == 0).all()
    assert acc[["rii", "rii_lower", "rii_upper"]].isna().all().all()
    assert acc["note"].str.contains("rii left empty").all()


def test_equal_provision_everywhere_ties_gap_scores_at_zero():
    # a radius larger than the whole extent: every area reaches every asset, so each
    # neighbourhood's share of provision equals its share of need exactly
    inputs = random_inputs(5, categories=("Pharmacy",))
    result = _quiet(inputs, MappingParams(default_radius_m=1e6, radius_override=True,
                                          sii_repetitions=1000))
    ns = result.neighbourhood_segments
    assert ns["neighbourhood"].nunique() == 4
    assert (ns["coverage_pct"] == 100).all() and (ns["choice_pct"] == 100).all()
    assert np.allclose(ns["access_ratio"], 100) and np.allclose(ns["duplicated_pct"], 0)
    assert (ns["gap_score"] == 0).all()
    assert not np.signbit(ns["gap_score"].to_numpy(dtype=float)).any()   # no "-0.0" in the CSV
    assert (ns["gap_rank"] == 1).all()       # a tie, not an order made of rounding error


def test_gap_score_rank_and_per_10k_by_hand():
    # tiny_inputs: A (100 people, N1) has X (capacity 2); B (300, N2) has Y (capacity 1).
    # radius 1000 m: X reaches A and B, Y reaches B only.
    # R_X = 2/400, R_Y = 1/300; A_A = 5, A_B = 5 + 10/3 per 1,000.
    # provision: N1 100*5 = 500, N2 300*(25/3) = 2500 of 3000; need: N1 1/4, N2 3/4
    ns = _quiet(tiny_inputs()).neighbourhood_segments.set_index("neighbourhood")
    assert ns.loc["N1", "gap_score"] == pytest.approx(100 * (1 / 4 - 500 / 3000))
    assert ns.loc["N2", "gap_score"] == pytest.approx(100 * (3 / 4 - 2500 / 3000))
    assert list(ns.sort_values("gap_rank").index) == ["N1", "N2"]
    assert ns.loc["N1", "assets_per_10k"] == pytest.approx(1 / 100 * 10_000)
    assert ns.loc["N2", "assets_per_10k"] == pytest.approx(1 / 300 * 10_000)


def test_missing_imd_is_noted():
    none = tiny_inputs()
    none.areas["imd_decile"] = np.nan
    result = _quiet(none)
    ineq = result.inequality
    assert len(ineq) == 2 and ineq["sii"].isna().all() and (ineq["deciles"] == 0).all()
    assert not ineq["extrapolated"].any()
    assert ineq["note"].str.contains("no IMD deciles").all()
    assert any("no IMD deciles" in n for n in result.summary["notes"])
    some = tiny_inputs()
    some.areas.loc[0, "imd_decile"] = np.nan
    notes = _quiet(some).summary["notes"]
    assert any("1 area (100 residents) without an IMD decile" in n for n in notes)


def test_category_without_placed_assets_is_named_in_the_notes():
    inputs = tiny_inputs()
    inputs.assets.loc[len(inputs.assets)] = [9, "Hub", "Family hub", np.nan, np.nan, 1.0, None]
    result = _quiet(inputs)
    assert "Family hub" not in set(result.neighbourhood_segments["category"])
    assert any("not mapped: Family hub" in n for n in result.summary["notes"])


def test_duplicate_points_are_two_assets_and_a_choice():
    inputs = tiny_inputs()
    inputs.assets.loc[1, ["easting", "northing"]] = [0.0, 0.0]     # Y on top of X
    result = _quiet(inputs, MappingParams(default_radius_m=100.0, radius_override=True))
    ns = result.neighbourhood_segments.set_index("neighbourhood")
    assert ns.loc["N1", "assets_inside"] == 2
    assert ns.loc["N1", "choice_pct"] == 100
    assert result.area_access.set_index("area_code").loc["A", "assets_within"] == 2


def test_segment_with_nobody_in_a_neighbourhood_is_nan_not_zero():
    inputs = tiny_inputs()
    inputs.segments = pd.concat([inputs.segments, pd.DataFrame(
        {"area_code": ["A", "B"], "segment": "Age 65+", "population": [0.0, 50.0]})])
    inputs.settings = pd.DataFrame({"category": ["Pharmacy"], "radius_m": [1000.0],
                                    "serves": [["All", "Age 65+"]], "universal": [False]})
    result = _quiet(inputs)
    ns = result.neighbourhood_segments
    row = ns[(ns["neighbourhood"] == "N1") & (ns["segment"] == "Age 65+")].iloc[0]
    for col in ("coverage_pct", "coverage_pct_r050", "choice_pct", "assets_per_10k",
                "access_2sfca", "access_ratio", "duplicated_pct", "gap_score"):
        assert np.isnan(row[col]), col
    assert pd.isna(row["gap_rank"])
    other = ns[(ns["neighbourhood"] == "N2") & (ns["segment"] == "Age 65+")].iloc[0]
    assert other["gap_rank"] == 1 and other["coverage_pct"] == 100


def test_awkward_names_survive_the_csv_round_trip(tmp_path):
    inputs = tiny_inputs()
    odd_cat, odd_nb = 'Café, "Hub" — ü', "Nörth, 'East'"
    inputs.assets["category"] = odd_cat
    inputs.assets["name"] = ['X, "the" one', "Ÿ"]
    inputs.areas["neighbourhood"] = [odd_nb, "All"]   # one named like a segment
    result = _quiet(inputs)
    write_outputs(result, tmp_path)
    for name in ("neighbourhood_segments", "area_access", "assets"):
        back = pd.read_csv(tmp_path / f"{name}.csv")
        orig = getattr(result, name)
        for col in ("category", "neighbourhood", "name"):
            if col in orig:
                assert back[col].tolist() == orig[col].astype(str).tolist(), (name, col)
    ns = pd.read_csv(tmp_path / "neighbourhood_segments.csv")
    assert set(ns["neighbourhood"]) == {odd_nb, "All"} and set(ns["segment"]) == {"All"}


def test_category_selection_is_case_blind_and_takes_every_spelling():
    inputs = tiny_inputs(second_category=True)
    inputs.assets.loc[1, "category"] = "pharmacy"          # the register spells it two ways
    result = _quiet(inputs, MappingParams(categories=["PHARMACY", "Pharmacy"]))
    assert set(result.assets["category"]) == {"Pharmacy", "pharmacy"}
    with pytest.raises(UserError, match=r"'Gym'.*categories are: Library, Pharmacy, pharmacy"):
        compute_mapping(inputs, MappingParams(categories=["Gym", "library"]))


def test_cli_map_states_the_population_dataset_and_notes(project, tmp_path, capsys):
    from phdesk.cli import main
    from tests.core.test_mapping_run import fill_tiny_project

    fill_tiny_project(project)            # two population datasets, one asset without a place
    path = project.path
    project.close()
    assert main(["map", str(path), "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "population: New estimates" in err
    # both datasets cover the same areas: the newest import is used there, and the run says so
    assert "'New estimates' used there (newest import)" in err
    assert "1 assets without coordinates skipped" in err
    assert main(["map", str(path), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert "population:" not in capsys.readouterr().err


def test_cancel_after_the_run_is_recorded_returns_the_result(project):
    from phdesk.core.mapping import run_mapping
    from phdesk.store import queries
    from tests.core.test_mapping_run import fill_tiny_project

    fill_tiny_project(project)

    def cancelled():   # the user presses Cancel just as the run is being saved
        return project.scalar("SELECT count(*) FROM mapping_runs") > 0

    result = run_mapping(project, cancelled=cancelled)
    assert result.run_id == queries.last_mapping_run(project)["id"]


def test_capacity_missing_counts_as_one_and_zero_offers_nothing():
    inputs = tiny_inputs()
    inputs.assets["capacity"] = [np.nan, 0.0]      # X: unknown capacity, Y: none
    a = _quiet(inputs).area_access.set_index("area_code")
    # only X offers anything: R_X = 1 / 400 people -> 2.5 per 1,000 for A and B alike
    assert a.loc["A", "access_2sfca"] == pytest.approx(2.5)
    assert a.loc["B", "access_2sfca"] == pytest.approx(2.5)
    assert a.loc["B", "assets_within"] == 2 and a.loc["B", "covered"]   # Y still covers B


def test_two_boroughs_files_of_one_ethnicity_dataset_are_both_used():
    from phdesk.core.segments import build_segments

    # one dataset label imported as two files (two boroughs: provenance 1 and 2), then a newer
    # dataset for borough B only (provenance 3): A keeps the first dataset, B takes the newer
    first = pd.DataFrame({"dataset": "Census ethnic group", "area_code": ["A", "A", "B", "B"],
                          "age_band": "all", "sex": "all", "group_type": "ethnicity",
                          "group_name": ["White", "Asian"] * 2, "count": [10.0, 5.0, 20.0, 7.0],
                          "provenance_id": [1, 1, 2, 2]})
    wide = build_segments(first).population.pivot(index="area_code", columns="segment",
                                                  values="population")
    assert wide.loc["A", "Ethnicity: White"] == 10 and wide.loc["B", "Ethnicity: White"] == 20
    assert wide["All"].to_dict() == {"A": 15, "B": 27}
    newer = first.iloc[2:].assign(dataset="Census 2021", provenance_id=3, count=[21.0, 8.0])
    wide = build_segments(pd.concat([first, newer])).population.pivot(
        index="area_code", columns="segment", values="population")
    assert wide["All"].to_dict() == {"A": 0, "B": 29}     # one dataset, never a mix of two


def test_tiny_negative_numbers_are_not_written_as_minus_zero(tmp_path):
    result = _quiet(tiny_inputs())
    result.neighbourhood_segments["gap_score"] = [-1e-8, 1e-8]
    write_outputs(result, tmp_path)
    text = (tmp_path / "neighbourhood_segments.csv").read_text(encoding="utf-8")
    assert "-0.0" not in text
    assert pd.read_csv(tmp_path / "neighbourhood_segments.csv")["gap_score"].tolist() == [0, 0]


def test_an_asset_on_a_shared_vertex_or_edge_is_counted_once():
    from phdesk.core.mapping import MappingInputs
    from tests.core.mapping_data import square

    centres = [(500, 500), (-500, 500), (500, -500), (-500, -500)]
    areas = pd.DataFrame({"code": ["D", "C", "B", "A"], "neighbourhood": ["N4", "N3", "N2", "N1"],
                          "geometry": [square(x, y) for x, y in centres],
                          "centroid_e": [float(x) for x, _ in centres],
                          "centroid_n": [float(y) for _, y in centres]})
    assets = pd.DataFrame({"id": [1, 2], "name": ["corner", "edge"], "category": "Library",
                           "easting": [0.0, 0.0], "northing": [0.0, -500.0], "capacity": 1.0,
                           "source_id": None})
    segments = pd.DataFrame({"area_code": list("ABCD"), "segment": "All", "population": 100.0})
    result = _quiet(MappingInputs(areas=areas, assets=assets, segments=segments))
    placed = result.assets.set_index("name")
    assert placed.loc["corner", "area_code"] == "D" and placed.loc["edge", "area_code"] == "B"
    ns = result.neighbourhood_segments.set_index("neighbourhood")["assets_inside"]
    assert ns.sum() == 2 and ns["N4"] == 1 and ns["N2"] == 1


def test_numpy_radii_are_accepted_and_booleans_refused():
    params = MappingParams(default_radius_m=np.float32(1000),
                           radius_m={"Pharmacy": np.int64(800)})
    result = _quiet(tiny_inputs(), params)   # e.g. radii taken from a settings DataFrame
    assert result.summary["categories"]["Pharmacy"]["radius_m"] == 800
    assert type(result.params.radius_m["Pharmacy"]) is float   # JSON number in the run record
    with pytest.raises(UserError, match="positive number of metres"):
        compute_mapping(tiny_inputs(), MappingParams(radius_m={"Pharmacy": True}))


def test_choosing_only_a_category_without_placed_assets_says_so():
    inputs = tiny_inputs()
    inputs.assets.loc[len(inputs.assets)] = [9, "Hub", "Family hub", np.nan, np.nan, 1.0, None]
    with pytest.raises(UserError, match="no assets with coordinates in Family hub"):
        compute_mapping(inputs, MappingParams(categories=["family hub"]))
