"""PyInstaller runtime hook: with ``PHDESK_EXIT_AFTER_SHOW=1``, exit once the first main window
has painted. Does nothing otherwise (no import, no cost).

For measuring start-up (``bench/bench_startup.py``): the same hook is in phdesk's bundle and in
the minimal baseline app, so both are timed from launch to their first painted main window by the
same means, without any benchmarking code in phdesk itself. It wraps ``QApplication.exec`` to
watch for the first paint inside a main window and then ends the process at once (exit status 0,
no clean-up: only the time to the window matters).
"""

import os


def install() -> None:
    from PySide6 import QtCore, QtWidgets

    class _FirstPaint(QtCore.QObject):
        """Application-wide: the first paint of any widget inside a main window ends the run."""

        done = False

        def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
            if (not self.done and event.type() == QtCore.QEvent.Type.Paint
                    and isinstance(obj, QtWidgets.QWidget)
                    and isinstance(obj.window(), QtWidgets.QMainWindow)):
                self.done = True
                # after this paint pass (the whole window is painted in one go), leave
                QtCore.QTimer.singleShot(0, lambda: os._exit(0))
            return False

    original_exec = QtWidgets.QApplication.exec
    watcher = _FirstPaint()

    def exec_(*_args):
        # The app has built and shown its window by the time it enters the event loop (however
        # it showed it: show(), showMaximized()...); the first paint happens in the loop.
        # (Called as app.exec() or QApplication.exec(): exec is static in PySide6.)
        QtWidgets.QApplication.instance().installEventFilter(watcher)
        # no paint within 10 s: leave with status 3, which the benchmark reports as a failure
        QtCore.QTimer.singleShot(10_000, lambda: os._exit(3))
        return original_exec()

    QtWidgets.QApplication.exec = exec_


if os.environ.get("PHDESK_EXIT_AFTER_SHOW") == "1":
    install()
