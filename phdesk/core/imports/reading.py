"""Reading the tables planners download, with Excel's habits.

Handles UTF-8 (with or without BOM), Windows-1252 and UTF-16 (Excel's "Unicode text"); comma,
semicolon, tab or pipe; a title row (or several) above the header; trailing empty columns;
numbers stored as text with thousands separators (``"29,199"``); CSV or XLSX. Every value is
read as text so that importers can report exactly which cell was bad; :func:`to_number` turns a
column into numbers and flags failures.

Row numbers in reports are the row a user sees in Excel: the header is row ``header_row`` and the
first data row ``header_row + 1`` (for CSV files with quoted multi-line cells they count records).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.imports import file_once
from phdesk.core.imports.sniffing import (
    choose_delimiter,
    clean_columns,
    detect_encoding,
    first_records,
    header_index,
    looks_like_header,
    utf16_encoding,
)
from phdesk.core.imports.workbook import note_placeholders, placeholders_to_missing, read_sheets

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SNIFF_BYTES = 256 * 1024
# read as missing by the chunked readers: empty cells and Excel's error values
NA_TEXT = ["", "#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]


@dataclass
class TableFormat:
    """How a delimited text file is laid out (found by :func:`sniff`)."""

    encoding: str = "utf-8-sig"
    delimiter: str = ","
    header_row: int = 1          # 1-based record number of the header; 0 = headerless
    columns: list[str] = field(default_factory=list)
    excel_sheet: str | None = None

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1


@dataclass
class Table:
    """A table read as text. ``df`` has one column per header cell, all values ``str`` or NA."""

    path: Path
    df: pd.DataFrame
    fmt: TableFormat

    def row_numbers(self, index: pd.Index | np.ndarray | None = None) -> np.ndarray:
        """Spreadsheet row numbers for the given positional index (default: all rows)."""
        idx = np.arange(len(self.df)) if index is None else np.asarray(index)
        return idx + self.fmt.first_data_row


def sniff(path: str | Path, headerless: bool | None = None) -> TableFormat:
    """Find encoding, delimiter and header row of a text table (or the sheet of a workbook)."""
    path = Path(path)
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return TableFormat(encoding="xlsx", excel_sheet=None)
    try:
        raw = file_once.head(path, SNIFF_BYTES)
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not raw.strip():
        raise UserError(f"{path}: the file is empty")
    enc = utf16_encoding(raw[:4096])  # Excel's "Unicode text" export
    if enc is None and b"\x00" in raw[:4096]:
        raise UserError(f"{path}: not a text table (binary content); expected CSV or XLSX")
    enc = enc or detect_encoding(raw)
    if enc == "cp1252" and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]  # a UTF-8 BOM on a Windows-1252 file: not part of a name
    text = raw.decode(enc, errors="replace")
    delim = choose_delimiter(text)
    rows = first_records(text, delim, 40)
    if len(raw) == SNIFF_BYTES and len(rows) > 1:
        rows = rows[:-1]
    if not rows:  # a lone BOM, or an unreadable first record
        raise UserError(f"{path}: no rows could be read (empty, or not a text table)")
    hi = header_index(rows)
    if headerless is None:
        headerless = not looks_like_header(rows[hi], rows[hi + 1:]) if rows else False
    if headerless:
        width = max((len(r) for r in rows), default=0)
        return TableFormat(enc, delim, 0, [f"column_{i + 1}" for i in range(width)])
    return TableFormat(enc, delim, hi + 1, clean_columns(rows[hi]))


def read_table(path: str | Path, headerless: bool | None = None, nrows: int | None = None,
               usecols: list[str] | None = None, sheet: str | int | None = None) -> Table:
    """Read a CSV/TSV/XLSX table as text (see module docstring for what is handled)."""
    path = Path(path)
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _read_excel(path, headerless, nrows, sheet)
    fmt = sniff(path, headerless)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            df = _read_csv_text(path, fmt, nrows, usecols)
        except UnicodeDecodeError:
            if fmt.encoding != "utf-8-sig":
                raise UserError(f"{path}: cannot read as a table (not {fmt.encoding} text)"
                                ) from None
            fmt.encoding = "cp1252"  # Windows-1252 bytes after the sniffed first 256 kB
            df = _read_csv_text(path, fmt, nrows, usecols)
    for w in caught:
        if issubclass(w.category, pd.errors.ParserWarning):
            _check_wide_rows(path, fmt, nrows)  # rows with more cells than the header
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    df = placeholders_to_missing(_drop_trailing_empty(df, fmt.header_row == 0))
    table = Table(path, df, fmt)
    if not fmt.encoding.startswith("utf-16") and file_once.has_nul(path):
        _reject_nul(table)
    return table


def _reject_nul(table: Table) -> None:
    """UserError naming the first cell with a NUL character: a damaged file, not text to store."""
    for col in table.df.columns:
        hit = table.df[col].astype("string").str.contains("\x00", regex=False).fillna(False)
        if hit.any():
            row = table.row_numbers([int(np.flatnonzero(hit.to_numpy(bool))[0])])[0]
            raise UserError(f"{table.path.name}: row {row}, column {col}: contains a NUL "
                            f"character (a damaged or binary file?); nothing was imported")


def _read_csv_text(path: Path, fmt: TableFormat, nrows: int | None,
                   usecols: list[str] | None) -> pd.DataFrame:
    held = file_once.held_bytes(path)   # read once per check (see file_once)
    try:
        return pd.read_csv(
            io.BytesIO(held) if held is not None else path, sep=fmt.delimiter,
            encoding=fmt.encoding, header=None, dtype=str,
            skiprows=max(fmt.header_row, 0), names=fmt.columns if fmt.columns else None,
            keep_default_na=False, na_values=[""], nrows=nrows, engine="c",
            on_bad_lines="warn", index_col=False, compression=None,
            usecols=(lambda c: c in usecols) if usecols else None,
        )
    except UnicodeDecodeError:
        raise
    except (pd.errors.ParserError, ValueError) as exc:
        raise table_error(path, exc) from None


def table_error(path: Path, exc: Exception) -> UserError:
    """The parser's complaint in the user's terms: file rows (1 = first line), not its counts."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    m = re.search(r"EOF inside string starting at row (\d+)", text)
    if m:  # pandas counts file lines from 0 here
        return UserError(f"{Path(path).name}: row {int(m.group(1)) + 1}: a quoted value is never "
                         f"closed (an unmatched '\"'); fix the file and import it again")
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:  # here from 1
        return UserError(f"{Path(path).name}: row {m.group(2)} has {m.group(3)} cells but the "
                         f"header has {m.group(1)}; fix the file and import it again")
    if "Calling read(nbytes) on source failed" in text:
        return _source_read_failed(Path(path))
    return UserError(f"{path}: cannot read as a table ({scrub(text)})")


