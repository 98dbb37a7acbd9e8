"""NHS ODS organisation files (epraccur, egdpprac, edispensary …): headerless, 27 columns.

The published column order (1-based): 1 organisation code, 2 name, 3 national grouping, 4 high
level health geography (ICB), 5-9 address lines, 10 postcode, 11 open date, 12 close date,
13 status code (A active, C closed, D dormant, P proposed), 14 organisation sub-type,
15 commissioner, 16 join date, 17 left date, 18 telephone, … 26 prescribing setting
(epraccur: 4 = GP practice).

Only active organisations are imported (status A and no close date); in GP practice files only
prescribing setting 4 (other cost centres — out-of-hours, walk-in centres, prisons — are skipped
with a warning, not rejected). The category comes from the codes (V12345 dental, F1234
pharmacy, A12345 GP practice) or the option ``category``. Options ``icb`` and ``commissioner``
(comma-separated codes) keep only matching rows (columns 4 and 15).

Placement is by postcode through the project's postcode table. National files are usually
imported into a local project, so without an ``icb``/``commissioner`` filter organisations whose
postcode is not in the project's lookup are skipped and counted in a warning; with a filter the
user asked for exactly those organisations, so an unknown postcode is a rejected row. A re-import
updates the assets that came from an ODS file (matched by ODS code) and removes those now closed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from phdesk.core import geo
from phdesk.core.errors import UserError
from phdesk.core.imports import placing
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.reading import read_table
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_ODS_CODE,
    MALFORMED_POSTCODE,
    MISSING_VALUE,
    POSTCODE_NOT_FOUND,
    ImportReport,
)

KIND = "ods"
LABEL = "NHS ODS organisation file (GP practices, dentists, pharmacies)"

CODE, NAME, ICB, POSTCODE, CLOSE, STATUS, SUBTYPE, COMMISSIONER, SETTING = (
    "column_1", "column_2", "column_4", "column_10", "column_12", "column_13", "column_14",
    "column_15", "column_26")
ADDRESS = [f"column_{i}" for i in range(5, 10)]
GP_SETTING = "4"
CATEGORY_BY_SHAPE = [  # (regex on the ODS code, category)
    (r"V[0-9]{5}", "Dentist"),
    (r"F[A-Z0-9]{4}", "Pharmacy"),
    (r"[A-Z][0-9]{5}", "GP practice"),
]
# words kept upper case (or lower case) when names are title-cased
ACRONYMS = ["NHS", "GP", "GPS", "PCN", "UK", "CIC", "LLP", "WIC", "HMP", "YOI", "UCC", "PMS", "GMS",
            "APMS", "OOH", "CCG", "ICB", "UTC", "MIU", "IDS", "PCT", "HC", "MC", "II", "III", "IV"]
SMALL_WORDS = ["and", "of", "the", "on", "in", "at", "for", "upon", "with", "by"]


def detect(sample) -> str | None:
    if sample.table is None or not sample.headerless or len(sample.columns) < 20:
        return None
    df = sample.table.df
    codes = df[CODE].fillna("").str.fullmatch(r"[A-Z0-9]{3,10}").mean()
    pcs = geo.valid_postcode(geo.normalise_postcode(df[POSTCODE].fillna(""))).mean()
    opened = df["column_11"].fillna("").str.fullmatch(r"(19|20)[0-9]{6}").mean()
    if codes > 0.9 and pcs > 0.5 and opened > 0.8:
        return f"headerless ODS organisation file ({len(sample.columns)} columns: code, name, " \
               f"…, postcode, open/close dates, status)"
    return None


def title_case(names: pd.Series) -> pd.Series:
    """'ST JOHN'S SURGERY OF THE NHS' -> "St John's Surgery of the NHS" (vectorised)."""
    s = names.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.title()
    s = s.str.replace(r"(?<=[A-Za-z])'S\b", "'s", regex=True)
    s = s.str.replace(r"\b(" + "|".join(w.title() for w in ACRONYMS) + r")\b",
                      lambda m: m.group(1).upper(), regex=True)
    return s.str.replace(r"(?<=\s)(" + "|".join(w.title() for w in SMALL_WORDS) + r")(?=\s)",
                         lambda m: m.group(1).lower(), regex=True)


def _category(codes: pd.Series, options: dict) -> str:
    if options.get("category"):
        return str(options["category"])
    best, share = "Organisation", 0.0
    for pattern, cat in CATEGORY_BY_SHAPE:
        s = codes.fillna("").str.fullmatch(pattern).mean()
        if s > share:
            best, share = cat, s
    return best if share > 0.5 else "Organisation"


