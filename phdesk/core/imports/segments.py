"""Population-health segment extracts -> population rows with ``group_type = 'segment'``.

Two layouts, recognised by their columns:

* aggregated: an area code (LSOA), a segment column and a count, optionally an age band and sex;
  with ``--kind segments`` a wide table (area + one count column per segment) is accepted too;
* patient-level: one row per pseudonymised person (an id column such as ``patient_id``,
  ``pseudo_id``, ``nhs_number_pseudo``; area; age or age band; sex; a segment column or condition
  flag columns 0/1 or Y/N such as ``diabetes``, ``copd``), aggregated on import into counts per
  (area, 5-year age band, sex, segment); flag columns become segments named after the column.
  See :mod:`phdesk.core.imports.patient_level`: no identifier reaches the project.

The dataset label is the option ``dataset`` (default: the file name's stem). Re-importing a
dataset replaces its segment rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core import geo
from phdesk.core.errors import UserError
from phdesk.core.imports import patient_level as pl
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.persons import person_id_column
from phdesk.core.imports.reading import find_column, read_table, to_number
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_AREA_CODE,
    MISSING_VALUE,
    NEGATIVE_COUNT,
    NOT_A_NUMBER,
    ImportReport,
)

KIND = "segments"
LABEL = "Population-health segments (aggregated or patient-level extract)"

PERSON_NAMES = ("patient id", "pseudo id", "nhs number pseudo", "person id", "pseudo nhs number",
                "pseudonymised nhs number", "patient pseudo id", "pseudonym", "patient key",
                "person key", "sk patient id", "pseudo patient id", "patient pseudonym",
                "nhs number")
AREA_NAMES = ("lsoa code", "lsoa", "lsoa11cd", "lsoa21cd", "lsoa11", "lsoa21", "area code",
              "lsoa 2011", "lsoa 2021", "area", "lsoa11 code", "lsoa21 code")
AGE_NAMES = ("age", "age years", "age at extract", "age in years")
BAND_NAMES = ("age band", "age group", "ageband", "age band 5", "age group 5")
SEGMENT_NAMES = ("segment", "segment name", "population segment", "condition", "cohort",
                 "bridges segment", "group", "segment group")
COUNT_NAMES = ("count", "patients", "people", "persons", "number", "n", "value",
               "number of patients", "population")
SEX_VALUES = {"ALL": "all", "PERSONS": "all", "P": "all", "M": "male", "MALE": "male",
              "MALES": "male", "1": "male", "F": "female", "FEMALE": "female", "FEMALES": "female",
              "2": "female"}
BATCH = 50_000


def _roles(columns: list[str], sample: pd.DataFrame | None, options: dict) -> dict:
    """Column roles from names (options override); flag columns from sample values."""
    r = {
        "person": (options.get("person") or find_column(columns, *PERSON_NAMES)
                   or person_id_column(columns)),
        "area": options.get("area") or find_column(columns, *AREA_NAMES),
        "age": options.get("age") or find_column(columns, *AGE_NAMES),
        "band": options.get("age_band") or find_column(columns, *BAND_NAMES),
        "sex": options.get("sex") or find_column(columns, "sex", "gender"),
        "segment": options.get("segment") or find_column(columns, *SEGMENT_NAMES),
        "count": options.get("count") or find_column(columns, *COUNT_NAMES),
    }
    if r["age"] and r["band"]:
        r["band"] = None  # single years are finer: bands are made from them
    used = {v for v in r.values() if v}
    flags = options.get("flags")
    if flags:
        r["flags"] = [f.strip() for f in (flags.split(",") if isinstance(flags, str) else flags)]
    elif sample is not None and not r["segment"]:
        allowed = pl.TRUE_VALUES | pl.FALSE_VALUES
        # flag columns: (almost) only 0/1, Y/N values; the odd bad cell is rejected later
        r["flags"] = [c for c in columns if c not in used and sample[c].fillna("").astype(str)
                      .str.strip().str.upper().isin(allowed).mean() >= 0.8]
    else:
        r["flags"] = []
    missing = [c for c in used | set(r["flags"]) if c not in columns]
    if missing:
        raise UserError(f"column(s) {', '.join(sorted(missing))} not in the file; columns are: "
                        f"{', '.join(columns[:20])}")
    return r


def detect(sample) -> str | None:
    if sample.table is None or sample.headerless:
        return None
    r = _roles(sample.columns, sample.table.df, {})
    if not r["area"]:
        return None
    # a patient-level file is one whatever its area codes hold: bad rows are its report's business
    # ages are optional: an extract without them is counted for all ages
    if r["person"] and (r["segment"] or r["flags"]):
        what = f"segment column {r['segment']}" if r["segment"] else \
            f"{len(r['flags'])} condition flags ({', '.join(r['flags'][:4])})"
        return f"one row per person with {what} (patient-level extract; aggregated on import)"
    if not geo.valid_area_code(sample.table.df[r["area"]]).mean() > 0.8:
        return None
    if r["segment"] and r["count"] and not r["person"]:
        return f"counts per area and segment ({r['segment']}, {r['count']})"
    return None


def prepare(path: Path, ctx):
    from phdesk.core.imports import Prepared

    report = ImportReport(path.name)
    dataset = str(ctx.options.get("dataset") or path.stem)
    head = read_table(path, nrows=200)
    r = _roles(list(head.df.columns), head.df, ctx.options)
    if not r["area"]:
        raise UserError(f"{path.name}: no area column (expected LSOA code, lsoa11cd, area_code)")
    if r["person"]:
        report.private = True  # no value from this file may be shown (row and column only)
        if not (r["segment"] or r["flags"]):
            raise UserError(f"{path.name}: patient-level file without a segment column or "
                            f"condition flag columns (0/1, Y/N)")
        if len(r["flags"]) > 62:  # one bit per flag in a 64-bit word
            raise UserError(f"{path.name}: {len(r['flags'])} condition flag columns; at most 62 "
                            f"(choose them with the option flags=a,b,c)")
        roles = pl.Roles(r["person"], r["area"], r["age"], r["band"], r["sex"], r["segment"],
                         r["flags"])
        ignored = [c for c in head.df.columns if c not in
                   {roles.person, roles.area, roles.age, roles.band, roles.sex, roles.segment,
                    *roles.flags}]
        if ignored:
            report.warn(f"columns not used: {', '.join(ignored[:10])}")
        out = pl.aggregate(path, roles, report, ctx.progress)
        layout = "patient-level"
    else:
        out = _aggregated(path, r, report)
        layout = "aggregated"
    _warn_unknown(out, ctx, report)
    report.details.update({"dataset": dataset, "layout": layout,
                           "segments": sorted(out["group_name"].unique().tolist()),
                           "cells": len(out)})

    def write(w: TableWriter, prog) -> None:
        write_segment_rows(w, dataset, out, prog, report)

    return Prepared(path, report, write, out.head(20))


def write_segment_rows(w: TableWriter, dataset: str, out: pd.DataFrame, prog,
                       report: ImportReport) -> None:
    """Replace the dataset's segment rows with ``out`` (area_code, age_band, sex, group_name,
    count), in the import's transaction."""
    old = w.replace_segment_rows(dataset, out, prog, batch=BATCH)
    if old:
        report.details["replaced_rows"] = old


