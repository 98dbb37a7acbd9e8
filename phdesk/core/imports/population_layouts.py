"""The population file layouts phdesk recognises, each turned into the same long form of *cells*.

A cell is one count in the file: ``pos`` (row position), ``column`` (where it came from, for
reports), ``value`` (text), ``sex`` (all | male | female, NA if not recognised), the age interval
``lo``..``hi`` in years (``hi`` = inf for "85 and over"; 0..inf = all ages; NaN if not recognised),
``group_type`` (none | ethnicity | segment) and ``group_name``. :mod:`population` validates cells
and decides which to store (never totals and their parts together).

Layouts: ONS small-area estimates (``Persons_0-15``, ``Males_65+`` …), ONS estimates by sex rows
(``sex, all_ages, aged_0_to_15, 0 … 89, 90+``), Census bulk tables by age (TS007/TS007A
``Age: Aged 5 to 9 years; measures: Value``, or single-year ``Aged 1 year`` columns), Census
ethnic group (TS021 ``Ethnic group: …: …; measures: Value``; 2011 ``All categories: Ethnic group``,
``White: Irish`` …), tidy long tables (``area_code, …, indicator | ethnic_group, value``) and a
generic table (area, count, optional age band / sex / group, mapped by options).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from phdesk.core.imports.reading import find_column, normalise_header

INF = math.inf
ALL_AGES = (0.0, INF)

SEX_WORDS = {
    "male": "male", "males": "male", "m": "male", "men": "male", "boys": "male",
    "female": "female", "females": "female", "f": "female", "women": "female", "girls": "female",
    "persons": "all", "person": "all", "all": "all", "total": "all", "people": "all",
    "p": "all", "all persons": "all", "both": "all", "all people": "all",
}
_SEX_PREFIX = re.compile(r"^(all persons|persons|males?|females?)[ _:-]+(.+)$", re.I)

COUNT_COLUMNS = ["count", "population", "value", "persons", "people", "number", "n",
                 "obs_value", "observation"]
PEOPLE_COUNTS = {"population", "persons", "people", "total population", "all persons",
                 "usual residents", "residents"}
AGE_COLUMNS = ["age_band", "age band", "ageband", "age_group", "age group", "age"]
SEX_COLUMNS = ["sex", "gender"]
GROUP_COLUMNS = ["group", "group_name", "segment", "ethnic_group", "ethnic group", "ethnicity",
                 "category"]
NOT_POPULATION = ("segment", "condition", "register", "prevalence", "practice")


def parse_age(label: str) -> tuple[float, float] | None:
    """Age interval in whole years from a heading or value.

    ``"Age: Aged 5 to 9 years; measures: Value"`` -> (5, 9); ``"aged_65_and_over"`` ->
    (65, inf); ``"Aged under 1 year"`` -> (0, 0); ``"90+"`` -> (90, inf); ``"All-Ages"`` /
    ``"Total"`` -> (0, inf); ``"17"`` -> (17, 17); anything else -> None.
    """
    s = re.sub(r";\s*measures:.*$", "", str(label).strip().lower())
    s = re.sub(r"^age\s*:\s*", "", s).replace("_", " ").strip()
    if re.fullmatch(r"(all[ -]ages?|all|total|all persons|all usual residents"
                    r"|total: all usual residents)", s):
        return ALL_AGES
    s = re.sub(r"\b(aged?|years?|yrs?|old)\b", " ", s)
    s = " ".join(s.split())
    # ages are at most three ASCII digits: a 400-digit header is not an age (it became inf)
    if m := re.fullmatch(r"([0-9]{1,3})", s):
        return float(m.group(1)), float(m.group(1))
    if m := re.fullmatch(r"([0-9]{1,3}) ?(?:-|to) ?([0-9]{1,3})", s):
        lo, hi = float(m.group(1)), float(m.group(2))
        return (lo, hi) if lo <= hi else None
    if m := re.fullmatch(r"([0-9]{1,3}) ?(?:\+|and over|and above|or over|or older|and older"
                         r"|plus)", s):
        return float(m.group(1)), INF
    if m := re.fullmatch(r"(?:under|less than) ?([0-9]{1,3})", s):
        return (0.0, float(m.group(1)) - 1) if int(m.group(1)) > 0 else None
    if m := re.fullmatch(r"([0-9]{1,3}) ?(?:and|or) (?:under|younger)", s):
        return 0.0, float(m.group(1))
    return None


def parse_sex(values: pd.Series) -> pd.Series:
    """``male`` / ``female`` / ``all`` from the words files use; NA when not recognised."""
    key = values.astype("string").str.strip().str.lower()
    return key.map(SEX_WORDS).astype("string")


@dataclass
class Layout:
    """A recognised layout: how its cells are built, and what it is called."""

    name: str                      # shown in the detection reason
    evidence: str                  # the column that shows it
    code_col: str
    dataset: str                   # default dataset label
    build: object = None           # (df) -> cells frame
    details: dict = field(default_factory=dict)


def _cells_wide(df: pd.DataFrame, spec: list[tuple[str, str, tuple[float, float], str, str]],
                row_sex: pd.Series | None = None) -> pd.DataFrame:
    """Melt wide columns into cells. ``spec``: (column, sex, (lo, hi), group_type, group_name)."""
    cols = [s[0] for s in spec]
    wide = df[cols].copy()
    wide.columns = range(len(cols))
    long = wide.melt(ignore_index=False, var_name="k", value_name="value")
    k = long["k"].to_numpy()
    meta = pd.DataFrame(spec, columns=["column", "sex", "age", "group_type", "group_name"])
    out = pd.DataFrame({
        "pos": long.index.to_numpy(),
        "column": meta["column"].to_numpy()[k],
        "value": long["value"].to_numpy(),
        "sex": meta["sex"].to_numpy()[k],
        "lo": np.array([a[0] for a in meta["age"]])[k],
        "hi": np.array([a[1] for a in meta["age"]])[k],
        "group_type": meta["group_type"].to_numpy()[k],
        "group_name": meta["group_name"].to_numpy()[k],
    })
    if row_sex is not None:
        out["sex"] = row_sex.to_numpy()[out["pos"].to_numpy()]
    out["sex"] = out["sex"].astype("string")
    return out


def minimal_intervals(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The finest age intervals: those containing no other (totals and sub-totals drop out)."""
    uniq = sorted(set(intervals))
    return [a for a in uniq
            if not any(b != a and a[0] <= b[0] and b[1] <= a[1] for b in uniq)]


