"""Malformed and hostile files thrown at every importer, through the command line and the API.

The standard: bad input gets a one-line (or report) message naming the file, exit status 2, no
traceback, and the project file is left byte-for-byte as it was; a file that is in fact fine is
imported (exit 0). Odd-but-readable inputs (UTF-16, a BOM on a Windows-1252 file, lower-case
area codes) are read, as docs/imports-a.md describes.
"""

from __future__ import annotations

import io
import json
import random
import sqlite3
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from phdesk import cli
from phdesk.core.errors import UserError
from phdesk.core.imports import KINDS, run_import
from phdesk.core.imports.report import NO_LOCATION, NOT_A_NUMBER, OUTSIDE_GB
from phdesk.store.project import Project
from tests.core.imports import fixtures_a as fx

ASSET_HEADER = "name,category,easting,northing\n"
ROW = "A,Library,537000,172000\n"


def _b(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def _fc(features: list) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def _feature(geometry, code: str = fx.CODES[0]) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": {"LSOA21CD": code}}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _shapefile(d: Path) -> Path:
    d.mkdir(exist_ok=True)
    return fx.write_shapefile(d / "sq.shp", fx.squares(2), [{"LSOA21CD": c} for c in fx.CODES[:2]])


def _xlsx_bytes(tmp: Path) -> bytes:
    p = tmp / "good_source.xlsx"
    pd.DataFrame({"name": ["A"], "category": ["Library"], "easting": [537000],
                  "northing": [172000]}).to_excel(p, index=False)
    return p.read_bytes()


def _sqlite(path: Path, script: str) -> Path:
    con = sqlite3.connect(path)
    con.executescript(script)
    con.commit()
    con.close()
    return path


# name -> writer(tmp_path) -> file. Each is unreadable or wrong for every kind.
UNREADABLE = {
    "empty.csv": lambda t: _b(t / "empty.csv", b""),
    "blank_lines.csv": lambda t: _b(t / "blank_lines.csv", "  \n\n \t\n"),
    "only_bom.csv": lambda t: _b(t / "only_bom.csv", b"\xef\xbb\xbf"),
    "binary.csv": lambda t: _b(t / "binary.csv", random.Random(1).randbytes(5000)),
    "binary_no_nul.csv": lambda t: _b(t / "binary_no_nul.csv", bytes(
        b for b in random.Random(2).randbytes(9000) if b)[:5000]),
    "csv_named.xlsx": lambda t: _b(t / "csv_named.xlsx", ASSET_HEADER + ROW),
    "zip_of_junk.xlsx": lambda t: _b(t / "zip_of_junk.xlsx", _zip({"junk.txt": b"hello"})),
    "truncated.xlsx": lambda t: _b(t / "truncated.xlsx", _xlsx_bytes(t)[:2000]),
    "truncated.geojson": lambda t: _b(t / "truncated.geojson", _fc(
        [_feature(json.loads(shapely.to_geojson(g))) for g in fx.squares(2)])[:150]),
    "not_a_collection.geojson": lambda t: _b(t / "not_a_collection.geojson", "[1, 2, 3]"),
    "features_not_a_list.geojson": lambda t: _b(t / "features_not_a_list.geojson",
                                                '{"type": "FeatureCollection", "features": 5}'),
    "null_geometries.geojson": lambda t: _b(t / "null_geometries.geojson", _fc(
        [_feature(None, c) for c in fx.CODES[:3]])),
    "no_shapefile.zip": lambda t: _b(t / "no_shapefile.zip", _zip({"readme.txt": b"none"})),
    "two_shapefiles.zip": lambda t: _b(t / "two_shapefiles.zip", _zip({
        f"{d}/sq{ext}": _shapefile(t / "src").with_suffix(ext).read_bytes()
        for d in ("a", "b") for ext in (".shp", ".shx", ".dbf")})),
    "not_a_zip.zip": lambda t: _b(t / "not_a_zip.zip", "not a zip"),
    "lone.shp": lambda t: _b((t / "lone").mkdir() or t / "lone" / "lone.shp",
                             _shapefile(t / "src").read_bytes()),
    "junk.shp": lambda t: _b(t / "junk.shp", random.Random(3).randbytes(300)),
    "not_sqlite.gpkg": lambda t: _b(t / "not_sqlite.gpkg", "hello world " * 20),
    "no_features.gpkg": lambda t: _sqlite(t / "no_features.gpkg", "CREATE TABLE x (a);"),
    "features_table_missing.gpkg": lambda t: _sqlite(t / "features_table_missing.gpkg", """
        CREATE TABLE gpkg_contents (table_name, data_type, identifier, srs_id);
        INSERT INTO gpkg_contents VALUES ('gone', 'features', 'gone', 27700);"""),
    "unclosed_quote.csv": lambda t: _b(t / "unclosed_quote.csv",
                                       ASSET_HEADER + '"A,Library,537000,172000\nB,Library,1,2\n'),
    "more_cells_than_header.csv": lambda t: _b(
        t / "more_cells_than_header.csv", ASSET_HEADER + "A,Library,537000,172000,x,y\n" + ROW),
    "nul_mid_file.csv": lambda t: _b(t / "nul_mid_file.csv",
                                     ASSET_HEADER + ROW * 300 + "B\x00x,Library,537000,172000\n"),
    "one_column.csv": lambda t: _b(t / "one_column.csv", "hello\nworld\n"),
}


def _empty_workbook(t: Path) -> Path:
    pd.DataFrame().to_excel(t / "empty_book.xlsx", index=False)
    return t / "empty_book.xlsx"


def _bad_dbf(t: Path) -> Path:
    shp = _shapefile(t / "dbf")
    shp.with_suffix(".dbf").write_bytes(b"garbage" * 10)
    return shp


UNREADABLE["empty_book.xlsx"] = _empty_workbook
UNREADABLE["bad_dbf.shp"] = _bad_dbf
UNREADABLE["crlf_only.csv"] = lambda t: _b(t / "crlf_only.csv", b"\r\n\r\n\r\n")


def _truncated_shp(t: Path) -> Path:
    shp = _shapefile(t / "src")
    d = t / "trunc"
    d.mkdir()
    for ext in (".shx", ".dbf", ".prj"):
        (d / f"sq{ext}").write_bytes(shp.with_suffix(ext).read_bytes())
    return _b(d / "sq.shp", shp.read_bytes()[:150])


UNREADABLE["truncated.shp"] = _truncated_shp


def cli_import(capsys, project_path: Path, path: Path, kind: str | None = None,
               *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    rc = cli.main(["import", str(project_path), str(path), *(["--kind", kind] if kind else []),
                   *extra])
    out = capsys.readouterr()
    return rc, out.err + out.out


@pytest.fixture
def project_file(tmp_path):
    path = tmp_path / "p.phdesk"
    Project.create(path).close()
    return path


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_files_exit_2_name_the_file_and_change_nothing(tmp_path, capsys, project_file,
                                                                  name):
    path = UNREADABLE[name](tmp_path)
    before = project_file.read_bytes()
    for kind in [None, *KINDS]:
        rc, msg = cli_import(capsys, project_file, path, kind)
        assert rc == 2, (kind, msg)
        assert "Traceback" not in msg and "unexpected fault" not in msg, (kind, msg)
        assert path.name in msg, (kind, msg)
        assert project_file.read_bytes() == before, kind


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_files_raise_user_error_from_the_api(tmp_path, project, name):
    path = UNREADABLE[name](tmp_path)
    for kind in [None, *KINDS]:
        with pytest.raises(UserError):
            run_import(project, path, kind=kind)
    assert project.counts()["provenance"] == 0
    assert project.provenance().empty


def test_specific_messages(tmp_path, capsys, project_file):
    def msg(name):
        return cli_import(capsys, project_file, UNREADABLE[name](tmp_path))[1]

    assert "2 layers" in msg("two_shapefiles.zip")
    shp = _shapefile(tmp_path / "src")
    nodbf = _b(tmp_path / "nodbf.zip", _zip({f"sq{ext}": shp.with_suffix(ext).read_bytes()
                                             for ext in (".shp", ".shx")}))
    rc, text = cli_import(capsys, project_file, nodbf)
    assert rc == 2 and "nodbf.zip, in the zip: sq.shp: the shapefile's .dbf" in text
    assert "row 2 has 6 cells but the header has 4" in msg("more_cells_than_header.csv")
    assert "row 302, column name: contains a NUL character" in msg("nul_mid_file.csv")
    assert "row 2: a quoted value is never closed" in msg("unclosed_quote.csv")
    assert "Excel workbook" in msg("truncated.xlsx")
    rc, text = cli_import(capsys, project_file, _b(tmp_path / "pcs.csv", "SE13 6AA,1\n"),
                          "postcodes")
    assert rc == 2 and "not the Code-Point Open layout" in text


HEADERS_ONLY = {
    "assets": "name,category,postcode\n",
    "neighbourhoods": "LSOA21CD,Neighbourhood name\n",
    "gp-registrations": "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n",
    "postcodes": "postcode,easting,northing,lsoa11cd\n",
    "segments": "lsoa_code,segment,count\n",
    "deprivation": ",".join(f'"{c}"' for c in fx.file7_frame().columns) + "\n",
}


@pytest.mark.parametrize("kind", sorted(HEADERS_ONLY))
def test_header_only_files(tmp_path, capsys, project_file, kind):
    path = _b(tmp_path / f"header_{kind}.csv", HEADERS_ONLY[kind])
    before = project_file.read_bytes()
    for k in (None, kind):
        rc, msg = cli_import(capsys, project_file, path, k)
        assert rc == 2 and "Traceback" not in msg and path.name in msg, (k, msg)
    assert project_file.read_bytes() == before


def _imported(project_path: Path, sql: str) -> pd.DataFrame:
    p = Project(project_path)
    try:
        return p.query(sql)
    finally:
        p.close()


def test_bad_numbers_are_rejected_with_row_and_column(tmp_path, capsys, project_file):
    """1e309 (overflows to infinity), NaN, inf and dates are not numbers; -0 is zero."""
    path = _b(tmp_path / "counts.csv", "lsoa_code,segment,count\nE01000001,A,1e309\n"
              "E01000001,B,NaN\nE01000001,C,inf\nE01000001,D,-0\nE01000001,E,2024-01-01\n")
    before = project_file.read_bytes()
    rc, msg = cli_import(capsys, project_file, path)
    assert rc == 2 and project_file.read_bytes() == before
    for row, value in [(2, "1e309"), (3, "NaN"), (4, "inf"), (6, "2024-01-01")]:
        assert f"row {row}, column count '{value}': {NOT_A_NUMBER}" in msg
    rc, _ = cli_import(capsys, project_file, path, None, "--accept-partial")
    got = _imported(project_file, "SELECT group_name, count FROM population")
    assert rc == 0 and got.values.tolist() == [["D", 0.0]]


@pytest.mark.parametrize("kind, text, column", [
    ("gp-registrations", "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nG85001,E01003189,{v}\n"
     "G85001,E01003190,5\n", "NUMBER_OF_PATIENTS"),
    ("assets", "name,category,easting,northing\nA,Library,{v},172000\nB,Library,537000,172000\n",
     "easting"),
    ("postcodes", "postcode,easting,northing\nSE13 6AA,{v},172000\nSE13 6AB,537000,172000\n",
     "easting"),
])
@pytest.mark.parametrize("value", ["1e309", "inf", "-inf", "NaN"])
def test_infinite_numbers_never_stored(tmp_path, project, kind, text, column, value):
    path = _b(tmp_path / "f.csv", text.format(v=value))
    rep = run_import(project, path, kind=kind, accept_partial=True)
    rej = rep.rejections
    assert rej[["row", "column", "reason"]].values.tolist() == [[2, column, NOT_A_NUMBER]]
    nums = project.query("SELECT count AS v FROM gp_registrations UNION ALL "
                         "SELECT easting FROM assets UNION ALL SELECT easting FROM postcodes")
    assert len(nums) == 1 and np.isfinite(nums["v"].astype(float)).all()


def test_deprivation_and_population_reject_non_finite_numbers(tmp_path, project):
    df = fx.file7_frame().astype(object)
    score = "Index of Multiple Deprivation (IMD) Score"
    df.loc[0, score], df.loc[1, score] = "1e309", "inf"
    df.to_csv(tmp_path / "iod.csv", index=False)
    rep = run_import(project, tmp_path / "iod.csv", accept_partial=True)
    assert set(rep.rejections["row"]) == {2, 3}
    assert set(rep.rejections["reason"]) == {NOT_A_NUMBER}
    assert np.isfinite(project.query("SELECT score FROM deprivation")["score"]).all()

    t = fx.ts007_frame().astype(object)
    t.iloc[0, -1] = "1e309"
    t.to_csv(tmp_path / "ts007.csv", index=False)
    rep = run_import(project, tmp_path / "ts007.csv", accept_partial=True)
    assert rep.rejections[["row", "reason"]].values.tolist() == [[2, NOT_A_NUMBER]]
    assert np.isfinite(project.query("SELECT count FROM population")["count"]).all()


def test_zero_zero_lat_long_and_blank_postcode_are_rejected(tmp_path, capsys, project_file):
    before = project_file.read_bytes()
    ll = _b(tmp_path / "ll.csv", "name,category,latitude,longitude\nA,Library,0,0\n"
            "B,Library,51.45,-0.02\n")
    rc, msg = cli_import(capsys, project_file, ll)
    assert rc == 2 and f"row 2, column latitude/longitude '0.0, 0.0': {OUTSIDE_GB}" in msg
    pc = _b(tmp_path / "pc.csv", "name,category,postcode\nA,Library,   \nB,Library,\n")
    rc, msg = cli_import(capsys, project_file, pc)
    assert rc == 2 and f"row 2, column location: {NO_LOCATION}" in msg
    assert f"row 3, column location: {NO_LOCATION}" in msg
    assert project_file.read_bytes() == before


def test_fewer_cells_than_header_is_a_rejected_row(tmp_path, capsys, project_file):
    path = _b(tmp_path / "short.csv", ASSET_HEADER + "A,Library\n" + ROW)
    before = project_file.read_bytes()
    rc, msg = cli_import(capsys, project_file, path)
    assert rc == 2 and f"row 2, column location: {NO_LOCATION}" in msg
    assert project_file.read_bytes() == before


def test_trailing_empty_cells_beyond_the_header_are_fine(tmp_path, project):
    path = _b(tmp_path / "trailing.csv", ASSET_HEADER + "A,Library,537000,172000,,\n")
    rep = run_import(project, path)
    assert rep.rows_accepted == 1 and rep.rows_rejected == 0


def test_utf16_unicode_text_export_is_read(tmp_path, project):
    """Excel's "Unicode text": UTF-16 with a BOM, tab-separated; and UTF-16 without a BOM."""
    text = "name\tcategory\teasting\tnorthing\r\nZoë\tLibrary\t537000\t172000\r\n"
    _b(tmp_path / "unicode.txt", text.encode("utf-16"))
    _b(tmp_path / "be.csv", text.replace("Zoë", "Chloë").encode("utf-16-be"))
    for name in ("unicode.txt", "be.csv"):
        rep = run_import(project, tmp_path / name)
        assert rep.kind == "assets" and rep.rows_accepted == 1
    assert sorted(project.query("SELECT name FROM assets")["name"]) == ["Chloë", "Zoë"]


def test_windows_1252_file_with_a_utf8_bom(tmp_path, project):
    path = _b(tmp_path / "latin.csv", b"\xef\xbb\xbfname,category,easting,northing\n"
              b"Caf\xe9,Library,537000,172000\n")
    rep = run_import(project, path)
    assert "names (name)" in rep.reason and "\u00ef" not in rep.to_text()  # no 'ï»¿name'
    assert project.query("SELECT name FROM assets")["name"].tolist() == ["Café"]


def test_windows_1252_byte_after_the_sniffed_start(tmp_path, project):
    path = _b(tmp_path / "late.csv", (ASSET_HEADER + ROW * 15000).encode()
              + b"Caf\xe9,Library,537000,172000\n")
    rep = run_import(project, path)
    assert rep.rows_accepted == 15001
    assert "Café" in set(project.query("SELECT name FROM assets")["name"])


def test_duplicate_header_names_use_the_first(tmp_path, project):
    path = _b(tmp_path / "dup.csv", "name,name,category,easting,easting,northing\n"
              "A,B,Library,537000,537001,172000\n")
    run_import(project, path)
    assert project.query("SELECT name, easting FROM assets").values.tolist() == [["A", 537000.0]]


def test_one_megabyte_cell_is_kept_whole(tmp_path, capsys, project_file):
    path = _b(tmp_path / "big.csv", ASSET_HEADER + "x" * 1_000_000 + ",Library,537000,172000\n")
    rc, msg = cli_import(capsys, project_file, path)
    assert rc == 0, msg
    assert _imported(project_file, "SELECT length(name) AS n FROM assets")["n"].tolist() == [
        1_000_000]


@pytest.mark.parametrize("kind, text, table, column", [
    ("neighbourhoods", "LSOA21CD,Neighbourhood name\ne01003189,Alpha\n e01003190 ,Beta\n",
     "area_neighbourhood", "area_code"),
    ("segments", "lsoa_code,segment,count\ne01000001,A,3\n E01000002 ,B,4\n", "population",
     "area_code"),
    ("gp-registrations", "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nG85001,e01003189,5\n"
     "G85001,E01003190,6\n", "gp_registrations", "area_code"),
    ("postcodes", "postcode,easting,northing,lsoa11cd\nSE13 6AA,537000,172000,e01003189\n"
     "SE13 6AB,537100,172000,E01003190\n", "postcodes", "lsoa_code"),
])
def test_lower_case_area_codes_are_upper_cased(tmp_path, project, kind, text, table, column):
    rep = run_import(project, _b(tmp_path / "codes.csv", text), kind=kind)
    assert rep.rows_rejected == 0
    got = sorted(project.query(f"SELECT {column} FROM {table}")[column])
    assert got == sorted({c.strip().upper() for c in got}) and all(c.startswith("E0") for c in got)


def test_lower_case_codes_in_deprivation_and_boundaries(tmp_path, project):
    df = fx.file7_frame()
    df.iloc[0, 0] = df.iloc[0, 0].lower()
    df.to_csv(tmp_path / "iod.csv", index=False)
    run_import(project, tmp_path / "iod.csv")
    fx.write_geojson(tmp_path / "b.geojson", fx.squares(2), [{"LSOA21CD": c.lower()}
                                                             for c in fx.CODES[:2]],
                     crs="EPSG:27700")
    run_import(project, tmp_path / "b.geojson")
    assert set(project.query("SELECT code FROM areas")["code"]) == set(fx.CODES[:2])
    assert fx.CODES[0] in set(project.query("SELECT area_code FROM deprivation")["area_code"])


def test_hostile_geojson_for_asset_points(tmp_path, capsys, project_file):
    """Wrong geometry types, string coordinates, non-object members: rows without a location,
    never a crash."""
    path = _b(tmp_path / "points.geojson", _fc([
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-0.02, 51.45]},
         "properties": {"name": "Good", "category": "Library"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": 5},
         "properties": {"name": "Int coords", "category": "Library"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": ["a", "b"]},
         "properties": {"name": "Text coords", "category": "Library"}},
        {"type": "Feature", "geometry": {"type": "Bogus", "coordinates": []},
         "properties": {"name": "Bogus", "category": "Library"}},
        {"type": "Feature", "geometry": "nowhere", "properties": {"name": "Str",
                                                                   "category": "Library"}},
        {"type": "Feature", "geometry": None, "properties": ["not", "an", "object"]},
        "not a feature",
    ]).replace('"type": "FeatureCollection"', '"type": "FeatureCollection", "crs": "x"'))
    before = project_file.read_bytes()
    rc, msg = cli_import(capsys, project_file, path, "assets")
    assert rc == 2 and "Traceback" not in msg and path.name in msg, msg
    assert project_file.read_bytes() == before
    rc, msg = cli_import(capsys, project_file, path, "assets", "--accept-partial")
    assert rc == 0, msg
    assert _imported(project_file, "SELECT name FROM assets")["name"].tolist() == ["Good"]


def test_hostile_geojson_for_boundaries(tmp_path, capsys, project_file):
    path = _b(tmp_path / "areas.geojson", json.dumps({
        "type": "FeatureCollection", "crs": ["not", "an", "object"], "features": [
            _feature({"type": "Polygon", "coordinates": 5}, fx.CODES[0]),
            _feature({"type": "Polygon", "coordinates": [[["a", "b"]]]}, fx.CODES[1]),
            _feature("nowhere", fx.CODES[2]),
            {"type": "Feature", "geometry": json.loads(shapely.to_geojson(
                fx.to_lonlat(fx.squares(1)[0]))), "properties": {"LSOA21CD": fx.CODES[3]}},
        ]}))
    before = project_file.read_bytes()
    rc, msg = cli_import(capsys, project_file, path, "boundaries")
    assert rc == 2 and "Traceback" not in msg and path.name in msg, msg
    assert "row 1, column geometry" in msg and "row 3, column geometry" in msg
    assert project_file.read_bytes() == before


def test_workbook_cells_that_are_not_numbers(tmp_path, project):
    """A date or an Excel error value in a count column of a workbook is a rejected cell."""
    pd.DataFrame({"lsoa_code": ["E01000001", "E01000002", "E01000003"], "segment": ["A", "B", "C"],
                  "count": [pd.Timestamp("2024-01-01"), "#DIV/0!", 3]}).to_excel(
        tmp_path / "seg.xlsx", index=False)
    rep = run_import(project, tmp_path / "seg.xlsx", accept_partial=True)
    assert sorted(rep.rejections["row"]) == [2, 3]
    assert project.query("SELECT count FROM population")["count"].tolist() == [3.0]


def test_junk_geopackage_geometry_is_a_rejected_feature(tmp_path, project):
    path = fx.write_gpkg(tmp_path / "g.gpkg", fx.squares(2),
                         [{"LSOA21CD": c} for c in fx.CODES[:2]])
    con = sqlite3.connect(path)
    con.execute("UPDATE msoa SET geom = x'00112233' WHERE fid = 1")
    con.commit()
    con.close()
    rep = run_import(project, path, accept_partial=True)
    assert rep.rejections[["row", "column"]].values.tolist() == [[1, "geometry"]]
    assert project.query("SELECT code FROM areas")["code"].tolist() == [fx.CODES[1]]


def test_nan_and_infinite_coordinates_in_geojson(tmp_path, project):
    """Python's json reads NaN, Infinity and 1e309: such geometries are rejected, not stored."""
    path = _b(tmp_path / "nan.geojson", '{"type": "FeatureCollection", "features": ['
              '{"type": "Feature", "properties": {"LSOA21CD": "E01003189"}, "geometry": {'
              '"type": "Polygon", "coordinates": [[[NaN, 1], [Infinity, 2], [1e309, 3], '
              '[NaN, 1]]]}}]}')
    with pytest.raises(UserError):
        run_import(project, path)
    assert project.counts()["areas"] == 0 and project.provenance().empty


def test_unclosed_quote_past_the_sample_of_a_big_file(tmp_path, capsys, project_file):
    """Postcode directories are read in chunks by the C parser: its errors name the row too."""
    bad_line, expected = '"SE13 7AA,537000,172000\nSE13 7AB,1,2\n', "row 62: a quoted value"
    good = "".join(f"SE13 6{chr(65 + i // 26)}{chr(65 + i % 26)},537000,172000\n"
                   for i in range(60))
    path = _b(tmp_path / "pcs.csv", "postcode,easting,northing\n" + good + bad_line)
    before = project_file.read_bytes()
    rc, msg = cli_import(capsys, project_file, path)
    assert rc == 2 and f"pcs.csv: {expected}" in msg, msg
    assert project_file.read_bytes() == before


def test_segments_with_an_empty_age_band_cell(tmp_path, project):
    """An empty band cell beside an 'all' band crashed the mask (pandas NA); now a rejected row."""
    path = _b(tmp_path / "seg.csv", "lsoa_code,segment,count,age_band\nE01000001,A,3,all\n"
              "E01000002,B,4,\nE01000003,C,5,5-9\n")
    rep = run_import(project, path, accept_partial=True)
    assert rep.rejections["row"].tolist() == [3]
    got = project.query("SELECT area_code, age_band FROM population ORDER BY area_code")
    assert got.values.tolist() == [["E01000001", "all"], ["E01000003", "5-9"]]


@pytest.mark.parametrize("kind", [None, "boundaries"])
def test_geojson_geometry_with_nan_coordinates_or_a_non_text_type(tmp_path, project, kind):
    """Found by mutating a boundary file: NaN made GEOS raise in make_valid; a geometry whose
    "type" is an object raised TypeError (unhashable) in detection."""
    good = [json.loads(shapely.to_geojson(g)) for g in fx.squares(3)]
    good[0]["coordinates"][0][1] = [float("nan"), 172000.0]
    good[1]["type"] = {"not": "text"}
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {
        "name": "EPSG:27700"}}, "features": [_feature(g, c) for g, c in zip(good, fx.CODES)]}
    path = _b(tmp_path / "areas.geojson", json.dumps(doc))
    rep = run_import(project, path, kind=kind, accept_partial=True)
    assert rep.rejections[["row", "column"]].values.tolist() == [[1, "geometry"], [2, "geometry"]]
    assert project.query("SELECT code FROM areas")["code"].tolist() == [fx.CODES[2]]


def test_asset_points_with_empty_or_non_text_type_geometry(tmp_path, project):
    feats = [{"type": "Feature", "properties": {"name": n, "category": "Library"}, "geometry": g}
             for n, g in [("Good", {"type": "Point", "coordinates": [-0.02, 51.45]}),
                          ("Empty", {"type": "GeometryCollection", "geometries": []}),
                          ("Odd", {"type": ["Point"], "coordinates": [-0.02, 51.45]})]]
    path = _b(tmp_path / "pts.geojson", _fc(feats))
    rep = run_import(project, path, kind="assets", accept_partial=True)
    assert sorted(rep.rejections["row"]) == [2, 3]
    assert project.query("SELECT name FROM assets")["name"].tolist() == ["Good"]


def test_postcode_directory_in_a_workbook_says_to_save_as_csv(tmp_path, project):
    """It was 'no postcode column' although the sheet had one."""
    pd.DataFrame({"postcode": ["SE13 6AA"], "easting": [537000], "northing": [172000],
                  "lsoa11cd": ["E01003189"]}).to_excel(tmp_path / "pcs.xlsx", index=False)
    with pytest.raises(UserError, match="pcs.xlsx: postcode directories are read from CSV"):
        run_import(project, tmp_path / "pcs.xlsx")
