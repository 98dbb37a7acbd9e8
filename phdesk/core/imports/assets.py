"""The user's own asset register: CSV, XLSX or a GeoJSON point file, with any column names.

Columns are matched to the asset fields by :func:`suggest_mapping` (the import wizard shows the
guess and lets the user change it); ``ctx.options`` may override any field (``{"name": "Org"}``)
and give one category for the whole file (``category_value``; a ``category`` option that is not a
column name is taken as a fixed value too). Rows are placed by latitude/longitude (WGS84, projected
to EPSG:27700), easting/northing (metres) or a postcode looked up in the project's postcode table
(see :mod:`phdesk.core.imports.placing`). New assets are appended; when the file has an id column,
re-importing it updates the assets already imported from it (matched by file name and id).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.imports import asset_category, asset_rules, placing
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.reading import find_column, normalise_header, read_table, to_number
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MISSING_VALUE,
    NEGATIVE_COUNT,
    NOT_A_NUMBER,
    ImportReport,
)
from phdesk.store.import_queries import area_centroid_box

KIND = "assets"
LABEL = "Asset register (your own list of services and places)"

# (field, label, required)
FIELDS: list[tuple[str, str, bool]] = [
    ("name", "Name", True),
    ("category", "Category (type of asset)", False),
    ("latitude", "Latitude (WGS84 degrees)", False),
    ("longitude", "Longitude (WGS84 degrees)", False),
    ("easting", "Easting (metres, BNG)", False),
    ("northing", "Northing (metres, BNG)", False),
    ("postcode", "Postcode", False),
    ("capacity", "Capacity (places, list size; else 1)", False),
    ("source_id", "Identifier (e.g. ODS code)", False),
    ("address", "Address", False),
    ("status", "Status (closed rows are left out)", False),
    ("closed_date", "Closed on (year or date)", False),
]
# fields whose value can also be typed for the whole file, not only chosen as a column
LOCATION_FIELDS = ("latitude", "longitude", "easting", "northing")
FIELD_NAMES = [f for f, _, _ in FIELDS]

NAME_NAMES = ("name", "organisation", "organisation name", "organization", "org name", "org",
              "site name", "site", "pharmacy name", "practice name", "service name", "asset name",
              "provider name", "establishment name", "venue", "venue name", "location name",
              "distname", "title", "name of organisation", "facility name", "setting name")
# "<geography> name" columns are not the asset's name
GEOGRAPHY_WORDS = {"ward", "msoa", "lsoa", "la", "lad", "area", "ccg", "icb", "borough", "region",
                   "authority", "locality", "county", "district", "constituency", "pcn", "oa",
                   "health", "local", "parish", "country", "lsoa11", "lsoa21", "msoa11", "msoa21"}
CATEGORY_NAMES = ("category", "type", "service", "service type", "asset type", "category name",
                  "classification", "classifica", "asset category", "kind", "sector", "theme")
CAPACITY_NAMES = ("capacity", "places", "beds", "size", "list size", "number of places")
ID_NAMES = ("id", "ods code", "ods", "organisation code", "org code",
            "organisation data service code", "code", "practice code", "asset id", "site id",
            "urn", "unique reference number", "reference", "ref")
# not an id of the asset: UPRN identifies a building, which several services may share
ADDRESS_NAMES = ("address", "full address", "address1", "address 1", "address line 1", "street")


def name_column(columns: list[str]) -> str | None:
    """The column holding an asset's name, ignoring geography names (``ward_name`` …)."""
    col = find_column(columns, *NAME_NAMES)
    if col is not None:
        return col
    for c in columns:
        words = normalise_header(c).split()
        if len(words) >= 2 and words[-1] == "name" and words[0] not in GEOGRAPHY_WORDS:
            return c
    return None


