"""LSOA / MSOA / ward / LAD boundaries (and neighbourhood polygons) into the project.

GeoJSON, Shapefile (plain or zipped) and GeoPackage are read by :mod:`geofiles` and projected to
EPSG:27700. Features with GSS codes go to ``areas`` (upsert by code; the population-weighted
centroid already stored is kept); polygons named but not coded (a ``neighbourhood`` / ``name``
column, or option ``level=neighbourhood``) go to ``neighbourhoods.geometry`` (upsert by name).
Invalid polygons are repaired with ``shapely.make_valid``; empty, non-polygon and unrepairable
features are rejected with their feature number (1 = first feature in the file).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from phdesk.core import geo
from phdesk.core.errors import UserError
from phdesk.core.imports import GEO_SUFFIXES, ImportContext, Prepared, Sample
from phdesk.core.imports import area_codes as ac
from phdesk.core.imports import boundary_vintages as bv
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.geofiles import GeoData, peek_geo, read_geo
from phdesk.core.imports.reading import find_column
from phdesk.core.imports.repair import repair
from phdesk.core.imports.report import DUPLICATE_KEY, MISSING_VALUE, ImportReport

KIND = "boundaries"
LABEL = "Boundaries (LSOA, MSOA, ward, LAD or neighbourhood polygons)"

# offered by the import wizard as controls (option -> label, values; "" = phdesk decides)
CHOICES = {"vintage": ("Census vintage of the codes", [("", "As the file says"),
                                                       ("2011", "2011"), ("2021", "2021")]),
           "use": ("Use these boundaries as", [("", "Decided by the project's areas"),
                                               ("areas", "The project's areas"),
                                               ("bridge", "Only to bridge vintages")])}
EMPTY_GEOMETRY = "empty or missing geometry"
NOT_POLYGON = "not a polygon"
UNREPAIRABLE = "invalid polygon that cannot be repaired"
TOO_TANGLED = ("invalid polygon too tangled to repair in reasonable time (its edges cross each "
               "other very many times); fix it in a GIS")
LEVELS = {"lsoa", "msoa", "ward", "lad", "oa", "other", "neighbourhood"}
LEVEL_NAMES = {"lsoa": "LSOA", "msoa": "MSOA", "ward": "ward", "lad": "local authority",
               "oa": "output area", "other": "area"}
NAME_COLUMNS = ["area_name", "name", "NAME", "geography", "geography name"]
NEIGHBOURHOOD_COLUMNS = ["neighbourhood", "neighbourhood_name", "neighbourhood name",
                         "Neighbourhood", "nbhd", "PCN", "pcn_name", "PCN name", "locality",
                         "name"]
_POLY_IDS = (3, 6)  # shapely type ids: Polygon, MultiPolygon
BATCH = 1000


def _code_column(attrs: pd.DataFrame, option: str | None = None) -> str | None:
    """The first known code column whose values are mostly GSS codes."""
    if option:
        return option if option in attrs.columns else None
    cols = list(attrs.columns)
    while cols:
        col = ac.find_code_column(cols)
        if col is None:
            return None
        if ac.mostly_codes(attrs[col]):
            return col
        cols.remove(col)
    return None


def _name_column(columns: list[str], code_col: str | None) -> str | None:
    if code_col:
        paired = re.sub(r"(?i)cd$", "NM", code_col)
        if paired != code_col and paired in columns:
            return paired
    return find_column(columns, *NAME_COLUMNS)


def detect(sample: Sample) -> str | None:
    if sample.suffix not in GEO_SUFFIXES:
        return None
    peek = peek_geo(sample.path)
    if peek is None or not peek.geom_types & {"Polygon", "MultiPolygon"}:
        return None  # points (e.g. LSOA centroids) are not boundaries
    code = _code_column(peek.sample)
    if code is not None:
        codes = ac.clean_codes(peek.sample[code]).dropna()
        if codes.duplicated().mean() > 0.5:
            return None  # many features per code: buildings or sites tagged with their area
        level = geo.area_level(codes.iloc[0])
        vintage = ac.vintage_of_column(code)
        what = f"{LEVEL_NAMES.get(level, 'area')}{f' {vintage}' if vintage else ''}"
        return f"{what} polygons ({peek.fmt}): '{code}' column"
    name = find_column(peek.columns, *NEIGHBOURHOOD_COLUMNS)
    if name is not None and not peek.sample[name].dropna().duplicated().any():
        return f"neighbourhood polygons ({peek.fmt}): '{name}' column, no area codes"
    return None


def _polygonal(g) -> shapely.Geometry | None:
    """The polygonal part of a repaired geometry (make_valid may add lines or points)."""
    if g is None or g.is_empty:
        return None
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = shapely.get_parts(shapely.get_parts(g))
    polys = [p for p in parts if p.geom_type == "Polygon" and p.area > 0]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)


def check_geometries(data: GeoData, report: ImportReport, rows: np.ndarray) -> np.ndarray:
    """Reject empty, non-polygon and unrepairable features; repair the rest in place.

    Returns the mask of features still accepted.
    """
    geoms = data.geometries
    null = pd.isna(geoms)
    empty = null.copy()
    empty[~null] = shapely.is_empty(geoms[~null])
    report.reject(rows[empty], "geometry", EMPTY_GEOMETRY)
    ok = ~empty
    types = np.full(len(geoms), -1)
    types[ok] = shapely.get_type_id(geoms[ok])
    notpoly = ok & ~np.isin(types, _POLY_IDS)
    if notpoly.all():
        raise UserError(f"{data.path.name}: the features are {sorted(data.geom_types)[0]}s, not "
                        "polygons; boundaries need polygons")
    names = np.array([g.geom_type if g is not None else "" for g in geoms[notpoly]], dtype=object)
    report.reject(rows[notpoly], "geometry", NOT_POLYGON, names)
    ok &= ~notpoly
    invalid = ok.copy()
    invalid[ok] = ~shapely.is_valid(geoms[ok])
    if invalid.any():
        fixed, tangled = repair(geoms[invalid], _polygonal)
        lost = pd.isna(fixed)
        idx = np.flatnonzero(invalid)
        geoms[idx[~lost]] = fixed[~lost]
        report.reject(rows[idx[tangled]], "geometry", TOO_TANGLED)
        report.reject(rows[idx[lost & ~tangled]], "geometry", UNREPAIRABLE)
        ok[idx[lost]] = False
        if (~lost).any():
            report.warn(f"{int((~lost).sum())} invalid polygons repaired (self-intersections "
                        "or bad rings fixed with shapely.make_valid)")
    return ok


def centroids(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centroid easting/northing (metres); a point on the surface where the centroid falls
    outside its polygon (crescents, multi-part areas)."""
    cent = shapely.centroid(geoms)
    outside = ~shapely.intersects(geoms, cent)
    if outside.any():
        cent[outside] = shapely.point_on_surface(geoms[outside])
    return shapely.get_x(cent), shapely.get_y(cent)


