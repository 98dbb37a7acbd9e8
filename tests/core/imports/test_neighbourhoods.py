"""Neighbourhood lookup importer (LSOA -> neighbourhood), CSV and XLSX."""

from __future__ import annotations

import pandas as pd
import pytest

from phdesk.core.errors import UserError
from phdesk.core.imports import (
    Sample,
    commit_import,
    detect,
    neighbourhoods,
    prepare_import,
    run_import,
)
from phdesk.core.imports.report import MALFORMED_AREA_CODE, MISSING_VALUE
from phdesk.core.progress import Cancelled
from phdesk.store.queries import neighbourhood_lookup
from tests.core.imports import fixtures_a as fx


def lookup(project) -> dict[str, str]:
    df = neighbourhood_lookup(project)
    return dict(zip(df["area_code"], df["neighbourhood"], strict=True))


def test_csv_creates_neighbourhoods_and_lookup(project, tmp_path):
    rows = [[c, "North" if i < 3 else "South"] for i, c in enumerate(fx.CODES)]
    path = fx.write_csv(tmp_path / "lookup.csv", ["LSOA21CD", "Neighbourhood name"], rows)
    kind, reason = detect(path)
    assert kind == "neighbourhoods"
    assert reason == "neighbourhood lookup: area codes in 'LSOA21CD', names in 'Neighbourhood name'"
    rep = run_import(project, path)
    assert rep.rows_accepted == len(fx.CODES) and rep.details["neighbourhoods"] == 2
    assert lookup(project) == {c: ("North" if i < 3 else "South")
                               for i, c in enumerate(fx.CODES)}


def test_xlsx_with_pcn_column_and_title_row(project, tmp_path):
    path = tmp_path / "pcn.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        df = pd.DataFrame({"lsoa_code": fx.CODES[:4], "PCN": ["Alpha", "Alpha", "Beta", "Beta"],
                           "Notes": ["", "", "", ""]})
        pd.DataFrame([["PCN lookup, April 2025"]]).to_excel(xw, index=False, header=False)
        df.to_excel(xw, index=False, startrow=2)
    rep = run_import(project, path)
    assert rep.kind == "neighbourhoods" and rep.details["name_column"] == "PCN"
    assert set(lookup(project).values()) == {"Alpha", "Beta"}


def test_replaces_lookup_rows_of_the_areas_in_the_file_only(project, tmp_path):
    run_import(project, fx.write_csv(tmp_path / "a.csv", ["LSOA11CD", "neighbourhood"],
                                     [[c, "Old"] for c in fx.CODES]))
    run_import(project, fx.write_csv(tmp_path / "b.csv", ["LSOA11CD", "neighbourhood"],
                                     [[c, "New"] for c in fx.CODES[:2]]))
    got = lookup(project)
    assert [got[c] for c in fx.CODES[:2]] == ["New", "New"]
    assert {got[c] for c in fx.CODES[2:]} == {"Old"}
    assert project.scalar("SELECT count(*) FROM area_neighbourhood") == len(fx.CODES)


def test_capital_variants_merge_with_existing_names(project, tmp_path):
    run_import(project, fx.write_csv(tmp_path / "a.csv", ["LSOA11CD", "locality"],
                                     [[fx.CODES[0], "Central"]]))
    rep = run_import(project, fx.write_csv(tmp_path / "b.csv", ["LSOA11CD", "locality"],
                                           [[fx.CODES[1], "central "],
                                            [fx.CODES[2], "CENTRAL"]]))
    assert any("capitals" in w for w in rep.warnings)
    assert project.query("SELECT name FROM neighbourhoods")["name"].tolist() == ["Central"]
    assert len(set(lookup(project).values())) == 1