def suggest_mapping(columns: list[str]) -> dict[str, str]:
    """Best guess of field -> column from common names (fields without a match are left out)."""
    loc = placing.location_columns(list(columns))
    guess = {
        "name": name_column(columns), "category": find_column(columns, *CATEGORY_NAMES),
        "latitude": loc.lat, "longitude": loc.lon, "easting": loc.easting,
        "northing": loc.northing, "postcode": loc.postcode,
        "capacity": find_column(columns, *CAPACITY_NAMES),
        "source_id": find_column(columns, *ID_NAMES),
        "address": find_column(columns, *ADDRESS_NAMES),
        "status": asset_rules.status_column(columns),
        "closed_date": asset_rules.closed_date_column(columns),
    }
    if not (guess["latitude"] and guess["longitude"]):
        guess["latitude"] = guess["longitude"] = None
    if not (guess["easting"] and guess["northing"]):
        guess["easting"] = guess["northing"] = None
    others = [v for k, v in guess.items() if k not in ("category", "status") and v]
    if guess["category"] in others:
        guess["category"] = None
    if guess["status"] in others:
        guess["status"] = None
    return {k: v for k, v in guess.items() if v}


def detect(sample) -> str | None:
    if sample.suffix in (".geojson", ".json"):
        info = placing.geojson_summary(sample.path)
        if not info or not info["types"] or name_column(info["properties"]) is None:
            return None  # e.g. LSOA centroids: points without names are not assets
        if info["types"] <= placing.POINT_TYPES:
            return "GeoJSON points with names (asset register)"
        # building footprints with names (boundary files were claimed earlier in the order)
        if info["types"] <= placing.POINT_TYPES | placing.AREA_TYPES:
            return "GeoJSON named places (polygons are placed at a point inside each)"
        return None
    if sample.table is None or sample.headerless:
        return None
    cols = sample.columns
    mapping = suggest_mapping(cols)
    if "name" not in mapping:
        return None
    if "latitude" in mapping:
        return f"names ({mapping['name']}) with latitude/longitude"
    if "easting" in mapping:
        return f"names ({mapping['name']}) with easting/northing"
    if "postcode" in mapping:
        return f"names ({mapping['name']}) with postcodes"
    return None


def mappable_columns(path: Path) -> list[str]:
    """The columns the wizard offers for mapping: a table's header, or a GeoJSON file's
    feature properties (its coordinates come from the geometry)."""
    if path.suffix.lower() in (".geojson", ".json"):
        info = placing.geojson_summary(path)
        return [str(c) for c in (info or {}).get("properties", [])]
    return [str(c) for c in read_table(path, nrows=50).df.columns if not str(c).startswith("__")]


def _load(path: Path, report: ImportReport) -> tuple[pd.DataFrame, np.ndarray, dict[str, str]]:
    """The rows as text, their row numbers and any fixed location columns (GeoJSON)."""
    if path.suffix.lower() in (".geojson", ".json"):
        df, crs = placing.read_geojson_points(path, report)
        fixed = ({"easting": "__x", "northing": "__y"} if crs == "bng"
                 else {"longitude": "__x", "latitude": "__y"})
        return df, np.arange(1, len(df) + 1), fixed
    table = read_table(path)
    return table.df, table.row_numbers(), {}


def resolve_mapping(columns: list[str], options: dict, fixed: dict[str, str] | None = None
                    ) -> tuple[dict[str, str], str | None]:
    """``(mapping, category_value)`` from the guess, the GeoJSON geometry and the user's options."""
    mapping = suggest_mapping([c for c in columns if not c.startswith("__")])
    if fixed:
        for k in ("latitude", "longitude", "easting", "northing"):
            mapping.pop(k, None)
        mapping.update(fixed)
    category_value = options.get("category_value")
    for field_name in FIELD_NAMES:
        col = options.get(field_name)
        if col == "" and not (fixed and field_name in fixed):
            mapping.pop(field_name, None)   # "(not used)" chosen for a guessed column
            continue
        if not col:
            continue
        if col not in columns:
            if field_name == "category":  # a fixed value, not a column
                category_value = col
                mapping.pop("category", None)
                continue
            raise UserError(f"column '{col}' (chosen for {field_name}) is not in the file; "
                            f"columns are: {', '.join(columns[:20])}")
        mapping[field_name] = col
    if category_value:
        mapping.pop("category", None)
    return mapping, category_value


