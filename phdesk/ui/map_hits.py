"""The map panel's pointer work: what is under a map point, hover tooltips, click-to-select.

Why it exists: MapPanel (``map_panel``) keeps data and colouring; answering "what is here?" for
the mouse and the tests is a separate job, kept here as a mixin the panel inherits. It reads
the panel's layers (``_layers``), values (``_values``), measure and profile, and emits its
selection signals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6 import QtGui, QtWidgets

from phdesk.ui import map_layers as ml
from phdesk.ui import map_text as mt


class MapHits:
    """Hit testing, tooltips and selection by pointer, for :class:`MapPanel`."""

    def hit_test(self, x: float, y: float) -> tuple[str, object] | None:
        """What is under a map point (metres): ("asset", id), ("area", row) or None.

        Visible asset markers win within 8 pixels; otherwise the area polygon containing it.
        """
        if self._layers is None:
            return None
        best = self.view.markers.nearest(x, y, 8 * self.view.metres_per_pixel())
        if best is not None:
            return "asset", best
        row = ml.area_at(self._layers, x, y)
        return None if row is None else ("area", row)

    def hover_text(self, x: float, y: float) -> str:
        """Tooltip text for a map point: area name/code + value, or asset name + category."""
        hit = self.hit_test(x, y)
        if hit is None:
            return ""
        kind, key = hit
        if kind == "asset":
            a = self._asset_row(key)
            return f"{a['name']}\n{a['category']}"
        row = int(key)
        return mt.area_tooltip(self._layers.areas.iloc[row], self._measure, self._value(row))

    def click_at(self, x: float, y: float) -> None:
        """Select what is at a map point (metres): emits the matching signal."""
        hit = self.hit_test(x, y)
        if hit is None:
            return
        kind, key = hit
        if kind == "asset":
            self._show_details(mt.asset_details(self._asset_row(key)))
            self.asset_selected.emit(int(key))
            return
        a = self._layers.areas.iloc[int(key)]
        nb = a["neighbourhood"]
        if self._measure is not None and self._measure.level == "neighbourhoods" and nb:
            self.select_neighbourhood(nb)
            self.neighbourhood_selected.emit(str(nb))
            return
        self.view.highlight.setPath(ml.path_for(self._layers.rings,
                                                np.arange(self._layers.rings.n) == int(key)))
        self._show_details(mt.area_details(a, self._profile, self._measure,
                                           self._value(int(key))))
        self.area_selected.emit(str(a["code"]))
        if nb:
            self.neighbourhood_selected.emit(str(nb))

    def _asset_row(self, asset_id) -> pd.Series:
        s = self._layers.assets
        return s[s["id"] == asset_id].iloc[0]

    def _value(self, row: int) -> float:
        return float(self._values[row]) if row < len(self._values) else float("nan")

    def _show_details(self, text: str) -> None:
        self.details.setText(text)

    def _on_hover(self, x: float, y: float) -> None:
        text = self.hover_text(x, y)
        if text == self._last_tip:
            return   # same thing under the mouse: leave the tooltip alone (no flicker)
        self._last_tip = text
        if text:
            QtWidgets.QToolTip.showText(QtGui.QCursor.pos(), text, self.view)
        else:
            QtWidgets.QToolTip.hideText()

    def _hide_tip(self) -> None:
        self._last_tip = ""
        QtWidgets.QToolTip.hideText()

