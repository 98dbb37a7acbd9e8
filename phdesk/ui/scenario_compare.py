"""The comparison of two scenarios: who is newly within reach, differences by neighbourhood,
a difference map and the sites changed.

Why it exists: a scenario is judged by whom it reaches. The reach table puts Core20 and the PLUS
groups first (``phdesk.core.compare`` orders it so); the neighbourhood table and the difference
map follow the window's view state (category, segment, neighbourhood); the difference map uses
a diverging colour-blind-safe palette (PuOr) centred on no change, with a symmetric range so
equal gains and losses look equally strong.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6 import QtWidgets

from phdesk.ui import palettes
from phdesk.ui.map_legend import Legend
from phdesk.ui.map_view import MapView
from phdesk.ui.tables import FrameView

DIFF_CLASSES = 7   # odd: the middle class is "no change"
REACH_COLUMNS = {"neighbourhood": "Neighbourhood", "segment": "Segment", "category": "Category",
                 "newly_within_reach": "Newly within reach (residents)",
                 "no_longer_within_reach": "No longer within reach (residents)",
                 "net_change": "Net change (residents)"}
MEASURE = "coverage_pct"   # the difference map: change in coverage, percentage points


def reach_table(cmp, neighbourhood: str | None = None, category: str | None = None
                ) -> pd.DataFrame:
    """The reach rows to show: for one neighbourhood (else the all-neighbourhoods total) and
    category (else all), in the comparison's order (Core20 and PLUS groups first)."""
    from phdesk.core.compare import ALL_NEIGHBOURHOODS

    r = cmp.reach
    r = r[r["neighbourhood"] == (neighbourhood or ALL_NEIGHBOURHOODS)]
    if category:
        r = r[r["category"] == category]
    return r.reindex(columns=list(REACH_COLUMNS)).rename(columns=REACH_COLUMNS)


def pick_segment(cmp, category: str | None, preferred: tuple[str | None, ...]) -> str | None:
    """The first of ``preferred`` the comparison has for ``category`` (a category serves only
    some segments: GP practices may not list Core20), else "All", else None."""
    d = cmp.neighbourhoods
    have = set(d.loc[d["category"] == category, "segment"]) if category else set(d["segment"])
    for seg in (*preferred, "All"):
        if seg in have:
            return seg
    return None


def neighbourhood_table(cmp, segment: str | None, category: str | None) -> pd.DataFrame:
    """Differences by neighbourhood for one segment and category (all when not chosen)."""
    d = cmp.neighbourhoods
    if segment:
        d = d[d["segment"] == segment]
    if category:
        d = d[d["category"] == category]
    return d.reset_index(drop=True)


def difference_classes(values: np.ndarray, k: int = DIFF_CLASSES
                       ) -> tuple[np.ndarray, list[str], list[str]]:
    """Classes (-1 = no data) of changes on a symmetric range around 0, their colours (PuOr:
    purple = fewer, orange = more) and legend labels."""
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    top = float(np.abs(finite).max()) if finite.size else 0.0
    colours = palettes.diverging(k)
    if top <= 1e-9:
        classes = np.where(np.isfinite(v), k // 2, -1)
        return classes, colours, [f"{palettes.format_value(0)} (no change)"] * k
    edges = np.linspace(-top, top, k + 1)
    classes = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, k - 1)
    classes[np.abs(v) <= 1e-9] = k // 2
    classes = np.where(np.isfinite(v), classes, -1)
    labels = [f"{palettes.format_value(a)} to {palettes.format_value(b)}"
              for a, b in zip(edges[:-1], edges[1:], strict=True)]
    labels[k // 2] = "No change"
    return classes, colours, labels


class DifferenceMap(QtWidgets.QWidget):
    """Neighbourhoods coloured by the change in a measure between two scenarios."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = MapView()
        self.view.setAccessibleName("Difference map")
        self.legend = Legend()
        self.items: list[QtWidgets.QGraphicsPathItem] = []
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view, 1)
        side = QtWidgets.QVBoxLayout()
        side.addWidget(self.legend)
        side.addStretch(1)
        lay.addLayout(side)
        self.values = pd.Series(dtype=float)

    def show_change(self, layers, diffs: pd.DataFrame, title: str) -> None:
        """``diffs``: one row per neighbourhood with ``coverage_pct_change``."""
        from phdesk.ui import map_layers as ml

        for item in self.items:
            self.view.vb.removeItem(item)
        self.items = []
        if layers is None:
            return
        change = diffs.groupby("neighbourhood")[f"{MEASURE}_change"].mean() if len(diffs) \
            else pd.Series(dtype=float)
        nb = layers.nbhd
        self.values = change.reindex(nb["group"]).astype(float)
        classes, colours, labels = difference_classes(self.values.to_numpy())
        for geom, k in zip(nb["geometry"], classes, strict=True):
            item = QtWidgets.QGraphicsPathItem(ml.boundary_path(np.array([geom])))
            item.setBrush(pg.mkBrush(colours[k] if k >= 0 else palettes.NO_DATA))
            item.setPen(pg.mkPen(palettes.TEXT, width=1.2, cosmetic=True))
            self.view.vb.addItem(item)
            self.items.append(item)
        entries = list(zip(colours, labels, strict=True))
        if (classes < 0).any():
            entries.append((palettes.NO_DATA, "No data"))
        self.legend.set_entries(title, entries)
        self.view.set_home(layers.home)


class CompareView(QtWidgets.QTabWidget):
    """Tabs: newly within reach, by neighbourhood, difference map, sites changed."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Scenario comparison")
        self.comparison = None
        self.reach = FrameView("Residents newly within reach", parent=self)
        self.by_neighbourhood = FrameView("Differences by neighbourhood", parent=self)
        self.map = DifferenceMap(self)
        self.sites = FrameView("Sites changed", parent=self)
        self.caption = QtWidgets.QLabel("Choose a scenario and what to compare it with, then "
                                        "press Compare.")
        self.caption.setWordWrap(True)
        first = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(first)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.caption)
        lay.addWidget(self.reach, 1)
        self.addTab(first, "Newly within reach")
        self.addTab(self.by_neighbourhood, "By neighbourhood")
        self.addTab(self.map, "Difference map")
        self.addTab(self.sites, "Sites changed")

    def show_comparison(self, cmp, state: dict, layers) -> None:
        """Fill the tabs from a Comparison and the view state (neighbourhood, category,
        segment)."""
        self.comparison = cmp
        if cmp is None:
            return
        nb, cat, seg = state.get("neighbourhood"), state.get("category"), state.get("segment")
        reach = reach_table(cmp, nb, cat)
        where = nb or "all neighbourhoods"
        self.caption.setText(
            f"<b>{cmp.other}</b> compared with <b>{cmp.base}</b>, {where}"
            f"{', ' + cat if cat else ''}: residents newly within reach, Core20 and the PLUS "
            "groups first." + ("" if len(reach) else " Nobody gains or loses reach here."))
        self.reach.set_frame(reach)
        self.by_neighbourhood.set_frame(neighbourhood_table(cmp, seg, cat))
        seg = pick_segment(cmp, cat, (seg, "Core20"))
        table = neighbourhood_table(cmp, seg, cat)
        self.map.show_change(layers, table, f"Change in coverage (percentage points)\n"
                             f"{cmp.other} − {cmp.base}\n{seg or ''} · {cat or ''}")
        self.sites.set_frame(cmp.assets)
