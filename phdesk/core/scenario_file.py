"""Reading a file of scenario changes (CHANGES.csv) into checked changes, writing nothing.

Columns (any order, matched loosely like the importers' headers): ``action`` (add, close, move,
capacity, radius), ``asset`` (for close/move/capacity: the project's asset id or the source's own
code such as an ODS code), ``name`` and ``category`` (add; category for radius), a location for
add/move (``easting``/``northing`` metres, ``latitude``/``longitude`` or ``postcode``, placed as
the asset importers place rows: ``phdesk.core.imports.placing``), ``capacity`` (add, capacity),
``radius_m`` (radius: the category's catchment radius, metres). Bad rows are reported like any
import (row, column, value, reason) in an :class:`ImportReport`; nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.imports import ImportContext
from phdesk.core.imports.placing import location_columns, place
from phdesk.core.imports.reading import find_column, read_table, to_number
from phdesk.core.imports.report import MISSING_VALUE, NOT_A_NUMBER, ImportRejected, ImportReport

if TYPE_CHECKING:
    from phdesk.store.project import Project

ACTIONS = ("add", "close", "move", "capacity", "radius")
CHANGE_COLUMNS = ["action", "asset", "name", "category", "easting", "northing", "capacity",
                  "radius_m"]
NEEDS_ASSET = {"close", "move", "capacity"}
NEEDS_PLACE = {"add", "move"}
UNKNOWN_ACTION = f"unknown action (use {', '.join(ACTIONS)})"
UNKNOWN_ASSET = "no asset with this id or source code in the project"
AMBIGUOUS_ASSET = "the source code matches more than one asset; use the asset id"
CLOSED_EARLIER = "the asset is closed by an earlier row"
NEGATIVE = "must be zero or more"
NOT_POSITIVE = "must be a positive number of metres"
NO_SUCH_CATEGORY = "no assets of this category in the project or added earlier in the file"

COLUMN_NAMES = {
    "action": ("action", "change"),
    "asset": ("asset", "asset id", "asset_id", "id", "ods code", "source id", "code"),
    "name": ("name", "site name", "organisation name"),
    "category": ("category", "type", "service type"),
    "capacity": ("capacity", "places", "list size"),
    "radius_m": ("radius_m", "radius m", "radius", "radius (m)", "radius metres"),
}


@dataclass
class PreparedChanges:
    """Checked changes (``CHANGE_COLUMNS``; easting/northing EPSG:27700 metres) and the report."""

    changes: pd.DataFrame
    report: ImportReport

    @property
    def ok(self) -> bool:
        return self.report.rows_rejected == 0

    def checked(self) -> pd.DataFrame:
        """The changes; ImportRejected (with the report) if any row was rejected."""
        if not self.ok:
            raise ImportRejected(self.report)
        return self.changes


def read_changes(path: str | Path, project: Project | None,
                 assets: pd.DataFrame | None = None) -> PreparedChanges:
    """Read and check a file of changes against the project's asset register (writes nothing).

    ``assets`` (id, category, source_id) defaults to the project's register.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    f = _ChangeFile(path)
    if assets is None:
        from phdesk.store.queries import assets_frame

        assets = assets_frame(project) if project is not None else pd.DataFrame(
            columns=["id", "category", "source_id"])
    act = _actions(f)
    name, category = f.text("name"), f.text("category")
    asset_ids, capacity, radius = _check_values(f, act, name, category, assets)
    east, north = _place_rows(f, act, project)
    _check_order(act, asset_ids, category, assets, f.bad, f.reject)
    changes = pd.DataFrame({
        "action": act, "asset": pd.array(asset_ids, dtype="Int64"),
        "name": name.to_numpy(dtype=object), "category": category.to_numpy(dtype=object),
        "easting": east, "northing": north, "capacity": capacity, "radius_m": radius})
    good = changes[~f.bad].reset_index(drop=True)
    f.report.rows_accepted = int((~f.bad).sum())
    return PreparedChanges(good[CHANGE_COLUMNS], f.report)


