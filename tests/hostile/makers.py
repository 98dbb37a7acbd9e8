"""Hostile input files, generated in the test run (never committed): bombs, damaged archives,
odd GeoPackages, look-alike text. Each maker writes into a folder and returns the path."""

from __future__ import annotations

import json
import sqlite3
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import shapely

from tests.core.imports.fixtures_a import (
    squares,
    write_gpkg,
    write_shapefile,
    zip_shapefile,
)

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
                 '.org/package/2006/content-types"><Default Extension="rels" ContentType="applica'
                 'tion/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                 'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentTyp'
                 'e="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.ope'
                 'nxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
        '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlfo'
        'rmats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>')
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
            'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocume'
            'nt/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
            '</workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlform'
           'ats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.open'
           'xmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1'
           '.xml"/></Relationships>')
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformat'
              's.org/spreadsheetml/2006/main">')


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _workbook(path: Path, sheet_xml: bytes | None = None, stream=None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        if sheet_xml is not None:
            zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        else:
            with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
                stream(out)
    return path


def xlsx_far_cell(folder: Path) -> Path:
    """A tiny workbook (~1.6 kB) whose one data cell sits at XFD1048576."""
    xml = (SHEET_HEAD + '<dimension ref="A1:XFD1048576"/><sheetData><row r="1">'
           + _cell("A1", "name") + _cell("B1", "postcode") + '</row><row r="1048576">'
           + _cell("XFD1048576", "x") + "</row></sheetData></worksheet>")
    return _workbook(folder / "far_cell.xlsx", xml.encode())


def xlsx_whitespace_bomb(folder: Path, mib: int = 64) -> Path:
    """A small workbook whose sheet XML inflates to ``mib`` MiB of whitespace."""
    def stream(out):
        out.write((SHEET_HEAD + "<sheetData>").encode())
        block = b" " * (1 << 20)
        for _ in range(mib):
            out.write(block)
        out.write(b"</sheetData></worksheet>")
    return _workbook(folder / "whitespace_bomb.xlsx", stream=stream)


def zip_geojson_bomb(folder: Path, mib: int = 64) -> Path:
    """A zip holding a GeoJSON that unpacks to ``mib`` MiB (mostly spaces)."""
    path = folder / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("areas.geojson", "w", force_zip64=True) as out:
            out.write(b'{"type": "FeatureCollection", "features": [')
            block = b" " * (1 << 20)
            for _ in range(mib):
                out.write(block)
            out.write(b"]}")
    return path


def gpkg_view_layer(folder: Path, body: str) -> Path:
    """A GeoPackage whose feature layer is a view computing ``body`` (zeroblob, recursion)."""
    path = write_gpkg(folder / "view.gpkg", squares(1), [{"code": "E02000001"}], table="real")
    con = sqlite3.connect(path)
    con.executescript(f"""
        UPDATE gpkg_geometry_columns SET table_name = 'layer';
        CREATE VIEW layer AS {body};
    """)
    con.commit()
    con.close()
    return path


def gpkg_generated_blob(folder: Path) -> Path:
    """A GeoPackage table with a virtual generated column of 1 GB of zeros."""
    path = write_gpkg(folder / "generated.gpkg", squares(2), [{"code": "E02000001"},
                                                              {"code": "E02000002"}])
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE msoa ADD COLUMN big BLOB GENERATED ALWAYS AS "
                "(zeroblob(1000000000)) VIRTUAL")
    con.commit()
    con.close()
    return path


def gpkg_odd(folder: Path, what: str) -> Path:
    """GeoPackages with odd columns, types and encodings."""
    props = [{"code": f"E0200000{i}", "name": f"Area {i}"} for i in range(1, 4)]
    path = write_gpkg(folder / f"odd_{what}.gpkg", squares(3), props)
    con = sqlite3.connect(path)
    if what == "no_geometry_column":
        con.execute("UPDATE gpkg_geometry_columns SET column_name = 'shape'")
    elif what == "text_geometry":
        con.execute("UPDATE msoa SET geom = 'POLYGON((0 0, 1 0, 1 1, 0 0))'")
    elif what == "bad_utf8":
        con.execute("UPDATE msoa SET name = CAST(X'FFFE41C3' AS TEXT)")
    elif what == "garbage_blob":
        con.execute("UPDATE msoa SET geom = X'4750000100000000DEADBEEF'")
    elif what == "unknown_srs":
        con.execute("UPDATE gpkg_geometry_columns SET srs_id = 999999")
    elif what == "null_type":
        con.execute("UPDATE gpkg_geometry_columns SET geometry_type_name = NULL")
    elif what == "integer_geometry":
        con.execute("UPDATE msoa SET geom = 12345")
    con.commit()
    con.close()
    return path


def deep_json(folder: Path, depth: int = 100_000) -> Path:
    path = folder / "deep.geojson"
    path.write_text('{"type": "FeatureCollection", "features": ' + "[" * depth + "]" * depth
                    + "}")
    return path


def huge_integer_json(folder: Path, digits: int = 5000) -> Path:
    path = folder / "huge_int.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                    '"properties": {"LSOA21CD": "E01000001", "n": ' + "9" * digits + '}, '
                    '"geometry": {"type": "Point", "coordinates": [-0.1, 51.5]}}]}')
    return path


