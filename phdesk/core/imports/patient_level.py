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
from phdesk.core.errors import UserError
from phdesk.core.imports.fastparse import NotNumeric, read_chunks
from phdesk.core.imports.reading import read_table, sniff
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
SEXES = ["male", "female", "all"]
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
    fmt = sniff(path)
    cols = [c for c in (roles.person, roles.area, roles.age, roles.band, roles.sex,
                        roles.segment) if c] + roles.flags
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
    areas, bands, segments = _Index(), _Index(), _Index()
    if roles.age:
        bands.take(pd.Index(FIVE_YEAR_LABELS))
    hashes, keys, segs, rownums = [], [], [], []
    expected = max(1, _estimate_rows(path))
    start, read = fmt.first_data_row, 0
    if fmt.encoding == "xlsx":  # a workbook holds at most a million rows: one chunk
        table = read_table(path)
        fmt.header_row = table.fmt.header_row
        start, chunks = fmt.first_data_row, [table.df[cols]]
    else:
        chunks = read_chunks(path, fmt, cols, dtypes, CHUNK, strict_numbers=fast)
    for chunk in chunks:
        n = len(chunk)
        rows = np.arange(start, start + n)
        start += n
        read += n
        ok = np.ones(n, bool)

        def reject(mask, column, reason, values=None, ok=ok, rows=rows):
            """``values``: the chunk column, turned into text only when rows are rejected."""
            mask = mask & ok
            if mask.any():
                vals = None if values is None else values[mask].astype("string")
                report.reject(rows[mask], column, reason, vals)
                ok &= ~mask

        pid = chunk[roles.person].to_numpy()
        if pid.dtype.kind == "S":
            length = np.strings.str_len(pid)
            if (length >= ID_BYTES).any():
                raise NotNumeric("ids too long for the fast path")  # may have been cut short
            reject(length == 0, roles.person, MISSING_VALUE)
        else:
            reject(pd.isna(pid), roles.person, MISSING_VALUE)
        codes, cats = _codes(chunk[roles.area])
        cats = pd.Index(geo.clean_code(pd.Series(cats, dtype="string")))  # e01… is E01…
        good = geo.valid_area_code(pd.Series(cats, dtype="string")).to_numpy()
        bad_area = (codes < 0) | ~np.append(good, False)[codes]
        reject(bad_area, roles.area, MALFORMED_AREA_CODE, chunk[roles.area])
        area_idx = np.append(areas.take(cats), -1)[codes]
        if roles.age:
            age, bad_age = _ages(chunk[roles.age])
            reject(bad_age, roles.age, IMPOSSIBLE_AGE, chunk[roles.age])
            band_idx = five_year_band(age)
        elif roles.band:
            codes, cats = _codes(chunk[roles.band])
            labels = normalise_band(pd.Series(cats, dtype="object"))
            known = labels.notna().to_numpy()
            reject(~np.append(known, False)[codes], roles.band, BAD_BAND,
                   chunk[roles.band])
            band_idx = np.append(bands.take(pd.Index(labels.fillna(""))), 0)[codes]
        else:
            band_idx = np.zeros(n, np.int64)
            bands.take(pd.Index(["all"]))
        if roles.sex:
            codes, cats = _codes(chunk[roles.sex])
            mapped = pd.Series(cats, dtype="string").str.strip().str.upper().map(SEX_CODES)
            sex_of = np.append(mapped.map({"male": 0, "female": 1}).fillna(-1).to_numpy(int), -1)
            sex_idx = sex_of[codes]
            reject(sex_idx < 0, roles.sex, UNKNOWN_SEX, chunk[roles.sex])
        else:
            sex_idx = np.full(n, 2)
        if roles.segment:
            codes, cats = _codes(chunk[roles.segment])
            clean = pd.Series(cats, dtype="string").str.strip()
            empty = np.append(clean.fillna("").eq("").to_numpy(), True)[codes]
            reject(empty, roles.segment, MISSING_VALUE)
            seg = np.append(segments.take(pd.Index(clean.fillna(""))), -1)[codes]
        else:
            seg = np.zeros(n, np.int64)
            for bit, col in enumerate(roles.flags):
                truth, bad_flag = _flags(chunk[col])
                reject(bad_flag, col, BAD_FLAG, chunk[col])
                seg |= truth.astype(np.int64) << bit
        keep = ok
        hashes.append(fingerprint(pid[keep]))
        keys.append(np.column_stack([area_idx[keep], band_idx[keep], sex_idx[keep]]
                                    ).astype(np.int32))
        segs.append(seg[keep])
        rownums.append(rows[keep])
        del chunk, pid
        progress(min(0.95, read / expected), f"read {read:,} rows")
    report.rows_read = read
    h = np.concatenate(hashes or [np.empty(0, np.uint64)])
    _check_budget(_key_span(len(bands.values)) * max(len(areas.values), 1), 1)
    key = _pack(np.concatenate(keys or [np.empty((0, 3), np.int32)]), len(bands.values))
    seg, rown = np.concatenate(segs or [[]]), np.concatenate(rownums or [[]])
    del hashes, keys, segs
    order = np.argsort(h, kind="stable")
    dup_sorted = np.zeros(len(h), bool)
    dup_sorted[1:] = h[order][1:] == h[order][:-1]
    dup = np.zeros(len(h), bool)
    dup[order] = dup_sorted
    report.reject(rown[dup], roles.person, DUPLICATE_PERSON)  # no id value: ids stay out
    key, seg = key[~dup].astype(np.int64), seg[~dup].astype(np.int64)
    report.rows_accepted = int(len(key))
    report.details["persons"] = int(len(key))
    if roles.segment:
        names = np.array(segments.values, dtype=object)
        nseg = max(len(names), 1)
        _check_budget(_key_span(len(bands.values)) * max(len(areas.values), 1), nseg)
        combo, counts = np.unique(key * nseg + seg, return_counts=True)
        k, g = combo // nseg, combo % nseg
    else:
        names = np.array(roles.flags, dtype=object)
        report.details["persons_in_no_segment"] = int((seg == 0).sum())
        parts = [np.unique(key[(seg >> b) & 1 == 1], return_counts=True)
                 for b in range(len(roles.flags))]
        k = np.concatenate([u for u, _ in parts] or [np.empty(0, np.int64)])
        counts = np.concatenate([c for _, c in parts] or [np.empty(0, np.int64)])
        g = np.repeat(np.arange(len(parts)), [len(u) for u, _ in parts]).astype(np.int64)
    area_arr = np.array(areas.values, dtype=object)
    band_arr = np.array(bands.values, dtype=object)
    sex_arr = np.array(SEXES, dtype=object)
    # rows in the order of the population table's key: SQLite then appends to its B-trees
    a, b, s = _unpack(k, len(bands.values))
    order = np.lexsort((_rank(names)[g], _rank(sex_arr)[s], _rank(band_arr)[b],
                        _rank(area_arr)[a]))
    a, b, s, g = a[order], b[order], s[order], g[order]
    return pd.DataFrame({"area_code": area_arr[a], "age_band": band_arr[b],
                         "sex": sex_arr[s], "group_name": names[g],
                         "count": counts[order].astype(float)})


