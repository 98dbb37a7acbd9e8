"""The main window's commands and menus (every command has a mnemonic; the main ones have a
shortcut, listed under Help ▸ Keyboard shortcuts)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from phdesk import paths
from phdesk.ui import panels, window_planning

if TYPE_CHECKING:
    from phdesk.ui.main_window import MainWindow

Key = QtGui.QKeySequence.StandardKey
# dock focus shortcuts: Ctrl+1 … Ctrl+6 (None = the map in the centre)
FOCUS = [("neighbourhoods", "&Neighbourhood list"), (None, "&Map"), ("charts", "&Charts"),
         ("results", "&Results tables"), ("assets", "&Asset register"),
         ("sources", "&Sources")]

PANEL_SHORTCUTS = [("Rename neighbourhood (in the neighbourhood list)", "F2")]


def build(win: MainWindow) -> None:
    """Create the actions and the menu bar of ``win``."""
    a = win.commands
    a.add("file.new", "&New project…", lambda: new_project(win), Key.New,
          "Create an empty project file")
    a.add("file.open", "&Open project…", lambda: open_project(win), Key.Open,
          "Open a project file")
    a.add("file.demo", "Open the &demo project", lambda: open_demo(win),
          tip="Open the Kingsbridge demo project (a synthetic borough)")
    a.add("file.import", "&Import data…", lambda: win.open_import_wizard(), "Ctrl+I",
          "Import downloaded data or your asset register (you can also drop files on the window)")
    a.add("file.export_map", "Export &map as PNG…", lambda: win.export_png("map"), "Ctrl+E",
          "Save the map as a PNG image")
    a.add("file.export_charts", "Export &charts as PNG…", lambda: win.export_png("charts"),
          "Ctrl+Shift+E", "Save the charts as a PNG image")
    a.add("file.quit", "&Quit", win.close, "Ctrl+Q", "Close phdesk")
    a.add("analysis.run", "&Run mapping…", win.open_mapping_dialog, "F5",
          "Choose mapping settings and run asset mapping")
    a.add("analysis.reload", "Re&load project", lambda: win.reload(fresh=True), "Ctrl+Shift+R",
          "Read the project file again")
    rerun = a.add("analysis.rerun_on_open", "Re&peat the last run when a project opens",
                  tip="Run mapping again with the project's last settings whenever it is opened",
                  checkable=True)
    rerun.setChecked(win.settings.rerun_mapping_on_open)
    rerun.toggled.connect(lambda on: setattr(win.settings, "rerun_mapping_on_open", on))
    for i, (key, text) in enumerate(FOCUS, start=1):
        a.add(f"view.focus.{key or 'map'}", f"Go to {text}",
              lambda _=False, k=key: panels.focus_dock(win, k), f"Ctrl+{i}",
              f"Move the keyboard focus to the {text.replace('&', '').lower()}")
    a.add("view.workshop", "&Workshop mode", lambda: window_planning.open_workshop(win), "F11",
          "Full screen, large type, keyboard driven: step through neighbourhoods with a group")
    a.add("view.reset_layout", "Reset &layout", lambda: reset_layout(win),
          tip="Put every panel back where it started")
    a.add("help.contents", "phdesk &help", lambda: show_dialog(win, "help"), "F1",
          "What every measure and term means, with examples; searchable")
    a.add("help.shortcuts", "&Keyboard shortcuts", lambda: show_dialog(win, "shortcuts"),
          tip="List the keyboard shortcuts")
    a.add("help.logs", "Open &log folder", lambda: QtGui.QDesktopServices.openUrl(
        QtCore.QUrl.fromLocalFile(str(paths.log_dir()))), tip="Show the folder with the log file")
    a.add("help.about", "&About phdesk", lambda: show_dialog(win, "about"),
          tip="Version and where phdesk keeps its files")

    bar = win.menuBar()
    m = bar.addMenu("&File")
    for name in ("file.new", "file.open"):
        m.addAction(a[name])
    win.recent_menu = m.addMenu("Open &recent")
    m.addAction(a["file.demo"])
    m.addSeparator()
    m.addAction(a["file.import"])
    export = m.addMenu("&Export")
    from phdesk.ui import export_actions

    export_actions.add_to_menu(win, export)
    export.addSeparator()
    export.addAction(a["file.export_map"])
    export.addAction(a["file.export_charts"])
    m.addSeparator()
    m.addAction(a["file.quit"])

    win.edit_menu = bar.addMenu("&Edit")
    refresh_edit_menu(win)

    m = bar.addMenu("&Analysis")
    m.addAction(a["analysis.run"])
    m.addAction(a["analysis.reload"])
    m.addSeparator()
    m.addAction(a["analysis.rerun_on_open"])

    m = bar.addMenu("&View")
    for key in FOCUS:
        m.addAction(a[f"view.focus.{key[0] or 'map'}"])
    m.addSeparator()
    m.addAction(a["view.workshop"])
    panels_menu = m.addMenu("&Panels")
    for dock in win.docks.values():
        panels_menu.addAction(dock.toggleViewAction())
    m.addAction(a["view.reset_layout"])

    m = bar.addMenu("&Help")
    for name in ("help.contents", "help.shortcuts", "help.logs", "help.about"):
        m.addAction(a[name])
    refresh_recent_menu(win)
    win._default_state = win.saveState()


def show_dialog(win: MainWindow, which: str) -> None:
    """Help ▸ phdesk help ("help", not modal), Keyboard shortcuts ("shortcuts") or About
    ("about"), modal."""
    from phdesk.ui.about import AboutDialog, ShortcutsDialog  # when asked: not at start-up

    if which == "help":
        from phdesk.ui.help import open_help

        open_help(win)
    elif which == "shortcuts":
        # the panels' own keys (acting on the list that has the focus) after the window's
        ShortcutsDialog(win.commands.shortcut_table() + PANEL_SHORTCUTS, win).exec()
    else:
        AboutDialog(str(win.project_path or ""), win).exec()


def refresh_edit_menu(win: MainWindow) -> None:
    """Undo/redo of the last edited of the window's stacks: the asset register's and the
    window's own (notes, ideas, scenarios). Rebuilt when the project changes."""
    menu = win.edit_menu
    for act in menu.actions():
        win.removeAction(act)
    menu.clear()
    stacks = [s for s in (getattr(win.asset_panel, "undo_stack", None),
                          getattr(win, "undo_stack", None)) if isinstance(s, QtGui.QUndoStack)]
    menu.setEnabled(bool(stacks))
    if not stacks:
        return
    group = getattr(win, "undo_group", None)
    if group is None:
        group = win.undo_group = QtGui.QUndoGroup(win)
    for old in group.stacks():
        group.removeStack(old)
    for stack in stacks:
        group.addStack(stack)
        if not stack.property("phdesk_grouped"):   # a stack lives as long as its panel
            stack.setProperty("phdesk_grouped", True)
            # Ctrl+Z undoes what was done last, whichever panel it was done in
            stack.indexChanged.connect(
                lambda _i, st=stack: st in group.stacks() and group.setActiveStack(st))
    group.setActiveStack(stacks[0])
    undo = group.createUndoAction(menu, "&Undo")
    undo.setShortcut(Key.Undo)
    redo = group.createRedoAction(menu, "&Redo")
    redo.setShortcut(Key.Redo)
    menu.addActions([undo, redo])


