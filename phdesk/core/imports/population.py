"""Population counts by area (ONS estimates, Census tables, any count table) into ``population``.

The layouts are read by :mod:`population_layouts` into cells; here they are validated and the
stored set is chosen so that summing rows never double counts:

* only the finest age bands are stored (totals and sub-totals such as TS007's "Aged 5 to 9
  years" between single years are dropped); single years are grouped into 5-year bands
  ``0-4 … 85-89`` and ``90+`` (or up to the file's own open top band) to keep the table small,
  with 15-19 kept as ``15``, ``16-17``, ``18-19`` so that children 0-15 and adults 18+ are exact;
  published bands (``0-15``, ``65+``) are stored as published;
* male and female are stored, and persons only where the file has no split by sex;
* ethnic groups are stored at the detailed level (``group_type`` ethnicity, ``group_name`` as
  published, e.g. "Asian, Asian British or Asian Welsh: Bangladeshi"), totals never;
* ``age_band`` is ``all`` only when the file gives no ages for that area.

Where the file gives a grand total, the stored rows are checked against it (a warning names the
areas that differ). Re-importing a dataset label replaces that dataset's rows for the areas in the
file (so two boroughs' files of one dataset can be combined).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.imports import ImportContext, Prepared, Sample
from phdesk.core.imports import area_codes as ac
from phdesk.core.imports import population_layouts as pl
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.reading import Table, find_column, read_table, to_number
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MISSING_VALUE,
    NEGATIVE_COUNT,
    NOT_A_NUMBER,
    ImportReport,
)

KIND = "population"
LABEL = "Population by area (ONS estimates, Census tables, count tables)"
# offered by the import wizard as a control: where this dataset and another cover the same
# areas, which one the project uses (a project setting, shown in run notes; docs/mapping.md)
CHOICES = {"prefer": ("Where another population dataset covers the same areas, use",
                      [("", "The most recent figures"), ("this", "This dataset"),
                       ("others", "The other dataset")])}
PREFER = {"this": True, "others": False}

UNKNOWN_AGE = "age band not recognised (expected e.g. 0-4, 65+, Aged 5 to 9 years)"
UNKNOWN_SEX = "sex not recognised (expected male, female or persons)"
GROUP_TYPES = {"none", "ethnicity", "segment"}
FIVE_YEAR_CAP = 90
KEY = ["area_code", "age_band", "sex", "group_type", "group_name"]


def _year(table: Table) -> str | None:
    """The data year from a period/date column, else from the file name (``mid2019``)."""
    col = find_column(list(table.df.columns), "period", "date", "year")
    if col is not None:
        m = re.match(r"^\s*((?:19|20)\d{2})", str(table.df[col].dropna().head(1).squeeze()))
        if m:
            return m.group(1)
    m = re.search(r"(?:mid|mye)[-_ ]?((?:19|20)\d{2})", table.path.stem, re.I)
    return m.group(1) if m else None


def _is_census(table: Table) -> bool:
    col = find_column(list(table.df.columns), "period", "date")
    first = str(table.df[col].dropna().head(1).squeeze()) if col else ""
    return first.startswith(("2021-03-21", "2011-03-27")) or (
        first in ("2021", "2011") and "geography code" in table.df.columns)


def find_layout(table: Table, options: dict | None = None) -> pl.Layout | None:
    """The first layout that fits the table (options force the generic table layout)."""
    options = options or {}
    df = table.df
    code_col = ac.find_code_column(list(df.columns), options.get("area"))
    if code_col is None or not ac.mostly_codes(df[code_col].head(200)):
        return None
    year = _year(table)
    if not {"count", "age_band", "sex", "group"} & set(options):
        for rec in (lambda: pl.ethnicity_wide(df, code_col),
                    lambda: pl.iod_denominators(df, code_col),
                    lambda: pl.ons_wide(df, code_col, year),
                    lambda: pl.sex_rows(df, code_col, year),
                    lambda: pl.census_age_wide(df, code_col, year)):
            layout = rec()
            if layout is not None:
                return layout
    if not options and any(w in c.lower() for c in df.columns for w in pl.NOT_POPULATION):
        return None  # segment / condition tables belong to the segments importer
    return pl.long_table(df, code_col, options, year, _is_census(table))


def detect(sample: Sample) -> str | None:
    if sample.table is None:
        return None
    table = sample.table
    if sample.headerless:  # a header of single-year ages ("0", "1" … "89") looks like data
        table = read_table(sample.path, headerless=False, nrows=50)
    layout = find_layout(table)
    if layout is None:
        return None
    what = f" ({layout.dataset})" if layout.dataset else ""
    return f"{layout.name}{what}: '{layout.evidence}' column"


def age_labels(intervals: list[tuple[float, float]]) -> dict[tuple[float, float], str]:
    """Stored label for each finest age interval (see the module docstring)."""
    if intervals == [pl.ALL_AGES]:
        return {pl.ALL_AGES: "all"}
    finite = [a for a in intervals if a[1] != pl.INF]
    opens = [a[0] for a in intervals if a[1] == pl.INF]
    cap = min([FIVE_YEAR_CAP, *opens])
    ages = {int(lo) for lo, _ in finite}
    whole_bands = all(b + k in ages for b in {a // 5 * 5 for a in ages if a < cap}
                      for k in range(5) if b + k < cap)  # no 5-year band only partly given
    singles = all(lo == hi for lo, hi in finite)
    if len(finite) >= 10 and singles and cap % 5 == 0 and whole_bands:
        return {a: f"{int(cap)}+" if a[0] >= cap else _grouped_year(int(a[0]))
                for a in intervals}
    return {a: f"{int(a[0])}+" if a[1] == pl.INF else
            f"{int(a[0])}" if a[0] == a[1] else f"{int(a[0])}-{int(a[1])}" for a in intervals}


def _grouped_year(age: int) -> str:
    """5-year band of a single year of age, with 15-19 cut at 16 and 18 so that children
    (0-15) and adults (18+) stay exact when the file has single years."""
    lo = age // 5 * 5
    if lo == 15:
        return "15" if age == 15 else "16-17" if age < 18 else "18-19"
    return f"{lo}-{lo + 4}"


def _validate(cells: pd.DataFrame, codes: pd.Series, rows: np.ndarray, code_col: str,
              report: ImportReport) -> tuple[pd.DataFrame, np.ndarray]:
    """Reject bad rows; returns the numeric cells of accepted rows and the accepted-row mask."""
    ok_rows = ac.reject_malformed(report, codes, rows, code_col)
    r = rows[cells["pos"].to_numpy()]
    nums, bad = to_number(cells["value"])
    bad = bad.to_numpy()
    for mask, reason in ((bad, NOT_A_NUMBER),
                         (nums.isna().to_numpy() & ~bad, MISSING_VALUE),
                         ((nums < 0).to_numpy(), NEGATIVE_COUNT),
                         (cells["lo"].isna().to_numpy(), UNKNOWN_AGE),
                         (cells["sex"].isna().to_numpy(), UNKNOWN_SEX)):
        if mask.any():
            _reject_cells(report, r, cells, mask, reason)
    cells = cells.assign(count=nums.to_numpy(), area_code=codes.to_numpy()[cells["pos"]])
    key = cells[["area_code", "sex", "lo", "hi", "group_type", "group_name"]]
    dup = key.duplicated(keep=False).to_numpy() & ok_rows[cells["pos"].to_numpy()]
    report.reject(np.unique(r[dup]), code_col, DUPLICATE_KEY,
                  codes.to_numpy()[np.unique(cells["pos"].to_numpy()[dup])])
    rejected = set(report.rejections["row"].tolist())
    accepted = ok_rows & ~np.isin(rows, list(rejected))
    return cells[accepted[cells["pos"].to_numpy()]], accepted


def _reject_cells(report: ImportReport, r: np.ndarray, cells: pd.DataFrame, mask: np.ndarray,
                  reason: str) -> None:
    """Reject the rows of the masked cells, naming each cell's own column."""
    cols = cells["column"].to_numpy()
    for col in pd.unique(cols[mask]):
        m = mask & (cols == col)
        report.reject(r[m], str(col), reason,
                      None if reason == MISSING_VALUE else cells["value"].to_numpy()[m])


