"""Population importer: ONS estimates, Census TS007/TS021, 2011 ethnicity, tidy and generic."""

from __future__ import annotations

import pandas as pd
import pytest

from phdesk.core.errors import UserError
from phdesk.core.imports import commit_import, detect, prepare_import, run_import
from phdesk.core.imports.population import UNKNOWN_AGE, UNKNOWN_SEX, age_labels
from phdesk.core.imports.population_layouts import INF, parse_age
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_AREA_CODE,
    NEGATIVE_COUNT,
    NOT_A_NUMBER,
)
from phdesk.core.progress import Cancelled
from tests.core.imports import fixtures_a as fx

BANDS = ["0-15", "16-29", "30-44", "45-64", "65+"]


def pop(project, dataset=None):
    where, args = ("WHERE dataset = ?", (dataset,)) if dataset else ("", ())
    return project.query(f"SELECT * FROM population {where}", args)


def ons_wide(path, codes=fx.CODES, year_rows=None):
    header = ["LSOA11CD", "LSOA11NM", "MSOA11CD", "MSOA11NM", "LAD11CD", "LAD11NM"]
    for sex in ("Persons", "Males", "Females"):
        header += [f"{sex}_All-Ages"] + [f"{sex}_{b}" for b in BANDS]
    rows = []
    for i, c in enumerate(codes):
        males = [10 + i, 20, 30, 40, 50 + i]
        females = [11, 21 + i, 31, 41, 51]
        persons = [m + f for m, f in zip(males, females, strict=True)]
        row = [c, "n", "E02000001", "m", "E09000023", "Lewisham"]
        for part in (persons, males, females):
            row += [sum(part), *part]
        rows.append(row)
    return fx.write_csv(path, header, year_rows or rows), rows


def test_parse_age_labels():
    assert parse_age("Age: Aged 5 to 9 years; measures: Value") == (5, 9)
    assert parse_age("Age: Aged 4 years and under; measures: Value") == (0, 4)
    assert parse_age("Aged under 1 year") == (0, 0)
    assert parse_age("aged_65_and_over") == (65, INF)
    assert parse_age("90+") == (90, INF)
    assert parse_age("All-Ages") == (0, INF)
    assert parse_age("17") == (17, 17)
    assert parse_age("Adults") is None


def test_age_labels_group_single_years_into_five_year_bands():
    singles = [(float(a), float(a)) for a in range(90)] + [(90.0, INF)]
    labels = age_labels(singles)
    assert labels[(0.0, 0.0)] == "0-4" and labels[(87.0, 87.0)] == "85-89"
    assert labels[(90.0, INF)] == "90+"
    # children 0-15 and adults 18+ stay exact: 15-19 is cut at 16 and 18
    assert [labels[(float(a), float(a))] for a in range(14, 21)] == [
        "10-14", "15", "16-17", "16-17", "18-19", "18-19", "20-24"]
    published = age_labels([(0.0, 15.0), (16.0, 29.0), (65.0, INF)])
    assert list(published.values()) == ["0-15", "16-29", "65+"]


def test_ons_wide_stores_male_and_female_not_persons(project, tmp_path):
    path, rows = ons_wide(tmp_path / "london-mid2019-pop.csv")
    rep = run_import(project, path)
    assert rep.kind == "population" and "ONS mid-2019 estimates" in rep.reason
    df = pop(project)
    assert set(df["dataset"]) == {"ONS mid-2019 estimates"}
    assert set(df["sex"]) == {"male", "female"}
    assert sorted(set(df["age_band"])) == sorted(BANDS)
    assert len(df) == len(fx.CODES) * 2 * 5
    # summing rows gives the published total: nothing double counted
    totals = df.groupby("area_code")["count"].sum()
    assert totals.tolist() == [r[6] for r in rows]
    assert rep.warnings == []