def nan_geojson(folder: Path) -> Path:
    path = folder / "nan.geojson"
    ring = [[-0.1, 51.5], [-0.09, 51.5], [-0.09, 51.51], [-0.1, 51.5]]
    feats = [{"type": "Feature", "properties": {"LSOA21CD": f"E0100000{i}", "LSOA21NM": "x"},
              "geometry": {"type": "Polygon", "coordinates": [ring]}} for i in range(1, 4)]
    text = json.dumps({"type": "FeatureCollection", "features": feats})
    path.write_text(text.replace("-0.09, 51.51", "NaN, Infinity", 1))
    return path


def tangled_polygon(folder: Path, n: int = 20_000) -> Path:
    """A boundary file whose one feature is a self-intersecting zig-zag star of ``n`` vertices."""
    from tests.core.imports.fixtures_a import write_geojson

    rng = np.random.default_rng(1)
    ang = np.sort(rng.random(n)) * 2 * np.pi
    r = np.where(np.arange(n) % 2, 100, 1000) * rng.random(n)
    xy = np.c_[530000 + r * np.cos(ang), 180000 + r * np.sin(ang)]
    rng.shuffle(xy[: n // 10])
    star = shapely.Polygon(xy)
    geoms = [star, *squares(2)]
    props = [{"LSOA21CD": f"E0100000{i}", "LSOA21NM": f"Area {i}"} for i in range(1, 4)]
    return write_geojson(folder / "tangled.geojson", geoms, props, crs="EPSG:27700")


def _shapefile(folder: Path, n: int, name: str) -> Path:
    props = [{"LSOA21CD": f"E0100000{i}", "LSOA21NM": f"Area {i}"} for i in range(1, n + 1)]
    return write_shapefile(folder / f"{name}.shp", squares(n), props)


def shp_count_mismatch(folder: Path) -> Path:
    shp = _shapefile(folder, 4, "four")
    three = _shapefile(folder / "other" if (folder / "other").mkdir() is None else folder, 3,
                       "three")
    shp.with_suffix(".dbf").write_bytes(three.with_suffix(".dbf").read_bytes())
    return shp


def short_dbf(folder: Path) -> Path:
    shp = _shapefile(folder, 4, "short")
    dbf = shp.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes()[:-150])
    return shp


def _patch_zip(path: Path, flag: int | None = None, method: int | None = None) -> Path:
    """Set the general-purpose flag bits or compression method in every header of a zip."""
    data = bytearray(path.read_bytes())
    for sig, off_flag, off_method in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            if flag is not None:
                struct.pack_into("<H", data, i + off_flag, flag)
            if method is not None:
                struct.pack_into("<H", data, i + off_method, method)
            start = i + 4
    path.write_bytes(bytes(data))
    return path


def zipped_shapefile(folder: Path, name: str = "areas") -> Path:
    shp = _shapefile(folder, 3, name)
    return zip_shapefile(shp, folder / f"{name}.zip")


def encrypted_zip(folder: Path) -> Path:
    return _patch_zip(zipped_shapefile(folder, "encrypted"), flag=0x1)


def deflate64_zip(folder: Path) -> Path:
    return _patch_zip(zipped_shapefile(folder, "deflate64"), method=9)


def corrupt_zip(folder: Path) -> Path:
    path = zipped_shapefile(folder, "corrupt")
    data = bytearray(path.read_bytes())
    mid = data.find(b"PK\x03\x04", 10) // 2 or 200
    data[mid:mid + 40] = bytes(40)  # zeros inside the first member's compressed data
    path.write_bytes(bytes(data))
    return path


def shifted_zip(folder: Path) -> Path:
    """A zip missing its first byte: every header offset points one byte off (found by fuzzing:
    zipfile's seek to a negative offset raised a bare OSError)."""
    path = zipped_shapefile(folder, "shifted")
    path.write_bytes(path.read_bytes()[1:])
    return path


def zip_version_99(folder: Path) -> Path:
    """A zip whose central directory asks for zip version 9.9 (found by fuzzing: zipfile raised
    NotImplementedError while opening)."""
    path = zipped_shapefile(folder, "version")
    data = bytearray(path.read_bytes())
    i = data.find(b"PK\x01\x02")
    data[i + 6] = 99  # "version needed to extract"
    path.write_bytes(bytes(data))
    return path


def xlsx_encrypted(folder: Path) -> Path:
    """What Excel writes for a password-protected workbook: an OLE2 compound file."""
    path = folder / "protected.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088))
    return path


def gpkg_in_folder(folder: Path) -> Path:
    """A valid GeoPackage (boundaries) to place in awkwardly named folders."""
    props = [{"LSOA21CD": f"E0100000{i}", "LSOA21NM": f"Area {i}"} for i in range(1, 4)]
    return write_gpkg(folder / "areas.gpkg", squares(3), props)


def compress_ratio(path: Path) -> float:
    with zipfile.ZipFile(path) as zf:
        return max(i.file_size / max(i.compress_size, 1) for i in zf.infolist())


__all__ = ["zlib"]
