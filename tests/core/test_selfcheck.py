"""``phdesk --selfcheck``: the check IT and CI run on an installed or frozen phdesk."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from phdesk import selfcheck as sc

STEPS = ("qt", "modules", "demo", "mapping", "window", "export")


@pytest.mark.slow
def test_selfcheck_from_source_passes(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PHDESK_HOME": str(tmp_path / "home"),
           "PHDESK_SELFCHECK_DIR": str(tmp_path / "kept"),
           "PHDESK_SELFCHECK_LOG": str(tmp_path / "report.txt")}
    proc = subprocess.run([sys.executable, "-m", "phdesk", "--selfcheck"], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "phdesk ready"
    assert lines[-2].startswith("selfcheck: summary demo ")
    for step in STEPS:
        assert any(ln.startswith(f"selfcheck: {step} ok") for ln in lines), step
    # The same lines go to the report file (a windowed Windows exe has no stdout).
    assert (tmp_path / "report.txt").read_text(encoding="utf-8").strip().splitlines() == lines
    # The kept outputs: the demo project, five CSV tables and two real pictures.
    (run,) = list((tmp_path / "kept").iterdir())
    assert len(list((run / "mapping").glob("*.csv"))) == 6
    for png in ("window.png", "map.png"):
        assert (run / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Nothing was written to the user's own settings while checking.
    assert not (tmp_path / "home" / "config" / "settings.json").exists()


def test_selfcheck_fails_when_a_step_fails(monkeypatch, capsys, qapp):
    import phdesk.core.demo

    def broken(path):
        raise RuntimeError("disk full")

    monkeypatch.setattr(phdesk.core.demo, "write_demo", broken)
    assert sc.selfcheck() == 1
    out = capsys.readouterr().out
    assert "selfcheck: FAILED: RuntimeError: disk full" in out
    assert "phdesk ready" not in out
    assert "selfcheck: qt ok" in out and "selfcheck: modules ok" in out


@pytest.mark.parametrize("text", [
    "Traceback (most recent call last):\n  ...\nModuleNotFoundError: No module named 'shapely'",
    "qt.qpa.plugin: Could not find the Qt platform plugin; could not find or load it",
    "ImportError: DLL load failed while importing QtCore",
])
def test_scan_rejects_signs_of_a_broken_bundle(text):
    with pytest.raises(sc.SelfcheckFailed):
        sc._scan(text, "stderr")


def test_scan_accepts_ordinary_messages():
    sc._scan("This plugin does not support propagateSizeHints()\njob done: Running mapping",
             "Qt messages")


def test_module_list_covers_the_package():
    names = sc.phdesk_modules()
    assert "phdesk.selfcheck" in names and "phdesk.cli" in names and "phdesk" in names
    assert "phdesk.__main__" not in names
    assert all(n == "phdesk" or n.startswith("phdesk.") for n in names)