class _ChangeFile:
    """A change file read as text, its columns by role, and which rows are rejected so far (a
    row is reported once, for its first fault)."""

    def __init__(self, path: Path) -> None:
        table = read_table(path)
        self.df, self.rows = table.df.reset_index(drop=True), table.row_numbers()
        df = self.df
        self.report = ImportReport(file=path.name, kind="scenario changes", rows_read=len(df))
        self.cols = {key: find_column(list(df.columns), *names)
                     for key, names in COLUMN_NAMES.items()}
        if self.cols["action"] is None:
            raise UserError(f"{path.name}: no 'action' column (columns: "
                            f"{', '.join(map(str, df.columns[:12]))})")
        self.n = len(df)
        self.bad = np.zeros(self.n, bool)

    def text(self, key: str) -> pd.Series:
        """The column's cells stripped, None where empty or where the file has no such column."""
        if self.cols[key] is None:
            return pd.Series([None] * self.n, dtype=object)
        s = self.df[self.cols[key]].astype("string").str.strip()
        return s.where(s.notna() & (s != ""), None).astype(object)

    def reject(self, mask: np.ndarray, key: str, reason: str,
               values: pd.Series | None = None) -> None:
        mask = mask & ~self.bad
        self.report.reject(self.rows[mask], self.cols[key] or key, reason,
                           None if values is None else values[mask])
        self.bad[mask] = True


def _actions(f: _ChangeFile) -> np.ndarray:
    """Each row's action, case-folded (None where empty); empty and unknown ones rejected."""
    action = f.text("action").map(lambda v: None if v is None else str(v).casefold())
    act = action.to_numpy(dtype=object)
    f.reject(pd.isna(act), "action", MISSING_VALUE)
    f.reject(~pd.isna(act) & ~np.isin(act.astype(str), ACTIONS), "action", UNKNOWN_ACTION,
             f.text("action"))
    return act


