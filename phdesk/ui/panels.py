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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

from phdesk.ui.view_state import ViewState, WhenShown, bind_combo, item_key, item_text

log = logging.getLogger(__name__)

LEFT = QtCore.Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = QtCore.Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = QtCore.Qt.DockWidgetArea.BottomDockWidgetArea

# docks whose content may be taller/wider than the dock: scroll, not grow (the tabbed docks'
# minimum sizes add up to the window's: the ideas and scenario panels made it 1290×788 pixels at
# least, taller than a 1366×768 laptop screen, so its status bar fell off the bottom)
SCROLLED = {"charts", "results", "assets", "sources", "notes", "ideas", "scenarios"}


@dataclass(frozen=True)
class PanelSpec:
    """One panel of the window: how it is made, where it goes, how it follows the view state.

    ``make(window, service)`` builds it once the project is open. ``dock`` None: the centre.
    ``combos``: (view-state field, combo attribute[, item key]) kept in step both ways;
    ``follows``: (field, fn(panel, value)) called when the field changes (not on the panel that
    made the change); ``emits``: (signal attribute, field) the panel's own choices.
    ``per_project``: the panel holds the project's service, so it is rebuilt for another one.
    """

    attr: str
    make: Callable[[Any, Any], QtWidgets.QWidget]
    dock: str | None = None
    title: str = ""
    area: QtCore.Qt.DockWidgetArea = BOTTOM
    per_project: bool = False
    combos: tuple = ()
    follows: tuple = ()
    emits: tuple = ()


def _panel(module: str, name: str, what: str, *, project: bool = False):
    """A ``make(window, service)`` for ``phdesk.ui.<module>.<name>``: project panels take
    ``(service, window)`` and reach the window's task runner, view state and undo stack."""
    if project:
        return lambda win, service: _make(module, name, what, win, service, win)
    return lambda win, service: _make(module, name, what, win)


# The one list of the window's panels (a new panel is one entry here). The charts share the
# bottom tabs with the tables: beside a map on a 1366-1920 px laptop screen there is no room for
# them on the right; users with wide screens can drag them there.
REGISTRY = [
    PanelSpec("neighbourhood_panel", _panel("neighbourhood_panel", "NeighbourhoodPanel",
                                            "The neighbourhood list"),
              "neighbourhoods", "&Neighbourhoods", LEFT,
              follows=(("neighbourhood", lambda p, v: p.select(v, emit=False)),),
              emits=(("neighbourhood_selected", "neighbourhood"),)),
    PanelSpec("map_panel", _panel("map_panel", "MapPanel", "The map"),
              combos=(("category", "category_combo"), ("segment", "segment_combo"),
                      ("measure", "measure_combo", item_key), ("level", "level_combo", item_key)),
              follows=(("neighbourhood", lambda p, v: p.select_neighbourhood(v)),),
              emits=(("neighbourhood_selected", "neighbourhood"),)),
    PanelSpec("charts_panel", _panel("charts", "ChartsPanel", "The charts"),
              "charts", "&Charts",
              combos=(("category", "category_combo"), ("segment", "segment_combo")),
              follows=(("neighbourhood", lambda p, v: p.set_neighbourhood(v)),)),
    PanelSpec("results_panel", _panel("tables", "ResultsPanel", "The results tables"),
              "results", "&Results tables"),
    PanelSpec("asset_panel", lambda win, service: _make(
        "asset_register", "AssetRegisterPanel", "The asset register", win, service, win.tasks),
        "assets", "&Asset register", per_project=True),
    PanelSpec("provenance_panel", lambda win, service: _make(
        "provenance_panel", "ProvenancePanel", "The sources list", win, service),
        "sources", "&Sources (provenance)", per_project=True),
    PanelSpec("notes_panel", _panel("notes_panel", "NotesPanel", "The notes", project=True),
              "notes", "N&otes", BOTTOM, per_project=True),
    PanelSpec("ideas_panel", _panel("ideas_panel", "IdeasPanel", "The change ideas",
                                    project=True),
              "ideas", "&Ideas", BOTTOM, per_project=True),
    PanelSpec("scenario_panel", _panel("scenario_panel", "ScenarioPanel", "The scenarios",
                                       project=True),
              "scenarios", "Sc&enarios", BOTTOM, per_project=True),
]
SPECS = {s.attr: s for s in REGISTRY}
# dock key, title (with mnemonic for the View menu), attribute on the window, area
DOCKS = [(s.dock, s.title, s.attr, s.area) for s in REGISTRY if s.dock]
# the window's panels, which wait for its project (placeholders until then)
PANELS = tuple(s.attr for s in REGISTRY)


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


