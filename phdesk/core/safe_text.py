"""Text written to spreadsheets and CSV files can never open as a formula.

A cell from user-supplied text (asset names, notes, categories, file names) that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read by Excel or LibreOffice as
a formula (``=HYPERLINK(...)``, ``@SUM(...)``, DDE). In CSV such text is prefixed with ``'``;
in XLSX it is stored as a text cell (see ``phdesk.export.xlsx``). One rule for every writer:
``phdesk.core.mapping_output``, the tables' *Save as CSV* and ``phdesk.export``.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"


def is_formula_like(value: object) -> bool:
    """True for text that a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_csv_value(value: object) -> object:
    """The value to write to CSV: formula-like text prefixed with ``'``, anything else as is."""
    return PREFIX + value if is_formula_like(value) else value


def safe_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are safe for CSV (numbers are left as numbers)."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            if any(is_formula_like(c) for c in cats):
                out[col] = s.cat.rename_categories([safe_csv_value(c) for c in cats])
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            if any(is_formula_like(v) for v in s):
                out[col] = s.map(safe_csv_value, na_action="ignore")
    out.columns = [safe_csv_value(c) for c in out.columns]
    return out
