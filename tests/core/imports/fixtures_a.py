"""Fixture writers for the deprivation, boundaries, population and neighbourhood importer tests.

Each writes a small file in the published layout (headings copied from the official schemas) into
a temp folder. Areas are made-up but well-formed LSOA codes; polygons are squares near Lewisham in
EPSG:27700 (metres).
"""

from __future__ import annotations

import csv
import json
import sqlite3
import struct
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from phdesk.core import geo

CODES = [f"E0100{3189 + i:04d}" for i in range(6)]
WHERE = "(where 1 is most deprived)"
WHERE10 = "(where 1 is most deprived 10% of LSOAs)"
DOMAINS_FILE7 = [
    ("Index of Multiple Deprivation (IMD)", "Score"), ("Income", "Score (rate)"),
    ("Employment", "Score (rate)"), ("Education, Skills and Training", "Score"),
    ("Health Deprivation and Disability", "Score"), ("Crime", "Score"),
    ("Barriers to Housing and Services", "Score"), ("Living Environment", "Score"),
    ("Income Deprivation Affecting Children Index (IDACI)", "Score (rate)"),
    ("Income Deprivation Affecting Older People (IDAOPI)", "Score (rate)"),
    ("Children and Young People Sub-domain", "Score"), ("Adult Skills Sub-domain", "Score"),
    ("Geographical Barriers Sub-domain", "Score"), ("Wider Barriers Sub-domain", "Score"),
    ("Indoors Sub-domain", "Score"), ("Outdoors Sub-domain", "Score"),
]
DENOMINATORS = [
    "Total population: mid {y} (excluding prisoners)",
    "Dependent Children aged 0-15: mid {y} (excluding prisoners)",
    "Population aged 16-59: mid {y} (excluding prisoners)",
    "Older population aged 60 and over: mid {y} (excluding prisoners)",
    "Working age population 18-59/64: for use with Employment Deprivation Domain "
    "(excluding prisoners)",
]


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8-sig",
              delimiter: str = ",", title: str | None = None) -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh, delimiter=delimiter)
        if title:
            w.writerow([title])
        w.writerow(header)
        w.writerows(rows)
    return path


def file7_frame(edition: int = 2019, codes: list[str] = CODES) -> pd.DataFrame:
    """An IoD File 7 table: scores, ranks ("29,199" style for >= 1000), deciles, denominators."""
    vintage = 2011 if edition == 2019 else 2021
    lad_year = 2019 if edition == 2019 else 2024
    data: dict[str, list] = {
        f"LSOA code ({vintage})": codes,
        f"LSOA name ({vintage})": [f"Lewisham {i:03d}A" for i in range(len(codes))],
        f"Local Authority District code ({lad_year})": ["E09000023"] * len(codes),
        f"Local Authority District name ({lad_year})": ["Lewisham"] * len(codes),
    }
    for k, (domain, score) in enumerate(DOMAINS_FILE7):
        data[f"{domain} {score}"] = [round(10 + k + i * 1.5, 3) for i in range(len(codes))]
        data[f"{domain} Rank {WHERE}"] = [f"{(500 + 4000 * i + k):,}" for i in range(len(codes))]
        data[f"{domain} Decile {WHERE10}"] = [1 + (i + k) % 10 for i in range(len(codes))]
    for d in DENOMINATORS:
        data[d.format(y=2015 if edition == 2019 else 2022)] = ["1,296"] * len(codes)
    return pd.DataFrame(data)


def write_file7_csv(path: Path, edition: int = 2019) -> Path:
    df = file7_frame(edition)
    return write_csv(path, list(df.columns), df.values.tolist())


def write_file7_xlsx(path: Path, edition: int = 2025) -> Path:
    """The official workbook shape: a Notes sheet first, the data sheet second."""
    df = file7_frame(edition)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame({"Notes": ["English Indices of Deprivation", "See the technical report"]}
                     ).to_excel(xw, sheet_name="Notes", index=False)
        df.to_excel(xw, sheet_name=f"IoD{edition} Scores", index=False)
    return path