def _source_read_failed(path: Path) -> UserError:
    """pandas' C parser replaces any exception raised by its source's ``read`` with this
    message, a Ctrl+C (KeyboardInterrupt) included: an interrupt must stay an interrupt (nothing
    is imported, exit 2 with "interrupted"), so unless the file itself cannot be read now, the
    read was interrupted."""
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        return UserError(f"{path.name}: cannot be read ({exc.strerror or exc})")
    raise KeyboardInterrupt


def scrub(text: str) -> str:
    """A library's error message without the cell values it may quote (``'…'``): such messages
    reach the terminal and the log, and the file may be patient-level data."""
    return re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", str(text))[:200]


def _check_wide_rows(path: Path, fmt: TableFormat, nrows: int | None) -> None:
    """UserError naming the first row with filled cells beyond the header's width.

    pandas drops such cells with only a warning; they usually mean a delimiter inside an unquoted
    value, so every value after it is in the wrong column. Empty extra cells (a trailing comma
    on each row) are harmless and pass.
    """
    width = len(fmt.columns)
    held = file_once.held_bytes(path)
    raw = io.BytesIO(held) if held is not None else open(path, "rb")  # noqa: SIM115
    with io.TextIOWrapper(raw, encoding=fmt.encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=fmt.delimiter)
        try:
            for i, rec in enumerate(reader, start=1):
                if i <= fmt.header_row:
                    continue
                if nrows is not None and i > fmt.header_row + nrows:
                    return
                if len(rec) > width and any(c.strip() for c in rec[width:]):
                    raise UserError(
                        f"{path.name}: row {reader.line_num} has {len(rec)} cells but the header "
                        f"has {width} (a '{fmt.delimiter}' inside an unquoted value?); fix the "
                        f"file and import it again")
        except csv.Error:
            return


