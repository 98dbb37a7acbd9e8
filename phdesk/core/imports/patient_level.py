"""Patient-level segment extracts, aggregated on import: no person identifier is kept.

One row per pseudonymised person: an id column, the area (LSOA code), age (years) or an age
band, sex, and either a segment column or condition flag columns (0/1, Y/N, true/false). The file
is read in chunks by pandas' C parser with only the needed columns: ages and 0/1 flags as
numbers, ids as bytes, the rest as categoricals, so that validation works on each chunk's few
distinct values rather than on millions of cells (a file where a number column holds text is read
again with every column as text). Each valid row is reduced to a 64-bit fingerprint of its id (for
the duplicate check), an integer key for (area, age band, sex) and its segment number or flag
bits. Counts come from ``np.unique`` over
the keys. The ids themselves are dropped chunk by chunk and never reach the project or the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core import geo
from phdesk.core.imports.fastparse import NotNumeric, read_chunks
from phdesk.core.imports.patient_keys import (
    SEXES,
    _check_budget,
    _count_flags,
    _count_segments,
    _duplicates,
    _key_span,
    _pack,
    _rank,
    _unpack,
    fingerprint,
)
from phdesk.core.imports.reading import TableFormat, read_table, sniff
from phdesk.core.imports.report import MALFORMED_AREA_CODE, MISSING_VALUE, ImportReport

IMPOSSIBLE_AGE = "impossible age (expected a whole number of years from 0 to 120)"
UNKNOWN_SEX = "sex not recognised (expected M/F, Male/Female or 1/2)"
DUPLICATE_PERSON = "duplicate person id (the person's first row was kept)"
BAD_FLAG = "condition flag not recognised (expected 0/1, Y/N or true/false)"
BAD_BAND = "age band not recognised (expected e.g. 0-4, 65-69, 90+)"
TRUE_VALUES = {"1", "Y", "YES", "TRUE", "T"}
FALSE_VALUES = {"0", "N", "NO", "FALSE", "F", ""}
SEX_CODES = {"M": "male", "MALE": "male", "1": "male", "F": "female", "FEMALE": "female",
             "2": "female"}
TOP_AGE = 90  # 5-year bands 0-4 … 85-89, then 90+
CHUNK = 500_000
ID_BYTES = 64  # ids read as bytes up to this length on the fast path; longer: read as text


def five_year_band(age: np.ndarray) -> np.ndarray:
    """Index of the 5-year band (0 = '0-4', …, 18 = '90+') for whole ages in years."""
    return np.minimum(age // 5, TOP_AGE // 5).astype(np.int64)


FIVE_YEAR_LABELS = [f"{lo}-{lo + 4}" for lo in range(0, TOP_AGE, 5)] + [f"{TOP_AGE}+"]


def normalise_band(labels: pd.Series) -> pd.Series:
    """'65_69', '65 to 69', 'Aged 65-69' -> '65-69'; '90 and over' -> '90+'; else NA."""
    t = labels.astype("string").str.strip().str.lower()
    t = t.str.replace(r"^aged?\s*", "", regex=True).str.replace(r"\s*(years?)?$", "", regex=True)
    t = t.str.replace(r"\s*(_|to|–|-)\s*", "-", regex=True)
    t = t.str.replace(r"\s*(\+|and over|plus|or over)$", "+", regex=True)
    ok = t.str.fullmatch(r"[0-9]{1,3}-[0-9]{1,3}|[0-9]{1,3}\+").fillna(False).astype(bool)
    return t.where(ok)


@dataclass
class Roles:
    """Which column does what in a patient-level file."""

    person: str
    area: str
    age: str | None = None
    band: str | None = None
    sex: str | None = None
    segment: str | None = None
    flags: list[str] = field(default_factory=list)


class _Index:
    """Grows a value -> integer dictionary and maps a chunk's categories through it."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._pos: dict[str, int] = {}

    def take(self, cats: pd.Index) -> np.ndarray:
        out = np.empty(len(cats), np.int64)
        for i, v in enumerate(cats):  # over distinct values, not rows
            if v not in self._pos:
                self._pos[v] = len(self.values)
                self.values.append(v)
            out[i] = self._pos[v]
        return out