def _codes_option(options: dict, key: str) -> set[str] | None:
    value = options.get(key)
    if not value:
        return None
    items = value if isinstance(value, list | tuple | set) else str(value).split(",")
    return {str(v).strip().upper() for v in items if str(v).strip()}


def prepare(path: Path, ctx):
    """Read and check an ODS file into asset rows placed by postcode (EPSG:27700 metres);
    writes nothing until the returned ``Prepared`` is committed."""
    from phdesk.core.imports import Prepared

    report = ImportReport(path.name)
    table = read_table(path, headerless=True)
    df = table.df
    if len(df.columns) < 15:
        raise UserError(f"{path.name}: expected the 27-column ODS layout, found "
                        f"{len(df.columns)} columns")
    rows = table.row_numbers()
    report.rows_read = len(df)
    category = _category(df[CODE], ctx.options)
    text = {c: df[c].fillna("").str.strip() for c in df.columns}
    active = (text[STATUS] == "A") & (text[CLOSE] == "")
    inactive_codes = set(text[CODE][~active])
    keep, notes, filters = _wanted(path, text, active, category, ctx.options)
    ok, pc = _check_rows(text, keep, rows, report)
    coords, ok = _place(path, ctx, text, pc, ok, rows, bool(filters), report)
    _warn_skipped(report, notes, category)
    out = pd.DataFrame({
        "name": title_case(text[NAME]), "category": category,
        "easting": coords["easting"].to_numpy(), "northing": coords["northing"].to_numpy(),
        "postcode": placing.display_postcode(pc), "capacity": 1.0, "source_id": text[CODE],
        "source": path.name, "address": _addresses(text, pc).str.strip(", "),
    }).loc[ok].reset_index(drop=True)
    report.rows_accepted = len(out)
    report.details.update({"category": category, "filters": filters, **notes})
    _warn_outside_areas(ctx, out, report)
    return Prepared(path, report, _writer(out, inactive_codes, report), out.head(20))


def _wanted(path: Path, text: dict, active: pd.Series, category: str, options: dict
            ) -> tuple[np.ndarray, dict, dict]:
    """Rows to import: active ones, GP practices only in a GP file, and those matching the
    ``icb``/``commissioner`` options. Returns (mask, counts skipped by reason, filters used)."""
    keep = active.to_numpy().copy()
    notes = {"inactive": int((~active).sum())}
    if category == "GP practice" and SETTING in text:
        other = keep & (text[SETTING] != GP_SETTING).to_numpy()
        notes["not_gp_practice"] = int(other.sum())
        keep &= ~other
    filters = {}
    for key, col in (("icb", ICB), ("commissioner", COMMISSIONER)):
        wanted = _codes_option(options, key)
        if wanted:
            filters[key] = sorted(wanted)
            match = text[col].str.upper().isin(wanted).to_numpy()
            notes[f"outside_{key}"] = int((keep & ~match).sum())
            keep &= match
    if filters and not keep.any():
        raise UserError(f"{path.name}: no active organisations match "
                        + ", ".join(f"{k} {', '.join(v)}" for k, v in filters.items()))
    return keep, notes, filters


def _check_rows(text: dict, keep: np.ndarray, rows: np.ndarray, report: ImportReport
                ) -> tuple[np.ndarray, pd.Series]:
    """Reject wanted rows without a name, with a malformed or repeated code, or a malformed
    postcode (in that order). Returns (rows still good, normalised postcodes)."""
    ok = keep.copy()
    missing_name = ok & (text[NAME] == "").to_numpy()
    report.reject(rows[missing_name], "2 (name)", MISSING_VALUE)
    ok &= ~missing_name
    bad_code = ok & ~text[CODE].str.fullmatch(geo.ODS_CODE_RE.pattern).to_numpy(bool)
    report.reject(rows[bad_code], "1 (code)", MALFORMED_ODS_CODE)  # ASCII only
    ok &= ~bad_code
    dup = ok & text[CODE].where(ok).duplicated().to_numpy() & (text[CODE] != "").to_numpy()
    report.reject(rows[dup], "1 (code)", DUPLICATE_KEY, text[CODE][dup])
    ok &= ~dup
    pc = geo.normalise_postcode(text[POSTCODE])
    valid = geo.valid_postcode(pc).to_numpy()
    bad_pc = ok & ~valid
    report.reject(rows[bad_pc], "10 (postcode)", MALFORMED_POSTCODE, text[POSTCODE][bad_pc])
    ok &= valid
    return ok, pc