def file2_rows(codes: list[str] = CODES) -> tuple[list[str], list[list]]:
    header = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
              "Local Authority District name (2019)"]
    for domain in ["Index of Multiple Deprivation (IMD)", "Income", "Employment",
                   "Education, Skills and Training", "Health Deprivation and Disability",
                   "Crime", "Barriers to Housing and Services", "Living Environment"]:
        header += [f"{domain} Rank {WHERE}", f"{domain} Decile {WHERE10}"]
    rows = []
    for i, c in enumerate(codes):
        row = [c, f"Lewisham {i:03d}A", "E09000023", "Lewisham"]
        for k in range(8):
            row += [str(1000 + 3000 * i + k), str(1 + (i + k) % 10)]
        rows.append(row)
    return header, rows


# -- geometry ---------------------------------------------------------------------------------
def squares(n: int = 4, size: float = 200.0, x0: float = 537000.0, y0: float = 172000.0
            ) -> list[shapely.Polygon]:
    """``n`` adjacent squares in EPSG:27700 metres."""
    return [shapely.box(x0 + i * size, y0, x0 + (i + 1) * size, y0 + size) for i in range(n)]


def to_lonlat(g):
    return shapely.transform(g, lambda xy: geo.transform_coords(xy, geo.BNG, geo.WGS84))


def write_geojson(path: Path, geoms: list, props: list[dict], crs: str | None = None) -> Path:
    feats = [{"type": "Feature", "properties": p,
              "geometry": json.loads(shapely.to_geojson(g)) if g is not None else None}
             for g, p in zip(geoms, props, strict=True)]
    doc: dict = {"type": "FeatureCollection", "features": feats}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


BNG_PRJ = ('PROJCS["British_National_Grid",GEOGCS["GCS_OSGB_1936",DATUM["D_OSGB_1936",'
           'SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0.0],'
           'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
           'PARAMETER["False_Easting",400000.0],PARAMETER["False_Northing",-100000.0],'
           'PARAMETER["Central_Meridian",-2.0],PARAMETER["Scale_Factor",0.9996012717],'
           'PARAMETER["Latitude_Of_Origin",49.0],UNIT["Meter",1.0]]')


def write_shapefile(path: Path, geoms: list, props: list[dict], prj: str | None = BNG_PRJ
                    ) -> Path:
    """A polygon shapefile (.shp/.shx/.dbf, and .prj unless None) written with pyshp."""
    import shapefile

    fields = list(props[0])
    with shapefile.Writer(str(path.with_suffix("")), shapeType=shapefile.POLYGON) as w:
        for f in fields:
            w.field(f, "C", size=80)
        for g, p in zip(geoms, props, strict=True):
            polys = list(g.geoms) if g.geom_type == "MultiPolygon" else [g]
            # shapefile outer rings run clockwise
            w.poly([list(shapely.Polygon(q.exterior.coords[::-1]).exterior.coords)
                    if q.exterior.is_ccw else list(q.exterior.coords) for q in polys])
            w.record(*[p[f] for f in fields])
    if prj is not None:
        path.with_suffix(".prj").write_text(prj)
    return path.with_suffix(".shp")


def zip_shapefile(shp: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj"):
            p = shp.with_suffix(ext)
            if p.exists():
                zf.write(p, f"layer/{p.name}")
    return dest


def gpkg_blob(g, srs_id: int = 27700) -> bytes:
    """A GeoPackage geometry blob: 'GP', version 0, flags (little-endian, xy envelope), srs id,
    envelope (minx, maxx, miny, maxy), then standard WKB."""
    x0, y0, x1, y1 = g.bounds
    flags = 0b0000_0011  # bit 0: little endian; bits 1-3 = 1: envelope [minx, maxx, miny, maxy]
    return (b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id)
            + struct.pack("<4d", x0, x1, y0, y1) + shapely.to_wkb(g))


