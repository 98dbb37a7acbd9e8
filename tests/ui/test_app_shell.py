"""The app shell: the main window on the demo project, mapping from the window, cancel, errors,
settings and recent files, keyboard access, and ``--screenshot``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk import paths
from phdesk.core.errors import UserError
from phdesk.settings import MAX_RECENT, SCHEMA_VERSION, Settings, settings_path

Qt = QtCore.Qt


def visible_boxes() -> list[QtWidgets.QMessageBox]:
    return [w for w in QtWidgets.QApplication.topLevelWidgets()
            if isinstance(w, QtWidgets.QMessageBox) and w.isVisible()]


@pytest.fixture(autouse=True)
def _close_popups():
    yield
    for w in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(w, QtWidgets.QDialog) and w.isVisible():
            w.close()


# -- the window on the demo ---------------------------------------------------------------------
def test_main_window_shows_demo(make_main_window):
    win = make_main_window()
    counts = win.service.counts()
    assert win.map_panel.area_count() == counts["areas"] > 100
    assert win.map_panel.asset_count() == counts["assets"]
    assert win.neighbourhood_panel.row_count() == 8
    assert sorted(win.neighbourhood_panel.names()) == sorted(win.service.neighbourhoods())
    assert f"{counts['areas']} areas" in win.counts_label.text()
    assert "not run yet" in win.run_label.text()
    assert win.windowTitle() == "Kingsbridge (demo) — phdesk" == f"{win.service.title()} — phdesk"
    for name, cls in (("map_panel", "MapPanel"), ("charts_panel", "ChartsPanel"),
                      ("results_panel", "ResultsPanel"), ("asset_panel", "AssetRegisterPanel"),
                      ("provenance_panel", "ProvenancePanel")):
        assert type(getattr(win, name)).__name__ == cls   # the real panels, no placeholders


def test_selecting_a_neighbourhood_tells_map_and_charts(make_main_window, monkeypatch):
    win = make_main_window()
    seen = []
    monkeypatch.setattr(win.map_panel, "select_neighbourhood", lambda n: seen.append(("map", n)))
    monkeypatch.setattr(win.charts_panel, "set_neighbourhood",
                        lambda n: seen.append(("charts", n)))
    win.neighbourhood_panel.select("Riverside")
    assert seen == [("map", "Riverside"), ("charts", "Riverside")]
    seen.clear()
    win.neighbourhood_panel.all_button.click()
    assert seen == [("map", None), ("charts", None)]
    seen.clear()
    win.map_panel.neighbourhood_selected.emit("Northgate")      # a click on the map
    assert win.neighbourhood_panel.selected() == "Northgate"
    assert seen == [("charts", "Northgate")]


def test_run_mapping_from_dialog_refreshes_panels(make_main_window, qtbot):
    win = make_main_window()
    results = []
    win.mapping_finished.connect(results.append)
    first = win.data.categories[0]

    def fill_and_run():
        dialog = QtWidgets.QApplication.activeModalWidget()
        dialog.radius[first].setValue(1500)
        dialog.run_button.click()

    QtCore.QTimer.singleShot(0, fill_and_run)
    win.open_mapping_dialog()            # modal; the timer fills it in and presses Run
    assert win.tasks.wait(60_000)
    assert len(results) == 1 and win.service.last_result is results[0]
    # what serves whom / radius was saved through the service
    saved = win.service.category_settings().set_index("category")
    assert saved.loc[first, "radius_m"] == 1500 and saved.loc[first, "source"] == "saved"
    assert results[0].params.radius_m[first] == 1500
    # the list shows each neighbourhood's biggest gap, the status bar the run
    gaps = win.service.biggest_gaps()
    assert gaps["sites"].notna().all()
    for row in gaps.itertuples():
        few = f" ({row.sites} site{'s' if row.sites != 1 else ''})" if row.sites < 3 else ""
        assert win.neighbourhood_panel.gap_text(row.neighbourhood) == \
            f"{row.category} · {row.segment}{few}"
    assert win.run_label.text().startswith("Mapped 20")
    # the map and the charts show the same category and segment
    map_cat, charts_cat = win.map_panel.category_combo, win.charts_panel.category_combo
    assert map_cat.currentText() == charts_cat.currentText()
    map_cat.setCurrentIndex(map_cat.findText("Food bank"))
    assert charts_cat.currentText() == "Food bank"
    charts_seg = win.charts_panel.segment_combo
    charts_seg.setCurrentIndex(charts_seg.findText("Core20"))
    assert win.map_panel.segment_combo.currentText() == "Core20"
    # tables and map have the result
    table = win.results_panel.views["neighbourhood_segments"].model
    assert table.rowCount() == 0          # a hidden tab is filled when it is shown
    win.docks["results"].raise_()
    qtbot.waitUntil(lambda: table.rowCount() == len(results[0].neighbourhood_segments) > 0,
                    timeout=20_000)
    assert win.map_panel._result is results[0]


def test_mapping_reruns_on_open_when_project_has_a_run(make_main_window, demo_path):
    from phdesk.core.mapping import MappingParams
    from phdesk.services.project_service import ProjectService

    svc = ProjectService.open(demo_path)
    svc.run_mapping(MappingParams(default_radius_m=800.0))
    svc.close()
    win = make_main_window(demo_path)
    assert win.service.last_result is not None
    assert win.service.last_result.params.default_radius_m == 800.0


def test_cancelled_import_leaves_project_unchanged(make_main_window, tmp_path, qtbot):
    win = make_main_window()
    before = win.service.counts()
    csv = tmp_path / "clubs.csv"
    csv.write_text("Name,Category,Easting,Northing\n" + "".join(
        f"Club {i},Lunch club,{529000 + 10 * i},{178000 + 10 * i}\n" for i in range(50)))
    prepared = win.service.prepare_import(csv, kind="assets")
    written = threading.Event()
    service = win.service

    def job(progress, cancelled):
        def cancel_check():
            # rows are in the open transaction: let the user press Cancel now
            if service.project.scalar("SELECT count(*) FROM assets") > before["assets"]:
                written.set()
                for _ in range(500):
                    if cancelled():
                        return True
                    threading.Event().wait(0.01)
            return cancelled()
        return service.commit_import(prepared, progress=progress, cancelled=cancel_check)

    done = []
    task = win.tasks.run(job, done.append, "Importing clubs.csv")
    qtbot.waitUntil(written.is_set, timeout=10_000)
    qtbot.waitUntil(win.tasks.strip.isVisible, timeout=5_000)
    qtbot.mouseClick(win.tasks.strip.button, Qt.MouseButton.LeftButton)
    assert win.tasks.wait(10_000)
    assert task.status == "cancelled" and done == []
    assert win.service.counts() == before
    assert visible_boxes() == []
    assert "cancelled" in win.statusBar().currentMessage()


def test_failed_job_shows_dialog_with_log_location(make_main_window):
    win = make_main_window()

    def job(progress, cancelled):
        raise KeyError("segment")

    win.tasks.run(job, lambda r: None, "Running mapping")
    assert win.tasks.wait(5_000)
    [box] = visible_boxes()
    assert "Running mapping" in box.windowTitle()
    assert str(paths.log_file()) in box.informativeText()
    assert "segment" in box.text()


def test_excepthook_logs_and_shows_dialog(make_main_window, caplog):
    from phdesk.ui.app import excepthook

    make_main_window()
    try:
        raise RuntimeError("paint failed")
    except RuntimeError as exc:
        excepthook(type(exc), exc, exc.__traceback__)
    assert any("uncaught exception" in r.message for r in caplog.records)
    [box] = visible_boxes()
    assert "paint failed" in box.text() and str(paths.log_file()) in box.informativeText()


def test_opening_a_bad_file_keeps_the_project(make_main_window, tmp_path):
    win = make_main_window()
    bad = tmp_path / "notes.phdesk"
    bad.write_text("not a database")
    win.open_path(bad)                    # opens on the DB worker, as at start-up
    assert win.tasks.wait(10_000)
    [box] = visible_boxes()
    assert "not a phdesk project" in box.text()
    assert win.service.path.name == "demo.phdesk"


# -- projects, settings, recent files ---------------------------------------------------------
def test_new_project_and_recent_menu(make_main_window, tmp_path):
    settings = Settings()
    win = make_main_window(settings=settings)
    demo = win.service.path
    assert win.open_path(tmp_path / "empty.phdesk", create=True)
    assert win.tasks.wait(10_000)
    assert win.windowTitle().startswith("empty")
    assert win.neighbourhood_panel.row_count() == 0
    assert win.map_panel.area_count() == 0
    assert win.empty_banner.isVisible()          # tells the user what to do first
    titles = [a.text() for a in win.recent_menu.actions()]
    assert titles[0] == "&1 empty.phdesk"
    # back to the demo through the recent menu
    assert win.open_path(demo)
    assert win.tasks.wait(10_000)
    assert win.neighbourhood_panel.row_count() == 8
    assert not win.empty_banner.isVisible()
    assert [a.text() for a in win.recent_menu.actions()][:2] == ["&1 demo.phdesk",
                                                                 "&2 empty.phdesk"]
    assert Settings.load().recent_files[:2] == [str(demo.resolve()),
                                                str((tmp_path / "empty.phdesk").resolve())]


def test_settings_round_trip(tmp_path):
    s = Settings()
    s.window_geometry = "AQID"
    s.last_import_dir = str(tmp_path)
    s.rerun_mapping_on_open = False
    for i in range(MAX_RECENT + 3):
        (tmp_path / f"p{i}.phdesk").write_text("x")
        s.add_recent(tmp_path / f"p{i}.phdesk")
    s.add_recent(tmp_path / "p5.phdesk")           # again: moves to the front, no duplicate
    path = s.save()
    assert path == settings_path() and path.parent == paths.config_dir()
    assert str(path).startswith(os.environ["PHDESK_HOME"])   # never beside the program
    back = Settings.load()
    assert back == s
    assert len(back.recent_files) == MAX_RECENT
    assert back.recent_files[0].endswith("p5.phdesk")
    assert len(set(back.recent_files)) == MAX_RECENT
    (tmp_path / "p5.phdesk").unlink()
    assert all(p.exists() for p in back.existing_recent())
    assert len(back.existing_recent()) == MAX_RECENT - 1


def test_settings_bad_values_damaged_file_and_migration():
    path = settings_path()
    path.write_text(json.dumps({"schema_version": SCHEMA_VERSION, "recent_files": "oops",
                                "rerun_mapping_on_open": "yes", "last_export_dir": "C:/out",
                                "unknown": 1}))
    s = Settings.load()
    assert s.recent_files == [] and s.rerun_mapping_on_open is True
    assert s.last_export_dir == "C:/out"
    path.write_text("{ not json")
    assert Settings.load() == Settings()
    assert path.with_name("settings.json.bad").exists()
    path.write_text(json.dumps({"recent": ["a.phdesk"], "geometry": "AAAA"}))   # version 1
    s = Settings.load()
    assert s.recent_files == ["a.phdesk"] and s.window_geometry == "AAAA"
    assert s.schema_version == SCHEMA_VERSION


def test_window_layout_is_remembered(make_main_window, demo_path):
    settings = Settings()
    win = make_main_window(settings=settings)
    win.docks["charts"].hide()
    win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, win.docks["neighbourhoods"])
    win.close()
    saved = Settings.load()
    assert saved.window_geometry and saved.window_state
    again = make_main_window(demo_path, settings=saved)
    assert not again.docks["charts"].isVisible()
    assert again.docks["neighbourhoods"].isVisible()
    assert again.dockWidgetArea(again.docks["neighbourhoods"]) == \
        Qt.DockWidgetArea.RightDockWidgetArea


def test_a_layout_saved_on_a_bigger_screen_opens_within_this_one(make_main_window, demo_path):
    # a laptop off its docking station: a window saved 3000 x 2000 pixels must not open partly
    # off the screen it opens on now (it then opens as on a first run: maximised on a laptop)
    import base64

    from PySide6 import QtGui, QtWidgets

    big = QtWidgets.QMainWindow()
    big.setGeometry(200, 150, 3000, 2000)
    saved = base64.b64encode(bytes(big.saveGeometry())).decode("ascii")
    big.deleteLater()
    win = make_main_window(demo_path, settings=Settings(window_geometry=saved))
    avail = QtGui.QGuiApplication.primaryScreen().availableGeometry()
    # (Qt's offscreen screen clamps a restored geometry itself; an X11 window manager did not,
    # and the window opened partly off a 1366 x 768 screen)
    win.setGeometry(200, 150, 3000, 2000)
    assert not win._fits_screen()
    win.setGeometry(avail.x() + 10, avail.y() + 30, 500, 400)
    assert win._fits_screen() == (win.minimumSizeHint().width() <= avail.width()
                                  and win.minimumSizeHint().height() <= avail.height())


def test_choose_project(tmp_path):
    from phdesk.ui.app import choose_project

    with pytest.raises(UserError, match="no such project"):
        choose_project(tmp_path / "missing.phdesk", Settings())
    last = tmp_path / "last.phdesk"
    last.write_text("x")
    assert choose_project(None, Settings(last_project=str(last))) == last
    demo = choose_project(None, Settings(last_project=str(tmp_path / "gone.phdesk")))
    assert demo == paths.demo_project() and demo.exists()    # written on first run


# -- screens, import, export -------------------------------------------------------------------
def test_every_screen_opens(make_main_window, qtbot):
    from phdesk.ui.about import AboutDialog, ShortcutsDialog

    win = make_main_window()
    dialog = win.mapping_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == len(win.data.categories)
    assert dialog.segments.count() == len(win.data.segments)
    about = AboutDialog(str(win.service.path), win)
    about.show()
    assert str(paths.log_file()) in about.findChild(QtWidgets.QLabel).text()
    shortcuts = ShortcutsDialog(win.commands.shortcut_table(), win)
    shortcuts.show()
    assert shortcuts.table.rowCount() == len(win.commands.shortcut_table()) >= 10
    win.commands["file.import"].trigger()
    wizard = next(w for w in QtWidgets.QApplication.topLevelWidgets()
                  if isinstance(w, QtWidgets.QWizard) and w.isVisible())
    wizard.close()
    for d in (dialog, about, shortcuts):
        assert unnamed_controls(d) == []
        d.close()


def test_dropped_files_open_the_import_wizard(make_main_window, tmp_path, monkeypatch):
    win = make_main_window()
    opened = []
    monkeypatch.setattr(win, "open_import_wizard", opened.append)
    f = tmp_path / "assets.csv"
    f.write_text("Name,Postcode\nLibrary,SE13 6LH\n")
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(f))])
    pos = QtCore.QPointF(win.width() / 2, win.height() / 2)
    enter = QtGui.QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime,
                                  Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    win.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QtGui.QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    win.dropEvent(drop)
    assert opened == [[f]]


def test_export_map_and_charts_png_are_rendered_by_the_export_path(make_main_window, tmp_path,
                                                                    qtbot, monkeypatch):
    """The older Ctrl+E / Ctrl+Shift+E commands render through ``phdesk.export`` at the
    export's stated size (never a grab of the widgets, whose size is the window's)."""
    from phdesk.ui import report_png

    rendered = []
    real = report_png.render
    monkeypatch.setattr(report_png, "render", lambda bundle, what="map", *a, **kw: (
        rendered.append(what), real(bundle, what, *a, **kw))[1])
    win = make_main_window()
    for which in ("map", "charts"):
        task = win.export_png(which, tmp_path / which)
        with qtbot.waitSignal(task.finished, timeout=300_000) as blocker:
            pass
        assert blocker.args == ["done"], blocker.args
        img = QtGui.QImage(str(tmp_path / f"{which}.png"))
        assert (img.width(), img.height()) == (1600, 1200)
    assert rendered == ["map", "gaps"]


# -- keyboard and accessibility ------------------------------------------------------------------
MAIN_ACTIONS = ["file.new", "file.open", "file.import", "file.export_map", "file.quit",
                "analysis.run", "view.focus.neighbourhoods", "view.focus.map",
                "view.focus.charts", "view.focus.results", "help.contents"]


def test_main_actions_have_shortcuts_and_menus_mnemonics(make_main_window):
    win = make_main_window()
    keys = [win.commands[name].shortcut() for name in MAIN_ACTIONS]
    assert [n for n, k in zip(MAIN_ACTIONS, keys, strict=True) if k.isEmpty()] == []
    assert len({k.toString() for k in keys}) == len(keys)      # no two share a key
    for menu_action in win.menuBar().actions():
        assert "&" in menu_action.text(), menu_action.text()
        for action in menu_action.menu().actions():
            if not action.isSeparator() and action.text() != "(none)":
                assert "&" in action.text(), action.text()


def test_dock_focus_shortcuts(make_main_window):
    win = make_main_window()
    win.activateWindow()
    for key, dock in (("Ctrl+1", "neighbourhoods"), ("Ctrl+3", "charts"), ("Ctrl+5", "assets"),
                      ("Ctrl+6", "sources"), ("Ctrl+2", None)):
        action = next(a for _, a in win.commands if a.shortcut() == QtGui.QKeySequence(key))
        action.trigger()
        target = win.centralWidget() if dock is None else win.docks[dock]
        focus = QtWidgets.QApplication.focusWidget()
        assert focus is not None and (focus is target or target.isAncestorOf(focus)), key


def _control(w: QtWidgets.QWidget) -> QtWidgets.QWidget | None:
    """The control a focusable widget belongs to (a view for its viewport, a spin box for its
    line edit); None for parts that are not controls of their own (table headers)."""
    parent = w.parentWidget()
    if isinstance(parent, QtWidgets.QAbstractScrollArea) and parent.viewport() is w:
        return parent
    if isinstance(parent, QtWidgets.QAbstractSpinBox | QtWidgets.QComboBox):
        return parent
    if isinstance(w, QtWidgets.QHeaderView):
        return None
    return w


def unnamed_controls(root: QtWidgets.QWidget) -> list[str]:
    out = []
    for w in root.findChildren(QtWidgets.QWidget):
        if not w.isVisible() or not w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        control = _control(w)
        if control is not None and not _accessible_name(control):
            out.append(f"{type(control).__name__} in {type(control.parentWidget()).__name__}")
    return out


def _accessible_name(widget: QtWidgets.QWidget) -> str:
    iface = QtGui.QAccessible.queryAccessibleInterface(widget)
    return iface.text(QtGui.QAccessible.Text.Name).strip() if iface else ""


def test_every_visible_control_has_an_accessible_name(make_main_window):
    from phdesk.core.mapping import MappingParams

    win = make_main_window()
    win.run_mapping(MappingParams())
    assert win.tasks.wait(60_000)
    assert unnamed_controls(win) == []


def contrast(a: QtGui.QColor, b: QtGui.QColor) -> float:
    def lum(c: QtGui.QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_palette_text_contrast(make_main_window):
    # phdesk keeps the system's colours, darkening only a pair that fails WCAG 2.2 AA (4.5:1
    # for normal text): the list, its alternating rows, the selection and the status bar.
    from phdesk.ui.app import TEXT_PAIRS, accessible_palette

    original = QtWidgets.QApplication.palette()
    fixed = accessible_palette(original)
    QtWidgets.QApplication.setPalette(fixed)
    try:
        win = make_main_window()
        pal = win.neighbourhood_panel.view.palette()
        for group in (QtGui.QPalette.ColorGroup.Active, QtGui.QPalette.ColorGroup.Inactive):
            for fg, bg in TEXT_PAIRS:
                assert contrast(pal.color(group, fg), pal.color(group, bg)) >= 4.5, (fg, bg)
                if contrast(original.color(group, fg), original.color(group, bg)) >= 4.5:
                    assert pal.color(group, bg) == original.color(group, bg)  # left alone
    finally:
        QtWidgets.QApplication.setPalette(original)


def test_no_pixel_fonts(make_main_window):
    win = make_main_window()
    app_size = QtWidgets.QApplication.font().pointSizeF()
    for w in [win, win.neighbourhood_panel, *win.neighbourhood_panel.findChildren(
            QtWidgets.QWidget), win.counts_label, win.run_label]:
        assert w.font().pixelSize() == -1          # sizes in points follow the system setting
        assert w.font().pointSizeF() == app_size


# -- --screenshot, first run --------------------------------------------------------------------
@pytest.mark.slow
def test_screenshot_first_run_writes_demo_and_png(tmp_path):
    from phdesk.ui.app import SCREENSHOT_SIZE

    home = tmp_path / "home"
    out = tmp_path / "shot.png"
    env = {**os.environ, "PHDESK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-m", "phdesk", "--screenshot", str(out)],
                          env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    assert (home / "demo.phdesk").exists()        # first run wrote the demo project
    img = QtGui.QImage(str(out))
    assert (img.width(), img.height()) == SCREENSHOT_SIZE
    small = img.scaled(48, 30)
    colours = {small.pixel(x, y) for x in range(48) for y in range(30)}
    assert len(colours) > 20                       # a populated window, not a blank one
    assert not (home / "config" / "settings.json").exists() or \
        not json.loads((home / "config" / "settings.json").read_text())["window_geometry"]


def test_tab_key_reaches_every_panel_and_comes_back(make_main_window, qtbot):
    from PySide6.QtTest import QTest

    win = make_main_window()
    win.activateWindow()
    start = win.neighbourhood_panel.view
    start.setFocus()
    visited = []
    for _ in range(120):
        QTest.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Tab)
        focus = QtWidgets.QApplication.focusWidget()
        visited.append(focus)
        if focus is start:
            break
    assert visited[-1] is start                           # no control traps the Tab key
    for panel in (win.map_panel, win.charts_panel, win.neighbourhood_panel):
        assert any(panel.isAncestorOf(w) or w is panel for w in visited), type(panel).__name__


def test_mapping_dialog_controls_are_named(make_main_window, qtbot):
    win = make_main_window()
    dialog = win.mapping_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed_controls(dialog) == []
    dialog.close()


def test_closing_while_mapping_runs(make_main_window, qtbot):
    from phdesk.core.mapping import MappingParams

    win = make_main_window()
    service = win.service
    win.run_mapping(MappingParams())
    win.close()                         # cancels, waits for the worker, closes the project
    assert not win.tasks.busy()
    with pytest.raises(Exception):       # noqa: B017 - the connection is closed
        service.counts()


def test_import_refreshes_window_and_repeats_mapping(make_main_window, tmp_path, qtbot):
    from phdesk.core.mapping import MappingParams

    win = make_main_window()
    win.run_mapping(MappingParams())
    assert win.tasks.wait(60_000)
    first_run = win.service.last_result.run_id
    csv = tmp_path / "clubs.csv"
    csv.write_text("Name,Category,Easting,Northing\n" + "".join(
        f"Club {i},Lunch club,{529000 + 40 * i},{178000 + 30 * i}\n" for i in range(20)))
    loads = []
    win.project_loaded.connect(lambda: loads.append(1))
    win.service.commit_import(win.service.prepare_import(csv, kind="assets"))
    win._after_import()
    win._after_import()                     # two files in one wizard batch: one refresh
    qtbot.waitUntil(lambda: bool(loads) and not win.tasks.busy(), timeout=30_000)
    assert win.tasks.wait(60_000)
    assert len(loads) == 1
    assert f"{win.service.counts()['assets']} assets" in win.counts_label.text()
    assert win.map_panel.asset_count() == win.service.counts()["assets"]
    assert win.service.last_result.run_id > first_run
    assert "Lunch club" in set(win.service.last_result.assets["category"])


def test_run_app_with_a_bad_file_says_so_and_opens_the_demo(qapp, tmp_path, monkeypatch):
    import phdesk.ui.app as app_module
    import phdesk.ui.errors as errors
    from phdesk.ui.main_window import MainWindow

    bad = tmp_path / "report.phdesk"
    bad.write_text("not a project")
    shown = []
    monkeypatch.setattr(errors, "show_error", lambda parent, title, exc, **kw: shown.append(
        str(exc)))
    monkeypatch.setattr(app_module, "make_app", lambda argv=None: qapp)
    monkeypatch.setattr(type(qapp), "exec", lambda self: 0)
    assert app_module.run_app(bad) == 0
    windows = [w for w in QtWidgets.QApplication.topLevelWidgets()
               if isinstance(w, MainWindow) and w.isVisible()]
    try:
        # the window shows first; the file is tried, reported and replaced once it has painted
        assert all(w.wait_until_loaded(60_000) for w in windows)
        assert len(shown) == 1 and "not a phdesk project" in shown[0]
        assert [w.service.path for w in windows] == [paths.demo_project()]
    finally:
        for w in windows:
            w.tasks.wait(30_000)
            w.close()


def test_qt_messages_go_to_the_log(caplog):
    from phdesk.ui.app import qt_message_handler

    context = QtCore.QMessageLogContext()
    with caplog.at_level("DEBUG", logger="qt"):
        qt_message_handler(QtCore.QtMsgType.QtCriticalMsg, context, "QPainter::begin failed")
        qt_message_handler(QtCore.QtMsgType.QtWarningMsg, context,
                           "This plugin does not support propagateSizeHints()")
    levels = {r.getMessage(): r.levelname for r in caplog.records if r.name == "qt"}
    assert levels == {"QPainter::begin failed": "ERROR",
                      "This plugin does not support propagateSizeHints()": "DEBUG"}


def test_open_demo_from_the_file_menu(make_main_window, tmp_path):
    win = make_main_window()
    assert win.open_path(tmp_path / "blank.phdesk", create=True)
    assert win.tasks.wait(10_000)
    win.commands["file.demo"].trigger()
    assert win.tasks.wait(60_000)
    assert win.service.path == paths.demo_project()
    assert win.neighbourhood_panel.row_count() == 8


def test_alt_letters_open_menus_and_are_not_shared(make_main_window):
    import re

    from PySide6.QtTest import QTest

    win = make_main_window()
    win.activateWindow()
    win.neighbourhood_panel.view.setFocus()
    for menu_action in win.menuBar().actions():
        letter = re.search(r"&(\w)", menu_action.text()).group(1)
        QTest.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key(ord(letter.upper())),
                       Qt.KeyboardModifier.AltModifier)
        popup = QtWidgets.QApplication.activePopupWidget()
        assert popup is menu_action.menu(), menu_action.text()
        popup.close()
        win.neighbourhood_panel.view.setFocus()
    letters = [re.search(r"&(\w)", a.text()).group(1).lower() for a in win.menuBar().actions()]
    for w in win.findChildren(QtWidgets.QAbstractButton) + win.findChildren(QtWidgets.QLabel):
        m = re.search(r"&(\w)", w.text())
        if m and w.isVisible():
            letters.append(m.group(1).lower())
    assert len(letters) == len(set(letters)), sorted(letters)


def test_app_icon_has_every_size(qapp):
    from phdesk.ui.app import app_icon

    icon = app_icon()
    assert not icon.isNull()
    for size in (16, 32, 48, 256):
        image = icon.pixmap(size, size).toImage()
        assert image.width() == size
        assert image.pixelColor(size // 2, size // 2).alpha() == 255   # drawn, not blank


def test_mapping_dialog_without_assets_explains_and_cannot_run(qtbot):
    from phdesk.ui.mapping_dialog import MappingChoices, MappingDialog

    dialog = MappingDialog(MappingChoices(categories=[], segments=["All", "Core20"]))
    qtbot.addWidget(dialog)
    assert not dialog.run_button.isEnabled()
    assert "no assets yet" in dialog.message.text()
    full = MappingDialog(MappingChoices(categories=["Library"], segments=["All"]))
    qtbot.addWidget(full)
    full.table.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    full.run_button.click()
    assert full.result() != QtWidgets.QDialog.DialogCode.Accepted
    assert "Tick at least one category" in full.message.text()


def test_asset_edits_and_reload_refresh_the_window(make_main_window, demo_path):
    from phdesk.store import edits
    from phdesk.store.project import Project

    win = make_main_window()
    n = win.service.counts()["assets"]
    row = win.data.assets.iloc[0]
    assert win.asset_panel.add_asset({"name": "Pop-up clinic", "category": "Clinic",
                                      "easting": float(row["easting"]),
                                      "northing": float(row["northing"])})
    assert win.tasks.wait(30_000)
    assert win.map_panel.asset_count() == n + 1
    assert f"{n + 1} assets" in win.counts_label.text()
    # a change made elsewhere (another copy of phdesk, the command line) shows after Reload
    with Project(demo_path) as other:
        edits.add_asset(other, {"name": "Youth club", "category": "Youth service",
                                "easting": float(row["easting"]),
                                "northing": float(row["northing"])})
    win.commands["analysis.reload"].trigger()
    assert win.tasks.wait(30_000)
    assert win.map_panel.asset_count() == n + 2
    assert "Youth service" in win.data.categories


def test_enter_in_the_mapping_dialog_runs_mapping(make_main_window, qtbot):
    """Enter in the radius field presses Run mapping (it pressed "Tick all", the dialog's first
    push button, and the dialog stayed open)."""
    from PySide6 import QtTest

    win = make_main_window()
    dialog = win.mapping_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    untick = next(b for b in dialog.findChildren(QtWidgets.QPushButton) if b.text() == "Untick all")
    untick.click()           # a state "Tick all" would change
    assert dialog.run_button.isDefault()
    spin = dialog.findChildren(QtWidgets.QAbstractSpinBox)[0]
    spin.setFocus()
    accepted = []
    dialog.run_button.clicked.connect(lambda: accepted.append(True))
    QtTest.QTest.keyClick(spin, QtCore.Qt.Key.Key_Return)
    assert accepted == [True]
    checked = QtCore.Qt.CheckState.Checked
    assert not any(dialog.segments.item(i).checkState() == checked
                   for i in range(dialog.segments.count()))
    dialog.close()


def test_new_project_is_not_offered_in_the_app_data_folder(tmp_path):
    """From the demo (phdesk's data folder, beside settings and logs) File ▸ New starts in
    Documents or the home folder; from a project elsewhere, in that project's folder."""
    from types import SimpleNamespace

    from phdesk.ui.window_actions import _start_dir

    demo_win = SimpleNamespace(project_path=paths.demo_project())
    start = Path(_start_dir(demo_win)).resolve()
    assert start != paths.data_dir().resolve()
    assert start.is_dir()
    mine = tmp_path / "work" / "trafford.phdesk"
    mine.parent.mkdir()
    assert Path(_start_dir(SimpleNamespace(project_path=mine))) == mine.parent


def test_status_says_when_results_are_older_than_the_data(make_main_window, qtbot):
    """After an edit in the register (or an import) the last run's results no longer match the
    data: the status bar says to run mapping again, until it is run."""
    from phdesk.core.mapping import MappingParams

    win = make_main_window()
    params = MappingParams(categories=[win.data.categories[0]])
    win.run_mapping(params)
    assert win.tasks.wait(60_000)
    assert win.run_label.text().startswith("Mapped 20") and "run again" not in \
        win.run_label.text()
    asset_id = int(win.service.assets()["id"].iloc[0])
    win.service.update_asset(asset_id, {"capacity": 3})
    win.asset_panel.assets_changed.emit()            # what the register does after an edit
    assert win.tasks.wait(30_000)
    qtbot.waitUntil(lambda: "run again (F5)" in win.run_label.text())
    win.run_mapping(params)
    assert win.tasks.wait(60_000)
    assert "run again" not in win.run_label.text()


def test_the_panels_export_buttons_go_through_the_window_export(make_main_window, monkeypatch,
                                                                 qtbot):
    """The map's and the charts' own Export PNG buttons call the same rendered export as
    File ▸ Export map / charts (not a grab of the widgets)."""
    win = make_main_window()
    asked = []
    monkeypatch.setattr(win, "export_png", lambda which, path=None: asked.append(which))
    for panel in (win.map_panel, win.charts_panel):
        assert panel.export_button.isVisibleTo(win)
        panel.export_button.click()
    assert asked == ["map", "charts"]


def test_the_png_map_is_shaded_by_the_measure_the_map_shows(make_main_window, tmp_path, qtbot,
                                                             monkeypatch):
    """File ▸ Export map renders the measure on the map (here: population by area), not
    always the IMD decile."""
    from phdesk.ui import report_png

    seen = []
    real = report_png.render
    monkeypatch.setattr(report_png, "render", lambda bundle, what="map", *a, **kw: (
        seen.append((what, a)), real(bundle, what, *a, **kw))[1])
    win = make_main_window()
    combo = win.map_panel.measure_combo
    index = next(i for i in range(combo.count())
                 if combo.itemData(i).key == "population" and combo.itemData(i).level == "areas")
    combo.setCurrentIndex(index)
    task = win.export_png("map", tmp_path / "pop")
    with qtbot.waitSignal(task.finished, timeout=300_000) as blocker:
        pass
    assert blocker.args == ["done"], blocker.args
    what, args = seen[0]
    assert what == "map" and args[3:5] == ("population", "areas")   # measure, level
    assert (tmp_path / "pop.png").exists()


def test_a_headline_on_a_category_with_few_sites_says_how_many(qtbot):
    """Trafford's one "Clinic|Dentist" site headlined every neighbourhood ("no site within
    reach"): a headline resting on a category with fewer than three sites says its count."""
    import pandas as pd

    from phdesk.core.gap_ranking import Headlines
    from phdesk.ui.neighbourhood_panel import NeighbourhoodPanel

    panel = NeighbourhoodPanel()
    qtbot.addWidget(panel)
    summary = pd.DataFrame({"neighbourhood": ["A", "B", "C"], "areas": [1, 1, 1],
                            "population": [100.0, 200.0, 300.0],
                            "core20_pct": [0.0, 50.0, 100.0], "assets": [1, 2, 3]})
    gaps = pd.DataFrame({"neighbourhood": ["A", "B", "C"], "segment": ["Core20"] * 3,
                         "category": ["Clinic|Dentist", "Pharmacy", "Gym"],
                         "gap_score": [40.0, 10.0, 5.0],
                         "sites": pd.array([1, 57, 2], dtype="Int64")})
    panel.set_data(summary, Headlines(gaps))
    assert panel.gap_text("A") == "Clinic|Dentist · Core20 (1 site)"
    assert panel.gap_text("B") == "Pharmacy · Core20"
    assert panel.gap_text("C") == "Gym · Core20 (2 sites)"
    panel.set_data(summary, Headlines(gaps.drop(columns="sites")))   # a result without counts
    assert panel.gap_text("A") == "Clinic|Dentist · Core20"