def test_rejections(project, tmp_path):
    rows = [["E0100318", "North"],            # row 2: malformed
            [fx.CODES[1], ""],                 # row 3: empty name
            [fx.CODES[2], "North"],            # rows 4, 5: same area, different names
            [fx.CODES[2], "South"],
            [fx.CODES[3], "South"],            # rows 6, 7: same area twice, same name: fine
            [fx.CODES[3], "South"]]
    path = fx.write_csv(tmp_path / "l.csv", ["LSOA11CD", "neighbourhood"], rows)
    prepared = prepare_import(project, path)
    got = {(int(r.row), r.reason) for r in prepared.report.sorted_rejections().itertuples()}
    assert got == {(2, MALFORMED_AREA_CODE), (3, MISSING_VALUE),
                   (4, neighbourhoods.CONFLICT), (5, neighbourhoods.CONFLICT)}
    assert any("repeat" in w for w in prepared.report.warnings)
    commit_import(project, prepared, accept_partial=True)
    assert lookup(project) == {fx.CODES[3]: "South"}


def test_missing_column_messages(project, tmp_path):
    path = fx.write_csv(tmp_path / "x.csv", ["LSOA11CD", "Ward"], [[fx.CODES[0], "W"]])
    with pytest.raises(UserError, match=r"x\.csv: no neighbourhood column"):
        prepare_import(project, path, kind="neighbourhoods")
    rep = run_import(project, path, kind="neighbourhoods", options={"neighbourhood": "Ward"})
    assert rep.rows_accepted == 1


def test_postcode_directories_are_not_lookups(tmp_path):
    path = fx.write_csv(tmp_path / "pc.csv", ["postcode", "lsoa_code", "locality"],
                        [["M33 7XX", fx.CODES[0], "Sale"]])
    assert neighbourhoods.detect(Sample(path)) is None


def test_rows_for_areas_not_in_the_project_create_nothing(project, tmp_path):
    with project.transaction() as db:
        db["areas"].insert({"code": fx.CODES[0], "level": "lsoa"})
    rep = run_import(project, fx.write_csv(tmp_path / "l.csv", ["LSOA11CD", "PCN"],
                                           [[fx.CODES[0], "A"], [fx.CODES[1], "A"],
                                            [fx.CODES[2], "B"]]))
    assert rep.details["skipped_not_in_project"] == 2
    assert any("2 rows are for areas not in the project: skipped" in w for w in rep.warnings)
    assert lookup(project) == {fx.CODES[0]: "A"}
    assert project.query("SELECT name FROM neighbourhoods")["name"].tolist() == ["A"]


def test_same_name_in_two_authorities_stays_two_neighbourhoods(project, tmp_path):
    with project.transaction() as db:
        db["areas"].insert_all([{"code": c, "level": "lsoa"} for c in fx.CODES[:3]])
    header = ["FID", "LSOA11CD", "LSOA11NM", "WD19CD", "WD19NM", "LAD19CD", "LAD19NM"]
    rows = [[1, fx.CODES[0], "Hackney 001A", "E05009372", "Lea Bridge", "E09000012", "Hackney"],
            [2, fx.CODES[1], "Waltham Forest 020A", "E05000596", "Lea Bridge", "E09000031",
             "Waltham Forest"],
            [3, fx.CODES[2], "Hackney 002A", "E05009367", "Dalston", "E09000012", "Hackney"]]
    path = fx.write_csv(tmp_path / "LSOA11_WD19_LAD19_EW_LU.csv", header, rows)
    rep = run_import(project, path)
    assert "'WD19NM'" in rep.reason
    assert rep.details["names_qualified_by_authority"] == 1
    assert any("more than one local authority" in w for w in rep.warnings)
    assert lookup(project) == {fx.CODES[0]: "Lea Bridge (Hackney)",
                               fx.CODES[1]: "Lea Bridge (Waltham Forest)",
                               fx.CODES[2]: "Dalston"}


def test_cancel_rolls_back(project, tmp_path):
    run_import(project, fx.write_csv(tmp_path / "a.csv", ["LSOA11CD", "neighbourhood"],
                                     [[c, "Old"] for c in fx.CODES]))
    before = (project.counts(), lookup(project))
    prepared = prepare_import(project, fx.write_csv(tmp_path / "b.csv",
                                                    ["LSOA11CD", "neighbourhood"],
                                                    [[c, "New"] for c in fx.CODES]))
    with pytest.raises(Cancelled):
        commit_import(project, prepared, cancelled=lambda: project.scalar(
            "SELECT count(*) FROM neighbourhoods") > 1)  # after "New" was inserted
    assert (project.counts(), lookup(project)) == before
