"""One project, one window: a second window on a project already open says so and shows it
read-only; closing the first frees it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

from phdesk.ui.project_lock import lock_path


def test_second_window_on_the_same_project_is_read_only(qtbot, make_main_window, demo_path):
    first = make_main_window(demo_path)
    assert not first.read_only and lock_path(demo_path).exists()
    assert first.commands["file.import"].isEnabled()
    second = make_main_window(demo_path)
    assert second.read_only
    assert "read-only" in second.windowTitle()
    message = second.read_only_message.text()
    assert "already open in another phdesk window" in message and demo_path.name in message
    assert not second.commands["file.import"].isEnabled()
    assert not second.commands["analysis.run"].isEnabled()
    assert not second.asset_panel.add_button.isEnabled()
    n = second.asset_panel.model.rowCount()
    second.asset_panel.delete_assets([int(second.asset_panel.model.frame()["id"].iloc[0])])
    assert second.asset_panel.model.rowCount() == n   # refused
    second.read_only_message.close()
    second.close()
    first.close()
    assert not lock_path(demo_path).exists()
    third = make_main_window(demo_path)
    assert not third.read_only


def test_a_lock_held_by_another_phdesk_process_is_named(qtbot, make_main_window, demo_path):
    script = ("import sys, time\nfrom PySide6 import QtCore\n"
              f"lock = QtCore.QLockFile({str(lock_path(demo_path))!r})\n"
              "lock.setStaleLockTime(0)\nassert lock.tryLock(0)\nprint('locked', flush=True)\n"
              "time.sleep(60)\n")
    other = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "locked"
        win = make_main_window(demo_path)
        assert win.read_only
        assert f"process {other.pid}" in win.read_only_message.text()
        win.read_only_message.close()
        win.close()
    finally:
        other.kill()
        other.wait(10)
    time.sleep(0.1)
    # the other process died: its lock is stale and the next window may write
    again = make_main_window(demo_path)
    assert not again.read_only


def test_a_read_only_file_is_said_plainly_and_edits_are_off(qtbot, demo_path):
    """Issue 12: a project opened read-only (here: asked for; a read-only file or folder gives
    its own reason) says so in a banner, the title and the status bar, and every writing
    control is off with the reason as its tooltip; the window still shows the data."""
    from phdesk.services.project_service import ProjectService
    from phdesk.settings import Settings
    from phdesk.ui.main_window import MainWindow

    def runs() -> int:
        with sqlite3.connect(f"file:{demo_path}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM mapping_runs").fetchone()[0]

    from phdesk.core.mapping import MappingParams

    writer = ProjectService.open(demo_path)   # a project mapped before, as a planner's is
    writer.run_mapping(MappingParams())
    writer.close()
    before = runs()
    assert before >= 1
    service = ProjectService.open(demo_path, read_only=True)
    win = MainWindow(service, Settings())
    qtbot.addWidget(win)
    win.show()
    assert win.tasks.wait(60_000)
    reason = service.read_only_reason
    assert reason and win.read_only and win.read_only_reason == reason
    assert win.read_only_banner.isVisible()
    banner = win.read_only_banner.text.text()
    assert "Read-only" in banner and reason in banner and "copy the file" in banner
    assert f"(read-only: {reason})" in win.windowTitle()
    assert reason in win.statusBar().currentMessage()
    for name in ("file.import", "analysis.run"):
        assert not win.commands[name].isEnabled()
        assert reason in win.commands[name].statusTip()
    assert not win.asset_panel.add_button.isEnabled()
    for button in (win.notes_panel.add_button, win.ideas_panel.add_button,
                   win.scenario_panel.new_button):
        assert not button.isEnabled() and reason in button.toolTip()
    win.scenario_panel._update_buttons()          # a panel's own rule cannot turn them on
    assert not win.scenario_panel.delete_button.isEnabled()
    win.notes_panel.edit_button.setEnabled(True)
    assert not win.notes_panel.edit_button.isEnabled()
    assert win.neighbourhood_panel.row_count() == 8   # still shows everything
    # ... with the last run's results, computed again in memory and recorded nowhere (it
    # once showed "Mapped <date>" over an empty map and results)
    qtbot.waitUntil(lambda: service.last_result is not None, timeout=120_000)
    assert win.tasks.wait(60_000)
    assert len(service.last_result.neighbourhood_segments) > 0
    assert win.map_panel._result is service.last_result
    assert runs() == before
    win.close()


def test_the_second_window_says_so_in_a_banner(qtbot, make_main_window, demo_path):
    first = make_main_window(demo_path)
    second = make_main_window(demo_path)
    second.read_only_message.close()
    assert second.read_only_banner.isVisible() and not first.read_only_banner.isVisible()
    text = second.read_only_banner.text.text()
    assert "another phdesk window" in text and "Close the other window" in text
    assert not second.notes_panel.add_button.isEnabled()
    assert first.notes_panel.add_button.isEnabled()
    # the service refuses writes too, whichever control might try
    assert "another phdesk window" in (second.service.read_only_reason or "")
    second.close()
    first.close()
