"""PyInstaller runtime hook: with ``PHDESK_EXIT_AFTER_SHOW=1``, exit once the first main window
has painted. Does nothing otherwise (no import, no cost).

For measuring start-up (``bench/bench_startup.py``): the same hook is in phdesk's bundle and in
the minimal baseline app, so both are timed from launch to their first painted main window by the
same means, without any benchmarking code in phdesk itself. It wraps ``QMainWindow.show`` to
watch the window's first paint event and then ends the process at once (exit status 0, no
clean-up: only the time to the window matters).
"""

import os


def install() -> None:
    from PySide6 import QtCore, QtWidgets

    original_show = QtWidgets.QMainWindow.show

    class _FirstPaint(QtCore.QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
            if event.type() == QtCore.QEvent.Type.Paint:
                # let this paint finish, then leave
                QtCore.QTimer.singleShot(0, lambda: os._exit(0))
            return False

    watcher = None

    def show(self):
        nonlocal watcher
        if watcher is None:
            watcher = _FirstPaint()
            self.installEventFilter(watcher)
            # no paint within 5 s: leave with status 3, which the benchmark reports as a failure
            QtCore.QTimer.singleShot(5000, lambda: os._exit(3))
        return original_show(self)

    QtWidgets.QMainWindow.show = show


if os.environ.get("PHDESK_EXIT_AFTER_SHOW") == "1":
    install()
