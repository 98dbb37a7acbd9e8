"""Start-up: the main window shows (menus, docks, placeholders) before its project is open, then
opens the project after its first paint; what is imported before the window shows."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

import pytest
from PySide6 import QtCore, QtWidgets

from phdesk.core.errors import UserError
from phdesk.settings import Settings
from phdesk.ui import panels, window_opening

HEAVY = ("pandas", "numpy", "shapely", "sqlite_utils", "pyqtgraph", "pyproj")


def visible_boxes() -> list[QtWidgets.QMessageBox]:
    return [w for w in QtWidgets.QApplication.topLevelWidgets()
            if isinstance(w, QtWidgets.QMessageBox) and w.isVisible()]


@pytest.fixture(autouse=True)
def _close_popups():
    yield
    for w in visible_boxes():
        w.close()


class _PaintSpy(QtCore.QObject):
    """Counts paint events of widgets inside ``window``."""

    def __init__(self, window) -> None:
        super().__init__()
        self.window, self.count = window, 0
        QtWidgets.QApplication.instance().installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
        if event.type() == QtCore.QEvent.Type.Paint and isinstance(obj, QtWidgets.QWidget) \
                and obj.window() is self.window:
            self.count += 1
        return False

    def stop(self) -> None:
        QtWidgets.QApplication.instance().removeEventFilter(self)


@pytest.fixture
def blocked_open(monkeypatch):
    """Holds the project-opening job on its worker until ``release.set()``; records how many
    paints the window had when the job was submitted (``started``)."""
    release, started = threading.Event(), []
    real = window_opening.open_project_job

    def job_for(path):
        inner = real(path)

        def job(progress, cancelled):
            assert release.wait(30)
            return inner(progress, cancelled)
        started.append(path)
        return job

    monkeypatch.setattr(window_opening, "open_project_job", job_for)
    yield release, started
    release.set()


def _window(qtbot, path, fallback=None, settings=None):
    from phdesk.ui.main_window import MainWindow

    win = MainWindow.open_later(path, settings or Settings(), fallback)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    return win


def test_window_shows_first_and_opens_the_project_after_painting(qtbot, demo_path, monkeypatch):
    settings = Settings()
    win = _window(qtbot, demo_path, settings=settings)
    # the chrome, before anything is read: menus, docks, a placeholder naming the project
    assert win.service is None and win.project_path == demo_path
    assert [a.text() for a in win.menuBar().actions()] == ["&File", "&Edit", "&Analysis",
                                                           "&View", "&Help"]
    assert set(win.docks) == {"neighbourhoods", "charts", "results", "assets", "sources",
                              "notes", "ideas", "scenarios"}
    for attr in panels.PANELS:
        placeholder = getattr(win, attr)
        assert isinstance(placeholder, panels.LoadingPlaceholder)
        assert placeholder.text() == "Opening demo.phdesk…"
    assert win.windowTitle() == "demo — phdesk"
    assert not win.tasks.busy()                      # nothing starts before the window paints

    spy = _PaintSpy(win)
    submitted_after = []
    real = window_opening.open_project_job
    monkeypatch.setattr(window_opening, "open_project_job",
                        lambda path: (submitted_after.append(spy.count), real(path))[1])
    win.show()
    assert win.wait_until_loaded(60_000)
    spy.stop()
    assert len(submitted_after) == 1 and submitted_after[0] >= 1   # opened after a paint
    assert win.open_error is None
    assert win.service.path == demo_path
    for name, cls in (("map_panel", "MapPanel"), ("charts_panel", "ChartsPanel"),
                      ("results_panel", "ResultsPanel"), ("asset_panel", "AssetRegisterPanel"),
                      ("provenance_panel", "ProvenancePanel"),
                      ("neighbourhood_panel", "NeighbourhoodPanel")):
        assert type(getattr(win, name)).__name__ == cls
    assert win.neighbourhood_panel.row_count() == 8
    assert win.map_panel.area_count() == win.service.counts()["areas"] > 100
    assert win.windowTitle() == "Kingsbridge (demo) — phdesk"
    assert win.docks["charts"].widget().widget() is win.charts_panel    # in its scroll area
    assert win.edit_menu.isEnabled()               # the asset register's undo/redo
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    assert win.findChildren(panels.LoadingPlaceholder) == []
    assert settings.recent_files[0] == str(demo_path.resolve())
    assert win.recent_menu.actions()[0].text() == "&1 demo.phdesk"


def test_menus_work_while_the_project_opens(qtbot, demo_path, blocked_open):
    release, started = blocked_open
    win = _window(qtbot, demo_path)
    win.show()
    qtbot.waitUntil(lambda: bool(started), timeout=5_000)
    assert win.service is None
    assert "Opening demo.phdesk" in win.statusBar().currentMessage()
    win.commands["file.import"].trigger()
    assert "still opening" in win.statusBar().currentMessage()
    win.commands["analysis.run"].trigger()
    assert "still loading" in win.statusBar().currentMessage()
    win.commands["analysis.reload"].trigger()
    assert win.export_png("map", demo_path.parent / "map.png") is None
    win.commands["view.focus.charts"].trigger()
    assert win.docks["charts"].isVisible()
    assert visible_boxes() == []
    release.set()
    assert win.wait_until_loaded(60_000)
    assert win.neighbourhood_panel.row_count() == 8


def test_a_file_that_will_not_open_is_reported_and_the_fallback_opens(qtbot, demo_path,
                                                                      tmp_path):
    bad = tmp_path / "report.phdesk"
    bad.write_text("not a project")
    win = _window(qtbot, bad, fallback=lambda: demo_path)
    win.show()
    assert win.wait_until_loaded(60_000)
    [box] = visible_boxes()
    assert "not a phdesk project" in box.text()
    assert win.open_error is None and win.isVisible()
    assert win.service.path == demo_path
    assert win.neighbourhood_panel.row_count() == 8
    assert str(bad.resolve()) not in win.settings.recent_files


def test_without_a_fallback_the_error_is_kept_and_the_window_closes(qtbot, tmp_path):
    bad = tmp_path / "report.phdesk"
    bad.write_text("not a project")
    win = _window(qtbot, bad)
    win.show()
    assert win.wait_until_loaded(60_000)
    assert isinstance(win.open_error, UserError)
    assert "not a phdesk project" in str(win.open_error)
    assert not win.isVisible() and win.service is None
    assert visible_boxes() == []                 # the command line reports it
    assert win.settings.recent_files == []


def test_opening_another_project_while_the_first_is_still_opening(qtbot, demo_path, tmp_path,
                                                                  blocked_open):
    release, started = blocked_open
    other = tmp_path / "other.phdesk"
    shutil.copy(demo_path, other)
    win = _window(qtbot, demo_path)
    win.show()
    qtbot.waitUntil(lambda: bool(started), timeout=5_000)
    QtCore.QTimer.singleShot(200, release.set)     # the first job ends while set_service waits
    assert win.open_path(other)
    assert win.wait_until_loaded(60_000)
    assert win.service.path == other
    assert win.neighbourhood_panel.row_count() == 8
    assert win.windowFilePath() == str(other)
    assert win.settings.recent_files == [str(other.resolve())]   # the first never opened here
    assert win.recent_menu.actions()[0].text() == "&1 other.phdesk"


def test_nothing_heavy_is_imported_before_the_window_shows(tmp_path, demo_path):
    # Run the real start-up (phdesk PROJECT) up to the event loop, with the window shown, and
    # list what is loaded then.
    code = f"""