def select_columns(cols: dict[str, tuple[float, float]]) -> list[str]:
    """Columns to keep from a wide age layout: the finest bands, plus the all-ages total (kept
    only to check the parts against it)."""
    fine = set(minimal_intervals(list(cols.values())))
    return [c for c, a in cols.items() if a in fine or a == ALL_AGES]


# -- recognisers: each returns a Layout or None ------------------------------------------------
def ethnicity_wide(df: pd.DataFrame, code_col: str) -> Layout | None:
    """Census ethnic group: TS021 bulk (2021) or the 2011 ``All categories: Ethnic group`` table.

    The detailed groups ("High-level: detailed", as published) are stored when present, else the
    high-level groups; totals never."""
    detailed, high, bulk = {}, {}, False
    for c in df.columns:
        if c == code_col:
            continue
        name = c
        if m := re.match(r"^ethnic group:\s*(.+?)(?:;\s*measures:.*)?$", c, re.I):
            name, bulk = m.group(1).strip(), True
        low = name.lower()
        if low.startswith(("total", "all categories", "all usual residents")):
            continue
        if ":" in name:
            detailed[c] = name
        elif bulk or low in ("white", "mixed", "asian", "black", "other"):
            high[c] = name
    chosen = detailed or high
    if len(chosen) < 4:
        return None
    total = next((c for c in df.columns if "all categories: ethnic group" in c.lower()
                  or re.match(r"^ethnic group:\s*total", c, re.I)), None)
    if total is None and not bulk:
        return None
    spec = [(c, "all", ALL_AGES, "ethnicity", n) for c, n in chosen.items()]
    if total:
        spec.append((total, "all", ALL_AGES, "ethnicity_total", ""))
    dataset = "Census 2021 TS021" if bulk else "Census 2011 ethnic group"
    return Layout("Census ethnic group layout", total or next(iter(chosen)), code_col, dataset,
                  lambda d: _cells_wide(d, spec),
                  {"groups": "detailed" if detailed else "high-level", "group_count": len(chosen)})


