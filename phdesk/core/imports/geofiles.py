"""Reading the spatial files planners download: GeoJSON, Shapefile (plain or zipped), GeoPackage.

Every reader returns shapely geometries projected to EPSG:27700 (British National Grid, metres) and
the feature attributes as a data frame of text. Feature numbers in reports count from 1 in file
order. The source CRS comes from the file (GeoJSON ``crs`` member, the shapefile's ``.prj``, the
GeoPackage ``srs_id``); RFC 7946 GeoJSON without ``crs`` is EPSG:4326. When the file says nothing,
the coordinates' range decides (degrees or metres) and a warning says so.
"""

from __future__ import annotations

import json
import re
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape as _shape

from phdesk.core import geo
from phdesk.core.errors import UserError
from phdesk.core.imports import file_once, limits
from phdesk.core.imports import geopackage as gpkg
from phdesk.core.imports.archives import GEOJSON_SUFFIXES, unzip_layer
from phdesk.core.imports.repair import check_vertices

PEEK_FEATURES = 50
PEEK_FULL_BYTES = 8 * 1024 * 1024  # bigger GeoJSON files are detected from their first 8 MB
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
               5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


@dataclass
class GeoData:
    """Features of one layer: ``geometries`` (shapely, EPSG:27700; None where null) and text
    ``attributes``, aligned by position (feature number = position + 1)."""

    path: Path
    geometries: np.ndarray
    attributes: pd.DataFrame
    source_epsg: int
    fmt: str                      # "GeoJSON" | "Shapefile" | "GeoPackage"
    layer: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def geom_types(self) -> set[str]:
        """Geometry type names present (``Polygon``, ``MultiPolygon``, ``Point``…)."""
        have = self.geometries[pd.notna(self.geometries)]
        ids = np.unique(shapely.get_type_id(have)) if have.size else []
        return {_TYPE_NAMES.get(int(i), "Unknown") for i in ids}


@dataclass
class GeoPeek:
    """What detection looks at: format, attribute names, geometry types and the first features."""

    fmt: str
    columns: list[str]
    geom_types: set[str]
    sample: pd.DataFrame


# -- CRS ------------------------------------------------------------------------------------
def epsg_from_name(name: str) -> int | None:
    """EPSG code from a GeoJSON ``crs`` name (``EPSG:27700``, ``urn:ogc:def:crs:EPSG::27700``,
    ``urn:ogc:def:crs:OGC:1.3:CRS84`` = 4326)."""
    if re.search(r"CRS84\b", name, re.I):
        return geo.WGS84
    m = re.search(r"EPSG[:/]+(?:[\d.]*[:/]+)?(\d+)$", name.strip(), re.I)
    return int(m.group(1)) if m else None


def epsg_from_wkt(wkt: str) -> int | None:
    """EPSG code from a ``.prj`` (ESRI WKT). British National Grid and WGS84 are recognised
    directly; other systems through pyproj."""
    if re.search(r"British.?National.?Grid", wkt, re.I):
        return geo.BNG
    if wkt.lstrip().upper().startswith("GEOGCS") and re.search(r"WGS.?(19)?84", wkt, re.I):
        return geo.WGS84
    try:
        from pyproj import CRS  # lazily: start-up speed

        return CRS.from_wkt(wkt).to_epsg(min_confidence=60)
    except Exception:  # pyproj raises its own error types for unreadable WKT
        return None


def _guess_epsg(geoms: np.ndarray) -> int | None:
    """4326 or 27700 from the coordinates' range; None when neither fits."""
    have = geoms[pd.notna(geoms)]
    if have.size == 0:
        return None
    x0, y0, x1, y1 = shapely.total_bounds(have)
    if geo.in_gb_lonlat([x0, x1], [y0, y1]).all():
        return geo.WGS84
    if geo.in_gb_bng([x0, x1], [y0, y1]).all():
        return geo.BNG
    return None


