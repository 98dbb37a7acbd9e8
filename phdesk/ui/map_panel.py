"""MapPanel: the map with its own toolbar, layer list, legend and details box.

Why it exists: the one map screen of the app. A choropleth of areas or neighbourhoods by a base
measure (population, IMD decile) or a mapping-result measure for a segment and category, asset
markers per category (each a layer the user can hide), catchment circles on demand, hover
tooltips, click-to-select (signals), and PNG export. Geometry work lives in ``map_layers`` (plain
data in, arrays and paths out) so ``set_base`` stays fast and can be split off the GUI thread
(``build_base_layers`` on a worker, then ``set_base_layers`` on the GUI thread).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.ui import map_layers as ml
from phdesk.ui import map_panel_ui, palettes
from phdesk.ui import map_text as mt
from phdesk.ui.help_content import column_tip
from phdesk.ui.map_labels import install_declutter
from phdesk.ui.map_legend import marker_icon
from phdesk.ui.map_panel_ui import LEVELS

BASE_FILL = "#c6dbef"  # no measure to show: a light, neutral blue
HALO_MAX_MARKERS = 3000  # white halos behind markers up to this many (they double paint time)


class MapPanel(QtWidgets.QWidget):
    """The map screen. See the contract in helper_brief: set_base, set_profile, set_result,
    select_neighbourhood, export_png, and the three selection signals."""

    area_selected = QtCore.Signal(str)
    neighbourhood_selected = QtCore.Signal(str)
    asset_selected = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Map panel")
        self._layers: ml.BaseLayers | None = None
        self._profile: pd.DataFrame | None = None
        self._result = None
        self._values = np.zeros(0)
        self._nb_values: pd.Series | None = None
        self._measure: ml.Measure | None = None
        self._edges = np.array([])
        self._selected_nbhd: str | None = None
        self._last_tip = ""
        self._hold, self._pending = 0, False
        self.recolours = 0   # fill paths rebuilt (a project load should cost one)
        self._build_ui()

    # ---- UI -------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        map_panel_ui.build(self)
        for c in (self.level_combo, self.breaks_combo):
            c.currentIndexChanged.connect(self._on_level_changed if c is self.level_combo
                                          else self._recolour)
        self.measure_combo.currentIndexChanged.connect(self._recolour)
        self.measure_combo.currentIndexChanged.connect(lambda _i: self._measure_tip())
        self.segment_combo.currentIndexChanged.connect(self._recolour)
        self.category_combo.currentIndexChanged.connect(self._on_category_changed)
        self.catchment_check.toggled.connect(self._update_catchments)
        self.labels_check.toggled.connect(self.view.set_labels_visible)
        # labels never overlap: hidden until a zoom makes room (phdesk.ui.map_labels)
        install_declutter(self.view, self.labels_check.isChecked)
        self.labels_check.toggled.connect(lambda _on: self.view.declutter_labels())
        self.layer_list.itemChanged.connect(self._on_layer_item)
        self.export_button.clicked.connect(self._export_dialog)
        self.view.mouse_moved.connect(self._on_hover)
        self.view.mouse_left.connect(self._hide_tip)
        self.view.mouse_clicked.connect(self.click_at)

    @contextlib.contextmanager
    def held(self):
        """Hold recolours while several inputs change, then recolour once.

        A project load sets the base layers, the profile and the result one after the other, and
        each would rebuild every fill path (three recolours per load): inside ``with
        panel.held():`` they only mark the colours stale."""
        self._hold += 1
        try:
            yield self
        finally:
            self._hold -= 1
            if not self._hold and self._pending:
                self._pending = False
                self._recolour()

    # ---- contract -------------------------------------------------------------------------
    def set_base(self, areas: pd.DataFrame, assets: pd.DataFrame) -> None:
        """Areas (queries.areas_frame) and assets (queries.assets_frame) to draw."""
        self.set_base_layers(ml.build_base_layers(areas, assets))

    def set_base_layers(self, layers: ml.BaseLayers) -> None:
        """Show layers built by ``map_layers.build_base_layers`` (e.g. on a worker thread)."""
        self._layers = layers
        self._selected_nbhd = None
        self.view.highlight.setPath(QtGui.QPainterPath())
        self.view.fill.set_borders(lambda: layers.borders.path)   # (made on a worker)
        labels = layers.labels
        labels = labels if len(labels) <= 120 else labels[:0]   # more only clutter (and cost)
        self.view.set_labels(labels["group"], labels["label_x"], labels["label_y"])
        self.view.set_labels_visible(self.labels_check.isChecked())
        QtCore.QTimer.singleShot(0, self, self.view.declutter_labels)
        self._build_asset_layers()
        self._refill_combos()
        x0, y0, x1, y1 = layers.extent
        self.view.set_home(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))

    def set_profile(self, profile: pd.DataFrame | None) -> None:
        """area_code, neighbourhood, imd_decile, population (service.area_profile())."""
        self._profile = profile
        self._refill_combos()

    def set_result(self, result) -> None:
        """A MappingResult (or None): adds result measures, segments and categories."""
        self._result = result
        self._refill_combos()
        self._update_catchments()

    def select_neighbourhood(self, name: str | None) -> None:
        """Outline one neighbourhood in bold and show its details (None clears)."""
        self._selected_nbhd = name
        path = QtGui.QPainterPath()
        if name and self._layers is not None:
            path = self._layers.borders.path_of(name)
            if not path.isEmpty():
                n = int((self._layers.areas["neighbourhood"] == name).sum())
                self._show_details(mt.neighbourhood_details(
                    name, n, self._profile, self._measure, self._nb_values))
        self.view.highlight.setPath(path)

    def export_png(self, path) -> Path:
        """Save the map and its legend as a PNG at screen resolution; returns the path."""
        path = Path(path)
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        if not self.canvas.grab().save(str(path), "PNG"):
            raise OSError(f"Could not write {path}")
        return path

    # ---- queries used by tests and other panels -----------------------------------------
    def area_count(self) -> int:
        return 0 if self._layers is None else int(self._layers.rings.n)

    def categories(self) -> list[str]:
        return list(self.view.scatters)

    def asset_count(self, category: str | None = None, visible_only: bool = True) -> int:
        """Markers drawn, for one category or all (hidden layers count 0 when visible_only)."""
        items = [self.view.scatters[category]] if category else list(self.view.scatters.values())
        return sum(len(s.data) for s in items if s.isVisible() or not visible_only)

    def set_layer_visible(self, category: str, on: bool) -> None:
        for i in range(self.layer_list.count()):
            item = self.layer_list.item(i)
            if item.data(QtCore.Qt.ItemDataRole.UserRole) == category:
                item.setCheckState(QtCore.Qt.CheckState.Checked if on
                                   else QtCore.Qt.CheckState.Unchecked)

    def legend_breaks(self) -> np.ndarray:
        return self._edges.copy()

    def current_measure(self) -> ml.Measure | None:
        return self._measure

    def set_measure(self, key: str, level: str = "areas", source: str | None = None) -> bool:
        """Choose a measure by key (and level); False if it is not available now."""
        self.level_combo.setCurrentIndex(list(LEVELS.values()).index(level))
        for i in range(self.measure_combo.count()):
            m = self.measure_combo.itemData(i)
            if m is not None and m.key == key and (source is None or m.source == source):
                self.measure_combo.setCurrentIndex(i)
                return True
        return False

    # ---- hit testing ----------------------------------------------------------------------
    def hit_test(self, x: float, y: float) -> tuple[str, object] | None:
        """What is under a map point (metres): ("asset", id), ("area", row) or None.

        Visible asset markers win within 8 pixels; otherwise the area polygon containing it.
        """
        if self._layers is None:
            return None
        tol = 8 * self.view.metres_per_pixel()
        best, best_d = None, tol
        for s in self.view.scatters.values():
            if not s.isVisible() or not len(s.data):
                continue
            d = np.hypot(s.data["x"] - x, s.data["y"] - y)
            i = int(np.argmin(d))
            if d[i] <= best_d:
                best, best_d = int(s.data["data"][i]), float(d[i])
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

    # ---- internals ------------------------------------------------------------------------
    def _asset_row(self, asset_id) -> pd.Series:
        s = self._layers.assets
        return s[s["id"] == asset_id].iloc[0]

    def _value(self, row: int) -> float:
        return float(self._values[row]) if row < len(self._values) else float("nan")

    def _show_details(self, text: str) -> None:
        self.details.setText(text)

    def _build_asset_layers(self) -> None:
        self.view.clear_scatters()
        self.layer_list.blockSignals(True)
        self.layer_list.clear()
        s = self._layers.assets
        halo = len(s) <= HALO_MAX_MARKERS
        styles = palettes.category_styles(s["category"].unique().tolist())
        for cat, part in s.groupby("category", sort=True):
            colour, symbol = styles[cat]
            self.view.set_scatter(cat, part["easting"].to_numpy(float),
                                  part["northing"].to_numpy(float), colour, symbol,
                                  part["id"].to_numpy(), halo=halo)
            item = QtWidgets.QListWidgetItem(marker_icon(colour, symbol), f"{cat} ({len(part)})")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, cat)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(QtCore.Qt.CheckState.Checked)
            item.setData(QtCore.Qt.ItemDataRole.AccessibleTextRole, f"{cat}, {len(part)} assets")
            self.layer_list.addItem(item)
        self.layer_list.blockSignals(False)

    def _on_layer_item(self, item: QtWidgets.QListWidgetItem) -> None:
        cat = item.data(QtCore.Qt.ItemDataRole.UserRole)
        if cat in self.view.scatters:
            self.view.scatters[cat].setVisible(item.checkState() == QtCore.Qt.CheckState.Checked)

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
                # what the measure means, from the catalogue (F1 has the full help)
                self.measure_combo.setItemData(self.measure_combo.count() - 1, column_tip(m.key),
                                               QtCore.Qt.ItemDataRole.ToolTipRole)
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

    def _recolour(self, *_):
        """Compute values for the chosen measure, class them, rebuild the fill paths."""
        if self._layers is None:
            return
        if self._hold:
            self._pending = True
            return
        self.recolours += 1
        self._measure = self.measure_combo.currentData()
        n = self._layers.rings.n
        brush = pg.mkBrush
        if self._measure is None:
            self._values, self._nb_values, self._edges = np.full(n, np.nan), None, np.array([])
            lay, base = self._layers, brush(BASE_FILL)
            self.view.fill.set_paths(lambda: [(p, base) for p in lay.outline],
                                     lambda: lay.outline,
                                     ml.lod_fills(lay, np.zeros(n, dtype=np.int64), [base]),
                                     lay.bounds)
            self.legend.set_entries("Areas", [(BASE_FILL, "Area (no measure)")])
            return
        seg = self.segment_combo.currentText() or None
        cat = self.category_combo.currentText() or None
        self._values, self._nb_values = ml.measure_values(
            self._measure, self._layers.areas, self._profile, self._result, seg, cat)
        self.breaks_combo.setEnabled(self._measure.key != "imd_decile")  # deciles are fixed
        method = palettes.BREAK_METHODS[self.breaks_combo.currentIndex()]
        cls = mt.classify_measure(self._measure, self._values, method)
        self._edges, colours, labels, classes = cls.edges, cls.colours, cls.labels, cls.of_value
        brushes = [brush(c) for c in colours] + [brush(palettes.NO_DATA)]   # [-1] = no data
        rings, tiles = self._layers.rings, self._layers.tiles

        def fills() -> list:   # built when a view first needs full detail (FillItem.set_paths)
            return [(p, brushes[k]) for k, p in ml.class_paths(rings, classes, tiles)]

        lay = self._layers
        outline = (lambda: lay.outline) if self._measure.level == "areas" else []
        self.view.fill.set_paths(fills, outline, ml.lod_fills(lay, classes, brushes), lay.bounds)
        entries = list(zip(colours, labels, strict=True))
        if len(classes) and (classes < 0).all():   # say why, and what to import next
            entries = [(palettes.NO_DATA, mt.empty_reason(self._measure))]
        elif (classes < 0).any():
            entries.append((palettes.NO_DATA, "No data"))
        title = self._measure.label
        if self._measure.source == "result":
            title += f"\n{seg or ''} · {cat or ''}"
        self.legend.set_entries(title, entries)
        if self._selected_nbhd:
            self.select_neighbourhood(self._selected_nbhd)

    def _update_catchments(self, *_):
        """Circles of the catchment radius around the chosen category's assets."""
        path = QtGui.QPainterPath()
        cat = self.category_combo.currentText()
        if self.catchment_check.isChecked() and self._layers is not None and cat:
            s = self._layers.assets[self._layers.assets["category"] == cat]
            radius = ml.catchment_radius(self._result, cat)
            path = ml.circle_path(s["easting"].to_numpy(float), s["northing"].to_numpy(float),
                                  radius)
            styles = palettes.category_styles(self._layers.assets["category"].unique().tolist())
            # hatching, not a tint: a translucent fill would shift the choropleth's colours
            colour = QtGui.QColor(styles.get(cat, palettes.category_style(0))[0]).darker(130)
            self.view.catchments.setBrush(QtGui.QBrush(colour,
                                                       QtCore.Qt.BrushStyle.BDiagPattern))
        self.view.catchments.setPath(path)

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

    def _export_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export map", "map.png",
                                                        "PNG image (*.png)")
        if path:
            self.export_png(path)


if __name__ == "__main__":
    from phdesk.ui.preview_data import preview_map

    raise SystemExit(preview_map())
