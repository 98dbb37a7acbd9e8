"""Census 2021 tidy tables of any topic -> population segments, one segment per category.

The tidy (long) layout: one row per area and category, e.g. Trafford's
``area_code, area_name, geography, period, indicator, general_health, measure, unit, value``. The
one column that is neither an area, a period, a description nor a value is the topic
(``general_health``, ``disability_category``, ``unpaid_care`` …); its values ("Very good health",
"Provides 50 or more hours unpaid care a week") become segment names, counted for all ages and
both sexes. The dataset is named after the topic and year ("Census 2021: general health"; option
``dataset``). Rows whose measure is not a count (percentages) and total rows are left out.
Age and ethnic-group tables are read by the population importer, which comes first.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core import geo
from phdesk.core.errors import UserError
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.reading import find_column, normalise_header, read_table, to_number
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_AREA_CODE,
    MISSING_VALUE,
    NEGATIVE_COUNT,
    NOT_A_NUMBER,
    ImportReport,
    RowRejects,
)
from phdesk.core.imports.segments import write_segment_rows

KIND = "census-topic"
LABEL = "Census 2021 topic table, tidy (general health, disability, unpaid care …) as segments"

AREA_NAMES = ("area code", "geography code", "lsoa21cd", "lsoa11cd", "lsoa code", "oa21cd",
              "msoa21cd", "ward code", "lad code")
VALUE_NAMES = ("value", "observation", "count", "obs value")
# columns that describe the row, not the topic
META = {"area code", "area name", "geography", "geography code", "geography name", "period",
        "date", "indicator", "measure", "measures", "unit", "value", "observation", "count",
        "obs value", "lsoa21nm", "lsoa11nm", "lsoa name", "notes", "note", "source"}
TOTAL = re.compile(r"^(total|all\b|all usual residents)", re.IGNORECASE)


def _layout(columns: list[str]) -> tuple[str, str, str] | None:
    """(area column, topic column, value column) of a tidy table, or None."""
    area = find_column(columns, *AREA_NAMES)
    value = find_column(columns, *VALUE_NAMES)
    if area is None or value is None:
        return None
    rest = [c for c in columns if normalise_header(c) not in META and c not in (area, value)
            and not normalise_header(c).endswith((" name", " code"))]
    return (area, rest[0], value) if len(rest) == 1 else None


def topic_label(column: str) -> str:
    """``general_health`` -> ``general health``; ``disability_category`` -> ``disability``."""
    words = normalise_header(column).split()
    if len(words) > 1 and words[-1] in ("category", "categories", "group", "status"):
        words = words[:-1]
    return " ".join(words)


def detect(sample) -> str | None:
    if sample.table is None or sample.headerless:
        return None
    found = _layout(sample.columns)
    if found is None:
        return None
    area, topic, value = found
    df = sample.table.df
    if not geo.valid_area_code(df[area].astype("string").str.strip()).mean() > 0.8:
        return None
    if to_number(df[value])[1].mean() > 0.2:   # mostly not numbers: not a count column
        return None
    return (f"tidy census table: one row per area ({area}) and {topic_label(topic)} "
            f"({topic}), counts in {value}; imported as segments")


def prepare(path: Path, ctx):
    """Read and check a tidy census table into segment rows (count: persons, all ages, both
    sexes); writes nothing until the returned ``Prepared`` is committed."""
    from phdesk.core.imports import Prepared

    report = ImportReport(path.name)
    table = read_table(path)
    df, rows = table.df, table.row_numbers()
    report.rows_read = len(df)
    found = _layout(list(df.columns))
    if found is None:
        raise UserError(f"{path.name}: not a tidy census table (expected an area code column, "
                        f"one topic column and a value column)")
    area_col, topic_col, value_col = found
    dataset = _dataset_name(df, topic_col, ctx.options)
    category = df[topic_col].astype("string").str.strip()
    ok = _counted_rows(df, category, report)
    out = _check(df, RowRejects(report, rows, ok), area_col, topic_col, value_col, category)
    report.rows_accepted = len(out)
    _warn_unknown_areas(out, ctx.known_areas, report)
    report.details.update({"dataset": dataset, "layout": "census tidy", "topic": topic_col,
                           "segments": sorted(out["group_name"].unique().tolist()),
                           "cells": len(out)})

    def write(w: TableWriter, prog) -> None:
        write_segment_rows(w, dataset, out, prog, report)

    return Prepared(path, report, write, out.head(20))


def _dataset_name(df: pd.DataFrame, topic_col: str, options: dict) -> str:
    """The option ``dataset``, else "Census <year>: <topic>" (the commonest year of the period
    column), else "Census: <topic>"."""
    period = find_column(list(df.columns), "period", "date")
    year = (df[period].astype("string").str.extract(r"(\d{4})")[0].dropna().mode()
            if period else pd.Series(dtype="string"))
    label = topic_label(topic_col)
    return str(options.get("dataset") or
               (f"Census {year.iloc[0]}: {label}" if len(year) else f"Census: {label}"))


def _counted_rows(df: pd.DataFrame, category: pd.Series, report: ImportReport) -> np.ndarray:
    """Rows to read: not a measure other than a count (percentages), not a total row; each
    kind left out is counted in a warning."""
    ok = np.ones(len(df), bool)
    measure = find_column(list(df.columns), "measure", "measures")
    if measure:
        not_count = ~df[measure].astype("string").str.strip().str.lower().isin(
            ["count", "value", ""]).fillna(True).to_numpy(bool)
        if not_count.any():
            report.warn(f"{int(not_count.sum()):,} rows that are not counts ({measure}) were "
                        f"left out")
        ok &= ~not_count
    total = category.str.match(TOTAL).fillna(False).to_numpy(bool) & ok
    if total.any():
        report.warn(f"{int(total.sum()):,} total rows were left out")
    ok &= ~total
    return ok


def _check(df: pd.DataFrame, reject: RowRejects, area_col: str, topic_col: str,
           value_col: str, category: pd.Series) -> pd.DataFrame:
    """Check the rows still ``reject.ok`` (area code, category, count, then repeats of an
    (area, category) pair) and return the good ones as segment rows."""
    codes = df[area_col].astype("string").str.strip().str.upper()
    reject(~geo.valid_area_code(codes).to_numpy(), area_col, MALFORMED_AREA_CODE, codes)
    reject(category.fillna("").eq("").to_numpy(), topic_col, MISSING_VALUE)
    counts, bad = to_number(df[value_col])
    reject(bad.to_numpy(), value_col, NOT_A_NUMBER, df[value_col])
    reject(counts.isna().to_numpy(), value_col, MISSING_VALUE)
    reject((counts < 0).to_numpy(), value_col, NEGATIVE_COUNT, df[value_col])
    out = pd.DataFrame({"area_code": codes, "age_band": "all", "sex": "all",
                        "group_name": category, "count": counts})
    ok = reject.ok
    dup = np.zeros(len(out), bool)
    dup[np.flatnonzero(ok)] = out.loc[ok, ["area_code", "group_name"]].duplicated().to_numpy()
    reject(dup, topic_col, DUPLICATE_KEY, category)
    return out.loc[reject.ok].reset_index(drop=True)


def _warn_unknown_areas(out: pd.DataFrame, known: set[str], report: ImportReport) -> None:
    """Warn about area codes that are not among the project's areas (naming three)."""
    if known and len(out):
        unknown = pd.Series(out["area_code"].unique())
        unknown = unknown[~unknown.isin(known)]
        if len(unknown):
            report.warn(f"{len(unknown)} area codes are not among the project's areas "
                        f"(e.g. {', '.join(unknown.head(3).astype(str))})")
