"""Reading XLSX sheets as text, streamed and within budgets (see :mod:`.limits`).

openpyxl's read-only mode streams the sheet XML; the sheet's declared ``<dimension>`` is ignored
for sizing (a 1.6 kB workbook may declare ``A1:XFD1048576``), each row is trimmed of trailing
empty cells, and the cells held (rows × widest row) are counted as rows arrive, so a sheet beyond
the budget is refused before it is built. Values are converted as pandas' Excel reader does
(whole numbers without ``.0``); Excel's error placeholders (``#N/A``, ``#DIV/0!`` …) become
missing values exactly as in CSV files (:data:`EXCEL_ERRORS`).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.imports import limits
from phdesk.core.progress import Cancelled

# Excel's error values: what a formula shows when it fails. Read as missing in CSV and XLSX alike.
EXCEL_ERRORS = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!"})
_TICK_ROWS = 20_000


def read_sheets(path: Path, nrows: int | None = None, sheet: str | int | None = None
                ) -> tuple[str, pd.DataFrame, int]:
    """``(sheet name, raw cells as text or NaN, count of error placeholders)`` of the named sheet,
    else of the biggest sheet (IoD workbooks have a Notes sheet first)."""
    import openpyxl

    with limits.open_zip(path, "the Excel workbook") as zf:
        if "xl/workbook.xml" not in zf.namelist():
            raise UserError(f"{path.name}: cannot read as an Excel workbook (no workbook part; "
                            f"an encrypted or non-Excel file?)")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except (UserError, Cancelled, KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise UserError(f"{path.name}: cannot read as an Excel workbook "
                        f"({limits.first_line(exc)})") from None
    try:
        names = wb.sheetnames
        if sheet is not None:
            chosen = names[sheet] if isinstance(sheet, int) and sheet < len(names) else sheet
            if chosen not in names:
                raise UserError(f"{path.name}: no sheet '{sheet}' (sheets: {', '.join(names)})")
            names = [chosen]
        best: tuple[str, pd.DataFrame, int] | None = None
        for name in names:
            frame, errors = _read_sheet(path, wb[name], name, nrows)
            if best is None or frame.size > best[1].size:
                best = (name, frame, errors)
        assert best is not None
        return best
    except (UserError, Cancelled, KeyboardInterrupt, MemoryError):
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, TypeError, KeyError,
            IndexError, AttributeError) as exc:  # damaged sheet XML or archive
        raise UserError(f"{path.name}: cannot read as an Excel workbook "
                        f"({limits.first_line(exc)})") from None
    finally:
        wb.close()


def _read_sheet(path: Path, ws, name: str, nrows: int | None) -> tuple[pd.DataFrame, int]:
    declared = _declared_rows(ws)
    ws.reset_dimensions()  # size by the cells that are there, not by what the sheet claims
    rows: list[tuple] = []
    width = last_filled = errors = 0
    for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = _trim(values)
        if cells:
            cells = tuple(_cell_text(v) for v in cells)  # text now: openpyxl's values freed
            bad = sum(1 for c in cells if c in EXCEL_ERRORS)
            if bad:
                errors += bad
                cells = tuple(np.nan if c in EXCEL_ERRORS else c for c in cells)
            last_filled = i
            if len(cells) > width:
                width = len(cells)
                if width > limits.MAX_SHEET_COLUMNS:
                    raise UserError(f"{path.name}: sheet '{name}' has a value in column "
                                    f"{width:,}; phdesk reads at most "
                                    f"{limits.MAX_SHEET_COLUMNS:,} columns (delete the unused "
                                    f"columns)")
        rows.append(cells)
        if last_filled * max(width, 1) > limits.MAX_SHEET_CELLS:
            raise UserError(f"{path.name}: sheet '{name}' spans at least {last_filled:,} rows × "
                            f"{width:,} columns; phdesk reads at most "
                            f"{limits.MAX_SHEET_CELLS:,} cells (delete the unused rows and "
                            f"columns, or save the data as CSV)")
        if i % _TICK_ROWS == 0:
            limits.tick(i, declared, f"reading sheet '{name}': {i:,} rows")
        if nrows is not None and i >= nrows:
            break
    del rows[last_filled:]  # trailing empty rows
    if not rows:
        return pd.DataFrame(), errors
    pad = (np.nan,)
    return pd.DataFrame.from_records([r + pad * (width - len(r)) for r in rows],
                                     columns=range(width)), errors


def _declared_rows(ws) -> int | None:
    try:
        n = ws.max_row
    except Exception:  # a malformed <dimension>
        return None
    return n if isinstance(n, int) and n > 0 else None


def _trim(values: tuple) -> tuple:
    end = len(values)
    while end and (values[end - 1] is None or values[end - 1] == ""):
        end -= 1
    return tuple(values[:end])


def _cell_text(v) -> object:
    """A cell as pandas' Excel reader gives it to ``dtype=str``: whole floats without ``.0``."""
    if v is None or v == "":
        return np.nan
    if isinstance(v, float):
        if not np.isfinite(v):
            return str(v)
        return str(int(v)) if v == int(v) else str(v)
    return str(v)


def placeholders_to_missing(df: pd.DataFrame) -> pd.DataFrame:
    """Excel's error values (``#N/A``, ``#DIV/0!`` …) in a CSV become missing, as in a workbook."""
    hit = df.isin(EXCEL_ERRORS)
    count = int(hit.to_numpy().sum())
    if count:
        df = df.mask(hit)
        note_placeholders(count)
    return df


def note_placeholders(count: int) -> None:
    """One warning in the import report, worded the same for CSV and XLSX."""
    if count:
        limits.note(f"{count:,} cells held Excel error values (#N/A, #DIV/0!, #VALUE! …) and "
                    f"were read as empty")