def write_gpkg(path: Path, geoms: list, props: list[dict], srs_id: int = 27700,
               table: str = "msoa") -> Path:
    con = sqlite3.connect(path)
    con.executescript(f"""
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY,
            organization TEXT, organization_coordsys_id INTEGER, definition TEXT,
            description TEXT);
        INSERT INTO gpkg_spatial_ref_sys VALUES ('OSGB36 / British National Grid', 27700, 'EPSG',
            27700, 'PROJCS[...]', NULL), ('WGS 84', 4326, 'EPSG', 4326, 'GEOGCS[...]', NULL);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT,
            description TEXT, last_change TEXT, min_x REAL, min_y REAL, max_x REAL, max_y REAL,
            srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT,
            geometry_type_name TEXT, srs_id INTEGER, z TINYINT, m TINYINT);
        INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)
            VALUES ('{table}', 'features', '{table}', {srs_id});
        INSERT INTO gpkg_geometry_columns VALUES ('{table}', 'geom', 'MULTIPOLYGON', {srs_id},
            0, 0);
    """)
    fields = list(props[0])
    con.execute(f"CREATE TABLE {table} (fid INTEGER PRIMARY KEY, geom BLOB, "
                + ", ".join(f"{f} TEXT" for f in fields) + ")")
    con.executemany(f"INSERT INTO {table} (geom, {', '.join(fields)}) VALUES "
                    f"(?, {', '.join('?' * len(fields))})",
                    [(gpkg_blob(g, srs_id), *[p[f] for f in fields])
                     for g, p in zip(geoms, props, strict=True)])
    con.commit()
    con.close()
    return path


# -- population -------------------------------------------------------------------------------
def ts007_frame(codes: list[str] = CODES, seed: int = 1) -> pd.DataFrame:
    """Census 2021 TS007 bulk layout by LSOA: total, then 5-year sub-totals each followed by
    its single years, ending with 'Aged 100 years and over'."""
    rng = np.random.default_rng(seed)
    singles = rng.integers(0, 30, size=(len(codes), 101))
    cols: dict[str, np.ndarray] = {}

    def label(text: str) -> str:
        return f"Age: {text}; measures: Value"

    cols[label("Total")] = singles.sum(axis=1)
    groups = [(0, 4, "Aged 4 years and under"), (5, 9, "Aged 5 to 9 years"),
              (10, 15, "Aged 10 to 15 years"), (16, 19, "Aged 16 to 19 years"),
              (20, 24, "Aged 20 to 24 years"), (25, 34, "Aged 25 to 34 years"),
              (35, 49, "Aged 35 to 49 years"), (50, 64, "Aged 50 to 64 years"),
              (65, 74, "Aged 65 to 74 years"), (75, 84, "Aged 75 to 84 years"),
              (85, 100, "Aged 85 years and over")]
    for lo, hi, text in groups:
        cols[label(text)] = singles[:, lo:hi + 1].sum(axis=1)
        for a in range(lo, hi + 1):
            name = ("Aged under 1 year" if a == 0 else "Aged 1 year" if a == 1 else
                    "Aged 100 years and over" if a == 100 else f"Aged {a} years")
            cols[label(name)] = singles[:, a]
    df = pd.DataFrame({"date": "2021", "geography": [f"Area {c}" for c in codes],
                       "geography code": codes})
    return pd.concat([df, pd.DataFrame(cols)], axis=1)


TS021_GROUPS = {
    "Asian, Asian British or Asian Welsh": ["Bangladeshi", "Chinese", "Indian", "Pakistani",
                                            "Other Asian"],
    "Black, Black British, Black Welsh, Caribbean or African": ["African", "Caribbean",
                                                               "Other Black"],
    "Mixed or Multiple ethnic groups": ["White and Asian", "White and Black African",
                                        "White and Black Caribbean",
                                        "Other Mixed or Multiple ethnic groups"],
    "White": ["English, Welsh, Scottish, Northern Irish or British", "Irish",
              "Gypsy or Irish Traveller", "Roma", "Other White"],
    "Other ethnic group": ["Arab", "Any other ethnic group"],
}


def ts021_frame(codes: list[str] = CODES) -> pd.DataFrame:
    """Census 2021 TS021 bulk layout: total, each high-level group followed by its 19
    sub-groups in all."""
    def label(text: str) -> str:
        return f"Ethnic group: {text}; measures: Value"

    pairs = [(h, s) for h, ss in TS021_GROUPS.items() for s in ss]
    detail = {f"{h}: {s}": np.arange(len(codes)) + k + 1 for k, (h, s) in enumerate(pairs)}
    cols: dict[str, np.ndarray] = {label("Total: All usual residents"):
                                   sum(detail.values())}
    for hi, subs in TS021_GROUPS.items():
        cols[label(hi)] = sum(detail[f"{hi}: {s}"] for s in subs)
        for s in subs:
            cols[label(f"{hi}: {s}")] = detail[f"{hi}: {s}"]
    df = pd.DataFrame({"date": "2021", "geography": codes, "geography code": codes})
    return pd.concat([df, pd.DataFrame(cols)], axis=1)