def test_mid_year_by_sex_rows_with_single_years(project, tmp_path):
    header = ["period", "area_code", "area_name", "geography", "sex", "all_ages",
              "aged_0_to_15", "aged_16_to_64", "aged_65_and_over",
              *[str(a) for a in range(90)], "90+"]
    rows, totals = [], {}
    for i, c in enumerate(fx.CODES[:3]):
        by_sex = {}
        for sex, k in (("Females", 1), ("Males", 2)):
            ages = [(a + k + i) % 7 for a in range(91)]
            by_sex[sex] = ages
            rows.append(["2022-06-30", c, "n", "LSOA", sex, sum(ages), sum(ages[:16]),
                         sum(ages[16:65]), sum(ages[65:]), *ages])
        persons = [f + m for f, m in zip(by_sex["Females"], by_sex["Males"], strict=True)]
        rows.append(["2022-06-30", c, "n", "LSOA", "Persons", sum(persons), 0, 0, 0, *persons])
        totals[c] = sum(persons)
    path = fx.write_csv(tmp_path / "mid-year_2022.csv", header, rows)
    kind, reason = detect(path)  # a header of numbers ("0", "1" …) is still a header
    assert kind == "population" and "ONS mid-2022 estimates" in reason
    run_import(project, path)
    df = pop(project)
    assert set(df["sex"]) == {"male", "female"}
    # 18 five-year bands with 15-19 cut at 16 and 18 (20 bands), plus 90+
    assert df["age_band"].nunique() == 21 and "90+" in set(df["age_band"])
    assert df.groupby("area_code")["count"].sum().to_dict() == totals


def test_ts007_bulk_picks_non_overlapping_bands(project, tmp_path):
    df = fx.ts007_frame()
    path = tmp_path / "census2021-ts007-lsoa.csv"
    df.to_csv(path, index=False, quoting=1)
    rep = run_import(project, path)
    assert rep.details["dataset"] == "Census 2021 TS007"
    stored = pop(project)
    assert stored["age_band"].nunique() == 21          # 15-19 cut at 16 and 18
    assert set(stored["sex"]) == {"all"}
    assert stored.groupby("area_code")["count"].sum().tolist() == df[
        "Age: Total; measures: Value"].tolist()
    assert rep.warnings == []
    four = stored[stored["age_band"] == "0-4"].set_index("area_code")["count"]
    assert four.tolist() == df["Age: Aged 4 years and under; measures: Value"].tolist()


def test_ts021_bulk_stores_19_detailed_groups(project, tmp_path):
    df = fx.ts021_frame()
    path = tmp_path / "census2021-ts021-lsoa.xlsx"
    df.to_excel(path, index=False)
    rep = run_import(project, path)
    assert rep.details["dataset"] == "Census 2021 TS021"
    stored = pop(project)
    assert set(stored["group_type"]) == {"ethnicity"}
    assert stored["group_name"].nunique() == 19
    assert "Asian, Asian British or Asian Welsh: Bangladeshi" in set(stored["group_name"])
    assert "White" not in set(stored["group_name"])  # high-level groups not stored
    assert stored.groupby("area_code")["count"].sum().tolist() == df[
        "Ethnic group: Total: All usual residents; measures: Value"].tolist()


def test_census_2011_ethnicity_lewisham_layout(project, tmp_path):
    header = ["LSOA11CD", "All categories: Ethnic group", "White",
              "White: English/Welsh/Scottish/Northern Irish/British", "White: Irish", "Mixed",
              "Mixed/multiple ethnic group: White and Asian", "Asian",
              "Asian/Asian British: Indian", "Black", "Black/African/Caribbean/Black British: "
              "African", "Other", "Other ethnic group: Arab"]
    rows = [[c, 60, 30, 20, 10, 5, 5, 10, 10, 10, 10, 5, 5] for c in fx.CODES]
    path = fx.write_csv(tmp_path / "lbl_ethnicity_lsoa11.csv", header, rows)
    rep = run_import(project, path)
    assert rep.details["dataset"] == "Census 2011 ethnic group"
    stored = pop(project)
    assert stored["group_name"].nunique() == 6  # the detailed groups only
    assert stored.groupby("area_code")["count"].sum().eq(60).all()


def test_tidy_long_ethnicity_and_age(project, tmp_path):
    header = ["area_code", "area_name", "geography", "period", "indicator", "ethnic_group",
              "measure", "unit", "value"]
    groups = ["Asian, Asian British or Asian Welsh: Bangladeshi", "White: Irish",
              "Other ethnic group: Arab"]
    rows = [[c, "n", "LSOA", "2021-03-21", "The ethnic group…", g, "Count", "Persons", 3]
            for c in fx.CODES for g in groups]
    path = fx.write_csv(tmp_path / "ethnic.csv", header, rows)
    rep = run_import(project, path)
    assert rep.details["dataset"] == "Census 2021 TS021"
    assert pop(project)["group_name"].nunique() == 3

    header = ["area_code", "area_name", "geography", "period", "indicator", "measure", "unit",
              "value"]
    bands = ["Aged 4 years and under", "Aged 5 to 9 years", "Aged 10 to 84 years",
             "Aged 85 years and over"]
    rows = [[c, "n", "LSOA", "2021-03-21", b, "Count", "Persons", 7] for c in fx.CODES
            for b in bands]
    path = fx.write_csv(tmp_path / "age.csv", header, rows)
    rep = run_import(project, path)
    assert rep.details["dataset"] == "Census 2021 TS007A"
    assert sorted(set(pop(project, "Census 2021 TS007A")["age_band"])) == sorted(
        ["0-4", "5-9", "10-84", "85+"])


