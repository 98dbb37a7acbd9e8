"""Helper for running jobs on background threads so the window never freezes.

``TaskRunner.run(fn, on_done, label)`` runs ``fn(progress, cancelled)`` on a worker thread and
calls ``on_done(result)`` back on the GUI thread. Anything that touches the project database runs
on the one DB worker (a ``ThreadPoolExecutor(max_workers=1)``), so such jobs are serialised; pure
geometry/CPU work may use the separate CPU worker (``cpu=True``).

Rule: ``fn`` must not touch any widget — it gets data in and returns data out. Results, progress
and errors come back through a queued Qt signal. A progress bar, the job's message and a Cancel
button appear in the status bar when a job has been running for 300 ms. Cancel sets a flag that
the job's ``cancelled()`` reads; jobs raise ``phdesk.core.progress.Cancelled`` to stop, which
shows a status message rather than an error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6 import QtCore, QtWidgets

from phdesk.core.progress import Cancelled
from phdesk.ui.errors import show_error

log = logging.getLogger(__name__)

SHOW_AFTER_MS = 300
Job = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


class Task(QtCore.QObject):
    """One submitted job: its cancel flag, its last progress and how it ended."""

    progressed = QtCore.Signal(float, str)
    finished = QtCore.Signal(str)          # "done" | "cancelled" | "failed"

    def __init__(self, label: str, cancellable: bool, parent: QtCore.QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self.label = label
        self.cancellable = cancellable
        self.fraction = 0.0
        self.message = ""
        self.status = "pending"
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next progress call."""
        if self.cancellable:
            self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return self.status in ("pending", "running")


class _ProgressStrip(QtWidgets.QWidget):
    """Status-bar widget: message, progress bar and Cancel button for the current job."""

    cancel_clicked = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QtWidgets.QLabel(self)
        self.label.setAccessibleName("Background job")
        self.bar = QtWidgets.QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setAccessibleName("Progress of the background job")
        self.bar.setMinimumWidth(self.fontMetrics().horizontalAdvance("0") * 20)
        self.button = QtWidgets.QPushButton("&Cancel", self)
        self.button.setAccessibleName("Cancel the background job")
        self.button.setAccessibleDescription("Stops the running job; the project stays as it was")
        self.button.clicked.connect(self.cancel_clicked)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.button)
        self.hide()

    def show_task(self, task: Task) -> None:
        self.label.setText(task.message or task.label)
        self.bar.setValue(int(task.fraction * 1000))
        self.button.setEnabled(task.cancellable and not task.cancelled())
        self.show()


