"""Asset registers: closed sites left out by a status column or a closing date; the file's
categories mapped onto the project's existing ones; census topic tables; true reasons."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from phdesk.core.errors import UserError
from phdesk.core.imports import detect, prepare_import, run_import
from phdesk.core.imports.asset_rules import (
    closed_mask,
    closed_values,
    status_column,
    suggest_category_map,
)

# the header of the public England libraries list (libraries_england_2023.csv), shortened rows
LIBRARIES_HEADER = ("reporting,name,address1,address2,address3,authority,postcode,uprn,type,"
                    "statutory_10,statutory_16,statutory_19,statutory_21,statutory_22,"
                    "statutory_23,operation_16,operation_19,operation_21,operation_22,"
                    "operation_23,closed,opened")


def lib_row(name, postcode, op23, closed=""):
    return (f"Trafford,{name},1 High St,,,Trafford,{postcode},,Static Library,Yes,Yes,Yes,Yes,"
            f"Yes,Yes,LA,LA,LA,LA,{op23},{closed},")


@pytest.fixture
def with_postcodes(project):
    with project.transaction() as db:
        db["postcodes"].insert_all([
            {"postcode": "M314BU", "easting": 372000.0, "northing": 392000.0},
            {"postcode": "M329AF", "easting": 378500.0, "northing": 395200.0},
        ])
    return project


def test_status_column_picks_the_latest_numbered_one():
    cols = LIBRARIES_HEADER.split(",")
    assert status_column(cols) == "operation_23"
    assert status_column(["Name", "Site Status", "Postcode"]) == "Site Status"
    assert closed_values(pd.Series(["LA", "Closed", "Temporary Closure", "CR", "closed", None])) \
        == ["Closed", "Temporary Closure", "closed"]


def test_closing_years_and_dates_in_the_past_count_as_closed():
    df = pd.DataFrame({"closed": ["2015", "", "2999", "01/03/2020", "Yes", None]})
    got = closed_mask(df, None, [], "closed", today=dt.date(2024, 1, 1))
    assert got.tolist() == [True, False, False, True, True, False]


def test_closed_libraries_are_left_out(with_postcodes, tmp_path):
    path = tmp_path / "libraries.csv"
    path.write_text("\n".join([LIBRARIES_HEADER, lib_row("Sale", "M31 4BU", "LA"),
                               lib_row("Bowfell", "M31 4BU", "Closed", "2015"),
                               lib_row("Lostock", "M32 9AF", "Temporary Closure"),
                               lib_row("Urmston", "M32 9AF", "LA", "2012")]) + "\n")
    rep = run_import(with_postcodes, path, options={"category_value": "Library"})
    names = with_postcodes.query("SELECT name FROM assets")["name"].tolist()
    assert names == ["Sale"]
    assert rep.details["left_out_closed"] == 3
    assert rep.details["closed_values"] == ["Closed", "Temporary Closure"]
    # the user's own list of values: only "Closed" means closed; no date column
    prep = prepare_import(with_postcodes, path, options={
        "category_value": "Library", "closed_values": "Closed", "closed_date": ""})
    assert prep.report.rows_accepted == 3


def test_categories_map_onto_the_projects_existing_ones(with_postcodes, tmp_path):
    assert suggest_category_map(
        ["Local authority run library", "Partnership run library", "Food bank", "Hub"],
        ["Library", "Family hub", "Pharmacy"]) == {
        "Local authority run library": "Library", "Partnership run library": "Library"}
    assert suggest_category_map(["Libraries", "pharmacy"], ["Library", "Pharmacy"]) == {
        "Libraries": "Library", "pharmacy": "Pharmacy"}
    with with_postcodes.transaction() as db:
        db["assets"].insert({"name": "Old", "category": "Library", "easting": 1.0,
                             "northing": 2.0, "capacity": 1.0, "source": "x"})
    path = tmp_path / "libs.csv"
    path.write_text("name,type,postcode\nSale,Local authority run library,M31 4BU\n"
                    "Hale,Partnership run library,M32 9AF\n")
    rep = run_import(with_postcodes, path)
    cats = with_postcodes.query("SELECT DISTINCT category FROM assets")["category"].tolist()
    assert cats == ["Library"]
    assert rep.details["category_map"] == {"Local authority run library": "Library",
                                           "Partnership run library": "Library"}
    # the user's map wins, and an empty map keeps the file's own categories
    prep = prepare_import(with_postcodes, path, options={"category_map": {}})
    assert sorted(prep.preview["category"]) == ["Local authority run library",
                                                "Partnership run library"]


# the Trafford tidy census layout, header copied from 2021_general_health_lsoa_trafford.csv
TIDY = "area_code,area_name,geography,period,indicator,general_health,measure,unit,value"


def test_census_tidy_table_of_any_topic_imports_as_segments(project, tmp_path):
    path = tmp_path / "2021_general_health_lsoa.csv"
    rows = [TIDY]
    for code in ("E01006109", "E01006110"):
        for i, cat in enumerate(["Very good health", "Good health", "Bad health"]):
            rows.append(f'{code},Trafford 001A,Lower-layer Super Output Area,2021-03-21,'
                        f'"Estimates that classify usual residents, by health",{cat},Count,'
                        f'Persons,{100 + i}')
    path.write_text("\n".join(rows) + "\n")
    kind, reason = detect(path)
    assert kind == "census-topic" and "general health" in reason
    rep = run_import(project, path)
    got = project.query("SELECT dataset, group_type, group_name, count FROM population "
                        "ORDER BY area_code, group_name")
    assert rep.rows_accepted == 6
    assert set(got["dataset"]) == {"Census 2021: general health"}
    assert set(got["group_type"]) == {"segment"}
    assert got["count"].sum() == 2 * (100 + 101 + 102)


def test_patient_extract_with_pseudo_nhs_id_is_recognised(project, tmp_path):
    path = tmp_path / "extract.csv"
    path.write_text("pseudo_nhs_id,lsoa_code,segment\nA1,E01006109,Frailty\n"
                    "A2,E01006109,Frailty\nA3,E01006110,Healthy\n")
    kind, reason = detect(path)
    assert kind == "segments" and "patient-level" in reason
    rep = run_import(project, path)
    assert rep.rows_accepted == 3
    assert "A1" not in project.query("SELECT * FROM population").to_string()


def test_segment_column_without_counts_gives_the_true_reason(project, tmp_path):
    path = tmp_path / "seg.csv"
    path.write_text("ref,lsoa_code,segment\nA1,E01006109,Frailty\n")
    with pytest.raises(UserError) as err:
        prepare_import(project, path, kind="segments")
    text = str(err.value)
    assert "has a segment column (segment) but no count column" in text
    assert "no segment column" not in text


def test_a_multi_valued_category_takes_the_one_its_parts_name():
    """Trafford's dentists file lists one site as "Clinic|Dentist" beside 40 "Dentist" ones: it
    is a dentist, not a category of its own. Only when exactly one part names a category."""
    assert suggest_category_map(["Clinic|Dentist", "Dentist"], []) == {
        "Clinic|Dentist": "Dentist"}
    assert suggest_category_map(["Clinic; dentists"], ["Dentist", "Pharmacy"]) == {
        "Clinic; dentists": "Dentist"}
    # two parts naming two categories, or none: left for the user to map
    assert suggest_category_map(["Dentist|Pharmacy", "Dentist", "Pharmacy"], []) == {}
    assert suggest_category_map(["Clinic|Surgery", "Dentist"], []) == {}
    # a value without a separator is never merged into another of the same file
    assert suggest_category_map(["Static library", "Library"], []) == {}