def prepare(path: Path, ctx):
    """Read and check an asset register into asset rows placed in EPSG:27700 (metres); writes
    nothing until the returned ``Prepared`` is committed."""
    from phdesk.core.imports import Prepared

    report = ImportReport(path.name)
    df, rows, fixed = _load(path, report)
    report.rows_read = len(df)
    mapping, category_value, loc = _mapping(path, list(df.columns), ctx.options, fixed)
    name = df[mapping["name"]].astype("string").str.strip()
    empty = name.fillna("").eq("").to_numpy()
    report.reject(rows[empty], mapping["name"], MISSING_VALUE)
    ok = ~empty
    has_category, category = asset_category.categories(path, df, mapping, category_value,
                                                       rows, ctx, report)
    ok &= has_category
    ok &= ~_closed_rows(df, mapping, ctx.options, report)
    capacity, bad_capacity = _capacity(df, mapping, rows, report)
    ok &= ~bad_capacity
    where = placing.place(df, loc, rows, ctx, report)
    ok &= where["ok"].to_numpy()
    placing.summarise_missing_postcodes(report, int(ok.sum()))
    source_id = _source_ids(df, mapping, rows, ok, report)
    out = pd.DataFrame({
        "name": name, "category": category, "easting": where["easting"],
        "northing": where["northing"], "postcode": where["postcode"], "capacity": capacity,
        "source_id": source_id, "source": path.name, "address": _address(df, mapping),
    }).loc[ok].reset_index(drop=True)
    report.rows_accepted = len(out)
    report.details.update({
        # coordinates taken from GeoJSON geometry are not columns the user could choose
        "mapping": {k: v for k, v in mapping.items() if not v.startswith("__")},
        "coordinates_from_geometry": bool(fixed), "category_value": category_value,
        "placed_by": {k: int(v) for k, v in where.loc[ok, "placed_by"].value_counts().items()},
        "categories": {k: int(v) for k, v in out["category"].value_counts().items()}})
    _warn_unknown_areas(report, where.loc[ok], ctx)
    return Prepared(path, report, _writer(out, report), out.head(20))


def _mapping(path: Path, columns: list[str], options: dict, fixed: dict[str, str]
             ) -> tuple[dict[str, str], str | None, placing.LocationColumns]:
    """(field -> column, category typed for every row, location columns); UserError without a
    name column or any location column."""
    mapping, category_value = resolve_mapping(columns, options, fixed)
    if "name" not in mapping:
        raise UserError(f"{path.name}: no name column (expected e.g. Name, Organisation); "
                        f"choose the column for Name")
    loc = placing.LocationColumns(mapping.get("latitude"), mapping.get("longitude"),
                                  mapping.get("easting"), mapping.get("northing"),
                                  mapping.get("postcode"))
    if not loc.any:
        raise UserError(f"{path.name}: no location columns (latitude/longitude, easting/northing "
                        f"or postcode)")
    return mapping, category_value, loc


def _capacity(df: pd.DataFrame, mapping: dict, rows: np.ndarray, report: ImportReport
              ) -> tuple[pd.Series, np.ndarray]:
    """(capacity per row, 1 where not given; rows rejected for a capacity that is not a number
    or is negative)."""
    if "capacity" not in mapping:
        return pd.Series(1.0, index=df.index), np.zeros(len(df), bool)
    col = mapping["capacity"]
    nums, bad = to_number(df[col])
    bad = bad.to_numpy()
    neg = (nums < 0).to_numpy()
    report.reject(rows[bad], col, NOT_A_NUMBER, df[col][bad])
    report.reject(rows[neg], col, NEGATIVE_COUNT, df[col][neg])
    return nums.fillna(1.0), bad | neg