def _vintage(code_col: str, path: Path, ctx: ImportContext, report: ImportReport) -> int | None:
    opt = ctx.options.get("vintage")
    if opt not in (None, ""):
        if not str(opt).isdigit() or not 1990 < int(opt) < 2100:
            raise UserError(f"{path.name}: option vintage must be a year such as 2011 or 2021")
        return int(opt)
    vintage = ac.vintage_of_column(code_col)
    if vintage is None:
        m = re.search(r"(?:lsoa|msoa|wd|lad)[_-]?(\d{2})(?!\d)|(20[12]\d)", path.stem, re.I)
        if m:
            vintage = 2000 + int(m.group(1)) if m.group(1) else int(m.group(2))
            report.warn(f"vintage {vintage} taken from the file name (use option vintage=YEAR "
                        "if that is wrong)")
        else:
            report.warn("the file does not say which census vintage its codes are (2011 or "
                        "2021); stored without one (use option vintage=YEAR)")
    return vintage


def prepare(path: Path, ctx: ImportContext) -> Prepared:
    opts = ctx.options
    epsg = str(opts.get("epsg") or opts.get("crs") or "").split(":")[-1].strip()
    if epsg and not epsg.isdigit():
        raise UserError(f"{path.name}: option epsg must be an EPSG code such as 27700 or 4326")
    data = read_geo(path, epsg=int(epsg) if epsg else None, layer=opts.get("layer"))
    report = ImportReport(file=path.name, rows_read=len(data.geometries))
    for w in data.warnings:
        report.warn(w)
    report.details.update({"format": data.fmt, "source_epsg": data.source_epsg})
    if data.layer:
        report.details["layer"] = data.layer
    ac.check_option_columns(path.name, list(data.attributes.columns), opts,
                            ("area", "neighbourhood"))
    level_opt = opts.get("level")
    if level_opt is not None and level_opt not in LEVELS:
        raise UserError(f"{path.name}: option level must be one of {', '.join(sorted(LEVELS))}")
    ctx.progress(0.3, "checking polygons")
    rows = np.arange(1, len(data.geometries) + 1)
    code_col = None if level_opt == "neighbourhood" else _code_column(data.attributes,
                                                                       opts.get("area"))
    if code_col is None:
        return _prepare_neighbourhoods(path, ctx, data, report, rows)
    attrs = data.attributes
    ok = check_geometries(data, report, rows)
    codes = ac.clean_codes(attrs[code_col])
    coded = ac.reject_malformed(report, codes, rows, code_col)
    # a code given twice is rejected in every copy, whatever else is wrong with either
    ok &= ac.reject_duplicates(report, codes, rows, code_col, coded)
    name_col = _name_column(list(attrs.columns), code_col)
    geoms = data.geometries[ok]
    e, n = centroids(geoms) if len(geoms) else (np.array([]), np.array([]))
    frame = pd.DataFrame({
        "code": codes[ok].to_numpy(),
        "name": attrs[name_col][ok].to_numpy() if name_col else None,
        "level": level_opt or codes[ok].map(geo.area_level).to_numpy(),
        "vintage": _vintage(code_col, path, ctx, report),
        "centroid_e": e, "centroid_n": n,
    })
    report.rows_accepted = int(ok.sum())
    use = bv.role(ctx, frame, report, path.name)   # LSOA 2011 beside 2021
    msoa = bv.default_groups(ctx, use, frame, attrs[ok].reset_index(drop=True), report)
    if use != bv.BRIDGE:
        _warn_vintage_change(ctx, frame, report)
    report.details.update({"code_column": code_col, "name_column": name_col,
                           "vintage": None if frame.empty else frame["vintage"].iloc[0],
                           "levels": frame["level"].value_counts().to_dict()})
    wkb = shapely.to_wkb(geoms) if len(geoms) else np.array([], dtype=object)
    ctx.progress(1.0, "checked")

    def write(w: TableWriter, prog) -> None:
        if bv.write(w, use, frame, wkb, msoa):
            return
        # an upsert by code: keeps pw_centroid_* already stored
        w.upsert_areas(frame.assign(geometry=list(wkb)), prog, batch=BATCH)

    preview = frame.assign(area_m2=shapely.area(geoms) if len(geoms) else []).head(200)
    return Prepared(path, report, write, preview)


