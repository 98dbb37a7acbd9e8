"""The frozen bundle in dist/phdesk (built by ``python3 tasks.py build``): it runs and is slim.

Skipped when there is no bundle; ``.ci/run`` runs these after the build.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "phdesk"
EXE = BUNDLE / ("phdesk.exe" if sys.platform == "win32" else "phdesk")
INTERNAL = BUNDLE / "_internal"

pytestmark = [
    pytest.mark.frozen,
    pytest.mark.skipif(not EXE.exists(),
                       reason=f"no frozen bundle at {EXE} (build it: python3 tasks.py build)"),
]

MARKERS = ("ModuleNotFoundError", "No module named", "could not find or load",
           "Traceback (most recent call last)")


@pytest.mark.slow
def test_frozen_selfcheck(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PHDESK_HOME": str(tmp_path / "home"),
           "PHDESK_SELFCHECK_LOG": str(tmp_path / "report.txt")}
    proc = subprocess.run([str(EXE), "--selfcheck"], capture_output=True, text=True, env=env,
                          timeout=300, cwd=tmp_path)
    report = (tmp_path / "report.txt").read_text(encoding="utf-8")
    output = proc.stdout + proc.stderr + report
    assert proc.returncode == 0, output
    assert report.strip().splitlines()[-1] == "phdesk ready"
    assert "(frozen)" in report.splitlines()[0]
    assert not [m for m in MARKERS if m in output], output


def test_frozen_version_matches_the_source(tmp_path):
    from phdesk import __version__

    proc = subprocess.run([str(EXE), "--version"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PHDESK_HOME": str(tmp_path)})
    assert proc.returncode == 0
    if sys.platform != "win32":  # a windowed Windows exe has no stdout to read
        assert proc.stdout.strip() == f"phdesk {__version__}"


def _bundled(pattern: str) -> list[str]:
    return sorted(str(p.relative_to(INTERNAL)) for p in INTERNAL.glob(pattern))


def test_test_only_peers_are_not_bundled():
    for name in ("geopandas", "access", "scipy", "pyogrio", "pytest", "_pytest", "IPython",
                 "tkinter", "matplotlib", "PyQt5", "PyQt6"):
        assert not (INTERNAL / name).exists(), name
    assert _bundled("**/_tkinter*") == []


def test_qt_is_slimmed_but_keeps_what_pyqtgraph_and_headless_runs_need():
    qt = INTERNAL / "PySide6"
    assert _bundled("PySide6/**/translations/*.qm") == []
    platforms = {p.name.split(".")[0].removeprefix("lib") for p in qt.rglob("platforms/*")}
    assert "qoffscreen" in platforms and ("qwindows" in platforms or "qxcb" in platforms)
    assert platforms <= {"qwindows", "qoffscreen", "qminimal", "qxcb"}
    formats = {p.name.split(".")[0].removeprefix("lib") for p in qt.rglob("imageformats/*")}
    assert formats <= {"qico", "qsvg", "qjpeg"} and "qsvg" in formats
    for plugin_dir in ("tls", "networkinformation", "platformthemes", "wayland-shell-integration"):
        assert not list(qt.rglob(f"plugins/{plugin_dir}")), plugin_dir
    # pyqtgraph imports these unconditionally: excluding them crashed the frozen app
    for module in ("QtOpenGL", "QtOpenGLWidgets", "QtSvg"):
        assert list(qt.glob(f"{module}.*")), module


def test_bundle_carries_its_module_list_and_resources():
    names = (INTERNAL / "phdesk" / "phdesk_modules.txt").read_text(encoding="utf-8").split()
    assert "phdesk.ui.main_window" in names and "phdesk.selfcheck" in names
    source = ROOT / "phdesk" / "resources"
    shipped = sorted(str(p.relative_to(source)) for p in source.rglob("*") if p.is_file()) \
        if source.is_dir() else []
    bundled_dir = INTERNAL / "phdesk" / "resources"
    bundled = sorted(str(p.relative_to(bundled_dir)) for p in bundled_dir.rglob("*")
                     if p.is_file()) if bundled_dir.is_dir() else []
    assert bundled == shipped


def test_console_twin_prints_the_version(tmp_path):
    """phdesk-cli(.exe): built on Windows (or with PHDESK_CLI_EXE=1), a console for the CLI."""
    from phdesk import __version__

    cli = BUNDLE / ("phdesk-cli.exe" if sys.platform == "win32" else "phdesk-cli")
    if not cli.exists():
        pytest.skip("no phdesk-cli in this bundle (Windows builds have it)")
    proc = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PHDESK_HOME": str(tmp_path)})
    assert proc.returncode == 0 and proc.stdout.strip() == f"phdesk {__version__}"
