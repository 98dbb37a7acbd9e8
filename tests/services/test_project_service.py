"""ProjectService: the UI's one entry point to a project (no Qt here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from phdesk.core.errors import UserError
from phdesk.core.progress import Cancelled
from phdesk.services.project_service import ProjectService, assign_points
from phdesk.store.project import Project


@pytest.fixture
def service(demo_path):
    svc = ProjectService.open(demo_path)
    yield svc
    svc.close()


def assets_csv(path, n=60):
    rng = np.random.default_rng(1)
    pd.DataFrame({
        "Name": [f"Group {i}" for i in range(n)],
        "Category": "Lunch club",
        "Easting": rng.uniform(528_000, 534_000, n).round(),
        "Northing": rng.uniform(177_000, 181_000, n).round(),
    }).to_csv(path, index=False)
    return path


def test_open_create_title_and_counts(tmp_path):
    svc = ProjectService.create(tmp_path / "Lewisham north.phdesk")
    try:
        assert svc.title() == "Lewisham north"
        assert svc.counts()["areas"] == 0
        assert svc.neighbourhood_summary().empty
        assert svc.last_result is None and svc.last_run() is None
    finally:
        svc.close()
    with pytest.raises(UserError):
        ProjectService.create(tmp_path / "Lewisham north.phdesk")   # never overwrites
    with pytest.raises(UserError):
        ProjectService.open(tmp_path / "missing.phdesk")


def test_neighbourhood_summary_matches_the_areas(service):
    summary = service.neighbourhood_summary()
    profile = service.area_profile()
    assert list(summary.columns) == ["neighbourhood", "areas", "population", "core20_pct",
                                     "assets"]
    assert len(summary) == service.counts()["neighbourhoods"] == 8
    assert summary["areas"].sum() == profile["neighbourhood"].notna().sum()
    # population adds up to the base ("All") segment
    seg = service.segment_population()
    assert summary["population"].sum() == pytest.approx(
        seg.loc[seg["segment"] == "All", "population"].sum())
    # Core20 share recomputed by hand for one neighbourhood
    name = summary["neighbourhood"].iloc[0]
    rows = profile[profile["neighbourhood"] == name]
    expect = 100 * rows.loc[rows["imd_decile"] <= 2, "population"].sum() / rows["population"].sum()
    got = summary.set_index("neighbourhood").loc[name, "core20_pct"]
    assert got == pytest.approx(expect)
    assert summary["core20_pct"].between(0, 100).all()
    assert 0 < summary["assets"].sum() <= service.counts()["assets"]


def test_assign_points_puts_assets_in_their_polygon():
    areas = pd.DataFrame({"code": ["A", "B", "C"],
                          "geometry": [shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100),
                                       None]})
    assets = pd.DataFrame({"id": [1, 2, 3, 4], "easting": [50.0, 150.0, 500.0, np.nan],
                           "northing": [50.0, 20.0, 50.0, 10.0]})
    got = assign_points(assets, areas)
    assert got.to_dict() == {1: "A", 2: "B"}


def test_category_settings_round_trip_and_bad_radius(service):
    table = service.category_settings()
    assert set(table["category"]) == set(service.categories())
    assert (table["source"] == "default").all()
    first = table["category"].iloc[0]
    edited = table.copy()
    edited.loc[edited["category"] == first, "radius_m"] = 1500.0
    edited.loc[edited["category"] == first, "serves"] = pd.Series([["All", "Core20"]],
                                                                   index=edited.index[:1])
    service.save_category_settings(edited)
    again = service.category_settings().set_index("category")
    assert again.loc[first, "radius_m"] == 1500.0
    assert again.loc[first, "serves"] == ["All", "Core20"]
    assert again.loc[first, "source"] == "saved"

    bad = edited.copy()
    bad.loc[bad.index[1], "radius_m"] = -5
    with pytest.raises(UserError, match="positive"):
        service.save_category_settings(bad)
    assert service.category_settings().set_index("category").loc[first, "radius_m"] == 1500.0


def test_run_mapping_keeps_result_and_biggest_gaps(service):
    from phdesk.core.mapping import MappingParams

    assert service.biggest_gaps().empty
    result = service.run_mapping(MappingParams())
    assert service.last_result is result
    assert service.last_run()["id"] == result.run_id
    gaps = service.biggest_gaps()
    assert len(gaps) == 8 and gaps["neighbourhood"].is_unique
    ns = result.neighbourhood_segments
    for row in gaps.itertuples():   # headline: lowest access against the study area first
        mine = ns[ns["neighbourhood"] == row.neighbourhood]
        assert row.access_ratio == mine["access_ratio"].min()
        tied = mine[mine["access_ratio"] == row.access_ratio]
        assert row.no_site_pct == tied["no_site_pct"].max()


def test_import_then_cache_refresh(service, tmp_path):
    before = service.counts()["assets"]
    old_summary_assets = service.neighbourhood_summary()["assets"].sum()
    prepared = service.prepare_import(assets_csv(tmp_path / "clubs.csv"), kind="assets")
    report = service.commit_import(prepared, accept_partial=True)
    assert report.committed
    assert service.counts()["assets"] == before + report.rows_accepted
    assert "Lunch club" in service.categories()
    # the cached summary was dropped: new assets inside the borough are counted
    assert service.neighbourhood_summary()["assets"].sum() > old_summary_assets


def test_import_cancelled_mid_write_changes_nothing(service, tmp_path):
    counts_before = service.counts()
    prepared = service.prepare_import(assets_csv(tmp_path / "clubs.csv"), kind="assets")
    seen = {"rows_in_transaction": 0}

    def cancelled() -> bool:
        # Same connection, inside the open transaction: the rows are being written right now.
        n = service.project.scalar("SELECT count(*) FROM assets")
        seen["rows_in_transaction"] = max(seen["rows_in_transaction"], n)
        return n > counts_before["assets"]

    with pytest.raises(Cancelled):
        service.commit_import(prepared, accept_partial=True, cancelled=cancelled)
    assert seen["rows_in_transaction"] > counts_before["assets"]   # it really was mid-write
    assert service.counts() == counts_before
    with Project(service.path) as other:          # and the file agrees
        assert other.counts() == counts_before


def test_asset_edits_refresh_summary(service):
    total = service.neighbourhood_summary()["assets"].sum()
    row = service.assets().iloc[0]
    new_id = service.add_asset({"name": "Pop-up clinic", "category": "Clinic",
                                "easting": row["easting"], "northing": row["northing"]})
    assert service.neighbourhood_summary()["assets"].sum() == total + 1
    removed = service.delete_asset(new_id)
    assert service.neighbourhood_summary()["assets"].sum() == total
    assert service.restore_asset(removed) == new_id
    assert service.update_asset(new_id, {"name": "Clinic"}) == {"name": "Pop-up clinic"}