def iod_denominators(df: pd.DataFrame, code_col: str) -> Layout | None:
    """IoD File 6 (or File 7's last columns): ``Total population: mid 2015 (excluding
    prisoners)``, ``Dependent Children aged 0-15: mid 2015 …``, ``Population aged 16-59 …``,
    ``Older population aged 60 and over …``. The working-age column (18-59/64) overlaps the
    others and is not stored."""
    ages: dict[str, tuple[float, float]] = {}
    year = None
    for c in df.columns:
        n = c.lower()
        m = re.search(r"mid[ -]?(\d{4}) \(excluding prisoners\)", n)
        if not m or "working age" in n:
            continue
        year = m.group(1)
        if n.startswith("total population"):
            ages[c] = ALL_AGES
        elif r := re.search(r"aged (\d+) ?- ?(\d+):", n):
            ages[c] = (float(r.group(1)), float(r.group(2)))
        elif r := re.search(r"aged (\d+) and over", n):
            ages[c] = (float(r.group(1)), INF)
    if len(ages) < 3:
        return None
    spec = [(c, "all", ages[c], "none", "") for c in select_columns(ages)]
    return Layout("IoD population denominators layout", next(iter(ages)), code_col,
                  f"IoD population denominators (mid-{year})", lambda d: _cells_wide(d, spec))


def ons_wide(df: pd.DataFrame, code_col: str, year: str | None) -> Layout | None:
    """ONS small-area estimates: ``Persons_All-Ages``, ``Males_0-15``, ``Females_65+`` …"""
    cols: dict[str, tuple[str, tuple[float, float]]] = {}
    for c in df.columns:
        m = _SEX_PREFIX.match(c)
        if m and (age := parse_age(m.group(2))) is not None:
            cols[c] = (SEX_WORDS[m.group(1).lower()], age)
    if len(cols) < 3:
        return None
    keep = []  # persons are kept too: population drops them where males and females are given
    for sex in dict.fromkeys(s for s, _ in cols.values()):
        part = {c: a for c, (s, a) in cols.items() if s == sex}
        keep += select_columns(part)
    spec = [(c, cols[c][0], cols[c][1], "none", "") for c in keep]
    label = f"ONS mid-{year} estimates" if year else "ONS mid-year estimates"
    return Layout("ONS small-area population estimates layout", next(iter(cols)), code_col,
                  label, lambda d: _cells_wide(d, spec))


def sex_rows(df: pd.DataFrame, code_col: str, year: str | None) -> Layout | None:
    """ONS estimates with one row per area and sex: ``sex, all_ages, aged_0_to_15, 0 … 90+``."""
    sex_col = find_column(list(df.columns), *SEX_COLUMNS)
    if sex_col is None:
        return None
    ages = {c: a for c in df.columns if c not in (code_col, sex_col)
            and (a := parse_age(c)) is not None}
    if len(ages) < 3:
        return None
    keep = select_columns(ages)
    spec = [(c, "", ages[c], "none", "") for c in keep]
    label = f"ONS mid-{year} estimates" if year else "ONS mid-year estimates"
    return Layout("ONS population estimates by sex layout", sex_col, code_col, label,
                  lambda d: _cells_wide(d, spec, parse_sex(d[sex_col])))


