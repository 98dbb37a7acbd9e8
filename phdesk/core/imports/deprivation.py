"""English Indices of Deprivation (2019 and 2025) by LSOA, into the long ``deprivation`` table.

Recognised layouts (CSV or XLSX; the official workbooks have a Notes sheet first, the data sheet is
read): File 1 (IMD rank and decile), File 2 (domain ranks and deciles, "(where 1 is most
deprived…)" headings), File 7 (scores, ranks, deciles and population denominators), the simple
``LSOA11CD, IMD_rank, IMD_decile`` re-publications, and the House of Commons Library
``lsoa_geog_lookup`` (``LSOA_CODE … IMD_INCOME, IMD_OVERALL`` deciles; Welsh rows skipped).
The edition comes from the LSOA vintage in the headers (2011 -> IoD 2019, 2021 -> IoD 2025) or the
``edition`` option. Sub-domains and population denominators are not stored.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.imports import ImportContext, Prepared, Sample
from phdesk.core.imports import area_codes as ac
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.reading import Table, normalise_header, read_table, to_number
from phdesk.core.imports.report import MISSING_VALUE, NOT_A_NUMBER, ImportReport

KIND = "deprivation"
LABEL = "English Indices of Deprivation (LSOA)"

# offered by the import wizard as controls (option -> label, values; "" = from the file)
CHOICES = {"edition": ("Edition", [("", "As the file says"), ("2019", "IoD 2019 (LSOA 2011)"),
                                   ("2025", "IoD 2025 (LSOA 2021)")])}
DECILE_RANGE = "decile outside 1-10"
RANK_RANGE = "rank below 1"
EDITIONS = {2019, 2025}

# normalised heading prefix -> domain (the more specific first: IDACI/IDAOPI before income)
DOMAIN_PREFIXES = [
    ("index of multiple deprivation", "imd"),
    ("income deprivation affecting children", "idaci"),
    ("income deprivation affecting older", "idaopi"),
    ("income", "income"),
    ("employment", "employment"),
    ("education", "education"),
    ("health", "health"),
    ("crime", "crime"),
    ("barriers to housing", "barriers"),
    ("living environment", "living_environment"),
]
MEASURES = ("score", "rank", "decile")
# short headings of re-published tables: IMD_rank, Income_score, Housing_and_Services_rank
_SIMPLE = re.compile(r"^(imd|income|employment|education|health|crime|barriers|housing and "
                     r"services|environment|living environment|idaci|idaopi) ?(?:20\d{2} )?"
                     r"(score|rank|decile)$")
_SIMPLE_DOMAIN = {"imd": "imd", "barriers": "barriers", "housing and services": "barriers",
                  "environment": "living_environment",
                  "living environment": "living_environment"}
_VINTAGE_EDITION = {2011: 2019, 2021: 2025}


def _measure_columns(columns: list[str]) -> dict[tuple[str, str], str]:
    """``(domain, measure) -> column`` for every recognised heading."""
    out: dict[tuple[str, str], str] = {}
    for col in columns:
        n = normalise_header(col)
        if "sub domain" in n or "population" in n:
            continue
        m = _SIMPLE.match(n)
        if m:
            domain = _SIMPLE_DOMAIN.get(m.group(1), m.group(1))
            out.setdefault((domain, m.group(2)), col)
            continue
        if n in ("imd overall", "imd income"):  # HoCL lookup: deciles
            out.setdefault(("imd" if n.endswith("overall") else "income", "decile"), col)
            continue
        for prefix, domain in DOMAIN_PREFIXES:
            if n.startswith(prefix):
                words = n[len(prefix):].split()
                for measure in MEASURES:
                    # "rank" must be a heading word, not "rank of average rank" (LAD summaries)
                    if measure in words and "average" not in words:
                        out.setdefault((domain, measure), col)
                        break
                break
    return out


def _layout(columns: list[str]) -> tuple[str, str] | None:
    """``(name, the column that shows it)`` of a recognised layout, or None."""
    code = ac.find_code_column(columns)
    if code is None:
        return None
    found = _measure_columns(columns)
    if ("imd", "rank") not in found and ("imd", "decile") not in found:
        return None
    domains = {d for d, _ in found}
    if any(m == "score" for _, m in found) and len(domains) > 1:
        col = found[("imd", "score")] if ("imd", "score") in found else code
        official = col.startswith("Index of Multiple Deprivation")
        return ("File 7 layout" if official or col == code
                else "File 7 short-heading re-publication layout"), col
    col = found.get(("imd", "rank")) or found[("imd", "decile")]
    if "where 1 is most deprived" in col.lower():
        return ("File 2 layout" if len(domains) > 1 else "File 1 layout"), col
    if normalise_header(col) in ("imd overall",):
        return "House of Commons Library LSOA lookup layout", col
    if col.startswith("Index of Multiple Deprivation"):
        return "File 1 layout", col
    return "simple IMD rank/decile layout", col


def detect(sample: Sample) -> str | None:
    if sample.table is None or sample.headerless:
        return None
    hit = _layout(sample.columns)
    if hit is None:
        return None
    edition = _edition_from_headers(sample.columns)
    name = f"IoD {edition}" if edition else "English Indices of Deprivation"
    return f"{name} {hit[0]}: '{hit[1]}' column"


def _edition_from_headers(columns: list[str]) -> int | None:
    code = ac.find_code_column(columns)
    vintage = ac.vintage_of_column(code) if code else None
    if vintage in _VINTAGE_EDITION:
        return _VINTAGE_EDITION[vintage]
    for c in columns:
        m = re.search(r"(?:imd|iod)_?\s?(2019|2025)", c, re.I)
        if m:
            return int(m.group(1))
    return None


def _edition(table: Table, ctx: ImportContext, report: ImportReport) -> int:
    """The edition read, also named in the import's reason (how it was known)."""
    opt = ctx.options.get("edition")
    cols = list(table.df.columns)
    layout = _layout(cols)
    if opt not in (None, ""):
        try:
            edition = int(str(opt))
        except ValueError:
            edition = 0
        if edition not in EDITIONS:
            raise UserError(f"{table.path.name}: option edition must be 2019 or 2025, not '{opt}'")
        how = "edition given by the user"
    else:
        edition, how = _edition_from_headers(cols), ""
        if edition is None:
            report.warn("the file does not say which edition it is; IoD 2019 assumed "
                        "(use option edition=2025 if it is IoD 2025)")
            edition, how = 2019, "edition assumed"
    if layout is not None:
        report.details["reason"] = (f"IoD {edition} {layout[0]}: '{layout[1]}' column"
                                    + (f" ({how})" if how else ""))
    return edition


