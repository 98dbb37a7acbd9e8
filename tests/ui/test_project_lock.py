"""One project, one window: a second window on a project already open says so and shows it
read-only; closing the first frees it."""

from __future__ import annotations

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
