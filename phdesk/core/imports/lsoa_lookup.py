"""The ONS LSOA 2011 -> LSOA 2021 lookups, into ``lsoa_lookup`` (read by ``phdesk.core.vintages``).

Two published layouts, recognised by content:

* best fit (``ObjectId,LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,LAD22CD,LAD22NM,LAD22NMW``): one row
  per 2011 LSOA naming the 2021 LSOA that holds most of it, so a split parent names only one of
  its children (the others are found by overlaying the 2011 boundaries);
* exact fit (``LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND,LAD22CD,LAD22NM,LAD22NMW,ObjectId``):
  every (2011, 2021) pair with its change indicator ``CHGIND`` (U unchanged, S split, M merged,
  X irregular).

Importing a lookup replaces the stored rows of the same fit; the whole national file is kept
(about 35,000 rows) so that later boundaries or data of any borough can use it.
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
from phdesk.core.imports.reading import find_column, normalise_header, read_table
from phdesk.core.imports.report import DUPLICATE_KEY, ImportReport

KIND = "lsoa-lookup"
LABEL = "ONS LSOA 2011 -> 2021 lookup (best fit or exact fit)"

CHANGES = {"U": "unchanged", "S": "split", "M": "merged", "X": "irregular"}
BAD_CHANGE = "change indicator is not U, S, M or X"
COLUMNS_11 = ["LSOA11CD", "LSOA code (2011)", "lsoa11_code", "lsoa11"]
COLUMNS_21 = ["LSOA21CD", "LSOA code (2021)", "lsoa21_code", "lsoa21"]
_LOOKUP_COLUMN = re.compile(r"^(objectid|fid|chgind|change indicator|[a-z]+\d\d(cd|nm|nmw)|"
                            r"lsoa\d\d (code|name)|lsoa (code|name) 20\d\d)$")


def _columns(columns: list[str]) -> tuple[str | None, str | None, str | None, str | None]:
    """(2011 code, 2021 code, change indicator, LAD code) columns."""
    return (find_column(columns, *COLUMNS_11), find_column(columns, *COLUMNS_21),
            find_column(columns, "CHGIND", "change indicator"),
            find_column(columns, "LAD22CD", "LAD21CD", "LAD23CD"))


def _lookup_only(columns: list[str]) -> bool:
    """Only codes, names, ids and the change indicator: a postcode directory or a neighbourhood
    lookup also carries LSOA 2011 and 2021 codes, but other columns too."""
    return all(_LOOKUP_COLUMN.search(normalise_header(c)) for c in columns)


def detect(sample: Sample) -> str | None:
    if sample.table is None or sample.headerless:
        return None
    c11, c21, chg, _ = _columns(sample.columns)
    if c11 is None or c21 is None or not _lookup_only(sample.columns):
        return None
    df = sample.table.df
    if not (ac.mostly_codes(df[c11]) and ac.mostly_codes(df[c21])):
        return None
    fit = f"exact-fit lookup with change indicator '{chg}'" if chg else "best-fit lookup"
    return f"ONS LSOA 2011 -> 2021 {fit}: '{c11}' -> '{c21}'"


def prepare(path: Path, ctx: ImportContext) -> Prepared:
    table = read_table(path)
    df = table.df
    c11, c21, chg, lad = _columns(list(df.columns))
    if c11 is None or c21 is None:
        raise UserError(f"{path.name}: an LSOA lookup needs an LSOA 2011 code column (LSOA11CD) "
                        "and an LSOA 2021 code column (LSOA21CD)")
    report = ImportReport(file=path.name, rows_read=len(df))
    rows = table.row_numbers()
    a, b = ac.clean_codes(df[c11]), ac.clean_codes(df[c21])
    ok = ac.reject_malformed(report, a, rows, c11)
    ok = ac.reject_malformed(report, b, rows, c21, ok)
    change = None
    if chg:
        change = df[chg].astype("string").str.strip().str.upper()
        bad = ok & ~change.isin(list(CHANGES)).fillna(False).to_numpy()
        report.reject(rows[bad], chg, BAD_CHANGE, df[chg][bad])
        ok &= ~bad
    pairs = pd.DataFrame({"a": a, "b": b})
    ok = ac.reject_duplicates(report, pairs, rows, c11, ok, reason=DUPLICATE_KEY, shown=a)
    fit = "exact" if chg else "best"
    frame = pd.DataFrame({
        "lsoa11_code": a[ok].to_numpy(), "lsoa21_code": b[ok].to_numpy(), "fit": fit,
        "change": change[ok].to_numpy() if change is not None else None,
        "lad_code": ac.clean_codes(df[lad])[ok].to_numpy() if lad else None,
    })
    report.rows_accepted = int(ok.sum())
    _describe(report, frame, ctx)
    ctx.progress(1.0, "checked")

    def write(w: TableWriter, prog) -> None:
        w.replace_lsoa_lookup(fit, frame, prog)

    return Prepared(path, report, write, frame.head(200))


def _describe(report: ImportReport, frame: pd.DataFrame, ctx: ImportContext) -> None:
    """Counts of splits and merges, and how much of the project the lookup reaches."""
    per21 = frame.groupby("lsoa21_code")["lsoa11_code"].nunique()
    per11 = frame.groupby("lsoa11_code")["lsoa21_code"].nunique()
    changed = frame["lsoa11_code"] != frame["lsoa21_code"]
    details = {"fit": frame["fit"].iloc[0] if len(frame) else None,
               "pairs": len(frame), "lsoa11": int(len(per11)), "lsoa21": int(len(per21)),
               "merged_2021_areas": int((per21 > 1).sum()),
               "changed_codes": int(changed.sum())}
    if frame["change"].notna().any():
        details["changes"] = {CHANGES[k]: int(v) for k, v in
                              frame["change"].value_counts().sort_index().items()}
    else:
        report.warn("best-fit lookup: a split 2011 LSOA names only one of its 2021 children; "
                    "the others are found by overlaying LSOA 2011 boundaries, if imported")
    report.details.update(details)
    known = ctx.known_areas
    if known:
        codes = np.union1d(frame["lsoa11_code"].to_numpy(str), frame["lsoa21_code"].to_numpy(str))
        reached = len(known & set(codes))
        report.details["project_areas_in_lookup"] = reached
        if reached == 0:
            report.warn("none of the project's areas is in this lookup")
