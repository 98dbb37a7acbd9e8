"""Reading the tables planners download, with Excel's habits.

Handles UTF-8 (with or without BOM) and Windows-1252; comma, semicolon, tab or pipe; a title row
(or several) above the header; trailing empty columns; numbers stored as text with thousands
separators (``"29,199"``); CSV or XLSX. Every value is read as text so that importers can report
exactly which cell was bad; :func:`to_number` turns a column into numbers and flags failures.

Row numbers in reports are the row a user sees in Excel: the header is row ``header_row`` and the
first data row ``header_row + 1`` (for CSV files with quoted multi-line cells they count records).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError

DELIMITERS = [",", ";", "\t", "|"]
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SNIFF_BYTES = 256 * 1024


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


def detect_encoding(raw: bytes) -> str:
    """``utf-8-sig`` if the bytes decode as UTF-8 (BOM or not), else ``cp1252``."""
    try:
        raw.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        # the sample may end inside a multi-byte character
        if exc.start >= len(raw) - 3:
            return "utf-8-sig"
        return "cp1252"


def _records(text: str, delimiter: str, limit: int = 60) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    out = []
    try:
        for rec in reader:
            out.append(rec)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def _choose_delimiter(text: str) -> str:
    best, best_score = ",", -1.0
    for d in DELIMITERS:
        recs = [r for r in _records(text, d, 40) if any(c.strip() for c in r)]
        if len(recs) > 1:
            recs = recs[:-1]  # the last sampled record may be cut short
        if not recs:
            continue
        widths = [len(r) for r in recs]
        common = max(set(widths), key=widths.count)
        if common < 2:
            continue
        score = common * widths.count(common) / len(widths)
        if score > best_score:
            best, best_score = d, score
    return best


def _header_index(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: the first row as wide as the table's body.

    A title row ("Table 1: ...") above the header has one or two filled cells; the header has as
    many filled cells as the data rows below it.
    """
    filled = [sum(1 for c in r if str(c).strip()) for r in rows]
    if not filled:
        return 0
    body = sorted(filled[-min(len(filled), 20):])
    width = body[len(body) // 2]
    for i, f in enumerate(filled[:15]):
        if f >= max(2, int(width * 0.8)):
            return i
    return 0


# cells that only ever appear in data rows: a postcode, a GSS code, a yyyymmdd date
_DATA_CELL = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? *[0-9][A-Z]{2}|[EWSN][0-9]{8}|(19|20)[0-9]{6}")


def _is_number(cell: str) -> bool:
    return cell.replace(",", "").replace(".", "", 1).replace("-", "", 1).isdigit()


def _looks_like_header(row: list[str], below: list[list[str]] | None = None) -> bool:
    """False when a first row is data (headerless ODS / Code-Point files): codes, numbers, dates.

    A row is a header when some column has text in it above numbers in every row below (the
    Trafford population header names columns "0" … "89", and ONS lookups have "WD19CD", which is
    shaped like a postcode, above numbers in "FID").
    """
    cells = [c.strip() for c in row if c.strip()]
    if not cells:
        return False
    below = [r for r in (below or []) if any(c.strip() for c in r)][:20]
    if below:
        for j, cell in enumerate(row):
            cell = cell.strip()
            if not cell or _is_number(cell) or _DATA_CELL.fullmatch(cell.upper()):
                continue
            col = [r[j].strip() for r in below if j < len(r) and r[j].strip()]
            if len(col) >= min(3, len(below)) and all(_is_number(c) for c in col):
                return True
    # one postcode-shaped name among many (ONS's "OA11CD") is still a header; data rows of
    # headerless files have several such cells (postcode + dates or GSS codes) or few cells
    data_cells = sum(1 for c in cells if _DATA_CELL.fullmatch(c.upper()))
    if data_cells >= 2 or (data_cells and len(cells) <= 3):
        return False
    numeric = sum(1 for c in cells if _is_number(c))
    return numeric / len(cells) < 0.25


def clean_columns(cols: list[str]) -> list[str]:
    """Strip whitespace/BOM, name blanks ``column_N``, make duplicates unique (``name_2``)."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(cols):
        name = str(c).replace("\ufeff", "").strip() if c is not None else ""
        if not name or name.lower().startswith("unnamed:") or name.lower() == "nan":
            name = f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def sniff(path: str | Path, headerless: bool | None = None) -> TableFormat:
    """Find encoding, delimiter and header row of a text table (or the sheet of a workbook)."""
    path = Path(path)
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return TableFormat(encoding="xlsx", excel_sheet=None)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not raw.strip():
        raise UserError(f"{path}: the file is empty")
    if b"\x00" in raw[:4096]:
        raise UserError(f"{path}: not a text table (binary content); expected CSV or XLSX")
    enc = detect_encoding(raw)
    text = raw.decode(enc, errors="replace")
    delim = _choose_delimiter(text)
    rows = _records(text, delim, 40)
    if len(raw) == SNIFF_BYTES and len(rows) > 1:
        rows = rows[:-1]
    hi = _header_index(rows)
    if headerless is None:
        headerless = not _looks_like_header(rows[hi], rows[hi + 1:]) if rows else False
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
    try:
        df = pd.read_csv(
            path, sep=fmt.delimiter, encoding=fmt.encoding, header=None, dtype=str,
            skiprows=max(fmt.header_row, 0), names=fmt.columns if fmt.columns else None,
            keep_default_na=False, na_values=[""], nrows=nrows, engine="c",
            on_bad_lines="warn", index_col=False,
            usecols=(lambda c: c in usecols) if usecols else None,
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"{path}: cannot read as a table ({str(exc).splitlines()[0]})") from None
    df = _drop_trailing_empty(df, fmt.header_row == 0)
    return Table(path, df, fmt)


def iter_chunks(path: str | Path, fmt: TableFormat, usecols: list[str] | None = None,
                chunksize: int = 250_000) -> Iterator[pd.DataFrame]:
    """Read a large delimited file in chunks of text columns (bounded memory)."""
    reader = pd.read_csv(
        path, sep=fmt.delimiter, encoding=fmt.encoding, header=None, dtype=str,
        skiprows=max(fmt.header_row, 0), names=fmt.columns, keep_default_na=False, na_values=[""],
        chunksize=chunksize, engine="c", index_col=False,
        usecols=(lambda c: c in usecols) if usecols else None,
    )
    try:
        yield from reader
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read as a table ({str(exc).splitlines()[0]})") from None


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
    try:
        sheets = pd.read_excel(path, sheet_name=None if sheet is None else sheet, header=None,
                               dtype=str, engine="openpyxl", nrows=nrows)
    except Exception as exc:  # openpyxl raises many types for corrupt workbooks
        raise UserError(f"{path}: cannot read as an Excel workbook ({exc})") from None
    if isinstance(sheets, pd.DataFrame):
        name, raw = str(sheet), sheets
    else:
        # the data sheet is the biggest (IoD workbooks have a Notes sheet first)
        name, raw = max(sheets.items(), key=lambda kv: kv[1].size)
    raw = raw.map(lambda v: v.strip() if isinstance(v, str) else v)
    rows = raw.head(40).fillna("").astype(str).values.tolist()
    hi = _header_index(rows)
    if headerless is None:
        headerless = not _looks_like_header(rows[hi], rows[hi + 1:]) if rows else False
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
    """
    text = values.astype("string").str.strip().str.replace(",", "", regex=False)
    text = text.str.replace("\u00a0", "", regex=False)
    nums = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & (text != "") & nums.isna()
    return nums.astype(float), bad.fillna(False).astype(bool)


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
