"""Boundaries importer: GeoJSON (4326 / 27700), Shapefile, zipped Shapefile, GeoPackage."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from phdesk.core.errors import UserError
from phdesk.core.imports import (
    Sample,
    boundaries,
    commit_import,
    detect,
    prepare_import,
    run_import,
)
from phdesk.core.imports.geopackage import gpkg_to_wkb
from phdesk.core.imports.report import DUPLICATE_KEY, MALFORMED_AREA_CODE
from phdesk.store.queries import areas_frame
from tests.core.imports import fixtures_a as fx

LSOA11 = [{"LSOA11CD": c, "LSOA11NM": f"Lewisham {i:03d}A"} for i, c in enumerate(fx.CODES[:4])]


def test_geojson_4326_without_crs_is_projected_to_bng(project, tmp_path):
    sq = fx.squares(4)
    path = fx.write_geojson(tmp_path / "lsoa.json", [fx.to_lonlat(g) for g in sq], LSOA11)
    rep = run_import(project, path)
    assert rep.kind == "boundaries" and "LSOA 2011 polygons (GeoJSON)" in rep.reason
    assert rep.details["source_epsg"] == 4326
    areas = areas_frame(project)
    assert areas["code"].tolist() == fx.CODES[:4]
    assert set(areas["level"]) == {"lsoa"} and set(areas["vintage"]) == {2011}
    assert areas["name"].iloc[0] == "Lewisham 000A"
    for g, orig in zip(areas["geometry"], sq, strict=True):
        # projected back to metres: within a metre of the original square
        assert g.symmetric_difference(orig).area < 200 * 4
        assert g.area == pytest.approx(orig.area, rel=1e-3)
    assert np.allclose(areas["centroid_e"], [s.centroid.x for s in sq], atol=1.0)


@pytest.mark.parametrize("crs", ["urn:ogc:def:crs:EPSG::27700", "EPSG:27700"])
def test_geojson_declared_27700_is_not_transformed(project, tmp_path, crs):
    sq = fx.squares(2)
    props = [{"area_code": c, "area_name": "x"} for c in fx.CODES[:2]]
    path = fx.write_geojson(tmp_path / "b.geojson", sq, props, crs=crs)
    rep = run_import(project, path, options={"vintage": "2021"})
    assert rep.details["source_epsg"] == 27700
    areas = areas_frame(project)
    assert areas["geometry"].iloc[0].equals(sq[0])
    assert set(areas["vintage"]) == {2021}


def test_crs84_geojson_and_vintage_from_file_name(project, tmp_path):
    props = [{"area_code": c, "area_name": "x"} for c in fx.CODES[:3]]
    path = fx.write_geojson(tmp_path / "trafford_lsoa21_generalised.geojson",
                            [fx.to_lonlat(g) for g in fx.squares(3)], props,
                            crs="urn:ogc:def:crs:OGC:1.3:CRS84")
    rep = run_import(project, path)
    assert rep.details["source_epsg"] == 4326
    assert rep.details["vintage"] == 2021
    assert any("file name" in w for w in rep.warnings)


def test_declared_crs_contradicted_by_coordinates(project, tmp_path):
    path = fx.write_geojson(tmp_path / "bad.geojson", fx.squares(2),
                            [{"LSOA11CD": c} for c in fx.CODES[:2]], crs="EPSG:4326")
    with pytest.raises(UserError, match="says EPSG:4326 but its coordinates look like "
                                        "EPSG:27700"):
        prepare_import(project, path)


def test_shapefile_with_prj(project, tmp_path):
    props = [{"LSOA21CD": c, "LSOA21NM": "n", "LAD22CD": "E09000023"} for c in fx.CODES[:4]]
    shp = fx.write_shapefile(tmp_path / "lsoa21.shp", fx.squares(4), props)
    kind, reason = detect(shp)
    assert kind == "boundaries" and reason == "LSOA 2021 polygons (Shapefile): 'LSOA21CD' column"
    rep = run_import(project, shp)
    assert rep.details["format"] == "Shapefile" and rep.details["source_epsg"] == 27700
    areas = areas_frame(project)
    assert set(areas["vintage"]) == {2021}
    assert areas["geometry"].iloc[0].normalize().equals(fx.squares(1)[0].normalize())


def test_zipped_shapefile_and_gpkg(project, tmp_path):
    props = [{"MSOA21CD": f"E0200{i:04d}", "MSOA21NM": f"M{i}"} for i in range(1, 4)]
    shp = fx.write_shapefile(tmp_path / "msoa.shp", fx.squares(3), props)
    z = fx.zip_shapefile(shp, tmp_path / "msoa.zip")
    assert detect(z)[0] == "boundaries"
    rep = run_import(project, z)
    assert rep.rows_accepted == 3
    assert set(areas_frame(project)["level"]) == {"msoa"}

    multi = [shapely.MultiPolygon([g]) for g in fx.squares(3, x0=540000)]
    lad = [{"LAD22CD": f"E0900002{i}", "LAD22NM": f"Borough {i}"} for i in range(3)]
    gpkg = fx.write_gpkg(tmp_path / "lad.gpkg", multi, lad, table="lad")
    kind, reason = detect(gpkg)
    assert kind == "boundaries" and "GeoPackage" in reason and "LAD22CD" in reason
    rep = run_import(project, gpkg)
    assert rep.details["layer"] == "lad"
    areas = areas_frame(project, level="lad")
    assert areas["code"].tolist() == [d["LAD22CD"] for d in lad]
    assert areas["geometry"].iloc[1].equals(multi[1])
    assert set(areas["vintage"]) == {2022}


def test_gpkg_header_is_stripped(tmp_path):
    g = fx.squares(1)[0]
    blob = fx.gpkg_blob(g)
    assert blob[:2] == b"GP" and len(blob) == 8 + 32 + len(shapely.to_wkb(g))
    assert shapely.from_wkb(gpkg_to_wkb(blob)).equals(g)
    empty = bytearray(blob)
    empty[3] |= 0x10  # empty-geometry flag
    assert gpkg_to_wkb(bytes(empty)) is None


def test_invalid_polygons_repaired_and_bad_features_rejected(project, tmp_path):
    x, y = 537000, 172000
    bowtie = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    assert not bowtie.is_valid
    geoms = [fx.squares(1)[0], bowtie, None, shapely.Point(x, y), fx.squares(1, x0=539000)[0],
             fx.squares(1, x0=538000)[0], fx.squares(1, x0=541000)[0]]
    props = [{"LSOA11CD": c} for c in
             [fx.CODES[0], fx.CODES[1], fx.CODES[2], fx.CODES[3], "E0100ABC", fx.CODES[5],
              fx.CODES[5]]]
    path = fx.write_geojson(tmp_path / "mixed.geojson", geoms, props, crs="EPSG:27700")
    prepared = prepare_import(project, path)
    rep = prepared.report
    got = {(int(r.row), r.reason) for r in rep.sorted_rejections().itertuples()}
    assert got == {(3, boundaries.EMPTY_GEOMETRY), (4, boundaries.NOT_POLYGON),
                   (5, MALFORMED_AREA_CODE), (6, DUPLICATE_KEY), (7, DUPLICATE_KEY)}
    assert any("1 invalid polygons repaired" in w for w in rep.warnings)
    commit_import(project, prepared, accept_partial=True)
    areas = areas_frame(project)
    assert areas["code"].tolist() == fx.CODES[:2]
    fixed = areas["geometry"].iloc[1]
    assert fixed.is_valid and fixed.area == pytest.approx(5000)


def test_centroid_outside_polygon_uses_point_on_surface(project, tmp_path):
    x, y = 537000, 172000
    u_shape = shapely.Polygon([(x, y), (x + 300, y), (x + 300, y + 300), (x + 200, y + 300),
                               (x + 200, y + 100), (x + 100, y + 100), (x + 100, y + 300),
                               (x, y + 300)])
    assert not u_shape.contains(u_shape.centroid)
    path = fx.write_geojson(tmp_path / "u.geojson", [u_shape, fx.squares(1)[0]],
                            [{"LSOA11CD": fx.CODES[0]}, {"LSOA11CD": fx.CODES[1]}],
                            crs="EPSG:27700")
    run_import(project, path)
    a = areas_frame(project)
    assert u_shape.contains(shapely.Point(a["centroid_e"].iloc[0], a["centroid_n"].iloc[0]))
    sq = fx.squares(1)[0]
    assert (a["centroid_e"].iloc[1], a["centroid_n"].iloc[1]) == (sq.centroid.x, sq.centroid.y)


def test_upsert_by_code_keeps_population_weighted_centroid(project, tmp_path):
    path = fx.write_geojson(tmp_path / "a.geojson", fx.squares(2),
                            [{"LSOA11CD": c, "LSOA11NM": "old"} for c in fx.CODES[:2]],
                            crs="EPSG:27700")
    run_import(project, path)
    with project.transaction() as db:
        db.execute("UPDATE areas SET pw_centroid_e = 1, pw_centroid_n = 2")
    path2 = fx.write_geojson(tmp_path / "b.geojson", fx.squares(2),
                             [{"LSOA11CD": c, "LSOA11NM": "new"} for c in fx.CODES[:2]],
                             crs="EPSG:27700")
    run_import(project, path2)
    a = areas_frame(project)
    assert len(a) == 2 and set(a["name"]) == {"new"}
    assert set(a["pw_centroid_e"]) == {1.0}


def test_neighbourhood_polygons_go_to_neighbourhoods(project, tmp_path):
    path = fx.write_geojson(tmp_path / "hoods.geojson", fx.squares(2),
                            [{"neighbourhood": "North"}, {"neighbourhood": "South"}],
                            crs="EPSG:27700")
    kind, reason = detect(path)
    assert kind == "boundaries" and "neighbourhood polygons" in reason
    run_import(project, path)
    assert project.counts()["areas"] == 0
    df = project.query("SELECT name, geometry FROM neighbourhoods ORDER BY name")
    assert df["name"].tolist() == ["North", "South"]
    assert shapely.from_wkb(df["geometry"].iloc[0]).equals(fx.squares(1)[0])


def test_points_are_not_boundaries(project, tmp_path):
    pts = [shapely.Point(-0.02, 51.44 + i / 100) for i in range(3)]
    path = fx.write_geojson(tmp_path / "lbl_lsoa11_centroids.json", pts,
                            [{"LSOA11CD": c, "LSOA11NM": "n"} for c in fx.CODES[:3]])
    assert boundaries.detect(Sample(path)) is None
    with pytest.raises(UserError, match="Points, not polygons"):
        prepare_import(project, path, kind="boundaries")


def test_footprints_sharing_an_area_code_are_not_boundaries(tmp_path):
    path = fx.write_geojson(tmp_path / "worship.geojson", fx.squares(4),
                            [{"ID": str(i), "area_code": "E08000009"} for i in range(4)])
    assert boundaries.detect(Sample(path)) is None


def test_failing_write_rolls_back(project, tmp_path, monkeypatch):
    run_import(project, fx.write_geojson(tmp_path / "a.geojson", fx.squares(2),
                                         [{"LSOA11CD": c} for c in fx.CODES[:2]],
                                         crs="EPSG:27700"))
    before = (project.counts(), areas_frame(project)["centroid_e"].tolist())
    prepared = prepare_import(project, fx.write_geojson(
        tmp_path / "b.geojson", fx.squares(4, x0=600000),
        [{"LSOA11CD": c} for c in fx.CODES[:4]], crs="EPSG:27700"))
    monkeypatch.setattr(boundaries, "BATCH", 1)
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 2  # after the first batch of one area was written

    from phdesk.core.progress import Cancelled
    with pytest.raises(Cancelled):
        commit_import(project, prepared, cancelled=cancelled)
    assert (project.counts(), areas_frame(project)["centroid_e"].tolist()) == before


def test_replacing_boundaries_of_another_vintage_warns(project, tmp_path):
    run_import(project, fx.write_geojson(tmp_path / "a.geojson", fx.squares(2),
                                         [{"LSOA11CD": c} for c in fx.CODES[:2]],
                                         crs="EPSG:27700"))
    rep = prepare_import(project, fx.write_geojson(
        tmp_path / "b.geojson", fx.squares(3), [{"LSOA21CD": c} for c in fx.CODES[:3]],
        crs="EPSG:27700")).report
    assert any("2 areas already stored with 2011 boundaries" in w for w in rep.warnings)


def test_zip_holding_geojson_and_gpkg_in_4326(project, tmp_path):
    import zipfile

    gj = fx.write_geojson(tmp_path / "inner.geojson", [fx.to_lonlat(g) for g in fx.squares(2)],
                          [{"LSOA21CD": c} for c in fx.CODES[:2]])
    z = tmp_path / "download.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(gj, "data/inner.geojson")
        zf.writestr("readme.txt", "ONS boundaries")
    rep = run_import(project, z)
    assert rep.details["format"] == "GeoJSON" and rep.rows_accepted == 2

    lonlat = [shapely.MultiPolygon([fx.to_lonlat(g)]) for g in fx.squares(2, x0=545000)]
    gpkg = fx.write_gpkg(tmp_path / "w.gpkg", lonlat, [{"WD22CD": f"E0501371{i}"}
                                                        for i in range(2)], srs_id=4326)
    rep = run_import(project, gpkg)
    assert rep.details["source_epsg"] == 4326
    wards = areas_frame(project, level="ward")
    assert wards["geometry"].iloc[0].symmetric_difference(fx.squares(1, x0=545000)[0]).area < 800


def test_shapefile_without_prj_or_dbf(project, tmp_path):
    shp = fx.write_shapefile(tmp_path / "noprj.shp", fx.squares(2),
                             [{"LSOA11CD": c} for c in fx.CODES[:2]], prj=None)
    rep = prepare_import(project, shp).report
    assert any("EPSG:27700 assumed" in w for w in rep.warnings)
    shp.with_suffix(".dbf").unlink()
    with pytest.raises(UserError, match=r"\.dbf .*missing"):
        prepare_import(project, shp, kind="boundaries")


def test_zip_without_spatial_layer(project, tmp_path):
    import zipfile

    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("notes.txt", "nothing here")
    with pytest.raises(UserError, match="holds no shapefile"):
        prepare_import(project, z, kind="boundaries")


def test_big_geojson_detected_from_its_beginning(tmp_path, monkeypatch):
    from phdesk.core.imports import geofiles

    props = [{"area_code": c, "area_name": "n"} for c in fx.CODES]
    path = fx.write_geojson(tmp_path / "big.geojson", [fx.to_lonlat(g) for g in fx.squares(6)],
                            props, crs="urn:ogc:def:crs:OGC:1.3:CRS84")
    monkeypatch.setattr(geofiles, "PEEK_FULL_BYTES", path.stat().st_size // 2)
    peek = geofiles.peek_geo(path)
    assert peek.columns == ["area_code", "area_name"]  # not the crs member's "name"
    assert 1 <= len(peek.sample) < 6 and peek.geom_types == {"Polygon"}
    assert boundaries.detect(Sample(path)) == "LSOA polygons (GeoJSON): 'area_code' column"


def test_gpkg_declared_generic_geometry(tmp_path):
    import sqlite3

    path = fx.write_gpkg(tmp_path / "g.gpkg", fx.squares(2), [{"LSOA21CD": c}
                                                              for c in fx.CODES[:2]])
    con = sqlite3.connect(path)
    con.execute("UPDATE gpkg_geometry_columns SET geometry_type_name = 'GEOMETRY'")
    con.commit()
    con.close()
    assert "LSOA 2021 polygons (GeoPackage)" in boundaries.detect(Sample(path))


def test_polygon_that_cannot_be_repaired_is_rejected(project, tmp_path):
    x, y = 537000, 172000
    flat = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 200, y + 200), (x, y)])
    assert not flat.is_valid
    path = fx.write_geojson(tmp_path / "flat.geojson", [fx.squares(1)[0], flat],
                            [{"LSOA11CD": c} for c in fx.CODES[:2]], crs="EPSG:27700")
    rep = prepare_import(project, path).report
    got = [(int(r.row), r.reason) for r in rep.sorted_rejections().itertuples()]
    assert got == [(2, boundaries.UNREPAIRABLE)]