def make_import_wizard(service, tasks, files: list[Path] | None, parent: QtWidgets.QWidget,
                       kind: str | None = None):
    """The import wizard (reading every file as ``kind`` when given), or None (with a status
    message) if it is not available."""
    cls, reason = _load("import_wizard", "ImportWizard")
    if cls is None:
        parent.statusBar().showMessage(f"Import is not available in this build ({reason}).",
                                       8000)
        return None
    return cls(service, tasks, [Path(f) for f in files] if files else None, parent=parent,
               kind=kind)


def build_panels(window: QtWidgets.QMainWindow, service, centre: QtWidgets.QLayout) -> None:
    """Build the window's panels (``REGISTRY``) for ``service`` in place of the placeholders it
    showed while the project opened: the map in the ``centre`` layout, the rest in the docks;
    then wire them to the window's view state.

    The panel modules (pandas, pyqtgraph) are imported here, not when the window is made.
    """
    placeholder = window.map_panel
    for spec in REGISTRY:
        setattr(window, spec.attr, spec.make(window, service))
    centre.replaceWidget(placeholder, window.map_panel)
    placeholder.hide()   # replaceWidget leaves it shown at (0, 0) until it is deleted
    placeholder.deleteLater()
    fill_docks(window)
    for spec in REGISTRY:
        connect_view_state(window, spec)
    for attr, which in (("map_panel", "map"), ("charts_panel", "charts")):
        panel = getattr(window, attr)
        if hasattr(panel, "set_export_handler"):   # not a placeholder
            panel.set_export_handler(lambda w=which: window.export_png(w))


def rebuild_project_panels(window: QtWidgets.QMainWindow, service) -> None:
    """Another project in the same window: new panels for those that hold the service."""
    for spec in REGISTRY:
        if spec.per_project and spec.dock:
            panel = spec.make(window, service)
            setattr(window, spec.attr, panel)
            replace_dock_widget(window, spec.dock,
                                _dock_content(window, spec.dock, spec.title, panel))
            connect_view_state(window, spec)


def connect_view_state(window, spec: PanelSpec) -> None:
    """Wire one panel to ``window.view_state`` as its registry entry says."""
    state: ViewState = window.view_state
    panel = getattr(window, spec.attr)
    shown = WhenShown.of(panel)   # a hidden panel catches up when it is next shown
    for field, attr, *key in spec.combos:
        combo = getattr(panel, attr, None)
        if isinstance(combo, QtWidgets.QComboBox):
            bind_combo(state, field, combo, *(key or [item_text]), owner=panel)
    for signal, field in spec.emits:
        sig = getattr(panel, signal, None)
        if sig is not None:
            sig.connect(lambda value, f=field, p=panel: state.set_from(p, **{f: value}))
    for field, fn in spec.follows:
        if not isinstance(panel, Placeholder):
            state.follow(field, lambda value, f=fn, p=panel, n=field: state.source is not p and
                         shown.run_or_defer(n, lambda: f(p, state.get(n))), panel)


def map_layer_builder(map_panel: QtWidgets.QWidget):
    """``build_base_layers(areas, assets)`` for a worker thread, if the map panel takes layers."""
    if not hasattr(map_panel, "set_base_layers"):
        return None
    from phdesk.ui.map_layers import build_base_layers

    return build_base_layers


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