def prepare(path: Path, ctx: ImportContext) -> Prepared:
    """Read and check an IoD file into long ``deprivation`` rows (area, edition, domain, score,
    rank, decile); writes nothing until the returned ``Prepared`` is committed."""
    table = read_table(path)
    df = table.df
    report = ImportReport(file=path.name, rows_read=len(df))
    code_col, found = _columns(path, list(df.columns), ctx.options)
    edition = _edition(table, ctx, report)
    ctx.progress(0.2, "checking deprivation values")
    rows = table.row_numbers()
    codes = ac.clean_codes(df[code_col])
    keep = ~_welsh_rows(df, codes, found, report)
    keep = ac.reject_malformed(report, codes, rows, code_col, keep)
    values = _values(df, found, rows, keep, report)
    # an area listed twice is rejected in every copy, whatever else is wrong with either
    accepted = ac.reject_duplicates(report, codes, rows, code_col, keep)
    accepted &= ~np.isin(rows, report.rejections["row"].to_numpy())
    report.rows_accepted = int(accepted.sum())

    long = _long_frame(codes[accepted], {k: v[accepted] for k, v in values.items()}, edition)
    ac.warn_unknown(report, codes[accepted], ctx.known_areas)
    domains = sorted(long["domain"].unique()) if len(long) else []
    report.details.update({"edition": edition, "domains": domains,
                           "measures": sorted({m for _, m in found}), "area_column": code_col})
    if ("imd", "score") not in found:
        report.details["note"] = "no scores in this file (ranks/deciles only)"
    ctx.progress(1.0, "checked")

    def write(w: TableWriter, prog) -> None:
        w.upsert_deprivation(long.astype({"rank": "Int64", "decile": "Int64"}), prog)

    preview = long.head(200)
    return Prepared(path, report, write, preview)