def test_generic_table_with_options(project, tmp_path):
    rows = [[c, band, sex, n] for c in fx.CODES[:2] for band, n in (("0-17", 5), ("18+", 9))
            for sex in ("M", "F")]
    path = fx.write_csv(tmp_path / "mine.csv", ["LSOA", "Ages", "Gender", "People"], rows,
                        delimiter=";")
    opts = {"area": "LSOA", "age_band": "Ages", "sex": "Gender", "count": "People",
            "dataset": "Our survey 2024"}
    rep = run_import(project, path, kind="population", options=opts)
    assert rep.rows_accepted == 8
    df = pop(project, "Our survey 2024")
    assert set(df["sex"]) == {"male", "female"} and set(df["age_band"]) == {"0-17", "18+"}
    assert df["count"].sum() == 2 * 2 * (5 + 9)


def test_rejections(project, tmp_path):
    path, rows = ons_wide(tmp_path / "mid2019.csv")
    rows[0][0] = "E010031"            # row 2: malformed
    rows[1][13] = "-3"                # row 3: negative (Males_0-15)
    rows[2][14] = "lots"              # row 4: not a number
    rows[5][0] = rows[4][0]           # rows 6, 7: duplicate area
    fx.write_csv(path, open(path, encoding="utf-8-sig").readline().strip().split(","), rows)
    prepared = prepare_import(project, path)
    got = {(int(r.row), r.column, r.reason)
           for r in prepared.report.sorted_rejections().itertuples()}
    assert (2, "LSOA11CD", MALFORMED_AREA_CODE) in got
    assert (3, "Males_0-15", NEGATIVE_COUNT) in got
    assert (4, "Males_16-29", NOT_A_NUMBER) in got
    assert (6, "LSOA11CD", DUPLICATE_KEY) in got and (7, "LSOA11CD", DUPLICATE_KEY) in got
    assert prepared.report.rows_accepted == 1
    commit_import(project, prepared, accept_partial=True)
    assert set(pop(project)["area_code"]) == {fx.CODES[3]}


def test_unknown_sex_and_age_rejected(project, tmp_path):
    rows = [[fx.CODES[0], "0-4", "male", 3], [fx.CODES[0], "Adults", "female", 3],
            [fx.CODES[1], "0-4", "unknown", 3]]
    path = fx.write_csv(tmp_path / "t.csv", ["area_code", "age_band", "sex", "count"], rows)
    prepared = prepare_import(project, path, kind="population")
    got = {(int(r.row), r.reason) for r in prepared.report.sorted_rejections().itertuples()}
    assert got == {(3, UNKNOWN_AGE), (4, UNKNOWN_SEX)}


def test_overlapping_bands_are_refused(project, tmp_path):
    rows = [[fx.CODES[0], "0-10", 3], [fx.CODES[0], "5-20", 3]]
    path = fx.write_csv(tmp_path / "t.csv", ["area_code", "age_band", "count"], rows)
    with pytest.raises(UserError, match="age bands overlap"):
        prepare_import(project, path, kind="population")


def test_parts_not_adding_up_to_total_warns(project, tmp_path):
    path, rows = ons_wide(tmp_path / "mid2019.csv")
    rows[0][6] = str(int(rows[0][6]) + 5)  # Persons_All-Ages off by 5
    rows[0][12] = str(int(rows[0][12]) + 5)  # and the males' total too
    header = open(path, encoding="utf-8-sig").readline().strip().split(",")
    fx.write_csv(path, header, rows)
    rep = prepare_import(project, path).report
    assert any("do not add up" in w and fx.CODES[0] in w for w in rep.warnings)


