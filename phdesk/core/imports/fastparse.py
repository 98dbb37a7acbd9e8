"""Fast paths for files with millions of rows (postcode directories, patient-level extracts).

pandas' default text dtype keeps one Python object per cell and runs ``.str`` methods as Python
loops; at millions of rows that dominates an import. Here cells are read as plain object arrays
and checked with numpy's C string functions (``np.strings``), ``pd.to_numeric`` and
``pd.factorize`` (validating each distinct value once). Results match the slower helpers in
:mod:`phdesk.core.geo` and :mod:`phdesk.core.imports.reading` (tests compare them).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core import geo
from phdesk.core.imports import file_once
from phdesk.core.imports.reading import NA_TEXT, TableFormat, table_error, to_number


class NotNumeric(Exception):
    """A column read as numbers holds text: read the file again as text to report the cells."""


def read_chunks(path: Path, fmt: TableFormat, cols: list[str], dtypes: dict | type = object,
                chunksize: int = 250_000, strict_numbers: bool = False
                ) -> Iterator[pd.DataFrame]:
    """Chunks of the needed columns with the C parser; ``dtypes`` per column (default object).

    With ``strict_numbers`` a cell that is not a number in a float column raises
    :class:`NotNumeric` (the caller falls back to text and reports the cell).
    """
    held = file_once.held_bytes(path)   # read once per check (see file_once)
    try:  # the reader is made inside: missing usecols raise ValueError at once
        yield from pd.read_csv(
            io.BytesIO(held) if held is not None else path, sep=fmt.delimiter,
            encoding=fmt.encoding, header=None, names=fmt.columns,
            skiprows=max(fmt.header_row, 0), usecols=cols, dtype=dtypes, keep_default_na=False,
            na_values=NA_TEXT, chunksize=chunksize, engine="c", index_col=False, compression=None)
    except ValueError as exc:
        if strict_numbers and not isinstance(exc, UnicodeDecodeError | pd.errors.ParserError):
            raise NotNumeric(str(exc)) from None
        raise table_error(path, exc) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise table_error(path, exc) from None


def numbers(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Floats from text cells and a mask of non-empty cells that are not numbers.

    Plain numbers are parsed in C; only the cells that fail (``"29,199"``, stray spaces) go
    through :func:`reading.to_number`.
    """
    if np.asarray(values).dtype.kind == "f":  # already parsed by the C parser
        nums = np.array(values, dtype=float)
        inf = np.isinf(nums)  # "inf", "1e309": not numbers (as to_number)
        nums[inf] = np.nan
        return nums, inf
    values = np.asarray(values, dtype=object)
    present = ~pd.isna(values)
    nums = pd.to_numeric(values, errors="coerce").astype(float)
    nums[np.isinf(nums)] = np.nan  # retried below, and flagged by to_number
    retry = present & np.isnan(nums)
    bad = np.zeros(len(values), bool)
    if retry.any():
        fixed, still_bad = to_number(pd.Series(values[retry]))
        nums[retry] = fixed.to_numpy()
        bad[retry] = still_bad.to_numpy() | fixed.isna().to_numpy() & (
            pd.Series(values[retry]).astype(str).str.strip() != "").to_numpy()
    return nums, bad


def postcodes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Normalised postcodes (upper case, no spaces) as a numpy string array, and validity.

    Validity is the shape ``[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}`` (as :func:`geo.valid_postcode`),
    checked on the characters' code points in bulk.
    """
    values = np.asarray(values, dtype=object)
    empty = pd.isna(values)
    text = np.where(empty, "", values).astype(str)
    if not len(text):  # np.strings.replace fails on an empty array
        return np.array([], dtype="U7"), np.zeros(0, bool)
    raw = np.strings.replace(text, " ", "")
    norm = np.strings.upper(raw)
    n = len(norm)
    # ASCII only, judged before upper-casing ('ſ' upper-cases to 'S')
    ascii_ok = (raw.astype("U7").view(np.uint32).reshape(n, 7) < 128).all(axis=1)
    length = np.strings.str_len(norm)
    cp = norm.astype("U7").view(np.uint32).reshape(n, 7) if n else np.zeros((0, 7), np.uint32)
    letter = (cp >= 65) & (cp <= 90)
    digit = (cp >= 48) & (cp <= 57)
    rows = np.arange(n)
    end = np.clip(length, 3, 7)
    inward = digit[rows, end - 3] & letter[rows, end - 2] & letter[rows, end - 1]
    k = length - 3  # outward code length
    first = letter[:, 0]
    out2 = (k == 2) & first & digit[:, 1]
    out3 = (k == 3) & first & ((letter[:, 1] & digit[:, 2])
                               | (digit[:, 1] & (letter[:, 2] | digit[:, 2])))
    out4 = (k == 4) & first & letter[:, 1] & digit[:, 2] & (letter[:, 3] | digit[:, 3])
    valid = ~empty & ascii_ok & (length >= 5) & (length <= 7) & inward & (out2 | out3 | out4)
    return norm, valid


def area_codes(values: np.ndarray) -> tuple[pd.Categorical, np.ndarray, np.ndarray]:
    """GSS codes as a categorical (empty and ``…99999999`` pseudo codes -> missing), a mask of
    malformed codes and a mask of pseudo codes; each distinct value is checked once."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    # " e01000001" is E01000001: clean each distinct value, then merge the ones now equal
    clean, u = pd.factorize(geo.clean_code(pd.Series(uniques, dtype=object).astype(str)))
    codes = np.append(clean, -1)[codes]
    u = pd.Series(u, dtype=object)
    pseudo_u = u.str.endswith("99999999").to_numpy(bool)
    good_u = geo.valid_area_code(u).to_numpy(bool) & ~pseudo_u
    bad = ~np.append(good_u | pseudo_u, True)[codes]   # code -1 (empty) is not malformed
    pseudo = np.append(pseudo_u, False)[codes]
    keep = np.where(np.append(good_u, False)[codes], codes, -1)
    return pd.Categorical.from_codes(keep, categories=pd.Index(u.to_numpy(), dtype=object)), \
        bad, pseudo
