"""The main window's size and dock layout: restored from the settings, a first-run size that
suits the screen, and the layout saved on closing.

Why it exists: main_window.py holds the window's project and panels; where the window and its
docks sit is its own job, kept here as a mixin :class:`~phdesk.ui.main_window.MainWindow`
inherits.
"""

from __future__ import annotations

import base64
import logging

from PySide6 import QtCore, QtGui

from phdesk.ui import panels

log = logging.getLogger(__name__)


class WindowLayout:
    """Window geometry and dock layout, for :class:`MainWindow`."""

    def _restore_layout(self) -> None:
        s = self.settings
        self._size_docks_on_show = True
        try:
            self.prefers_maximised = False
            if not (s.window_geometry and self.restoreGeometry(
                    QtCore.QByteArray(base64.b64decode(s.window_geometry)))
                    and self._fits_screen()):
                # none saved, or saved on a bigger screen (a laptop off its docking station):
                # a window larger than the screen would open partly off it
                self._first_run_geometry()
            if s.window_state and self.restoreState(
                    QtCore.QByteArray(base64.b64decode(s.window_state))):
                self._size_docks_on_show = False
                self._saved_state = QtCore.QByteArray(base64.b64decode(s.window_state))
        except ValueError:
            log.warning("saved window layout unreadable; using the default")
        self.default_layout = self._size_docks_on_show   # no saved layout: ours

    def size_docks_for_panels(self) -> None:
        """The panels replaced the placeholders in the docks: Qt shares the height out again by
        the new size hints (the map took all but the charts' minimum), so size them again, or
        restore the saved layout again."""
        saved = getattr(self, "_saved_state", None)
        if saved is not None:
            QtCore.QTimer.singleShot(0, self, lambda: self.restoreState(saved))
        elif getattr(self, "default_layout", False) and self.isVisible():
            QtCore.QTimer.singleShot(0, self, lambda: panels.size_docks(self))

    def _fits_screen(self) -> bool:
        """True when the restored window lies within a screen's available area (a few pixels
        of frame allowed), or it was saved maximised."""
        if self.isMaximized():
            return True
        screen = QtGui.QGuiApplication.screenAt(self.geometry().center()) or self.screen()
        if screen is None:
            return True
        avail = screen.availableGeometry()
        least = self.minimumSizeHint().expandedTo(self.minimumSize())
        if least.width() > avail.width() or least.height() > avail.height():
            return False   # only maximised does it fit at all
        return avail.adjusted(-16, -40, 16, 16).contains(self.geometry())

    def _first_run_geometry(self) -> None:
        """Most of the screen, centred; a small laptop screen is better used maximised."""
        self.prefers_maximised = False
        screen = self.screen() or QtGui.QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(1400, 900)
            return
        avail = screen.availableGeometry()
        size = QtCore.QSize(min(1440, int(avail.width() * 0.92)),
                            min(920, int(avail.height() * 0.92)))
        self.resize(size)
        self.move(avail.center() - QtCore.QPoint(size.width() // 2, size.height() // 2))
        # a 1366×768 laptop (the usual NHS one) has room for the window only maximised
        self.prefers_maximised = avail.width() < 1440 or avail.height() < 800

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if self._size_docks_on_show:   # first show without a saved layout
            self._size_docks_on_show = False
            # the window manager maximises a moment after the show (a small laptop screen):
            # size the docks again at the first resize while maximised, or the charts keep
            # their share of the smaller window and every pixel gained goes to the map
            self._size_docks_when_maximised = self.prefers_maximised
            QtCore.QTimer.singleShot(0, self, lambda: panels.size_docks(self))

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if getattr(self, "_size_docks_when_maximised", False) and self.isMaximized():
            self._size_docks_when_maximised = False
            QtCore.QTimer.singleShot(0, self, lambda: panels.size_docks(self))

    def save_layout(self) -> None:
        self.settings.window_geometry = base64.b64encode(bytes(self.saveGeometry())).decode()
        self.settings.window_state = base64.b64encode(bytes(self.saveState())).decode()
