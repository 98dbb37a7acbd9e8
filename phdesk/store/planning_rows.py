"""Shared checks for the planning records: plain values for SQLite, names to ids, ranges.

Used by ``phdesk.store.planning`` and ``phdesk.store.planning_ideas`` (one rule, one place).
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import pandas as pd

from phdesk.core.errors import UserError
from phdesk.store.project import Project

DECISIONS = ("agreed", "parked", "rejected")


def scenario_id(project: Project, name: str) -> int:
    """The id of scenario ``name``; UserError naming the scenarios there are if none."""
    sid = project.scalar("SELECT id FROM scenarios WHERE name = ?", (name,))
    if sid is None:
        names = project.query("SELECT name FROM scenarios ORDER BY name")["name"].tolist()
        raise UserError(f"no scenario called {name!r}; scenarios are: "
                        f"{', '.join(names) if names else '(none yet)'}")
    return int(sid)


# -- values -------------------------------------------------------------------------------------
def neighbourhood_id(project: Project, name: Any) -> int | None:
    if name is None or str(name).strip() == "":
        return None
    nid = project.scalar("SELECT id FROM neighbourhoods WHERE name = ? COLLATE NOCASE",
                         (str(name).strip(),))
    if nid is None:
        raise UserError(f"no neighbourhood called {name!r}")
    return int(nid)


def decision_value(value: Any) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip().casefold()
    if text not in DECISIONS:
        raise UserError(f"decision {value!r} is not one of: {', '.join(DECISIONS)}")
    return text


def iso_date(value: Any) -> str:
    if value is None or str(value).strip() == "":
        return _dt.date.today().isoformat()
    try:
        return _dt.date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        raise UserError(f"date {value!r} is not a date (YYYY-MM-DD)") from None


def number(value: Any, what: str, lo: float, hi: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UserError(f"{what} must be a number, not {value!r}") from None
    if not (lo <= x <= hi) or math.isnan(x):
        raise UserError(f"{what} must be between {lo:g} and {hi:g}, not {x:g}")
    return x


def plain(value: Any) -> Any:
    """Python scalars for SQLite (numpy numbers, pandas NA/NaN -> int/float/None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def one_row(frame: pd.DataFrame, row_id: int, what: str) -> pd.Series:
    hit = frame[frame["id"] == int(row_id)]
    if hit.empty:
        raise UserError(f"no {what} {row_id}")
    return hit.iloc[0]


def delete_row(project: Project, table: str, row_id: int, what: str,
            extra: dict[str, str] | None = None) -> dict[str, Any]:
    with project.transaction() as db:
        rows = list(db.query(f"SELECT * FROM {table} WHERE id = ?", [int(row_id)]))
        if not rows:
            raise UserError(f"no {what} {row_id}")
        row = dict(rows[0])
        for key, sql in (extra or {}).items():
            row[key] = [dict(r) for r in db.query(sql, [int(row_id)])]
        db.execute(f"DELETE FROM {table} WHERE id = ?", [int(row_id)])
    return row