def census_age_wide(df: pd.DataFrame, code_col: str, year: str | None) -> Layout | None:
    """Census age tables: TS007 (single years interleaved with sub-totals), TS007A (5-year
    bands), or single-year columns (``Total, Aged under 1 year, Aged 1 year …``)."""
    ages = {c: a for c in df.columns if c != code_col and (a := parse_age(c)) is not None}
    if len(ages) < 5:
        return None
    keep = select_columns(ages)
    single = sum(1 for c in keep if ages[c][0] == ages[c][1]) > 10
    bulk = any(c.lower().startswith("age:") for c in ages)
    yr = year or "2021"
    label = (f"Census {yr} {'TS007' if single else 'TS007A'}" if bulk
             else f"Census {yr} age" if code_col.lower().endswith(("21cd", "11cd")) else "")
    spec = [(c, "all", ages[c], "none", "") for c in keep]
    return Layout("Census population by age layout", next(iter(ages)), code_col, label,
                  lambda d: _cells_wide(d, spec))


def long_table(df: pd.DataFrame, code_col: str, options: dict, year: str | None,
               census: bool) -> Layout | None:
    """A table with one count per row: the Trafford tidy census tables (``indicator`` /
    ``ethnic_group`` + ``value``) or any table mapped by options (area, count, age_band, sex,
    group, group_type)."""
    cols = list(df.columns)

    def col(key: str, candidates: list[str]) -> str | None:
        name = options.get(key)
        return name if name in cols else None if name else find_column(cols, *candidates)

    count = col("count", COUNT_COLUMNS)
    if count is None or count == code_col:
        return None
    age, sex, group = col("age_band", AGE_COLUMNS), col("sex", SEX_COLUMNS), col("group",
                                                                                GROUP_COLUMNS)
    if age is None and "indicator" in cols and "age_band" not in options:
        parsed = df["indicator"].dropna().head(200).map(parse_age)
        if len(parsed) and parsed.notna().mean() > 0.9:
            age = "indicator"  # the Trafford census tables put the age band there
    gtype = options.get("group_type") or (
        "ethnicity" if group and "ethnic" in normalise_header(group) else "segment")
    evidence = age or group or sex
    if evidence is None and not options:
        # a plain table of people per area ("LSOA code,Population") needs no options
        if normalise_header(count) not in PEOPLE_COUNTS:
            return None
        evidence = count

    def build(d: pd.DataFrame) -> pd.DataFrame:
        n = len(d)
        ages = (d[age].map(lambda v: parse_age(v) if pd.notna(v) else None) if age
                else pd.Series([ALL_AGES] * n, index=d.index))
        out = pd.DataFrame({
            "pos": np.arange(n), "column": count, "value": d[count].to_numpy(),
            "sex": parse_sex(d[sex]).to_numpy() if sex else "all",
            "lo": [a[0] if a else np.nan for a in ages],
            "hi": [a[1] if a else np.nan for a in ages],
            "group_type": gtype if group else "none",
            "group_name": d[group].astype("string").str.strip().to_numpy() if group else "",
        })
        out["sex"] = out["sex"].astype("string")
        if group and gtype == "ethnicity":  # a total row is not a group
            is_total = out["group_name"].fillna("").str.lower().str.match(
                r"^(total|all categories|all usual residents)")
            out.loc[is_total, "group_type"] = "ethnicity_total"
        return out

    label = ""
    if census and year:
        label = f"Census {year} " + ("TS021" if group and gtype == "ethnicity" else
                                     "TS007A" if age else "table")
    details = {"count_column": count, "age_column": age, "sex_column": sex,
               "group_column": group, "group_type": gtype if group else "none"}
    name = "tidy census table layout" if census else "population table layout"
    return Layout(name, evidence or count, code_col, label, build,
                  {k: v for k, v in details.items() if v})