class TaskRunner(QtCore.QObject):
    """Runs jobs off the GUI thread with progress, cancel and readable errors.

    Parameters
    ----------
    parent
        The widget errors are shown over.
    status_bar
        Where the progress strip goes; the parent's status bar when it is a ``QMainWindow``.
    """

    _job_ended = QtCore.Signal(object, object, object)    # task, result, exception
    _job_progress = QtCore.Signal(object, float, str)     # task, fraction, message

    def __init__(self, parent: QtWidgets.QWidget,
                 status_bar: QtWidgets.QStatusBar | None = None) -> None:
        super().__init__(parent)
        self._parent = parent
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="phdesk-db")
        self._cpu = ThreadPoolExecutor(max_workers=1, thread_name_prefix="phdesk-cpu")
        self._tasks: list[Task] = []
        self._callbacks: dict[int, tuple[Callable, Callable | None]] = {}
        if status_bar is None and isinstance(parent, QtWidgets.QMainWindow):
            status_bar = parent.statusBar()
        self.status_bar = status_bar
        self.strip = _ProgressStrip()
        self.strip.cancel_clicked.connect(self.cancel_current)
        if status_bar is not None:
            status_bar.addPermanentWidget(self.strip)
        queued = QtCore.Qt.ConnectionType.QueuedConnection
        self._job_ended.connect(self._on_job_ended, queued)
        self._job_progress.connect(self._on_job_progress, queued)
        self._closed = False

    # -- submitting ----------------------------------------------------------------------------
    def run(self, fn: Job, on_done: Callable[[Any], None], label: str,
            on_error: Callable[[BaseException], None] | None = None, cancellable: bool = True,
            cpu: bool = False) -> Task:
        """Run ``fn(progress, cancelled)`` off the GUI thread; ``on_done(result)`` on it."""
        if self._closed:
            raise RuntimeError("TaskRunner is shut down")
        task = Task(label, cancellable, self)
        self._tasks.append(task)
        self._callbacks[id(task)] = (on_done, on_error)

        def progress(fraction: float, message: str = "") -> None:
            self._job_progress.emit(task, float(fraction), str(message))

        def work() -> None:
            task.status = "running"
            try:
                result = fn(progress, task.cancelled)
            except BaseException as exc:  # noqa: B036 - every failure is reported on the GUI
                self._job_ended.emit(task, None, exc)
            else:
                self._job_ended.emit(task, result, None)

        (self._cpu if cpu else self._db).submit(work)
        QtCore.QTimer.singleShot(SHOW_AFTER_MS, self, self._refresh_strip)
        log.info("job started: %s", label)
        return task

    # -- state -----------------------------------------------------------------------------------
    def busy(self) -> bool:
        return any(t.running for t in self._tasks)

    def current(self) -> Task | None:
        """The oldest job still running (the one the strip shows)."""
        return next((t for t in self._tasks if t.running), None)

    def cancel_current(self) -> None:
        task = self.current()
        if task is not None:
            task.cancel()
            task.message = f"Cancelling {task.label.lower()}…"
            self._refresh_strip()

    def cancel_all(self) -> None:
        for task in self._tasks:
            task.cancel()

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Process events until every job has ended and its callback ran (for tests and
        ``--screenshot``). Returns False on timeout."""
        deadline = time.monotonic() + timeout_ms / 1000
        app = QtWidgets.QApplication.instance()
        while self._tasks:
            if time.monotonic() > deadline:
                return False
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.005)
        app.processEvents()
        return True

    def shutdown(self, wait: bool = True) -> None:
        """Cancel running jobs and stop the workers (window closing)."""
        self._closed = True
        self.cancel_all()
        self._db.shutdown(wait=wait, cancel_futures=True)
        self._cpu.shutdown(wait=wait, cancel_futures=True)

    # -- GUI-thread slots ----------------------------------------------------------------------
    @QtCore.Slot(object, float, str)
    def _on_job_progress(self, task: Task, fraction: float, message: str) -> None:
        task.fraction = min(max(fraction, 0.0), 1.0)
        if message and not task.cancelled():
            task.message = message
        task.progressed.emit(task.fraction, task.message)
        if task is self.current() and self.strip.isVisible():
            self.strip.show_task(task)

    @QtCore.Slot(object, object, object)
    def _on_job_ended(self, task: Task, result: Any, exc: BaseException | None) -> None:
        on_done, on_error = self._callbacks.pop(id(task), (None, None))
        if task in self._tasks:
            self._tasks.remove(task)
        self._refresh_strip()
        try:
            if exc is None:
                task.status = "done"
                log.info("job done: %s", task.label)
                if on_done is not None:
                    on_done(result)
            elif isinstance(exc, Cancelled):
                task.status = "cancelled"
                log.info("job cancelled: %s", task.label)
                self._message(f"{task.label}: cancelled.")
            else:
                task.status = "failed"
                if on_error is not None:
                    log.info("job failed: %s: %s", task.label, exc)
                    on_error(exc)
                else:
                    show_error(self._parent, task.label, exc)
        finally:
            task.finished.emit(task.status)

    def _refresh_strip(self) -> None:
        task = self.current()
        if task is None:
            self.strip.hide()
        elif self.status_bar is not None:
            self.strip.show_task(task)

    def _message(self, text: str, ms: int = 8000) -> None:
        if self.status_bar is not None:
            self.status_bar.showMessage(text, ms)