# (area, band, sex) -> one int64 key in mixed radix: area * (bands * 3) + band * 3 + sex. The
# radix is the number of labels actually seen, so any number of labels is counted right; a
# product beyond int64 is refused by _check_budget rather than wrapped.
def _key_span(n_bands: int) -> int:
    return max(n_bands, 1) * len(SEXES)


def _pack(triples: np.ndarray, n_bands: int) -> np.ndarray:
    t = triples.astype(np.int64)
    return t[:, 0] * _key_span(n_bands) + t[:, 1] * len(SEXES) + t[:, 2]


def _unpack(key: np.ndarray, n_bands: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    span = _key_span(n_bands)
    rest = key % span
    return key // span, rest // len(SEXES), rest % len(SEXES)


def _check_budget(cells: int, groups: int) -> None:
    """UserError when (area, band, sex) cells × groups cannot be keyed in a 64-bit integer."""
    if cells * groups >= 2**62:
        raise UserError(f"too many distinct values to count: {cells:,} (area, age band, sex) "
                        f"cells × {groups:,} segments; check the age band and segment columns")


def _rank(values: np.ndarray) -> np.ndarray:
    """Position of each element among the sorted distinct values (text order)."""
    return np.unique(values.astype(str), return_inverse=True)[1].reshape(-1)


def fingerprint(ids: np.ndarray) -> np.ndarray:
    """A 64-bit fingerprint per id (exact for ids up to 8 bytes), the same for an id whatever
    the array's width (padding is skipped), from text or bytes (UTF-8) arrays.

    The id's bytes are read as 64-bit words and folded with the splitmix64 mixer, which is a
    bijection: two different ids of up to 8 bytes never collide, longer ones with probability
    about n^2 / 2^65 (1e-7 for two million people). Far faster than hashing Python strings.
    """
    if len(ids) == 0:
        return np.empty(0, np.uint64)
    b = ids if ids.dtype.kind == "S" else np.strings.encode(ids.astype(str), "utf-8")
    width = max(b.dtype.itemsize, 1)
    b = b.astype(f"S{width + (-width) % 8}")
    words = np.frombuffer(b.tobytes(), dtype="<u8").reshape(len(b), -1)
    with np.errstate(over="ignore"):
        h = _mix(words[:, 0].copy())
        for j in range(1, words.shape[1]):
            w = words[:, j]
            h = np.where(w != 0, _mix(h ^ w), h)  # a zero word is padding: ids hold no NUL
    return h


def _mix(z: np.ndarray) -> np.ndarray:
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _estimate_rows(path: Path) -> int:
    from phdesk.core.imports.postcodes import estimate_rows

    return estimate_rows(path)