def iter_chunks(path: str | Path, fmt: TableFormat, usecols: list[str] | None = None,
                chunksize: int = 250_000) -> Iterator[pd.DataFrame]:
    """Read a large delimited file in chunks of text columns (bounded memory)."""
    held = file_once.held_bytes(Path(path))
    try:
        yield from pd.read_csv(
            io.BytesIO(held) if held is not None else path, sep=fmt.delimiter,
            encoding=fmt.encoding, header=None, dtype=str,
            skiprows=max(fmt.header_row, 0), names=fmt.columns, keep_default_na=False,
            na_values=NA_TEXT, chunksize=chunksize, engine="c", index_col=False,
            compression=None,
            usecols=(lambda c: c in usecols) if usecols else None,
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise table_error(path, exc) from None


def _drop_trailing_empty(df: pd.DataFrame, headerless: bool = False) -> pd.DataFrame:
    """Drop generated-name columns holding nothing (Excel's trailing empty columns), and empty rows.

    Headerless files keep every column: their meaning is their position.
    """
    empty_cols = [] if headerless else [
        c for c in df.columns if c.startswith("column_") and df[c].isna().all()]
    if empty_cols and len(empty_cols) < len(df.columns):
        df = df.drop(columns=empty_cols)
    all_empty = df.isna().all(axis=1)
    if all_empty.any():
        df = df.loc[~all_empty].reset_index(drop=True)
    return df


def _read_excel(path: Path, headerless: bool | None, nrows: int | None,
                sheet: str | int | None) -> Table:
    name, raw, errors = read_sheets(path, nrows, sheet)
    note_placeholders(errors)
    if raw.empty or raw.isna().all(axis=None):  # no rows at all, or only empty cells
        raise UserError(f"{path}: the workbook has no data (sheet '{name}' is empty)")
    raw = raw.map(lambda v: v.strip() if isinstance(v, str) else v)
    rows = raw.head(40).fillna("").astype(str).values.tolist()
    hi = header_index(rows)
    if headerless is None:
        headerless = not looks_like_header(rows[hi], rows[hi + 1:]) if rows else False
    if headerless:
        cols = [f"column_{i + 1}" for i in range(raw.shape[1])]
        df, header_row = raw.copy(), 0
    else:
        cols = clean_columns([str(v) if pd.notna(v) else "" for v in raw.iloc[hi].tolist()])
        df, header_row = raw.iloc[hi + 1:].copy(), hi + 1
    df.columns = cols
    df = df.reset_index(drop=True).replace({"": np.nan})
    df = _drop_trailing_empty(df, headerless)
    return Table(path, df, TableFormat("xlsx", ",", header_row, list(df.columns), name))


def to_number(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers from text cells: ``"29,199"`` -> 29199.0, ``" 12 "`` -> 12.0.

    Returns ``(numbers, bad)`` where ``bad`` is True for non-empty cells that are not numbers.
    Empty cells give NaN and are not flagged (callers decide whether a value is required).
    ``"NaN"``, ``"inf"`` and overflowing values (``"1e309"``) are not numbers: they give NaN and
    are flagged, so no infinite count or coordinate is ever stored.
    """
    text = values.astype("string").str.strip().str.replace(",", "", regex=False)
    text = text.str.replace("\u00a0", "", regex=False)
    nums = pd.to_numeric(text, errors="coerce").astype(float)
    inf = np.isinf(nums.to_numpy())
    nums[inf] = np.nan
    bad = text.notna() & (text != "") & nums.isna()
    return nums, bad.fillna(False).astype(bool)


def normalise_header(name: str) -> str:
    """Lower case, punctuation folded to single spaces: for matching headers loosely."""
    out = "".join(ch.lower() if ch.isalnum() else " " for ch in str(name))
    return " ".join(out.split())


def find_column(columns: list[str], *candidates: str, contains: bool = False) -> str | None:
    """First column whose normalised name equals (or contains) one of the normalised candidates."""
    norm = {c: normalise_header(c) for c in columns}
    for cand in candidates:
        nc = normalise_header(cand)
        for c, n in norm.items():
            if n == nc or (contains and nc in n):
                return c
    return None
