"""Opening the main window's project after the window has painted (start-up).

The window's chrome (menus, status bar, docks) needs only PySide6; the project needs the service
layer (pandas, numpy, shapely, sqlite-utils) and the map and charts need pyqtgraph: together about
a second of imports before anything is read. So ``phdesk`` makes the window empty, with a
placeholder in each panel saying which project is opening, and shows it; once it has painted, the
project opens on the DB worker (the service layer is imported there too), then the panels are
built and filled. The window is usable meanwhile: its menus work, and commands that need the
project say it is still opening.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from phdesk import paths
from phdesk.ui import errors, panels, window_actions

if TYPE_CHECKING:
    from phdesk.services.project_service import ProjectService
    from phdesk.settings import Settings

log = logging.getLogger(__name__)

FALLBACK_MS = 1000   # start anyway if no paint is seen (a minimised or never-shown window)
# Imported on the worker while the project opens, so that building the panels on the GUI thread
# afterwards does not stall the shown window for their imports (pyqtgraph: about 0.3 s). Only
# module code runs there (class definitions); every widget is still made on the GUI thread.
PANEL_MODULES = ("phdesk.ui.neighbourhood_panel", "phdesk.ui.map_panel", "phdesk.ui.charts",
                 "phdesk.ui.tables", "phdesk.ui.asset_register", "phdesk.ui.provenance_panel")


class _FirstPaint(QtCore.QObject):
    """Calls ``callback`` once, just after the first paint of any widget in ``window``."""

    def __init__(self, window: QtWidgets.QWidget, callback: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._callback = callback
        self._fired = False
        QtWidgets.QApplication.instance().installEventFilter(self)
        QtCore.QTimer.singleShot(FALLBACK_MS, self, self._fire)

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if (event.type() == QtCore.QEvent.Type.Paint and isinstance(obj, QtWidgets.QWidget)
                and obj.window() is self._window):
            QtWidgets.QApplication.instance().removeEventFilter(self)
            # after this paint pass (the whole window paints in one go), not in the middle of it
            QtCore.QTimer.singleShot(0, self, self._fire)
        return False

    def _fire(self) -> None:
        if not self._fired:
            self._fired = True
            QtWidgets.QApplication.instance().removeEventFilter(self)
            self.deleteLater()
            self._callback()


def after_first_paint(window: QtWidgets.QWidget, callback: Callable[[], None]) -> None:
    """Run ``callback`` on the GUI thread once ``window`` has first painted."""
    _FirstPaint(window, callback)


def open_project_job(path: Path):
    """A job for the DB worker: open ``path``, importing the service layer and the panel modules
    there, off the GUI thread. On the first run the demo project is written here too."""
    def job(progress, cancelled) -> ProjectService:
        from phdesk.services.project_service import ProjectService

        if path == paths.demo_project() and not path.exists():
            from phdesk.ui.app import ensure_demo

            ensure_demo()

        service = ProjectService.open(path)
        for name in PANEL_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:   # panels.build_panels reports it (or shows a placeholder)
                log.debug("could not import %s ahead", name, exc_info=True)
        return service
    return job


class WindowOpening:
    """The main window's deferred opening (mixed into ``MainWindow``, which sets ``service``,
    ``settings``, ``tasks``, ``open_error`` and ``_opening`` and has ``_show_project``)."""

    @classmethod
    def open_later(cls, path: str | Path, settings: Settings | None = None,
                   fallback: Callable[[], Path] | None = None):
        """The window for ``path``, to be shown before the project is open (see :meth:`load`)."""
        window = cls(None, settings)
        window.load(path, fallback)
        return window

    @property
    def project_path(self) -> Path | None:
        """The open project's file (or the one being opened)."""
        return self.service.path if self.service is not None else self._opening

    def load(self, path: str | Path, fallback: Callable[[], Path] | None = None) -> None:
        """Open the project file ``path`` in this window (made without a service) once it has
        painted: the file opens on the DB worker, then the panels are built and filled.

        If it cannot be opened, the error is shown and ``fallback()`` (a path) opens instead;
        with no fallback, :attr:`open_error` keeps the error and the window closes (the command
        line reports it). :meth:`wait_until_loaded` waits for all of it.
        """
        path = Path(path)
        self._opening = path
        self.setWindowTitle(f"{path.stem} — phdesk")
        self.setWindowFilePath(str(path))
        for attr in panels.PANELS:
            panel = getattr(self, attr)
            if isinstance(panel, panels.LoadingPlaceholder):
                panel.setText(f"Opening {path.name}…")
        self.statusBar().showMessage(f"Opening {path.name}…")
        start = lambda: self._open_in_background(path, fallback)  # noqa: E731
        if self.isVisible():
            QtCore.QTimer.singleShot(0, self, start)
        else:
            after_first_paint(self, start)

    def _open_in_background(self, path: Path, fallback: Callable[[], Path] | None) -> None:
        if self._opening != path:   # another project was opened meanwhile, or closing
            return
        self.tasks.run(open_project_job(path), lambda service: self._opened(path, service),
                       f"Opening {path.name}", cancellable=False,
                       on_error=lambda exc: self._open_failed(path, exc, fallback))

    def _opened(self, path: Path, service: ProjectService) -> None:
        if self._opening != path or self.service is not None:   # superseded, or closing
            service.close()
            return
        self._opening = None
        self.statusBar().clearMessage()
        self.settings.add_recent(service.path)
        window_actions.refresh_recent_menu(self)
        log.info("opened %s", service.path)
        self._show_project(service)

    def _open_failed(self, path: Path, exc: BaseException,
                     fallback: Callable[[], Path] | None) -> None:
        if self._opening != path:
            return
        self._opening = None
        self.statusBar().clearMessage()
        if fallback is not None:
            errors.show_error(self, "Open project", exc)
            self.load(fallback())
        else:
            log.info("could not open %s: %s", path, exc)
            self.open_error = exc
            self.persist_settings = False
            self.close()

    def wait_until_loaded(self, timeout_ms: int = 120_000) -> bool:
        """Process events until the project is open and read, and background jobs have ended
        (for ``--screenshot`` and tests); False on timeout. Check :attr:`open_error` after."""
        deadline = time.monotonic() + timeout_ms / 1000
        app = QtWidgets.QApplication.instance()
        while self._opening is not None:
            if time.monotonic() > deadline:
                return False
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.005)
        return self.tasks.wait(max(0, int((deadline - time.monotonic()) * 1000)))