def usable_geometries(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` with empty geometries and those with NaN or infinite coordinates set to None.

    JSON readers accept ``NaN``/``Infinity``/``1e309``; GEOS fails on them (make_valid, point on
    surface), so such features become "empty or missing geometry" rows.
    """
    geoms = np.array(geoms, dtype=object)
    if not len(geoms):
        return geoms
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad = np.zeros(len(geoms), bool)
    bad[index[~np.isfinite(coords).all(axis=1)]] = True
    bad |= shapely.is_empty(geoms)
    geoms[bad] = None
    return geoms


def _to_bng(data: GeoData, declared: int | None, path: Path) -> None:
    """Project ``data.geometries`` to EPSG:27700 in place, checking the coordinates' range."""
    check_vertices(path, data.geometries)
    data.geometries = usable_geometries(data.geometries)
    guess = _guess_epsg(data.geometries)
    epsg = declared
    if epsg is None:
        if guess is None:
            raise UserError(f"{path.name}: the file does not say its coordinate system and the "
                            "coordinates are neither longitude/latitude nor British National Grid")
        epsg = guess
        data.warnings.append(f"coordinate system not stated; EPSG:{epsg} assumed from the "
                             "coordinates' range")
    elif epsg in (geo.WGS84, geo.BNG) and guess is not None and guess != epsg:
        raise UserError(f"{path.name}: the file says EPSG:{epsg} but its coordinates look like "
                        f"EPSG:{guess}; fix the file's coordinate system")
    data.source_epsg = epsg
    data.geometries = shapely.force_2d(data.geometries)  # heights are not used
    if epsg != geo.BNG:
        try:
            data.geometries = shapely.transform(
                data.geometries, lambda xy: geo.transform_coords(xy, epsg, geo.BNG))
        except Exception as exc:  # pyproj: unknown EPSG code
            raise UserError(f"{path.name}: cannot convert from EPSG:{epsg} ({exc})") from None


# -- GeoJSON ---------------------------------------------------------------------------------
def _load_json(path: Path) -> dict:
    doc = limits.load_json(path, "GeoJSON")
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise UserError(f"{path.name}: not GeoJSON (no FeatureCollection)")
    return doc


def _features(doc: dict) -> list[dict]:
    """The features that are objects; a non-object geometry or properties member becomes null."""
    feats = doc.get("features", []) if doc.get("type") == "FeatureCollection" else [doc]
    if not isinstance(feats, list):
        feats = []
    return [{**f, "geometry": f["geometry"] if _is_geometry(f.get("geometry")) else None,
             "properties": f.get("properties") if isinstance(f.get("properties"), dict) else None}
            for f in feats if isinstance(f, dict)]


def _crs_name(doc: dict) -> str | None:
    """The old-style ``crs.properties.name`` member, if it is there and well-formed."""
    crs = doc.get("crs")
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    return str(name) if name else None


def _is_geometry(g) -> bool:
    return isinstance(g, dict) and isinstance(g.get("type"), str)


def _geojson_geoms(feats: list[dict]) -> np.ndarray:
    out = np.full(len(feats), None, dtype=object)
    for i, f in enumerate(feats):
        g = f.get("geometry")
        if g:
            try:
                with np.errstate(invalid="ignore"):  # NaN coordinates: dropped just after
                    out[i] = _shape(g)
            except Exception:  # malformed coordinates: reported as an empty geometry
                out[i] = None
    return out


def read_geojson(path: Path, epsg: int | None = None) -> GeoData:
    doc = _load_json(path)
    feats = _features(doc)
    declared = epsg
    if declared is None:
        crs = _crs_name(doc)
        declared = epsg_from_name(crs) if crs else geo.WGS84  # RFC 7946 default
    attrs = pd.DataFrame.from_records([f.get("properties") or {} for f in feats])
    data = GeoData(path, _geojson_geoms(feats), _as_text(attrs), 0, "GeoJSON")
    _to_bng(data, declared, path)
    return data


def _peek_geojson(path: Path) -> GeoPeek:
    if path.stat().st_size > PEEK_FULL_BYTES:
        return _peek_geojson_prefix(path)
    feats = _features(_load_json(path))
    head = feats[:PEEK_FEATURES]
    types = {(f.get("geometry") or {}).get("type") for f in feats} - {None}
    sample = pd.DataFrame.from_records([f.get("properties") or {} for f in head])
    return GeoPeek("GeoJSON", list(sample.columns), types, _as_text(sample))


def _peek_geojson_prefix(path: Path) -> GeoPeek:
    """Detection on a big GeoJSON without parsing it all: the geometry types and the
    ``properties`` objects found in its first few megabytes."""
    text = file_once.head(path, PEEK_FULL_BYTES).decode("utf-8-sig", errors="replace")
    if '"FeatureCollection"' not in text and '"Feature"' not in text:
        raise UserError(f"{path.name}: not GeoJSON (no FeatureCollection)")
    types = set(re.findall(r'"type"\s*:\s*"((?:Multi)?(?:Polygon|Point|LineString))"', text))
    decoder = json.JSONDecoder(parse_int=limits.bounded_int)
    props: list[dict] = []
    start = max(text.find('"features"'), 0)  # the crs member has "properties" too
    for m in re.compile(r'"properties"\s*:\s*(?=\{)').finditer(text, start):
        try:
            obj, _ = decoder.raw_decode(text, m.end())
        except (json.JSONDecodeError, RecursionError, ValueError):  # cut off, or hostile
            break
        props.append(obj if isinstance(obj, dict) else {})
        if len(props) >= PEEK_FEATURES:
            break
    sample = pd.DataFrame.from_records(props)
    return GeoPeek("GeoJSON", list(sample.columns), types, _as_text(sample))


# -- Shapefile -------------------------------------------------------------------------------
_SHP_POLYGON = {5, 15, 25}
_SHP_TYPES = {1: "Point", 3: "LineString", 5: "Polygon", 8: "MultiPoint", 11: "Point",
              13: "LineString", 15: "Polygon", 18: "MultiPoint", 21: "Point", 23: "LineString",
              25: "Polygon", 28: "MultiPoint"}


def _shp_reader(path: Path):
    import shapefile  # pyshp

    if not path.with_suffix(".dbf").exists() and not path.with_suffix(".DBF").exists():
        raise UserError(f"{path.name}: the shapefile's .dbf (attributes) is missing next to it")
    try:
        # pyshp reads the .cpg (code page) itself; UTF-8 otherwise. Its warning about a header
        # that does not match the file size would reach the console; reading then fails clearly
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return shapefile.Reader(str(path), encodingErrors="replace")
    except Exception as exc:  # pyshp raises ShapefileException and struct errors
        raise UserError(f"{path.name}: cannot read as a shapefile ({exc})") from None


def _shp_columns(reader) -> list[str]:
    return [f[0] for f in reader.fields[1:]]


def read_shapefile(path: Path, epsg: int | None = None) -> GeoData:
    for part in (path, path.with_suffix(".dbf")):
        if part.exists():
            limits.refuse_size(path, part.stat().st_size, limits.MAX_GEO_BYTES,
                               f"the shapefile's {part.suffix}")
    reader = _shp_reader(path)
    try:
        if len(reader) > limits.MAX_FEATURES:
            raise UserError(f"{path.name}: {len(reader):,} features; phdesk reads at most "
                            f"{limits.MAX_FEATURES:,}")
        shapes = reader.shapes()
        records = reader.records()
    except UserError:
        raise
    except Exception as exc:  # truncated files
        raise UserError(f"{path.name}: cannot read as a shapefile ({exc})") from None
    finally:
        reader.close()
    if len(shapes) != len(records):
        raise UserError(f"{path.name}: the .shp holds {len(shapes):,} shapes but the .dbf "
                        f"{len(records):,} records; the two files do not belong together or one "
                        f"is damaged")
    geoms = np.full(len(shapes), None, dtype=object)
    for i, s in enumerate(shapes):
        if i % 5000 == 0:
            limits.tick(i, len(shapes), f"reading shapes: {i:,}")
        if len(s.points) > limits.MAX_VERTICES:
            raise UserError(f"{path.name}: feature {i + 1} has {len(s.points):,} vertices; "
                            f"phdesk reads at most {limits.MAX_VERTICES:,} per feature")
        if s.shapeType != 0 and len(s.points):  # 0 = null shape
            try:
                geoms[i] = _shape(s.__geo_interface__)
            except Exception:  # rings too short to be polygons
                geoms[i] = None
    attrs = pd.DataFrame([list(r) for r in records], columns=_shp_columns(reader))
    declared = epsg
    prj = next((p for p in (path.with_suffix(".prj"), path.with_suffix(".PRJ")) if p.exists()),
               None)
    data = GeoData(path, geoms, _as_text(attrs), 0, "Shapefile")
    if declared is None and prj is not None:
        declared = epsg_from_wkt(prj.read_text(errors="replace"))
        if declared is None:
            raise UserError(f"{path.name}: the .prj names a coordinate system phdesk does not "
                            "know; reproject to EPSG:27700 or EPSG:4326")
    _to_bng(data, declared, path)
    return data


def _peek_shapefile(path: Path) -> GeoPeek:
    reader = _shp_reader(path)
    try:
        cols = _shp_columns(reader)
        n = min(len(reader), PEEK_FEATURES)
        sample = pd.DataFrame([list(reader.record(i)) for i in range(n)], columns=cols)
        gtype = _SHP_TYPES.get(reader.shapeType, "Unknown")
    finally:
        reader.close()
    return GeoPeek("Shapefile", cols, {gtype}, _as_text(sample))


# -- GeoPackage ------------------------------------------------------------------------------
def read_geopackage(path: Path, epsg: int | None = None, layer: str | None = None) -> GeoData:
    warnings: list[str] = []
    info, attrs, geoms = gpkg.read_layer(path, layer, warnings=warnings)
    data = GeoData(path, geoms, _as_text(attrs), 0, "GeoPackage", str(info["table"]), warnings)
    declared = epsg
    if declared is None and str(info["org"]).upper() == "EPSG":
        declared = int(info["org_id"])
    _to_bng(data, declared, path)
    return data


def _peek_geopackage(path: Path) -> GeoPeek:
    _, attrs, geoms = gpkg.read_layer(path, None, limit=PEEK_FEATURES)
    # the declared type may be the generic GEOMETRY: look at the features themselves
    types = {g.geom_type for g in geoms if g is not None}
    return GeoPeek("GeoPackage", list(attrs.columns), types, _as_text(attrs))


# -- zip and dispatch ------------------------------------------------------------------------
def _dispatch(path: Path, fn_json, fn_shp, fn_gpkg):
    suffix = path.suffix.lower()
    if suffix == ".zip":
        with tempfile.TemporaryDirectory(prefix="phdesk-zip-") as tmp:
            inner = unzip_layer(path, Path(tmp))
            try:
                result = _dispatch(inner, fn_json, fn_shp, fn_gpkg)
            except UserError as exc:  # name the file the user chose, then the member
                raise UserError(f"{path.name}, in the zip: {exc}") from None
            if isinstance(result, GeoData):
                result.path = path
            return result
    if suffix in GEOJSON_SUFFIXES:
        return fn_json(path)
    if suffix == ".shp":
        return fn_shp(path)
    if suffix == ".gpkg":
        return fn_gpkg(path)
    raise UserError(f"{path.name}: not a spatial file (expected .geojson, .json, .shp, .zip or "
                    ".gpkg)")


def read_geo(path: str | Path, epsg: int | None = None, layer: str | None = None) -> GeoData:
    """Read every feature of a GeoJSON / Shapefile / zipped Shapefile / GeoPackage.

    Parameters
    ----------
    path
        The file.
    epsg
        The source CRS, overriding what the file says.
    layer
        GeoPackage layer (table) name; default the first polygon layer.

    Returns
    -------
    GeoData with geometries in EPSG:27700 (metres).
    """
    path = Path(path)
    return _dispatch(path, lambda p: read_geojson(p, epsg), lambda p: read_shapefile(p, epsg),
                     lambda p: read_geopackage(p, epsg, layer))


def peek_geo(path: str | Path) -> GeoPeek | None:
    """Attribute names, geometry types and the first features, cheaply; None if unreadable."""
    try:
        return _dispatch(Path(path), _peek_geojson, _peek_shapefile, _peek_geopackage)
    except UserError:
        return None


def unreadable_reason(path: str | Path) -> str | None:
    """Why a spatial file cannot be read (the message :func:`peek_geo` swallows), or None."""
    try:
        _dispatch(Path(path), _peek_geojson, _peek_shapefile, _peek_geopackage)
    except UserError as exc:
        return str(exc)
    return None


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Attributes as text (codes and names are compared as strings; numbers stay parseable)."""
    out = df.copy()
    for c in out.columns:
        col = out[c]
        out[c] = col.where(col.isna(), col.astype(str)).astype("string").str.strip()
    out.columns = [str(c) for c in out.columns]
    return out.reset_index(drop=True)
