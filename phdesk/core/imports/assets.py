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
from phdesk.core.imports import asset_rules, category_names, placing
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.reading import find_column, normalise_header, read_table, to_number
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MISSING_VALUE,
    NEGATIVE_COUNT,
    NOT_A_NUMBER,
    ImportReport,
)
from phdesk.store.import_queries import area_centroid_box, area_names, asset_categories

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
    from phdesk.core.imports import Prepared
    from phdesk.store.project import utc_now

    report = ImportReport(path.name)
    df, rows, fixed = _load(path, report)
    report.rows_read = len(df)
    mapping, category_value = resolve_mapping(list(df.columns), ctx.options, fixed)
    if "name" not in mapping:
        raise UserError(f"{path.name}: no name column (expected e.g. Name, Organisation); "
                        f"choose the column for Name")
    loc = placing.LocationColumns(mapping.get("latitude"), mapping.get("longitude"),
                                  mapping.get("easting"), mapping.get("northing"),
                                  mapping.get("postcode"))
    if not loc.any:
        raise UserError(f"{path.name}: no location columns (latitude/longitude, easting/northing "
                        f"or postcode)")
    ok = np.ones(len(df), bool)
    name = df[mapping["name"]].astype("string").str.strip()
    empty = name.fillna("").eq("").to_numpy()
    report.reject(rows[empty], mapping["name"], MISSING_VALUE)
    ok &= ~empty
    existing = asset_categories(ctx.project) if ctx.project is not None else []
    kind = _file_kind(path, ctx, existing)
    category = _category(df, mapping, category_value, kind, rows, report)
    ok &= category.notna().to_numpy()
    named = "category" in mapping and not category_value
    category = _map_categories(category, ctx, report, existing, kind if named else None)
    ok &= ~_closed_rows(df, mapping, ctx.options, report)
    capacity = pd.Series(1.0, index=df.index)
    if "capacity" in mapping:
        col = mapping["capacity"]
        nums, bad = to_number(df[col])
        bad = bad.to_numpy()
        neg = (nums < 0).to_numpy()
        report.reject(rows[bad], col, NOT_A_NUMBER, df[col][bad])
        report.reject(rows[neg], col, NEGATIVE_COUNT, df[col][neg])
        ok &= ~bad & ~neg
        capacity = nums.fillna(1.0)
    where = placing.place(df, loc, rows, ctx, report)
    ok &= where["ok"].to_numpy()
    placing.summarise_missing_postcodes(report, int(ok.sum()))
    source_id = (df[mapping["source_id"]].astype("string").str.strip().replace("", pd.NA)
                 if "source_id" in mapping else pd.Series(pd.NA, index=df.index, dtype="string"))
    dup = ok & source_id.notna().to_numpy() & source_id.where(ok).duplicated().to_numpy()
    report.reject(rows[dup], mapping.get("source_id", ""), DUPLICATE_KEY, source_id[dup])
    ok &= ~dup
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

    def write(w: TableWriter, prog) -> None:
        updated, added = w.upsert_assets(out, utc_now(), prog)
        if updated:
            report.details["updated"] = updated
        report.details["added"] = added

    return Prepared(path, report, write, out.head(20))


def _file_kind(path: Path, ctx, existing: list[str]) -> str:
    """The kind of site the file's name names (``category_names.file_category``); a project
    that already holds the old-style whole-name category ("Trafford Food Banks") keeps it, so
    a re-import does not split its sites and settings in two."""
    old = path.stem.replace("_", " ").replace("-", " ").strip().title()
    if old in existing:
        return old
    names = area_names(ctx.project) if ctx.project is not None else []
    places = category_names.place_words(names)
    return category_names.file_category(path.stem, places)


def _category(df: pd.DataFrame, mapping: dict, value: str | None, kind: str, rows: np.ndarray,
              report: ImportReport) -> pd.Series:
    """Category per row; spelling variants of one category ('Static library'/'Static Library')
    are merged into the most common spelling. No category column: ``kind``, the file's name's."""
    if value:
        return pd.Series(value, index=df.index, dtype="string")
    if "category" not in mapping:
        report.warn(f"no category column: every asset gets the category '{kind}' "
                    f"(type one for every row, or choose the category column)")
        return pd.Series(kind, index=df.index, dtype="string")
    col = mapping["category"]
    cat = df[col].astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    empty = cat.fillna("").eq("").to_numpy()
    report.reject(rows[empty], col, MISSING_VALUE)
    cat = cat.mask(empty)
    key = cat.str.lower()
    counts = pd.DataFrame({"key": key, "cat": cat}).dropna().value_counts()
    best = counts.reset_index().drop_duplicates("key").set_index("key")["cat"]
    merged = key.map(best).astype("string")
    if (merged.fillna("") != cat.fillna("")).any():
        report.warn(f"category spellings differing only in case were merged ({col})")
    return merged


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


def _map_categories(category: pd.Series, ctx, report: ImportReport, existing: list[str],
                    kind: str | None) -> pd.Series:
    """The file's categories mapped onto the project's existing ones (the user's map, or the
    suggested one when the user gave none). ``kind``: the file name's kind of site, when the
    categories came from a column: values that all name it ("… run library" in a libraries
    file) and map to nothing are named in a hint (``category_names.all_name``)."""
    found = sorted(category.dropna().unique().tolist())
    chosen = ctx.options.get("category_map")
    mapping = (dict(chosen) if chosen is not None
               else asset_rules.suggest_category_map(found, existing))
    one_kind = bool(kind) and category_names.all_name(found, kind)
    if one_kind:
        report.details["one_kind"] = kind   # the wizard offers it in its category map
    if one_kind and not mapping:
        report.warn(f"the {len(found)} categories all name a {kind.lower()} "
                    f"({'; '.join(found[:4])}{'; …' if len(found) > 4 else ''}): to map them "
                    f"as one, map each to '{kind}' (category map), or use Rename or merge "
                    f"category… in the asset register")
    mapping = {k: v for k, v in mapping.items() if k in found and str(v).strip() and k != v}
    report.details.update({"file_categories": found, "existing_categories": sorted(existing),
                           "category_map": mapping})
    if mapping:
        report.warn("categories mapped: " + "; ".join(
            f"{k} → {v}" for k, v in list(mapping.items())[:6]))
    return asset_rules.apply_category_map(category, mapping)


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