def _source_ids(df: pd.DataFrame, mapping: dict, rows: np.ndarray, ok: np.ndarray,
                report: ImportReport) -> pd.Series:
    """Each row's own id (NA where none); a repeat among the good rows is rejected (``ok`` is
    updated in place)."""
    source_id = (df[mapping["source_id"]].astype("string").str.strip().replace("", pd.NA)
                 if "source_id" in mapping else pd.Series(pd.NA, index=df.index, dtype="string"))
    dup = ok & source_id.notna().to_numpy() & source_id.where(ok).duplicated().to_numpy()
    report.reject(rows[dup], mapping.get("source_id", ""), DUPLICATE_KEY, source_id[dup])
    ok &= ~dup
    return source_id


def _writer(out: pd.DataFrame, report: ImportReport):
    """The commit step: new assets appended, those already imported from this file (same id)
    updated."""
    from phdesk.store.project import utc_now

    def write(w: TableWriter, prog) -> None:
        updated, added = w.upsert_assets(out, utc_now(), prog)
        if updated:
            report.details["updated"] = updated
        report.details["added"] = added

    return write


def _closed_rows(df: pd.DataFrame, mapping: dict, options: dict, report: ImportReport
                 ) -> np.ndarray:
    """Rows marked closed (see :mod:`phdesk.core.imports.asset_rules`); left out, not rejected."""
    status, date_col = mapping.get("status"), mapping.get("closed_date")
    if not status and not date_col:
        return np.zeros(len(df), bool)
    values = asset_rules.parse_closed_values(options.get("closed_values"))
    if values is None:
        values = asset_rules.closed_values(df[status]) if status else []
    closed = asset_rules.closed_mask(df, status, values, date_col)
    if status:
        report.details["status_values"] = sorted(
            df[status].dropna().astype(str).str.strip().unique().tolist())[:40]
    report.details["closed_values"] = values
    report.details["left_out_closed"] = int(closed.sum())
    if closed.any():
        how = [f"{status}: {', '.join(values)}" if status and values else "",
               f"a date in {date_col}" if date_col else ""]
        report.warn(f"{int(closed.sum()):,} rows marked closed were left out "
                    f"({'; '.join(h for h in how if h)})")
    return closed


def _address(df: pd.DataFrame, mapping: dict) -> pd.Series:
    """The address column, or address1, address2, … joined with commas."""
    if "address" not in mapping:
        return pd.Series(pd.NA, index=df.index, dtype="string")
    col = mapping["address"]
    norm = normalise_header(col)
    parts = [col]
    if norm.endswith("1"):
        stem = norm[:-1].strip()
        parts += [c for c in df.columns if c != col and normalise_header(c).startswith(stem)
                  and normalise_header(c)[-1:].isdigit()]
    joined = pd.Series("", index=df.index, dtype="string")
    for c in parts:
        part = df[c].astype("string").str.strip().fillna("")
        sep = ((joined != "") & (part != "")).map({True: ", ", False: ""}).astype("string")
        joined = joined + sep + part
    return joined.replace("", pd.NA).astype("string")


def _warn_unknown_areas(report: ImportReport, where: pd.DataFrame, ctx) -> None:
    """Assets far from every area of the project are suspicious (e.g. another borough)."""
    if ctx.project is None or where.empty:
        return
    box = area_centroid_box(ctx.project)
    if box is None:
        return
    e0, e1, n0, n1 = box
    margin = 5000.0  # metres beyond the outermost area centroid
    outside = ~(where["easting"].between(e0 - margin, e1 + margin)
                & where["northing"].between(n0 - margin, n1 + margin))
    if outside.any():
        report.warn(f"{int(outside.sum())} assets lie more than 5 km outside the project's areas")
