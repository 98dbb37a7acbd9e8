"""Building the main window's panels and docks.

The map, charts, tables and import wizard live in their own modules; they are imported here, and a
plain placeholder stands in for any that is missing, so one unfinished panel never stops the app
opening. While the project is still opening, :class:`LoadingPlaceholder` labels hold the panels'
places (see :meth:`phdesk.ui.main_window.MainWindow.open_later`). Docks have fixed object names so
that the saved layout (``QMainWindow.saveState``) can be restored.
"""

from __future__ import annotations

import importlib
import logging
import re
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

log = logging.getLogger(__name__)

LEFT = QtCore.Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = QtCore.Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = QtCore.Qt.DockWidgetArea.BottomDockWidgetArea

# dock key, title (with mnemonic for the View menu), attribute on the window, area.
# The charts share the bottom tabs with the tables: beside a map on a 1366-1920 px laptop screen
# there is no room for them on the right; users with wide screens can drag them there.
DOCKS = [
    ("neighbourhoods", "&Neighbourhoods", "neighbourhood_panel", LEFT),
    ("charts", "&Charts", "charts_panel", BOTTOM),
    ("results", "&Results tables", "results_panel", BOTTOM),
    ("assets", "&Asset register", "asset_panel", BOTTOM),
    ("sources", "&Sources (provenance)", "provenance_panel", BOTTOM),
]
SCROLLED = {"charts"}   # docks whose content may be taller/wider than the dock: scroll, not grow
# the window's panels, which wait for its project (placeholders until then)
PANELS = ("neighbourhood_panel", "map_panel", "charts_panel", "results_panel", "asset_panel",
          "provenance_panel")


