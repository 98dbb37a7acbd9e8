"""The window's saved choices in the project file (store/view_settings.py) and the service's
read-only rule: kept in memory, never written."""

from __future__ import annotations

import shutil
from pathlib import Path

from phdesk.services.project_service import ProjectService
from phdesk.store import view_settings
from phdesk.store.project import Project


def test_round_trip_keeps_only_known_text_values(project):
    assert view_settings.read(project) == {}
    kept = view_settings.write(project, {"level": "neighbourhoods", "measure": "gap_score",
                                         "category": "Café ☕", "segment": "", "colour": "red",
                                         "neighbourhood": 3, "scenario": "A"})
    assert kept == {"level": "neighbourhoods", "measure": "gap_score", "category": "Café ☕"}
    assert view_settings.read(project) == kept
    view_settings.write(project, {"level": "areas"})          # replaces, not merges
    assert view_settings.read(project) == {"level": "areas"}


def test_unreadable_value_reads_as_nothing(project):
    project.set_meta(view_state="{not json")
    assert view_settings.read(project) == {}
    project.set_meta(view_state='["a list"]')
    assert view_settings.read(project) == {}
    project.set_meta(view_state='{"measure": "' + "x" * 500 + '"}')
    assert view_settings.read(project) == {}


def test_the_v1_project_file_takes_them(tmp_path):
    path = tmp_path / "v1.phdesk"
    shutil.copy(Path(__file__).parents[1] / "data" / "project_v1.phdesk", path)
    service = ProjectService.open(path)
    service.save_view_settings({"category": "GP practice"})
    service.close()
    assert ProjectService.open(path).view_settings() == {"category": "GP practice"}


def test_read_only_project_keeps_them_in_memory(tmp_path, project):
    project.close()
    before = project.path.read_bytes()
    service = ProjectService.open(project.path, read_only=True)
    service.save_view_settings({"level": "neighbourhoods"})
    assert service.view_settings() == {"level": "neighbourhoods"}
    service.close()
    assert project.path.read_bytes() == before
    with Project(project.path) as p:
        assert view_settings.read(p) == {}


def test_made_read_only_by_another_window_writes_nothing(tmp_path, project):
    project.close()
    service = ProjectService.open(project.path)
    service.make_read_only("open in another phdesk window")
    service.save_view_settings({"level": "neighbourhoods"})
    assert service.view_settings() == {"level": "neighbourhoods"}
    service.close()
    with Project(project.path) as p:
        assert view_settings.read(p) == {}
