"""The "Run mapping" dialog: which categories and segments to map, each category's catchment
radius (metres) and the segments it serves, and the enhanced two-step floating catchment (E2SFCA)
distance weights. The per-category radius and "serves" are saved in the project through the
service when the user runs mapping, so the next run (and the command line) uses them."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from PySide6 import QtCore, QtWidgets

DEFAULT_WEIGHTS = (1.0, 0.68, 0.22)
MAX_RADIUS_M = 50_000


@dataclass
class MappingChoices:
    """What the dialog starts from: the project's categories, settings and segments."""

    categories: list[str]
    segments: list[str]
    settings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["category", "radius_m", "serves"]))
    default_radius_m: float = 1000.0
    selected_categories: list[str] | None = None
    selected_segments: list[str] | None = None
    weights: tuple[float, float, float] = DEFAULT_WEIGHTS


def _check_list(items: list[str], checked: list[str] | None, name: str
                ) -> QtWidgets.QListWidget:
    widget = QtWidgets.QListWidget()
    widget.setAccessibleName(name)
    for text in items:
        it = QtWidgets.QListWidgetItem(text, widget)
        it.setFlags(it.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
        on = checked is None or text in checked
        it.setCheckState(QtCore.Qt.CheckState.Checked if on else QtCore.Qt.CheckState.Unchecked)
    return widget


def _checked(widget: QtWidgets.QListWidget) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())
            if widget.item(i).checkState() == QtCore.Qt.CheckState.Checked]


