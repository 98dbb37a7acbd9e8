"""MappingResult: the tables of one mapping run, built from its arrays only when asked for.

A result made by the engine holds :class:`~phdesk.core.mapping_tables.ResultArrays`; each table
(``neighbourhood_segments``, ``area_access``, ``assets``, ``cold_spots``, ``inequality``,
``category_rules``) is built on first use and kept. A result can also be made from ready tables
(tests, previews), as before. Columns: ``phdesk.core.mapping_output.COLUMNS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from phdesk.core import mapping_tables as mt

_BUILDERS = {
    "neighbourhood_segments": mt.neighbourhood_segments,
    "area_access": mt.area_access,
    "assets": mt.assets_table,
    "cold_spots": mt.cold_spots,
    "inequality": mt.inequality_table,
    "category_rules": mt.category_rules,
}


class MappingResult:
    """The tables of one mapping run, plus ``params``, ``run_id``, ``finished_at``, ``summary``
    (counts, population dataset used, notes) and ``arrays`` (None for a result made from ready
    tables). ``category_rules``: category, radius_m and serves the run actually used (the map
    draws catchments from it), universal, demand, capacity_unit and the edge figures.

    The text columns of ``area_access`` are pandas categoricals (England: millions of rows);
    compare them with strings as usual.
    """

    def __init__(self, params: Any, neighbourhood_segments: pd.DataFrame | None = None,
                 area_access: pd.DataFrame | None = None, assets: pd.DataFrame | None = None,
                 cold_spots: pd.DataFrame | None = None, inequality: pd.DataFrame | None = None,
                 run_id: int | None = None, finished_at: str = "", summary: dict | None = None,
                 category_rules: pd.DataFrame | None = None,
                 arrays: mt.ResultArrays | None = None) -> None:
        self.params = params
        self.run_id = run_id
        self.finished_at = finished_at
        self.summary = summary if summary is not None else {}
        self.arrays = arrays
        self._tables: dict[str, pd.DataFrame] = {}
        given = {"neighbourhood_segments": neighbourhood_segments, "area_access": area_access,
                 "assets": assets, "cold_spots": cold_spots, "inequality": inequality,
                 "category_rules": category_rules}
        for name, frame in given.items():
            if frame is not None:
                self._tables[name] = frame

    def table(self, name: str) -> pd.DataFrame:
        """The named table, built from the arrays on first use (an empty frame if neither)."""
        if name not in self._tables:
            if self.arrays is None:
                if name == "category_rules":
                    return self._rules_from_params()
                return pd.DataFrame()
            self._tables[name] = _BUILDERS[name](self.arrays)
        return self._tables[name]

    @property
    def inequality_pending(self) -> bool:
        """True while the inequality table would still have to run its SII simulations (a
        what-if defers them): a screen says the figure is being computed and asks for the
        table off the GUI thread, never showing another run's figure meanwhile."""
        return (self.arrays is not None and "inequality" not in self._tables
                and not self.arrays.inequality_ready())

    def table_chunks(self, name: str) -> Iterator[pd.DataFrame]:
        """The table in pieces for writing: area_access one category at a time when it has not
        been built (no frame of every row in memory), any other table whole."""
        if name == "area_access" and name not in self._tables and self.arrays is not None:
            yield from mt.area_access_chunks(self.arrays)
        else:
            yield self.table(name)

    def _rules_from_params(self) -> pd.DataFrame:
        """Radius per category from the params, for a result made from ready tables."""
        cats = []
        if "neighbourhood_segments" in self._tables and len(self._tables[
                "neighbourhood_segments"]):
            cats = sorted(set(self._tables["neighbourhood_segments"]["category"].astype(str)))
        p = self.params
        radius = [float(p.default_radius_m) if getattr(p, "radius_override", False)
                  else float(p.radius_m.get(c, p.default_radius_m)) for c in cats]
        return pd.DataFrame({"category": cats, "radius_m": radius})

    def radius_m(self, category: str | None) -> float | None:
        """The catchment radius (metres) the run used for a category (None if not mapped)."""
        rules = self.table("category_rules")
        hit = rules[rules["category"] == category] if len(rules) else rules
        return float(hit["radius_m"].iloc[0]) if len(hit) else None

    def _set(self, name: str, frame: pd.DataFrame) -> None:
        self._tables[name] = frame


def _table_property(name: str) -> property:
    return property(lambda self: self.table(name), lambda self, v: self._set(name, v),
                    doc=f"The {name} table (built from the arrays on first use; settable).")


for _name in _BUILDERS:
    setattr(MappingResult, _name, _table_property(_name))
