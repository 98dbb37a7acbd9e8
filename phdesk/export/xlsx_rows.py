"""Big workbook sheets written as XML directly (openpyxl without lxml takes ~30 µs a cell).

openpyxl writes each big sheet with its header and one *style row* (a number cell of each
column's display format, so the workbook's styles hold them); :func:`fill_rows` then replaces
that row with every data row, written here as strings: numbers as numbers with their column's
style, text as inline strings (never formulas, whatever they start with), ``None``/NaN as no cell.
The result opens in openpyxl, Excel and LibreOffice like a sheet openpyxl wrote itself.
"""

from __future__ import annotations

import math
import re
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

FAST_ROWS = 2_000          # sheets longer than this are written here
_ROW2 = re.compile(rb'<row r="2"[^>]*/>|<row r="2"[^>]*>.*?</row>', re.S)
_STYLE = re.compile(rb'<c r="([A-Z]+)2"[^>]*?\ss="(\d+)"')
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")   # not allowed in XML 1.0


def column_letters(n: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(j) for j in range(1, n + 1)]


def _text(value) -> str:
    return escape(ILLEGAL.sub("", value if isinstance(value, str) else str(value)))


def _cells(row, letters: list[str], styles: list[str], r: int) -> str:
    out = []
    for v, col, s in zip(row, letters, styles, strict=True):
        if v is None or v is pd.NA or v is pd.NaT:
            continue
        if hasattr(v, "item") and not isinstance(v, str):   # numpy scalars
            v = v.item()
        if isinstance(v, bool):
            out.append(f'<c r="{col}{r}" t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, int | float):
            if isinstance(v, float) and math.isnan(v):
                continue
            if isinstance(v, float) and math.isinf(v):
                out.append(f'<c r="{col}{r}" t="inlineStr"><is><t>{v}</t></is></c>')
                continue
            out.append(f'<c r="{col}{r}"{s}><v>{v:.16g}</v></c>')   # as openpyxl
        else:
            out.append(f'<c r="{col}{r}" t="inlineStr"><is><t xml:space="preserve">'
                       f"{_text(v)}</t></is></c>")
    return "".join(out)


def fill_rows(sheet_xml: bytes, values: np.ndarray, note: str | None = None) -> bytes:
    """``sheet_xml`` (header row 1, style row 2) with row 2 replaced by ``values`` (rows from
    row 2 on) and ``note`` as a last row of text."""
    ncols = values.shape[1] if values.ndim == 2 else 0
    letters = column_letters(max(ncols, 1))
    m = _ROW2.search(sheet_xml)
    if m is None:
        raise ValueError("the sheet has no style row")
    found = {c.decode(): s.decode() for c, s in _STYLE.findall(m.group(0))}
    styles = [f' s="{found[c]}"' if c in found else "" for c in letters[:ncols]]
    parts = [f'<row r="{i}">{_cells(row, letters, styles, i)}</row>'
             for i, row in enumerate(values.tolist(), start=2)]
    last = len(parts) + 1
    if note:
        last += 1
        parts.append(f'<row r="{last}"><c r="A{last}" t="inlineStr"><is><t>{_text(note)}'
                     "</t></is></c></row>")
    body = "".join(parts).encode("utf-8")
    out = sheet_xml[:m.start()] + body + sheet_xml[m.end():]
    dim = f'<dimension ref="A1:{letters[ncols - 1] if ncols else "A"}{max(last, 1)}"/>'
    return re.sub(rb"<dimension ref=\"[^\"]*\"/>", dim.encode(), out, count=1)
