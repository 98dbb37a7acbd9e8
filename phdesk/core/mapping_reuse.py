"""What a what-if's asset register shares with the run it is compared with.

``place_assets`` (``phdesk.core.mapping_stages``) keeps the placement and capacity of every
site whose id, place, capacity and code did not change, and the run's frame and category codes
when only places or capacities changed: a live what-if then places and prices only the sites it
moved, added or resized (docs/ARCHITECTURE.md, "The mapping engine").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from phdesk.core.mapping_stages import AssetWork


def same_as(base: AssetWork | None, sel: pd.DataFrame, bx: np.ndarray, by: np.ndarray,
             raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``sel`` whose placement (same id and place) and capacity (same id, capacity
    and code) ``base`` already holds, and their rows in ``base``."""
    none = np.zeros(len(sel), dtype=bool)
    if base is None or base.raw_capacity is None:
        return none, none, np.zeros(len(sel), dtype=np.int64)
    index = pd.Index(base.ids)
    if not index.is_unique:
        return none, none, np.zeros(len(sel), dtype=np.int64)
    pos = index.get_indexer(sel["id"].to_numpy())
    known = pos >= 0
    pos = np.maximum(pos, 0)
    same_place = known & (base.bx[pos] == bx) & (base.by[pos] == by)
    rc = base.raw_capacity[pos]
    code = sel["source_id"].to_numpy(dtype=object) if "source_id" in sel else None
    base_code = base.frame["source_id"].to_numpy(dtype=object)[pos]
    same_code = np.ones(len(sel), dtype=bool) if code is None else _equal(code, base_code)
    same_cap = known & ((rc == raw) | (np.isnan(rc) & np.isnan(raw))) & same_code
    return same_place, same_cap, pos


def same_rows(base: AssetWork | None, sel: pd.DataFrame, pos: np.ndarray) -> bool:
    """True when ``sel`` holds ``base``'s rows in its order with the same id, name, category
    and code (its frame and category codes can be kept)."""
    if base is None or base.raw_capacity is None or len(sel) != len(base.frame):
        return False
    if not np.array_equal(pos, np.arange(len(sel))):
        return False
    for col in ("id", "name", "category", "source_id"):
        a = base.frame[col].to_numpy(dtype=object)
        b = sel[col].to_numpy(dtype=object) if col in sel else np.full(len(sel), None)
        if not _equal(a, b).all():
            return False
    return True


def _equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise a == b, two missing values (None, NaN) counting as equal; the missing
    values looked for only where == says no (a what-if's register is mostly unchanged)."""
    eq = np.asarray(a == b, dtype=bool)
    if not eq.all():
        diff = np.flatnonzero(~eq)
        eq[diff] = pd.isna(a[diff]) & pd.isna(b[diff])
    return eq


def moved_work(area, base: AssetWork, ids: np.ndarray, move: dict) -> AssetWork | None:
    """``base`` (the run's placed assets) with sites moved, ``move={asset_id: (easting,
    northing)}`` (metres), placing only those: the AssetWork ``place_assets`` gives for the
    register with those rows moved. ``ids``: the register's ids (every row, placed or not).
    None when an id is not a single row of the register placed in ``base``, or a place is not
    finite (then the register is placed as usual)."""
    from phdesk.core.mapping_stages import AssetWork, neighbourhood_of

    if base.raw_capacity is None:
        return None
    index = base.__dict__.get("_index")   # id -> row, None when the ids repeat
    if "_index" not in base.__dict__:
        index = dict(zip(base.ids.tolist(), range(len(base.ids)), strict=True))
        index = base.__dict__["_index"] = index if len(index) == len(base.ids) else None
    if index is None:
        return None
    rows, xs, ys = [], [], []
    for asset_id, (x, y) in move.items():
        row = index.get(asset_id, -1)
        if row < 0 or (ids == asset_id).sum() != 1 or not np.isfinite([x, y]).all():
            return None
        rows.append(row)
        xs.append(float(x))
        ys.append(float(y))
    rows = np.array(rows, dtype=np.int64)
    bx, by = base.bx.copy(), base.by.copy()
    bx[rows], by[rows] = xs, ys
    in_area, nb_name = base.in_area.copy(), base.nb_name.copy()
    in_area[rows] = area.place(bx[rows], by[rows])
    nb_name[rows] = neighbourhood_of(area, bx[rows], by[rows], in_area[rows])
    summary = dict(base.summary, assets_outside_areas=int((in_area < 0).sum()))
    work = AssetWork(base.frame, bx, by, base.capacity, base.capacity_source, in_area, nb_name,
                     base.cat_codes, base.categories, list(base.notes), summary,
                     base.raw_capacity)
    for kept in ("_ids", "_index", "_units"):   # the same rows, codes and capacities
        if kept in base.__dict__:
            work.__dict__[kept] = base.__dict__[kept]
    return work
