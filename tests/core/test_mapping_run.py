"""run_mapping on a project, the run record, write_outputs and ``phdesk map``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import shapely

from phdesk.cli import main
from phdesk.core.errors import UserError
from phdesk.core.mapping import MappingParams, run_mapping, write_outputs
from phdesk.core.mapping_output import COLUMNS, DESCRIPTIONS
from phdesk.core.progress import Cancelled
from phdesk.store import queries
from tests.core.mapping_data import square

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"


def fill_tiny_project(project):
    """Areas A, B (1 km squares), neighbourhoods N1/N2, two population datasets, assets."""
    with project.transaction() as db:
        for pid in (1, 2):
            db["provenance"].insert({"id": pid, "file_name": f"f{pid}.csv", "sha256": "x",
                                     "kind": "population", "rows_read": 1, "rows_accepted": 1,
                                     "rows_rejected": 0, "imported_at": "2026-01-01",
                                     "phdesk_version": "0"})
        db["areas"].insert_all([
            {"code": c, "name": c, "level": "lsoa", "vintage": 2021,
             "geometry": shapely.to_wkb(square(x, 0)), "centroid_e": x, "centroid_n": 0.0}
            for c, x in (("A", 0.0), ("B", 1000.0))])
        db["neighbourhoods"].insert_all([{"id": 1, "name": "N1"}, {"id": 2, "name": "N2"}])
        db["area_neighbourhood"].insert_all([{"area_code": "A", "neighbourhood_id": 1},
                                             {"area_code": "B", "neighbourhood_id": 2}])
        db["population"].insert_all([
            {"dataset": "Old estimates", "area_code": "A", "count": 1, "provenance_id": 1},
            {"dataset": "Old estimates", "area_code": "B", "count": 1, "provenance_id": 1},
            {"dataset": "New estimates", "area_code": "A", "count": 100, "provenance_id": 2},
            {"dataset": "New estimates", "area_code": "B", "count": 300, "provenance_id": 2}])
        db["assets"].insert_all([
            {"name": "X", "category": "Pharmacy", "easting": 0.0, "northing": 0.0,
             "capacity": 2},
            {"name": "Y", "category": "Pharmacy", "easting": 1500.0, "northing": 0.0,
             "capacity": 1},
            {"name": "Lost", "category": "Pharmacy", "postcode": "ZZ1 1ZZ", "capacity": 1}])


def test_run_mapping_records_the_run(project):
    fill_tiny_project(project)
    result = run_mapping(project, MappingParams(radius_m={"Pharmacy": 800.0}))
    assert result.run_id is not None and result.finished_at
    a = result.area_access.set_index("area_code")
    assert a.loc["B", "population"] == 300            # the newer dataset
    assert a.loc["B", "assets_within"] == 1           # X is 1000 m away, beyond 800 m
    run = queries.last_mapping_run(project)
    assert run["id"] == result.run_id
    assert run["parameters"]["radius_m"] == {"Pharmacy": 800.0}
    assert run["summary"]["population_dataset"] == "New estimates"
    assert run["summary"]["assets_skipped_no_coordinates"] == 1
    assert run["summary"]["categories"]["Pharmacy"]["radius_m"] == 800.0
    assert run["started_at"] <= run["finished_at"]


def test_saved_category_settings_are_used(project):
    fill_tiny_project(project)
    with project.transaction() as db:
        db["category_settings"].insert({"category": "Pharmacy", "radius_m": 400.0,
                                        "serves": json.dumps(["All"])})
    result = run_mapping(project)
    assert result.summary["categories"]["Pharmacy"]["radius_m"] == 400.0
    assert result.area_access.set_index("area_code").loc["B", "assets_within"] == 0


def test_cancel_records_nothing(project):
    fill_tiny_project(project)
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        run_mapping(project, cancelled=cancelled)
    assert queries.last_mapping_run(project) is None


def test_empty_project_is_a_user_error(project):
    with pytest.raises(UserError, match="no areas"):
        run_mapping(project)


def test_write_outputs_writes_documented_columns(project, tmp_path):
    fill_tiny_project(project)
    paths = write_outputs(run_mapping(project), tmp_path / "out")
    assert [p.name for p in paths] == [f"{k}.csv" for k in COLUMNS]
    for p in paths:
        assert list(pd.read_csv(p).columns) == COLUMNS[p.stem]


def test_cli_map_end_to_end(tmp_path, capsys):
    assert main(["demo", str(tmp_path / "d.phdesk")]) == 0
    assert main(["map", str(tmp_path / "d.phdesk"), "--out", str(tmp_path / "o"),
                 "--radius", "1200", "--category", "pharmacy", "--quiet"]) == 0
    ns = pd.read_csv(tmp_path / "o" / "neighbourhood_segments.csv")
    assert set(ns["category"]) == {"Pharmacy"}
    assert ns.loc[ns.segment == "All", "population"].sum() > 0
    assert ns["coverage_pct"].dropna().between(0, 100).all()
    # every segment is reported for every category; empty only where nobody of it lives
    assert ns["coverage_pct"].isna().equals(ns["population"] == 0)
    # radius sensitivity: coverage grows with the radius (half, as used, 1.5 times)
    ok = ns["population"] > 0
    assert (ns.loc[ok, "coverage_pct_r050"] <= ns.loc[ok, "coverage_pct"] + 1e-9).all()
    assert (ns.loc[ok, "coverage_pct"] <= ns.loc[ok, "coverage_pct_r150"] + 1e-9).all()
    rules = pd.read_csv(tmp_path / "o" / "category_rules.csv")
    assert rules["radius_m"].tolist() == [1200.0] and rules["universal"].tolist() == [True]
    run_params = queries.last_mapping_run(
        __import__("phdesk.store.project", fromlist=["Project"]).Project(tmp_path / "d.phdesk")
    )["parameters"]
    assert run_params["default_radius_m"] == 1200 and run_params["radius_override"] is True


def test_cli_map_on_an_empty_project_exits_2(tmp_path, capsys):
    assert main(["new", str(tmp_path / "e.phdesk")]) == 0
    capsys.readouterr()
    assert main(["map", str(tmp_path / "e.phdesk"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "no areas" in err and "Traceback" not in err


def test_cli_map_unknown_category_exits_2(tmp_path, capsys):
    assert main(["demo", str(tmp_path / "d.phdesk")]) == 0
    capsys.readouterr()
    assert main(["map", str(tmp_path / "d.phdesk"), "--out", str(tmp_path / "o"),
                 "--category", "Spaceport"]) == 2
    assert "Spaceport" in capsys.readouterr().err


def test_docs_describe_every_column():
    text = DOCS.read_text(encoding="utf-8")
    for name, cols in DESCRIPTIONS.items():
        section = re.search(rf"### {name}\.csv\n(.*?)(?=\n### |\Z)", text, re.S)
        assert section, f"docs/mapping.md has no section for {name}.csv"
        documented = re.findall(r"^\| `(\w+)` \|", section.group(1), re.M)
        assert documented == list(cols), name
