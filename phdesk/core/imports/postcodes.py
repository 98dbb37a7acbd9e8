"""Postcode directories: postcode -> easting/northing (EPSG:27700, metres) and LSOA.

Accepted layouts (recognised by their columns, any vintage):

* ONS Postcode Directory (ONSPD) / National Statistics Postcode Lookup (NSPL) and extracts of
  them: a postcode column (``pcd``, ``pcd2``, ``pcds``, ``pcd7``, ``pcd8``, ``postcode`` …), grid
  references (``oseast1m``/``osnrth1m``, ``east1m``/``north1m``, ``easting``/``northing``) and/or
  WGS84 ``lat``/``long`` (projected to EPSG:27700), an LSOA column (``lsoa21``, ``lsoa11``,
  ``lsoa21cd``, ``lsoa_code`` …) and a termination date (``doterm``, ``TerminationDate``):
  terminated postcodes are skipped with a warning;
* OS Code-Point Open, headerless (``PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC``; 7-character padded
  postcodes) or with its header codes: no LSOA;
* postcode -> LSOA lookups without coordinates (stored with NULL easting/northing).

Files are read in chunks with only the needed columns, validated with vectorised pandas, and
written in batches, so a 2.7-million-row ONSPD stays well under 1 GB. A re-import upserts by
postcode; a file without coordinates (or without LSOA) keeps the values already stored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from phdesk.core import geo
from phdesk.core.errors import UserError
from phdesk.core.imports import fastparse, file_once
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.reading import find_column, sniff, to_number
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_AREA_CODE,
    MALFORMED_POSTCODE,
    NOT_A_NUMBER,
    OUTSIDE_GB,
    SWAPPED_LATLON,
    ImportReport,
)
from phdesk.store.import_queries import main_lsoa_vintage

KIND = "postcodes"
LABEL = "Postcode directory (ONSPD, NSPL, Code-Point Open, postcode lookups)"

PC_NAMES = ("pcds", "pcd", "pcd2", "pcd7", "pcd8", "postcode", "postcode7", "postcode8",
            "postcode 7", "postcode 8", "postcodenatural", "postcode natural", "pc")
E_NAMES = ("oseast1m", "east1m", "gridgb1e", "easting", "eastings", "x", "ea")
N_NAMES = ("osnrth1m", "north1m", "gridgb1n", "northing", "northings", "y", "no")
LAT_NAMES = ("lat", "latitude")
LON_NAMES = ("long", "lon", "longitude", "lng")
LSOA21_NAMES = ("lsoa21", "lsoa21cd", "lsoa 2021", "lsoa21 code")
LSOA11_NAMES = ("lsoa11", "lsoa11cd", "lsoa 2011", "lsoa11 code")
LSOA_NAMES = ("lsoa code", "lsoa", "lsoa cd", "lsoacd")
TERM_NAMES = ("doterm", "terminationdate", "termination date", "termination", "date of termination",
              "dot")
CODEPOINT = ["PC", "PQ", "EA", "NO", "CY", "RH", "LH", "CC", "DC", "WC"]
CHUNK = 250_000
BATCH = 100_000


def _columns(columns: list[str], options: dict | None = None, project=None) -> dict:
    """The columns that matter, by role (values None when absent)."""
    opts = options or {}
    cols = {
        "postcode": opts.get("postcode") or find_column(columns, *PC_NAMES),
        "easting": opts.get("easting") or find_column(columns, *E_NAMES),
        "northing": opts.get("northing") or find_column(columns, *N_NAMES),
        "lat": opts.get("lat") or find_column(columns, *LAT_NAMES),
        "lon": opts.get("lon") or find_column(columns, *LON_NAMES),
        "terminated": find_column(columns, *TERM_NAMES),
    }
    l21, l11 = find_column(columns, *LSOA21_NAMES), find_column(columns, *LSOA11_NAMES)
    prefer11 = project is not None and main_lsoa_vintage(project) == 2011
    cols["lsoa"] = (opts.get("lsoa") or ((l11 or l21) if prefer11 else (l21 or l11))
                    or find_column(columns, *LSOA_NAMES))
    for key in ("easting", "northing"):  # a grid reference needs both
        if not (cols["easting"] and cols["northing"]):
            cols[key] = None
    for key in ("lat", "lon"):
        if not (cols["lat"] and cols["lon"]):
            cols[key] = None
    return cols


def _is_codepoint(sample) -> bool:
    if not sample.headerless or len(sample.columns) < 4:
        return False
    df = sample.table.df
    pcs = geo.valid_postcode(geo.normalise_postcode(df["column_1"])).mean()
    _, bad_e = to_number(df["column_3"])
    _, bad_n = to_number(df["column_4"])
    return pcs > 0.9 and not bad_e.any() and not bad_n.any()


def detect(sample) -> str | None:
    if sample.table is None:
        return None
    if _is_codepoint(sample):
        return "headerless postcode, quality, easting, northing (OS Code-Point Open)"
    if sample.headerless:
        return None
    from phdesk.core.imports.assets import name_column

    cols = _columns(sample.columns)
    if cols["postcode"] is None or name_column(sample.columns) is not None:
        return None
    if not (cols["easting"] or cols["lat"] or cols["lsoa"]):
        return None
    pcs = geo.normalise_postcode(sample.table.df[cols["postcode"]])
    if geo.valid_postcode(pcs).mean() < 0.8 or pcs.duplicated().mean() > 0.2:
        return None
    has = [n for n, k in (("coordinates", "easting"), ("latitude/longitude", "lat"),
                          ("LSOA", "lsoa")) if cols[k]]
    return f"one row per postcode with {' and '.join(has)} (postcode directory)"


def prepare(path: Path, ctx):
    from phdesk.core.imports import Prepared

    fmt = sniff(path)
    if fmt.encoding == "xlsx":  # read in chunks by the CSV parser: a workbook has no columns here
        raise UserError(f"{path.name}: postcode directories are read from CSV files; save the "
                        f"sheet as CSV (comma delimited) and import that")
    if fmt.header_row == 0:
        if len(fmt.columns) < 4:
            raise UserError(f"{path.name}: no header, and not the Code-Point Open layout "
                            f"(postcode, quality, easting, northing): {len(fmt.columns)} column(s)")
        names = CODEPOINT + [f"column_{i + 1}" for i in range(len(CODEPOINT), len(fmt.columns))]
        fmt.columns = names[:len(fmt.columns)]
        cols = {"postcode": "PC", "easting": "EA", "northing": "NO", "lat": None, "lon": None,
                "lsoa": None, "terminated": None}
    else:
        cols = _columns(fmt.columns, ctx.options, ctx.project)
    if cols["postcode"] is None:
        raise UserError(f"{path.name}: no postcode column (expected pcd, pcds, postcode …)")
    if not (cols["easting"] or cols["lat"] or cols["lsoa"]):
        raise UserError(f"{path.name}: no coordinates (oseast1m/osnrth1m, lat/long) and no LSOA "
                        f"column: nothing to look postcodes up to")
    try:  # numbers parsed by the C parser; a file with a bad number is read again as text
        report, parts, counts = _scan(path, fmt, cols, ctx, numeric=True)
    except fastparse.NotNumeric:
        report, parts, counts = _scan(path, fmt, cols, ctx, numeric=False)
    table = _combine(parts)
    del parts
    # sorted by postcode: duplicates sit together, and SQLite appends to its index
    order = np.argsort(table["postcode"], kind="stable")
    table = {k: v[order] for k, v in table.items()}
    pcs = table["postcode"]
    dup = np.zeros(len(pcs), bool)
    dup[1:] = pcs[1:] == pcs[:-1]
    if dup.any():
        report.reject(table["row"][dup], cols["postcode"], DUPLICATE_KEY, pcs[dup].astype(object))
        table = {k: v[~dup] for k, v in table.items()}
    total = len(table["postcode"])
    report.rows_accepted = total
    _warn(report, counts, cols, ctx)
    report.details.update({"columns": {k: v for k, v in cols.items() if v},
                           "with_coordinates": int((~np.isnan(table["easting"])).sum()),
                           "with_lsoa": int(table["lsoa_code"].notna().sum())})

    def write(w: TableWriter, prog) -> None:
        # a value the file does not give keeps the one stored (the store's upsert)
        w.upsert_postcodes(table["postcode"], table["easting"], table["northing"],
                           table["lsoa_code"], prog, batch=BATCH)

    preview = pd.DataFrame({k: np.asarray(v[:20], dtype=object) for k, v in table.items()
                            if k != "row"})
    return Prepared(path, report, write, preview)


def _scan(path: Path, fmt, cols: dict, ctx, numeric: bool):
    """Read and check every chunk: ``(report, parts, counts)``."""
    report = ImportReport(path.name)
    usecols = [c for c in cols.values() if c]
    nums = {cols[k] for k in ("easting", "northing", "lat", "lon") if cols[k]}
    dtypes = {c: (float if numeric and c in nums else object) for c in usecols}
    parts, rows_read, start = [], 0, fmt.first_data_row
    counts = {"terminated": 0, "no_grid": 0, "pseudo_lsoa": 0}
    expected = estimate_rows(path)
    for chunk in fastparse.read_chunks(path, fmt, usecols, dtypes, CHUNK,
                                       strict_numbers=numeric):
        rows = np.arange(start, start + len(chunk))
        start += len(chunk)
        rows_read += len(chunk)
        parts.append(_validate(chunk, cols, rows, report, counts))
        ctx.progress(min(0.95, rows_read / expected), f"checked {rows_read:,} postcodes")
    report.rows_read = rows_read
    return report, parts, counts


def estimate_rows(path: Path) -> int:
    """Rough number of lines in a text file, from the first megabyte (for progress only)."""
    head = file_once.head(path, 1 << 20)
    lines = max(head.count(b"\n"), 1)
    return max(1, int(path.stat().st_size / (len(head) / lines)))


def _validate(chunk: pd.DataFrame, cols: dict, rows: np.ndarray, report: ImportReport,
              counts: dict) -> dict[str, np.ndarray]:
    """Accepted rows of one chunk: postcode, easting, northing, lsoa_code, row (vectorised)."""
    n = len(chunk)
    keep = np.ones(n, bool)

    def reject(mask, column, reason, values):
        nonlocal keep
        mask = mask & keep
        if mask.any():
            report.reject(rows[mask], column, reason, np.asarray(values, dtype=object)[mask])
            keep &= ~mask

    if cols["terminated"]:
        term = ~pd.isna(chunk[cols["terminated"]].to_numpy(object))
        counts["terminated"] += int(term.sum())
        keep &= ~term
    raw = chunk[cols["postcode"]].to_numpy(object)
    pc, ok_pc = fastparse.postcodes(raw)
    reject(~ok_pc, cols["postcode"], MALFORMED_POSTCODE, raw)
    e = np.full(n, np.nan)
    nn = np.full(n, np.nan)
    if cols["easting"]:
        ex, ny = (chunk[cols[k]].to_numpy() for k in ("easting", "northing"))
        x, bx = fastparse.numbers(ex)
        y, by = fastparse.numbers(ny)
        reject(bx, cols["easting"], NOT_A_NUMBER, ex)
        reject(by, cols["northing"], NOT_A_NUMBER, ny)
        # no grid reference: empty, or 0/0 (Code-Point PQ 90, ONSPD 'no grid reference')
        grid = ~np.isnan(x) & ~np.isnan(y) & ~((x == 0) & (y == 0))
        reject(grid & ~geo.in_gb_bng(x, y), f"{cols['easting']}/{cols['northing']}", OUTSIDE_GB,
               _pairs(x, y))
        use = keep & grid
        e[use], nn[use] = x[use], y[use]
    if cols["lat"]:
        la, lo = (chunk[cols[k]].to_numpy() for k in ("lat", "lon"))
        lat, blat = fastparse.numbers(la)
        lon, blon = fastparse.numbers(lo)
        label = f"{cols['lat']}/{cols['lon']}"
        reject(blat | blon, label, NOT_A_NUMBER, _pairs(la, lo))
        # ONSPD writes 99.999999 / 0 for postcodes without a grid reference
        has = np.isnan(e) & ~np.isnan(lat) & ~np.isnan(lon) & (lat < 99)
        swapped = has & geo.looks_swapped(lon, lat)
        reject(swapped, label, SWAPPED_LATLON, _pairs(lat, lon))
        reject(has & ~geo.in_gb_lonlat(lon, lat), label, OUTSIDE_GB, _pairs(lat, lon))
        use = has & keep
        if use.any():
            e[use], nn[use] = geo.lonlat_to_bng(lon[use], lat[use])
    if cols["easting"] or cols["lat"]:
        counts["no_grid"] += int((keep & np.isnan(e)).sum())
    if cols["lsoa"]:
        lraw = chunk[cols["lsoa"]].to_numpy(object)
        lsoa, bad, pseudo = fastparse.area_codes(lraw)
        reject(bad, cols["lsoa"], MALFORMED_AREA_CODE, lraw)
        counts["pseudo_lsoa"] += int((keep & pseudo).sum())
    else:
        lsoa = pd.Categorical.from_codes(np.full(n, -1), categories=pd.Index([], dtype=object))
    return {"postcode": pc[keep].astype("U7"), "easting": e[keep], "northing": nn[keep],
            "lsoa_code": lsoa[keep], "row": rows[keep]}


def _pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """'a, b' texts, built lazily by ``reject`` only for the rejected rows."""
    return _Pairs(a, b)


class _Pairs:
    """Two columns shown as one value ('lat, lon') in rejections, formatted on demand."""

    def __init__(self, a, b) -> None:
        self.a, self.b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)

    def __array__(self, dtype=None, copy=None):
        return (pd.Series(self.a).astype(str) + ", " + pd.Series(self.b).astype(str)).to_numpy(
            object)

    def __getitem__(self, mask):
        return _Pairs(self.a[mask], self.b[mask]).__array__()


def _combine(parts: list[dict]) -> dict[str, np.ndarray]:
    """One set of columns from the chunks' (numpy arrays; LSOA codes stay categorical)."""
    if not parts:
        parts = [{"postcode": np.empty(0, "U7"), "easting": np.empty(0), "northing": np.empty(0),
                  "lsoa_code": pd.Categorical([]), "row": np.empty(0, np.int64)}]
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0] if k != "lsoa_code"}
    out["lsoa_code"] = union_categoricals([p["lsoa_code"] for p in parts])
    return out


def _warn(report: ImportReport, counts: dict, cols: dict, ctx) -> None:
    if counts["terminated"]:
        report.warn(f"{counts['terminated']:,} terminated postcodes were skipped "
                    f"({cols['terminated']} is set)")
    if counts["no_grid"]:
        report.warn(f"{counts['no_grid']:,} postcodes have no grid reference: stored without "
                    f"coordinates")
    if counts["pseudo_lsoa"]:
        report.warn(f"{counts['pseudo_lsoa']:,} postcodes have a pseudo LSOA code (…99999999, "
                    f"e.g. Channel Islands): stored without LSOA")
    if not (cols["easting"] or cols["lat"]):
        report.warn("the file has no coordinates: postcodes are stored with their LSOA only "
                    "(existing coordinates are kept)")
    if cols["lsoa"] is None:
        report.warn("the file has no LSOA column: postcodes are stored with coordinates only")