def refresh_recent_menu(win: MainWindow) -> None:
    """Rebuild File ▸ Open recent from the settings (missing files are left out)."""
    menu = win.recent_menu
    menu.clear()
    recent = win.settings.existing_recent()
    for i, path in enumerate(recent[:9], start=1):
        act = menu.addAction(f"&{i} {path.name}")
        act.setToolTip(str(path))
        act.setStatusTip(str(path))
        act.triggered.connect(lambda _=False, p=path: win.open_path(p))
    if not recent:
        menu.addAction("(none)").setEnabled(False)
    menu.addSeparator()
    clear = menu.addAction("&Clear list")
    clear.triggered.connect(lambda: (win.settings.clear_recent(), refresh_recent_menu(win)))


def _start_dir(win: MainWindow) -> str:
    """The open project's folder, but never phdesk's own data folder (where the demo lives,
    beside the settings and logs: %LOCALAPPDATA%, hidden on Windows): Documents instead, so a
    planner's first project is not saved where they will never find it again."""
    if win.project_path:
        folder = Path(win.project_path).parent
        if folder.resolve() != paths.data_dir().resolve():
            return str(folder)
    docs = QtCore.QStandardPaths.writableLocation(
        QtCore.QStandardPaths.StandardLocation.DocumentsLocation)
    return docs if docs and Path(docs).is_dir() else str(Path.home())


def _suffix_and_filter() -> tuple[str, str]:
    """The project file extension and the file dialogs' filter for it.

    Imported here, not at the top: the service layer brings pandas, which the window does not
    need until its project is open (start-up shows the window first).
    """
    from phdesk.services.project_service import SUFFIX

    return SUFFIX, f"phdesk project (*{SUFFIX})"


def new_project(win: MainWindow) -> None:
    """File ▸ New project…"""
    suffix, project_filter = _suffix_and_filter()
    name, _ = QtWidgets.QFileDialog.getSaveFileName(
        win, "New project", str(Path(_start_dir(win)) / f"new{suffix}"), project_filter)
    if name:
        path = Path(name)
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
        win.open_path(path, create=True)


def open_project(win: MainWindow) -> None:
    """File ▸ Open project…"""
    _suffix, project_filter = _suffix_and_filter()
    name, _ = QtWidgets.QFileDialog.getOpenFileName(win, "Open project", _start_dir(win),
                                                    f"{project_filter};;All files (*)")
    if name:
        win.open_path(Path(name))


def open_demo(win: MainWindow) -> None:
    """File ▸ Open the demo project (written on first use)."""
    from phdesk.ui.app import ensure_demo

    # writing it the first time takes a moment: off the GUI thread
    win.tasks.run(lambda progress, cancelled: ensure_demo(), win.open_path,
                  "Writing the demo project", cancellable=False)


def reset_layout(win: MainWindow) -> None:
    win.restoreState(win._default_state)
    for dock in win.docks.values():
        dock.show()
    panels.size_docks(win)
