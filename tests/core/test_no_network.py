"""phdesk opens no network connection, ever (docs/IT.md says so; these tests are how we know).

1. The command line's jobs (demo, import with lat/long projected by PROJ, mapping) run in-process
   with every way of opening a socket replaced by a trap; the trap must never be sprung.
2. No module in phdesk/ imports a networking library, and every ``openUrl`` opens a local file.
"""

from __future__ import annotations

import ast
import re
import socket
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "phdesk"

# Modules that can talk to a network. urllib.parse is only string handling and is allowed.
NETWORK_MODULES = ("socket", "ssl", "urllib", "http", "requests", "httpx", "aiohttp", "urllib3",
                   "ftplib", "smtplib", "poplib", "imaplib", "telnetlib", "xmlrpc", "webbrowser",
                   "websocket", "websockets", "asyncio", "PySide6.QtNetwork",
                   "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets")
ALLOWED = ("urllib.parse",)


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Every socket entry point raises and is recorded."""
    calls: list[str] = []

    def trap(name):
        def blocked(*args, **kwargs):
            calls.append(f"{name}{args[:2]}")
            raise NetworkUsed(f"phdesk tried to use the network: socket.{name}{args[:2]}")
        return blocked

    real_socket = socket.socket

    class TrapSocket(real_socket):  # a class, so modules that subclass socket.socket still load
        def __init__(self, *args, **kwargs):
            calls.append(f"socket{args[:2]}")
            raise NetworkUsed(f"phdesk tried to open a socket{args[:2]}")

    monkeypatch.setattr(socket, "socket", TrapSocket)
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "socketpair",
                 "create_server", "fromfd"):
        monkeypatch.setattr(socket, name, trap(name))
    return calls


def _asset_register(project_path: Path, out: Path) -> Path:
    """A small asset register with WGS84 coordinates inside the demo borough."""
    from phdesk.core.geo import bng_to_lonlat
    from phdesk.store.project import Project
    from phdesk.store.queries import areas_frame

    project = Project(project_path)
    try:
        areas = areas_frame(project, with_geometry=False).head(3)
    finally:
        project.close()
    lon, lat = bng_to_lonlat(areas["centroid_e"].to_numpy(), areas["centroid_n"].to_numpy())
    rows = [f"Test library {i},Library,{la:.6f},{lo:.6f}"
            for i, (lo, la) in enumerate(zip(lon, lat, strict=True))]
    out.write_text("Name,Category,Latitude,Longitude\n" + "\n".join(rows) + "\n",
                   encoding="utf-8")
    return out


def test_cli_jobs_run_with_the_network_blocked(tmp_path, no_network, capsys):
    from phdesk.cli import main

    project = tmp_path / "demo.phdesk"
    assert main(["demo", str(project)]) == 0
    csv = _asset_register(project, tmp_path / "assets.csv")
    assert main(["import", str(project), str(csv)]) == 0
    assert main(["map", str(project), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert len(list((tmp_path / "out").glob("*.csv"))) == 6
    assert no_network == []
    assert "Test library" not in capsys.readouterr().err


def test_the_trap_works(no_network):
    """The guard itself: opening a socket is caught (so the test above can fail)."""
    with pytest.raises(NetworkUsed):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(NetworkUsed):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    assert [c.split("(")[0] for c in no_network] == ["create_connection", "socket"]


def test_proj_never_downloads_grids(monkeypatch):
    """PROJ's own downloader (libcurl, not Python sockets) stays off even if the machine asks."""
    import numpy as np
    import pyproj

    from phdesk.core import geo

    monkeypatch.setenv("PROJ_NETWORK", "ON")
    pyproj.network.set_network_enabled(True)  # what PROJ_NETWORK=ON does at start-up
    geo._transformer.cache_clear()
    try:
        e, n = geo.lonlat_to_bng(np.array([-1.5491]), np.array([53.8008]))  # Leeds
        assert 420_000 < e[0] < 440_000 and 425_000 < n[0] < 440_000
        assert pyproj.network.is_network_enabled() is False
    finally:
        pyproj.network.set_network_enabled(False)
        geo._transformer.cache_clear()


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _is_network(name: str) -> bool:
    if any(name == a or name.startswith(a + ".") for a in ALLOWED):
        return False
    return any(name == m or name.startswith(m + ".") for m in NETWORK_MODULES)


def test_no_networking_imports_in_phdesk():
    offenders = []
    for f in sorted(PKG.rglob("*.py")):
        bad = sorted(n for n in _imports(f) if _is_network(n))
        if bad:
            offenders.append(f"{f.relative_to(PKG.parent)}: {bad}")
    assert offenders == []


def test_the_import_scan_sees_networking_code(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("import urllib.request\nfrom http import client\nfrom urllib.parse import quote\n"
                 "from PySide6 import QtNetwork\n", encoding="utf-8")
    found = sorted(n for n in _imports(f) if _is_network(n))
    assert found == ["PySide6.QtNetwork", "http", "http.client", "urllib.request"]


def test_open_url_only_opens_local_files():
    """QDesktopServices.openUrl may show a folder, never a web page."""
    offenders = []
    for f in sorted(PKG.rglob("*.py")):
        text = f.read_text(encoding="utf-8")
        for m in re.finditer(r"openUrl\(", text):
            window = text[m.end():m.end() + 120]
            if "fromLocalFile" not in window:
                line = text.count("\n", 0, m.start()) + 1
                offenders.append(f"{f.relative_to(PKG.parent)}:{line}")
        for m in re.finditer(r"QUrl\(\s*[\"']https?://", text):
            offenders.append(f"{f.relative_to(PKG.parent)}: web address at offset {m.start()}")
    assert offenders == []