def _reduce(cells: pd.DataFrame, report: ImportReport, path: Path) -> pd.DataFrame:
    """Choose the non-overlapping cells to store and label them (see module docstring)."""
    totals = cells[cells["group_type"].eq("ethnicity_total")
                   | (cells["lo"].eq(0) & cells["hi"].eq(pl.INF) & cells["sex"].eq("all")
                      & cells["group_type"].eq("none"))]
    cells = cells[~cells["group_type"].eq("ethnicity_total")]
    sex = cells["sex"].to_numpy(dtype=object)
    area = cells["area_code"]
    male = area[sex == "male"].unique()
    female = area[sex == "female"].unique()
    split = area.isin(np.intersect1d(male, female)).to_numpy()
    cells = cells[~(split & (sex == "all"))]
    lo, hi = cells["lo"].to_numpy(float), cells["hi"].to_numpy(float)
    all_age = (lo == 0) & np.isinf(hi)
    # an all-ages count is kept only for areas the file gives no age bands for
    banded = cells["area_code"].isin(cells["area_code"][~all_age].unique()).to_numpy()
    ikey = lo * 1000 + np.where(np.isinf(hi), 999, hi)  # one number per age interval
    uniq, first = np.unique(ikey[~all_age], return_index=True)
    lo_b, hi_b = lo[~all_age][first], hi[~all_age][first]
    fine = pl.minimal_intervals(list(zip(lo_b, hi_b, strict=True)))
    for a, b in zip(fine, fine[1:], strict=False):
        if b[0] <= a[1]:
            raise UserError(f"{path.name}: age bands overlap ({a[0]:g}-{a[1]:g} and "
                            f"{b[0]:g}-{b[1]:g}); give non-overlapping bands")
    labels = age_labels(fine) if fine else {}
    label_of = {k: labels.get((a, b)) for k, a, b in zip(uniq, lo_b, hi_b, strict=True)}
    band = pd.Series(ikey).map(label_of).to_numpy(dtype=object)
    band[all_age & ~banded] = "all"
    keep = pd.notna(band)
    cells = cells[keep].assign(age_band=band[keep])
    stored = cells.groupby(KEY, as_index=False, sort=False)["count"].sum()
    if len(totals) and len(stored):
        published = totals.groupby("area_code")["count"].max()
        summed = stored[stored["group_type"].isin(["none", "ethnicity"])].groupby(
            ["area_code", "group_type"])["count"].sum().groupby("area_code").max()
        diff = (summed.reindex(published.index) - published).abs()
        off = diff[diff > 0.5]
        if len(off):
            ex = ", ".join(f"{c} ({summed[c]:g} vs {published[c]:g})" for c in off.index[:3])
            report.warn(f"in {len(off)} areas the stored counts do not add up to the file's "
                        f"total, e.g. {ex}")
    return stored


