"""The real window system: phdesk opens on Qt's xcb platform under Xvfb.

Every other GUI test runs offscreen, which needs none of the xcb libraries; this one fails first
when a fresh Linux desktop would (a missing libxcb-icccm4 makes Qt abort at start-up). Also the
helpers tasks.py uses to name the missing packages.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tasks():
    spec = importlib.util.spec_from_file_location("phdesk_tasks", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LDD_SAMPLE = """\
\tlinux-vdso.so.1 (0x00007fbf6940a000)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007fbf6931f000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibfoo-unknown.so.7 => not found
"""


def test_missing_libraries_are_named_with_their_packages():
    tasks = _tasks()
    missing = tasks.missing_libraries(LDD_SAMPLE)
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libfoo-unknown.so.7"]
    assert tasks.packages_for(missing) == (["libxcb-icccm4", "libxcb-keysyms1"],
                                           ["libfoo-unknown.so.7"])


@pytest.fixture
def xvfb_display():
    """A private Xvfb display (':N'), stopped afterwards."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the xcb platform is Linux's")
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb; .ci/run installs it)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", "1366x768x24",
                             "-nolisten", "tcp"], pass_fds=(write_fd,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        pytest.fail("Xvfb started but gave no display number")
    yield f":{number}"
    proc.terminate()
    proc.wait(10)


def test_window_opens_on_the_real_xcb_platform(xvfb_display, demo_path, tmp_path):
    shot = tmp_path / "xcb.png"
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb",
           "PYTHONPATH": str(ROOT), "QT_DEBUG_PLUGINS": "0"}
    done = subprocess.run([sys.executable, "-m", "phdesk", str(demo_path), "--screenshot",
                           str(shot)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (
        f"phdesk did not start on xcb (exit {done.returncode}); missing system libraries? "
        "Run: python3 tasks.py syslibs\n" + done.stderr[-3000:])
    assert shot.stat().st_size > 10_000   # a real window, not an empty image


def test_without_root_the_exact_packages_are_named(monkeypatch, capsys, tmp_path):
    tasks = _tasks()
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    monkeypatch.setattr(tasks, "qt_platform_plugin", lambda *a: plugin)
    monkeypatch.setattr(tasks.sys, "platform", "linux")
    monkeypatch.setattr(tasks.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(tasks, "_root_prefix", lambda: None)
    ran = []

    def fake_run(cmd, **kw):
        ran.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, stdout=LDD_SAMPLE, stderr="")
    monkeypatch.setattr(tasks.subprocess, "run", fake_run)
    assert tasks.check_system_libraries() == 3
    err = capsys.readouterr().err
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in err
    assert "libfoo-unknown.so.7" in err
    assert all(cmd[0] == "ldd" for cmd in ran)   # nothing installed without the rights