def _codes(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Category codes (-1 = empty) and the categories, for a chunk column read as category."""
    cat = s.astype("category") if not isinstance(s.dtype, pd.CategoricalDtype) else s
    return cat.cat.codes.to_numpy(), cat.cat.categories


def _ages(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Whole ages in years and a mask of impossible ones (below 0, above 120, fractions, text)."""
    if col.dtype.kind == "f":
        nums = col.to_numpy(float)
        fine = ~np.isnan(nums) & (nums >= 0) & (nums <= 120) & (nums == np.floor(nums))
        return np.where(fine, nums, 0).astype(np.int64), ~fine
    codes, cats = _codes(col)
    nums = pd.to_numeric(pd.Series(cats, dtype="string").str.strip(), errors="coerce")
    nums = nums.to_numpy(float)
    fine = ~np.isnan(nums) & (nums >= 0) & (nums <= 120) & (nums == np.floor(nums))
    age = np.append(np.where(fine, nums, 0), 0)[codes].astype(np.int64)
    return age, ~np.append(fine, False)[codes]


def _flags(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """True where a condition flag is set, and a mask of values that are not flags."""
    if col.dtype.kind in "ui":
        values = col.to_numpy()
        return values == 1, values > 1
    codes, cats = _codes(col)
    up = pd.Series(cats, dtype="string").str.strip().str.upper()
    truth = np.append(up.isin(TRUE_VALUES).to_numpy(), False)
    known = np.append((up.isin(TRUE_VALUES) | up.isin(FALSE_VALUES)).to_numpy(), True)
    return truth[codes], ~known[codes]


def aggregate(path: Path, roles: Roles, report: ImportReport, progress) -> pd.DataFrame:
    """Counts per (area_code, age_band, sex, group_name) for a patient-level file.

    First pass with numbers parsed by the C parser (ages as floats, 0/1 flags as bytes, ids as
    bytes); a file where that fails (text in a number column, very long ids) is read again with
    every column as text, and only that pass's report counts.
    """
    fast = sniff(path).encoding != "xlsx"
    if fast:
        try:
            sub = ImportReport(report.file, private=True)
            out = _aggregate(path, roles, sub, progress, fast=True)
        except NotNumeric:
            fast = False
    if not fast:
        sub = ImportReport(report.file, private=True)
        out = _aggregate(path, roles, sub, progress, fast=False)
    report.rows_read, report.rows_accepted = sub.rows_read, sub.rows_accepted
    report.rejections = sub.rejections
    report.details.update(sub.details)
    return out


def _aggregate(path: Path, roles: Roles, report: ImportReport, progress, fast: bool
               ) -> pd.DataFrame:
    """One pass over the file: counts per (area_code, age_band, sex, group_name), sorted.

    ``fast``: numbers parsed by the C parser (see :func:`aggregate`); NotNumeric when that fails.
    """
    cols = [c for c in (roles.person, roles.area, roles.age, roles.band, roles.sex,
                        roles.segment) if c] + roles.flags
    fmt = sniff(path)
    dtypes = _chunk_dtypes(path, roles, cols, fast)
    seen = _Seen(roles)
    expected, read = max(1, _estimate_rows(path)), 0
    for rows, chunk in _numbered_chunks(path, fmt, cols, dtypes, fast):
        seen.add(_check_chunk(chunk, rows, roles, seen, report))
        read += len(rows)
        del chunk  # one chunk in memory at a time
        progress(min(0.95, read / expected), f"read {read:,} rows")
    report.rows_read = read
    return _count(seen, roles, report)


def _chunk_dtypes(path: Path, roles: Roles, cols: list[str], fast: bool) -> dict:
    """pandas dtype per needed column: categoricals, so checks run once per distinct value.

    On the fast path ids are bytes, ages floats and 0/1 flag columns (judged on the first 200
    rows) small integers; otherwise every column but the id is a categorical of text.
    """
    dtypes = {c: "category" for c in cols if c != roles.person}
    dtypes[roles.person] = object
    if fast:
        sample = read_table(path, nrows=200, usecols=cols).df
        dtypes[roles.person] = f"S{ID_BYTES}"
        if roles.age:
            dtypes[roles.age] = np.float64
        for c in roles.flags:
            if sample[c].fillna("").isin(["0", "1"]).all():
                dtypes[c] = np.uint8
    return dtypes


def _numbered_chunks(path: Path, fmt: TableFormat, cols: list[str], dtypes: dict, fast: bool):
    """(file row numbers, chunk of ``cols``) pairs, CHUNK rows at a time (a workbook: one)."""
    if fmt.encoding == "xlsx":  # a workbook holds at most a million rows: one chunk
        table = read_table(path)
        fmt.header_row = table.fmt.header_row
        chunks = [table.df[cols]]
    else:
        chunks = read_chunks(path, fmt, cols, dtypes, CHUNK, strict_numbers=fast)
    start = fmt.first_data_row  # read after the workbook's header row is known
    for chunk in chunks:
        n = len(chunk)
        yield np.arange(start, start + n), chunk
        start += n
        del chunk  # before the next chunk is parsed: one chunk in memory at a time


class _Rejects:
    """A chunk's rejections: a row is reported once, for the first column that fails."""

    def __init__(self, report: ImportReport, rows: np.ndarray) -> None:
        self.report, self.rows = report, rows
        self.ok = np.ones(len(rows), bool)

    def __call__(self, mask: np.ndarray, column: str, reason: str,
                 values: pd.Series | None = None) -> None:
        """``values``: the chunk column, turned into text only when rows are rejected."""
        mask = mask & self.ok
        if mask.any():
            vals = None if values is None else values[mask].astype("string")
            self.report.reject(self.rows[mask], column, reason, vals)
            self.ok &= ~mask


@dataclass
class _Checked:
    """A chunk's valid rows reduced to numbers; the person ids themselves are not kept."""

    hashes: np.ndarray   # 64-bit fingerprint of each person id (duplicate check)
    keys: np.ndarray     # (area, band, sex) indexes, int32, one row per person
    segments: np.ndarray  # segment index, or condition flag bits
    rows: np.ndarray     # file row numbers, for the duplicate rejections


class _Seen:
    """What the chunks have shown so far: the label indexes and the checked rows."""

    def __init__(self, roles: Roles) -> None:
        self.areas, self.bands, self.segments = _Index(), _Index(), _Index()
        if roles.age:
            self.bands.take(pd.Index(FIVE_YEAR_LABELS))
        self.checked: list[_Checked] = []

    def add(self, checked: _Checked) -> None:
        self.checked.append(checked)


def _check_chunk(chunk: pd.DataFrame, rows: np.ndarray, roles: Roles, seen: _Seen,
                 report: ImportReport) -> _Checked:
    """Validate one chunk (rejections into ``report``) and keep its good rows as numbers.

    The checks run in this order, so a row is reported for the first failing column: id, area,
    age or age band, sex, then segment or flags.
    """
    n = len(rows)
    reject = _Rejects(report, rows)
    pid = chunk[roles.person].to_numpy()
    _check_ids(pid, roles.person, reject)
    area_idx = _area_index(chunk[roles.area], roles.area, seen.areas, reject)
    band_idx = _band_index(chunk, roles, seen.bands, reject)
    if roles.sex:
        sex_idx = _sex_index(chunk[roles.sex], roles.sex, reject)
    else:
        sex_idx = np.full(n, 2)  # SEXES[2]: 'all'
    if roles.segment:
        seg = _segment_index(chunk[roles.segment], roles.segment, seen.segments, reject)
    else:
        seg = _flag_bits(chunk, roles.flags, reject)
    keep = reject.ok
    return _Checked(fingerprint(pid[keep]),
                    np.column_stack([area_idx[keep], band_idx[keep], sex_idx[keep]]
                                    ).astype(np.int32),
                    seg[keep], rows[keep])


def _check_ids(pid: np.ndarray, column: str, reject: _Rejects) -> None:
    """Reject empty ids; NotNumeric when a bytes id may have been cut at ID_BYTES."""
    if pid.dtype.kind == "S":
        length = np.strings.str_len(pid)
        if (length >= ID_BYTES).any():
            raise NotNumeric("ids too long for the fast path")  # may have been cut short
        reject(length == 0, column, MISSING_VALUE)
    else:
        reject(pd.isna(pid), column, MISSING_VALUE)


def _area_index(col: pd.Series, column: str, areas: _Index, reject: _Rejects) -> np.ndarray:
    """Index of each row's area code in ``areas`` (-1 where empty); malformed codes rejected."""
    codes, cats = _codes(col)
    cats = pd.Index(geo.clean_code(pd.Series(cats, dtype="string")))  # e01… is E01…
    good = geo.valid_area_code(pd.Series(cats, dtype="string")).to_numpy()
    bad_area = (codes < 0) | ~np.append(good, False)[codes]
    reject(bad_area, column, MALFORMED_AREA_CODE, col)
    return np.append(areas.take(cats), -1)[codes]


def _band_index(chunk: pd.DataFrame, roles: Roles, bands: _Index, reject: _Rejects
                ) -> np.ndarray:
    """Index of each row's age band in ``bands``: 5-year bands from ages (years), the file's
    own bands normalised, or the one band 'all' when the file has neither."""
    if roles.age:
        age, bad_age = _ages(chunk[roles.age])
        reject(bad_age, roles.age, IMPOSSIBLE_AGE, chunk[roles.age])
        return five_year_band(age)
    if roles.band:
        codes, cats = _codes(chunk[roles.band])
        labels = normalise_band(pd.Series(cats, dtype="object"))
        known = labels.notna().to_numpy()
        reject(~np.append(known, False)[codes], roles.band, BAD_BAND, chunk[roles.band])
        return np.append(bands.take(pd.Index(labels.fillna(""))), 0)[codes]
    bands.take(pd.Index(["all"]))
    return np.zeros(len(chunk), np.int64)


def _sex_index(col: pd.Series, column: str, reject: _Rejects) -> np.ndarray:
    """Index of each row's sex in SEXES (0 male, 1 female); unrecognised values rejected."""
    codes, cats = _codes(col)
    mapped = pd.Series(cats, dtype="string").str.strip().str.upper().map(SEX_CODES)
    sex_of = np.append(mapped.map({"male": 0, "female": 1}).fillna(-1).to_numpy(int), -1)
    sex_idx = sex_of[codes]
    reject(sex_idx < 0, column, UNKNOWN_SEX, col)
    return sex_idx


def _segment_index(col: pd.Series, column: str, segments: _Index, reject: _Rejects
                   ) -> np.ndarray:
    """Index of each row's segment name in ``segments``; empty names rejected."""
    codes, cats = _codes(col)
    clean = pd.Series(cats, dtype="string").str.strip()
    empty = np.append(clean.fillna("").eq("").to_numpy(), True)[codes]
    reject(empty, column, MISSING_VALUE)
    return np.append(segments.take(pd.Index(clean.fillna(""))), -1)[codes]


def _flag_bits(chunk: pd.DataFrame, flags: list[str], reject: _Rejects) -> np.ndarray:
    """Bit ``i`` set where flag column ``flags[i]`` is true; values that are not flags rejected."""
    seg = np.zeros(len(chunk), np.int64)
    for bit, col in enumerate(flags):
        truth, bad_flag = _flags(chunk[col])
        reject(bad_flag, col, BAD_FLAG, chunk[col])
        seg |= truth.astype(np.int64) << bit
    return seg


def _count(seen: _Seen, roles: Roles, report: ImportReport) -> pd.DataFrame:
    """Drop duplicate persons, then count persons per (area, band, sex, segment)."""
    checked, seen.checked = seen.checked, []
    h = np.concatenate([c.hashes for c in checked] or [np.empty(0, np.uint64)])
    n_bands = len(seen.bands.values)
    _check_budget(_key_span(n_bands) * max(len(seen.areas.values), 1), 1)
    key = _pack(np.concatenate([c.keys for c in checked] or [np.empty((0, 3), np.int32)]),
                n_bands)
    seg = np.concatenate([c.segments for c in checked] or [[]])
    rown = np.concatenate([c.rows for c in checked] or [[]])
    del checked  # the chunks' arrays are not needed past here
    dup = _duplicates(h)
    report.reject(rown[dup], roles.person, DUPLICATE_PERSON)  # no id value: ids stay out
    key, seg = key[~dup].astype(np.int64), seg[~dup].astype(np.int64)
    report.rows_accepted = int(len(key))
    report.details["persons"] = int(len(key))
    if roles.segment:
        names = np.array(seen.segments.values, dtype=object)
        k, g, counts = _count_segments(key, seg, len(names), n_bands, len(seen.areas.values))
    else:
        names = np.array(roles.flags, dtype=object)
        report.details["persons_in_no_segment"] = int((seg == 0).sum())
        k, g, counts = _count_flags(key, seg, len(roles.flags))
    return _count_frame(k, g, counts, names, seen)


def _count_frame(k: np.ndarray, g: np.ndarray, counts: np.ndarray, names: np.ndarray,
                 seen: _Seen) -> pd.DataFrame:
    """The counts as population rows (count: persons, float), in the population table's order."""
    area_arr = np.array(seen.areas.values, dtype=object)
    band_arr = np.array(seen.bands.values, dtype=object)
    sex_arr = np.array(SEXES, dtype=object)
    # rows in the order of the population table's key: SQLite then appends to its B-trees
    a, b, s = _unpack(k, len(seen.bands.values))
    order = np.lexsort((_rank(names)[g], _rank(sex_arr)[s], _rank(band_arr)[b],
                        _rank(area_arr)[a]))
    a, b, s, g = a[order], b[order], s[order], g[order]
    return pd.DataFrame({"area_code": area_arr[a], "age_band": band_arr[b],
                         "sex": sex_arr[s], "group_name": names[g],
                         "count": counts[order].astype(float)})


def _estimate_rows(path: Path) -> int:
    from phdesk.core.imports.postcodes import estimate_rows

    return estimate_rows(path)
