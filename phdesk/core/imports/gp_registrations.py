"""NHS Digital "Patients registered at a GP practice" and GP list-size files.

Accepted layouts (recognised by their columns):

* practice totals ``gp-reg-pat-prac-all.csv``: ``…,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,
  AGE,NUMBER_OF_PATIENTS``; the single-year-of-age files (``ORG_CODE``, ``AGE`` 0…95+) and the
  quinary file (``AGE_GROUP_5`` 0_4 … 95+) have the same shape; rows whose ``TYPE`` is not ``GP``
  (CCG / region / national totals) are skipped;
* by LSOA ``gp-reg-pat-prac-lsoa-all.csv``: ``PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,
  NUMBER_OF_PATIENTS`` (stored with the LSOA as ``area_code``);
* list sizes: a practice code (``CODE``/``PRACTICE_CODE``) and ``LIST_SIZE``,
  ``REGISTERED_PATIENTS`` or ``TOTAL``, optionally ``EXTRACT_DATE``; extra age columns such as
  ``16OV``/``65OV``/``30_74`` (House of Commons Library ``gp-by-age.csv``) become the age bands
  ``16+``/``65+``/``30-74`` (they overlap: ``all`` is the total).

Rows go to ``gp_registrations`` (practice_code, area_code '' for practice totals, age_band, sex,
count, extract_date ISO 8601), upserted on (practice, area, age band, sex). Registrations are kept
apart from the asset register: they do not change any asset's capacity.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core import geo
from phdesk.core.errors import UserError
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.reading import find_column, read_table, to_number
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_AREA_CODE,
    MISSING_VALUE,
    NEGATIVE_COUNT,
    NOT_A_NUMBER,
    ImportReport,
    RowRejects,
)

KIND = "gp-registrations"
LABEL = "Patients registered at GP practices (NHS Digital), GP list sizes"

MALFORMED_PRACTICE = "malformed practice code (expected an ODS code such as F83004)"
UNKNOWN_SEX = "sex not recognised (expected ALL, MALE or FEMALE)"
BAD_AGE = "age not recognised (expected ALL, a whole number, 95+ or a band such as 0_4)"
PRACTICE_NAMES = ("practice code", "org code", "code", "ods code", "gp practice code",
                  "practice", "organisation code")
COUNT_NAMES = ("number of patients", "list size", "registered patients", "total", "patients",
               "registered list size", "list")
LSOA_NAMES = ("lsoa code", "lsoa11cd", "lsoa21cd", "lsoa", "lsoa 2011 code", "lsoa 2021 code")
AGE_NAMES = ("age group 5", "age", "age band", "age group")
DATE_FORMATS = ("%d%b%Y", "%d/%m/%Y", "%d-%b-%y", "%Y-%m-%d", "%Y%m%d", "%d-%m-%Y", "%d %b %Y",
                "%b-%y")
SEX_CODES = {"ALL": "all", "PERSONS": "all", "MALE": "male", "M": "male", "MALES": "male",
             "FEMALE": "female", "F": "female", "FEMALES": "female"}
BAND_COLUMN = re.compile(r"^(\d+)(OV|PLUS|\+)$|^(\d+)_(\d+)$", re.IGNORECASE)
BATCH = 50_000


def _columns(columns: list[str]) -> dict:
    cols = {
        "practice": find_column(columns, *PRACTICE_NAMES),
        "count": find_column(columns, *COUNT_NAMES),
        "lsoa": find_column(columns, *LSOA_NAMES),
        "sex": find_column(columns, "sex", "gender"),
        "age": find_column(columns, *AGE_NAMES),
        "date": find_column(columns, "extract date", "date", "extract_date"),
        "type": find_column(columns, "type", "org type"),
        # the practice's own postcode: lets a register without practice codes take list sizes
        "postcode": find_column(columns, "practice postcode", "postcode"),
        "name": find_column(columns, "practice name", "name"),
    }
    cols["bands"] = [c for c in columns if BAND_COLUMN.match(c.strip())
                     and c not in (cols["practice"], cols["count"])]
    return cols


def detect(sample) -> str | None:
    if sample.table is None or sample.headerless:
        return None
    cols = _columns(sample.columns)
    if not (cols["practice"] and cols["count"]):
        return None
    codes = sample.table.df[cols["practice"]].fillna("").str.strip().str.upper()
    if codes.str.fullmatch(r"[A-Z][0-9]{5}|[A-Z0-9]{3,8}").mean() < 0.8:
        return None
    counts, bad = to_number(sample.table.df[cols["count"]])
    if bad.mean() > 0.2:
        return None
    if cols["lsoa"]:
        return "patients per GP practice and LSOA (NHS Digital)"
    if cols["age"]:
        return f"patients per GP practice by sex and age ({cols['age']}) (NHS Digital)"
    return f"GP practice list sizes ({cols['count']})"


def _long(df: pd.DataFrame, cols: dict, rows: np.ndarray) -> pd.DataFrame:
    """One row per (practice, area, age band, sex) value, as text, with its spreadsheet row."""
    base = pd.DataFrame({
        "row": rows,
        "practice": geo.clean_code(df[cols["practice"]]),
        "area": (geo.clean_code(df[cols["lsoa"]]) if cols["lsoa"]
                 else pd.Series("", index=df.index, dtype="string")),
        "sex": (df[cols["sex"]].astype("string").str.strip().str.upper() if cols["sex"]
                else pd.Series("ALL", index=df.index, dtype="string")),
        "age": (df[cols["age"]].astype("string").str.strip().str.upper() if cols["age"]
                else pd.Series("ALL", index=df.index, dtype="string")),
        "date": (df[cols["date"]].astype("string").str.strip() if cols["date"]
                 else pd.Series(pd.NA, index=df.index, dtype="string")),
        "value": df[cols["count"]].astype("string"), "column": cols["count"],
        "postcode": (geo.normalise_postcode(df[cols["postcode"]]) if cols["postcode"]
                     else pd.Series(pd.NA, index=df.index, dtype="string")),
        "name": (df[cols["name"]].astype("string").str.strip() if cols["name"]
                 else pd.Series(pd.NA, index=df.index, dtype="string")),
    })
    if not cols["bands"]:
        return base
    extra = []
    for c in cols["bands"]:
        m = BAND_COLUMN.match(c.strip())
        band = f"{m.group(1)}+" if m.group(1) else f"{m.group(3)}-{m.group(4)}"
        extra.append(base.assign(age=band, value=df[c].astype("string"), column=c))
    return pd.concat([base, *extra], ignore_index=True)


def _age_band(age: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalised age band ('all', '37', '0-4', '95+') and a mask of unrecognised values."""
    a = age.fillna("").str.replace(r"\s+", "", regex=True)
    out = a.str.replace("_", "-", regex=False).str.replace("TO", "-", regex=False)
    out = out.mask(a.isin(["ALL", "ALLAGES", ""]), "all")
    ok = out.str.fullmatch(r"all|[0-9]{1,3}|[0-9]{1,3}-[0-9]{1,3}|[0-9]{1,3}\+").fillna(False)
    return out, ~ok.astype(bool)


def parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ISO dates (``YYYY-MM-DD``) from the formats NHS files use; and a mask of unreadable cells."""
    uniq = pd.Series(text.dropna().unique())
    parsed = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[ns]")
    for fmt in DATE_FORMATS:
        todo = parsed.isna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(uniq[todo], format=fmt, errors="coerce")
    lookup = dict(zip(uniq, parsed.dt.strftime("%Y-%m-%d"), strict=True))
    iso = text.map(lookup).astype("string")
    return iso, text.notna() & iso.isna()


def prepare(path: Path, ctx):
    """Read and check a registrations or list-size file into ``gp_registrations`` rows (count:
    patients); writes nothing until the returned ``Prepared`` is committed."""
    from phdesk.core.imports import Prepared

    report = ImportReport(path.name)
    table = read_table(path)
    df = table.df
    cols = _columns(list(df.columns))
    if not (cols["practice"] and cols["count"]):
        raise UserError(f"{path.name}: needs a practice code column (CODE, PRACTICE_CODE) and a "
                        f"count column (NUMBER_OF_PATIENTS, LIST_SIZE)")
    report.rows_read = len(df)
    df, rows = _practices_only(df, table.row_numbers(), cols, report)
    long = _long(df, cols, rows)
    ok, counts, sex, age = _check(long, cols, report)
    dates = _dates(long["date"], ctx.options, report)
    out = pd.DataFrame({"practice_code": long["practice"], "area_code": long["area"].fillna(""),
                        "age_band": age, "sex": sex, "count": counts,
                        "extract_date": dates,
                        "practice_postcode": long["postcode"],
                        "practice_name": long["name"]}).loc[ok].reset_index(drop=True)
    report.rows_accepted = int(len(np.unique(long["row"].to_numpy()[ok])))
    _warn_unknown_areas(out, ctx, report)
    report.details.update({
        "layout": "by LSOA" if cols["lsoa"] else ("by age" if cols["age"] else "list sizes"),
        "practices": int(out["practice_code"].nunique()), "values": len(out),
        "age_band_columns": cols["bands"]})
    return Prepared(path, report, _writer(out, report), out.head(20))


def _practices_only(df: pd.DataFrame, rows: np.ndarray, cols: dict, report: ImportReport
                    ) -> tuple[pd.DataFrame, np.ndarray]:
    """Without the CCG / region / national total rows (``TYPE`` other than GP) of a file that
    has practice rows, with a warning."""
    if cols["type"] is not None and df[cols["type"]].eq("GP").any():
        other = df[cols["type"]].fillna("") != "GP"
        if other.any():
            report.warn(f"{int(other.sum())} rows are not practices (TYPE other than GP) and "
                        f"were skipped")
            df, rows = df.loc[~other.to_numpy()], rows[~other.to_numpy()]
    return df, rows


def _check(long: pd.DataFrame, cols: dict, report: ImportReport
           ) -> tuple[np.ndarray, pd.Series, pd.Series, pd.Series]:
    """Check every long row: practice code, count, sex, age, LSOA, then repeats of a (practice,
    area, age band, sex) key. Returns (good rows, counts of patients, sexes, age bands)."""
    reject = RowRejects(report, long["row"].to_numpy())
    bad_code = ~long["practice"].fillna("").str.fullmatch(r"[A-Z0-9]{3,8}").to_numpy(bool)
    reject(bad_code, cols["practice"], MALFORMED_PRACTICE, long["practice"])
    counts, not_num = to_number(long["value"])
    for col in long["column"].unique():  # reported under the column each value came from
        here = (long["column"] == col).to_numpy()
        reject(here & not_num.to_numpy(), col, NOT_A_NUMBER, long["value"])
        reject(here & counts.isna().to_numpy(), col, MISSING_VALUE)
        reject(here & (counts < 0).to_numpy(), col, NEGATIVE_COUNT, long["value"])
    sex = long["sex"].map(SEX_CODES)
    reject(sex.isna().to_numpy(), cols["sex"] or "sex", UNKNOWN_SEX, long["sex"])
    age, bad_age = _age_band(long["age"])
    reject(bad_age.to_numpy(), cols["age"] or "age", BAD_AGE, long["age"])
    if cols["lsoa"]:
        reject(~geo.valid_area_code(long["area"]).to_numpy(), cols["lsoa"], MALFORMED_AREA_CODE,
               long["area"])
    key = pd.DataFrame({"p": long["practice"], "a": long["area"], "g": age, "s": sex})
    dup = np.zeros(len(long), bool)
    dup[np.flatnonzero(reject.ok)] = key.loc[reject.ok].duplicated().to_numpy()
    reject(dup, cols["practice"], DUPLICATE_KEY,
           long["practice"] + " " + long["sex"].fillna("") + " " + long["age"].fillna(""))
    return reject.ok, counts, sex, age


def _writer(out: pd.DataFrame, report: ImportReport):
    """The commit step: upsert the rows; an older (or undated) extract never replaces a newer
    one (the store's upsert), and the values kept are counted in a warning."""

    def write(w: TableWriter, prog) -> None:
        kept = w.upsert_gp_registrations(out, prog, batch=BATCH)
        if kept:
            report.warn(f"{kept:,} values already stored from a newer extract were kept")
            w.set_warnings(report.warnings)
        report.details["kept_newer"] = kept

    return write


def _dates(text: pd.Series, options: dict, report: ImportReport) -> pd.Series:
    given = options.get("extract_date")
    if given:
        iso, bad = parse_dates(pd.Series([str(given)], dtype="string"))
        if bad.any():
            raise UserError(f"option extract_date={given}: not a date (use YYYY-MM-DD)")
        return pd.Series(iso.iloc[0], index=text.index, dtype="string")
    if text.isna().all():
        report.warn("the file has no extract date (give one with the option extract_date=…)")
        return text
    iso, bad = parse_dates(text)
    if bad.any():
        report.warn(f"{int(bad.sum())} extract dates could not be read and were left empty "
                    f"(e.g. '{text[bad].iloc[0]}')")
    return iso


def _warn_unknown_areas(out: pd.DataFrame, ctx, report: ImportReport) -> None:
    known = ctx.known_areas
    areas = out.loc[out["area_code"] != "", "area_code"]
    if not known or areas.empty:
        return
    unknown = pd.Series(areas.unique())
    unknown = unknown[~unknown.isin(known)]
    if len(unknown):
        report.warn(f"{len(unknown)} LSOA codes are not among the project's areas "
                    f"(e.g. {', '.join(unknown.head(3))})")
