"""Placing rows on the map: latitude/longitude, easting/northing or a postcode -> EPSG:27700.

Shared by the asset-register and ODS importers. Every result is British National Grid
(EPSG:27700) easting/northing in metres. Rows that cannot be placed are rejected with the
standard reasons of :mod:`phdesk.core.imports.report`, all at once (vectorised).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core import geo
from phdesk.core.errors import UserError
from phdesk.core.imports import file_once
from phdesk.core.imports.limits import bounded_int
from phdesk.core.imports.reading import find_column, to_number
from phdesk.core.imports.report import (
    MALFORMED_POSTCODE,
    NO_LOCATION,
    NOT_A_NUMBER,
    OUTSIDE_GB,
    POSTCODE_NOT_FOUND,
    SWAPPED_LATLON,
    ImportReport,
)

POSTCODE_NO_COORDS = "postcode is in the lookup but has no coordinates"

LAT_NAMES = ("latitude", "lat", "y lat", "wgs84 lat")
LON_NAMES = ("longitude", "long", "lon", "lng", "x long", "long ", "wgs84 long")
EASTING_NAMES = ("easting", "eastings", "oseast1m", "east1m", "bng e", "x coordinate", "x")
NORTHING_NAMES = ("northing", "northings", "osnrth1m", "north1m", "bng n", "y coordinate", "y")
POSTCODE_NAMES = ("postcode", "post code", "postcode8", "postcode7", "pcds", "pcd", "pcd2",
                  "pcd7", "pcd8", "postal code", "postcodenatural", "practice postcode", "zip")


@dataclass
class LocationColumns:
    """Which columns of a table hold coordinates or a postcode (None when absent)."""

    lat: str | None = None
    lon: str | None = None
    easting: str | None = None
    northing: str | None = None
    postcode: str | None = None

    @property
    def any(self) -> bool:
        return bool((self.lat and self.lon) or (self.easting and self.northing) or self.postcode)


def location_columns(columns: list[str], overrides: dict[str, str] | None = None
                     ) -> LocationColumns:
    """Guess the location columns from their names; ``overrides`` (field -> column) win."""
    loc = LocationColumns(
        lat=find_column(columns, *LAT_NAMES), lon=find_column(columns, *LON_NAMES),
        easting=find_column(columns, *EASTING_NAMES),
        northing=find_column(columns, *NORTHING_NAMES),
        postcode=find_column(columns, *POSTCODE_NAMES)
        or find_column(columns, "postcode", contains=True))
    for name, col in (overrides or {}).items():
        if hasattr(loc, name) and col:
            if col not in columns:
                raise UserError(f"column '{col}' (given for {name}) is not in the file; "
                                f"columns are: {', '.join(columns[:20])}")
            setattr(loc, name, col)
    return loc


def display_postcode(normalised: pd.Series) -> pd.Series:
    """``'N10AA'`` -> ``'N1 0AA'`` (inward code separated by one space)."""
    s = normalised.astype("string")
    return (s.str[:-3] + " " + s.str[-3:]).where(s.str.len() >= 5, s)


def lookup_coordinates(ctx, normalised: pd.Series) -> pd.DataFrame:
    """``easting``, ``northing`` (metres), ``lsoa_code`` and ``found`` for normalised postcodes."""
    out = ctx.lookup_postcodes(normalised).copy()
    out["found"] = (out["lsoa_code"].notna() | out["easting"].notna()).astype(bool)
    return out


def has_postcode_lookup(ctx) -> bool:
    from phdesk.store.import_queries import has_postcodes

    return ctx.project is not None and has_postcodes(ctx.project)


def place(df: pd.DataFrame, loc: LocationColumns, rows: np.ndarray, ctx,
          report: ImportReport) -> pd.DataFrame:
    """Easting/northing for every row, rejecting the rows that cannot be placed.

    Coordinates win over a postcode: latitude/longitude (WGS84 degrees, projected), else
    easting/northing (metres), else the postcode looked up in the project's postcode table.
    Returns a frame (aligned to ``df``) with ``easting``, ``northing``, ``postcode`` (display
    form where valid), ``placed_by`` and ``ok``.
    """
    out = _Placement(len(df), rows, report)
    xy = _read_coordinates(df, loc, out)
    has_ll = _place_lonlat(xy, out)
    _place_bng(xy, has_ll, out)
    pc_disp = _place_postcodes(df, loc.postcode, ctx, out)
    nowhere = ~out.bad & np.isnan(out.east)
    report.reject(rows[nowhere], "location", NO_LOCATION)
    out.bad |= nowhere
    return pd.DataFrame({"easting": out.east, "northing": out.north, "postcode": pc_disp.to_numpy(),
                         "placed_by": out.placed_by, "ok": ~out.bad}, index=df.index)


class _Placement:
    """Where each row is being placed: easting/northing (EPSG:27700 metres, NaN until placed),
    how, and whether the row is already rejected (a row is rejected once, at its first fault)."""

    def __init__(self, n: int, rows: np.ndarray, report: ImportReport) -> None:
        self.rows, self.report = rows, report
        self.east = np.full(n, np.nan)
        self.north = np.full(n, np.nan)
        self.placed_by = np.full(n, "", dtype=object)
        self.bad = np.zeros(n, bool)


@dataclass
class _Coordinates:
    """The numbers in the coordinate columns (NaN where absent) and the columns they came from."""

    lat: np.ndarray  # WGS84 degrees
    lon: np.ndarray
    x: np.ndarray  # easting, metres
    y: np.ndarray  # northing, metres
    lat_col: str | None
    lon_col: str | None
    e_col: str | None
    n_col: str | None


def _read_coordinates(df: pd.DataFrame, loc: LocationColumns, out: _Placement) -> _Coordinates:
    """Coordinate columns as numbers, rejecting cells that are not numbers.

    Columns called X/Y that hold degrees are read as longitude/latitude (with a warning).
    """
    n = len(df)

    def numbers(col: str | None) -> np.ndarray:
        if col is None:
            return np.full(n, np.nan)
        vals, not_num = to_number(df[col])
        nb = not_num.to_numpy()
        out.report.reject(out.rows[nb & ~out.bad], col, NOT_A_NUMBER, df[col][nb & ~out.bad])
        out.bad[nb] = True
        return vals.to_numpy()

    lat_col, lon_col = loc.lat, loc.lon
    e_col, n_col = loc.easting, loc.northing
    x, y = numbers(e_col), numbers(n_col)
    # columns called X/Y that hold degrees: treat them as longitude/latitude
    if e_col and lat_col is None and lon_col is None:
        both = ~np.isnan(x) & ~np.isnan(y)
        if both.any() and geo.in_gb_lonlat(x[both], y[both]).mean() > 0.9:
            out.report.warn(f"columns {e_col}/{n_col} hold degrees; read as longitude/latitude")
            return _Coordinates(lat=y, lon=x, x=np.full(n, np.nan), y=np.full(n, np.nan),
                                lat_col=n_col, lon_col=e_col, e_col=None, n_col=None)
        lat = lon = np.full(n, np.nan)
    else:
        lat, lon = numbers(lat_col), numbers(lon_col)
    return _Coordinates(lat, lon, x, y, lat_col, lon_col, e_col, n_col)


def _place_lonlat(xy: _Coordinates, out: _Placement) -> np.ndarray:
    """Place rows with latitude/longitude (projected to EPSG:27700); reject swapped pairs and
    points outside Great Britain. Returns which rows had a pair (placed or rejected)."""
    lat, lon, rows, report = xy.lat, xy.lon, out.rows, out.report
    has_ll = ~out.bad & ~np.isnan(lat) & ~np.isnan(lon)
    if has_ll.any():
        swapped = has_ll & geo.looks_swapped(lon, lat)
        report.reject(rows[swapped], f"{xy.lat_col}/{xy.lon_col}", SWAPPED_LATLON,
                      _pair(lat, lon, swapped))
        outside = has_ll & ~swapped & ~geo.in_gb_lonlat(lon, lat)
        report.reject(rows[outside], f"{xy.lat_col}/{xy.lon_col}", OUTSIDE_GB,
                      _pair(lat, lon, outside))
        out.bad |= swapped | outside
        good = has_ll & ~out.bad
        if good.any():
            out.east[good], out.north[good] = geo.lonlat_to_bng(lon[good], lat[good])
            out.placed_by[good] = "latitude/longitude"
    return has_ll


def _place_bng(xy: _Coordinates, has_ll: np.ndarray, out: _Placement) -> None:
    """Place rows without a latitude/longitude pair by easting/northing (metres); reject
    points outside Great Britain."""
    x, y = xy.x, xy.y
    has_en = ~out.bad & ~has_ll & ~np.isnan(x) & ~np.isnan(y)
    if has_en.any():
        outside = has_en & ~geo.in_gb_bng(x, y)
        out.report.reject(out.rows[outside], f"{xy.e_col}/{xy.n_col}", OUTSIDE_GB,
                          _pair(x, y, outside))
        out.bad |= outside
        good = has_en & ~out.bad
        out.east[good], out.north[good] = x[good], y[good]
        out.placed_by[good] = "easting/northing"


def _place_postcodes(df: pd.DataFrame, column: str | None, ctx, out: _Placement) -> pd.Series:
    """Place the rows still unplaced by their postcode; reject malformed postcodes.

    Returns every row's postcode for display (``N1 0AA`` where valid, else as written).
    """
    pc_disp = pd.Series(pd.NA, index=df.index, dtype="string")
    need_pc = ~out.bad & np.isnan(out.east)
    if column is None:
        return pc_disp
    raw = df[column].astype("string").str.strip()
    # stray punctuation ('NE26 1EJ.') is not part of a postcode
    norm = geo.normalise_postcode(raw.str.replace(r"[^A-Za-z0-9\s]", "", regex=True))
    valid = geo.valid_postcode(norm).to_numpy()
    pc_disp = display_postcode(norm).where(valid, raw)
    has_pc = raw.notna().to_numpy() & (raw.fillna("") != "").to_numpy()
    malformed = need_pc & has_pc & ~valid
    out.report.reject(out.rows[malformed], column, MALFORMED_POSTCODE, raw[malformed])
    out.bad |= malformed
    todo = need_pc & has_pc & valid
    if todo.any():
        _look_up_postcodes(raw, norm, todo, column, ctx, out)
    return pc_disp


def _look_up_postcodes(raw: pd.Series, norm: pd.Series, todo: np.ndarray, column: str, ctx,
                       out: _Placement) -> None:
    """Place the ``todo`` rows from the project's postcode lookup; reject postcodes it does not
    hold, or holds without coordinates."""
    if not has_postcode_lookup(ctx):
        out.report.warn("the project has no postcode lookup: import a postcode directory "
                        "(ONSPD, NSPL or Code-Point Open) to place rows by postcode")
    found = lookup_coordinates(ctx, norm[todo])
    got = found["easting"].notna().to_numpy() & found["northing"].notna().to_numpy()
    idx = np.flatnonzero(todo)
    out.east[idx[got]] = found["easting"].to_numpy()[got]
    out.north[idx[got]] = found["northing"].to_numpy()[got]
    out.placed_by[idx[got]] = "postcode"
    no_coords = found["found"].to_numpy() & ~got
    out.report.reject(out.rows[idx[no_coords]], column, POSTCODE_NO_COORDS,
                      raw[todo][no_coords])
    missing = ~found["found"].to_numpy()
    out.report.reject(out.rows[idx[missing]], column, POSTCODE_NOT_FOUND, raw[todo][missing])
    out.bad[idx[~got]] = True


def summarise_missing_postcodes(report: ImportReport, placed: int) -> None:
    """One warning that sums up many 'postcode not found' rejections (a national list against a
    local postcode lookup), naming the postcode areas they are in."""
    rej = report.rejections
    missing = rej.loc[rej["reason"] == POSTCODE_NOT_FOUND, "value"] if len(rej) else rej
    if len(missing) < 10:
        return
    areas = missing.astype(str).str.upper().str.extract(r"^([A-Z]{1,2})")[0].value_counts()
    top = ", ".join(f"{a} {n}" for a, n in areas.head(6).items())
    report.warn(f"{len(missing):,} rows have postcodes that are not in the project's postcode "
                f"lookup (postcode areas: {top}{', …' if len(areas) > 6 else ''}); import a "
                f"postcode directory that covers them, or accept the {placed:,} rows that could "
                f"be placed")


def _pair(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> pd.Series:
    return pd.Series(a[mask]).astype(str) + ", " + pd.Series(b[mask]).astype(str)


# -- GeoJSON point files ------------------------------------------------------------------------
POINT_TYPES = {"Point", "MultiPoint"}
AREA_TYPES = {"Polygon", "MultiPolygon"}


def geojson_summary(path: Path, limit: int = 20_000_000) -> dict | None:
    """``{"types": set, "properties": list}`` for a GeoJSON FeatureCollection, or None."""
    try:
        if path.stat().st_size > limit:
            return None
        data = file_once.remembered(path, "json", lambda: json.loads(  # as limits.load_json
            (file_once.held_bytes(path) or path.read_bytes()).decode("utf-8-sig"),
            parse_int=bounded_int))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):  # hostile files too
        return None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return None
    feats = data.get("features")
    # features that are not objects, and geometry/properties that are not objects, are dropped
    feats = [{**f, "geometry": _geometry(f), "properties": _member(f, "properties")}
             for f in (feats if isinstance(feats, list) else []) if isinstance(f, dict)]
    data = {**data, "features": feats}
    types = {(f["geometry"] or {}).get("type") for f in feats}
    props: list[str] = []
    for f in feats[:50]:
        for k in (f["properties"] or {}):
            if k not in props:
                props.append(k)
    return {"types": types - {None}, "properties": props, "data": data}


def _member(feature: dict, key: str) -> dict | None:
    value = feature.get(key)
    return value if isinstance(value, dict) else None


def _geometry(feature: dict) -> dict | None:
    g = _member(feature, "geometry")
    return g if g is not None and isinstance(g.get("type"), str) else None


def _shape_or_none(geometry: dict | None):
    """A shapely geometry, or None for a missing or malformed one (strings as coordinates)."""
    from shapely.geometry import shape

    if not geometry:
        return None
    try:
        with np.errstate(invalid="ignore"):  # NaN coordinates: dropped by usable_geometries
            return shape(geometry)
    except Exception:  # shapely raises TypeError/ValueError/GeometryTypeError for bad input
        return None


def read_geojson_points(path: Path, report: ImportReport) -> tuple[pd.DataFrame, str]:
    """Properties of a GeoJSON FeatureCollection as text columns plus ``__x``/``__y``.

    Returns ``(frame, crs)`` with crs ``"lonlat"`` (WGS84/CRS84, the GeoJSON default) or
    ``"bng"`` (a declared EPSG:27700). Polygons are reduced to a representative point (inside
    the polygon) with a warning; features without geometry get NaN coordinates.
    """
    import shapely

    from phdesk.core.imports.geofiles import usable_geometries

    info = geojson_summary(path)
    if info is None:
        raise UserError(f"{path.name}: not a GeoJSON FeatureCollection that phdesk can read")
    data = info["data"]
    feats = [f for f in data.get("features") or [] if isinstance(f, dict)]
    crs_name = str((_member(_member(data, "crs") or {}, "properties") or {}).get("name", ""))
    crs = "bng" if "27700" in crs_name else "lonlat"
    props = pd.DataFrame([f.get("properties") or {} for f in feats])
    props = props.astype(object).where(props.notna(), None)
    props = props.map(lambda v: None if v is None else str(v)).astype("string")
    geoms = usable_geometries([_shape_or_none(f.get("geometry")) for f in feats])
    kinds = shapely.get_type_id(geoms)
    areas = np.isin(kinds, [3, 6])  # Polygon, MultiPolygon
    if areas.any():
        report.warn(f"{int(areas.sum())} features are areas (polygons): each is placed at a "
                    f"representative point inside it")
    pts = shapely.point_on_surface(geoms)
    props["__x"] = shapely.get_x(pts)
    props["__y"] = shapely.get_y(pts)
    return props, crs
