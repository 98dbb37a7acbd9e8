"""The residents of each area and population segment, from the long population table.

:func:`segment_matrix` turns the rows (area_code, segment, population) into a matrix of areas x
segments (``All`` first), factorising the two text columns once. A long table in blocks, one per
segment with the same areas in the same order (how a wide table melts, and how the segment
table is built), is factorised from its first block (:func:`factorize_long`): at England size
(675,000 rows of text) that is most of the areas stage's time otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.segments import ALL


def factorize_long(seg: pd.DataFrame) -> tuple[np.ndarray, object, np.ndarray, object]:
    """``pd.factorize`` of the segment and area_code columns: (segment codes, segment names,
    area codes, area uniques), the same arrays as factorising each column whole.

    Text columns in blocks (each segment one run of rows, every run the same areas in the same
    order) are factorised from the run starts and the first run, after checking the runs
    (a comparison of every row, much cheaper than hashing it); any other table whole."""
    s_col, a_col = seg["segment"], seg["area_code"]
    if (isinstance(s_col.dtype, pd.CategoricalDtype) or isinstance(a_col.dtype,
                                                                   pd.CategoricalDtype)
            or not len(seg)):   # categorical columns factorise from their codes: cheap
        return (*pd.factorize(s_col), *pd.factorize(a_col))
    starts = _blocks(s_col.to_numpy(dtype=object), a_col.to_numpy(dtype=object))
    if starts is None:
        return (*pd.factorize(s_col), *pd.factorize(a_col))
    k, m = len(starts), len(seg) // len(starts)
    seg_first, seg_names = pd.factorize(s_col.iloc[starts])
    area_first, area_uniques = pd.factorize(a_col.iloc[:m])
    return (np.repeat(seg_first, m), seg_names, np.tile(area_first, k), area_uniques)


def _blocks(s: np.ndarray, a: np.ndarray) -> np.ndarray | None:
    """Where each run starts, when segment column ``s`` is runs of equal length, one per
    distinct name (no missing names), and area column ``a`` repeats its first run's values
    in every run; else None."""
    try:
        starts = np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1]
        k, m = len(starts), len(s) // len(starts)
        ok = (k * m == len(s) and k <= 10_000 and (np.diff(starts) == m).all()
              and not pd.isna(s[starts]).any() and len(set(s[starts].tolist())) == k
              and (a.reshape(k, m)[1:] == a[None, :m]).all())
    except (TypeError, ValueError):   # values that do not compare plainly (pd.NA): whole
        return None
    return starts if ok else None


def segment_matrix(seg: pd.DataFrame, codes: np.ndarray, wanted: list[str] | None,
                    notes: list[str]) -> tuple[list[str], np.ndarray]:
    """Residents per area x segment (``All`` first); factorised once (England: ~700k rows)."""
    n = len(codes)
    seg_codes, seg_names, area_f, area_uniques = factorize_long(seg)
    available = [str(s) for s in pd.Index(seg_names).astype(str)]
    if wanted:
        unknown = [s for s in wanted if s not in available]
        if unknown:
            notes.append(f"segments not in the data, skipped: {', '.join(unknown)}")
        segments = [ALL] + [s for s in wanted if s in available and s != ALL]
    else:
        segments = [ALL] + [s for s in available if s != ALL]
    pos = {s: k for k, s in enumerate(segments)}
    a_pos = pd.Series(np.arange(n), index=codes)
    ri_u = a_pos.reindex(pd.Index(area_uniques).astype(str)).to_numpy(dtype=float)
    ri = ri_u[area_f]
    si = np.array([pos.get(s, np.nan) for s in available], dtype=float)[seg_codes]
    ok = np.isfinite(ri) & np.isfinite(si)
    pop = np.bincount(ri[ok].astype(np.int64) * len(segments) + si[ok].astype(np.int64),
                      weights=seg["population"].to_numpy(dtype=float)[ok],
                      minlength=n * len(segments)).reshape(n, len(segments))
    outside = int((~np.isfinite(ri_u)).sum())
    if outside:
        notes.append(f"population for {outside} areas without boundaries was left out")
    if ALL not in available or pop[:, 0].sum() <= 0:
        raise UserError("no population in the project's areas: import population estimates "
                        "for the same areas as the boundaries")
    return segments, pop
