"""TaskRunner: jobs run off the GUI thread, serialised, with progress, cancel and errors."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6 import QtWidgets

from phdesk import paths
from phdesk.core.errors import UserError
from phdesk.core.progress import as_progress
from phdesk.ui.tasks import SHOW_AFTER_MS, TaskRunner


@pytest.fixture
def runner(qtbot):
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    window.show()
    tasks = TaskRunner(window)
    yield tasks
    tasks.cancel_all()
    tasks.wait(10_000)
    tasks.shutdown()


def message_boxes() -> list[QtWidgets.QMessageBox]:
    return [w for w in QtWidgets.QApplication.topLevelWidgets()
            if isinstance(w, QtWidgets.QMessageBox) and w.isVisible()]


@pytest.fixture(autouse=True)
def _close_boxes():
    yield
    for box in message_boxes():
        box.close()


def test_job_runs_on_worker_and_result_comes_back_on_gui_thread(runner):
    seen = {}

    def job(progress, cancelled):
        seen["job_thread"] = threading.current_thread()
        return 6 * 7

    def done(result):
        seen["result"] = result
        seen["done_thread"] = threading.current_thread()

    task = runner.run(job, done, "Sum")
    assert runner.wait(5_000)
    assert seen["result"] == 42
    assert seen["job_thread"] is not threading.main_thread()
    assert seen["done_thread"] is threading.main_thread()
    assert task.status == "done"
    assert not runner.busy()


def test_db_jobs_are_serialised(runner):
    active, overlaps, order = [0], [], []
    lock = threading.Lock()

    def make(i):
        def job(progress, cancelled):
            with lock:
                active[0] += 1
                overlaps.append(active[0])
            time.sleep(0.03)
            with lock:
                active[0] -= 1
            return i
        return job

    for i in range(4):
        runner.run(make(i), order.append, f"Job {i}")
    assert runner.wait(5_000)
    assert order == [0, 1, 2, 3]
    assert max(overlaps) == 1


def test_progress_strip_shows_after_delay_and_hides_at_end(runner, qtbot):
    release = threading.Event()

    def job(progress, cancelled):
        progress(0.25, "Reading rows")
        release.wait(5)
        return "ok"

    runner.run(job, lambda r: None, "Long job")
    assert not runner.strip.isVisible()          # not before the delay
    qtbot.wait(SHOW_AFTER_MS + 200)
    assert runner.strip.isVisible()
    assert runner.strip.label.text() == "Reading rows"
    assert runner.strip.bar.value() == 250
    assert runner.strip.button.isEnabled()
    release.set()
    assert runner.wait(5_000)
    assert not runner.strip.isVisible()


def test_cancel_sets_flag_and_ends_without_dialog(runner, qtbot):
    started = threading.Event()
    calls = {"done": 0, "loops": 0}

    def job(progress, cancelled):
        prog = as_progress(progress, cancelled)
        started.set()
        for i in range(10_000):
            calls["loops"] += 1
            prog(i / 10_000, "working")     # raises Cancelled once cancel is asked
            time.sleep(0.001)
        return "finished"

    task = runner.run(job, lambda r: calls.__setitem__("done", calls["done"] + 1), "Slow job")
    assert started.wait(5)
    qtbot.wait(SHOW_AFTER_MS + 100)
    qtbot.mouseClick(runner.strip.button, qtbot_button())
    assert runner.wait(5_000)
    assert task.status == "cancelled"
    assert calls["done"] == 0
    assert calls["loops"] < 10_000
    assert message_boxes() == []
    assert "cancelled" in runner.status_bar.currentMessage()


def qtbot_button():
    from PySide6 import QtCore

    return QtCore.Qt.MouseButton.LeftButton


def test_unexpected_error_shows_dialog_naming_log_file(runner):
    def job(progress, cancelled):
        raise ValueError("column 'easting' has text in it")

    task = runner.run(job, lambda r: None, "Import")
    assert runner.wait(5_000)
    assert task.status == "failed"
    boxes = message_boxes()
    assert len(boxes) == 1
    assert "column 'easting' has text in it" in boxes[0].text()
    assert str(paths.log_file()) in boxes[0].informativeText()


def test_user_error_shown_as_written(runner):
    runner.run(lambda p, c: (_ for _ in ()).throw(UserError("areas.csv: no LSOA code column")),
               lambda r: None, "Import")
    assert runner.wait(5_000)
    boxes = message_boxes()
    assert [b.text() for b in boxes] == ["areas.csv: no LSOA code column"]
    assert boxes[0].informativeText() == ""


def test_on_error_replaces_dialog(runner):
    errors = []

    def job(progress, cancelled):
        raise RuntimeError("boom")

    runner.run(job, lambda r: None, "Job", on_error=errors.append)
    assert runner.wait(5_000)
    assert [str(e) for e in errors] == ["boom"]
    assert message_boxes() == []


def test_not_cancellable_job_ignores_cancel(runner):
    release = threading.Event()
    seen = []

    def job(progress, cancelled):
        release.wait(5)
        return cancelled()

    task = runner.run(job, seen.append, "Reading", cancellable=False)
    runner.cancel_current()
    release.set()
    assert runner.wait(5_000)
    assert seen == [False]
    assert task.status == "done"