def _warn_vintage_change(ctx: ImportContext, frame: pd.DataFrame, report: ImportReport) -> None:
    """Areas are keyed by code alone, and most LSOA codes are the same in 2011 and 2021: say
    when this file replaces boundaries of another vintage."""
    if ctx.project is None or frame.empty or pd.isna(frame["vintage"].iloc[0]):
        return
    from phdesk.store.import_queries import areas_of_other_vintage

    stored = areas_of_other_vintage(ctx.project, int(frame["vintage"].iloc[0]))
    hit = stored[stored["code"].isin(set(frame["code"]))]
    if len(hit):
        old = ", ".join(str(v) for v in sorted(hit["vintage"].unique()))
        report.warn(f"{len(hit)} areas already stored with {old} boundaries will be replaced "
                    f"by these {int(frame['vintage'].iloc[0])} boundaries (same codes)")


def _prepare_neighbourhoods(path: Path, ctx: ImportContext, data: GeoData, report: ImportReport,
                            rows: np.ndarray) -> Prepared:
    """Named polygons without GSS codes: neighbourhood outlines."""
    attrs = data.attributes
    name_col = ctx.options.get("neighbourhood") or find_column(list(attrs.columns),
                                                               *NEIGHBOURHOOD_COLUMNS)
    if name_col is None or name_col not in attrs.columns:
        raise UserError(f"{path.name}: no area code column (e.g. LSOA21CD, area_code) and no "
                        "neighbourhood name column (e.g. neighbourhood, name)")
    ok = check_geometries(data, report, rows)
    names = attrs[name_col].astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    missing = ok & (names.isna() | names.eq("")).fillna(True).to_numpy()
    report.reject(rows[missing], name_col, MISSING_VALUE)
    ok &= ~missing
    ok = ac.reject_duplicates(report, names.str.lower(), rows, name_col, ok,
                              reason=DUPLICATE_KEY, shown=names)
    frame = pd.DataFrame({"name": names[ok].to_numpy()})
    geoms = data.geometries[ok]
    wkb = shapely.to_wkb(geoms) if len(geoms) else []
    report.rows_accepted = int(ok.sum())
    report.details.update({"level": "neighbourhood", "name_column": name_col})
    ctx.progress(1.0, "checked")

    def write(w: TableWriter, prog) -> None:
        w.upsert_neighbourhood_outlines(frame["name"].tolist(), list(wkb))
        prog(1.0, "writing neighbourhood outlines")

    preview = frame.assign(area_m2=shapely.area(geoms) if len(geoms) else [])
    return Prepared(path, report, write, preview)
