"""The user's asset register: column guessing, placement, rejections, GeoJSON, re-imports."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely

from phdesk.core import geo
from phdesk.core.errors import UserError
from phdesk.core.imports import ImportRejected, commit_import, detect, prepare_import, run_import
from phdesk.core.imports.assets import FIELDS, suggest_mapping
from phdesk.core.imports.placing import POSTCODE_NO_COORDS
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_POSTCODE,
    MISSING_VALUE,
    NEGATIVE_COUNT,
    NO_LOCATION,
    NOT_A_NUMBER,
    OUTSIDE_GB,
    POSTCODE_NOT_FOUND,
    SWAPPED_LATLON,
)


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def with_postcodes(project):
    with project.transaction() as db:
        db["postcodes"].insert_all([
            {"postcode": "M314BU", "easting": 372000.0, "northing": 392000.0},
            {"postcode": "M329AF", "easting": 378500.0, "northing": 395200.0},
            {"postcode": "SE61AA", "easting": None, "northing": None, "lsoa_code": "E01003320"},
        ])
    return project


def assets(project):
    return project.query("SELECT * FROM assets ORDER BY id")


def test_fields_and_suggested_mapping():
    assert [f for f, _, req in FIELDS if req] == ["name"]
    assert suggest_mapping(["pharmacy_name", "address", "postcode", "ward_name",
                            "organisation_data_service_code", "la_name"]) == {
        "name": "pharmacy_name", "postcode": "postcode", "address": "address",
        "source_id": "organisation_data_service_code"}
    assert suggest_mapping(["Organisation", "Type", "Lat", "Long", "Capacity", "ID"]) == {
        "name": "Organisation", "category": "Type", "latitude": "Lat", "longitude": "Long",
        "capacity": "Capacity", "source_id": "ID"}
    got = suggest_mapping(["Site name", "Service", "X", "Y", "Post Code"])
    assert got == {"name": "Site name", "category": "Service", "easting": "X", "northing": "Y",
                   "postcode": "Post Code"}
    # a latitude without a longitude is no location
    assert "latitude" not in suggest_mapping(["name", "lat"])


def test_latlon_register_detected_and_imported(project, tmp_path):
    f = write(tmp_path / "trafford_libraries.csv", [
        "name,address,postcode,type,email,area_name,area_code,lon,lat",
        'Altrincham Library,"2 Pott Street, Altrincham",WA14 1AH,Library,a@b,Trafford,'
        "E08000009,-2.352156600534233,53.38705468210445",
        'Coppice Library,"Coppice Avenue, Sale",M33 4ND,Library,c@d,Trafford,E08000009,'
        "-2.351126,53.414091",
    ])
    kind, reason = detect(f)
    assert kind == "assets" and "latitude/longitude" in reason
    rep = run_import(project, f)
    a = assets(project)
    assert rep.rows_accepted == 2 and a["name"].tolist() == ["Altrincham Library",
                                                             "Coppice Library"]
    e, n = geo.lonlat_to_bng(np.array([-2.352156600534233]), np.array([53.38705468210445]))
    assert a.loc[0, "easting"] == pytest.approx(e[0])
    assert a.loc[0, "northing"] == pytest.approx(n[0])
    assert a.loc[0, "category"] == "Library" and a.loc[0, "capacity"] == 1.0
    assert a.loc[0, "postcode"] == "WA14 1AH" and a.loc[0, "address"] == "2 Pott Street, Altrincham"
    assert a.loc[0, "source"] == "trafford_libraries.csv"


def test_postcode_and_easting_northing_registers(with_postcodes, tmp_path):
    f = write(tmp_path / "food banks.csv", [
        "Name,Referral method,Address,Postcode",
        "Trussell Trust,Voucher,Partington,m31 4bu",
        "Stretford Foodbank,Voucher,Stretford,M32  9AF",
    ])
    kind, reason = detect(f)
    assert kind == "assets" and "postcodes" in reason
    rep = run_import(with_postcodes, f)
    a = assets(with_postcodes)
    assert a[["easting", "northing"]].values.tolist() == [[372000, 392000], [378500, 395200]]
    assert a["postcode"].tolist() == ["M31 4BU", "M32 9AF"]
    # no category column: the file's name, with a warning
    assert set(a["category"]) == {"Food bank"}     # the kind of site, as one is called
    assert any("no category column" in w for w in rep.warnings)
    bng = write(tmp_path / "hubs.csv", ["Site name,Service,Easting,Northing",
                                        "Hub A,Family hub,530000,180000"])
    assert detect(bng)[0] == "assets"
    run_import(with_postcodes, bng)
    assert assets(with_postcodes).iloc[-1][["easting", "category"]].tolist() == [530000,
                                                                                  "Family hub"]


def test_every_rejection_reason(with_postcodes, tmp_path):
    f = write(tmp_path / "register.csv", [
        "Name,Category,Latitude,Longitude,Postcode,Capacity",
        "Good,Hub,53.41,-2.35,,2",              # 2 good
        "Paris,Hub,48.85,2.35,,",               # 3 outside GB
        "Swapped,Hub,-2.35,53.41,,",            # 4 swapped
        "Lost,Hub,,,M1 1ZZ,",                   # 5 postcode not found
        "Bad pc,Hub,,,NOTAPC,",                 # 6 malformed postcode
        "Nowhere,Hub,,,,",                      # 7 no location
        ",Hub,53.41,-2.35,,",                   # 8 empty name
        "Neg,Hub,53.41,-2.35,,-1",              # 9 negative capacity
        "Text,Hub,53.41,-2.35,,lots",           # 10 capacity not a number
        "Lat text,Hub,north,-2.35,,",           # 11 latitude not a number
        "No coords,Hub,,,SE6 1AA,",             # 12 postcode without coordinates
        "Blank category,,53.41,-2.35,,",        # 13 empty category
    ])
    with pytest.raises(ImportRejected) as err:
        run_import(with_postcodes, f)
    rej = err.value.report.sorted_rejections()
    assert dict(zip(rej["row"], rej["reason"], strict=True)) == {
        3: OUTSIDE_GB, 4: SWAPPED_LATLON, 5: POSTCODE_NOT_FOUND, 6: MALFORMED_POSTCODE,
        7: NO_LOCATION, 8: MISSING_VALUE, 9: NEGATIVE_COUNT, 10: NOT_A_NUMBER, 11: NOT_A_NUMBER,
        12: POSTCODE_NO_COORDS, 13: MISSING_VALUE}
    assert with_postcodes.counts()["assets"] == 0
    assert with_postcodes.counts()["provenance"] == 0
    rep = run_import(with_postcodes, f, accept_partial=True)
    assert rep.rows_accepted == 1
    assert assets(with_postcodes)[["name", "capacity"]].values.tolist() == [["Good", 2.0]]


def test_options_override_mapping_and_fix_category(project, tmp_path):
    f = write(tmp_path / "mixed.csv", ["Org,Kind,Title,lat,lon",
                                       "A place,Library,Dr,53.41,-2.35",
                                       "B place,library,Mr,53.42,-2.36"])
    run_import(project, f, options={"name": "Org", "category": "Kind"})
    a = assets(project)
    assert a["name"].tolist() == ["A place", "B place"]
    # spellings that differ only in case become one category
    assert set(a["category"]) == {"Library"}
    run_import(project, f, options={"name": "Org", "category_value": "Warm space"})
    run_import(project, f, options={"name": "Org", "category": "Community venue"})
    assert assets(project)["category"].tolist()[2:] == ["Warm space"] * 2 + [
        "Community venue"] * 2
    with pytest.raises(UserError, match="column 'Nope'"):
        run_import(project, f, options={"name": "Nope"})


def test_xlsx_register(project, tmp_path):
    f = tmp_path / "register.xlsx"
    pd.DataFrame({"Organisation": ["Hub"], "Type": ["Family hub"], "Easting": [530000],
                  "Northing": [180000], "Places": [30]}).to_excel(f, index=False)
    assert detect(f)[0] == "assets"
    run_import(project, f)
    assert assets(project)[["name", "capacity", "easting"]].values.tolist() == [
        ["Hub", 30.0, 530000.0]]


def geojson(path, features, crs=None):
    data = {"type": "FeatureCollection", "features": features}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_geojson_points_and_polygons(project, tmp_path):
    pts = geojson(tmp_path / "libraries.geojson", [
        {"type": "Feature", "properties": {"Name": "Hale Library", "Type": "Library"},
         "geometry": {"type": "Point", "coordinates": [-2.35, 53.37]}},
        {"type": "Feature", "properties": {"Name": "Sale Library", "Type": "Library"},
         "geometry": {"type": "MultiPoint", "coordinates": [[-2.32, 53.42]]}},
    ], crs="urn:ogc:def:crs:OGC:1.3:CRS84")
    kind, reason = detect(pts)
    assert kind == "assets" and "GeoJSON points" in reason
    run_import(project, pts)
    a = assets(project)
    e, n = geo.lonlat_to_bng(np.array([-2.35, -2.32]), np.array([53.37, 53.42]))
    assert np.allclose(a["easting"], e) and np.allclose(a["northing"], n)
    ring = [[-2.2974, 53.4558], [-2.2977, 53.4559], [-2.2975, 53.4560], [-2.2972, 53.4559],
            [-2.2974, 53.4558]]
    poly = geojson(tmp_path / "places_of_worship.geojson", [
        {"type": "Feature", "properties": {"ID": "X1", "DISTNAME": "Gorse Hill Church",
                                           "CLASSIFICA": "Place Of Worship"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}])
    assert detect(poly)[0] == "assets"
    rep = run_import(project, poly)
    assert any("polygons" in w for w in rep.warnings)
    church = assets(project).iloc[-1]
    assert church["name"] == "Gorse Hill Church" and church["category"] == "Place Of Worship"
    footprint = shapely.Polygon(np.column_stack(geo.lonlat_to_bng(*np.array(ring).T)))
    assert footprint.contains(shapely.Point(church["easting"], church["northing"]))
    bng = geojson(tmp_path / "hubs.geojson", [
        {"type": "Feature", "properties": {"name": "Hub", "category": "Family hub"},
         "geometry": {"type": "Point", "coordinates": [530000, 180000]}}],
        crs="urn:ogc:def:crs:EPSG::27700")
    run_import(project, bng)
    assert assets(project).iloc[-1][["easting", "northing"]].tolist() == [530000, 180000]


def test_geojson_without_names_is_not_an_asset_register(tmp_path):
    f = geojson(tmp_path / "centroids.json", [
        {"type": "Feature", "properties": {"objectid": 1, "LSOA11CD": "E01000001"},
         "geometry": {"type": "Point", "coordinates": [-0.1, 51.5]}}])
    assert detect(f)[0] == "centroids"      # one point per area code: centroids, not assets


def test_not_detected_without_location(tmp_path):
    f = write(tmp_path / "people.csv", ["name,role", "Ann,Chair"])
    with pytest.raises(UserError, match="not a kind of file"):
        detect(f)


def test_reimport_with_ids_updates(project, tmp_path):
    f = write(tmp_path / "hubs.csv", ["ID,Name,Category,Easting,Northing",
                                      "H1,Hub one,Family hub,530000,180000",
                                      "H2,Hub two,Family hub,531000,181000"])
    run_import(project, f)
    first = assets(project)
    f2 = write(tmp_path / "hubs.csv", ["ID,Name,Category,Easting,Northing",
                                       "H1,Hub one renamed,Family hub,530500,180500",
                                       "H3,Hub three,Family hub,532000,182000"])
    rep = run_import(project, f2)
    a = assets(project).set_index("source_id")
    assert sorted(a.index) == ["H1", "H2", "H3"]
    assert a.loc["H1", "id"] == first.set_index("source_id").loc["H1", "id"]
    assert a.loc["H1", ["name", "easting"]].tolist() == ["Hub one renamed", 530500]
    assert rep.details["updated"] == 1 and rep.details["added"] == 1
    dup = write(tmp_path / "dups.csv", ["ID,Name,Category,Easting,Northing",
                                        "D1,A,Hub,530000,180000", "D1,B,Hub,530000,180000"])
    with pytest.raises(ImportRejected) as err:
        run_import(project, dup)
    assert err.value.report.sorted_rejections()["reason"].tolist() == [DUPLICATE_KEY]


def test_cancel_and_failure_leave_project_unchanged(project, tmp_path):
    from phdesk.core.progress import Cancelled

    f = write(tmp_path / "hubs.csv", ["Name,Category,Easting,Northing",
                                      "Hub,Family hub,530000,180000"])
    with pytest.raises(Cancelled):
        run_import(project, f, progress=lambda frac, msg: None,
                   cancelled=lambda: project.scalar("SELECT count(*) FROM assets") > 0)
    assert project.counts()["assets"] == 0 and project.counts()["provenance"] == 0
    prepared = prepare_import(project, f)
    original = prepared.write

    def broken(writer, prog):
        original(writer, prog)
        raise RuntimeError("crash")

    prepared.write = broken
    with pytest.raises(RuntimeError):
        commit_import(project, prepared)
    assert project.counts()["assets"] == 0 and project.counts()["provenance"] == 0


def test_many_unknown_postcodes_are_summarised(with_postcodes, tmp_path):
    rows = [f"Library {i},Library,S{i} 1AA" for i in range(1, 13)]
    f = write(tmp_path / "libraries_england.csv", ["name,type,postcode", *rows,
                                                   "Here,Library,M31 4BU.", "Mobile,Library,n/a"])
    with pytest.raises(ImportRejected) as err:
        run_import(with_postcodes, f)
    rep = err.value.report
    assert rep.rows_rejected == 13
    assert any("12 rows have postcodes that are not in the project's postcode lookup "
               "(postcode areas: S 12)" in w and "accept the 1 rows" in w for w in rep.warnings)
    rep = run_import(with_postcodes, f, accept_partial=True)
    assert assets(with_postcodes)[["name", "postcode"]].values.tolist() == [["Here", "M31 4BU"]]


def test_a_file_without_a_category_column_gives_the_kind_its_name_says(project, tmp_path):
    """Councils name files after the place and the kind ("trafford_food_banks.csv"): the sites
    get the kind, without the place (known from the project's LSOA names), as one is called."""
    from phdesk.core.imports.category_names import file_category, place_words

    places = place_words(["Trafford 025A", "Barking and Dagenham 001A", "Kingston upon Thames 1",
                          "Waltham Forest 012B", "Tower Hamlets 003C", "City of London 001F"])
    assert places == {("trafford",), ("barking", "dagenham"), ("kingston", "thames"),
                      ("waltham", "forest"), ("tower", "hamlets"), ("city", "london")}
    named = {s: file_category(s, places) for s in [
        "trafford_food_banks", "trafford_places_of_worship", "trafford_childrens_centres",
        "GP_practices", "barking_and_dagenham_churches", "community_assets_2024", "Trafford",
        "forest_school_sites", "tower-hamlets-libraries", "city_of_london_city_farms",
        "barking_dagenham_pharmacies", "Waltham Forest Youth Clubs"]}
    assert named == {
        "trafford_food_banks": "Food bank", "trafford_places_of_worship": "Place of worship",
        "trafford_childrens_centres": "Children's centre", "GP_practices": "GP practice",
        "barking_and_dagenham_churches": "Church", "community_assets_2024": "Community asset",
        "Trafford": "Trafford",
        # a place is taken out only whole: Waltham Forest's "forest" alone is no place
        "forest_school_sites": "Forest school site", "tower-hamlets-libraries": "Library",
        "city_of_london_city_farms": "City farm", "barking_dagenham_pharmacies": "Pharmacy",
        "Waltham Forest Youth Clubs": "Youth club"}
    with project.transaction() as db:   # an area named as LSOAs are: the place, then a code
        db["areas"].insert({"code": "E01006074", "name": "Trafford 025A", "level": "lsoa"})
    f = write(tmp_path / "trafford_food_banks.csv", [
        "Name,Latitude,Longitude", "Pantry,53.4558,-2.2974"])
    rep = run_import(project, f)
    assert assets(project).iloc[-1]["category"] == "Food bank"
    assert any("no category column" in w and "'Food bank'" in w for w in rep.warnings)


def test_categories_that_all_name_the_files_kind_are_pointed_out_not_merged(project, tmp_path):
    f = write(tmp_path / "libraries.csv", [
        "Name,Type,Latitude,Longitude",
        "Altrincham Library,Local authority run library,53.4558,-2.2974",
        "Coppice Library,Partnership run library,53.4559,-2.2975"])
    rep = run_import(project, f)
    cats = set(assets(project)["category"])
    assert {"Local authority run library", "Partnership run library"} <= cats
    hint = [w for w in rep.warnings if "all name a library" in w]
    assert hint and "Rename or merge category" in hint[0]
    one = write(tmp_path / "clubs.csv", ["Name,Type,Latitude,Longitude",
                                         "Hall,Lunch club,53.4558,-2.2974"])
    rep = run_import(project, one)
    assert "Lunch club" in set(assets(project)["category"])
    assert not any("all name" in w for w in rep.warnings)
