"""The scenarios panel: choose and edit what-if scenarios, run and compare them.

Why it exists: a planner tries a change before making it. The panel chooses the scenario the
window shows and the one to compare it with (both live in the view state, so the map, charts,
tables and workshop follow), edits a scenario's changes (add a site by clicking the map or by
postcode, move or close the asset chosen on the map, change its capacity; each edit undoable and
saved at once; the asset register is never touched), and compares two scenarios off the GUI
thread with progress and Cancel (:mod:`phdesk.ui.scenario_compare` shows the result).
"""

from __future__ import annotations

import pandas as pd
from PySide6 import QtWidgets

from phdesk.core.scenario_file import describe_change
from phdesk.ui.planning_access import PlanningAccess, planning_for
from phdesk.ui.scenario_compare import CompareView

BASELINE = "Baseline (the register as it is)"
NO_COMPARISON = "(no comparison)"
BASELINE_KEY = "baseline"   # the view state's comparison value for the baseline


class ScenarioPanel(QtWidgets.QWidget):
    """Scenario choice, its changes, and the comparison."""

    def __init__(self, service, window, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_ = window
        self.planning: PlanningAccess = planning_for(window, service)
        self.state = window.view_state
        self.setAccessibleName("Scenarios panel")
        self.names: list[str] = []
        self.changes = pd.DataFrame()
        self.asset_id: int | None = None     # the asset last chosen on the map
        self.pick: str | None = None         # "add" | "move": the next map click places it

        self.scenario_combo = QtWidgets.QComboBox()
        self.scenario_combo.setAccessibleName("Scenario shown")
        self.compare_combo = QtWidgets.QComboBox()
        self.compare_combo.setAccessibleName("Compare with")
        self.new_button = QtWidgets.QPushButton("New…")
        self.delete_button = QtWidgets.QPushButton("Delete")
        self.change_list = QtWidgets.QListWidget()
        self.change_list.setAccessibleName("Changes in this scenario")
        self.add_map_button = QtWidgets.QPushButton("Add site on map")
        self.add_map_button.setCheckable(True)
        self.add_postcode_button = QtWidgets.QPushButton("Add by postcode…")
        self.move_button = QtWidgets.QPushButton("Move chosen asset")
        self.move_button.setCheckable(True)
        self.close_button = QtWidgets.QPushButton("Close chosen asset")
        self.capacity_button = QtWidgets.QPushButton("Capacity…")
        self.remove_button = QtWidgets.QPushButton("Remove change")
        self.compare_button = QtWidgets.QPushButton("Compare")
        self.compare_button.setToolTip("Compare the scenario shown with the one chosen "
                                       "(runs in the background; Cancel in the status bar)")
        self.hint = QtWidgets.QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Scenario hint")
        for b in (self.new_button, self.delete_button, self.add_map_button,
                  self.add_postcode_button, self.move_button, self.close_button,
                  self.capacity_button, self.remove_button, self.compare_button):
            b.setAccessibleName(b.text().rstrip("…"))
        self.compare_view = CompareView(self)

        form = QtWidgets.QFormLayout()
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.scenario_combo, 1)
        row.addWidget(self.new_button)
        row.addWidget(self.delete_button)
        form.addRow("Show", row)
        form.addRow("Compare with", self.compare_combo)
        grid = QtWidgets.QGridLayout()
        for i, b in enumerate((self.add_map_button, self.add_postcode_button, self.move_button,
                               self.close_button, self.capacity_button, self.remove_button)):
            grid.addWidget(b, i // 2, i % 2)
        left = QtWidgets.QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.change_list, 1)
        left.addLayout(grid)
        left.addWidget(self.hint)
        left.addWidget(self.compare_button)
        left_w = QtWidgets.QWidget()
        left_w.setLayout(left)
        left_w.setMaximumWidth(420)
        lay = QtWidgets.QHBoxLayout(self)
        lay.addWidget(left_w)
        lay.addWidget(self.compare_view, 1)

        self.scenario_combo.activated.connect(
            lambda _i: self.state.set(scenario=self.scenario_combo.currentData()))
        self.compare_combo.activated.connect(
            lambda _i: self.state.set(comparison=self.compare_combo.currentData()))
        self.new_button.clicked.connect(self.new_scenario)
        self.delete_button.clicked.connect(self.delete_scenario)
        self.add_map_button.toggled.connect(lambda on: self._pick("add" if on else None))
        self.move_button.toggled.connect(lambda on: self._pick("move" if on else None))
        self.add_postcode_button.clicked.connect(self.add_by_postcode)
        self.close_button.clicked.connect(self.close_asset)
        self.capacity_button.clicked.connect(self.change_capacity)
        self.remove_button.clicked.connect(self.remove_change)
        self.compare_button.clicked.connect(self.run_compare)
        self.state.changed.connect(self._on_state)
        self.planning.changed.connect(lambda kind: kind == "scenarios" and self.reload())
        map_panel = getattr(window, "map_panel", None)
        if map_panel is not None and hasattr(map_panel, "view"):
            map_panel.view.mouse_clicked.connect(self._map_clicked)
            map_panel.asset_selected.connect(self._asset_chosen)
        self._update_buttons()
        self.reload()

    # -- data --------------------------------------------------------------------------------
    def reload(self) -> None:
        self.planning.read("scenarios", self._loaded)

    def _loaded(self, scenarios: pd.DataFrame) -> None:
        self.names = scenarios["name"].astype(str).tolist()
        if self.state.scenario not in (None, *self.names):
            self.state.set(scenario=None)
        self._fill_combos()
        self._read_changes()
        self._update_buttons()

    def _fill_combos(self) -> None:
        for combo, first in ((self.scenario_combo, [(BASELINE, None)]),
                             (self.compare_combo, [(NO_COMPARISON, None),
                                                   (BASELINE, BASELINE_KEY)])):
            combo.blockSignals(True)
            combo.clear()
            for text, data in first + [(n, n) for n in self.names]:
                combo.addItem(text, data)
            combo.blockSignals(False)
        self._show_state()

    def _show_state(self) -> None:
        for combo, value in ((self.scenario_combo, self.state.scenario),
                             (self.compare_combo, self.state.comparison)):
            combo.setCurrentIndex(max(combo.findData(value), 0))

    def _read_changes(self) -> None:
        name = self.state.scenario
        if name is None:
            self._show_changes(pd.DataFrame())
        else:
            self.planning.run(lambda s: s.planning.scenario_changes(name), self._show_changes,
                              "Reading the scenario")

    def _show_changes(self, changes: pd.DataFrame) -> None:
        self.changes = changes
        self.change_list.clear()
        for ch in changes.itertuples(index=False):
            self.change_list.addItem(describe_change(ch._asdict()))
        overlays = getattr(getattr(self.window_, "map_panel", None), "planning_overlays", None)
        data = getattr(self.window_, "data", None)
        if overlays is not None:
            overlays.set_sites(changes, data.assets if data is not None else None)
        self._update_buttons()

    def _on_state(self, diff: dict) -> None:
        known = {None, BASELINE_KEY, *self.names}
        if diff.get("scenario") not in known or diff.get("comparison") not in known:
            self.reload()   # made elsewhere (the command line, another window): read it
            return
        if "scenario" in diff or "comparison" in diff:
            self._show_state()
        if "scenario" in diff:
            self._read_changes()
        if self.compare_view.comparison is not None and \
                {"neighbourhood", "category", "segment"} & set(diff):
            self._show_comparison(self.compare_view.comparison)

    def _update_buttons(self) -> None:
        editing = self.state.scenario is not None
        for b in (self.add_map_button, self.add_postcode_button, self.move_button,
                  self.close_button, self.capacity_button, self.remove_button,
                  self.delete_button):
            b.setEnabled(editing)
        self.compare_button.setEnabled(editing or self.state.comparison not in (None,
                                                                             BASELINE_KEY))
        chosen = f"asset {self.asset_id}" if self.asset_id is not None else "no asset yet"
        self.hint.setText("Choose or create a scenario to change it: the register itself is "
                          "never changed." if not editing else
                          f"Click an asset on the map to move, close or resize it ({chosen}).")

    # -- edits -------------------------------------------------------------------------------
    def _save(self, changes: pd.DataFrame, text: str, name: str | None = None) -> None:
        name = name or self.state.scenario
        self.planning.save_changes(name, changes, "", text)

    def _append(self, change: dict, text: str) -> None:
        row = pd.DataFrame([change])
        both = row if self.changes.empty else pd.concat([self.changes, row], ignore_index=True)
        self._save(both.reindex(columns=self.changes.columns if len(self.changes.columns)
                                else list(change)), text)

    def new_scenario(self, name: str | None = None) -> None:
        if name is None:
            name, ok = QtWidgets.QInputDialog.getText(self, "New scenario", "Scenario name:")
            if not ok:
                return
        name = name.strip()
        if not name or name in self.names:
            return
        self._save(pd.DataFrame(columns=["action"]), f"New scenario {name}", name)
        self.state.set(scenario=name)

    def delete_scenario(self) -> None:
        name = self.state.scenario
        if name is not None:
            self.state.set(scenario=None)
            self.planning.delete_scenario(name)

    def _pick(self, mode: str | None) -> None:
        self.pick = mode
        for b, m in ((self.add_map_button, "add"), (self.move_button, "move")):
            b.blockSignals(True)
            b.setChecked(mode == m)
            b.blockSignals(False)

    def _asset_chosen(self, asset_id: int) -> None:
        self.asset_id = int(asset_id)
        self._update_buttons()

    def _map_clicked(self, x: float, y: float) -> None:
        mode, self.pick = self.pick, None
        self._pick(None)
        if mode == "add":
            self.add_site(x, y)
        elif mode == "move" and self.asset_id is not None:
            self._append({"action": "move", "asset": self.asset_id, "easting": x,
                          "northing": y}, f"Move asset {self.asset_id}")

    def add_site(self, x: float, y: float, category: str | None = None,
                 name: str | None = None) -> None:
        """Add a site at (x, y) metres, of the category chosen in the view state."""
        category = category or self.state.category
        if self.state.scenario is None or not category:
            return
        self._append({"action": "add", "name": name or f"New {category}", "category": category,
                      "easting": float(x), "northing": float(y), "capacity": 1.0},
                     f"Add {category} site")

    def add_by_postcode(self) -> None:
        postcode, ok = QtWidgets.QInputDialog.getText(self, "Add a site by postcode",
                                                      "Postcode:")
        if ok and postcode.strip():
            self.planning.locate_postcode(postcode.strip(), self.state.category or "site",
                                          lambda xy: xy and self.add_site(*xy))

    def close_asset(self) -> None:
        if self.asset_id is not None:
            self._append({"action": "close", "asset": self.asset_id},
                         f"Close asset {self.asset_id}")

    def change_capacity(self) -> None:
        if self.asset_id is None:
            return
        value, ok = QtWidgets.QInputDialog.getDouble(self, "Change capacity",
                                                     f"Capacity of asset {self.asset_id}:",
                                                     1.0, 0.0, 1e9, 1)
        if ok:
            self._append({"action": "capacity", "asset": self.asset_id, "capacity": value},
                         f"Capacity of asset {self.asset_id}")

    def remove_change(self) -> None:
        row = self.change_list.currentRow()
        if row >= 0 and len(self.changes):
            self._save(self.changes.drop(self.changes.index[row]).reset_index(drop=True),
                       "Remove a change")

    # -- comparing ---------------------------------------------------------------------------
    def comparison_pair(self) -> tuple[str, str | None] | None:
        """(scenario, against: None = baseline) from the view state, or None if there is
        nothing to compare."""
        name, other = self.state.scenario, self.state.comparison
        if name is None and other not in (None, BASELINE_KEY):
            return other, None
        if name is None:
            return None
        return name, None if other in (None, BASELINE_KEY) else other

    def run_compare(self) -> None:
        pair = self.comparison_pair()
        if pair is None:
            return
        params = self.window_.mapping_params() if hasattr(self.window_, "mapping_params") \
            else None
        self.planning.compare(pair[0], pair[1], params, self._show_comparison)

    def _show_comparison(self, cmp) -> None:
        layers = getattr(getattr(self.window_, "data", None), "map_layers", None)
        self.compare_view.show_comparison(cmp, self.state.snapshot(), layers)
