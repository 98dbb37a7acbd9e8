"""Long population rows, factorised once and summed per area without double counting.

A population table may hold, for one area, a total (age ``all``, sex ``all``) next to breakdowns by
age band, by sex, or by both. Adding them all up would count people two or three times, so each sum
here uses, per area (and per group or band where asked), only the most aggregated rows present:
``all``/``all``, else age bands (sex ``all``), else sexes (age ``all``), else age × sex.

Everything is integer codes and numpy (``bincount``, ``minimum.at``): an England table by age band
and sex has about 1.3 million rows, and per-segment pandas groupbys over strings took a minute.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_BIG = np.iinfo(np.int64).max


def _factorize_lower(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and lower-cased unique labels (lower-casing done on the uniques only)."""
    codes, uniques = pd.factorize(values.astype(str))
    low = pd.Index(uniques).str.lower().str.strip()
    lcodes, luniques = pd.factorize(np.asarray(low, dtype=object))
    return (lcodes[codes] if len(codes) else codes.astype(np.int64)), np.asarray(luniques)


def min_priority_sum(key: np.ndarray, prio: np.ndarray, count: np.ndarray, n_keys: int,
                     sub: np.ndarray | None = None, n_sub: int = 1) -> np.ndarray:
    """Sum ``count`` per ``key`` over the rows whose priority is the lowest of their group
    (group = key, or key x ``sub`` when given)."""
    if not len(key):
        return np.zeros(n_keys)
    gid = key if sub is None else key * n_sub + sub
    best = np.full(n_keys * (n_sub if sub is not None else 1), _BIG, dtype=np.int64)
    np.minimum.at(best, gid, prio)
    keep = prio == best[gid]
    return np.bincount(key[keep], weights=count[keep], minlength=n_keys)


class PopulationRows:
    """Population rows as integer codes against a fixed list of areas.

    Parameters
    ----------
    rows
        area_code, age_band, sex, group_name, count (one dataset or a chosen set of rows).
    areas
        The area codes results are given for; rows for other areas are ignored.
    """

    def __init__(self, rows: pd.DataFrame, areas: pd.Index) -> None:
        self.areas = areas
        self.area = areas.get_indexer(rows["area_code"].astype(str)).astype(np.int64)
        self.band, self.band_names = _factorize_lower(rows["age_band"])
        self.sex, self.sex_names = _factorize_lower(rows["sex"])
        g = rows["group_name"] if "group_name" in rows else pd.Series([""] * len(rows))
        self.group, gu = pd.factorize(g.astype(str))
        self.group_names = [str(x) for x in gu]
        self.count = pd.to_numeric(rows["count"], errors="coerce").fillna(0.0).to_numpy(float)
        self.band_all = (self.band_names == "all")[self.band] if len(self.band) else \
            np.zeros(0, dtype=bool)
        self.sex_all = (self.sex_names == "all")[self.sex] if len(self.sex) else \
            np.zeros(0, dtype=bool)

    @property
    def n(self) -> int:
        return len(self.areas)

    def bands(self) -> list[str]:
        """The age band labels present (lower case), ``all`` excluded."""
        present = np.unique(self.band) if len(self.band) else []
        return [str(self.band_names[b]) for b in present if self.band_names[b] != "all"]

    def _filter(self, bands: list[str] | None, sex: str | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Rows kept, their priority, and the sub-grouping (band) to pick priorities within."""
        ok = self.area >= 0
        if bands is None and sex is None:
            prio = np.select([self.band_all & self.sex_all, ~self.band_all & self.sex_all,
                              self.band_all & ~self.sex_all], [0, 1, 2], 3)
            return ok, prio, None
        if bands is not None:
            wanted = np.isin(self.band_names, [str(b).strip().lower() for b in bands])
            ok &= wanted[self.band] if len(self.band) else ok
        if sex is not None:
            ok &= (self.sex_names == str(sex).strip().lower())[self.sex] if len(self.sex) \
                else ok
        if sex is None:       # bands asked: prefer both-sexes rows per band
            return ok, np.where(self.sex_all, 0, 1), self.band
        if bands is None:     # sex asked: prefer all-ages rows
            return ok, np.where(self.band_all, 0, 1), None
        return ok, np.zeros(len(ok), dtype=np.int64), None

    def total(self, bands: list[str] | None = None, sex: str | None = None) -> np.ndarray:
        """People per area (all groups together), optionally only some age bands / one sex."""
        ok, prio, sub = self._filter(bands, sex)
        return min_priority_sum(self.area[ok], prio[ok], self.count[ok], self.n,
                                None if sub is None else sub[ok], len(self.band_names))

    def by_group(self, bands: list[str] | None = None, sex: str | None = None) -> np.ndarray:
        """People per area and group: (n_areas, n_groups), columns in ``group_names`` order."""
        ok, prio, sub = self._filter(bands, sex)
        k = max(len(self.group_names), 1)
        key = self.area[ok] * k + self.group[ok]
        out = min_priority_sum(key, prio[ok], self.count[ok], self.n * k,
                               None if sub is None else sub[ok], len(self.band_names))
        return out.reshape(self.n, k)

    def by_band(self) -> np.ndarray:
        """People per area and age band (both-sexes rows preferred): (n_areas, n_band_names)."""
        ok = (self.area >= 0) & ~self.band_all
        k = max(len(self.band_names), 1)
        key = self.area[ok] * k + self.band[ok]
        prio = np.where(self.sex_all, 0, 1)[ok]
        return min_priority_sum(key, prio, self.count[ok], self.n * k).reshape(self.n, k)
