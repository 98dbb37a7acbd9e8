"""Shared fixtures. Qt runs offscreen; phdesk's settings and logs go to a temp folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


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
