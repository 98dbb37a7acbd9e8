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

from itertools import repeat
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from phdesk.core import geo
from phdesk.core.errors import UserError
from phdesk.core.imports.reading import find_column, iter_chunks, sniff, to_number
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_AREA_CODE,
    MALFORMED_POSTCODE,
    NOT_A_NUMBER,
    OUTSIDE_GB,
    SWAPPED_LATLON,
    ImportReport,
)

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
TERM_NAMES = ("doterm", "terminationdate", "termination date", "date of termination", "dot")
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
    prefer11 = project is not None and project.scalar(
        "SELECT vintage FROM areas WHERE level = 'lsoa' GROUP BY vintage "
        "ORDER BY count(*) DESC LIMIT 1") == 2011
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

    report = ImportReport(path.name)
    fmt = sniff(path)
    if fmt.header_row == 0:
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
    usecols = [c for c in cols.values() if c]
    parts, rows_read, start = [], 0, fmt.first_data_row
    counts = {"terminated": 0, "no_grid": 0, "pseudo_lsoa": 0}
    expected = estimate_rows(path)
    for chunk in iter_chunks(path, fmt, usecols, CHUNK):
        rows = np.arange(start, start + len(chunk))
        start += len(chunk)
        rows_read += len(chunk)
        part = _validate(chunk, cols, rows, report, counts)
        parts.append(part)
        ctx.progress(min(0.95, rows_read / expected), f"checked {rows_read:,} postcodes")
    report.rows_read = rows_read
    table = _combine(parts)
    dup = table["postcode"].duplicated(keep="first").to_numpy()
    if dup.any():
        report.reject(table["row"].to_numpy()[dup], cols["postcode"], DUPLICATE_KEY,
                      table["postcode"][dup])
        table = table.loc[~dup]
    table = table.reset_index(drop=True)
    report.rows_accepted = len(table)
    _warn(report, counts, cols, ctx)
    report.details.update({"columns": {k: v for k, v in cols.items() if v},
                           "with_coordinates": int(table["easting"].notna().sum()),
                           "with_lsoa": int(table["lsoa_code"].notna().sum())})

    def write(db, provenance_id: int, prog) -> None:
        sql = ("INSERT INTO postcodes (postcode, easting, northing, lsoa_code, provenance_id) "
               "VALUES (?, ?, ?, ?, ?) ON CONFLICT(postcode) DO UPDATE SET "
               "easting = coalesce(excluded.easting, easting), "
               "northing = coalesce(excluded.northing, northing), "
               "lsoa_code = coalesce(excluded.lsoa_code, lsoa_code), "
               "provenance_id = excluded.provenance_id")
        total = len(table)
        for lo in range(0, total, BATCH):
            part = table.iloc[lo:lo + BATCH]
            lsoa = part["lsoa_code"].astype(object)
            db.conn.executemany(sql, zip(
                part["postcode"].tolist(), part["easting"].tolist(), part["northing"].tolist(),
                lsoa.where(lsoa.notna(), None).tolist(), repeat(provenance_id)))
            prog(min(1.0, (lo + BATCH) / max(total, 1)), f"writing postcodes {lo + len(part):,}")

    preview = table.head(20).drop(columns="row")
    return Prepared(path, report, write, preview)


