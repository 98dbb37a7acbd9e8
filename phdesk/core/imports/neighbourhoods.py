"""A neighbourhood lookup (LSOA code -> neighbourhood name), CSV or XLSX.

The name column may be a neighbourhood, a Primary Care Network or a locality (the first found,
in that order, or option ``neighbourhood=COLUMN``; the code column by option ``area=COLUMN``).
Neighbourhoods are created as needed; the lookup rows of the areas in the file are replaced, other
areas keep theirs. Names are tidied (spaces) and spellings differing only in capitals are merged
to the first spelling, with a warning.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.imports import ImportContext, Prepared, Sample
from phdesk.core.imports import area_codes as ac
from phdesk.core.imports import neighbourhood_rules as nbh_rules
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.reading import Table, find_column, read_table
from phdesk.core.imports.report import MISSING_VALUE, ImportReport

KIND = "neighbourhoods"
LABEL = "Neighbourhood lookup (LSOA -> neighbourhood)"

CONFLICT = "area listed twice with different neighbourhoods"
NAME_COLUMNS = ["neighbourhood", "neighbourhood name", "neighbourhood_name", "nbhd",
                "neighbourhood_area", "INT neighbourhood", "PCN", "PCN name", "pcn_name",
                "Primary Care Network", "locality", "locality name", "WD24NM", "WD23NM",
                "WD22NM", "WD21NM", "WD20NM", "WD19NM", "ward name", "ward_name"]
LA_COLUMNS = ["LAD24NM", "LAD23NM", "LAD22NM", "LAD21NM", "LAD20NM", "LAD19NM", "la_name",
              "local authority", "Local Authority District name (2019)"]
AREA_COLUMNS = ["LSOA21CD", "LSOA11CD", "LSOA code (2021)", "LSOA code (2011)", "lsoa_code",
                "LSOA", "lsoa21", "lsoa11", "area_code", "area code", "code"]
# tables with these columns are something else (postcode directories, practice lists)
NOT_A_LOOKUP = ["postcode", "pcd", "pcds", "practice_code"]


def _columns(table: Table, options: dict) -> tuple[str | None, str | None]:
    cols = list(table.df.columns)
    area = options.get("area") if options.get("area") in cols else find_column(cols,
                                                                                *AREA_COLUMNS)
    name = options.get("neighbourhood")
    if name not in cols:
        name = find_column(cols, *NAME_COLUMNS) or find_column(
            cols, "neighbourhood", "pcn", "locality", contains=True)
    return area, name


def detect(sample: Sample) -> str | None:
    if sample.table is None or sample.headerless:
        return None
    if find_column(sample.columns, *NOT_A_LOOKUP):
        return None
    area, name = _columns(sample.table, {})
    if area is None or name is None or not ac.mostly_codes(sample.table.df[area]):
        return None
    return f"neighbourhood lookup: area codes in '{area}', names in '{name}'"


def prepare(path: Path, ctx: ImportContext) -> Prepared:
    table = read_table(path)
    df = table.df
    ac.check_option_columns(path.name, list(df.columns), ctx.options, ("area", "neighbourhood"))
    area_col, name_col = _columns(table, ctx.options)
    if area_col is None:
        raise UserError(f"{path.name}: no LSOA code column (expected e.g. LSOA21CD, LSOA11CD, "
                        "lsoa_code, area_code; or option area=COLUMN)")
    if name_col is None:
        raise UserError(f"{path.name}: no neighbourhood column (expected e.g. neighbourhood, "
                        "PCN, locality; or option neighbourhood=COLUMN)")
    report = ImportReport(file=path.name, rows_read=len(df))
    rows = table.row_numbers()
    codes = ac.clean_codes(df[area_col])
    names = df[name_col].astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    ok = ac.reject_malformed(report, codes, rows, area_col)
    empty = (names.isna() | names.eq("")).fillna(True).to_numpy()
    report.reject(rows[empty], name_col, MISSING_VALUE)
    ok &= ~empty
    names = _merge_case_variants(names, ok, report)

    # the same area twice: harmless if the name agrees, rejected (all copies) if not
    pairs = pd.DataFrame({"code": codes, "name": names})[ok]
    spread = pairs.groupby("code")["name"].nunique()
    conflicted = codes.isin(spread.index[spread > 1]).to_numpy() & ok
    report.reject(rows[conflicted], area_col, CONFLICT, codes[conflicted])
    ok &= ~conflicted
    repeated = pairs.duplicated().reindex(codes.index, fill_value=False).to_numpy() & ok
    if repeated.any():
        report.warn(f"{int(repeated.sum())} rows repeat an area already listed with the same "
                    "neighbourhood")
    report.rows_accepted = int(ok.sum())
    la_col = find_column(list(df.columns), *LA_COLUMNS)
    keep = ok & ~repeated
    lookup = pd.DataFrame({"area_code": codes[keep].to_numpy(),
                           "neighbourhood": names[keep].to_numpy(),
                           "la": df[la_col][keep].to_numpy() if la_col else None})
    lookup = nbh_rules.onto_project(lookup, ctx, report)
    lookup = nbh_rules.qualify_by_authority(lookup, report)
    hoods = list(dict.fromkeys(lookup["neighbourhood"]))
    report.details.update({"area_column": area_col, "name_column": name_col,
                           "neighbourhoods": len(hoods), "areas": len(lookup)})

    def write(w: TableWriter, prog) -> None:
        # replaces the MSOA groups made while there was no lookup; matches existing
        # neighbourhoods whatever their capitals
        w.link_neighbourhoods(lookup["area_code"].tolist(), lookup["neighbourhood"].tolist(), prog)

    preview = lookup.groupby("neighbourhood", sort=False).size().rename("areas").reset_index()
    return Prepared(path, report, write, preview)


def _merge_case_variants(names: pd.Series, ok: np.ndarray, report: ImportReport) -> pd.Series:
    """"Central PCN" and "central pcn" are one neighbourhood: use the first spelling."""
    valid = names[ok]
    first = valid.groupby(valid.str.lower(), sort=False).first()
    merged = names.str.lower().map(first).where(pd.Series(ok, index=names.index), names)
    variants = valid.groupby(valid.str.lower()).nunique()
    if (variants > 1).any():
        report.warn(f"{int((variants > 1).sum())} neighbourhood names written in different "
                    "capitals were merged (first spelling kept)")
    return merged.astype("string")
