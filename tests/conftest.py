"""Shared fixtures. Qt runs offscreen; phdesk's settings and logs go to a temp folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil  # noqa: E402

import pytest  # noqa: E402


def pytest_sessionstart(session):
    """One QApplication for the whole run, made first: the CLI's PDF/PNG export makes a bare
    QGuiApplication when none exists, and a widget test run after it in the same process (e.g.
    ``pytest tests/export tests/ui``) then found no QApplication (``topLevelWidgets``)."""
    from PySide6 import QtWidgets

    if QtWidgets.QApplication.instance() is None:
        session.config._phdesk_qapp = QtWidgets.QApplication(["pytest"])   # kept alive


@pytest.fixture(autouse=True)
def _qt_garbage_on_the_gui_thread():
    """Once a QApplication exists, cyclic garbage is collected on the GUI thread only
    (``phdesk.ui.gc_guard``; docs/ARCHITECTURE.md, "Known traps"), and after every test: a
    collection started by a worker thread freed an earlier test's map panel there and the
    suite hung (Qt's connection mutex against the GIL)."""
    yield
    import sys

    widgets = sys.modules.get("PySide6.QtWidgets")
    app = widgets.QApplication.instance() if widgets is not None else None
    if app is not None:
        import gc

        from phdesk.ui import gc_guard

        gc_guard.install(app)
        gc.collect()


@pytest.fixture(autouse=True)
def _phdesk_home(tmp_path_factory, monkeypatch):
    """Keep settings, logs and recent files out of the real user folders."""
    home = tmp_path_factory.mktemp("phdesk_home")
    monkeypatch.setenv("PHDESK_HOME", str(home))
    return home


@pytest.fixture
def project(tmp_path):
    """A new empty project."""
    from phdesk.store.project import Project

    p = Project.create(tmp_path / "test.phdesk")
    yield p
    p.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo project, written once; tests get copies (see ``demo_path``)."""
    from phdesk.core.demo import write_demo

    path = tmp_path_factory.mktemp("demo_template") / "demo.phdesk"
    write_demo(path)
    return path


@pytest.fixture
def demo_path(demo_template, tmp_path):
    """A fresh copy of the demo project in this test's folder."""
    path = tmp_path / "demo.phdesk"
    shutil.copy(demo_template, path)
    return path
