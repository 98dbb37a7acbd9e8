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

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.ui import map_layers as ml
from phdesk.ui import map_panel_ui, palettes
from phdesk.ui import map_text as mt
from phdesk.ui.map_combos import MapCombos
from phdesk.ui.map_hits import MapHits
from phdesk.ui.map_labels import install_declutter
from phdesk.ui.map_legend import marker_icon
from phdesk.ui.map_panel_ui import LEVELS  # noqa: F401  (re-exported: preview_data)

BASE_FILL = "#c6dbef"  # no measure to show: a light, neutral blue
HALO_MAX_MARKERS = 3000  # white halos behind markers up to this many (they double paint time)


class MapPanel(MapCombos, MapHits, QtWidgets.QWidget):
    """The map screen: set_base, set_profile, set_result, select_neighbourhood, export_png, and
    the three selection signals. Its combos are filled by ``MapCombos`` (map_combos.py) and its
    pointer work (hit test, tooltip, click) is ``MapHits`` (map_hits.py)."""

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
        self._labels_from: ml.BaseLayers | None = None   # labels still to show (see held)
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
        self.export_button.hide()   # shown when a window gives it somewhere to export to
        self.view.mouse_moved.connect(self._on_hover)
        self.view.mouse_left.connect(self._hide_tip)
        self.view.mouse_clicked.connect(self.click_at)

    @contextlib.contextmanager
    def held(self):
        """Hold recolours while several inputs change, then recolour once.

        A project load sets the base layers, the profile and the result one after the other, and
        each would rebuild every fill path (three recolours per load): inside ``with
        panel.held():`` they only mark the colours stale. The neighbourhood labels of new base
        layers are shown then too, after the recolour: they are made on the map worker, which
        has that much longer to finish them before the GUI thread waits."""
        self._hold += 1
        try:
            yield self
        finally:
            self._hold -= 1
            if not self._hold and self._pending:
                self._pending = False
                self._recolour()
            if not self._hold:
                self._show_labels()

    # ---- contract -------------------------------------------------------------------------
    def set_base(self, areas: pd.DataFrame, assets: pd.DataFrame, border_lines=None) -> None:
        """Areas (queries.areas_frame) and assets (queries.assets_frame) to draw
        (``border_lines``: see ``map_layers.build_base_layers``)."""
        self.set_base_layers(ml.build_base_layers(areas, assets, border_lines))

    def set_base_layers(self, layers: ml.BaseLayers) -> None:
        """Show layers built by ``map_layers.build_base_layers`` (e.g. on a worker thread)."""
        self._layers = layers
        self._selected_nbhd = None
        self.view.highlight.setPath(QtGui.QPainterPath())
        self.view.fill.set_borders(lambda: layers.borders.path)   # (made on a worker)
        self._build_asset_layers()
        self._refill_combos()
        self.view.set_home(layers.home)
        self._labels_from = layers
        if not self._hold:
            self._show_labels()

    def _show_labels(self) -> None:
        """The labels of the base layers last set, if not shown yet (made on the map worker
        meanwhile: asked for last), decluttered for the current view."""
        layers, self._labels_from = self._labels_from, None
        if layers is None or layers is not self._layers:
            return
        labels = layers.labels
        labels = labels if len(labels) <= 120 else labels[:0]   # more only clutter (and cost)
        self.view.set_labels(labels["group"], labels["label_x"], labels["label_y"])
        self.view.set_labels_visible(self.labels_check.isChecked())
        self.view.declutter_labels()
        QtCore.QTimer.singleShot(0, self, self.view.declutter_labels)

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

    def set_export_handler(self, export) -> None:
        """Show the Export PNG button, which calls ``export()``: the window's one export path
        (rendered from the data at a stated size, under the disclosure rule), never a grab."""
        self.export_button.clicked.connect(lambda _checked=False: export())
        self.export_button.show()

    # ---- queries used by tests and other panels -----------------------------------------
    def area_count(self) -> int:
        return 0 if self._layers is None else int(self._layers.rings.n)

    def categories(self) -> list[str]:
        return list(self.view.markers.categories)

    def asset_count(self, category: str | None = None, visible_only: bool = True) -> int:
        """Markers drawn, for one category or all (hidden layers count 0 when visible_only)."""
        return self.view.markers.count(category, visible_only)

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

    # ---- internals ------------------------------------------------------------------------
    def _build_asset_layers(self) -> None:
        """One marker item for every category (map_markers), one checkable row per category."""
        self.layer_list.blockSignals(True)
        self.layer_list.clear()
        s = self._layers.assets
        code, cats = pd.factorize(s["category"], sort=True)
        cats = [str(c) for c in cats]
        styles = palettes.category_styles(cats)
        self.view.set_markers(s["easting"].to_numpy(float), s["northing"].to_numpy(float),
                              s["id"].to_numpy(), code, cats, [styles[c] for c in cats],
                              halo=len(s) <= HALO_MAX_MARKERS)
        for cat, n in zip(cats, np.bincount(code, minlength=len(cats)).tolist(), strict=True):
            colour, symbol = styles[cat]
            item = QtWidgets.QListWidgetItem(marker_icon(colour, symbol), f"{cat} ({n})")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, cat)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(QtCore.Qt.CheckState.Checked)
            item.setData(QtCore.Qt.ItemDataRole.AccessibleTextRole, f"{cat}, {n} assets")
            self.layer_list.addItem(item)
        self.layer_list.blockSignals(False)

    def _on_layer_item(self, item: QtWidgets.QListWidgetItem) -> None:
        self.view.markers.set_shown(item.data(QtCore.Qt.ItemDataRole.UserRole),
                                    item.checkState() == QtCore.Qt.CheckState.Checked)

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
            self.legend.set_entries("Areas", [(BASE_FILL, "Area (no measure)") if n else
                                              (BASE_FILL, "No areas yet: import boundaries")])
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


if __name__ == "__main__":
    from phdesk.ui.preview_data import preview_map

    raise SystemExit(preview_map())
