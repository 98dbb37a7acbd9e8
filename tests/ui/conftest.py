"""UI fixtures: main windows on the demo project (the demo fixtures are in tests/conftest.py)."""

from __future__ import annotations

import os
import sys
import threading

import pytest


@pytest.fixture
def make_main_window(qtbot, demo_path):
    """Factory: ``make_main_window(path=None, settings=None, wait=True)`` -> a shown MainWindow
    on the demo project (or ``path``), with its first background load finished."""
    from phdesk.services.project_service import ProjectService
    from phdesk.settings import Settings
    from phdesk.ui.main_window import MainWindow

    windows = []

    def make(path=None, settings=None, wait=True):
        service = ProjectService.open(path or demo_path)
        settings = settings or Settings()
        win = MainWindow(service, settings)
        qtbot.addWidget(win)
        if not settings.window_geometry:
            win.resize(1440, 900)
        win.show()
        windows.append(win)
        if wait:
            assert win.tasks.wait(60_000), "the window's background load did not finish"
        return win

    yield make
    for win in windows:
        if win.isVisible():
            win.close()


_UI = f"{os.sep}phdesk{os.sep}ui{os.sep}"
_NOT_THE_APP = ("preview_data.py",)   # screens run alone for a look, not the app's code paths


def _gui_caller() -> str | None:
    """``file:line`` of the phdesk.ui frame that led to this database access, when it happens
    on the GUI (main) thread while a window is shown; None for accesses from workers, from test
    code itself, or before any window exists (start-up helpers)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None or not any(w.isVisible() for w in app.topLevelWidgets()):
        return None
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if _UI in name and not name.endswith(_NOT_THE_APP):
            return f"{name.rsplit(_UI, 1)[1]}:{frame.f_lineno} ({frame.f_code.co_name})"
        frame = frame.f_back
    return None


@pytest.fixture(autouse=True)
def gui_thread_db_guard():
    """Fail a test in which the window's code reads or writes the project on the GUI thread:
    such a read waits behind any long write on the DB worker and freezes the window. All
    database work goes through the task runner (docs/ARCHITECTURE.md, persistence)."""
    from phdesk.store import project

    seen: list[str] = []

    def hook() -> None:
        where = _gui_caller()
        if where is not None:
            seen.append(where)

    previous = project.set_access_hook(hook)
    yield seen
    project.set_access_hook(previous)
    assert not seen, f"database touched on the GUI thread from: {sorted(set(seen))}"