def _aggregated(path: Path, r: dict, report: ImportReport) -> pd.DataFrame:
    table = read_table(path)
    df, rows = table.df, table.row_numbers()
    report.rows_read = len(df)
    if r["segment"] and r["count"]:
        long = pd.DataFrame({"row": rows, "area": df[r["area"]], "segment": df[r["segment"]],
                             "value": df[r["count"]], "column": r["count"]})
        seg_col = r["segment"]
    else:  # wide: every numeric column other than the roles is a segment
        roles = {v for k, v in r.items() if k != "flags" and v}
        value_cols = [c for c in df.columns if c not in roles and (~to_number(df[c])[1]).all()
                      and df[c].notna().any()]
        if not value_cols:
            raise UserError(_no_counts_reason(path.name, r))
        long = pd.concat([pd.DataFrame({"row": rows, "area": df[r["area"]], "segment": c,
                                        "value": df[c], "column": c}) for c in value_cols],
                         ignore_index=True)
        seg_col = "segment"
        report.warn(f"wide table: columns {', '.join(value_cols[:6])} read as segments")
    idx = np.tile(np.arange(len(df)), len(long) // max(len(df), 1))
    long["band"] = (pl.normalise_band(df[r["band"]]).to_numpy()[idx] if r["band"]
                    else "all")
    long["band"] = pd.Series(long["band"], dtype="string").fillna("?")
    if r["band"]:
        long.loc[df[r["band"]].astype("string").str.strip().str.lower().eq("all")
                 .fillna(False).to_numpy(bool)[idx], "band"] = "all"
    long["sex"] = (df[r["sex"]].astype("string").str.strip().str.upper().map(SEX_VALUES)
                   .to_numpy()[idx] if r["sex"] else "all")
    ok = np.ones(len(long), bool)

    def reject(mask, column, reason, values=None):
        nonlocal ok
        mask = np.asarray(mask, bool) & ok
        report.reject(long["row"].to_numpy()[mask], column, reason,
                      None if values is None else values[mask])
        ok &= ~mask

    long["area"] = geo.clean_code(long["area"])  # e01… is E01…
    reject(~geo.valid_area_code(long["area"]).to_numpy(), r["area"], MALFORMED_AREA_CODE,
           long["area"])
    reject(long["segment"].fillna("").str.strip().eq("").to_numpy(), seg_col, MISSING_VALUE)
    counts, bad = to_number(long["value"])
    reject(bad.to_numpy(), r["count"] or "count", NOT_A_NUMBER, long["value"])
    reject(counts.isna().to_numpy(), r["count"] or "count", MISSING_VALUE)
    reject((counts < 0).to_numpy(), r["count"] or "count", NEGATIVE_COUNT, long["value"])
    if r["band"]:
        reject(long["band"].eq("?").to_numpy(), r["band"], pl.BAD_BAND,
               df[r["band"]].to_numpy()[idx])
    if r["sex"]:
        reject(pd.isna(long["sex"]).to_numpy(), r["sex"], pl.UNKNOWN_SEX,
               df[r["sex"]].to_numpy()[idx])
    out = pd.DataFrame({"area_code": long["area"].str.strip(), "age_band": long["band"],
                        "sex": long["sex"], "group_name": long["segment"].str.strip(),
                        "count": counts})
    dup = np.zeros(len(out), bool)
    dup[np.flatnonzero(ok)] = out.loc[ok, ["area_code", "age_band", "sex", "group_name"]] \
        .duplicated().to_numpy()
    reject(dup, seg_col, DUPLICATE_KEY, long["segment"])
    report.rows_accepted = int(len(np.unique(long["row"].to_numpy()[ok])))
    return out.loc[ok].reset_index(drop=True)


def _no_counts_reason(name: str, r: dict) -> str:
    """Why an aggregated table cannot be read, naming the column that is there."""
    if r["segment"]:
        return (f"{name}: has a segment column ({r['segment']}) but no count column (expected "
                f"count, patients, people, value), and no column identifying a person (e.g. "
                f"patient_id, pseudo_nhs_id) that would make it a patient-level extract")
    return (f"{name}: no segment column (expected segment, condition, cohort) and no count "
            f"columns (one numeric column per segment)")


def _warn_unknown(out: pd.DataFrame, ctx, report: ImportReport) -> None:
    known = ctx.known_areas
    if not known or out.empty:
        return
    codes = pd.Series(out["area_code"].unique())
    unknown = codes[~codes.isin(known)]
    if len(unknown):
        examples = "" if report.private else f" (e.g. {', '.join(unknown.head(3).astype(str))})"
        report.warn(f"{len(unknown)} area codes are not among the project's areas{examples}")