def _place(path: Path, ctx, text: dict, pc: pd.Series, ok: np.ndarray, rows: np.ndarray,
           filtered: bool, report: ImportReport) -> tuple[pd.DataFrame, np.ndarray]:
    """Coordinates (EPSG:27700 metres) from the project's postcode lookup, and the rows placed.

    A postcode not in the lookup is a rejected row when the user filtered by ICB or
    commissioner; otherwise the organisation is outside a local project and is skipped.
    """
    if not placing.has_postcode_lookup(ctx):
        raise UserError(f"{path.name}: the project has no postcode lookup; import a postcode "
                        f"directory (ONSPD, NSPL or Code-Point Open) first so that organisations "
                        f"can be placed")
    coords = placing.lookup_coordinates(ctx, pc.where(ok))
    got = ok & coords["easting"].notna().to_numpy()
    unplaced = ok & ~got
    if filtered:
        report.reject(rows[unplaced], "10 (postcode)", POSTCODE_NOT_FOUND,
                      text[POSTCODE][unplaced])
    elif unplaced.any():
        if not got.any():
            raise UserError(
                f"{path.name}: none of the {int(unplaced.sum()):,} active organisations has a "
                f"postcode in the project's postcode lookup; import the postcode directory for "
                f"the area first, or choose organisations with the option icb=… or commissioner=…")
        report.warn(f"{int(unplaced.sum()):,} organisations outside the project's postcode lookup "
                    f"were skipped")
    return coords, ok & got


def _addresses(text: dict, pc: pd.Series) -> pd.Series:
    """Address lines 5-9 title-cased and joined with ', ', then the display postcode."""
    addr_text = pd.Series("", index=text[CODE].index, dtype="string")
    for c in ADDRESS:
        part = title_case(text[c]).fillna("")
        addr_text = addr_text + ((addr_text != "") & (part != "")).map(
            {True: ", ", False: ""}).astype("string") + part
    return addr_text + ", " + placing.display_postcode(pc)


def _writer(out: pd.DataFrame, inactive_codes: set[str], report: ImportReport):
    """The commit step: upsert by ODS code, and remove assets whose organisation has closed."""
    from phdesk.store.project import utc_now

    def write(w: TableWriter, prog) -> None:
        updated, added, closed = w.upsert_ods_assets(out, utc_now(), inactive_codes, prog)
        report.details.update(updated=updated, added=added, removed_closed=closed)
        if closed:
            report.warn(f"{closed} organisations closed since an earlier import were removed")
            w.set_warnings(report.warnings)

    return write


def _warn_skipped(report: ImportReport, notes: dict, category: str) -> None:
    if notes.get("inactive"):
        report.warn(f"{notes['inactive']:,} closed, dormant or proposed organisations were skipped")
    if notes.get("not_gp_practice"):
        report.warn(f"{notes['not_gp_practice']:,} active organisations are not GP practices "
                    f"(prescribing setting other than 4, e.g. out-of-hours, walk-in centres, "
                    f"prisons) and were skipped")
    for key in ("icb", "commissioner"):
        if notes.get(f"outside_{key}"):
            report.details[f"skipped_outside_{key}"] = notes[f"outside_{key}"]


def _warn_outside_areas(ctx, out: pd.DataFrame, report: ImportReport) -> None:
    """Warn about organisations placed outside every project area (a national file, or a
    borough's practices near its edge): they are imported, but their other patients live
    outside the project's population."""
    if ctx.project is None or out.empty:
        return
    from phdesk.store.queries import areas_frame

    areas = areas_frame(ctx.project, level="lsoa")
    geoms = areas["geometry"].to_numpy(dtype=object)
    geoms = geoms[~pd.isna(geoms)]
    if not len(geoms):
        return
    pts = shapely.points(out["easting"].to_numpy(float), out["northing"].to_numpy(float))
    hit, _ = shapely.STRtree(geoms).query(pts, predicate="intersects")
    outside = ~np.isin(np.arange(len(pts)), hit)
    if outside.any():
        names = ", ".join(out.loc[outside, "name"].head(3).astype(str))
        report.warn(f"{int(outside.sum())} of {len(out)} organisations are outside the project's "
                    f"areas (e.g. {names}); they are imported, but the people they serve outside "
                    "the project are not in its population")
        report.details["outside_project_areas"] = int(outside.sum())
