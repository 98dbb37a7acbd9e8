"""How a column's numbers are displayed (decimals), for the workbook and the report.

The measure catalogue (``phdesk.core.measures``) is the home of display decimals; for a column it
does not list (confidence limits, comparison columns, provenance counts) the decimals follow the
column's unit: people and metres whole numbers, percentages and scores one decimal, rates two.
"""

from __future__ import annotations

import math

WHOLE = ("population", "assets_inside", "assets_within", "nearest_m", "gap_rank", "deciles",
         "covered_base", "covered_scenario", "covered_change", "rows_read", "rows_accepted",
         "rows_rejected", "easting", "northing", "imd_decile", "asset_id", "id")


def decimals(column: str) -> int | None:
    """Display decimals of a numeric column (None: not a number column we know)."""
    from phdesk.core.measures import MEASURES

    if column in MEASURES:
        return MEASURES[column].decimals
    if column in WHOLE:
        return 0
    if column.endswith(("_pct", "_pp", "_lower", "_upper")) or column.startswith(
            ("coverage", "overlap", "gap_score")):
        return 1
    if column.startswith(("access", "assets_per", "sii", "rii", "intercept")):
        return 2
    return None


def number_format(column: str) -> str | None:
    """An Excel number format for the column."""
    d = decimals(column)
    if d is None:
        return None
    return "#,##0" if d == 0 else "#,##0." + "0" * d


def shown(value, column: str = "") -> str:
    """A value as text for the report: '*' as is, numbers at the column's decimals."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "–"
    d = decimals(column)
    return f"{v:,.{1 if d is None else d}f}"
