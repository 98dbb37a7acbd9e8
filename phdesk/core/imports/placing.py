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
    n = len(df)
    e = np.full(n, np.nan)
    nn = np.full(n, np.nan)
    placed_by = np.full(n, "", dtype=object)
    bad = np.zeros(n, bool)
    lat_col, lon_col = loc.lat, loc.lon
    e_col, n_col = loc.easting, loc.northing

    def numbers(col: str | None) -> np.ndarray:
        if col is None:
            return np.full(n, np.nan)
        vals, not_num = to_number(df[col])
        nb = not_num.to_numpy()
        report.reject(rows[nb & ~bad], col, NOT_A_NUMBER, df[col][nb & ~bad])
        bad[nb] = True
        return vals.to_numpy()

    x, y = numbers(e_col), numbers(n_col)
    # columns called X/Y that hold degrees: treat them as longitude/latitude
    if e_col and lat_col is None and lon_col is None:
        both = ~np.isnan(x) & ~np.isnan(y)
        if both.any() and geo.in_gb_lonlat(x[both], y[both]).mean() > 0.9:
            report.warn(f"columns {e_col}/{n_col} hold degrees; read as longitude/latitude")
            lat_col, lon_col, e_col, n_col = n_col, e_col, None, None
            lat, lon = y, x
            x = y = np.full(n, np.nan)
        else:
            lat = lon = np.full(n, np.nan)
    else:
        lat, lon = numbers(lat_col), numbers(lon_col)

    has_ll = ~bad & ~np.isnan(lat) & ~np.isnan(lon)
    if has_ll.any():
        swapped = has_ll & geo.looks_swapped(lon, lat)
        report.reject(rows[swapped], f"{lat_col}/{lon_col}", SWAPPED_LATLON,
                      _pair(lat, lon, swapped))
        outside = has_ll & ~swapped & ~geo.in_gb_lonlat(lon, lat)
        report.reject(rows[outside], f"{lat_col}/{lon_col}", OUTSIDE_GB, _pair(lat, lon, outside))
        bad |= swapped | outside
        good = has_ll & ~bad
        if good.any():
            e[good], nn[good] = geo.lonlat_to_bng(lon[good], lat[good])
            placed_by[good] = "latitude/longitude"
    has_en = ~bad & ~has_ll & ~np.isnan(x) & ~np.isnan(y)
    if has_en.any():
        outside = has_en & ~geo.in_gb_bng(x, y)
        report.reject(rows[outside], f"{e_col}/{n_col}", OUTSIDE_GB, _pair(x, y, outside))
        bad |= outside
        good = has_en & ~bad
        e[good], nn[good] = x[good], y[good]
        placed_by[good] = "easting/northing"

    pc_disp = pd.Series(pd.NA, index=df.index, dtype="string")
    need_pc = ~bad & np.isnan(e)
    if loc.postcode is not None:
        raw = df[loc.postcode].astype("string").str.strip()
        # stray punctuation ('NE26 1EJ.') is not part of a postcode
        norm = geo.normalise_postcode(raw.str.replace(r"[^A-Za-z0-9\s]", "", regex=True))
        valid = geo.valid_postcode(norm).to_numpy()
        pc_disp = display_postcode(norm).where(valid, raw)
        has_pc = raw.notna().to_numpy() & (raw.fillna("") != "").to_numpy()
        malformed = need_pc & has_pc & ~valid
        report.reject(rows[malformed], loc.postcode, MALFORMED_POSTCODE, raw[malformed])
        bad |= malformed
        todo = need_pc & has_pc & valid
        if todo.any():
            if not has_postcode_lookup(ctx):
                report.warn("the project has no postcode lookup: import a postcode directory "
                            "(ONSPD, NSPL or Code-Point Open) to place rows by postcode")
            found = lookup_coordinates(ctx, norm[todo])
            got = found["easting"].notna().to_numpy() & found["northing"].notna().to_numpy()
            idx = np.flatnonzero(todo)
            e[idx[got]] = found["easting"].to_numpy()[got]
            nn[idx[got]] = found["northing"].to_numpy()[got]
            placed_by[idx[got]] = "postcode"
            no_coords = found["found"].to_numpy() & ~got
            report.reject(rows[idx[no_coords]], loc.postcode, POSTCODE_NO_COORDS,
                          raw[todo][no_coords])
            missing = ~found["found"].to_numpy()
            report.reject(rows[idx[missing]], loc.postcode, POSTCODE_NOT_FOUND,
                          raw[todo][missing])
            bad[idx[~got]] = True
    nowhere = ~bad & np.isnan(e)
    report.reject(rows[nowhere], "location", NO_LOCATION)
    bad |= nowhere
    return pd.DataFrame({"easting": e, "northing": nn, "postcode": pc_disp.to_numpy(),
                         "placed_by": placed_by, "ok": ~bad}, index=df.index)


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
