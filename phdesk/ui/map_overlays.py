"""Planning marks drawn over the map: insight notes and a scenario's changed sites.

Why it exists: notes are pinned to places (a point, an asset, an area or a neighbourhood) and a
scenario adds, moves and closes sites; both belong on the same map as the gaps. These overlays
are separate scatter items on the map's view box, not asset layers, so the map's hit-testing and
layer list stay about the register. Positions are EPSG:27700 metres.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6 import QtCore

from phdesk.ui import palettes

NOTE_BRUSH = "#FFD92F"    # a yellow pin with a near-black edge: reads on every ramp's colours
NOTE_EDGE = palettes.TEXT
ADD_BRUSH = palettes.CATEGORICAL[2]    # bluish green: a site the scenario adds
CLOSE_BRUSH = palettes.CATEGORICAL[5]  # vermilion: a site it closes


def note_positions(notes: pd.DataFrame, layers) -> pd.DataFrame:
    """id, x, y (metres) for each note that can be placed: its own point, else its asset, else
    its area's centre, else its neighbourhood's label point (several notes at one label are
    spread on a small ring so each stays clickable)."""
    if notes is None or not len(notes) or layers is None:
        return pd.DataFrame(columns=["id", "x", "y"])
    x = pd.to_numeric(notes["easting"], errors="coerce").to_numpy(float, copy=True)
    y = pd.to_numeric(notes["northing"], errors="coerce").to_numpy(float, copy=True)
    assets = layers.assets.set_index("id")
    nb = layers.labels.set_index("group")
    spread = 0.03 * max(layers.extent[2] - layers.extent[0], 1.0)
    per_label: dict[str, int] = {}
    for i, row in enumerate(notes.itertuples(index=False)):
        if np.isfinite(x[i]) and np.isfinite(y[i]):
            continue
        aid = getattr(row, "asset_id", None)
        if aid is not None and not pd.isna(aid) and int(aid) in assets.index:
            x[i], y[i] = assets.loc[int(aid), ["easting", "northing"]].astype(float)
            continue
        name = row.neighbourhood
        code = getattr(row, "area_code", None)
        if code and not pd.isna(code):
            hit = np.flatnonzero(layers.areas["code"].to_numpy() == code)
            if len(hit):
                c = layers.geoms[hit[0]].centroid
                x[i], y[i] = c.x, c.y
                continue
        if isinstance(name, str) and name in nb.index:
            k = per_label.get(name, 0)
            per_label[name] = k + 1
            angle = 0.9 * k
            r = spread * (0.0 if k == 0 else 1.0 + 0.15 * k)
            x[i] = float(nb.loc[name, "label_x"]) + r * np.cos(angle)
            y[i] = float(nb.loc[name, "label_y"]) - spread + r * np.sin(angle)
    out = pd.DataFrame({"id": notes["id"].to_numpy(), "x": x, "y": y})
    return out[np.isfinite(out["x"]) & np.isfinite(out["y"])].reset_index(drop=True)


class MapOverlays(QtCore.QObject):
    """Note pins and scenario sites on a :class:`~phdesk.ui.map_panel.MapPanel`.

    ``note_clicked(id)`` when a pin is clicked.
    """

    note_clicked = QtCore.Signal(int)

    def __init__(self, map_panel) -> None:
        super().__init__(map_panel)
        self.map_panel = map_panel
        self.notes = pg.ScatterPlotItem(size=24, symbol="star", pen=pg.mkPen(NOTE_EDGE, width=1.5),
                                        brush=pg.mkBrush(NOTE_BRUSH))
        self.notes.setZValue(30)
        self.notes.sigClicked.connect(self._clicked)
        self.sites = pg.ScatterPlotItem(size=18, pen=pg.mkPen(NOTE_EDGE, width=1.5))
        self.sites.setZValue(29)
        for item in (self.notes, self.sites):
            map_panel.view.addItem(item)
        self.positions = pd.DataFrame(columns=["id", "x", "y"])

    def set_notes(self, notes: pd.DataFrame | None) -> None:
        """Pins for these notes (the filtered list, so the map shows what the list shows)."""
        self.positions = note_positions(notes, getattr(self.map_panel, "_layers", None))
        p = self.positions
        self.notes.setData(x=p["x"].to_numpy(float), y=p["y"].to_numpy(float),
                           data=p["id"].to_numpy())

    def set_sites(self, changes: pd.DataFrame | None, assets: pd.DataFrame | None) -> None:
        """Marks for a scenario's changes: added/moved sites (+), closed sites (x)."""
        xs, ys, symbols, brushes = [], [], [], []
        if changes is not None and len(changes):
            where = assets.set_index("id") if assets is not None and len(assets) else None
            for ch in changes.itertuples(index=False):
                if ch.action in ("add", "move") and pd.notna(ch.easting):
                    xs.append(float(ch.easting))
                    ys.append(float(ch.northing))
                    symbols.append("+" if ch.action == "add" else "d")
                    brushes.append(pg.mkBrush(ADD_BRUSH))
                elif ch.action == "close" and where is not None and pd.notna(ch.asset) and \
                        int(ch.asset) in where.index:
                    xs.append(float(where.loc[int(ch.asset), "easting"]))
                    ys.append(float(where.loc[int(ch.asset), "northing"]))
                    symbols.append("x")
                    brushes.append(pg.mkBrush(CLOSE_BRUSH))
        self.sites.setData(x=xs, y=ys, symbol=symbols, brush=brushes)

    def go_to(self, note_id: int) -> bool:
        """Centre the map on a note's pin (zooming in a little); False if it has no place."""
        hit = self.positions[self.positions["id"] == note_id]
        if hit.empty:
            return False
        x, y = float(hit["x"].iloc[0]), float(hit["y"].iloc[0])
        vb = self.map_panel.view.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        half = min(x1 - x0, 6000.0) / 2
        ratio = (y1 - y0) / max(x1 - x0, 1e-9)
        vb.setRange(xRange=(x - half, x + half), yRange=(y - half * ratio, y + half * ratio),
                    padding=0)
        return True

    def _clicked(self, _item, points, *_):
        if len(points):
            self.note_clicked.emit(int(points[0].data()))