import os, sys
from PySide6 import QtWidgets

def exec_(*args):
    shown = [w for w in QtWidgets.QApplication.topLevelWidgets()
             if type(w).__name__ == "MainWindow" and w.isVisible()]
    print("shown", len(shown))
    print("heavy", ",".join(m for m in {HEAVY!r} if m in sys.modules))
    sys.stdout.flush()
    os._exit(0)

QtWidgets.QApplication.exec = exec_
sys.argv = ["phdesk", {str(demo_path)!r}]
from phdesk.__main__ import main
main()
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PHDESK_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(" ", 1) if " " in line else (line, "")
                 for line in proc.stdout.splitlines())
    assert lines["shown"] == "1"
    assert lines["heavy"] == ""


def test_first_run_writes_the_demo_after_the_window_shows(qapp, monkeypatch):
    import phdesk.ui.app as app_module
    from phdesk import paths
    from phdesk.ui.main_window import MainWindow

    demo = paths.demo_project()
    assert not demo.exists()                        # a new user: nothing written yet
    at_exec = []
    monkeypatch.setattr(app_module, "make_app", lambda argv=None: qapp)
    monkeypatch.setattr(type(qapp), "exec", lambda self: at_exec.append(demo.exists()) or 0)
    assert app_module.run_app(None) == 0
    [win] = [w for w in QtWidgets.QApplication.topLevelWidgets()
             if isinstance(w, MainWindow) and w.isVisible()]
    try:
        assert at_exec == [False]                   # the window showed before the demo was written
        assert win.wait_until_loaded(120_000)
        assert win.open_error is None
        assert demo.exists() and win.service.path == demo
        assert win.neighbourhood_panel.row_count() == 8
    finally:
        win.close()