def estimate_rows(path: Path) -> int:
    """Rough number of lines in a text file, from the first megabyte (for progress only)."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    lines = max(head.count(b"\n"), 1)
    return max(1, int(path.stat().st_size / (len(head) / lines)))


def _validate(chunk: pd.DataFrame, cols: dict, rows: np.ndarray, report: ImportReport,
              counts: dict) -> pd.DataFrame:
    """Accepted rows of one chunk: postcode, easting, northing, lsoa_code, row (vectorised)."""
    n = len(chunk)
    keep = np.ones(n, bool)
    if cols["terminated"]:
        term = chunk[cols["terminated"]].fillna("").str.strip() != ""
        counts["terminated"] += int(term.sum())
        keep &= ~term.to_numpy()
    raw = chunk[cols["postcode"]]
    pc = raw.str.upper().str.replace(" ", "", regex=False)
    ok_pc = pc.str.fullmatch(geo.POSTCODE_RE.pattern).fillna(False).to_numpy(bool)
    bad = keep & ~ok_pc
    report.reject(rows[bad], cols["postcode"], MALFORMED_POSTCODE, raw[bad])
    keep &= ok_pc
    e = np.full(n, np.nan)
    nn = np.full(n, np.nan)
    if cols["easting"]:
        x, bx = to_number(chunk[cols["easting"]])
        y, by = to_number(chunk[cols["northing"]])
        for col, b, v in ((cols["easting"], bx, chunk[cols["easting"]]),
                          (cols["northing"], by, chunk[cols["northing"]])):
            m = keep & b.to_numpy()
            report.reject(rows[m], col, NOT_A_NUMBER, v[m])
            keep &= ~m
        x, y = x.to_numpy(), y.to_numpy()
        # no grid reference: empty, or 0/0 (Code-Point PQ 90, ONSPD 'no grid reference')
        grid = ~np.isnan(x) & ~np.isnan(y) & ~((x == 0) & (y == 0))
        out = keep & grid & ~geo.in_gb_bng(x, y)
        report.reject(rows[out], f"{cols['easting']}/{cols['northing']}", OUTSIDE_GB,
                      pd.Series(x[out]).astype(str) + ", " + pd.Series(y[out]).astype(str))
        keep &= ~out
        use = keep & grid
        e[use], nn[use] = x[use], y[use]
    if cols["lat"]:
        lat, blat = to_number(chunk[cols["lat"]])
        lon, blon = to_number(chunk[cols["lon"]])
        m = keep & (blat | blon).to_numpy()
        report.reject(rows[m], f"{cols['lat']}/{cols['lon']}", NOT_A_NUMBER,
                      chunk[cols["lat"]][m].fillna("") + ", " + chunk[cols["lon"]][m].fillna(""))
        keep &= ~m
        lat, lon = lat.to_numpy(), lon.to_numpy()
        # ONSPD writes 99.999999 / 0 for postcodes without a grid reference
        has = keep & np.isnan(e) & ~np.isnan(lat) & ~np.isnan(lon) & (lat < 99)
        swapped = has & geo.looks_swapped(lon, lat)
        out = has & ~swapped & ~geo.in_gb_lonlat(lon, lat)
        label = f"{cols['lat']}/{cols['lon']}"
        pair = pd.Series(lat).astype(str) + ", " + pd.Series(lon).astype(str)
        report.reject(rows[swapped], label, SWAPPED_LATLON, pair[swapped])
        report.reject(rows[out], label, OUTSIDE_GB, pair[out])
        keep &= ~(swapped | out)
        use = has & keep
        if use.any():
            e[use], nn[use] = geo.lonlat_to_bng(lon[use], lat[use])
    counts["no_grid"] += int((keep & np.isnan(e)).sum()) if (cols["easting"] or cols["lat"]) else 0
    lsoa = pd.Series(pd.NA, index=chunk.index, dtype="string")
    if cols["lsoa"]:
        lsoa = chunk[cols["lsoa"]].astype("string").str.strip()
        pseudo = lsoa.str.endswith("99999999").fillna(False).to_numpy(bool)
        counts["pseudo_lsoa"] += int((keep & pseudo).sum())
        lsoa = lsoa.mask(pseudo | (lsoa == ""))
        bad = keep & lsoa.notna().to_numpy() & ~geo.valid_area_code(lsoa).to_numpy()
        report.reject(rows[bad], cols["lsoa"], MALFORMED_AREA_CODE, lsoa[bad])
        keep &= ~bad
    return pd.DataFrame({
        "postcode": pc[keep].to_numpy(object), "easting": e[keep], "northing": nn[keep],
        "lsoa_code": pd.Categorical(lsoa[keep].to_numpy(object)), "row": rows[keep]})


def _combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=["postcode", "easting", "northing", "lsoa_code", "row"])
    lsoa = union_categoricals([p["lsoa_code"].array for p in parts])
    table = pd.concat([p.drop(columns="lsoa_code") for p in parts], ignore_index=True)
    table["lsoa_code"] = lsoa
    return table


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