def test_reimport_of_dataset_replaces_its_rows(project, tmp_path):
    path, rows = ons_wide(tmp_path / "mid2019.csv")
    run_import(project, path)
    path2, _ = ons_wide(tmp_path / "london-mid2020.csv")
    run_import(project, path2)
    n = len(fx.CODES) * 10
    assert len(pop(project)) == 2 * n
    rows[0][13] = "99"
    header = open(path, encoding="utf-8-sig").readline().strip().split(",")
    path3 = fx.write_csv(tmp_path / "again_mid2019.csv", header, rows)
    run_import(project, path3)
    df = pop(project, "ONS mid-2019 estimates")
    assert len(df) == n and len(pop(project)) == 2 * n
    assert df[(df.area_code == fx.CODES[0]) & (df.sex == "male")
              & (df.age_band == "0-15")]["count"].item() == 99


def test_cancel_rolls_back(project, tmp_path):
    path, _ = ons_wide(tmp_path / "mid2019.csv")
    run_import(project, path)
    before = project.query("SELECT * FROM population ORDER BY 1, 2, 3, 4")
    prepared = prepare_import(project, path, options={"dataset": "ONS mid-2019 estimates"})
    with pytest.raises(Cancelled):
        commit_import(project, prepared, cancelled=lambda: len(before) > 0
                      and project.scalar("SELECT count(*) FROM population") < len(before))
    pd.testing.assert_frame_equal(project.query("SELECT * FROM population ORDER BY 1, 2, 3, 4"),
                                  before)
    assert len(project.provenance()) == 1


def test_segment_tables_are_left_to_the_segments_importer(tmp_path):
    from phdesk.core.imports import Sample, population
    path = fx.write_csv(tmp_path / "seg.csv", ["lsoa_code", "segment", "count"],
                        [[fx.CODES[0], "Frailty", 3]])
    assert population.detect(Sample(path)) is None


def test_all_ages_total_kept_only_for_areas_without_bands(project, tmp_path):
    rows = [[fx.CODES[0], "all", 30], [fx.CODES[0], "0-15", 10], [fx.CODES[0], "16+", 20],
            [fx.CODES[1], "All ages", 50]]
    path = fx.write_csv(tmp_path / "t.csv", ["area_code", "age_band", "count"], rows)
    run_import(project, path, kind="population", options={"dataset": "mixed"})
    df = pop(project).set_index(["area_code", "age_band"])["count"]
    assert df.to_dict() == {(fx.CODES[0], "0-15"): 10, (fx.CODES[0], "16+"): 20,
                            (fx.CODES[1], "all"): 50}


def test_iod_population_denominators(project, tmp_path):
    header = ["LSOA code (2011)", "LSOA name (2011)",
              *[d.format(y=2015) for d in fx.DENOMINATORS]]
    rows = [[c, "n", "1,296", 175, "656", 465, 715] for c in fx.CODES]
    path = fx.write_csv(tmp_path / "File_6_-_IoD2019_Population_Denominators.csv", header, rows)
    kind, reason = detect(path)
    assert kind == "population" and "IoD population denominators (mid-2015)" in reason
    rep = run_import(project, path)
    df = pop(project)
    assert sorted(set(df["age_band"])) == ["0-15", "16-59", "60+"]  # working age not stored
    assert df.groupby("area_code")["count"].sum().eq(1296).all()
    assert rep.warnings == []


def test_detect_each_layout(tmp_path):
    ts007 = tmp_path / "ts007.csv"
    fx.ts007_frame().to_csv(ts007, index=False)
    ts021 = tmp_path / "ts021.csv"
    fx.ts021_frame().to_csv(ts021, index=False)
    ons, _ = ons_wide(tmp_path / "london-mid2020-pop.csv")
    tidy = fx.write_csv(tmp_path / "tidy.csv", ["area_code", "period", "indicator", "value"],
                        [[c, "2021-03-21", "Aged 5 to 9 years", 4] for c in fx.CODES])
    cases = {ons: "ONS mid-2020 estimates", ts007: "Census 2021 TS007",
             ts021: "Census 2021 TS021", tidy: "Census 2021 TS007A"}
    for path, label in cases.items():
        kind, reason = detect(path)
        assert kind == "population" and f"({label})" in reason, (path.name, reason)


def test_single_years_not_grouped_when_bands_would_be_partial():
    adults = [(float(a), float(a)) for a in range(16, 90)] + [(90.0, INF)]
    labels = age_labels(adults)
    assert labels[(16.0, 16.0)] == "16"  # not "15-19", which would claim ages 15 and under


def test_option_naming_a_missing_column(project, tmp_path):
    path = fx.write_csv(tmp_path / "t.csv", ["area_code", "count"], [[fx.CODES[0], 3]])
    with pytest.raises(UserError, match=r"t\.csv: option count=People: no such column"):
        prepare_import(project, path, kind="population", options={"count": "People"})