def _columns(path: Path, cols: list[str], options: dict
             ) -> tuple[str, dict[tuple[str, str], str]]:
    """(LSOA code column, (domain, measure) -> column); UserError without an LSOA code column
    or any IMD rank or decile column."""
    ac.check_option_columns(path.name, cols, options, ("area",))
    code_col = ac.find_code_column(cols, options.get("area"))
    if code_col is None:
        raise UserError(f"{path.name}: no LSOA code column (expected e.g. 'LSOA code (2011)' or "
                        "'LSOA11CD')")
    found = _measure_columns(cols)
    if ("imd", "rank") not in found and ("imd", "decile") not in found:
        raise UserError(f"{path.name}: no IMD rank or decile column (expected e.g. 'Index of "
                        "Multiple Deprivation (IMD) Rank (where 1 is most deprived)')")
    return code_col, found


def _welsh_rows(df: pd.DataFrame, codes: pd.Series, found: dict[tuple[str, str], str],
                report: ImportReport) -> np.ndarray:
    """Rows to skip, with a warning: Welsh rows of the HoCL lookup carry 'Wales' instead of a
    decile (not English IoD)."""
    wales = np.zeros(len(df), dtype=bool)
    welsh = codes.str.startswith("W").fillna(False).to_numpy()
    if welsh.any():
        for col in found.values():
            wales |= welsh & df[col].astype("string").str.strip().str.lower().eq(
                "wales").fillna(False).to_numpy()
    if wales.any():
        report.warn(f"{int(wales.sum())} Welsh rows skipped (the English indices cover England "
                    "only)")
    return wales


def _values(df: pd.DataFrame, found: dict[tuple[str, str], str], rows: np.ndarray,
            keep: np.ndarray, report: ImportReport) -> dict[tuple[str, str], pd.Series]:
    """Each measure column as numbers; among the ``keep`` rows, cells that are not numbers,
    empty, or out of range (decile 1-10, rank from 1, both whole) are rejected."""
    values: dict[tuple[str, str], pd.Series] = {}
    for (domain, measure), col in found.items():
        nums, bad = to_number(df[col])
        bad = bad.to_numpy() & keep
        report.reject(rows[bad], col, NOT_A_NUMBER, df[col][bad])
        missing = nums.isna().to_numpy() & ~bad & keep
        report.reject(rows[missing], col, MISSING_VALUE)
        ok = keep & ~bad & ~missing
        if measure == "decile":
            out = ok & ((nums < 1) | (nums > 10) | (nums % 1 != 0)).to_numpy()
            report.reject(rows[out], col, DECILE_RANGE, df[col][out])
        elif measure == "rank":
            out = ok & ((nums < 1) | (nums % 1 != 0)).to_numpy()
            report.reject(rows[out], col, RANK_RANGE, df[col][out])
        values[(domain, measure)] = nums
    return values


def _long_frame(codes: pd.Series, values: dict[tuple[str, str], pd.Series], edition: int
                ) -> pd.DataFrame:
    """One row per area and domain: area_code, edition, domain, score, rank, decile."""
    parts = []
    for domain in dict.fromkeys(d for d, _ in values):
        part = pd.DataFrame({"area_code": codes.to_numpy(), "edition": edition, "domain": domain})
        for measure in MEASURES:
            v = values.get((domain, measure))
            part[measure] = v.to_numpy() if v is not None else np.nan
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["area_code", "edition", "domain", *MEASURES])
    return pd.concat(parts, ignore_index=True)
