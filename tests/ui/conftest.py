"""UI fixtures: main windows on the demo project (the demo fixtures are in tests/conftest.py)."""

from __future__ import annotations

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
