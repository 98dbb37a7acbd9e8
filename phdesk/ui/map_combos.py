"""The map panel's choice lists: which measures, categories and segments the data supports.

Why it exists: MapPanel (``map_panel``) keeps data and colouring; filling its Show/Measure/
Category/Segment combos from what the project holds (and keeping the user's choice across a
refill) is its own job, kept here as a mixin the panel inherits.
"""

from __future__ import annotations

import pandas as pd
from PySide6 import QtCore

from phdesk.ui import map_layers as ml
from phdesk.ui.help_content import column_tip
from phdesk.ui.map_panel_ui import LEVELS
from phdesk.ui.view_state import STATE_KEY_ROLE


def measure_state_key(m: ml.Measure) -> str:
    """A map measure's key in the view state (and in the saved view): its catalogue key, told
    apart by source where a level offers one key twice (everyone's population and a segment's)."""
    twins = [o for o in ml.MEASURES if o.key == m.key and o.level == m.level]
    return m.key if len(twins) == 1 or m.source == "profile" else f"{m.key}@{m.source}"


class MapCombos:
    """The Show/Measure/Category/Segment combos of :class:`MapPanel`."""

    def set_measure(self, key: str, level: str = "areas", source: str | None = None) -> bool:
        """Choose a measure by key (and level); False if it is not available now."""
        self.level_combo.setCurrentIndex(list(LEVELS.values()).index(level))
        for i in range(self.measure_combo.count()):
            m = self.measure_combo.itemData(i)
            if m is not None and m.key == key and (source is None or m.source == source):
                self.measure_combo.setCurrentIndex(i)
                return True
        return False

    def _refill_combos(self) -> None:
        """Offer the measures, segments and categories the current data supports."""
        level = LEVELS[self.level_combo.currentText()]
        has_profile = self._profile is not None and len(self._profile) > 0
        has_result = self._result is not None
        keep_m = self.measure_combo.currentText()
        combos = (self.measure_combo, self.segment_combo, self.category_combo)
        for c in combos:
            c.blockSignals(True)
        keep_s, keep_c = self.segment_combo.currentText(), self.category_combo.currentText()
        self.measure_combo.clear()
        for m in ml.available_measures(level, has_profile, has_result):
            if self._profile_has(m):
                self.measure_combo.addItem(m.label, m)
                i = self.measure_combo.count() - 1
                # what the measure means, from the catalogue (F1 has the full help)
                self.measure_combo.setItemData(i, column_tip(m.key),
                                               QtCore.Qt.ItemDataRole.ToolTipRole)
                self.measure_combo.setItemData(i, measure_state_key(m), STATE_KEY_ROLE)
        if self.measure_combo.count() == 0:
            self.measure_combo.addItem("Outlines only (no data yet)", None)
        cats = []
        if has_result:
            cats = sorted(set(self._result.neighbourhood_segments["category"].tolist()))
        elif self._layers is not None:
            cats = sorted(self._layers.assets["category"].unique().tolist())
        self.category_combo.clear()
        self.category_combo.addItems(cats)
        for combo, keep in ((self.measure_combo, keep_m), (self.category_combo, keep_c)):
            i = combo.findText(keep)
            if i >= 0:
                combo.setCurrentIndex(i)
        self._refill_segments(keep_s)
        for c in combos:
            c.blockSignals(False)
        self._recolour()

    def _measure_tip(self) -> None:
        tip = self.measure_combo.currentData(QtCore.Qt.ItemDataRole.ToolTipRole)
        self.measure_combo.setToolTip(tip or "What to colour the map by")

    def _profile_has(self, m: ml.Measure) -> bool:
        """Whether the profile has data for a profile measure: with boundaries alone every
        area's population is 0 and the map showed one colour with a "0 – 0" legend."""
        if m.source != "profile" or self._profile is None:
            return True
        p = self._profile
        pop = bool(pd.to_numeric(p["population"], errors="coerce").fillna(0).gt(0).any())
        imd = bool(pd.to_numeric(p["imd_decile"], errors="coerce").notna().any())
        return {"population": pop, "imd_decile": imd, "core20_pct": pop and imd}.get(m.key, True)

    def _refill_segments(self, keep: str | None = None) -> None:
        """Segments the result has for the chosen category (a category serves some segments)."""
        keep = keep if keep is not None else self.segment_combo.currentText()
        segs = []
        if self._result is not None:
            ns = self._result.neighbourhood_segments
            cat = self.category_combo.currentText()
            segs = list(dict.fromkeys(ns.loc[ns["category"] == cat, "segment"].tolist()))
        blocked = self.segment_combo.blockSignals(True)
        self.segment_combo.clear()
        self.segment_combo.addItems(segs)
        self.segment_combo.setEnabled(bool(segs))
        if self.segment_combo.findText(keep) >= 0:
            self.segment_combo.setCurrentIndex(self.segment_combo.findText(keep))
        self.segment_combo.blockSignals(blocked)

    def _on_level_changed(self, *_):
        self._refill_combos()

    def _on_category_changed(self, *_):
        self._refill_segments()
        self._recolour()
        self._update_catchments()