def _check_values(f: _ChangeFile, act: np.ndarray, name: pd.Series, category: pd.Series,
                  assets: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reject rows missing what their action needs, naming an unknown asset, or with a bad
    capacity or radius (metres). Returns (asset ids, capacities, radii), NaN where not given."""
    reject = f.reject
    is_ = {a: (act == a) & ~f.bad for a in ACTIONS}
    reject(is_["add"] & name.isna().to_numpy(), "name", MISSING_VALUE)
    reject((is_["add"] | is_["radius"]) & category.isna().to_numpy(), "category", MISSING_VALUE)
    asset_ids = _resolve_assets(f.text("asset"), assets, NEEDS_ASSET, act, reject)
    capacity = _numbers(f.df, f.cols, "capacity", f.n, reject)
    radius = _numbers(f.df, f.cols, "radius_m", f.n, reject)
    reject(is_["capacity"] & np.isnan(capacity), "capacity", MISSING_VALUE)
    reject(~np.isnan(capacity) & (capacity < 0), "capacity", NEGATIVE, pd.Series(capacity))
    reject(is_["radius"] & np.isnan(radius), "radius_m", MISSING_VALUE)
    reject(is_["radius"] & ~np.isnan(radius) & (radius <= 0), "radius_m", NOT_POSITIVE,
           pd.Series(radius))
    return asset_ids, capacity, radius


def _place_rows(f: _ChangeFile, act: np.ndarray, project: Project | None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Easting/northing (EPSG:27700 metres) of the add and move rows still good, placed as the
    asset importers place rows; rows that cannot be placed are rejected."""
    east = np.full(f.n, np.nan)
    north = np.full(f.n, np.nan)
    todo = np.isin(act.astype(str), list(NEEDS_PLACE)) & ~f.bad
    if todo.any():
        sub = f.df[todo].reset_index(drop=True)
        placed = place(sub, location_columns(list(f.df.columns)), f.rows[todo],
                       ImportContext(project), f.report)
        east[todo], north[todo] = placed["easting"].to_numpy(), placed["northing"].to_numpy()
        f.bad[np.flatnonzero(todo)[~placed["ok"].to_numpy()]] = True
    return east, north


def _numbers(df: pd.DataFrame, cols: dict, key: str, n: int, reject) -> np.ndarray:
    if cols[key] is None:
        return np.full(n, np.nan)
    values, not_num = to_number(df[cols[key]])
    reject(not_num.to_numpy(), key, NOT_A_NUMBER, df[cols[key]])
    return values.to_numpy(dtype=float)


def _resolve_assets(ref: pd.Series, assets: pd.DataFrame, needs: set[str], act: np.ndarray,
                    reject) -> np.ndarray:
    """The register's asset id for each row's ``asset`` reference (id first, else source code)."""
    n = len(ref)
    out = np.full(n, np.nan)
    wanted = np.isin(act.astype(str), list(needs))
    reject(wanted & ref.isna().to_numpy(), "asset", MISSING_VALUE)
    ids = pd.to_numeric(assets["id"], errors="coerce")
    by_id = set(ids.dropna().astype(np.int64))
    codes = assets["source_id"].astype("string").str.strip().str.casefold()
    by_code = pd.Series(ids.to_numpy(), index=codes.to_numpy()).groupby(level=0)
    first, count = by_code.first(), by_code.size()
    for k in np.flatnonzero(wanted & ref.notna().to_numpy()):
        value = str(ref.iat[k])
        num = pd.to_numeric(value, errors="coerce")
        if pd.notna(num) and float(num).is_integer() and int(num) in by_id:
            out[k] = int(num)
        elif value.casefold() in count.index and count[value.casefold()] == 1:
            out[k] = first[value.casefold()]
        else:
            reason = (AMBIGUOUS_ASSET if value.casefold() in count.index else UNKNOWN_ASSET)
            mask = np.zeros(n, bool)
            mask[k] = True
            reject(mask, "asset", reason, ref)
    return out


def _check_order(act: np.ndarray, asset_ids: np.ndarray, category: pd.Series,
                 assets: pd.DataFrame, bad: np.ndarray, reject) -> None:
    """Rows that contradict an earlier row: a closed asset changed again; a radius for a
    category with no assets (the register's, or added by an earlier row)."""
    closed: set[int] = set()
    cats = {str(c).casefold() for c in assets["category"].dropna()}
    n = len(act)
    for k in range(n):
        if bad[k]:
            continue
        mask = np.zeros(n, bool)
        mask[k] = True
        a = act[k]
        if a in NEEDS_ASSET and int(asset_ids[k]) in closed:
            reject(mask, "asset", CLOSED_EARLIER, pd.Series(asset_ids).astype("Int64"))
        elif a == "close":
            closed.add(int(asset_ids[k]))
        elif a == "add":
            cats.add(str(category.iat[k]).casefold())
        elif a == "radius" and str(category.iat[k]).casefold() not in cats:
            reject(mask, "category", NO_SUCH_CATEGORY, category)


def check_change(change: dict, assets: pd.DataFrame) -> dict:
    """One change typed in the window (a site added by clicking the map, say), checked by the
    rules of a change file; returns it with the ``CHANGE_COLUMNS`` keys. UserError if wrong.
    ``assets``: the register (id, category, source_id); coordinates EPSG:27700 metres."""
    import math

    row = {k: change.get(k) for k in CHANGE_COLUMNS}
    action = str(row["action"] or "").strip().casefold()
    if action not in ACTIONS:
        raise UserError(f"scenario change: {UNKNOWN_ACTION}")
    row["action"] = action

    def number(key: str, required: bool) -> float | None:
        value = row.get(key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            if required:
                raise UserError(f"scenario change ({action}): {key} {MISSING_VALUE}")
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise UserError(f"scenario change ({action}): {key} {value!r}: {NOT_A_NUMBER}") \
                from None

    for key in ("easting", "northing", "capacity", "radius_m"):
        row[key] = number(key, (key in ("easting", "northing") and action in NEEDS_PLACE)
                          or (key == "capacity" and action == "capacity")
                          or (key == "radius_m" and action == "radius"))
    if action == "add" and not (row["name"] and row["category"]):
        raise UserError("scenario change (add): a new site needs a name and a category")
    if action == "radius" and not row["category"]:
        raise UserError("scenario change (radius): give the category")
    if action in NEEDS_ASSET:
        ids = set(pd.to_numeric(assets["id"], errors="coerce").dropna().astype(int))
        try:
            row["asset"] = int(row["asset"])
        except (TypeError, ValueError):
            row["asset"] = None
        if row["asset"] not in ids:
            raise UserError(f"scenario change ({action}): {UNKNOWN_ASSET}")
    if row["capacity"] is not None and row["capacity"] < 0:
        raise UserError(f"scenario change ({action}): capacity {NEGATIVE}")
    if row["radius_m"] is not None and not row["radius_m"] > 0:
        raise UserError(f"scenario change ({action}): radius_m {NOT_POSITIVE}")
    return row


def describe_change(ch) -> str:
    """One change (a mapping: a ``scenario_changes`` row) in words, for the CLI's listing and
    the scenario panel alike, e.g. ``add 'Mill Road Health Centre' (GP practice) at 535620,
    180480 (EPSG:27700 metres), capacity 8``."""
    def num(v) -> str:
        return f"{float(v):g}"

    asset = ch.get("asset")
    asset = int(asset) if isinstance(asset, float) and asset.is_integer() else asset
    where = (f" at {ch['easting']:.0f}, {ch['northing']:.0f}"
             if pd.notna(ch.get("easting")) else "")
    action = ch["action"]
    if action == "add":
        cap = f", capacity {num(ch['capacity'])}" if pd.notna(ch.get("capacity")) else ""
        return f"add {ch['name']!r} ({ch['category']}){where}{cap}"
    if action == "close":
        return f"close asset {asset}"
    if action == "move":
        return f"move asset {asset}{where}"
    if action == "capacity":
        return f"set capacity of asset {asset} to {num(ch['capacity'])}"
    return f"set radius of {ch['category']} to {num(ch['radius_m'])} m"