def prepare(path: Path, ctx: ImportContext) -> Prepared:
    table = read_table(path, headerless=False)
    opts = ctx.options
    if opts.get("group_type") and opts["group_type"] not in GROUP_TYPES:
        raise UserError(f"{path.name}: option group_type must be one of none, ethnicity, segment")
    prefer = str(opts.get("prefer") or "").strip().lower()
    if prefer and prefer not in PREFER:
        raise UserError(f"{path.name}: option prefer must be 'this' or 'others', not '{prefer}'")
    ac.check_option_columns(path.name, list(table.df.columns), opts,
                            ("area", "count", "age_band", "sex", "group"))
    layout = find_layout(table, opts)
    if layout is None:
        code_col = ac.find_code_column(list(table.df.columns), opts.get("area"))
        if code_col is None:
            raise UserError(f"{path.name}: no area code column (expected e.g. LSOA11CD, "
                            "LSOA21CD, area_code; or option area=COLUMN)")
        raise UserError(f"{path.name}: no population count column found (expected e.g. "
                        "'Persons_All-Ages', 'Age: Total; measures: Value', count, value; or "
                        "option count=COLUMN)")
    report = ImportReport(file=path.name, rows_read=len(table.df))
    dataset = str(opts.get("dataset") or layout.dataset or path.stem)
    ctx.progress(0.1, "reading counts")
    cells = layout.build(table.df)
    rows = table.row_numbers()
    codes = ac.clean_codes(table.df[layout.code_col])
    ctx.progress(0.4, "checking counts")
    cells, accepted = _validate(cells, codes, rows, layout.code_col, report)
    report.rows_accepted = int(accepted.sum())
    stored = _reduce(cells, report, path) if len(cells) else pd.DataFrame(columns=[*KEY,
                                                                                     "count"])
    stored.insert(0, "dataset", dataset)
    ac.warn_unknown(report, codes[accepted], ctx.known_areas)
    report.details.update({
        "dataset": dataset, "layout": layout.name, "area_column": layout.code_col,
        "age_bands": list(dict.fromkeys(stored["age_band"])),
        "sexes": sorted(set(stored["sex"])), "rows_stored": len(stored), **layout.details})
    if prefer:
        report.details["prefer"] = prefer
    if not opts.get("dataset") and not layout.dataset:
        report.warn(f"dataset label '{dataset}' taken from the file name "
                    "(use option dataset=LABEL)")
    ctx.progress(1.0, "checked")

    def write(w: TableWriter, prog) -> None:
        w.replace_population(dataset, stored, prog)
        if prefer:
            w.prefer_population(dataset, first=PREFER[prefer])

    return Prepared(path, report, write, stored.head(500))
