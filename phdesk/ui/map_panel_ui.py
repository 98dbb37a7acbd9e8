"""The map panel's widgets and layout (toolbar rows, map, layer list, legend, details box).

Why it exists: MapPanel keeps the behaviour (data, colouring, hit testing, signals); building its
widgets is long and plain, so it lives here. ``build(panel)`` sets the widgets as attributes of
the panel (``level_combo``, ``measure_combo``, ``view``, ``legend``, …) and lays them out.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from phdesk.ui import palettes
from phdesk.ui.layer_list import make_layer_buttons
from phdesk.ui.map_legend import Legend
from phdesk.ui.map_view import MapView
from phdesk.ui.view_state import STATE_KEY_ROLE
from phdesk.ui.widgets import make_combo

LEVELS = {"Areas": "areas", "Neighbourhoods": "neighbourhoods"}


def _combo(name: str, tip: str) -> QtWidgets.QComboBox:
    return make_combo(name, tip, 14)


def build(panel: QtWidgets.QWidget) -> None:
    """Create the panel's widgets (as attributes of ``panel``) and its layout."""
    panel.level_combo = _combo("Map level", "Colour small areas or whole neighbourhoods")
    for text, level in LEVELS.items():   # the view state's "level" is the value, not the text
        panel.level_combo.addItem(text)
        panel.level_combo.setItemData(panel.level_combo.count() - 1, level, STATE_KEY_ROLE)
    panel.measure_combo = _combo("Measure", "What the colours show")
    panel.measure_combo.setMinimumContentsLength(44)
    panel.segment_combo = _combo("Segment", "Population segment for result measures")
    panel.category_combo = _combo("Category", "Asset category for result measures "
                                                  "and catchment circles")
    panel.breaks_combo = _combo("Class breaks", "How values are grouped into colours")
    panel.breaks_combo.addItems([m.capitalize() for m in palettes.BREAK_METHODS])
    panel.catchment_check = QtWidgets.QCheckBox("Catchment circles")
    panel.catchment_check.setAccessibleName("Show catchment circles")
    panel.catchment_check.setToolTip("Circles of the catchment radius around the selected "
                                    "category's assets")
    panel.labels_check = QtWidgets.QCheckBox("Labels")
    panel.labels_check.setAccessibleName("Show neighbourhood labels")
    panel.labels_check.setChecked(True)
    panel.export_button = QtWidgets.QPushButton("Export PNG…")
    panel.export_button.setAccessibleName("Export map as PNG")
    # two rows, so the combos keep readable widths in a window shared with docks
    row1, row2 = QtWidgets.QHBoxLayout(), QtWidgets.QHBoxLayout()
    for row, label, w in ((row1, "&Show", panel.level_combo),
                          (row1, "&Measure", panel.measure_combo),
                          (row1, "C&lasses", panel.breaks_combo),
                          (row2, "&Category", panel.category_combo),
                          (row2, "Se&gment", panel.segment_combo)):
        lab = QtWidgets.QLabel(label)
        lab.setBuddy(w)
        row.addWidget(lab)
        row.addWidget(w)
    row1.addStretch(1)
    row1.addWidget(panel.export_button)
    row2.addWidget(panel.catchment_check)
    row2.addWidget(panel.labels_check)
    row2.addStretch(1)
    bar = QtWidgets.QVBoxLayout()
    bar.setSpacing(2)
    bar.addLayout(row1)
    bar.addLayout(row2)

    panel.view = MapView()
    panel.layer_list = QtWidgets.QListWidget()
    panel.layer_list.setAccessibleName("Asset layers")
    panel.layer_list.setToolTip("Tick a category to show its assets (Space toggles)")
    panel.legend = Legend()
    panel.details = QtWidgets.QLabel("Click an area, neighbourhood or asset for details.")
    panel.details.setAccessibleName("Selection details")
    panel.details.setWordWrap(True)
    panel.details.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    panel.details.setStyleSheet(f"color: {palettes.TEXT}; background: #ffffff;"
                               "border: 1px solid #bdbdbd; padding: 6px;")
    panel.details.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
    side = QtWidgets.QVBoxLayout()
    layers_title = QtWidgets.QLabel("<b>Asset layers</b>")
    layers_title.setBuddy(panel.layer_list)
    side.addWidget(layers_title)
    side.addWidget(panel.layer_list, 4)   # layers before details: a short map shows both
    panel.layer_buttons = make_layer_buttons(panel.layer_list, panel)
    side.addWidget(panel.layer_buttons)
    side.addWidget(panel.legend, 0)
    side.addWidget(panel.details, 1)
    side_w = QtWidgets.QWidget()
    side_w.setLayout(side)
    side_w.setFixedWidth(300)
    side_w.setStyleSheet(f"QLabel {{ color: {palettes.TEXT}; }}")
    panel.canvas = QtWidgets.QWidget()   # the map + legend side column
    panel.canvas.setStyleSheet("background: #ffffff;")
    row = QtWidgets.QHBoxLayout(panel.canvas)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(panel.view, 1)
    row.addWidget(side_w)
    outer = QtWidgets.QVBoxLayout(panel)
    outer.addLayout(bar)
    outer.addWidget(panel.canvas, 1)