class Placeholder(QtWidgets.QLabel):
    """Stands in for a panel whose module is not available."""

    def __init__(self, what: str, reason: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(f"{what} is not available in this build.\n({reason})", parent)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAccessibleName(f"{what} (not available)")


class LoadingPlaceholder(QtWidgets.QLabel):
    """Stands in for a panel while the project opens (the window shows before it is read)."""

    def __init__(self, text: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAccessibleName(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        self.setAccessibleName(text)


class EmptyProjectBanner(QtWidgets.QFrame):
    """Shown above the map while a project holds no areas and no assets: what to do first."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        text = QtWidgets.QLabel(
            "<b>This project has no data yet.</b> Import the files you downloaded (boundaries, "
            "deprivation, population, GP practices…) and your asset register: "
            "File ▸ Import data… (Ctrl+I), or drop the files on this window.")
        text.setWordWrap(True)
        text.setAccessibleName("This project has no data yet")
        self.import_button = QtWidgets.QPushButton("&Import data…")
        self.import_button.setAccessibleName("Import data")
        self.import_button.clicked.connect(lambda: window.open_import_wizard())
        self.demo_button = QtWidgets.QPushButton("Open the &demo project")
        self.demo_button.setAccessibleName("Open the demo project")
        self.demo_button.clicked.connect(lambda: window.commands["file.demo"].trigger())
        lay = QtWidgets.QHBoxLayout(self)
        lay.addWidget(text, 1)
        lay.addWidget(self.import_button)
        lay.addWidget(self.demo_button)
        self.hide()


def _load(module: str, name: str):
    """The class ``name`` of ``phdesk.ui.<module>``, or (None, reason) if it is missing."""
    try:
        mod = importlib.import_module(f"phdesk.ui.{module}")
        return getattr(mod, name), ""
    except ImportError as exc:
        if getattr(exc, "name", None) not in (f"phdesk.ui.{module}", None):
            raise   # the module exists but one of its own imports failed: a real fault
        return None, f"phdesk.ui.{module} is missing"
    except AttributeError:
        return None, f"phdesk.ui.{module} has no {name}"


def _make(module: str, name: str, what: str, parent: QtWidgets.QWidget, *args: Any
          ) -> QtWidgets.QWidget:
    cls, reason = _load(module, name)
    if cls is None:
        log.warning("%s: %s; showing a placeholder", what, reason)
        return Placeholder(what, reason, parent)
    return cls(*args, parent=parent) if args else cls(parent)


def make_map_panel(parent: QtWidgets.QWidget) -> QtWidgets.QWidget:
    return _make("map_panel", "MapPanel", "The map", parent)


def make_charts_panel(parent: QtWidgets.QWidget) -> QtWidgets.QWidget:
    return _make("charts", "ChartsPanel", "The charts", parent)


def make_results_panel(parent: QtWidgets.QWidget) -> QtWidgets.QWidget:
    return _make("tables", "ResultsPanel", "The results tables", parent)


def make_asset_panel(service, tasks, parent: QtWidgets.QWidget) -> QtWidgets.QWidget:
    return _make("asset_register", "AssetRegisterPanel", "The asset register", parent,
                 service, tasks)


def make_provenance_panel(service, parent: QtWidgets.QWidget) -> QtWidgets.QWidget:
    return _make("provenance_panel", "ProvenancePanel", "The sources list", parent, service)


def make_import_wizard(service, tasks, files: list[Path] | None, parent: QtWidgets.QWidget):
    """The import wizard, or None (with a status message) if it is not available."""
    cls, reason = _load("import_wizard", "ImportWizard")
    if cls is None:
        parent.statusBar().showMessage(f"Import is not available in this build ({reason}).",
                                       8000)
        return None
    return cls(service, tasks, [Path(f) for f in files] if files else None, parent=parent)


def build_panels(window: QtWidgets.QMainWindow, service, centre: QtWidgets.QLayout) -> None:
    """Build the window's panels (``PANELS``) for ``service`` in place of the placeholders it
    showed while the project opened: the map in the ``centre`` layout, the rest in the docks.

    The panel modules (pandas, pyqtgraph) are imported here, not when the window is made.
    """
    from phdesk.ui.neighbourhood_panel import NeighbourhoodPanel

    placeholder = window.map_panel
    window.neighbourhood_panel = NeighbourhoodPanel(window)
    window.map_panel = make_map_panel(window)
    window.charts_panel = make_charts_panel(window)
    window.results_panel = make_results_panel(window)
    window.asset_panel = make_asset_panel(service, window.tasks, window)
    window.provenance_panel = make_provenance_panel(service, window)
    centre.replaceWidget(placeholder, window.map_panel)
    placeholder.deleteLater()
    fill_docks(window)


def map_layer_builder(map_panel: QtWidgets.QWidget):
    """``build_base_layers(areas, assets)`` for a worker thread, if the map panel takes layers."""
    if not hasattr(map_panel, "set_base_layers"):
        return None
    from phdesk.ui.map_layers import build_base_layers

    return build_base_layers


def link_choices(a: QtWidgets.QWidget, b: QtWidgets.QWidget,
                 names: tuple[str, ...] = ("category_combo", "segment_combo")) -> None:
    """Keep the category and segment chosen on the map and on the charts the same.

    Each panel keeps its own combo boxes; a choice in one is copied to the other when the other
    offers it (text match), so the workshop sees one story in both.
    """
    for name in names:
        first, second = getattr(a, name, None), getattr(b, name, None)
        if isinstance(first, QtWidgets.QComboBox) and isinstance(second, QtWidgets.QComboBox):
            first.currentTextChanged.connect(lambda text, dst=second: _copy_choice(text, dst))
            second.currentTextChanged.connect(lambda text, dst=first: _copy_choice(text, dst))


def _copy_choice(text: str, target: QtWidgets.QComboBox) -> None:
    if text and target.currentText() != text:
        index = target.findText(text)
        if index >= 0:
            target.setCurrentIndex(index)


_MNEMONIC = re.compile(r"&([^&\s])")


def mnemonic(text: str) -> str | None:
    """The Alt+letter of a label or button text ("&File" -> "f"), None if it has none."""
    m = _MNEMONIC.search(text or "")
    return m.group(1).lower() if m else None


def resolve_mnemonic_clashes(window: QtWidgets.QMainWindow) -> list[str]:
    """Drop Alt+letter mnemonics in the panels that clash with the menu bar or with each other.

    Several panels are written separately; two controls with the same Alt+letter make Qt cycle
    between them, and one that shares a menu's letter stops Alt+F opening the File menu. The menu
    bar keeps its letters; in the panels the first control (centre, then docks in order) keeps a
    letter and later ones lose their ``&`` (they stay reachable with Tab). Returns what changed.
    """
    used = {mnemonic(a.text()) for a in window.menuBar().actions()} - {None}
    roots = [window.centralWidget(), *[d.widget() for d in window.docks.values()]]
    changed = []
    for root in roots:
        if root is None:
            continue
        for w in [root, *root.findChildren(QtWidgets.QWidget)]:
            if not isinstance(w, QtWidgets.QAbstractButton | QtWidgets.QLabel):
                continue
            key = mnemonic(w.text())
            if key is None:
                continue
            if key in used:
                w.setText(_MNEMONIC.sub(r"\1", w.text(), count=1))
                changed.append(w.text())
            else:
                used.add(key)
    return changed


def call(panel: QtWidgets.QWidget, method: str, *args: Any) -> None:
    """Call ``panel.method(*args)`` if the panel has it (placeholders have nothing)."""
    fn = getattr(panel, method, None)
    if fn is not None:
        fn(*args)


def _dock_content(window: QtWidgets.QMainWindow, key: str, title: str,
                  content: QtWidgets.QWidget) -> QtWidgets.QWidget:
    """What goes in dock ``key``: the panel, in a scroll area for the docks in ``SCROLLED``."""
    if key not in SCROLLED:
        return content
    area_widget = QtWidgets.QScrollArea(window)
    area_widget.setWidgetResizable(True)
    area_widget.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    area_widget.setAccessibleName(title.replace("&", ""))
    area_widget.setWidget(content)
    return area_widget


def add_docks(window: QtWidgets.QMainWindow) -> dict[str, QtWidgets.QDockWidget]:
    """Put the side panels in docks: list left, charts right, tables tabbed at the bottom."""
    docks: dict[str, QtWidgets.QDockWidget] = {}
    # the neighbourhood list runs the full height; the tabs sit under the map only
    window.setCorner(QtCore.Qt.Corner.BottomLeftCorner, LEFT)
    window.setCorner(QtCore.Qt.Corner.TopLeftCorner, LEFT)
    bottom: list[QtWidgets.QDockWidget] = []
    for key, title, attr, area in DOCKS:
        dock = QtWidgets.QDockWidget(title.replace("&", ""), window)
        dock.setObjectName(f"dock-{key}")
        dock.setWidget(_dock_content(window, key, title, getattr(window, attr)))
        dock.setAccessibleName(title.replace("&", ""))
        window.addDockWidget(area, dock)
        docks[key] = dock
        if area == BOTTOM:
            bottom.append(dock)
    for other in bottom[1:]:
        window.tabifyDockWidget(bottom[0], other)
    bottom[0].raise_()
    return docks


def fill_docks(window: QtWidgets.QMainWindow) -> None:
    """Put the window's panels (``DOCKS`` attributes) in its docks, replacing what is there
    (the placeholders shown while the project opened)."""
    for key, title, attr, _area in DOCKS:
        replace_dock_widget(window, key, _dock_content(window, key, title, getattr(window, attr)))


def size_docks(window: QtWidgets.QMainWindow) -> None:
    """Starting dock sizes, in proportion to the window and the font (call once it is shown)."""
    em = window.fontMetrics().averageCharWidth()
    width, height = window.width(), window.height()
    docks = window.docks
    window.resizeDocks([docks["neighbourhoods"]], [max(em * 46, width // 4)],
                       QtCore.Qt.Orientation.Horizontal)
    window.resizeDocks([docks["charts"]], [height * 9 // 20], QtCore.Qt.Orientation.Vertical)


def replace_dock_widget(window, key: str, widget: QtWidgets.QWidget) -> QtWidgets.QWidget:
    """Put ``widget`` in dock ``key`` and dispose of the old one."""
    dock = window.docks[key]
    old = dock.widget()
    dock.setWidget(widget)
    if old is not None:
        old.deleteLater()
    return widget


def focus_dock(window, key: str | None) -> None:
    """Show and focus a dock (None: the map in the centre)."""
    from phdesk.ui.keyboard import main_control

    if key is None:
        target = getattr(window, "map_panel", None) or window.centralWidget()
    else:
        dock = window.docks[key]
        dock.show()
        dock.raise_()
        target = dock.widget()
    inner = target.widget() if isinstance(target, QtWidgets.QScrollArea) else target
    focus = (main_control(inner) or target.focusProxy() or _first_focusable(target)
             or target)
    focus.setFocus(QtCore.Qt.FocusReason.ShortcutFocusReason)


def _first_focusable(widget: QtWidgets.QWidget) -> QtWidgets.QWidget | None:
    if widget.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus:
        return widget
    for child in widget.findChildren(QtWidgets.QWidget):
        if child.isVisible() and child.isEnabled() and \
                child.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus:
            return child
    return None