class MappingDialog(QtWidgets.QDialog):
    """Choose mapping parameters; ``params()`` and ``category_table()`` read the choices."""

    def __init__(self, choices: MappingChoices, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run mapping")
        self.setAccessibleName("Run mapping")
        self.choices = choices
        self._serves: dict[str, list[str]] = {}
        # built in this order, then laid out: the buttons are parented at once (see
        # _build_buttons); every other widget joins the dialog, and its tab order, in
        # _lay_out's order
        self._build_default_radius(choices)
        self._build_category_table(choices)
        self._build_segment_lists(choices)
        weight_row = self._build_weights(choices)
        form = self._settings_form(weight_row)
        grid = self._lists_grid()
        self._build_buttons()
        self._lay_out(form, grid)
        if choices.categories:
            self.table.setCurrentCell(0, 0)
            self._show_serves(0, 0, -1, -1)
        else:
            self.message.setText(" ".join(self.problems()))
            self.run_button.setEnabled(False)
        self.resize(self.fontMetrics().averageCharWidth() * 150,
                    self.fontMetrics().height() * 38)

    # -- building the dialog -------------------------------------------------------------------
    def _build_default_radius(self, choices: MappingChoices) -> None:
        """The default catchment radius (metres), for categories without one of their own."""
        self.default_radius = QtWidgets.QSpinBox()
        self.default_radius.setRange(50, MAX_RADIUS_M)
        self.default_radius.setSingleStep(100)
        self.default_radius.setSuffix(" m")
        self.default_radius.setValue(int(choices.default_radius_m))
        self.default_radius.setAccessibleName("Default catchment radius in metres")
        self.default_radius.setAccessibleDescription("Used for categories without a radius of "
                                                     "their own")

    def _build_category_table(self, choices: MappingChoices) -> None:
        """The categories: map? / name / radius (metres), from the project's saved settings."""
        saved = choices.settings.set_index("category") if len(choices.settings) else None
        self.table = QtWidgets.QTableWidget(len(choices.categories), 2)
        self.table.setHorizontalHeaderLabels(["Category (tick to map)", "Radius (metres)"])
        self.table.setAccessibleName("Categories and their catchment radius")
        self.table.setAccessibleDescription("Tick a category to include it; edit its radius in "
                                            "metres; select a row to choose whom it serves")
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.radius: dict[str, QtWidgets.QSpinBox] = {}
        for row, cat in enumerate(choices.categories):
            self._add_category_row(row, cat, choices, saved)
        self.table.resizeColumnToContents(1)
        self.table.currentCellChanged.connect(self._show_serves)

    def _add_category_row(self, row: int, cat: str, choices: MappingChoices,
                          saved: pd.DataFrame | None) -> None:
        """One category's row: its tick, its radius (metres) and whom it serves, as saved."""
        item = QtWidgets.QTableWidgetItem(cat)
        item.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable
                      | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
        on = choices.selected_categories is None or cat in choices.selected_categories
        item.setCheckState(QtCore.Qt.CheckState.Checked if on
                           else QtCore.Qt.CheckState.Unchecked)
        self.table.setItem(row, 0, item)
        spin = QtWidgets.QSpinBox()
        spin.setRange(50, MAX_RADIUS_M)
        spin.setSingleStep(100)
        spin.setSuffix(" m")
        has = saved is not None and cat in saved.index
        spin.setValue(int(saved.loc[cat, "radius_m"]) if has else int(choices.default_radius_m))
        spin.setAccessibleName(f"Radius for {cat} in metres")
        self.table.setCellWidget(row, 1, spin)
        self.radius[cat] = spin
        serves = saved.loc[cat, "serves"] if has else ["All"]
        self._serves[cat] = list(serves) if isinstance(serves, list | tuple) else ["All"]

    def _build_segment_lists(self, choices: MappingChoices) -> None:
        """Whom the selected category serves, and the segments to map: two check lists."""
        self.serves_label = QtWidgets.QLabel("&Serves:")
        self.serves = _check_list(choices.segments, [], "Segments the selected category serves")
        self.serves.setAccessibleDescription("Tick the population segments the selected category "
                                             "is meant to serve")
        self.serves_label.setBuddy(self.serves)
        self.serves.itemChanged.connect(self._serves_edited)

        self.segments = _check_list(choices.segments, choices.selected_segments,
                                    "Segments to map")
        self.segments.setAccessibleDescription("Tick the population segments to include")

    def _build_weights(self, choices: MappingChoices) -> QtWidgets.QHBoxLayout:
        """The three E2SFCA distance weights (inner, middle and outer third of the radius)."""
        self.weights = []
        weight_row = QtWidgets.QHBoxLayout()
        zones = ["inner third", "middle third", "outer third"]
        for zone, value in zip(zones, choices.weights, strict=True):
            w = QtWidgets.QDoubleSpinBox()
            w.setRange(0.0, 1.0)
            w.setDecimals(2)
            w.setSingleStep(0.05)
            w.setValue(float(value))
            w.setAccessibleName(f"E2SFCA weight, {zone} of the radius")
            weight_row.addWidget(w)
            self.weights.append(w)
        weight_row.addStretch(1)
        return weight_row

    def _settings_form(self, weight_row: QtWidgets.QHBoxLayout) -> QtWidgets.QFormLayout:
        """The default radius and the weights, labelled."""
        form = QtWidgets.QFormLayout()
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        lbl = QtWidgets.QLabel("&Default radius:")
        lbl.setBuddy(self.default_radius)
        form.addRow(lbl, self.default_radius)
        wl = QtWidgets.QLabel("E2SFCA distance &weights:")
        wl.setBuddy(self.weights[0])
        wl.setToolTip("How much a service counts for people in the inner, middle and outer "
                      "third of its catchment (enhanced two-step floating catchment)")
        form.addRow(wl, weight_row)
        return form

    def _lists_grid(self) -> QtWidgets.QGridLayout:
        """Categories, whom the selected one serves and the segments to map, side by side, with
        buttons to tick or untick every segment."""
        cats_label = QtWidgets.QLabel("&Categories:")
        cats_label.setBuddy(self.table)
        seg_label = QtWidgets.QLabel("Se&gments to map:")
        seg_label.setBuddy(self.segments)
        seg_buttons = QtWidgets.QHBoxLayout()
        for text, name, state in (("Tick a&ll", "Tick every segment", True),
                                  ("Untick all", "Untick every segment", False)):
            b = QtWidgets.QPushButton(text)
            b.setAccessibleName(name)
            b.setAutoDefault(False)   # Enter runs mapping; it must not tick every segment
            b.clicked.connect(lambda _=False, on=state: self._tick_all_segments(on))
            seg_buttons.addWidget(b)
        seg_buttons.addStretch(1)
        grid = QtWidgets.QGridLayout()
        grid.addWidget(cats_label, 0, 0)
        grid.addWidget(self.serves_label, 0, 1)
        grid.addWidget(seg_label, 0, 2)
        grid.addWidget(self.table, 1, 0)
        grid.addWidget(self.serves, 1, 1)
        grid.addWidget(self.segments, 1, 2)
        grid.addLayout(seg_buttons, 2, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)
        return grid

    def _build_buttons(self) -> None:
        """Run mapping (the default button) and Cancel, and the line that names problems."""
        # parented at once: setDefault() below tells the dialog only when the button is already
        # inside it; otherwise the dialog made its first push button ("Tick all") the default
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Cancel, self)
        self.run_button = self.buttons.addButton(
            "&Run mapping", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.run_button.setDefault(True)
        self.run_button.setAccessibleName("Run mapping with these settings")
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel).setAccessibleName(
            "Cancel")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Problems with the settings")

    def _lay_out(self, form: QtWidgets.QFormLayout, grid: QtWidgets.QGridLayout) -> None:
        """An introduction, the settings, the lists, the problems line and the buttons."""
        intro = QtWidgets.QLabel(
            "An area counts as served by an asset when its population-weighted centre lies within "
            "the category's radius (straight line). Radii and whom each category serves are saved "
            "in the project when you run mapping.")
        intro.setWordWrap(True)
        intro.setAccessibleName("About these settings")
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addLayout(grid, 1)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)

    def _tick_all_segments(self, on: bool) -> None:
        state = QtCore.Qt.CheckState.Checked if on else QtCore.Qt.CheckState.Unchecked
        for i in range(self.segments.count()):
            self.segments.item(i).setCheckState(state)

    # -- serves editing ------------------------------------------------------------------------
    def current_category(self) -> str | None:
        row = self.table.currentRow()
        return self.table.item(row, 0).text() if row >= 0 else None

    def _show_serves(self, row: int, *_: int) -> None:
        cat = self.table.item(row, 0).text() if row >= 0 else None
        self.serves_label.setText(f"&Serves ({cat}):" if cat else "&Serves:")
        self.serves.blockSignals(True)
        try:
            wanted = set(self._serves.get(cat, [])) if cat else set()
            for i in range(self.serves.count()):
                it = self.serves.item(i)
                it.setCheckState(QtCore.Qt.CheckState.Checked if it.text() in wanted
                                 else QtCore.Qt.CheckState.Unchecked)
        finally:
            self.serves.blockSignals(False)
        self.serves.setEnabled(cat is not None)

    def _serves_edited(self, *_: object) -> None:
        cat = self.current_category()
        if cat is not None:
            self._serves[cat] = _checked(self.serves)

    def set_serves(self, category: str, segments: list[str]) -> None:
        """Set whom ``category`` serves (also what the check list shows when it is selected)."""
        self._serves[category] = list(segments)
        if self.current_category() == category:
            self._show_serves(self.table.currentRow())

    # -- results -------------------------------------------------------------------------------
    def selected_categories(self) -> list[str]:
        return [self.table.item(r, 0).text() for r in range(self.table.rowCount())
                if self.table.item(r, 0).checkState() == QtCore.Qt.CheckState.Checked]

    def selected_segments(self) -> list[str]:
        return _checked(self.segments)

    def category_table(self) -> pd.DataFrame:
        """category, radius_m (metres), serves: what to save in the project."""
        cats = list(self.radius)
        return pd.DataFrame({"category": cats,
                             "radius_m": [float(self.radius[c].value()) for c in cats],
                             "serves": [self._serves.get(c) or ["All"] for c in cats]})

    def params(self):
        """The choices as ``phdesk.core.mapping.MappingParams``."""
        from phdesk.core.mapping import MappingParams

        cats = self.selected_categories()
        segs = self.selected_segments()
        return MappingParams(
            default_radius_m=float(self.default_radius.value()),
            radius_m={c: float(s.value()) for c, s in self.radius.items()},
            categories=None if len(cats) == len(self.radius) else cats,
            segments=None if len(segs) == self.segments.count() else segs,
            e2sfca_weights=tuple(float(w.value()) for w in self.weights),
        )

    def problems(self) -> list[str]:
        out = []
        if not self.radius:
            out.append("This project has no assets yet: import an asset register or an ODS "
                       "list first (File ▸ Import data…).")
        elif not self.selected_categories():
            out.append("Tick at least one category to map.")
        if self.segments.count() and not self.selected_segments():
            out.append("Tick at least one segment to map.")
        if self.weights[0].value() <= 0:
            out.append("The inner weight must be above 0.")
        return out

    def _accept(self) -> None:
        problems = self.problems()
        if problems:
            self.message.setText(" ".join(problems))
            return
        self.accept()
